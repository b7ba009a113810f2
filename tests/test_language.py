"""One language at a time: every page of the registry (dashboard.pages.PAGES), served once with
LANGUAGE=zh and once with LANGUAGE=en, shows no text of the other language.

The walk iterates the registry, so a board added to PAGES is walked without touching this file;
a template page (/case/<case_no>, /kiosk/<playlist>, ...) gets a real value from VALUES, and a
new template variable without one fails the test by name. Each page is waited on until its
panels, charts and grids are drawn and its text has settled, then the visible text is read:
document.body.innerText, the text Plotly draws in SVG, and input placeholders.

What may appear in the other language, and why:
- zh pages: Latin letters only in ALLOWED_LATIN (units written so in Chinese practice, grade
  letters, product and standard names) and in identifiers from the data (case numbers, camera,
  sensor and grid codes, names as stored), collected from the database.
- en pages: Chinese only as names from the data (places, categories, departments, people,
  cameras, addresses, case descriptions, stage opinions...), collected from the database's
  name-like text columns; every Chinese run on the page must be a run of such a value.
"""
from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import String, Text, inspect, select, text

from browser import open_page, serve

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60]+")
LATIN = re.compile(r"[A-Za-z]+")
# Latin tokens a Chinese command hall writes as they are (each with the reason).
ALLOWED_LATIN = {
    "km", "m", "cm", "mm", "h",  # units: 公里/米 are also used, but mm/h rainfall and cm water depth are written so
    "LEL",  # %LEL, the unit of combustible-gas detectors
    "AI",  # 视频AI, AI 智能识别: the Chinese name of the source
    "A", "B", "C", "D", "E",  # the grade letters of the composite score (A ≥ 90 … E)
    "GB", "T",  # GB/T 47678.5, the national standard's name
    "TOP",  # TOP10, as written on Chinese boards
    "PE",  # PE管, polyethylene gas pipe, written so in Chinese practice
    "UTC",  # the time standard, named on the status page
    "SQLite", "PostgreSQL", "Redis",  # product names on the status page
}
# Columns whose text is a name, a category named in the data (a pipe's material, a defect found, a kind
# of work, a toilet's grade) or free text from the data; not a code list the app has to translate.
NAME_COLUMN = re.compile(r"(^|_)(name|address|actor|acked_by|handler|inspector|visitor|squad|unit|station|outlet|"
                         r"party|place|plate|road|route|species|violation|category|title|subject|opinion|note|"
                         r"content|description|material|defect|work|task|grade|open_hours)$")
NAME_CELLS = {("app_meta", "value")}  # facts of the demo data set, e.g. the name of the storm it replays
FREE_TEXT = re.compile(r"(^|_)(description|content|title|subject|opinion|note)$")
CODE_COLUMN = re.compile(r"(^|_)(code|case_no|no|key|external_id|plate|number|serial)$")
SHOTS = os.environ.get("SHOTS_DIR")


@pytest.fixture(scope="module")
def data_words(seeded_sqlite):
    """(Chinese runs of names in the data, Latin tokens of identifiers and names, all free text joined)."""
    engine = seeded_sqlite.engine
    cjk, latin, free = set(), set(), []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for column in inspect(engine).get_columns(table):
                name = column["name"]
                if not isinstance(column["type"], (String, Text)) or "geometry" in name or name == "photos":
                    continue
                is_name = NAME_COLUMN.search(name) or (table, name) in NAME_CELLS
                is_code = CODE_COLUMN.search(name)
                if not (is_name or is_code):
                    continue
                values = conn.execute(text(f'SELECT DISTINCT "{name}" FROM "{table}" LIMIT 200000')).scalars()
                for value in values:
                    if not value:
                        continue
                    if is_name:
                        cjk.update(CJK.findall(value))
                    if FREE_TEXT.search(name):
                        free.append(value)
                    latin.update(LATIN.findall(value))
    from data_access.vocabulary import MAJOR_NAMES

    for major in MAJOR_NAMES.values():  # the standard's major category names (the filter bar's 大类)
        cjk.update(CJK.findall(major))
    from dashboard import playlists

    latin.update(t for name in playlists.available() for t in LATIN.findall(name))  # playlist ids are URL names
    return cjk, latin, "\n".join(free)


def _excused_cjk(run: str, cjk_data: set, by_start: dict, free_text: str) -> bool:
    """A Chinese run from the data, a word quoted from its free text (a keyword of case
    descriptions), or a contraction of a name (东城 for 东城街道, 中堂镇执法办 for
    中堂镇综合行政执法办公室): same first two characters, the rest in order."""
    if run in cjk_data or (len(run) >= 2 and run in free_text):
        return True
    for value in by_start.get(run[:2], ()):
        rest = iter(value)
        if all(ch in rest for ch in run):
            return True
    return False


@pytest.fixture(scope="module")
def values(seeded_sqlite):
    """A real value for every template variable of the registry's pages."""
    from dashboard import panels, playlists
    from data_access.models import Case
    from layouts import boards  # noqa: F401  (registers the panels)

    with seeded_sqlite.engine.connect() as conn:
        # A case with the richest page: photos, a camera and a side path in its stages.
        case_no = conn.execute(select(Case.case_no).where(Case.photos.isnot(None), Case.photos != "[]",
                                                          Case.camera_id.isnot(None), Case.extension_minutes > 0)
                               .order_by(Case.case_no).limit(1)).scalar() \
            or conn.execute(select(Case.case_no).order_by(Case.case_no).limit(1)).scalar()
    found = {"case_no": [case_no], "playlist": playlists.available()[:1],
             "panel_id": sorted({pid.split(".")[0]: pid for pid in sorted(panels.PANELS, reverse=True)}.values())}
    try:
        from data_access import objects
    except ImportError:
        return found
    kinds = objects.load()
    found["object_kind"] = sorted(kinds)
    keys = {}
    for kind_id in sorted(kinds)[:1]:
        rows = objects.page(seeded_sqlite.url.render_as_string(hide_password=False), objects.parse(kind_id, {}, _today())[0], 0, 1)
        if rows:
            keys[kind_id] = rows[0]["_key"]
    found["object_kind/object_key"] = [f"{k}/{quote(str(v))}" for k, v in keys.items()]
    return found


def _today():
    from data_access import clock

    return clock.today()


def page_paths(values) -> list[str]:
    """Every page of the registry with real template values, plus the not-found pages."""
    from dashboard.auth import ANYONE_ROLE, FORBIDDEN
    from dashboard.pages import PAGES

    paths = []
    for page in PAGES:
        if page.path.startswith(FORBIDDEN[ANYONE_ROLE]):  # closed without logins (the audit log)
            continue
        template = page.path_template
        if not template:
            paths.append(page.path)
            continue
        names = re.findall(r"<(\w+)>", template)
        key = "/".join(names)
        assert key in values, f"test_language: no value for {template}: add one to the `values` fixture"
        prefix = template.split("<")[0]
        paths += [prefix + v for v in values[key]]
    # Unknown pages and unknown template values answer a message in the page's language.
    paths += ["/no-such-page", "/case/NOPE0000", "/kiosk/no-such-list", "/panel/no.such"]
    return paths


@pytest.fixture(scope="module", params=["zh", "en"])
def language_app(request, seeded_sqlite, tmp_path_factory):
    from dashboard.app import create_app
    from dashboard.settings import load_settings

    settings = load_settings({"LOGIN": "off", "DATABASE_URL": seeded_sqlite.url.render_as_string(hide_password=False),
                              "DATA_DIR": str(tmp_path_factory.mktemp(f"lang-{request.param}")),
                              "LANGUAGE": request.param})
    with serve(create_app(settings).server) as url:
        yield request.param, url


# Drawn and settled: no loading placeholders, every chart drawn, grids with rows or their empty
# overlay, and the visible text (digits aside: clocks and countdowns tick) unchanged for 1.5 s.
SETTLED = """() => {
    const busy = document.querySelector('.panel-loading, .dash-graph--pending, [data-dash-is-loading="true"]');
    const charts = [...document.querySelectorAll('.js-plotly-plot')].every(p => p._fullData);
    const grids = [...document.querySelectorAll('.ag-root')].every(
        g => g.querySelector('.ag-row, .ag-overlay-no-rows-center, .ag-overlay-no-rows-wrapper'));
    const shape = document.body.innerText.replace(/[0-9]/g, '0');
    const now = Date.now();
    if (busy || !charts || !grids || shape !== window.__langShape) {
        window.__langShape = shape;
        window.__langSince = now;
        return false;
    }
    return now - window.__langSince >= 1500;
}"""

VISIBLE_TEXT = """() => {
    const parts = [document.body.innerText];
    for (const t of document.querySelectorAll('svg text')) {
        const box = t.getBoundingClientRect();
        if (box.width > 0 && box.height > 0) { parts.push(t.textContent); }
    }
    for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
        if (el.offsetParent !== null && !el.value) { parts.push(el.placeholder); }
    }
    return parts.join('\\n');
}"""


def foreign_words(language: str, page_text: str, data_words, path: str = "") -> list[str]:
    """The words of the other language on a page, with what the data and the allowlist excuse removed
    (and what the page's own path says: a not-found page names what was asked for)."""
    cjk_data, latin_data, free_text = data_words
    if language == "en":
        by_start = {}
        for value in cjk_data:
            by_start.setdefault(value[:2], []).append(value)
        return sorted({run for run in CJK.findall(page_text)
                       if not _excused_cjk(run, cjk_data, by_start, free_text)})
    asked = set(LATIN.findall(path))
    return sorted({tok for tok in LATIN.findall(page_text)
                   if tok not in ALLOWED_LATIN and tok not in latin_data and tok not in asked})


def test_foreign_words_finds_both_ways():
    data = ({"东城街道"}, {"DG"}, "路边垃圾满溢")
    assert foreign_words("en", "Town 东城街道 · 东城 · 满溢 · 剩余 0:12", data) == ["剩余"]
    assert foreign_words("zh", "案件 DG2026 · 12k · 30 min · 5 km · Nov 28, 2026", data) == ["Nov", "k", "min"]


def test_every_page_speaks_one_language(browser, language_app, values, data_words):
    language, url = language_app
    problems = {}
    only = [p for p in os.environ.get("LANGUAGE_PATHS", "").split(",") if p]  # a subset while fixing pages
    with open_page(browser, url) as page:
        for path in page_paths(values):
            if only and not any(path.startswith(p) for p in only):
                continue
            page.page.goto(url + path)
            page.page.wait_for_selector(".cockpit-main")
            page.page.wait_for_function(SETTLED, polling=250)
            found = foreign_words(language, page.page.evaluate(VISIBLE_TEXT), data_words, path)
            if found:
                problems[path] = found[:25]
            page.screenshot(SHOTS, f"language-{language}-" + (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"))
    if os.environ.get("LANGUAGE_REPORT"):  # a JSON file of the findings, for whoever fixes them
        Path(os.environ["LANGUAGE_REPORT"] + f".{language}.json").write_text(
            json.dumps(problems, ensure_ascii=False, indent=1))
    assert not problems, f"LANGUAGE={language}: text of the other language on " + "; ".join(
        f"{path}: {words}" for path, words in problems.items())


# ---- the pieces, without a browser ----

def test_units_durations_and_magnitudes_follow_the_language():
    from dashboard import i18n

    assert i18n.duration(135, "zh") == "2小时15分钟" and i18n.duration(135, "en") == "2 h 15 min"
    assert i18n.duration(3 * 1440 + 125, "zh") == "3天2小时" and i18n.duration(0.5, "en") == "under 1 min"
    assert i18n.compact(123_456, "zh") == "12.3万" and i18n.compact(123_456, "en") == "123.5k"
    assert i18n.compact(250_000_000, "zh") == "2.5亿" and i18n.compact(999, "en") == "999"
    assert i18n.count(12_345, "zh") == "12,345 件" and i18n.count(12_345, "en") == "12,345 cases"
    assert i18n.weekday(6, "zh") == "周日" and i18n.weekday(0, "en") == "Mon"
    assert i18n.plotly_layout("zh")["yaxis"]["exponentformat"] == "none"  # no k/M suffixes in Chinese
    assert i18n.plotly_config("zh")["locale"] == "zh-CN" and i18n.plotly_config("en")["locale"] == "en-US"


def test_url_problems_in_one_language():
    from datetime import date

    from dashboard import urlstate

    bad = "?range=forever&region=abc&hour=25&range=custom&from=2026-07-10&to=2026-07-01"
    _, zh = urlstate.parse(bad, date(2026, 7, 15), "zh")
    _, en = urlstate.parse(bad, date(2026, 7, 15), "en")
    assert len(zh) == len(en) >= 3
    assert not any(LATIN.search(re.sub(r"'[^']*'", "", p)) for p in zh), zh  # the quoted raw values aside
    assert not any(CJK.search(p) for p in en), en


def test_case_page_fields_in_english(seeded_sqlite):
    from data_access import case_list, clock
    from data_access.models import Case

    url = seeded_sqlite.url.render_as_string(hide_password=False)
    with seeded_sqlite.engine.connect() as conn:
        case_no = conn.execute(select(Case.case_no).where(Case.status == "closed").order_by(Case.case_no)
                               .limit(1)).scalar()
    en = case_list.case_detail(url, case_no, clock.utcnow(), "en")
    zh = case_list.case_detail(url, case_no, clock.utcnow(), "zh")
    assert len(en.fields) == len(zh.fields)
    assert not any(CJK.search(label) for label, _v in en.fields)
    assert dict(en.fields)["Status"] == "Closed" and dict(zh.fields)["状态"] == "已结案"
    assert all(not CJK.search(s.label) for s in en.stages)
    today = clock.today()
    rows = case_list.case_page(url, case_list.CaseQuery(today - timedelta(days=6), today), clock.utcnow(), 0, 20,
                               language="en")
    assert rows and not any(CJK.search(r["status"] + r["source"] + r["urgency"] + r["lamp"]) for r in rows)
