"""The demo city's geography: Dongguan's 32 real 镇街, with generated communities and grids.

Town boundaries come from reference/ (GCJ-02) and are stored as WGS-84. Communities are
cells of a ~2 km lattice clipped to each town, unit grids cells of a ~0.5 km lattice clipped
to each community, so every grid lies inside its community and every community inside its
town. Everything is a pure function of the random seed.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import box, mapping, shape

from data_access.geo import gcj02_to_wgs84, transform_geometry

from .catalogue import REFERENCE

JURISDICTION = {"code": "441900", "name": "东莞市", "name_en": "Dongguan"}
COMMUNITY_CELL = 0.02  # degrees, about 2 km
GRID_CELL = 0.005  # degrees, about 0.5 km
MIN_PIECE = 0.15  # clipped cells smaller than this share of a cell are dropped

# Town centres (街道 and old town cores) versus manufacturing towns; the rest are mixed
# water-network and farming towns. Drives the category mix and case density.
INDUSTRIAL = {"长安镇", "虎门镇", "厚街镇", "大朗镇", "塘厦镇", "常平镇", "寮步镇", "大岭山镇", "凤岗镇",
              "清溪镇", "黄江镇", "石排镇", "横沥镇", "桥头镇", "茶山镇", "谢岗镇", "企石镇"}
CENTRE = {"石龙镇"}
PROFILE_DENSITY = {"centre": 3.0, "industrial": 1.4, "mixed": 0.7}

_NAME_HEAD = "新旧东西南北上下大小石沙黄白长水龙凤梅桂松竹榕莲桥溪塘湖岭田"
_NAME_TAIL = ["塘", "围", "岭", "坑", "湖", "田", "洲", "头", "山", "岗", "口", "边", "基", "墩", "坊", "园", "涌", "村"]
_ROAD_TAIL = ["路", "大道", "街", "中路", "东路", "西路", "南路", "北路"]


@dataclass
class Town:
    code: str
    name: str
    name_en: str
    kind: str
    profile: str
    label: tuple[float, float]
    area_km2: float
    polygon: object
    roads: list[str] = field(default_factory=list)


@dataclass
class City:
    towns: list[Town]
    communities: list[dict]  # code, region_code, name, polygon
    grids: list[dict]  # code, community_code, region_code, polygon
    grid_geoms: np.ndarray  # shapely geometries 1 m inside each grid, aligned with grids
    grid_bounds: np.ndarray  # (n, 4) minx, miny, maxx, maxy
    grid_region: np.ndarray  # index into towns
    grid_weight: np.ndarray  # relative case density, sums to 1 per town


def _profile(name: str, kind: str) -> str:
    if kind == "街道" or name in CENTRE:
        return "centre"
    return "industrial" if name in INDUSTRIAL else "mixed"


def reference_outlines(name: str):
    """(properties, CSV row, WGS-84 outline) of every feature of seeds/reference/<name>.geojson
    (GCJ-02), joined by `code` to the row of <name>.csv."""
    with open(REFERENCE / f"{name}.csv", encoding="utf-8") as fh:
        facts = {row["code"]: row for row in csv.DictReader(fh)}
    with open(REFERENCE / f"{name}.geojson", encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    for feature in features:
        props = feature["properties"]
        yield props, facts[props["code"]], shape(transform_geometry(feature["geometry"], gcj02_to_wgs84)).buffer(0)


def load_towns() -> list[Town]:
    towns = []
    for props, row, polygon in reference_outlines("dongguan_towns"):
        label = gcj02_to_wgs84(float(row["label_lon"]), float(row["label_lat"]))
        towns.append(Town(props["code"], props["name_zh"], props["name_en"], row["kind"],
                          _profile(props["name_zh"], row["kind"]), label, float(row["area_km2_approx"]), polygon))
    towns.sort(key=lambda t: t.code)
    # The reference outlines overlap along some borders (3.7 km² in all); give each sliver to the
    # town with the lower code, so every point, grid and case lies in exactly one town.
    taken = None
    for town in towns:
        if taken is not None:
            town.polygon = town.polygon.difference(taken).buffer(0)
        taken = town.polygon if taken is None else taken.union(town.polygon)
    return towns


def lattice_pieces(polygon, cell: float, polygonal: bool = False):
    """The cells of a lattice clipped to `polygon`, skipping slivers, in row-major order.

    `polygonal` keeps the polygons of a cell that touches `polygon` also along a line (a geometry
    collection); the demo city skips such cells, and keeps doing so to stay the same city."""
    minx, miny, maxx, maxy = polygon.bounds
    xs = np.arange(np.floor(minx / cell) * cell, maxx, cell)
    ys = np.arange(np.floor(miny / cell) * cell, maxy, cell)[::-1]
    cells = [box(x, y, x + cell, y + cell) for y in ys for x in xs]
    pieces = shapely.intersection(np.array(cells, dtype=object), polygon)
    if polygonal:
        pieces = np.array([shapely.union_all([g for g in shapely.get_parts(p) if g.geom_type == "Polygon"])
                           if p.geom_type == "GeometryCollection" else p for p in pieces], dtype=object)
    keep = shapely.area(pieces) >= MIN_PIECE * cell * cell
    return [p for p, k in zip(pieces, keep) if k and p.geom_type in ("Polygon", "MultiPolygon")]


def _unique_names(rng, count: int, suffix: str) -> list[str]:
    """`count` distinct two-character place names, e.g. 石塘村."""
    combos = [head + tail for head in _NAME_HEAD for tail in _NAME_TAIL]
    return [combos[i] + suffix for i in rng.permutation(len(combos))[:count]]


def build_city(seed: int, towns: list[Town] | None = None, scale: float = 1.0) -> City:
    """Communities and grids of `towns` (default: Dongguan's), on lattices `scale` times as coarse."""
    rng = np.random.default_rng(seed)
    towns = load_towns() if towns is None else towns
    communities, grids, grid_region, grid_weight = [], [], [], []
    for t_index, town in enumerate(towns):
        town.roads = [name + rng.choice(_ROAD_TAIL) for name in _unique_names(rng, 12, "")]
        pieces = lattice_pieces(town.polygon, COMMUNITY_CELL * scale)
        suffix = "社区" if town.profile == "centre" else "村"
        names = _unique_names(rng, len(pieces), suffix)
        label = np.array(town.label)
        spread = max(np.sqrt(town.area_km2) / 111 / 2.5, 0.01)
        weights = []
        for c_index, (piece, name) in enumerate(zip(pieces, names), start=1):
            c_code = f"{town.code}{c_index:03d}"
            communities.append({"code": c_code, "region_code": town.code, "name": name, "polygon": piece})
            for g_index, cell in enumerate(lattice_pieces(piece, GRID_CELL * scale)[:99], start=1):
                centre = np.array(cell.representative_point().coords[0])
                grids.append({"code": f"{c_code}{g_index:02d}", "community_code": c_code,
                              "region_code": town.code, "polygon": cell, "center": tuple(centre)})
                grid_region.append(t_index)
                # Denser near the town centre, never empty at the edges.
                distance = np.linalg.norm(centre - label)
                weights.append(0.15 + np.exp(-((distance / spread) ** 2)))
        weights = np.array(weights)
        grid_weight.extend(weights / weights.sum())
    geoms = np.array([g["polygon"] for g in grids], dtype=object)
    # Points are drawn 1 m inside their grid, so rounding the stored polygons can't strand them.
    inner = shapely.buffer(geoms, -1e-5)
    inner = np.where(shapely.is_empty(inner), geoms, inner)
    return City(towns, communities, grids, inner, shapely.bounds(inner), np.array(grid_region), np.array(grid_weight))


def random_points_in_grids(rng, city: City, grid_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random points, each inside the grid polygon it is drawn for."""
    bounds = city.grid_bounds[grid_index]
    lon = np.empty(len(grid_index))
    lat = np.empty(len(grid_index))
    todo = np.arange(len(grid_index))
    while len(todo):
        b = bounds[todo]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        inside = shapely.contains_xy(city.grid_geoms[grid_index[todo]], x, y)
        lon[todo[inside]], lat[todo[inside]] = x[inside], y[inside]
        todo = todo[~inside]
    return lon, lat


def geometry_json(polygon) -> str:
    """GeoJSON geometry text with coordinates rounded to 6 decimals (about 0.1 m)."""
    return json.dumps(transform_geometry(mapping(polygon), lambda x, y: (x, y)), separators=(",", ":"))
