"""/status as a readable page in one language: database, schema, rows per table, the demo data
set, live activity and cache; on SQLite and PostgreSQL, and in a browser at 1080p and 4K."""
from __future__ import annotations

import json
import os
import re

import pytest
from sqlalchemy import func, select, text

from dashboard.app import create_app
from data_access import db, status
from data_access.models import Base, Meta
from layouts.status import TABLE_GROUPS, table_label
from test_app import render_page

CJK = re.compile(r"[\u3400-\u9fff]")
SHOTS = os.environ.get("SHOTS_DIR")


def test_table_counts_and_activity(mini_city):
    counts = status.table_counts(mini_city.url)
    assert set(counts) == set(Base.metadata.tables)
    with mini_city.engine.connect() as conn:
        for name, table in Base.metadata.tables.items():
            assert counts[name] == conn.execute(select(func.count()).select_from(table)).scalar_one(), name
    assert counts["cases"] == len(mini_city.cases)
    live = status.activity(mini_city.url)
    assert live.newest_case_at == mini_city.newest_reported_at
    assert live.newest_step_at >= live.newest_case_at and live.newest_reading_at is None
    assert live.cases_last_hour == 0  # the mini city's cases are from factories.T0, long ago
    assert tuple(sorted(status.database_status(mini_city.url).revision.split(", "))) == status.code_heads()


def test_a_table_missing_from_the_database_counts_as_none(mini_city):
    with mini_city.engine.begin() as conn:
        conn.execute(text("DROP TABLE api_keys"))
    counts = status.table_counts.uncached(mini_city.url)
    assert counts["api_keys"] is None and counts["cases"] == len(mini_city.cases)


def test_every_table_has_a_name_in_both_languages():
    named = {name for _title, labels in TABLE_GROUPS for name in labels}
    assert set(Base.metadata.tables) <= named, sorted(set(Base.metadata.tables) - named)
    for _title, labels in TABLE_GROUPS:
        for zh, en in labels.values():
            assert CJK.search(zh) and not CJK.search(en), (zh, en)
    assert table_label("case_stages", "zh") == "案件环节" and table_label("case_stages", "en") == "Case stages"


def _rendered(url: str, make_settings, language: str) -> str:
    client = create_app(make_settings(url, LANGUAGE=language)).server.test_client()
    title, content = render_page(client, "/status")
    assert title == {"zh": "系统状态", "en": "System status"}[language]
    # The visible strings of the rendered component tree (children texts and nothing else).
    strings = []

    def walk(node):
        if isinstance(node, str):
            strings.append(node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            walk((node["props"] if "props" in node else node).get("children"))

    walk(json.loads(content))
    return "\n".join(strings)


def test_the_page_reads_in_chinese(mini_city, make_settings):
    with db.session_scope(mini_city.engine) as session:
        session.add(Meta(key="flood_storm", value=json.dumps(
            {"name": "2026年07月06日特大暴雨", "start": "2026-07-06T02:00:00", "hours": 16}, ensure_ascii=False)))
        session.add(Meta(key="seeded_at", value="2026-07-15T02:30:00"))
    page = _rendered(mini_city.url, make_settings, "zh")
    for words in ("运行环境", "迁移版本", "已是最新", "缓存", "文件缓存", "实时数据", "最新案件", "演示数据",
                  "随机种子", "生成案件数", "7 件", "2026-07-15 10:30", "2026年07月06日特大暴雨 · 16 小时",
                  "数据表行数", "案件环节", "单元网格", "传感器读数", "案件状态分布", "监督员上报"):
        assert words in page, words
    assert "{" not in page and "flood_storm" not in page and "seed_cases" not in page
    latin = set(re.findall(r"[A-Za-z_]+", page)) - {"SQLite", "PostgreSQL", "Redis", "UTC", "AI"}
    assert latin == set(), latin  # no English words and no table or key names


def test_the_page_reads_in_english(mini_city, make_settings):
    page = _rendered(mini_city.url, make_settings, "en")
    for words in ("Runtime", "Schema", "up to date", "Cache", "Files (shared by workers)", "Live data",
                  "Newest case", "Demo data set", "Random seed", "Cases generated", "Rows per table",
                  "Case stages", "Unit grids", "Sensor readings", "Cases by status", "Inspector"):
        assert words in page, words
    assert not CJK.search(page.replace("东莞市", "")), [line for line in page.splitlines() if CJK.search(line)]


def test_health_stays_json(mini_city, make_settings):
    client = create_app(make_settings(mini_city.url, LANGUAGE="en")).server.test_client()
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["database"] is True


@pytest.mark.browser
@pytest.mark.parametrize("language", ["zh", "en"])
def test_status_page_in_a_browser(browser, seeded_sqlite, tmp_path, language):
    from browser import SCREENS, open_page, serve

    from dashboard.settings import load_settings

    settings = load_settings({"LOGIN": "off", "DATABASE_URL": seeded_sqlite.url.render_as_string(hide_password=False),
                              "DATA_DIR": str(tmp_path / "data"), "LANGUAGE": language})
    with serve(create_app(settings).server) as url:
        for name, size in SCREENS.items():
            with open_page(browser, url, size) as page:
                page.goto("/status", ready=".table-counts")
                page.page.wait_for_selector(".table-row >> nth=40")
                assert page.console_errors == [] and page.external_requests == []
                assert page.fits(), page.overflow()
                smallest = page.page.evaluate("""() => Math.min(...[...document.querySelectorAll('.status-body *')]
                    .filter(e => e.childNodes.length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
                    .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
                assert smallest >= 14 * size[0] / 1920 - 0.01, smallest  # 0.875rem at 1080p, scaled at 4K
                rows = page.page.locator(".table-row").count()
                assert rows == len(Base.metadata.tables)
                clipped = page.page.evaluate("""() => [...document.querySelectorAll('.table-row, .meta dd, .kpi-note')]
                    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)""")
                assert clipped == [], clipped
                page.screenshot(SHOTS, f"status{'' if language == 'zh' else '-en'}-{size[0]}x{size[1]}")
