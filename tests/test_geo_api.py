"""/api/v1/geo/<layer>: GeoJSON by bbox and region, gzip, caching, 400 on bad input, never 500;
and the map pages load their layers by URL, never inline."""
from __future__ import annotations

import gzip
import json

import dash_leaflet as dl
import pytest

from dashboard import geo_api
from data_access import geo_layers
from data_access.geo import wgs84_to_gcj02

CITY_BBOX = "113.5,22.5,114.3,23.2"


def _app(url: str, make_settings, **env):
    from dashboard.app import create_app

    return create_app(make_settings(url, **env))


@pytest.fixture
def app(seeded_sqlite, make_settings):
    return _app(seeded_sqlite.url.render_as_string(hide_password=False), make_settings)


@pytest.fixture
def client(app):
    return app.server.test_client()


def features(response) -> list[dict]:
    body = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    data = json.loads(body)
    assert data["type"] == "FeatureCollection"
    return data["features"]


@pytest.mark.parametrize("layer", list(geo_layers.LAYERS))
def test_every_layer_is_geojson(client, layer):
    response = client.get(f"/api/v1/geo/{layer}?bbox={CITY_BBOX}")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert features(response)


def test_gzip_when_accepted(client):
    packed = client.get(f"/api/v1/geo/gas-pipelines?bbox={CITY_BBOX}", headers={"Accept-Encoding": "gzip, br"})
    plain = client.get(f"/api/v1/geo/gas-pipelines?bbox={CITY_BBOX}")
    assert packed.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    # Caches keep one copy per encoding (and per session: the answer depends on who is logged in).
    assert "Accept-Encoding" in [v.strip() for v in packed.headers["Vary"].split(",")]
    assert len(packed.data) * 4 < len(plain.data)
    assert features(packed) == features(plain)


def test_bbox_and_region_narrow_the_answer(client):
    everything = features(client.get("/api/v1/geo/gas-pipelines"))
    small = features(client.get("/api/v1/geo/gas-pipelines?bbox=113.70,22.95,113.80,23.05"))
    assert 0 < len(small) < len(everything)
    region = features(client.get("/api/v1/geo/regions?region=441900003"))
    assert [f["properties"]["code"] for f in region] == ["441900003"]
    town = features(client.get("/api/v1/geo/gas-pipelines?region=441900003"))
    assert 0 < len(town) < len(everything)


def test_answers_are_cached(client, monkeypatch):
    calls = []
    real = geo_layers.layer_geojson
    monkeypatch.setattr(geo_layers, "layer_geojson", lambda *a, **k: calls.append(a) or real(*a, **k))
    path = "/api/v1/geo/gas-valves?bbox=113.6,22.8,113.9,23.1&region=441900003"
    first, second = client.get(path), client.get(path)
    assert first.data == second.data and len(calls) == 1
    client.get(path.replace("441900003", "441900004"))
    assert len(calls) == 2


@pytest.mark.parametrize("query", [
    "bbox=1,2,3", "bbox=a,b,c,d", "bbox=114,22,113,23", "bbox=113,23,114,22", "bbox=113,22,114,22",
    "bbox=200,22,201,23", "bbox=113,-95,114,23", "bbox=nan,22,114,23", "bbox=inf,22,114,23", "bbox=60,0,120,40",
    "bbox=", "region=4419", "region=abcdefghi", "at=yesterday", "at=0001-01-01T00:00%2B08:00",
    "at=0001-01-01T00:00", "pressure=extreme", "colour=red",
])
def test_bad_input_is_400_with_a_json_error(client, query):
    response = client.get(f"/api/v1/geo/gas-pipelines?{query}")
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"]


def test_unknown_layer_is_400(client):
    response = client.get("/api/v1/geo/roads?bbox=113,22,114,23")
    assert response.status_code == 400
    assert "unknown layer 'roads'" in response.get_json()["error"]
    assert client.get("/api/v1/geo/regions?pressure=high").status_code == 400  # pressure is for pipes only


def test_index_lists_the_layers(client):
    assert client.get("/api/v1/geo").get_json()["layers"] == list(geo_layers.LAYERS)


def test_database_down_is_503_not_500(tmp_path, make_settings):
    app = _app(f"sqlite:///{tmp_path / 'empty.sqlite'}", make_settings)  # no tables
    response = app.server.test_client().get("/api/v1/geo/gas-pipelines")
    assert response.status_code == 503 and "database unavailable" in response.get_json()["error"]


def test_gcj02_tiles_get_gcj02_coordinates(seeded_sqlite, make_settings, client):
    url = seeded_sqlite.url.render_as_string(hide_password=False)
    gcj = _app(url, make_settings, TILE_CRS="GCJ02").server.test_client()
    wgs_point = features(client.get("/api/v1/geo/pump-stations"))[0]
    gcj_point = features(gcj.get("/api/v1/geo/pump-stations"))[0]
    lon, lat = wgs_point["geometry"]["coordinates"]
    assert gcj_point["geometry"]["coordinates"] == pytest.approx(list(wgs84_to_gcj02(lon, lat)), abs=2e-6)
    # a GCJ-02 bbox around the shifted point finds it
    glon, glat = gcj_point["geometry"]["coordinates"]
    near = features(gcj.get(f"/api/v1/geo/pump-stations?bbox={glon - 0.001},{glat - 0.001},{glon + 0.001},{glat + 0.001}"))
    assert gcj_point["properties"]["code"] in [f["properties"]["code"] for f in near]


def test_parse_bbox_rounds_and_orders():
    assert geo_api.parse_bbox("113.123456,22.5,113.9,23") == (113.12346, 22.5, 113.9, 23.0)
    assert geo_api.parse_bbox(None) is None


def test_site_images_are_drawn_offline(client):
    before = client.get("/map-media/WJ00001-before.svg")
    after = client.get("/map-media/WJ00001-after.svg")
    assert before.status_code == after.status_code == 200 and before.mimetype == "image/svg+xml"
    assert before.data != after.data and b"http" not in before.data.replace(b"http://www.w3.org", b"")
    assert client.get("/map-media/passwd").status_code == 404
    assert client.get("/map-media/WJ1-during.svg").status_code == 404


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _walk(child)


@pytest.mark.parametrize("name", ["gas_layout", "flood_layout", "illegal_layout"])
def test_map_pages_load_layers_by_url(app, name):
    from layouts import maps

    with app.server.test_request_context("/"):
        page = getattr(maps, name)(region="441900003")
    layers = [c for c in _walk(page) if isinstance(c, dl.GeoJSON)]
    assert len(layers) >= 3
    for layer in layers:
        assert getattr(layer, "data", None) is None
        assert layer.url.startswith("/api/v1/geo/")
        if not layer.url.startswith("/api/v1/geo/regions"):
            assert "region=441900003" in layer.url and "bbox=" in layer.url
    containers = [c for c in _walk(page) if isinstance(c, dl.MapContainer)]
    assert len(containers) == 1 and containers[0].preferCanvas is True
    assert not any(isinstance(c, dl.TileLayer) for c in _walk(page))  # no TILE_URL, no tiles


def test_tiles_come_from_settings(seeded_sqlite, make_settings):
    from layouts import maps

    url = seeded_sqlite.url.render_as_string(hide_password=False)
    app = _app(url, make_settings, TILE_URL="http://127.0.0.1:9/tiles/{z}/{x}/{y}.png", TILE_ATTRIBUTION="本地瓦片")
    with app.server.test_request_context("/"):
        page = maps.gas_layout()
    tiles = [c for c in _walk(page) if isinstance(c, dl.TileLayer)]
    assert [(t.url, t.attribution) for t in tiles] == [("http://127.0.0.1:9/tiles/{z}/{x}/{y}.png", "本地瓦片")]


def test_bad_region_in_the_page_url_is_reported(app):
    from dash import html

    from layouts import maps

    with app.server.test_request_context("/"):
        page = maps.gas_layout(region="4419", focus="GP999999")
    text = " ".join(str(c.children) for c in _walk(page) if isinstance(c, html.Div) and "board-problems" in
                    (getattr(c, "className", "") or ""))
    assert "镇街代码应为9位数字" in text and "GP999999" in text


def test_replay_hour_permalink():
    from datetime import datetime

    from data_access.geo_layers import Storm
    from layouts.maps import replay_hour

    storm = Storm("暴雨", datetime(2026, 6, 1), 16)
    assert replay_hour(None, storm) == (-1, None) and replay_hour("8", storm) == (8, None)
    for bad in ("16", "-2", "x", "1.5"):
        hour, problem = replay_hour(bad, storm)
        assert hour == -1 and "hour" in problem
    assert replay_hour("0", None)[0] == -1  # no storm seeded: live only


def test_at_with_an_offset_is_converted_to_utc(client):
    utc = features(client.get("/api/v1/geo/rain-gauges?at=2026-11-01T00:00"))
    local = features(client.get("/api/v1/geo/rain-gauges?at=2026-11-01T08:00%2B08:00"))
    assert [f["properties"]["value"] for f in utc] == [f["properties"]["value"] for f in local]
