"""园林绿化 board data: the GB/T 50563 indicators computed from polygons, the green inventory,
maintenance work and the landscaping cases; and the object kinds its figures drill into.

Indicators (GB/T 50563-2010 城市园林绿化评价标准, within each 镇街's 建成区):
- 建成区绿化覆盖率 = area(union(绿地 ∪ 零星树木覆盖 ∪ 行道树树冠) ∩ 建成区) / area(建成区) target ≥ 40 %
- 建成区绿地率     = area(union(公园/防护/附属绿地) ∩ 建成区) / area(建成区)            target ≥ 35 %
- 人均公园绿地面积 = area(union(公园绿地) ∩ 建成区) / 常住人口                         target ≥ 10 m²
- 公园绿地服务半径覆盖率 = area(居住用地 ∩ ∪ buffer(公园, 500 m if ≥ 1 hm² else 300 m if ≥ 0.2 hm²))
                          / area(居住用地)                                               target ≥ 80 %
The city's values are the same ratios of the regions' sums. Geometry is read as GeoJSON text
with plain SQL and measured with shapely in a local metric projection, so SQLite and
PostgreSQL give the same answers. The inventory is as of the end of the board's range: green
spaces opened and trees planted by that year.
"""
from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape
from sqlalchemy import bindparam, case, func, literal, select, update

from .boards import counts as case_counts
from .boards import names as board_names
from .cache import memoize
from .clock import LOCAL_OFFSET
from .db import get_engine
from .filters import Scope, in_area, region_conditions
from .models import Region
from .models_landscaping import (
    AncientTree,
    GreenInspection,
    GreenSpace,
    LandZone,
    RegionPopulation,
    StreetTree,
)

M_PER_DEG_LAT = 111_320.0
LON0, LAT0 = 113.75, 22.95  # the projection's origin, the middle of Dongguan
KX = M_PER_DEG_LAT * float(np.cos(np.radians(LAT0)))
GREEN_KINDS = ("park", "protective", "attached")  # 绿地 inside 建成区 that 绿地率 counts
COVER_KINDS = (*GREEN_KINDS, "canopy")  # 绿化覆盖 also counts 零星树木 outside green land
TARGETS = {"cover_rate": 0.40, "green_rate": 0.35, "park_per_capita": 10.0, "service_rate": 0.80}
INDICATORS = {"cover_rate": ("建成区绿化覆盖率", "Green cover"), "green_rate": ("建成区绿地率", "Green space ratio"),
              "park_per_capita": ("人均公园绿地面积", "Park m² per person"),
              "service_rate": ("公园绿地服务半径覆盖率", "Park service coverage")}
SERVICE_RADII = ((10_000.0, 500.0), (2_000.0, 300.0))  # (park area from m², radius m)
SPACE_KINDS = {"park": ("公园绿地", "Park"), "protective": ("防护绿地", "Protective green"),
               "attached": ("附属绿地", "Attached green"), "regional": ("区域绿地", "Regional green"),
               "canopy": ("零星树木覆盖", "Scattered tree cover")}
PARK_CLASSES = {"comprehensive": ("综合公园", "Comprehensive park"), "community": ("社区公园", "Community park"),
                "theme": ("专类公园", "Theme park"), "pocket": ("游园", "Pocket park")}
GRADES = {1: ("一级古树", "Grade 1"), 2: ("二级古树", "Grade 2"), 3: ("三级古树", "Grade 3"), 0: ("名木", "Notable tree")}
PROTECTION = {"normal": ("正常", "Normal"), "weak": ("衰弱", "Weak"), "restoring": ("复壮中", "Restoring"),
              "endangered": ("濒危", "Endangered")}
CONDITIONS = {"good": ("良好", "Good"), "fair": ("一般", "Fair"), "poor": ("较差", "Poor")}
WORK = {"patrol": ("养护巡查", "Patrol"), "pruning": ("树木修剪", "Pruning"), "typhoon": ("防台加固", "Typhoon work"),
        "pest": ("病虫害防治", "Pest control"), "ancient": ("古树巡查", "Ancient-tree check")}
CASE_CATEGORIES = ("06017", "06021", "06022", "06045")  # 绿地脏乱, 病虫害, 非法伐树, 非法占绿毁绿
COMPONENT_MAJOR = "04"  # 园林绿化设施 (components)
CACHE_SECONDS = 30


# ---------------------------------------------------------------- geometry


def to_metres(geom):
    """A lon/lat geometry in the local metric projection (equirectangular at LAT0)."""
    return shapely.transform(geom, lambda c: np.column_stack([(c[:, 0] - LON0) * KX, (c[:, 1] - LAT0) * M_PER_DEG_LAT]))


def to_lonlat(geom):
    return shapely.transform(geom, lambda c: np.column_stack([c[:, 0] / KX + LON0, c[:, 1] / M_PER_DEG_LAT + LAT0]))


def areas_m2(geoms) -> np.ndarray:
    """Areas in m² of lon/lat geometries."""
    return shapely.area(to_metres(np.asarray(geoms, dtype=object)))


def _geoms(texts) -> np.ndarray:
    """Stored GeoJSON texts as metric geometries, repaired where rounding made a ring touch itself."""
    geoms = to_metres(np.array([shape(json.loads(t)) for t in texts], dtype=object))
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = shapely.make_valid(geoms[bad])
    return geoms


def _union(geoms):
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    return shapely.union_all(np.array(geoms, dtype=object)) if geoms else shapely.Polygon()


@memoize(3600)  # the polygons change only when the city is seeded again
def indicator_table(url: str, year: int, city: str | None = None) -> pd.DataFrame:
    """The four indicators and their parts per region (of one city, or all), and a city row
    (region_code "city") over those regions."""
    with get_engine(url).connect() as conn:
        regions = conn.execute(select(Region.code, Region.name).where(*in_area(Region.code, None, city))
                               .order_by(Region.code)).all()
        zones = conn.execute(select(LandZone.region_code, LandZone.kind, LandZone.geometry)
                             .where(*in_area(LandZone.region_code, None, city))).all()
        spaces = conn.execute(select(GreenSpace.region_code, GreenSpace.kind, GreenSpace.area_m2, GreenSpace.geometry)
                              .where(GreenSpace.opened_year <= year, GreenSpace.kind.in_(COVER_KINDS),
                                     *in_area(GreenSpace.region_code, None, city))).all()
        trees = conn.execute(select(StreetTree.region_code, StreetTree.lon, StreetTree.lat, StreetTree.crown_m)
                             .where(StreetTree.planted_year <= year, *in_area(StreetTree.region_code, None, city))).all()
        people = dict(conn.execute(select(RegionPopulation.region_code, RegionPopulation.population)
                                   .where(RegionPopulation.year == select(func.max(RegionPopulation.year))
                                          .scalar_subquery())).all())
    built = {code: None for code, _ in regions}
    residential = {code: None for code, _ in regions}
    for code, kind, geometry in zones:
        geom = _geoms([geometry])[0]
        target = built if kind == "built_up" else residential
        target[code] = geom if target.get(code) is None else target[code].union(geom)
    green_geoms = _geoms([s.geometry for s in spaces]) if spaces else np.array([], dtype=object)
    is_park = np.array([s.kind == "park" for s in spaces], dtype=bool)
    is_green = np.array([s.kind in GREEN_KINDS for s in spaces], dtype=bool)
    space_region = np.array([s.region_code for s in spaces])
    # Every park serves the residents around it, across town borders too.
    buffers = []
    for geom, area, park in zip(green_geoms, [s.area_m2 for s in spaces], is_park):
        if not park:
            continue
        real = geom.area
        radius = next((r for low, r in SERVICE_RADII if real >= low), None)
        if radius:
            buffers.append(geom.buffer(radius, quad_segs=8))
    served_by = _union(buffers)
    tree_region = np.array([t.region_code for t in trees])
    if trees:
        xy = np.array([(t.lon, t.lat) for t in trees], dtype=float)
        points = shapely.points((xy[:, 0] - LON0) * KX, (xy[:, 1] - LAT0) * M_PER_DEG_LAT)
        crowns = shapely.buffer(points, np.array([t.crown_m for t in trees]) / 2, quad_segs=4)
    else:
        crowns = np.array([], dtype=object)
    rows = []
    for code, name in regions:
        b = built.get(code)
        r = residential.get(code)
        mine = space_region == code
        if b is None or b.is_empty:
            built_m2 = green_m2 = cover_m2 = park_m2 = 0.0
        else:
            built_m2 = b.area
            green_m2 = union_area_within(green_geoms[mine & is_green], b)
            park_m2 = union_area_within(green_geoms[mine & is_park], b)
            cover_m2 = union_area_within(np.concatenate([green_geoms[mine], crowns[tree_region == code]]), b)
        residential_m2 = r.area if r is not None else 0.0
        served_m2 = (shapely.clip_by_rect(served_by, *r.bounds).intersection(r).area
                     if r is not None and not r.is_empty else 0.0)
        rows.append({"region_code": code, "name": name, "built_m2": built_m2, "green_m2": green_m2,
                     "cover_m2": cover_m2, "park_m2": park_m2, "residential_m2": residential_m2,
                     "served_m2": served_m2, "population": int(people.get(code, 0))})
    df = pd.DataFrame(rows, columns=["region_code", "name", "built_m2", "green_m2", "cover_m2", "park_m2",
                                     "residential_m2", "served_m2", "population"])
    total = df.drop(columns=["region_code", "name"]).sum()
    city = {"region_code": "city", "name": "全市", **total.to_dict()}
    df = pd.concat([df, pd.DataFrame([city])], ignore_index=True)
    return _rates(df)


def union_area_within(geoms, built) -> float:
    """area(union(geoms) ∩ built) in m². Pieces that touch no other piece and lie inside `built`
    add their own area; only the rest go through the (slow) polygon union and intersection."""
    geoms = np.asarray([g for g in geoms if g is not None and not g.is_empty], dtype=object)
    if built is None or built.is_empty or len(geoms) == 0:
        return 0.0
    shapely.prepare(built)
    inside = shapely.contains(built, geoms)
    crossing = ~inside & shapely.intersects(built, geoms)
    pairs = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = pairs[:, pairs[0] != pairs[1]]
    # Pieces that only share a border (adjacent grids) overlap by no area: their areas add up.
    pairs = pairs[:, ~shapely.touches(geoms[pairs[0]], geoms[pairs[1]])]
    touching = np.zeros(len(geoms), dtype=bool)
    touching[pairs[0]] = True
    alone = float(shapely.area(geoms[inside & ~touching]).sum())
    rest = geoms[(inside & touching) | crossing]
    if len(rest) == 0:
        return alone
    return alone + shapely.union_all(rest).intersection(built).area


def _ratio(a, b):
    return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def _rates(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["cover_rate"] = _ratio(df["cover_m2"], df["built_m2"])
    df["green_rate"] = _ratio(df["green_m2"], df["built_m2"])
    df["park_per_capita"] = _ratio(df["park_m2"], df["population"])
    df["service_rate"] = _ratio(df["served_m2"], df["residential_m2"])
    for name, target in TARGETS.items():
        df[f"{name}_met"] = df[name] >= target - 1e-12
    df["met"] = df[[f"{n}_met" for n in TARGETS]].sum(axis=1).astype(int)
    return df


def indicators(url: str, scope: Scope) -> pd.DataFrame:
    return indicator_table(url, scope.day_to.year, scope.city)


def headline_indicators(url: str, scope: Scope) -> dict:
    """The selected region's (or the city's) row of indicators."""
    df = indicators(url, scope)
    row = df[df["region_code"] == (scope.region or "city")]
    return (row if len(row) else df[df["region_code"] == "city"]).iloc[0].to_dict()


# ---------------------------------------------------------------- inventory


@memoize(CACHE_SECONDS)
def inventory(url: str, scope: Scope) -> dict:
    """Green spaces by kind (count, m²), street trees and 古树名木, as of the range's last year."""
    year = scope.day_to.year
    with get_engine(url).connect() as conn:
        spaces = conn.execute(select(GreenSpace.kind, func.count(), func.coalesce(func.sum(GreenSpace.area_m2), 0.0))
                              .where(GreenSpace.opened_year <= year, *region_conditions(GreenSpace.region_code, scope))
                              .group_by(GreenSpace.kind)).all()
        trees = conn.execute(select(func.count()).select_from(StreetTree)
                             .where(StreetTree.planted_year <= year, *region_conditions(StreetTree.region_code, scope))).scalar_one()
        ancient = conn.execute(select(func.count()).select_from(AncientTree)
                               .where(*region_conditions(AncientTree.region_code, scope))).scalar_one()
    by_kind = {k: {"count": 0, "area_m2": 0.0} for k in SPACE_KINDS}
    for kind, n, area in spaces:
        by_kind[kind] = {"count": int(n), "area_m2": float(area)}
    return {"year": year, "spaces": by_kind, "trees": int(trees), "ancient": int(ancient)}


@memoize(CACHE_SECONDS)
def tree_species(url: str, scope: Scope) -> pd.DataFrame:
    q = (select(StreetTree.species, func.count().label("trees"))
         .where(StreetTree.planted_year <= scope.day_to.year, *region_conditions(StreetTree.region_code, scope))
         .group_by(StreetTree.species))
    with get_engine(url).connect() as conn:
        df = pd.DataFrame(conn.execute(q).all(), columns=["species", "trees"])
    return df.sort_values(["trees", "species"], ascending=[False, True]).reset_index(drop=True)


@memoize(CACHE_SECONDS)
def ancient_trees(url: str, scope: Scope) -> pd.DataFrame:
    q = (select(AncientTree.code, AncientTree.species, AncientTree.grade, AncientTree.age_years,
                AncientTree.protection, AncientTree.region_code, AncientTree.lon, AncientTree.lat)
         .where(*region_conditions(AncientTree.region_code, scope)).order_by(AncientTree.code))
    with get_engine(url).connect() as conn:
        return pd.DataFrame(conn.execute(q).all(), columns=list(q.selected_columns.keys()))


def ancient_map(url: str, scope: Scope):
    from .boards import region_shapes

    return ancient_trees(url, scope), region_shapes(url, scope.city)


# ---------------------------------------------------------------- work


def _planned_in(scope: Scope) -> list:
    return [GreenInspection.planned_on >= scope.day_from, GreenInspection.planned_on <= scope.day_to,
            *region_conditions(GreenInspection.region_code, scope)]


@memoize(CACHE_SECONDS)
def work_daily(url: str, scope: Scope) -> pd.DataFrame:
    """Per planned local day: planned, done, problems found, and tree work (pruning + typhoon)."""
    q = (select(GreenInspection.planned_on.label("day"), func.count().label("planned"),
                func.sum(case((GreenInspection.done_at.isnot(None), 1), else_=0)).label("done"),
                func.coalesce(func.sum(GreenInspection.problems), 0).label("problems"),
                func.sum(case((GreenInspection.work.in_(("pruning", "typhoon")), 1), else_=0)).label("tree_work"))
         .where(*_planned_in(scope)).group_by(GreenInspection.planned_on))
    with get_engine(url).connect() as conn:
        df = pd.DataFrame(conn.execute(q).all(), columns=["day", "planned", "done", "problems", "tree_work"])
    df["day"] = pd.to_datetime(df["day"]).dt.date
    days = pd.date_range(scope.day_from, scope.day_to).date
    return df.set_index("day").reindex(days, fill_value=0).rename_axis("day").reset_index().astype(
        {"planned": int, "done": int, "problems": int, "tree_work": int})


@memoize(CACHE_SECONDS)
def work_summary(url: str, scope: Scope) -> dict:
    """Totals over the range and by work type."""
    q = (select(GreenInspection.work, func.count(), func.sum(case((GreenInspection.done_at.isnot(None), 1), else_=0)),
                func.coalesce(func.sum(GreenInspection.problems), 0),
                func.sum(case((GreenInspection.problems > 0, 1), else_=0)))
         .where(*_planned_in(scope)).group_by(GreenInspection.work))
    with get_engine(url).connect() as conn:
        rows = conn.execute(q).all()
    by_work = {w: {"planned": 0, "done": 0, "problems": 0, "with_problems": 0} for w in WORK}
    for work, planned, done, problems, with_problems in rows:
        by_work[work] = {"planned": int(planned), "done": int(done or 0), "problems": int(problems or 0),
                         "with_problems": int(with_problems or 0)}
    total = {k: sum(v[k] for v in by_work.values()) for k in ("planned", "done", "problems", "with_problems")}
    return {"by_work": by_work, **total}


# ---------------------------------------------------------------- cases


@memoize(CACHE_SECONDS)
def case_table(url: str, scope: Scope) -> pd.DataFrame:
    """The landscaping event categories and the 04 components' cases (as one row per category),
    counted from the rollups like every board."""
    df = case_counts(url, scope, ("category_id",))
    categories = board_names(url)["categories"]
    df["code"] = df["category_id"].map(lambda c: categories[c][0])
    df["name"] = df["category_id"].map(lambda c: categories[c][1])
    df["major"] = df["category_id"].map(lambda c: categories[c][2])
    picked = df[df["code"].isin(CASE_CATEGORIES) | (df["major"] == COMPONENT_MAJOR)]
    return picked.sort_values("code").reset_index(drop=True)


# ---------------------------------------------------------------- the simulator's writes


def due_inspections(session, now: datetime) -> list[tuple[int, str]]:
    """(id, work) of today's planned work not yet done."""
    today = (now + LOCAL_OFFSET).date()
    return [tuple(r) for r in session.execute(select(GreenInspection.id, GreenInspection.work)
                                              .where(GreenInspection.planned_on == today,
                                                     GreenInspection.done_at.is_(None))).all()]


def complete_inspections(session, rows: list[dict]) -> None:
    """Mark work done; rows are dicts id, done_at, problems."""
    if rows:
        session.connection().execute(
            update(GreenInspection.__table__).where(GreenInspection.__table__.c.id == bindparam("i"))
            .values(done_at=bindparam("d"), problems=bindparam("p"),
                    note=case((bindparam("p") > 0, literal("巡查发现问题")), else_=literal("已完成"))),
            [{"i": r["id"], "d": r["done_at"], "p": r["problems"]} for r in rows])


# ---------------------------------------------------------------- object kinds


def _register_kinds():
    from . import objects

    o = objects
    o.register(
        o.Kind(
            id="green_spaces", zh="公园绿地", en="Parks and green spaces", model=GreenSpace, key=GreenSpace.code,
            columns=(
                o.Column("code", "编号", "Code", GreenSpace.code),
                o.Column("name", "名称", "Name", GreenSpace.name, flex=2),
                o.Column("kind", "类别", "Kind", GreenSpace.kind, labels=SPACE_KINDS),
                o.Column("park_class", "公园类型", "Park class", GreenSpace.park_class, labels=PARK_CLASSES),
                o.Column("region", "镇街", "Town", GreenSpace.region_code, labels="regions"),
                o.Column("area_m2", "面积", "Area", GreenSpace.area_m2, digits=0, unit="㎡"),
                o.Column("opened_year", "建成年份", "Opened", GreenSpace.opened_year),
            ),
            region=GreenSpace.region_code,
            filters={"type": o.choice(GreenSpace.kind, SPACE_KINDS),
                     "park_class": o.choice(GreenSpace.park_class, PARK_CLASSES),
                     "opened_by": lambda v: GreenSpace.opened_year <= _year(v)},
            filter_labels={"type": "类别", "park_class": "公园类型", "opened_by": "建成不晚于"},
            order=(("area_m2", True),), position=(GreenSpace.lon, GreenSpace.lat), unit="处",
        ),
        o.Kind(
            id="street_trees", zh="行道树", en="Street trees", model=StreetTree, key=StreetTree.code,
            columns=(
                o.Column("code", "编号", "Code", StreetTree.code),
                o.Column("species", "树种", "Species", StreetTree.species),
                o.Column("region", "镇街", "Town", StreetTree.region_code, labels="regions"),
                o.Column("road", "道路", "Road", StreetTree.road),
                o.Column("planted_year", "种植年份", "Planted", StreetTree.planted_year),
                o.Column("dbh_cm", "胸径", "DBH", StreetTree.dbh_cm, digits=1, unit="cm"),
                o.Column("crown_m", "冠幅", "Crown", StreetTree.crown_m, digits=1, unit="m"),
                o.Column("condition", "长势", "Condition", StreetTree.condition, labels=CONDITIONS),
            ),
            region=StreetTree.region_code,
            filters={"species": lambda v: StreetTree.species == _text(v),
                     "condition": o.choice(StreetTree.condition, CONDITIONS),
                     "planted_by": lambda v: StreetTree.planted_year <= _year(v)},
            filter_labels={"species": "树种", "condition": "长势", "planted_by": "种植不晚于"},
            order=(("code", False),), position=(StreetTree.lon, StreetTree.lat), unit="株",
        ),
        o.Kind(
            id="ancient_trees", zh="古树名木", en="Ancient and notable trees", model=AncientTree, key=AncientTree.code,
            columns=(
                o.Column("code", "编号", "Code", AncientTree.code),
                o.Column("species", "树种", "Species", AncientTree.species),
                o.Column("grade", "保护级别", "Grade", AncientTree.grade, labels={str(k): v for k, v in GRADES.items()}),
                o.Column("age_years", "估测树龄", "Estimated age", AncientTree.age_years, unit="年"),
                o.Column("protection", "保护状况", "Protection", AncientTree.protection, labels=PROTECTION),
                o.Column("region", "镇街", "Town", AncientTree.region_code, labels="regions"),
                o.Column("place", "位置", "Place", AncientTree.place, flex=1.5),
                o.Column("height_m", "树高", "Height", AncientTree.height_m, digits=1, unit="m"),
            ),
            region=AncientTree.region_code,
            filters={"grade": lambda v: AncientTree.grade == _grade(v), "protection": o.choice(AncientTree.protection, PROTECTION),
                     "species": lambda v: AncientTree.species == _text(v)},
            filter_labels={"grade": "保护级别", "protection": "保护状况", "species": "树种"},
            order=(("age_years", True),), position=(AncientTree.lon, AncientTree.lat), unit="株",
        ),
        o.Kind(
            id="green_inspections", zh="养护巡查", en="Maintenance inspections", model=GreenInspection,
            key=GreenInspection.code,
            columns=(
                o.Column("code", "编号", "Code", GreenInspection.code),
                o.Column("planned_on", "计划日期", "Planned", GreenInspection.planned_on),
                o.Column("work", "作业类型", "Work", GreenInspection.work, labels=WORK),
                o.Column("region", "镇街", "Town", GreenInspection.region_code, labels="regions"),
                o.Column("target", "对象", "Target", GreenInspection.target),
                o.Column("done_at", "完成时间", "Done", GreenInspection.done_at),
                o.Column("problems", "发现问题", "Problems", GreenInspection.problems),
                o.Column("inspector", "养护人员", "Inspector", GreenInspection.inspector),
                o.Column("note", "情况", "Note", GreenInspection.note, flex=1.5),
            ),
            region=GreenInspection.region_code, time=GreenInspection.planned_on,
            filters={"work": o.choice(GreenInspection.work, WORK),
                     "done": o.flag(GreenInspection.done_at.isnot(None), GreenInspection.done_at.is_(None)),
                     "problems": o.flag(GreenInspection.problems > 0, GreenInspection.problems == 0)},
            filter_labels={"work": "作业类型", "done": "已完成", "problems": "发现问题"},
            order=(("planned_on", True),), unit="次",
            links=lambda raw: [(f"作业对象 {raw['target']}", f"/object/{_target_kind(raw['target'])}/{raw['target']}")]
            if raw.get("target") else [],
        ),
    )


def _target_kind(code: str) -> str:
    """The object kind a maintenance job's target code names (古树 codes start GS, green spaces LD)."""
    return "ancient_trees" if code.startswith("GS") else "green_spaces"


def _year(value: str) -> int:
    if not value.isdigit() or not 1900 <= int(value) <= 2100:
        raise ValueError("a year such as 2026")
    return int(value)


def _grade(value: str) -> int:
    if value not in ("0", "1", "2", "3"):
        raise ValueError("0 (名木), 1, 2 or 3")
    return int(value)


def _text(value: str) -> str:
    if not 0 < len(value) <= 24:
        raise ValueError("1 to 24 characters")
    return value


_register_kinds()
