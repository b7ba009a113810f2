"""The maps' seed and queries (data_access.geo_layers) on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import math

import dash_leaflet as dl
import pytest
from sqlalchemy import func, select

from data_access import geo_layers as geo
from data_access.case_list import local_text
from data_access.geo import wgs84_to_gcj02
from data_access.models import (
    Case,
    Category,
    GasEvent,
    GasPipeline,
    IllegalSite,
    IllegalSiteEvent,
    MapFeature,
    Sensor,
)


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def collection(engine, layer, **kw) -> list[dict]:
    data = json.loads(geo.layer_geojson(url_of(engine), layer, **kw))
    assert data["type"] == "FeatureCollection"
    return data["features"]


def positions(geometry: dict) -> list:
    out = []

    def walk(c):
        if isinstance(c[0], (int, float)):
            out.append(c)
        else:
            for x in c:
                walk(x)
    walk(geometry["coordinates"])
    return out


def test_depth_classes_follow_the_issue():
    assert [geo.depth_class(v) for v in (0, 2.9, 3, 10, 10.1, 25, 25.1)] == [
        "none", "none", "light", "light", "moderate", "moderate", "severe"]
    assert geo.depth_class(None) is None
    assert [geo.gas_level(v) for v in (0.5, 5, 10, 25)] == [None, 3, 2, 1]


def test_seed_writes_a_gas_network(seeded):
    with seeded.connect() as conn:
        pressures = dict(conn.execute(select(GasPipeline.pressure, func.count()).group_by(GasPipeline.pressure)).all())
        kinds = dict(conn.execute(select(MapFeature.kind, func.count()).where(MapFeature.layer == "gas_station")
                                  .group_by(MapFeature.kind)).all())
        events = dict(conn.execute(select(GasEvent.kind, func.count()).group_by(GasEvent.kind)).all())
        lengths = conn.execute(select(GasPipeline.length_m)).scalars().all()
    assert set(pressures) == set(geo.PRESSURES) and min(pressures.values()) > 10
    assert kinds["gate"] == 3 and kinds["regulator"] > 32
    assert events["inspection"] > events["hazard"] > 0 and events["alarm"] > 0
    assert 50 < sum(lengths) / len(lengths) < 1500  # metres per segment


def test_pipe_lengths_match_their_geometry(seeded):
    with seeded.connect() as conn:
        rows = conn.execute(select(GasPipeline.length_m, GasPipeline.geometry).limit(50)).all()
    for length, geometry in rows:
        coords = json.loads(geometry)["coordinates"]
        measured = sum(geo._metres(a[0], a[1], b[0], b[1]) for a, b in zip(coords, coords[1:]))
        assert measured == pytest.approx(length, rel=0.01)


def test_illegal_sites_are_real_06001_cases(seeded):
    with seeded.connect() as conn:
        rows = conn.execute(select(IllegalSite.lon, IllegalSite.lat, IllegalSite.region_code, Case.lon, Case.lat,
                                   Case.region_code, Category.code, IllegalSite.area_m2, IllegalSite.demolished_m2,
                                   IllegalSite.stage)
                            .join(Case, Case.id == IllegalSite.case_id).join(Category, Category.id == Case.category_id)
                            ).all()
        total = conn.execute(select(func.count()).select_from(IllegalSite)).scalar_one()
        last_stage = dict(conn.execute(select(IllegalSiteEvent.site_id, func.max(IllegalSiteEvent.at))
                                       .group_by(IllegalSiteEvent.site_id)).all())
    assert total > 20 and len(rows) == total and len(last_stage) == total
    for slon, slat, sregion, clon, clat, cregion, code, area, demolished, stage in rows:
        assert (slon, slat, sregion, code) == (clon, clat, cregion, "06001")
        assert 0 <= demolished <= area
        assert (demolished == area) == (stage == "demolished")


def test_flood_points_read_their_water_level_sensor(seeded):
    with seeded.connect() as conn:
        kinds = conn.execute(select(Sensor.kind).join(MapFeature, MapFeature.sensor_id == Sensor.id)
                             .where(MapFeature.layer == "flood_point")).scalars().all()
    assert kinds and set(kinds) == {"water_level"}


def test_bbox_and_region_filter_layers(seeded):
    everything = collection(seeded, "gas-pipelines")
    lons = sorted(p[0] for f in everything for p in positions(f["geometry"]))
    mid = lons[len(lons) // 2]
    box = (mid - 0.05, 22.0, mid + 0.05, 24.0)
    inside = collection(seeded, "gas-pipelines", bbox=box)
    assert 0 < len(inside) < len(everything)
    for f in inside:  # every returned pipe's box meets the asked box
        xs = [p[0] for p in positions(f["geometry"])]
        assert max(xs) >= box[0] and min(xs) <= box[2]
    assert {f["properties"]["code"] for f in inside} <= {f["properties"]["code"] for f in everything}
    with seeded.connect() as conn:
        region, count = conn.execute(select(GasPipeline.region_code, func.count()).group_by(GasPipeline.region_code)
                                     .order_by(func.count().desc())).first()
    assert len(collection(seeded, "gas-pipelines", region=region)) == count
    only_high = collection(seeded, "gas-pipelines", pressure=("high",))
    assert only_high and {f["properties"]["pressure"] for f in only_high} == {"high"}


def test_every_layer_answers(seeded):
    for layer in geo.LAYERS:
        features = collection(seeded, layer)
        assert features, layer
        assert all(f["geometry"]["type"] in ("Point", "LineString", "Polygon", "MultiPolygon") for f in features)


def test_unknown_layer_is_an_error(seeded):
    with pytest.raises(geo.LayerError, match="unknown layer"):
        geo.layer_geojson(url_of(seeded), "nope")


def test_storm_replay_changes_depths_and_rain(seeded):
    url = url_of(seeded)
    storm = geo.storm.uncached(url)
    assert storm is not None and storm.hours > 6
    peak = storm.hour(storm.hours // 2 + 1)
    points = collection(seeded, "flood-points", at=peak)
    classes = {f["properties"]["depth_class"] for f in points}
    assert "severe" in classes or "moderate" in classes
    assert all(f["properties"]["at"] == local_text(peak) for f in points)  # shown in local time
    gauges = collection(seeded, "rain-gauges", at=peak)
    flagged = [f for f in gauges if f["properties"]["flag"]]
    assert flagged and all(f["properties"]["value"] > geo.RAIN_FLAG_MM for f in flagged)
    summary = geo.flood_summary.uncached(url, None, peak)
    assert sum(n for _, _, n in summary.points_by_class) == len(points)
    assert summary.rain_flagged == len(flagged)


def test_gas_summary_adds_up(seeded):
    url = url_of(seeded)
    summary = geo.gas_summary.uncached(url, None, 2026)
    with seeded.connect() as conn:
        total_km = conn.execute(select(func.sum(GasPipeline.length_m))).scalar_one() / 1000
        hazards = conn.execute(select(func.count()).select_from(GasEvent).where(GasEvent.kind == "hazard")).scalar_one()
    assert sum(km for _, km in summary.length_by_pressure) == pytest.approx(total_km, abs=0.3)
    assert sum(km for _, km in summary.length_by_age) == pytest.approx(total_km, abs=0.3)
    assert sum(n for _, n in summary.hazards_by_status) == hazards
    assert all(h["status"] != "已整改" for h in summary.open_hazards)


def test_pipe_detail_finds_cases_and_construction_within_the_buffer(seeded):
    url = url_of(seeded)
    with seeded.connect() as conn:
        gas_cases = conn.execute(select(Case.case_no).join(Category, Category.id == Case.category_id)
                                 .where(Category.code.in_(geo.GAS_CATEGORIES))).scalars().all()
    linked = [(no, geo.case_map_link.uncached(url, no)) for no in gas_cases[:300]]
    linked = [(no, link) for no, link in linked if link]
    assert linked, "some gas case lies along a pipe"
    case_no, (href, _label) = linked[0]
    code = href.split("focus=")[1]
    detail = geo.pipe_detail.uncached(url, code)
    assert case_no in [c["case_no"] for c in detail.cases]
    assert all(c["distance_m"] <= geo.PIPE_CASE_BUFFER_M for c in detail.cases)
    assert dict(detail.facts)["压力级制"] in geo.PRESSURES.values()
    with_sites = None
    with seeded.connect() as conn:
        codes = conn.execute(select(GasPipeline.code).order_by(GasPipeline.id)).scalars().all()
    for code in codes:
        d = geo.pipe_detail.uncached(url, code)
        if d.construction:
            with_sites = d
            break
    assert with_sites is not None
    assert all(s["distance_m"] <= geo.CONSTRUCTION_RISK_M for s in with_sites.construction)
    assert geo.pipe_detail.uncached(url, "GP999999") is None


def test_site_detail_and_case_link(seeded):
    url = url_of(seeded)
    with seeded.connect() as conn:
        code, case_no = conn.execute(select(IllegalSite.code, Case.case_no).join(Case, Case.id == IllegalSite.case_id)
                                     .order_by(IllegalSite.id)).first()
    detail = geo.site_detail.uncached(url, code)
    assert detail.case["case_no"] == case_no and detail.timeline[0]["stage"] == "found"
    assert [e["at"] for e in detail.timeline] == sorted(e["at"] for e in detail.timeline)
    assert geo.case_map_link.uncached(url, case_no) == (f"/map/illegal-construction?site={code}",
                                                        f"违建处置一张图 · {code}")


def test_illegal_summary_adds_up(seeded):
    url = url_of(seeded)
    summary = geo.illegal_summary.uncached(url, None)
    with seeded.connect() as conn:
        area, demolished, count = conn.execute(select(func.sum(IllegalSite.area_m2), func.sum(IllegalSite.demolished_m2),
                                                      func.count())).one()
    assert sum(n for _, _, n, _ in summary.by_stage) == count
    assert sum(r["demolished"] + r["standing"] for r in summary.ranking) == pytest.approx(area, abs=1)
    assert sum(r["demolished"] for r in summary.ranking) == pytest.approx(demolished, abs=1)
    assert sum(a for _, a, _ in summary.by_type) == pytest.approx(area, abs=1)


def test_flood_point_detail(seeded):
    url = url_of(seeded)
    with seeded.connect() as conn:
        code = conn.execute(select(MapFeature.code).where(MapFeature.layer == "flood_point")).scalars().first()
    detail = geo.flood_point_detail.uncached(url, code, None, None)
    assert len(detail.series) == 49  # 48 hours back from the newest hourly reading, both ends
    assert len(detail.cameras) <= geo.CAMERA_LIMIT
    assert [c["distance_m"] for c in detail.cameras] == sorted(c["distance_m"] for c in detail.cameras)
    assert all(c["distance_m"] <= geo.FLOOD_CASE_RADIUS_M for c in detail.cases)


def test_flood_point_cameras_stay_within_the_radius_or_say_how_far(seeded):
    """周边视频 lists cameras within CAMERA_RADIUS_M only; a point with none there names the nearest
    camera beyond it with its distance, instead of listing far cameras as if they were near."""
    url = url_of(seeded)
    with seeded.connect() as conn:
        codes = conn.execute(select(MapFeature.code).where(MapFeature.layer == "flood_point")).scalars().all()
    details = [geo.flood_point_detail.uncached(url, code, None, None) for code in codes]
    for d in details:
        assert all(c["distance_m"] <= geo.CAMERA_RADIUS_M for c in d.cameras)
        if d.cameras:
            assert d.nearest_camera is None
        elif d.nearest_camera is not None:
            assert geo.CAMERA_RADIUS_M < d.nearest_camera["distance_m"] <= geo.CAMERA_SEARCH_M
    assert any(d.cameras for d in details)


def test_feature_collection_converts_to_gcj02():
    rows = [('{"type":"Point","coordinates":[113.75,23.02]}', {"a": 1})]
    plain = json.loads(geo.feature_collection(rows))
    shifted = json.loads(geo.feature_collection(rows, to_gcj02=True))
    assert plain["features"][0]["geometry"]["coordinates"] == [113.75, 23.02]
    lon, lat = wgs84_to_gcj02(113.75, 23.02)
    assert shifted["features"][0]["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)
    assert math.hypot(lon - 113.75, lat - 23.02) > 0.002  # GCJ-02 is a few hundred metres off


def test_waterlogging_case_links_to_the_nearest_point(seeded):
    url = url_of(seeded)
    with seeded.connect() as conn:
        cases = conn.execute(select(Case.case_no, Case.lon, Case.lat).join(Category, Category.id == Case.category_id)
                             .where(Category.code.in_(geo.WATERLOGGING_CATEGORIES))).all()
        points = conn.execute(select(MapFeature.code, MapFeature.lon, MapFeature.lat)
                              .where(MapFeature.layer == "flood_point")).all()
    checked = 0
    for case_no, lon, lat in cases[:400]:
        nearest = min((geo._metres(lon, lat, x, y), c) for c, x, y in points)
        link = geo.case_map_link.uncached(url, case_no)
        if nearest[0] <= geo.FLOOD_CASE_RADIUS_M:
            assert link == (f"/map/flood-risk?point={nearest[1]}", f"易涝风险一张图 · {nearest[1]}")
            checked += 1
        else:
            assert link is None
    assert checked > 0
    assert geo.case_map_link.uncached(url, "NO-SUCH-CASE") is None


# ---------------------------------------------------------------- styles: declared once, legend and layers from it

MAP_PAGES = {"gas": "gas_layout", "flood": "flood_layout", "illegal": "illegal_layout"}


def _lab(color: str) -> tuple[float, float, float]:
    """CIE L*a*b* of a #rrggbb colour (D65), to compare colours as people see them."""
    def lin(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(int(color[i:i + 2], 16) / 255) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _walk(child)


@pytest.mark.parametrize("board", list(MAP_PAGES))
def test_every_drawn_style_is_distinct(board):
    """No two classes of one map share a colour (ΔE*ab ≥ 15: clearly apart side by side)."""
    from layouts import maps

    styles = [(group.title, cls, style) for group in maps.STYLES[board] for cls, style in group.styles.items()]
    for (g1, c1, s1), (g2, c2, s2) in ((a, b) for i, a in enumerate(styles) for b in styles[i + 1:]):
        assert math.dist(_lab(s1.color), _lab(s2.color)) >= 15, (board, g1, s1.label, g2, s2.label)
    for group in maps.STYLES[board]:
        labels = [s.label for s in group.styles.values()]
        assert len(set(labels)) == len(labels)
        assert all(s.shape in ("line", "dot", "ring", "square", "diamond", "triangle", "area")
                   for s in group.styles.values())


@pytest.mark.parametrize("board", list(MAP_PAGES))
def test_legend_and_layers_come_from_the_declaration(seeded_sqlite, make_settings, board):
    """The legend lists exactly the declared styles; every layer is drawn with the declared ones;
    every class the data has is declared (nothing is drawn that the legend doesn't explain)."""
    from dashboard.app import create_app
    from layouts import maps

    url = url_of(seeded_sqlite)
    app = create_app(make_settings(url))
    with app.server.test_request_context("/"):
        page = getattr(maps, MAP_PAGES[board])()
    legend_items = [(c.to_plotly_json()["props"].get("data-style"), c.to_plotly_json()["props"].get("data-color"),
                     c.children[1].children) for c in _walk(page) if getattr(c, "className", None) == "legend-item"]
    declared = [(f"{g.layers[0]}:{cls}", s.color, s.label) for g in maps.STYLES[board] for cls, s in g.styles.items()]
    assert legend_items == declared
    layers = [c for c in _walk(page) if isinstance(c, dl.GeoJSON) and "styles" in (c.hideout or {})]
    drawn = {c.hideout["layer"] for c in layers}
    assert drawn == {layer for g in maps.STYLES[board] for layer in g.layers}
    for component in layers:
        layer = component.hideout["layer"]
        assert component.hideout["styles"] == maps.layer_styles(board, layer)
        classes = {f["properties"]["cls"] for f in collection(seeded_sqlite, layer)}
        assert classes and classes <= set(component.hideout["styles"]), (layer, classes)
