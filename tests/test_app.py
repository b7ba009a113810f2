"""The app shell over HTTP and the status/freshness data functions, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest

from callbacks.shell import freshness
from dashboard.app import VERSION, create_app
from dashboard.cache import cache_config
from dashboard.pages import PAGES
from data_access import db, status
from data_access.lifecycle import STATUS_LABELS

DEAD_DATABASES = ["postgresql+psycopg://postgres@127.0.0.1:1/cockpit",  # nothing listens on port 1
                  "sqlite:////proc/no-such-dir/cockpit.sqlite"]  # a directory that cannot be made
URL = re.compile(r"""(?:https?:)?//[^\s"'<>)\\]+""")


def get_ok(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response


def json_text(response) -> str:
    """A JSON response as text with readable Chinese."""
    return json.dumps(response.get_json(), ensure_ascii=False)


def test_pages_assets_and_layout(mini_city, make_settings):
    client = create_app(make_settings(mini_city.url)).server.test_client()
    for path in ("/", "/status"):
        index = get_ok(client, path).get_data(as_text=True)
        foreign = [url for url in URL.findall(index) if urlsplit(url).hostname not in ("localhost", "127.0.0.1")]
        assert foreign == []
        assets = re.findall(r'(?:src|href)="(/[^"]+)"', index)
        assert any("theme.css" in a for a in assets) and any("cockpit.js" in a for a in assets)
        for asset in assets:
            get_ok(client, asset)

    layout = json_text(get_ok(client, "/_dash-layout"))
    assert "东莞市" in layout  # the city name from the jurisdictions table
    nav = re.findall(r'"href": "([^"]*)"', layout)
    assert nav == [page.path for page in PAGES if page.nav]
    get_ok(client, "/_dash-dependencies")


def render_page(client, path: str) -> tuple[str, str]:
    """(title, content as text) of a page, rendered by the pages router callback."""
    get_ok(client, path)  # the first request sets up the router
    response = client.post("/_dash-update-component", json={
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname"], "state": [],
    })
    assert response.status_code == 200
    body = response.get_json()["response"]
    return body["_pages_store"]["data"]["title"], json.dumps(body["_pages_content"], ensure_ascii=False)


def test_status_page_renders_through_the_router(mini_city, make_settings):
    client = create_app(make_settings(mini_city.url)).server.test_client()
    title, text = render_page(client, "/status")
    assert title == "系统状态"
    for label in ("案件总数", "已结案", "监督员上报", "12345热线", "单元网格", "随机种子"):
        assert label in text
    home_title, home = render_page(client, "/")
    assert home_title == "综合首页" and 'overview.kpis' in home  # "/" is the overview board
    assert render_page(client, "/no-such-page")[0] == "页面不存在"


def test_health_ok(mini_city, make_settings):
    response = create_app(make_settings(mini_city.url)).server.test_client().get("/health")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": True,
        "newest_case_at": mini_city.newest_reported_at.isoformat() + "+00:00",
        "version": VERSION,
        "schema": db.schema_revision(mini_city.engine),
        "cache": "filesystem",
    }


def test_health_on_an_empty_database(engine, make_settings):
    url = engine.url.render_as_string(hide_password=False)
    body = create_app(make_settings(url)).server.test_client().get("/health").get_json()
    assert body["status"] == "ok" and body["newest_case_at"] is None


@pytest.mark.parametrize("url", DEAD_DATABASES)
def test_dead_database(url, make_settings):
    client = create_app(make_settings(url)).server.test_client()
    started = time.monotonic()
    response = client.get("/health")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["database"] is False and body["schema"] is None
    # Pages still load and say what is wrong instead of failing.
    assert "数据库不可用" in render_page(client, "/status")[1]
    assert "东莞" not in json_text(get_ok(client, "/_dash-layout"))


def test_unmigrated_database(tmp_path, make_settings):
    settings = make_settings(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    client = create_app(settings).server.test_client()
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["database"] is True and response.get_json()["schema"] is None
    assert "cockpit init-db" in render_page(client, "/status")[1]


def test_status_functions(mini_city):
    url = mini_city.url
    st = status.database_status(url)
    statuses = Counter(s for s, _, _ in mini_city.cases)
    assert list(st.cases_by_status) == list(STATUS_LABELS)
    assert st.cases_by_status == {code: statuses.get(code, 0) for code in STATUS_LABELS}
    assert st.cases_by_source == dict(Counter(src for _, src, _ in mini_city.cases))
    assert list(st.cases_by_source.values()) == sorted(st.cases_by_source.values(), reverse=True)
    assert st.cases_total == len(mini_city.cases)
    assert st.reference_counts == {"regions": 1, "communities": 1, "grids": 1, "departments": 1,
                                   "categories": 1, "cameras": 0, "sensors": 0}
    assert st.meta == mini_city.meta
    assert st.revision == db.schema_revision(mini_city.engine)
    assert st.backend == mini_city.engine.dialect.name
    assert st.newest_case_at == status.newest_case_at(url) == mini_city.newest_reported_at
    assert status.city(url).name == "东莞市"
    assert status.health(url).ok


def test_status_functions_on_an_empty_database(engine):
    url = engine.url.render_as_string(hide_password=False)
    st = status.database_status(url)
    assert st.cases_total == 0 and st.meta == {} and st.newest_case_at is None
    assert status.city(url) is None
    assert status.newest_case_at(url) is None


def test_freshness_line(mini_city, make_settings):
    settings = make_settings(mini_city.url)
    newest = mini_city.newest_reported_at
    children, css = freshness(mini_city.url, "zh", settings.tz, newest + timedelta(minutes=5))
    text = "".join(c if isinstance(c, str) else c.children for c in children)
    assert text == "数据更新于 2026-05-01 19:00 (5 分钟前)"  # 11:00 UTC in Asia/Shanghai
    assert css == "freshness"
    _, css = freshness(mini_city.url, "zh", settings.tz, newest + timedelta(days=2))
    assert css == "freshness stale"


def test_freshness_line_for_a_dead_database(make_settings):
    settings = make_settings(DEAD_DATABASES[0])
    now = datetime(2026, 5, 1)
    assert freshness(settings.database_url, "en", settings.tz, now) == (["Database unavailable"], "freshness down")


def _insert_newer_case(mini_city):
    from factories import new_case
    from sqlalchemy import select

    from data_access.models import Category, Grid

    with db.session_scope(mini_city.engine) as s:
        grid = s.scalars(select(Grid)).first()
        case = new_case("MINI-NEWER", category_id=s.scalars(select(Category.id)).first(), grid_code=grid.code,
                        community_code=grid.community_code, region_code=grid.region_code, status="reported",
                        source="public", reported_at=mini_city.newest_reported_at + timedelta(hours=1),
                        updated_at=mini_city.newest_reported_at + timedelta(hours=1))
        s.add(case)
    return case.reported_at


def _memoization(mini_city, settings):
    app = create_app(settings)
    with app.server.app_context():
        assert status.newest_case_at(mini_city.url) == mini_city.newest_reported_at
        newer = _insert_newer_case(mini_city)
        assert status.newest_case_at(mini_city.url) == mini_city.newest_reported_at  # cached
    assert status.newest_case_at(mini_city.url) == newer  # no app: no cache


def test_memoized_in_files(mini_city, make_settings):
    settings = make_settings(mini_city.url)
    assert cache_config(settings)["CACHE_TYPE"] == "FileSystemCache"
    _memoization(mini_city, settings)
    assert any(settings.cache_dir.iterdir())


def test_memoized_in_redis(mini_city, make_settings, redis_url):
    settings = make_settings(mini_city.url, REDIS_URL=redis_url)
    assert cache_config(settings)["CACHE_TYPE"] == "data_access.cache.FallbackRedisCache"
    _memoization(mini_city, settings)
    assert not settings.cache_dir.exists()


def test_first_requests_of_a_fresh_app_do_not_race_its_setup(mini_city_sqlite, make_settings):
    """Dash sets up its callback map on the first request; on a fresh gunicorn worker concurrent
    first requests raced that and answered 500. create_app now finishes it before serving."""
    app = create_app(make_settings(mini_city_sqlite.url))
    assert app._got_first_request["setup_server"]
    assert "..cockpit-freshness.children...cockpit-freshness.className.." in app.callback_map


def test_concurrent_calls_of_one_memoized_value_compute_it_once(mini_city_sqlite, make_settings):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from data_access.cache import memoize

    calls = []
    started = threading.Event()

    @memoize(60)
    def slow_square(x):
        calls.append(x)
        started.wait(timeout=30)  # hold the first caller until every thread has asked
        return x * x

    app = create_app(make_settings(mini_city_sqlite.url))

    def ask(x):
        with app.server.app_context():
            return slow_square(x)

    with ThreadPoolExecutor(8) as pool:
        same = [pool.submit(ask, 7) for _ in range(6)]
        other = pool.submit(ask, 8)
        time.sleep(0.5)
        started.set()
        assert [f.result() for f in same] == [49] * 6 and other.result() == 64
    assert sorted(calls) == [7, 8]
