"""园林绿化 demo data: 建成区 and 居住用地 polygons, population, green spaces and parks, street trees,
古树名木, and a year of maintenance inspections (more tree work in the typhoon season).

Called once from seed_demo with its own random stream. The polygons are built from the city's
0.5 km unit grids: a town's 建成区 is its densest grids, each built-up grid holds at most one
green space, so green spaces never overlap. Indicators are computed later from these polygons
(data_access.landscaping); no percentage is stored. Magnitudes: seeds/PROVENANCE.md.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import Polygon

from data_access import landscaping
from data_access.clock import LOCAL_OFFSET

from .city import PROFILE_DENSITY, geometry_json, random_points_in_grids

POPULATION = 10_466_625  # 2020 census, Dongguan 常住人口
POPULATION_YEAR = 2025
BUILT_UP_SHARE = {"centre": 0.85, "industrial": 0.55, "mixed": 0.32}
RESIDENTIAL_SHARE = 0.34  # of the built-up grids
PARK_PER_PERSON = {"centre": 10.5, "industrial": 11.0, "mixed": 13.0}  # m² per person, mean target
COVER_TARGET = {"centre": 0.43, "industrial": 0.40, "mixed": 0.45}  # mean green cover of built-up land
REGIONAL_PARKS = 22  # 森林公园 / 郊野公园 outside the built-up area
CANOPY_SHARE = 0.8  # built-up grids with a patch of 零星树木 cover (counts for 覆盖率, not 绿地率)
STREET_TREES = 60_000
ANCIENT_TREES = 1_320
SPECIES = {"小叶榕": 0.2, "大叶榕": 0.1, "樟树": 0.1, "宫粉紫荆": 0.1, "秋枫": 0.08, "凤凰木": 0.06,
           "木棉": 0.06, "黄花风铃木": 0.07, "盆架子": 0.07, "大王椰子": 0.06, "扁桃": 0.05, "尖叶杜英": 0.05}
CROWN_M = {"小叶榕": 8, "大叶榕": 8, "樟树": 7, "宫粉紫荆": 5, "秋枫": 7, "凤凰木": 7, "木棉": 6,
           "黄花风铃木": 4.5, "盆架子": 5, "大王椰子": 3.5, "扁桃": 5, "尖叶杜英": 4.5}
ANCIENT_SPECIES = {"榕树": 0.5, "樟树": 0.1, "龙眼": 0.1, "荔枝": 0.1, "木棉": 0.06, "秋枫": 0.05, "朴树": 0.04,
                   "格木": 0.02, "水松": 0.03}
GRADE_P = (0.04, 0.05, 0.11, 0.80)  # 名木 (0), 一级 (1), 二级 (2), 三级 (3)
PROTECTION_P = {"normal": 0.82, "weak": 0.11, "restoring": 0.05, "endangered": 0.02}
PARK_CLASSES = {"comprehensive": "综合公园", "community": "社区公园", "theme": "专类公园", "pocket": "游园"}
GREEN_NAMES = {"protective": "防护绿地", "attached": "附属绿地", "regional": "森林公园"}
INSPECTORS = ["黄敏", "陈杰", "林芳", "何伟", "叶强", "张丽", "罗军", "梁静", "钟涛", "袁华"]
PROBLEM_NOTES = {"patrol": ["绿地内有垃圾", "草坪斑秃需补植", "灌木缺株", "设施破损"],
                 "pruning": ["树冠过密需疏枝", "遮挡路灯需修剪", "枯枝待清理"],
                 "typhoon": ["倾斜树木需扶正加固", "断枝需清理", "倒伏树木需移除"],
                 "pest": ["发现红蜘蛛", "榕树蓟马危害", "白蚁危害"],
                 "ancient": ["树体空洞需修补", "支撑架松动", "根系裸露需培土"]}
OK_NOTES = {"patrol": "巡查正常", "pruning": "修剪完成", "typhoon": "防台加固完成", "pest": "防治完成",
            "ancient": "古树巡查正常"}
# Tree work per day by month (Jan..Dec): pruning and typhoon work peak July to September.
TYPHOON = np.array([0.0, 0.0, 0.0, 0.1, 0.4, 0.8, 1.6, 2.0, 1.7, 0.6, 0.1, 0.0])
PRUNING = np.array([0.6, 0.5, 0.7, 0.9, 1.1, 1.4, 1.8, 1.9, 1.6, 1.0, 0.7, 0.6])
PEST = np.array([0.3, 0.3, 0.6, 1.0, 1.4, 1.5, 1.3, 1.2, 1.0, 0.7, 0.4, 0.3])
DAYS = 365
PLAN_AHEAD = 7


def _populations(rng, towns) -> list[int]:
    weights = np.array([t.area_km2 * PROFILE_DENSITY[t.profile] * rng.uniform(0.8, 1.25) for t in towns])
    share = weights / weights.sum()
    people = np.floor(share * POPULATION).astype(int)
    people[np.argmax(people)] += POPULATION - people.sum()
    return [int(p) for p in people]


def _blob(rng, cx: float, cy: float, radius_m: float, lat: float) -> Polygon:
    """An irregular closed outline around (cx, cy) with about `radius_m`, in lon/lat."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, 10))
    radii = radius_m * rng.uniform(0.75, 1.2, 10)
    kx = landscaping.M_PER_DEG_LAT * np.cos(np.radians(lat))
    return shapely.make_valid(Polygon(list(zip(cx + np.cos(angles) * radii / kx,
                                               cy + np.sin(angles) * radii / landscaping.M_PER_DEG_LAT))))


def seed_landscaping(writer, rng, city, now: datetime) -> dict:
    towns = city.towns
    today = (now + LOCAL_OFFSET).date()
    people = _populations(rng, towns)
    writer.write("region_population", ["region_code", "year", "population"],
                 [(t.code, POPULATION_YEAR, p) for t, p in zip(towns, people)])
    zones, spaces, trees, ancient = [], [], [], []
    built_cells: dict[str, list] = {}
    for t_index, town in enumerate(towns):
        idx = np.flatnonzero(city.grid_region == t_index)
        cells = shapely.make_valid(np.array([city.grids[i]["polygon"] for i in idx], dtype=object))
        areas = landscaping.areas_m2(cells)
        # 建成区: the densest grids (jittered) until the profile's share of the town is covered.
        order = np.argsort(-(city.grid_weight[idx] * rng.uniform(0.7, 1.3, len(idx))))
        share = BUILT_UP_SHARE[town.profile] * rng.uniform(0.85, 1.15)
        take = order[: max(1, int(np.searchsorted(np.cumsum(areas[order]), share * areas.sum())) + 1)]
        built = cells[take]
        built_cells[town.code] = list(built)
        built_union = shapely.union_all(built)
        zones.append((len(zones) + 1, town.code, "built_up", geometry_json(built_union)))
        residential = built[rng.random(len(built)) < RESIDENTIAL_SHARE]
        if len(residential) == 0:
            residential = built[:1]
        zones.append((len(zones) + 1, town.code, "residential", geometry_json(shapely.union_all(residential))))
        # Green spaces: one per built-up grid at most; parks sized to the town's m² per person.
        cover = np.clip(COVER_TARGET[town.profile] + rng.normal(0, 0.05), 0.3, 0.55)
        park_target = np.clip(PARK_PER_PERSON[town.profile] + rng.normal(0, 3.0), 5, 22) * people[t_index]
        slots = rng.permutation(len(built))
        park_area, short = 0.0, town.name.removesuffix("街道").removesuffix("镇")
        for n, k in enumerate(slots):
            cell = built[k]
            fraction = np.clip(rng.normal(cover * 1.45, 0.12), 0.05, 0.98)
            is_park = park_area < park_target and rng.random() < 0.5
            c = cell.centroid
            shape = cell.intersection(_blob(rng, c.x, c.y, 300, c.y))
            shape = shapely.affinity.scale(shape, np.sqrt(fraction), np.sqrt(fraction), origin=c)
            shape = shape.intersection(cell)
            if shape.is_empty or shape.geom_type not in ("Polygon", "MultiPolygon"):
                continue
            area = float(landscaping.areas_m2([shape])[0])
            if is_park:
                park_class = ("comprehensive" if area > 100_000 else "community" if area > 30_000
                              else "theme" if rng.random() < 0.2 else "pocket")
                name = f"{short}{town.roads[n % len(town.roads)].rstrip('路街道东西南北中大')}{PARK_CLASSES[park_class]}"
                kind = "park"
                park_area += area
            else:
                park_class = None
                kind = "protective" if rng.random() < 0.25 else "attached"
                name = f"{short}{town.roads[n % len(town.roads)]}{GREEN_NAMES[kind]}"
            p = shape.representative_point()
            spaces.append((len(spaces) + 1, f"LD{len(spaces) + 1:05d}", name[:64], kind, park_class, town.code,
                           round(area, 1), int(rng.integers(1995, now.year)), round(p.x, 6), round(p.y, 6),
                           geometry_json(shape)))
            if rng.random() < CANOPY_SHARE:  # 零星树木: tree cover in a corner of the grid, outside green land
                minx, miny, maxx, maxy = cell.bounds
                corner_x = c.x + rng.choice([-1, 1]) * 0.36 * (maxx - minx)
                corner_y = c.y + rng.choice([-1, 1]) * 0.36 * (maxy - miny)
                patch = cell.intersection(_blob(rng, corner_x, corner_y, float(rng.uniform(45, 85)), c.y))
                if not patch.is_empty and patch.geom_type in ("Polygon", "MultiPolygon"):
                    q = patch.representative_point()
                    spaces.append((len(spaces) + 1, f"LD{len(spaces) + 1:05d}",
                                   f"{short}{town.roads[(n + 3) % len(town.roads)]}零星树木", "canopy", None, town.code,
                                   round(float(landscaping.areas_m2([patch])[0]), 1), int(rng.integers(1995, now.year)),
                                   round(q.x, 6), round(q.y, 6), geometry_json(patch)))
    # 森林公园 / 郊野公园 outside the built-up area (inventory only; GB/T 50563 counts 建成区).
    for n in range(REGIONAL_PARKS):
        t_index = int(rng.integers(len(towns)))
        town = towns[t_index]
        idx = np.flatnonzero(city.grid_region == t_index)
        cell = city.grids[int(rng.choice(idx))]["polygon"]
        c = cell.centroid
        shape = town.polygon.intersection(_blob(rng, c.x, c.y, float(rng.uniform(400, 1100)), c.y))
        if shape.is_empty or shape.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        p = shape.representative_point()
        area = float(landscaping.areas_m2([shape])[0])
        spaces.append((len(spaces) + 1, f"LD{len(spaces) + 1:05d}",
                       f"{town.name.removesuffix('街道').removesuffix('镇')}{['森林公园', '郊野公园', '湿地公园'][n % 3]}",
                       "regional", None, town.code, round(area, 1), int(rng.integers(1995, now.year)),
                       round(p.x, 6), round(p.y, 6), geometry_json(shape)))
    # 行道树 along straight roads through the built-up grids, both sides, 6–9 m apart.
    per_town = np.maximum(1, np.round(STREET_TREES * np.array(people) / sum(people))).astype(int)
    names, weights = list(SPECIES), np.array(list(SPECIES.values()))
    for t_index, town in enumerate(towns):
        planted = 0
        road_no = 0
        cells = built_cells[town.code]
        while planted < per_town[t_index] and road_no < 60:
            road = town.roads[road_no % len(town.roads)]
            start = cells[int(rng.integers(len(cells)))].centroid
            heading = rng.uniform(0, np.pi)
            length = rng.uniform(600, 2500)
            spacing = rng.uniform(7, 10)
            species = str(rng.choice(names, p=weights / weights.sum()))
            lat = start.y
            kx = landscaping.M_PER_DEG_LAT * np.cos(np.radians(lat))
            steps = np.arange(0, length, spacing)
            for side in (-1, 1):
                off = side * 12.0
                xs = start.x + (np.cos(heading) * steps - np.sin(heading) * off) / kx
                ys = start.y + (np.sin(heading) * steps + np.cos(heading) * off) / landscaping.M_PER_DEG_LAT
                inside = shapely.contains_xy(town.polygon, xs, ys)
                for x, y in zip(xs[inside], ys[inside]):
                    if planted >= per_town[t_index]:
                        break
                    year = int(rng.integers(1990, now.year))
                    age = now.year - year
                    # Pruned to stay clear of the next tree in the row.
                    crown = round(float(min(CROWN_M[species] * np.clip(0.4 + age / 25, 0.4, 1.3), spacing - 0.6)), 1)
                    trees.append((len(trees) + 1, f"XS{len(trees) + 1:06d}", species, town.code, road, year,
                                  round(float(np.clip(rng.normal(8 + age * 1.2, 4), 5, 90)), 1), crown,
                                  str(rng.choice(["good", "fair", "poor"], p=[0.82, 0.14, 0.04])),
                                  round(float(x), 6), round(float(y), 6)))
                    planted += 1
            road_no += 1
    # 古树名木, more in the old villages of the water towns.
    weights = np.array([{"mixed": 1.6, "centre": 0.8, "industrial": 1.0}[t.profile] * t.area_km2 for t in towns])
    species_names, species_p = list(ANCIENT_SPECIES), np.array(list(ANCIENT_SPECIES.values()))
    protections, protection_p = list(PROTECTION_P), np.array(list(PROTECTION_P.values()))
    for n in range(ANCIENT_TREES):
        t_index = int(rng.choice(len(towns), p=weights / weights.sum()))
        town = towns[t_index]
        idx = np.flatnonzero(city.grid_region == t_index)
        lon, lat = random_points_in_grids(rng, city, np.array([int(rng.choice(idx))]))
        grade = int(rng.choice(4, p=GRADE_P))
        age = {0: int(rng.integers(30, 200)), 1: int(rng.integers(500, 900)), 2: int(rng.integers(300, 500)),
               3: int(rng.integers(100, 300))}[grade]
        species = str(rng.choice(species_names, p=species_p))
        protection = str(rng.choice(protections, p=protection_p))
        place = f"{town.name.removesuffix('街道').removesuffix('镇')}{town.roads[n % len(town.roads)]}旁"
        ancient.append((n + 1, f"GS{town.code[-3:]}{n + 1:05d}", species, grade, age, protection, town.code,
                        place, round(float(np.clip(rng.normal(12 + age / 60, 4), 5, 35)), 1),
                        round(float(lon[0]), 6), round(float(lat[0]), 6)))
    writer.write("land_zones", ["id", "region_code", "kind", "geometry"], zones)
    writer.write("green_spaces", ["id", "code", "name", "kind", "park_class", "region_code", "area_m2",
                                  "opened_year", "lon", "lat", "geometry"], spaces)
    writer.write("street_trees", ["id", "code", "species", "region_code", "road", "planted_year", "dbh_cm",
                                  "crown_m", "condition", "lon", "lat"], trees)
    writer.write("ancient_trees", ["id", "code", "species", "grade", "age_years", "protection", "region_code",
                                   "place", "height_m", "lon", "lat"], ancient)
    inspections = _inspections(rng, towns, spaces, ancient, now, today)
    writer.write("green_inspections", ["id", "code", "region_code", "work", "target", "planned_on", "done_at",
                                       "problems", "inspector", "note"], inspections)
    return {"green_spaces": len(spaces), "street_trees": len(trees), "ancient_trees": len(ancient),
            "inspections": len(inspections)}


def _inspections(rng, towns, spaces, ancient, now: datetime, today) -> list[tuple]:
    """Planned work from a year ago to a week ahead; done when planned before now (mostly)."""
    parks = {}
    for row in spaces:
        if row[3] in ("park", "regional"):
            parks.setdefault(row[5], []).append(row[1])
    greens = {}
    for row in spaces:
        greens.setdefault(row[5], []).append(row[1])
    old = {}
    for row in ancient:
        old.setdefault(row[6], []).append(row[1])
    rows = []
    local_now = now + LOCAL_OFFSET
    for offset in range(-DAYS + 1, PLAN_AHEAD + 1):
        day = today + timedelta(days=offset)
        m = day.month - 1
        weekend = day.weekday() >= 5
        for town in towns:
            t_parks, t_greens, t_old = parks.get(town.code, []), greens.get(town.code, []), old.get(town.code, [])
            expected = {"patrol": len(t_parks) / 7 * (0.6 if weekend else 1.0),
                        "pruning": len(t_greens) / 120 * PRUNING[m], "typhoon": len(t_greens) / 90 * TYPHOON[m],
                        "pest": len(t_greens) / 200 * PEST[m], "ancient": len(t_old) / 30}
            for work, mean in expected.items():
                pool = t_old if work == "ancient" else t_parks if work == "patrol" else t_greens
                if not pool:
                    continue
                for _ in range(rng.poisson(mean)):
                    target = pool[int(rng.integers(len(pool)))]
                    start = datetime.combine(day, datetime.min.time()) + timedelta(hours=float(rng.uniform(7.5, 17.5)))
                    done_at = None
                    problems = 0
                    if start <= local_now and (offset < 0 and rng.random() < 0.94 or offset == 0 and rng.random() < 0.8):
                        done_at = (start - LOCAL_OFFSET).replace(microsecond=0)
                        problems = int(rng.poisson(0.9 if work == "typhoon" else 0.25))
                    note = (str(rng.choice(PROBLEM_NOTES[work])) if problems else OK_NOTES[work]) if done_at else "待执行"
                    rows.append((len(rows) + 1, f"YH{len(rows) + 1:07d}", town.code, work, target, day, done_at,
                                 problems, str(rng.choice(INSPECTORS)), note))
    return rows


def tick(session, rng, now: datetime, seconds: float) -> int:
    """The simulator's share: today's planned work gets done through the day."""
    due = landscaping.due_inspections(session, now)
    if not due:
        return 0
    local = now + LOCAL_OFFSET
    hours_left = max(1.0, 18.0 - (local.hour + local.minute / 60))
    share = min(1.0, seconds / 3600 / hours_left)
    picked = [(i, work) for i, work in due if rng.random() < share]
    landscaping.complete_inspections(session, [
        {"id": i, "done_at": now.replace(microsecond=0), "problems": int(rng.poisson(0.9 if w == "typhoon" else 0.25))}
        for i, w in picked])
    return len(picked)
