"""`cockpit import-regions FILE.geojson`: Polygons and MultiPolygons, degenerate rings and
bow-ties repaired and reported, property names, GCJ-02 conversion, updates in place, and files
that can't be used (exit 2, nothing written); on SQLite and PostgreSQL (the mini city)."""
from __future__ import annotations

import json
import math

import pytest
from shapely.geometry import shape
from shapely.ops import unary_union
from sqlalchemy import func, select

from dashboard.cli import main
from data_access import db
from data_access.geo import gcj02_to_wgs84
from data_access.models import Case, Community, Grid, Jurisdiction, Region
from data_access.region_import import area_km2


@pytest.fixture
def cockpit(mini_city, monkeypatch, tmp_path, capsys):
    """`cockpit import-regions …` in this process against the mini city: (exit status, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", mini_city.url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))

    def run(*argv):
        try:
            status = main(["import-regions", *map(str, argv)])
        except SystemExit as exc:
            status = exc.code
        out = capsys.readouterr()
        return status, out.out, out.err

    run.engine = mini_city.engine
    return run


def square(lon, lat, size=0.01):
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def feature(geometry, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def write(tmp_path, data, name="towns.geojson") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def regions(eng) -> dict:
    with db.session_scope(eng) as session:
        return {r.code: (r.jurisdiction_code, r.name, r.name_en, r.kind, r.profile, r.label_lon, r.label_lat,
                         r.area_km2, r.geometry) for r in session.scalars(select(Region))}


def stored(eng, code):
    with db.session_scope(eng) as session:
        return session.get(Region, code)


def grids_of(eng, code) -> dict:
    """grid code → (community code, shapely geometry) of a region's grids."""
    with db.session_scope(eng) as session:
        return {g.code: (g.community_code, shape(json.loads(g.geometry)))
                for g in session.scalars(select(Grid).where(Grid.region_code == code))}


def assert_grids_tile_region(eng, code):
    """The region's grids lie inside it and their communities, don't overlap and cover nearly all of it."""
    region = shape(json.loads(stored(eng, code).geometry))
    grids = grids_of(eng, code)
    assert grids
    with db.session_scope(eng) as session:
        communities = {c.code: shape(json.loads(c.geometry))
                       for c in session.scalars(select(Community).where(Community.region_code == code))}
    total = 0.0
    for grid_code, (community, geom) in grids.items():
        assert grid_code.startswith(community) and community.startswith(code)
        assert region.buffer(1e-6).contains(geom) and communities[community].buffer(1e-6).contains(geom)
        total += geom.area
    assert total == pytest.approx(unary_union([g for _, g in grids.values()]).area, rel=1e-6)  # no overlaps
    assert total > 0.5 * region.area


BOW_TIE = [[113.80, 23.00], [113.81, 23.01], [113.81, 23.00], [113.80, 23.01], [113.80, 23.00]]
SLIVER = [[113.90, 23.00], [113.91, 23.00], [113.90, 23.00]]  # 3 points: degenerate
FLAT = [[113.90, 23.00], [113.91, 23.00], [113.92, 23.00], [113.90, 23.00]]  # 4 points, no area


def test_polygons_multipolygons_and_repairs(cockpit, tmp_path):
    path = write(tmp_path, collection(
        feature({"type": "Polygon", "coordinates": [square(113.70, 23.00)]}, adcode="441900004", 名称="南城街道"),
        feature({"type": "MultiPolygon", "coordinates": [[square(113.72, 23.00)], [square(113.74, 23.00)], [SLIVER]]},
                adcode=441900005, 名称="石碣镇"),
        feature({"type": "Polygon", "coordinates": [BOW_TIE]}, adcode="441900006", 名称="石龙镇"),
        feature({"type": "Polygon", "coordinates": [square(113.76, 23.00)[:-1]]}, adcode="441900007000", 名称="茶山镇"),
        feature({"type": "Point", "coordinates": [113.7, 23.0]}, adcode="441900008", 名称="点"),
        feature({"type": "Polygon", "coordinates": [FLAT]}, adcode="441900009", 名称="线"),
        feature({"type": "Polygon", "coordinates": [square(114.0, 22.5)]}, adcode="440300001", 名称="外市"),
    ))
    status, out, _ = cockpit(path, "--jurisdiction", "441900")
    assert status == 1
    assert "code=adcode, name=名称" in out
    assert "created 4, updated 0, repaired 3, rejected 3" in out
    assert "repaired feature 2 (441900005 石碣镇): polygon 3 outer ring: dropped a degenerate ring" in out
    assert "repaired feature 3 (441900006 石龙镇): Self-intersection" in out
    assert "repaired feature 4 (441900007000 茶山镇): polygon outer ring: closed an open ring" in out
    assert "rejected feature 5 (441900008 点): geometry is a Point" in out
    assert "rejected feature 6 (441900009 线): no polygon with an area" in out
    assert "rejected feature 7 (440300001 外市): code 440300001 is not inside jurisdiction 441900" in out
    assert "镇街 departments created: TOWN-441900004, TOWN-441900005, TOWN-441900006, TOWN-441900007" in out
    for code in ("441900004", "441900005", "441900006", "441900007"):
        assert_grids_tile_region(cockpit.engine, code)

    rows = regions(cockpit.engine)
    assert set(rows) == {"441900003", "441900004", "441900005", "441900006", "441900007"}
    nancheng = stored(cockpit.engine, "441900004")
    assert (nancheng.jurisdiction_code, nancheng.name, nancheng.name_en, nancheng.kind, nancheng.profile) == \
        ("441900", "南城街道", "南城街道", "街道", "centre")
    assert nancheng.area_km2 == pytest.approx(area_km2(shape(json.loads(nancheng.geometry))), abs=1e-3)
    assert nancheng.area_km2 == pytest.approx(1.139, rel=0.01)  # 0.01° × 0.01° at 23° N
    shijie = shape(json.loads(stored(cockpit.engine, "441900005").geometry))
    assert shijie.geom_type == "MultiPolygon" and len(shijie.geoms) == 2 and shijie.is_valid
    bow_tie = stored(cockpit.engine, "441900006")
    geom = shape(json.loads(bow_tie.geometry))
    assert geom.is_valid and geom.geom_type == "MultiPolygon" and len(geom.geoms) == 2
    assert geom.area == pytest.approx(0.00005)  # two triangles of a 0.01° square
    assert geom.contains(shape({"type": "Point", "coordinates": [bow_tie.label_lon, bow_tie.label_lat]}))
    assert stored(cockpit.engine, "441900007").kind == "镇"


def test_update_keeps_cases_communities_and_grids(cockpit, tmp_path):
    before = regions(cockpit.engine)["441900003"]
    path = write(tmp_path, collection(
        feature({"type": "Polygon", "coordinates": [square(113.75, 23.02, 0.02)]},
                code="441900003", name="东城街道（新）", name_en="Dongcheng New")))
    status, out, _ = cockpit(path, "--jurisdiction", "441900")
    assert status == 0
    assert "created 0, updated 1, repaired 0, rejected 0" in out
    assert "0 and 0 removed, 1 and 1 kept because cases point at them" in out
    rows = regions(cockpit.engine)
    assert list(rows) == ["441900003"]
    _jurisdiction, name, name_en, kind, profile, lon, lat, area, geometry = rows["441900003"]
    assert (name, name_en, kind, profile) == ("东城街道（新）", "Dongcheng New", "街道", before[4])
    assert area == pytest.approx(4 * 1.139, rel=0.01) and area != before[7]
    assert shape(json.loads(geometry)).bounds == pytest.approx((113.75, 23.02, 113.77, 23.04))
    assert (lon, lat) != before[5:7]
    with cockpit.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Case).where(Case.region_code == "441900003")).scalar_one() \
            == conn.execute(select(func.count()).select_from(Case)).scalar_one() > 0

    status, out, _ = cockpit(path, "--jurisdiction", "441900")  # a second run changes nothing
    assert status == 0 and regions(cockpit.engine) == rows


def test_gcj02_converted(cockpit, tmp_path):
    ring = square(113.70, 23.00)
    path = write(tmp_path, collection(feature({"type": "Polygon", "coordinates": [ring]}, 编码="441900004", 镇街="南城")))
    status, out, _ = cockpit(path, "--jurisdiction", "441900", "--crs", "gcj02")
    assert status == 0 and "(GCJ02; code=编码, name=镇街)" in out
    coords = json.loads(stored(cockpit.engine, "441900004").geometry)["coordinates"][0]
    for (lon, lat), (glon, glat) in zip(coords, ring):
        wlon, wlat = gcj02_to_wgs84(glon, glat)
        assert (lon, lat) == pytest.approx((wlon, wlat), abs=2e-6)
        assert math.hypot(lon - glon, lat - glat) > 0.003  # the offset is several hundred metres here


def test_property_overrides(cockpit, tmp_path):
    path = write(tmp_path, collection(feature({"type": "Polygon", "coordinates": [square(113.70, 23.00)]},
                                              id="x1", 区划="441900004", 名字="南城街道", name="Nancheng")))
    status, _out, _ = cockpit(path, "--jurisdiction", "441900", "--code-property", "区划", "--name-property", "名字")
    assert status == 0 and stored(cockpit.engine, "441900004").name == "南城街道"
    status, _, err = cockpit(path, "--jurisdiction", "441900", "--code-property", "编号")
    assert status == 2 and err.strip() == "cockpit: error: no feature has the code property '编号'"


@pytest.mark.parametrize("content, words", [
    ("{not json", "not JSON"),
    ("\x89PNG\x00\xff", "not JSON"),
    (json.dumps(feature({"type": "Polygon", "coordinates": [square(113.7, 23.0)]}, code="441900004", name="南城")),
     "not a GeoJSON FeatureCollection"),
    (json.dumps([]), "not a GeoJSON FeatureCollection"),
    (json.dumps(collection()), "has no features"),
    (json.dumps(collection(feature({"type": "Polygon", "coordinates": [square(113.7, 23.0)]}, name="南城"))),
     "no feature has a code property"),
    (json.dumps(collection(feature({"type": "Polygon", "coordinates": [square(113.7, 23.0)]}, code="441900004"))),
     "no feature has a name property"),
])
def test_unusable_files(cockpit, tmp_path, content, words):
    before = regions(cockpit.engine)
    status, out, err = cockpit(write(tmp_path, content), "--jurisdiction", "441900")
    assert status == 2 and words in err and len(err.strip().splitlines()) == 1 and out == ""
    assert regions(cockpit.engine) == before


def test_unknown_jurisdiction_and_missing_file(cockpit, tmp_path):
    before = regions(cockpit.engine)
    path = write(tmp_path, collection(feature({"type": "Polygon", "coordinates": [square(113.7, 23.0)]},
                                              code="440300004", name="南山")))
    status, _, err = cockpit(path, "--jurisdiction", "440300")
    assert status == 2 and err.strip() == "cockpit: error: unknown jurisdiction '440300' (known: 441900)"
    status, _, err = cockpit(tmp_path / "missing.geojson", "--jurisdiction", "441900")
    assert status == 2 and "missing.geojson" in err and len(err.strip().splitlines()) == 1
    assert regions(cockpit.engine) == before


def test_area_on_the_sphere():
    """A 1° cell at 23° N against the exact spherical area R²·Δλ·(sin φ2 − sin φ1)."""
    cell = shape({"type": "Polygon", "coordinates": [square(113.0, 23.0, 1.0)]})
    exact = 6371.0072 ** 2 * math.radians(1) * (math.sin(math.radians(24)) - math.sin(math.radians(23)))
    assert area_km2(cell) == pytest.approx(exact, rel=1e-3)


def test_grids_regenerated_keeping_those_cases_use(cockpit, tmp_path):
    """An updated region's unused grid and community go, the grid its cases point at stays, new
    grids fill the rest without overlapping it, and a new report lands in a new grid."""
    from data_access import cases

    with db.session_scope(cockpit.engine) as session:
        session.add(Community(code="441900003002", region_code="441900003", name="空社区", geometry=json.dumps(
            {"type": "Polygon", "coordinates": [square(113.76, 23.02)]})))
        session.flush()
        session.add(Grid(code="44190000300201", community_code="441900003002", region_code="441900003",
                         center_lon=113.765, center_lat=23.025, geometry=json.dumps(
                             {"type": "Polygon", "coordinates": [square(113.76, 23.02)]})))
    used = grids_of(cockpit.engine, "441900003")["44190000300101"]
    path = write(tmp_path, collection(feature({"type": "Polygon", "coordinates": [square(113.75, 23.02, 0.02)]},
                                              code="441900003", name="东城街道")))
    status, out, _ = cockpit(path, "--jurisdiction", "441900")
    assert status == 0
    assert "1 and 1 removed, 1 and 1 kept because cases point at them" in out
    grids = grids_of(cockpit.engine, "441900003")
    unused = shape({"type": "Polygon", "coordinates": [square(113.76, 23.02)]})
    assert not any(geom.equals(unused) for _, geom in grids.values()) and grids["44190000300101"][1].equals(used[1])
    assert_grids_tile_region(cockpit.engine, "441900003")
    assert [code for code, (community, _) in grids.items() if community == "441900003001"] == ["44190000300101"]
    with db.session_scope(cockpit.engine) as session:
        case, created = cases.submit_case(session, cases.parse_new_case({
            "category_code": "01001", "source": "hotline", "lon": 113.7612, "lat": 23.0337,
            "reported_at": "2026-07-01T09:00:00+08:00", "description": "新网格里的井盖"}))
        assert created and case.grid_code in grids and case.grid_code != "44190000300101"
        assert grids[case.grid_code][1].contains(shape({"type": "Point", "coordinates": [113.7612, 23.0337]}))


def test_new_jurisdiction(cockpit, tmp_path):
    path = write(tmp_path, collection(feature({"type": "Polygon", "coordinates": [square(-74.0, 40.7, 0.02)]},
                                              code="365100061", name="曼哈顿", name_en="Manhattan")))
    status, _, err = cockpit(path, "--jurisdiction", "3651", "--new-jurisdiction", "纽约市")
    assert status == 2 and "a new one needs a 6-digit code" in err
    status, out, _ = cockpit(path, "--jurisdiction", "365100", "--new-jurisdiction", "纽约市")
    assert status == 0 and "jurisdiction 365100 created" in out and "TOWN-365100061" in out
    with db.session_scope(cockpit.engine) as session:
        jurisdiction = session.get(Jurisdiction, "365100")
        assert jurisdiction.name == "纽约市"
        assert (jurisdiction.center_lon, jurisdiction.center_lat) == pytest.approx((-73.99, 40.71), abs=1e-3)
    assert_grids_tile_region(cockpit.engine, "365100061")
