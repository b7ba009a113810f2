"""园林绿化 board data: the GB/T 50563 indicators against a hand-computed fixture, every headline
figure against an independent computation from the raw tables, and figure = list count."""
from __future__ import annotations

import json
import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box, mapping, shape
from sqlalchemy import func, select

from data_access import boards, clock, db, objects
from data_access import landscaping as land
from data_access.filters import CaseQuery, Scope, case_conditions
from data_access.models import Case, Region
from data_access.models_landscaping import (
    AncientTree,
    GreenInspection,
    GreenSpace,
    LandZone,
    RegionPopulation,
    StreetTree,
)


def url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def lonlat(geom) -> str:
    """A geometry drawn in the board's metric projection, stored as lon/lat GeoJSON text."""
    return json.dumps(mapping(land.to_lonlat(geom)))


def point(x: float, y: float) -> tuple[float, float]:
    p = land.to_lonlat(shapely.Point(x, y))
    return p.x, p.y


# ---------------------------------------------------------------- the hand-computed fixture
#
# One town in metres: 建成区 2000 × 1000 m; three residential blocks; parks A (1 hm², serves
# 500 m), F (0.25 hm², serves 300 m), E (900 m², too small to serve) and G (opened in 2030);
# attached green B; protective green C half outside the 建成区; regional green D outside;
# scattered tree cover H (覆盖率 only);
# three street trees, one inside park A; 1,000 residents.
BUILT = box(0, 0, 2000, 1000)
RESIDENTIAL = [box(100, 100, 300, 300), box(1500, 600, 1700, 800), box(1800, 100, 1950, 300)]
SPACES = [  # code, kind, geometry, opened
    ("A", "park", box(150, 150, 250, 250), 2000),
    ("F", "park", box(1575, 675, 1625, 725), 2000),
    ("E", "park", box(1850, 150, 1880, 180), 2000),
    ("G", "park", box(700, 100, 800, 200), 2030),
    ("B", "attached", box(500, 500, 700, 700), 2000),
    ("C", "protective", box(1950, 400, 2050, 500), 2000),
    ("D", "regional", box(3000, 0, 3500, 500), 2000),
    ("H", "canopy", box(1000, 800, 1100, 900), 2000),
]
TREES = [(800, 200, 4.0), (900, 200, 6.0), (200, 200, 6.0)]  # x, y, crown diameter


def sixteen_gon(r: float) -> float:
    """Area of the 16-sided circle shapely draws for a crown (quad_segs=4)."""
    return 8 * r * r * math.sin(2 * math.pi / 16)


# By hand:
GREEN = 10_000 + 2_500 + 900 + 40_000 + 5_000  # A + F + E + B + half of C (G opens in 2030, D is outside)
COVER = GREEN + 10_000 + sixteen_gon(2.0) + sixteen_gon(3.0)  # + canopy H; the tree in park A adds nothing
PARKS = 10_000 + 2_500 + 900
RESIDENT_M2 = 40_000 + 40_000 + 30_000
SERVED = 40_000 + 40_000  # A's 500 m covers block 1, F's 300 m block 2; E is below 2,000 m², block 3 unserved
EXPECTED = {"built_m2": 2_000_000, "green_m2": GREEN, "cover_m2": COVER, "park_m2": PARKS,
            "residential_m2": RESIDENT_M2, "served_m2": SERVED, "population": 1000,
            "cover_rate": COVER / 2e6, "green_rate": GREEN / 2e6, "park_per_capita": PARKS / 1000,
            "service_rate": SERVED / RESIDENT_M2}


@pytest.fixture
def fixture_town(engine):
    from factories import add_city

    with db.session_scope(engine) as session:
        city = add_city(session)
        code = city.region.code
        session.add(LandZone(id=1, region_code=code, kind="built_up", geometry=lonlat(BUILT)))
        session.add(LandZone(id=2, region_code=code, kind="residential",
                             geometry=lonlat(shapely.MultiPolygon(RESIDENTIAL))))
        session.add(RegionPopulation(region_code=code, year=2025, population=1000))
        for n, (name, kind, geom, opened) in enumerate(SPACES, start=1):
            lon, lat = point(*geom.centroid.coords[0])
            session.add(GreenSpace(id=n, code=f"T-{name}", name=name, kind=kind, park_class=None, region_code=code,
                                   area_m2=geom.area, opened_year=opened, lon=lon, lat=lat, geometry=lonlat(geom)))
        for n, (x, y, crown) in enumerate(TREES, start=1):
            lon, lat = point(x, y)
            session.add(StreetTree(id=n, code=f"T-{n}", species="樟树", region_code=code, road="测试路",
                                   planted_year=2000, dbh_cm=20, crown_m=crown, condition="good", lon=lon, lat=lat))
    return engine, code


def test_gbt50563_indicators_equal_the_hand_computed_fixture(fixture_town):
    engine, code = fixture_town
    table = land.indicator_table(url(engine), 2026).set_index("region_code")
    for row in (table.loc[code], table.loc["city"]):
        for name, value in EXPECTED.items():
            assert row[name] == pytest.approx(value, rel=1e-6), name
        assert [bool(row[f"{n}_met"]) for n in land.TARGETS] == [False, False, True, False]
        assert row["met"] == 1


def test_indicators_follow_the_year_of_the_range(fixture_town):
    engine, code = fixture_town
    later = land.indicator_table(url(engine), 2030).set_index("region_code").loc[code]
    assert later["park_m2"] == pytest.approx(PARKS + 10_000, rel=1e-6)  # park G opens in 2030
    assert later["green_m2"] == pytest.approx(GREEN + 10_000, rel=1e-6)


# ---------------------------------------------------------------- the demo city


def scopes(engine) -> list[Scope]:
    today = clock.today()
    with engine.connect() as conn:
        region = conn.execute(select(Region.code).order_by(Region.code)).scalars().first()
    return [Scope(today - timedelta(days=29), today), Scope(today.replace(month=1, day=1), today, region=region)]


def params(scope: Scope, **extra) -> dict:
    out = {"range": "custom", "from": str(scope.day_from), "to": str(scope.day_to)}
    if scope.region:
        out["region"] = scope.region
    return {**out, **{k: str(v) for k, v in extra.items()}}


def test_seeded_indicators_equal_a_plain_union_per_town(seeded):
    """Two towns recomputed the slow, obvious way: one union of every green polygon and crown."""
    u = url(seeded)
    table = land.indicator_table(u, clock.today().year).set_index("region_code")
    with seeded.connect() as conn:
        codes = conn.execute(select(Region.code).order_by(Region.code)).scalars().all()[:2]
        for code in codes:
            zones = dict(conn.execute(select(LandZone.kind, LandZone.geometry).where(LandZone.region_code == code)).all())
            built = shapely.make_valid(land.to_metres(shape(json.loads(zones["built_up"]))))
            spaces = conn.execute(select(GreenSpace.kind, GreenSpace.geometry).where(
                GreenSpace.region_code == code, GreenSpace.opened_year <= clock.today().year)).all()
            greens = [shapely.make_valid(land.to_metres(shape(json.loads(g)))) for k, g in spaces
                      if k in ("park", "protective", "attached")]
            canopy = [shapely.make_valid(land.to_metres(shape(json.loads(g)))) for k, g in spaces if k == "canopy"]
            trees = conn.execute(select(StreetTree.lon, StreetTree.lat, StreetTree.crown_m)
                                 .where(StreetTree.region_code == code)).all()
            people = conn.execute(select(RegionPopulation.population).where(RegionPopulation.region_code == code)).scalar()
            crowns = [land.to_metres(shapely.Point(lon, lat)).buffer(c / 2, quad_segs=4) for lon, lat, c in trees]
            green = shapely.union_all(greens).intersection(built).area
            cover = shapely.union_all(greens + canopy + crowns).intersection(built).area
            row = table.loc[code]
            assert row["built_m2"] == pytest.approx(built.area, rel=1e-6)
            assert row["green_rate"] == pytest.approx(green / built.area, rel=1e-6)
            assert row["cover_rate"] == pytest.approx(cover / built.area, rel=1e-6)
            assert row["population"] == people
    city = table.loc["city"]
    regions = table.drop(index="city")
    assert city["cover_rate"] == pytest.approx(regions["cover_m2"].sum() / regions["built_m2"].sum())
    assert city["park_per_capita"] == pytest.approx(regions["park_m2"].sum() / regions["population"].sum())


def test_stored_green_space_areas_are_their_polygons(seeded):
    with seeded.connect() as conn:
        rows = conn.execute(select(GreenSpace.area_m2, GreenSpace.geometry).limit(200)).all()
    areas = land.areas_m2([shape(json.loads(g)) for _, g in rows])
    np.testing.assert_allclose([a for a, _ in rows], areas, rtol=1e-3, atol=25)  # 6-decimal coordinates: ~0.1 m


def test_inventory_equals_raw_counts_and_its_lists(seeded):
    u = url(seeded)
    for scope in scopes(seeded):
        data = land.inventory(u, scope)
        year = scope.day_to.year
        with seeded.connect() as conn:
            region = [GreenSpace.region_code == scope.region] if scope.region else []
            raw = pd.DataFrame(conn.execute(select(GreenSpace.kind, GreenSpace.area_m2)
                                            .where(GreenSpace.opened_year <= year, *region)).all(),
                               columns=["kind", "area"])
            trees = conn.execute(select(func.count()).select_from(StreetTree).where(
                StreetTree.planted_year <= year, *([StreetTree.region_code == scope.region] if scope.region else []))).scalar()
            ancient = conn.execute(select(func.count()).select_from(AncientTree).where(
                *([AncientTree.region_code == scope.region] if scope.region else []))).scalar()
        for kind in land.SPACE_KINDS:
            part = raw[raw["kind"] == kind]
            assert data["spaces"][kind]["count"] == len(part)
            assert data["spaces"][kind]["area_m2"] == pytest.approx(float(part["area"].sum()))
            assert objects.count(u, "green_spaces", params(scope, type=kind, opened_by=year)) == len(part)
        assert data["trees"] == trees == objects.count(u, "street_trees", params(scope, planted_by=year))
        assert data["ancient"] == ancient == objects.count(u, "ancient_trees", params(scope))


def test_species_and_grades_equal_their_lists(seeded):
    u = url(seeded)
    scope = scopes(seeded)[1]
    year = scope.day_to.year
    species = land.tree_species(u, scope)
    assert len(species) > 3
    for row in species.head(4).itertuples():
        assert row.trees == objects.count(u, "street_trees", params(scope, species=row.species, planted_by=year))
    grades = land.ancient_trees(u, scope).groupby("grade").size()
    for grade, n in grades.items():
        assert n == objects.count(u, "ancient_trees", params(scope, grade=grade))


def test_work_equals_raw_inspections_and_its_lists(seeded):
    u = url(seeded)
    for scope in scopes(seeded):
        data = land.work_summary(u, scope)
        daily = land.work_daily(u, scope)
        with seeded.connect() as conn:
            raw = pd.DataFrame(conn.execute(select(GreenInspection.work, GreenInspection.planned_on,
                                                   GreenInspection.done_at, GreenInspection.problems)
                                            .where(GreenInspection.planned_on.between(scope.day_from, scope.day_to),
                                                   *([GreenInspection.region_code == scope.region] if scope.region else []))).all(),
                               columns=["work", "day", "done_at", "problems"])
        assert data["planned"] == len(raw) == daily["planned"].sum() == objects.count(u, "green_inspections", params(scope))
        done = int(raw["done_at"].notna().sum())
        assert data["done"] == done == daily["done"].sum() == objects.count(u, "green_inspections", params(scope, done=1))
        assert data["problems"] == raw["problems"].sum() == daily["problems"].sum()
        assert data["with_problems"] == (raw["problems"] > 0).sum() == objects.count(
            u, "green_inspections", params(scope, problems=1))
        typhoon = (raw["work"] == "typhoon").sum()
        assert data["by_work"]["typhoon"]["planned"] == typhoon == objects.count(
            u, "green_inspections", params(scope, work="typhoon"))
        busiest = daily.loc[daily["planned"].idxmax()]
        one_day = Scope(busiest["day"], busiest["day"], region=scope.region)
        assert busiest["planned"] == objects.count(u, "green_inspections", params(one_day))


def test_tree_work_peaks_in_the_typhoon_season(seeded):
    today = clock.today()
    with seeded.connect() as conn:
        rows = conn.execute(select(GreenInspection.planned_on).where(
            GreenInspection.work.in_(("pruning", "typhoon")),
            GreenInspection.planned_on > today - timedelta(days=365), GreenInspection.planned_on <= today)).scalars().all()
    months = pd.Series(pd.to_datetime(pd.Series(rows)).dt.month).value_counts()
    assert months.reindex([7, 8, 9], fill_value=0).mean() > 1.5 * months.reindex([12, 1, 2], fill_value=0).mean()


def test_landscaping_cases_equal_raw_cases(seeded):
    u = url(seeded)
    scope = scopes(seeded)[0]
    table = land.case_table(u, scope)
    with seeded.connect() as conn:
        for code in land.CASE_CATEGORIES:
            raw = conn.execute(select(func.count()).select_from(Case).where(
                *case_conditions(CaseQuery.of(scope, category=code), boards.utcnow()))).scalar()
            got = table[table["code"] == code]["reported"]
            assert (int(got.iloc[0]) if len(got) else 0) == raw
        raw = conn.execute(select(func.count()).select_from(Case).where(
            *case_conditions(CaseQuery.of(scope, major=land.COMPONENT_MAJOR), boards.utcnow()))).scalar()
    assert table[table["major"] == land.COMPONENT_MAJOR]["reported"].sum() == raw


def test_bad_filter_values_are_named_not_raised(seeded):
    selection, problems = objects.parse("ancient_trees", {"grade": "7", "species": "x" * 40}, date(2026, 7, 15))
    assert selection.filters == ()
    assert len(problems) == 2
