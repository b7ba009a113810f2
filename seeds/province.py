"""Further demo cities of Guangdong for `cockpit seed --jurisdictions N` and the province view.

The 21 cities' outlines come from reference/guangdong_cities.geojson (GCJ-02, stored as
WGS-84) and their 2020 census population from reference/guangdong_cities.csv. A further city's
镇街 are synthetic: its outline split into demo areas (演示n区, 9-digit codes under the city's
code) by a Voronoi diagram of well-spread points; its communities and grids come from the same
lattices as Dongguan's (seeds/city.py), coarser so every city has about as many grids.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely


from .city import JURISDICTION, Town, reference_outlines

DONGGUAN_AREA_KM2 = 2460  # official figure; the community and grid lattices are sized for it
GRID_COARSENING = 2.0  # a further city's lattices: about a quarter of Dongguan's grid count
MIN_AREAS, MAX_AREAS = 4, 8  # demo areas per further city (its districts, within these bounds)
CANDIDATES_PER_AREA = 40  # random points the spread-out area seeds are picked from
KM_PER_DEGREE = 111.32


@dataclass(frozen=True)
class CityFacts:
    code: str
    name: str
    name_en: str
    case_prefix: str  # case numbers: prefix + local date + sequence
    population: int  # 常住人口, 2020 census
    districts: int  # real districts/counties (0: towns directly under the city)
    outline: object  # WGS-84 shapely geometry

    @property
    def short(self) -> str:
        return self.name.removesuffix("市")


@cache
def guangdong_cities() -> tuple[CityFacts, ...]:
    """The 21 cities of Guangdong by code."""
    cities = []
    for props, row, outline in reference_outlines("guangdong_cities"):
        cities.append(CityFacts(props["code"], props["name_zh"], row["name_en"], row["case_prefix"],
                                int(row["population_2020"]), int(props["districts"]), outline))
    return tuple(sorted(cities, key=lambda c: c.code))


def further_cities(count: int) -> list[CityFacts]:
    """The first `count` cities other than Dongguan, by code."""
    return [c for c in guangdong_cities() if c.code != JURISDICTION["code"]][:count]


def population(code: str) -> int:
    return next(c.population for c in guangdong_cities() if c.code == code)


def area_km2(geometry) -> float:
    """Approximate area of a WGS-84 geometry (degrees scaled at its centre latitude)."""
    lat = geometry.centroid.y
    return geometry.area * KM_PER_DEGREE ** 2 * np.cos(np.radians(lat))


def lattice_scale(city: CityFacts) -> float:
    """How much coarser than Dongguan's the city's community and grid lattices are."""
    return GRID_COARSENING * float(np.sqrt(area_km2(city.outline) / DONGGUAN_AREA_KM2))


def _spread_points(rng, polygon, count: int) -> np.ndarray:
    """`count` points inside `polygon`, picked far from each other among random candidates."""
    minx, miny, maxx, maxy = polygon.bounds
    candidates = np.empty((0, 2))
    while len(candidates) < count * CANDIDATES_PER_AREA:
        xy = rng.uniform((minx, miny), (maxx, maxy), (count * CANDIDATES_PER_AREA, 2))
        candidates = np.vstack([candidates, xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]])
    candidates = candidates[:count * CANDIDATES_PER_AREA]
    chosen = [0]
    distance = np.linalg.norm(candidates - candidates[0], axis=1)
    while len(chosen) < count:
        chosen.append(int(np.argmax(distance)))
        distance = np.minimum(distance, np.linalg.norm(candidates - candidates[chosen[-1]], axis=1))
    return candidates[chosen]


def demo_towns(rng, city: CityFacts) -> list[Town]:
    """The city's outline split into demo areas; the one nearest the centre is its 城区."""
    count = min(max(city.districts, MIN_AREAS), MAX_AREAS)
    points = _spread_points(rng, city.outline, count)
    cells = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=city.outline.envelope.buffer(1))
    pieces = []
    for point in points:  # voronoi_polygons does not keep the input order
        cell = next(c for c in cells.geoms if c.contains(shapely.Point(point)))
        pieces.append(cell.intersection(city.outline).buffer(0))
    centre = city.outline.representative_point()
    nearest = int(np.argmin([p.distance(centre) for p in pieces]))
    order = [nearest] + [i for i in range(count) if i != nearest]
    towns = []
    for n, index in enumerate(order, start=1):
        piece = pieces[index]
        profile = "centre" if n == 1 else str(rng.choice(["industrial", "mixed"]))
        label = piece.representative_point()
        towns.append(Town(f"{city.code}{900 + n:03d}", f"演示{n}区", f"Demo area {n}",
                          "街道" if profile == "centre" else "镇", profile, (label.x, label.y),
                          round(area_km2(piece), 1), piece))
    return towns


def case_count(dongguan_cases: int, city: CityFacts) -> int:
    """Cases of a further city: Dongguan's count scaled by the ratio of the populations."""
    return round(dongguan_cases * city.population / population(JURISDICTION["code"]))
