"""PostgreSQL outage as a test: the test owns a cluster in a temp folder (initdb/pg_ctl, never the
shared server), seeds a small demo city, serves the app, stops the cluster and asks every page and
API: each answer is 200 with an honest state or 503, never 500. Then a browser watches an open
board through the outage and the restart, and the measured recovery time is printed."""
from __future__ import annotations

import json
import time
import urllib.request

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from conftest import missing
from pg_cluster import PgCluster, bin_dir

pytestmark = pytest.mark.postgres

OUTAGE_CASES = 300
PAGES = ["/", "/board/overview", "/board/city-management", "/board/sanitation", "/board/landscaping",
         "/board/gas-safety", "/board/enforcement", "/board/image", "/board/province", "/cases", "/live",
         "/map/gas-pipelines", "/map/illegal-construction", "/map/flood-risk", "/video", "/status", "/objects/vehicles",
         "/kiosk/wall", "/panel/overview.kpis"]
# Routes answered by Flask itself (not the page router); {case}, {camera}, {event} filled in.
ROUTES = ["/api/v1/cases.csv", "/objects/vehicles.csv", "/api/v1/geo/regions", "/api/v1/geo/gas-pipelines",
          "/api/v1/geo/illegal-sites", "/camera-media/cameras.geojson", "/camera-media/regions.geojson",
          "/camera-media/{camera}/snapshot.jpg", "/camera-media/{mjpeg}/mjpeg?seconds=1",
          "/camera-media/event/{event}.jpg", "/case/{case}", "/health"]


@pytest.fixture(scope="module")
def cluster():
    bindir = bin_dir()
    if bindir is None:
        missing("PostgreSQL initdb/pg_ctl", "install postgresql (they are looked up in /usr/lib/postgresql/*/bin)")
    made = PgCluster.create(bindir)
    try:
        made.start()
        yield made
    finally:
        made.remove()


@pytest.fixture(scope="module")
def city(cluster):
    """The cluster with a small demo city, an API key and names of things to ask for."""
    from data_access import api_keys, db
    from seeds.demo import seed_demo

    engine = db.get_engine(cluster.url)
    db.upgrade(engine)
    seed_demo(engine, cases=OUTAGE_CASES, seed=7, progress=False)
    with Session(engine) as session:
        key = api_keys.create_key(session, "outage")
        session.commit()
    with engine.connect() as conn:
        names = {
            "case": conn.execute(text("SELECT min(case_no) FROM cases")).scalar(),
            "camera": conn.execute(text("SELECT min(code) FROM cameras WHERE status = 'online'")).scalar(),
            "mjpeg": conn.execute(text("SELECT min(code) FROM cameras WHERE status = 'online'"
                                       " AND stream_type = 'mjpeg'")).scalar(),
            "event": conn.execute(text("SELECT min(id) FROM camera_events")).scalar(),
        }
    engine.dispose()
    return {"key": key, "names": names}


def dash_body(deps: list, output: str, values: dict) -> dict:
    """A /_dash-update-component body for the callback whose outputs contain `output`, with input
    and state values from `values` ({property: value}; a pattern id takes the `id` of `values`)."""
    dep = next(d for d in deps if output in d["output"])
    concrete = values.get("__id__")

    def item(spec):
        ident = json.loads(spec["id"]) if spec["id"].startswith("{") else spec["id"]
        if isinstance(ident, dict):
            ident = {k: (concrete if isinstance(v, list) else v) for k, v in ident.items()}
        name = ident["type"] if isinstance(ident, dict) else ident
        return {"id": ident, "property": spec["property"], "value": values.get(f"{name}.{spec['property']}")}

    outputs = []
    for part in dep["output"].strip(".").split("..."):
        ident, prop = part.rsplit(".", 1)
        ident = json.loads(ident) if ident.startswith("{") else ident
        if isinstance(ident, dict):
            ident = {k: (concrete if isinstance(v, list) else v) for k, v in ident.items()}
        outputs.append({"id": ident, "property": prop.split("@")[0]})
    inputs = [item(i) for i in dep["inputs"]]
    return {"output": dep["output"], "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "state": [item(s) for s in dep["state"]], "changedPropIds": [f"{json.dumps(inputs[0]['id']) if isinstance(inputs[0]['id'], dict) else inputs[0]['id']}.{inputs[0]['property']}"]}


def route_body(path: str) -> dict:
    """Ask the Dash page router to draw `path`, as the browser does after loading the shell."""
    path, _, search = path.partition("?")
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": f"?{search}" if search else ""}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}


def callback_bodies(deps: list) -> dict:
    """A panel refresh, the case grid's first page and the live feed's poll."""
    return {
        "panel refresh": dash_body(deps, '"panel-body"', {
            "__id__": "overview.kpis", "panel-tick.data": 3, "board-rem.data": 16,
            "board-scope.data": {"board": "overview", "search": "?range=7d"},
            "panel-body.id": {"type": "panel-body", "id": "overview.kpis"}, "panel-good.data": "10:30"}),
        "case grid": dash_body(deps, "cases-grid.getRowsResponse", {
            "cases-grid.getRowsRequest": {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}},
            "cases-state.data": {"search": "", "now": "2026-07-15T02:30:00"}}),
        "live feed": dash_body(deps, "live-new.data", {"live-timer.n_intervals": 2,
                                                       "live-cursor.data": {"last_id": 0, "recent": []}}),
    }


def ask_everything(http, city) -> dict:
    """{what: status} for every page, route, API and callback asked."""
    answers = {}
    deps = http.get("/_dash-dependencies").get_json()
    for path in PAGES:
        answers[f"GET {path}"] = http.get(path).status_code
        answers[f"draw {path}"] = http.post("/_dash-update-component", json=route_body(path)).status_code
    for template in ROUTES:
        path = template.format(**city["names"])
        response = http.get(path)
        response.get_data()  # a stream must not break halfway either
        answers[f"GET {path}"] = response.status_code
    answers[f"draw /case/{city['names']['case']}"] = http.post(
        "/_dash-update-component", json=route_body(f"/case/{city['names']['case']}")).status_code
    for what, body in callback_bodies(deps).items():
        answers[f"callback {what}"] = http.post("/_dash-update-component", json=body).status_code
    answers["POST /api/v1/cases"] = http.post("/api/v1/cases", headers={"X-API-Key": city["key"]}, json={
        "category_code": "06010", "description": "outage test", "source": "hotline", "lon": 113.75, "lat": 23.02,
        "reported_at": "2026-07-15T10:00:00+08:00"}).status_code
    return answers


def test_every_page_and_api_through_a_postgres_outage(cluster, city, make_settings, tmp_path):
    from dashboard.app import create_app
    from data_access.cache import cache

    app = create_app(make_settings(cluster.url))
    http = app.server.test_client()
    up = ask_everything(http, city)
    assert {k: v for k, v in up.items() if v >= 500} == {}

    cluster.stop()
    try:
        with app.server.app_context():
            cache.clear()  # as if every cached value had expired during the outage
        down = ask_everything(http, city)
        fresh = create_app(make_settings(cluster.url, DATA_DIR=str(tmp_path / "fresh")))  # a worker started now
        down |= {f"fresh worker {k}": v for k, v in ask_everything(fresh.server.test_client(), city).items()}
    finally:
        cluster.start()
    print("\nanswers with the database down:")
    for what, code in sorted(down.items()):
        print(f"  {code} {what}")
    # 200 with an honest state, 204 (a callback that keeps what it shows), 503; never 500.
    assert {k: v for k, v in down.items() if v not in (200, 204, 503)} == {}
    assert down["GET /health"] == 503 and down["POST /api/v1/cases"] == 503
    assert down["GET /api/v1/cases.csv"] == 503


# A panel's state on the page: "stale" (a badge says the data is old, or nothing drew) or "fresh".
PANEL_STALE = """(id) => {
    const panel = document.querySelector(`[data-panel="${id}"]`);
    return Boolean(panel.querySelector('.panel-stale').textContent) || Boolean(panel.querySelector('.panel-empty'));
}"""
WATCHED = {"overview.kpis": 30, "overview.latest_cases": 15}  # panel: its own refresh interval (s)


def test_an_open_board_recovers_within_a_refresh(cluster, city, make_settings, browser):
    """The board keeps its figures with 「数据异常 · 最后更新于」 while the database is down; after the
    restart, each watched panel shows fresh data within its interval thanks to the quick retries."""
    from browser import BOARD_DRAWN, open_page, serve

    from dashboard.app import create_app
    from data_access.cache import cache

    app = create_app(make_settings(cluster.url))
    with serve(app.server) as base_url, open_page(browser, base_url) as page:
        page.goto("/board/overview", ready=".board-grid")
        page.page.wait_for_function(BOARD_DRAWN)
        cluster.stop()
        try:
            with app.server.app_context():
                cache.clear()
            stopped = time.monotonic()
            for panel in WATCHED:
                page.page.wait_for_function(PANEL_STALE, arg=panel)
                badge = page.page.locator(f'[data-panel="{panel}"] .panel-stale').inner_text()
                assert "数据异常 · 最后更新于" in badge
            print(f"\nall watched panels stale {time.monotonic() - stopped:.1f} s after the stop")
            time.sleep(12)  # a longer outage: the retries back off (5 s, 10 s, 20 s … up to the interval)
            assert page.fits() and page.page.locator(".panel").count() == 8  # the board is still whole
        finally:
            cluster.start()
        restarted = time.monotonic()
        recovered = {}
        for panel in WATCHED:
            page.page.wait_for_function(f"(id) => !({PANEL_STALE})(id)", arg=panel)
            recovered[panel] = time.monotonic() - restarted
        with urllib.request.urlopen(f"{base_url}/health") as answer:
            assert answer.status == 200
    print("recovery after the database restart (panel: measured / its refresh interval):")
    for panel, seconds in recovered.items():
        print(f"  {panel}: {seconds:.1f} s / {WATCHED[panel]} s")
