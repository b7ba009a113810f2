"""URL values outside the happy path: dates far back, repeated parameters (issue 14)."""
from __future__ import annotations

import json
from datetime import date

import pytest

from dashboard import playlists, urlstate
from data_access.clock import today

OVERFLOW = "?range=custom&from=0001-01-01&to=0001-01-02"


def render(client, path: str, search: str) -> str:
    """A page's content as text, rendered by the pages router for `path` + `search`."""
    assert client.get(path).status_code in (200, 404)  # the first request sets up the router
    response = client.post("/_dash-update-component", json={
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                   {"id": "_pages_location", "property": "search", "value": search}],
        "changedPropIds": ["_pages_location.search"], "state": [],
    })
    assert response.status_code == 200, response.get_data()[:300]
    return json.dumps(response.get_json()["response"]["_pages_content"], ensure_ascii=False)


@pytest.fixture(scope="module")
def client(mini_city_sqlite, tmp_path_factory):
    from dashboard.app import create_app
    from dashboard.settings import load_settings

    settings = load_settings({"LOGIN": "off", "DATABASE_URL": mini_city_sqlite.url,
                              "DATA_DIR": str(tmp_path_factory.mktemp("url-values"))})
    return create_app(settings).server.test_client()


@pytest.mark.parametrize("search, first, last", [
    (OVERFLOW, urlstate.EARLIEST, urlstate.EARLIEST),
    ("?range=custom&from=0001-01-01", None, None),  # then cut to the longest range
    ("?range=custom&from=0001-01-01&to=9999-12-31", None, None),
    ("?range=custom&to=1999-12-31", None, urlstate.EARLIEST),
])
def test_dates_before_2000_are_clamped_with_a_problem(search, first, last):
    query, problems = urlstate.parse(search, today(), "en")
    assert any("dates start at 2000-01-01" in p for p in problems), problems
    assert query.day_from >= urlstate.EARLIEST and query.day_from <= query.day_to <= today()
    assert first is None or query.day_from == first
    assert last is None or query.day_to == last


def test_far_future_dates_do_not_overflow():
    query, problems = urlstate.parse("?range=custom&from=9999-12-31&to=9999-12-31", today(), "en")
    assert query.day_from == query.day_to == today() and problems


def test_repeated_parameters_take_the_last_value():
    query, problems = urlstate.parse("?region=441900003&region=441900004&hour=1&hour=2", today())
    assert (query.region, query.hour, problems) == ("441900004", 2, [])
    assert urlstate.last(["1", "2"]) == "2" and urlstate.last("x") == "x"
    assert urlstate.last([]) is None and urlstate.last(None) is None and urlstate.last(5) is None


def test_cases_page_warns_and_csv_answers_400_before_streaming(client):
    text = render(client, "/cases", OVERFLOW)
    assert "日期不能早于 2000-01-01" in text and "2000-01-01 至 2000-01-01" in text
    response = client.get("/api/v1/cases.csv" + OVERFLOW)
    assert response.status_code == 400 and response.mimetype == "application/json"
    assert any("2000-01-01" in e for e in response.get_json()["errors"])
    assert client.get("/api/v1/cases.csv?range=custom&from=2026-07-01&to=2026-07-02").status_code == 200


def test_repeated_parameters_on_pages(client):
    assert "video-wall" in render(client, "/video", "?region=1&region=2&layout=4&layout=x&cameras=A&cameras=B")
    assert "board-grid" in render(client, "/board/overview", "?region=441900003&region=441900004&kiosk=1&kiosk=0")
    assert "kiosk-player" in render(client, "/kiosk/wall", "?reload=1&reload=2")
    assert "日期不能早于" in render(client, "/board/overview", OVERFLOW)


def test_reload_of_a_repeated_parameter():
    assert playlists.reload_hours_of(["1", "2"]) == 2.0
    for bad in ([], ["x"], None, "nan", "0"):
        with pytest.raises(ValueError):
            playlists.reload_hours_of(bad)


def test_earliest_is_a_date():
    assert isinstance(urlstate.EARLIEST, date)
