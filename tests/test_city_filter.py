"""Several cities in one database: the `city` filter on every board, list, export and map.

The fixture copies the seeded demo and moves every other 镇街 into a second city, so every
region-keyed table (cases, rollups, vehicles, toilets, trees, gas users, enforcement cases…)
splits between the two: what city A shows plus what city B shows is what no filter shows.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import timedelta

import pandas as pd
import pytest
from factories import jurisdiction
from flask import g
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from dashboard import urlstate
from dashboard.app import create_app
from dashboard.auth import Viewer
from data_access import (
    access,
    boards,
    case_list,
    cities,
    clock,
    db,
    enforcement,
    gas_safety,
    image,
    landscaping,
    objects,
    sanitation,
)
from data_access.cache import cache
from data_access.filters import CaseQuery, Scope
from data_access.models import Case, Region

CITY_A, CITY_B = "441900", "445100"  # B's code is larger: A stays the home city


def split_into_two_cities(url: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Move every other region of the database at `url` into a new city B; (regions of A, of B)."""
    with db.session_scope(db.get_engine(url)) as session:
        session.add(jurisdiction(CITY_B, name="潮州市", name_en="Chaozhou", center_lon=116.62, center_lat=23.66))
        session.flush()
        codes = session.scalars(select(Region.code).order_by(Region.code)).all()
        session.execute(update(Region).where(Region.code.in_(codes[1::2])).values(jurisdiction_code=CITY_B))
    return tuple(codes[0::2]), tuple(codes[1::2])


def copy_of_sqlite(engine, tmp_path_factory) -> str:
    """A writable copy of the session's seeded SQLite database."""
    target = tmp_path_factory.mktemp("two-cities") / "cockpit.sqlite"
    with sqlite3.connect(make_url(engine.url).database) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_cities(request, tmp_path_factory):
    """(database url, regions of A, regions of B): the demo with every other region moved to city B."""
    seeded = request.getfixturevalue(f"seeded_{request.param}")
    if request.param == "postgresql":
        seeded.dispose()  # a template database may have no other sessions
        url = request.getfixturevalue("pg_server").create(template=make_url(seeded.url).database)
    else:
        url = copy_of_sqlite(seeded, tmp_path_factory)
    return (url, *split_into_two_cities(url))


def today_of(url: str):
    with db.get_engine(url).connect() as conn:
        newest = conn.execute(select(func.max(Case.reported_at))).scalar()
    return (newest + timedelta(hours=8)).date()


def scope(url: str, city: str | None = None, days: int = 30) -> Scope:
    today = today_of(url)
    return Scope(today - timedelta(days=days - 1), today, city=city)


# Integer columns that are labels, not counts.
LABELS = {"level", "weekday", "hour", "department_id", "year", "category_id"}


def whole_numbers(value) -> dict:
    """The additive figures of a board function's answer: its integer counts, by where they are."""
    if isinstance(value, pd.DataFrame):
        return {c: int(value[c].sum()) for c in value.columns
                if pd.api.types.is_integer_dtype(value[c]) and c not in LABELS}
    if isinstance(value, dict):
        return {f"{k}.{inner}": n for k, v in value.items() if k not in LABELS
                for inner, n in whole_numbers(v).items()}
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return {"": value}
    return {}


# Board data whose integer figures add up over cities (counts of cases, vehicles, trees, users…).
ADDITIVE = {
    "overview.counts": boards.counts, "overview.lamps": boards.open_lamps,
    "overview.weekday_hour": boards.reports_by_weekday_hour,
    "sanitation.vehicles": sanitation.vehicle_states, "sanitation.toilets": sanitation.toilets,
    "sanitation.problems": sanitation.problems,
    "enforcement.stages": enforcement.stages, "enforcement.violations": enforcement.by_violation,
    "enforcement.offsite": enforcement.offsite, "enforcement.equipment": enforcement.equipment,
    "gas.users": gas_safety.users, "gas.alarms": gas_safety.alarms, "gas.hazards": gas_safety.hazards,
    "image.visits": image.visits, "image.tickets": image.tickets,
    "landscaping.inventory": landscaping.inventory, "landscaping.species": landscaping.tree_species,
}


@pytest.mark.parametrize("name", sorted(ADDITIVE))
def test_city_a_plus_city_b_is_the_whole(two_cities, name):
    url, _, _ = two_cities
    function = ADDITIVE[name]
    whole = whole_numbers(function(url, scope(url, days=365)))
    a = whole_numbers(function(url, scope(url, CITY_A, days=365)))
    b = whole_numbers(function(url, scope(url, CITY_B, days=365)))
    assert whole and any(whole.values()), f"{name} has no figures to compare"
    assert {k: a[k] + b[k] for k in whole} == whole
    assert any(a.values()) and any(b.values())


def test_rankings_and_maps_hold_only_the_city_towns(two_cities):
    url, regions_a, regions_b = two_cities
    ranked = boards.area_scores(url, scope(url, CITY_B))
    assert set(ranked["code"]) == set(regions_b)
    shapes = boards.area_shapes(url, None, CITY_A)
    assert {f["id"] for f in shapes["features"]} == set(regions_a)
    table = landscaping.indicators(url, scope(url, CITY_B)).set_index("region_code")
    assert set(table.index) == {*regions_b, "city"}
    assert table.loc["city", "built_m2"] == pytest.approx(table.loc[list(regions_b), "built_m2"].sum())


def test_region_figures_inside_a_city_are_the_region_figures(two_cities):
    url, regions_a, _ = two_cities
    one = scope(url)
    with_city = boards.counts(url, Scope(one.day_from, one.day_to, region=regions_a[0], city=CITY_A))
    without = boards.counts(url, Scope(one.day_from, one.day_to, region=regions_a[0]))
    pd.testing.assert_frame_equal(with_city, without)


def app_of(url: str, make_settings):
    return create_app(make_settings(url))


@pytest.fixture
def client(two_cities, make_settings):
    url, _, _ = two_cities
    app = app_of(url, make_settings)
    with app.server.app_context():
        cache.clear()
    return app.server.test_client()


def test_board_count_equals_cases_list_and_csv(two_cities, client):
    url, _, _ = two_cities
    for city in (CITY_A, CITY_B):
        board = int(boards.counts(url, scope(url, city))["reported"].iloc[0])
        query = CaseQuery.of(scope(url, city))
        assert case_list.count_cases(url, query, clock.utcnow()) == board
        response = client.get(f"/api/v1/cases.csv?range=custom&from={query.day_from}&to={query.day_to}&city={city}")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        assert len(rows) - 1 == board > 0


def test_object_lists_and_csv_keep_to_the_city(two_cities, client):
    url, _, _ = two_cities
    kind = "vehicles"
    counts = {city: objects.count(url, kind, {"city": city}) for city in (CITY_A, CITY_B)}
    assert counts[CITY_A] + counts[CITY_B] == objects.count(url, kind, {}) and all(counts.values())
    response = client.get(f"/objects/{kind}.csv?city={CITY_B}")
    assert response.status_code == 200
    assert len(response.get_data(as_text=True).strip().splitlines()) - 1 == counts[CITY_B]


def parsed(search: str, url: str, language: str = "en", who: Viewer | None = None, app=None):
    if who is None:
        return urlstate.parse(search, clock.today(), language, database_url=url)
    with app.server.test_request_context("/"):
        g.cockpit_viewer = who
        return urlstate.parse(search, clock.today(), language, database_url=url)


def test_city_in_the_url(two_cities):
    url, regions_a, regions_b = two_cities
    assert parsed("", url)[0].city == CITY_A  # the home city: the first by code
    assert parsed(f"?city={CITY_B}", url)[0].city == CITY_B
    assert parsed(f"?region={regions_b[0]}", url)[0].city == CITY_B  # a town names its city
    query, problems = parsed(f"?city={CITY_A}&region={regions_b[0]}", url)
    assert (query.city, query.region) == (CITY_A, None) and "not in the chosen city" in problems[0]
    query, problems = parsed(f"?city={CITY_B}&community={regions_a[0]}001", url, "zh")
    assert query.community is None and "不在所选城市内" in problems[0]
    query = parsed(f"?city={CITY_B}&range=7d&major=06", url)[0]
    assert urlstate.search_of(query, "7d") == f"?range=7d&major=06&city={CITY_B}"  # permalinks keep it


@pytest.mark.parametrize("value", ["999999", "44190", "1;DROP TABLE cases", "' OR 1=1 --", "４４１９００", ""])
def test_bad_city_values_warn_and_show_the_home_city(two_cities, value):
    url, _, _ = two_cities
    query, problems = parsed("?" + f"city={value}", url)
    assert query.city == CITY_A
    assert problems == ([] if value == "" else [f"unknown city: {value!r}"])
    zh = parsed("?" + f"city={value}", url, "zh")[1]
    assert zh == ([] if value == "" else [f"未知的城市代码: {value!r}"])


def test_a_repeated_city_counts_with_its_last_value(two_cities):
    url, _, _ = two_cities
    assert parsed(f"?city={CITY_A}&city={CITY_B}", url)[0].city == CITY_B


def test_one_city_database_adds_no_city(seeded):
    url = seeded.url.render_as_string(hide_password=False)
    query, problems = parsed("?region=441900003", url)
    assert (query.city, problems) == (None, [])
    assert urlstate.search_of(query, "30d") == "?range=30d&region=441900003"


def test_a_user_of_one_city_cannot_widen_it(two_cities, make_settings):
    url, regions_a, regions_b = two_cities
    app = app_of(url, make_settings)
    who = Viewer("b-user", "viewer", city=CITY_B)
    for search in ("", f"?city={CITY_A}", f"?region={regions_a[0]}", "?city=999999"):
        assert parsed(search, url, who=who, app=app)[0].city == CITY_B
    assert parsed(f"?region={regions_b[1]}", url, who=who, app=app)[0].region == regions_b[1]
    assert parsed(f"?region={regions_a[0]}", url, who=who, app=app)[0].region is None


def board_filters_request(client, city, region=None, search: str = "?range=30d") -> dict:
    """The board filter bar's callback (callbacks/panels.py `filters`) with a city value."""
    dep = next(d for d in client.get("/_dash-dependencies").get_json()
               if any(i["id"] == "filter-city" for i in d["inputs"]))
    values = {"filter-city": city, "filter-region": region, "filter-range": "30d"}
    outputs = [part.rsplit(".", 1) for part in dep["output"].strip(".").split("...")]
    return {"output": dep["output"], "outputs": [{"id": i, "property": p} for i, p in outputs],
            "inputs": [{**i, "value": values.get(i["id"])} for i in dep["inputs"]],
            "state": [{"id": "board-scope", "property": "data", "value": {"board": "overview", "search": search}},
                      {"id": "board-nav", "property": "pathname", "value": "/board/overview"}],
            "changedPropIds": ["filter-city.value"]}


def test_switching_the_city_drops_the_region(two_cities, client):
    _, regions_a, _ = two_cities
    body = board_filters_request(client, CITY_B, regions_a[0], f"?range=30d&city={CITY_A}&region={regions_a[0]}")
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    assert response.get_json()["response"]["board-nav"]["href"] == f"/board/overview?range=30d&city={CITY_B}"


@pytest.mark.parametrize("value", ["999999", "44190", "1;DROP TABLE cases", ["441900"], 441900, {"a": 1}, None])
def test_bad_city_values_never_answer_500(two_cities, client, value):
    response = client.post("/_dash-update-component", json=board_filters_request(client, value))
    assert response.status_code in (200, 204)
    for path in ("/board/overview", "/board/sanitation", "/map/gas-pipelines", "/cases", "/objects/vehicles"):
        page = client.get(f"{path}?city={value}")
        assert page.status_code in (200, 404), path
    assert client.get(f"/api/v1/cases.csv?city={value}").status_code in (200, 400)
    assert client.get(f"/api/v1/geo/regions?city={value}").status_code in (200, 400)


def test_pages_warn_about_an_unknown_city(two_cities, client):
    assert "未知的城市代码: '999999'" in page_json(client, "/board/overview", "?city=999999")


def test_geo_api_and_maps_keep_to_the_city(two_cities, client):
    _, _, regions_b = two_cities
    features = client.get(f"/api/v1/geo/regions?city={CITY_B}").get_json()["features"]
    assert {f["properties"]["code"] for f in features} == set(regions_b)
    assert client.get("/api/v1/geo/regions?city=4451").status_code == 400
    whole = len(client.get("/api/v1/geo/gas-pipelines").get_json()["features"])
    split = [len(client.get(f"/api/v1/geo/gas-pipelines?city={c}").get_json()["features"]) for c in (CITY_A, CITY_B)]
    assert sum(split) == whole and all(split)


def page_json(client, pathname: str, search: str) -> str:
    """A Dash page's layout as the browser receives it, as text."""
    body = {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    return json.dumps(response.get_json(), ensure_ascii=False)


@pytest.mark.parametrize("path", ["/map/gas-pipelines", "/map/flood-risk", "/map/illegal-construction"])
def test_maps_load_the_city_layers_and_offer_the_switch(two_cities, client, path):
    page = page_json(client, path, f"?city={CITY_B}")
    assert f"city={CITY_B}" in page and "region=" not in page  # every layer of city B, its outlines too
    assert '"id": "map-city"' in page and f'"value": "{CITY_B}"' in page
    home = page_json(client, path, "")
    assert f"city={CITY_A}" in home  # no city in the URL: the home city
    response = client.post("/_dash-update-component", json={
        "output": "map-city-nav.href", "outputs": {"id": "map-city-nav", "property": "href"},
        "inputs": [{"id": "map-city", "property": "value", "value": CITY_B}],
        "state": [{"id": "map-city-nav", "property": "pathname", "value": path}], "changedPropIds": ["map-city.value"]})
    assert response.get_json()["response"]["map-city-nav"]["href"] == f"{path}?city={CITY_B}"


def test_a_logged_in_user_of_one_city_exports_only_its_cases(two_cities, make_settings):
    url, _, _ = two_cities
    if url.startswith("postgresql"):
        # The test passes on PostgreSQL too, but afterwards CPython 3.11.7 fails to import
        # hypothesis for pytest's summary ("AST constructor recursion depth mismatch"); the
        # lock itself is backend-independent (dashboard/auth.locked_search).
        pytest.skip("login flow checked on SQLite")
    with db.session_scope(db.get_engine(url)) as session:
        access.add_user(session, "chaozhou.leader", "correct horse", "leader", jurisdiction_code=CITY_B)
    app = create_app(make_settings(url, LOGIN="required", SECRET_KEY="s" * 40))
    client = app.server.test_client()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "chaozhou.leader", "password": "correct horse", "csrf_token": csrf})
    query = CaseQuery.of(scope(url, CITY_B))
    response = client.get(f"/api/v1/cases.csv?range=custom&from={query.day_from}&to={query.day_to}&city={CITY_A}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) - 1 == int(boards.counts(url, scope(url, CITY_B))["reported"].iloc[0]) > 0



def chips_of(node) -> list[tuple[str, str]]:
    """The (name, value) chips in a Dash layout as JSON."""
    if isinstance(node, list):
        return [chip for item in node for chip in chips_of(item)]
    if not isinstance(node, dict):
        return []
    props = node.get("props", {})
    if props.get("className") == "chip":
        name, value = props["children"]
        return [(name["props"]["children"], value)]
    return [chip for value in (*props.values(), *node.values()) if isinstance(value, (dict, list))
            for chip in chips_of(value)]


def test_the_case_list_names_its_city(two_cities, client):
    url, _, _ = two_cities
    for city in cities.cities(url):
        page = json.loads(page_json(client, "/cases", f"?range=30d&city={city.code}"))
        assert ("城市", city.name) in chips_of(page)
