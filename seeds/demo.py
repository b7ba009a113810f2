"""`cockpit seed`: a deterministic demo city (Dongguan) with a year of cases.

Patterns: a daily and weekly rhythm with a Spring Festival dip, more waterlogging in the
rainy season, a category mix that differs between town centres, industrial and water towns,
a source mix with 视频智能发现 and 12345, departments of different speed, and realistic
closing, overdue and rework rates. Every case is run through `lifecycle.apply`, so stage
rows and statuses are exactly what the state machine writes. Rows are bulk loaded:
executemany on SQLite, COPY on PostgreSQL (data_access.bulk).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from tqdm import tqdm

from data_access import bulk, clock, lifecycle, reference, rollups
from data_access.clock import LOCAL_OFFSET
from data_access.models import (
    Camera,
    Case,
    CaseStage,
    Category,
    Community,
    Department,
    Jurisdiction,
    Meta,
    Region,
    Sensor,
    SensorReading,
)
from data_access.vocabulary import SENSOR_KINDS, SOURCES, label

from . import enforcement as enforcement_seed
from . import gas_safety as gas_seed
from . import image as image_seed
from . import landscaping as landscaping_seed
from . import maps, performance, province, weather
from . import sanitation as sanitation_seed
from . import video as video_seed
from .catalogue import (
    PROFESSIONAL_DEPARTMENTS,
    load_categories,
    town_department_code,
    town_department_name,
)
from .city import (
    JURISDICTION,
    PROFILE_DENSITY,
    build_city,
    geometry_json,
    random_points_in_grids,
)

DEFAULT_CASES = 200_000
CHUNK = 20_000
DAYS = 365
BULK_INDEX_THRESHOLD = 200_000  # PostgreSQL loads this big rebuild indexes afterwards
SENSOR_HISTORY_HOURS = 30 * 24
WEATHER_STREAM, POINT_STREAM = 14, 15  # random streams of the sensor history and the points' drains

SOURCE_MIX = {"inspector": 0.50, "hotline": 0.15, "public": 0.10, "video_ai": 0.15,
              "drone": 0.04, "leader": 0.03, "media": 0.03}
HOUR_WEIGHTS = np.array([0.25, 0.15, 0.1, 0.1, 0.12, 0.25, 0.6, 1.3, 2.6, 3.2, 3.3, 2.8,
                         1.5, 1.4, 2.6, 3.0, 2.9, 2.2, 1.3, 1.0, 0.9, 0.7, 0.5, 0.35])
WEEKDAY_WEIGHTS = np.array([1.05, 1.0, 1.0, 1.0, 0.98, 0.78, 0.68])  # Monday first
SPRING_FESTIVAL = (datetime(2026, 2, 14), datetime(2026, 2, 24))

MAJOR_WEIGHTS = {"01": 0.25, "02": 0.2, "03": 0.3, "04": 0.25, "05": 0.05,
                 "06": 0.6, "07": 0.5, "08": 0.4, "09": 0.7, "10": 0.1}
HOT = {"06010": 12, "09006": 12, "07001": 10, "06012": 7, "09009": 8, "06036": 7, "09005": 8,
       "06042": 6, "01037": 5, "06013": 4, "09001": 6, "09010": 5, "06011": 4, "06014": 3,
       "08004": 3, "06001": 3, "09011": 3, "06007": 2, "03005": 3, "06029": 2, "02010": 2,
       "01004": 3, "01003": 2, "04002": 2.5}
PROFILE_BOOST = {
    "centre": {"09006": 1.5, "09005": 1.6, "09009": 1.5, "07001": 1.3, "09011": 1.8, "06029": 1.4},
    "industrial": {"08": 2.0, "06001": 2.5, "06011": 1.8, "06014": 2.0, "09004": 3.0, "08016": 2.0},
    "mixed": {"06024": 3.0, "06025": 3.0, "06026": 3.0, "04": 1.5, "06038": 3.0, "06001": 1.5},
}
WATERLOGGING = ("01003", "01004", "01067", "01072", "01073")
RAIN_SEASON = np.array([0.4, 0.4, 0.8, 1.5, 3.5, 5.0, 4.5, 4.5, 3.0, 1.0, 0.5, 0.4])  # Jan..Dec
VIDEO_DETECTABLE = ("06010", "09006", "09005", "09009", "06036", "07001", "06014", "09001",
                    "06029", "06042", "09010")
DETAILS = {
    **{code: "路面积水，雨水箅子堵塞，影响通行" for code in WATERLOGGING},
    "01011": "闻到燃气异味，疑似燃气泄漏", "01049": "调压箱有异响并有燃气味", "01057": "露天燃气管道锈蚀，疑似泄漏",
}
GENERIC_DETAILS = ("影响市容", "群众反映强烈", "需尽快处理", "存在安全隐患", "多次出现")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁宋郑谢韩唐冯叶邓曹彭"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"
OPINIONS = {
    "file": "符合立案条件，同意立案", "reject": "不属于城管受理范围，不予立案", "void": "重复上报，作废",
    "dispatch": "请按时限处置", "return": "非本部门职责，申请回退", "extend": "处置难度大，申请延时",
    "suspend": "需多部门协调，申请挂账", "resume": "协调完成，恢复处置", "handle": "已处置完毕",
    "feedback": "处置结果已反馈", "verify": "现场核查通过", "rework": "核查不通过，要求返工", "close": "同意结案",
}


@dataclass
class SeedReport:
    cases: int
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class SeedError(RuntimeError):
    pass


CASE_COLUMNS = [c.name for c in Case.__table__.columns]
STAGE_COLUMNS = [c.name for c in CaseStage.__table__.columns if c.name != "id"]


class SeedStage:
    __slots__ = ("stage", "seq", "started_at", "ended_at", "actor", "opinion", "time_limit_minutes")

    def __init__(self, **fields):
        for key, value in fields.items():
            setattr(self, key, value)


class SeedCase:
    """A plain case object that lifecycle.apply moves like an ORM Case, at bulk speed."""

    __slots__ = (*CASE_COLUMNS, "stages")
    stage_class = SeedStage

    def __init__(self, **fields):
        for name in CASE_COLUMNS:
            setattr(self, name, None)
        for key, value in fields.items():
            setattr(self, key, value)
        self.stages = []

    def case_row(self) -> tuple:
        return tuple(getattr(self, name) for name in CASE_COLUMNS)

    def stage_rows(self):
        return [(self.id, r.seq, r.stage, r.started_at, r.ended_at, r.actor, r.opinion, r.time_limit_minutes)
                for r in self.stages]


def _lognormal(rng, median, sigma, size, low, high):
    return np.clip(median * rng.lognormal(0.0, sigma, size), low, high)


def _minutes(values) -> np.ndarray:
    return (np.asarray(values) * 60).astype("timedelta64[s]")


def seed_demo(engine: Engine, cases: int = DEFAULT_CASES, seed: int = 42, progress: bool = True,
              reset: bool = False, now: datetime | None = None, jurisdictions: int = 1) -> SeedReport:
    """Seed the demo city with `cases` cases ending at `now` (naive UTC, default: this minute),
    and `jurisdictions - 1` further Guangdong cities with cases in proportion to their population."""
    if cases < 0:
        raise SeedError(f"--cases must be 0 or more, got {cases}")
    if not 1 <= jurisdictions <= len(province.guangdong_cities()):
        raise SeedError(f"--jurisdictions must be 1 to {len(province.guangdong_cities())}, got {jurisdictions}")
    further = province.further_cities(jurisdictions - 1)
    started = time.perf_counter()
    now = (now or clock.utcnow()).replace(second=0, microsecond=0)
    rng = np.random.default_rng(seed)
    with engine.connect() as conn:
        existing = reference.case_count(conn)
        if existing and not reset:
            raise SeedError(f"the database already holds {existing} cases; pass --reset to replace all data")
        bulk.wipe(conn)
        writer = bulk.BulkWriter(conn)
        city = build_city(seed)
        refs = _write_reference(writer, rng, city, seed)
        _write_sensors(writer, rng, city, now, seed)
        conn.commit()
        rebuild_indexes = writer.postgres and cases >= BULK_INDEX_THRESHOLD
        if rebuild_indexes:
            bulk.drop_case_indexes(conn)
            conn.commit()
        _write_cases(writer, rng, city, refs, cases, now, progress)
        if rebuild_indexes:
            if progress:
                print("building indexes ...", flush=True)
            bulk.create_case_indexes(conn)
        if progress:
            print("building rollups ...", flush=True)
        rollups.rebuild(conn)
        maps.seed_maps(writer, np.random.default_rng([seed, 4]), city, now)  # own stream: cases unchanged
        video_seed.seed_video(writer, np.random.default_rng([seed, 6]), now)  # streams, AI events, media
        sanitation_seed.seed_sanitation(writer, np.random.default_rng([seed, 7]), city, now)  # 市容环卫
        landscaping_seed.seed_landscaping(writer, np.random.default_rng([seed, 8]), city, now)  # 园林绿化
        gas_seed.seed_gas_safety(writer, np.random.default_rng([seed, 10]), city, now, cases)  # 燃气安全
        enforcement_seed.seed_enforcement(writer, np.random.default_rng([seed, 9]), now)  # 城管执法
        image_seed.seed_image(writer, np.random.default_rng([seed, 11]), now)  # 城管形象: visits of closed cases
        # Further cities after every Dongguan table, on streams of their own: Dongguan stays as with one city.
        seeded = cases
        for facts in further:
            seeded += _seed_further_city(writer, seed, facts, province.case_count(cases, facts), seeded + 1, now, progress)
        if further:
            rollups.rebuild(conn)
        meta = {"seed": str(seed), "seed_cases": str(cases), "seeded_at": now.isoformat(), "demo_city": JURISDICTION["name"],
                "home_city": JURISDICTION["code"],
                "seed_jurisdictions": str(jurisdictions)}
        writer.insert(Meta, [{"key": k, "value": v} for k, v in meta.items()])
        conn.commit()
        bulk.finish_load(conn)
    return SeedReport(cases=seeded, rows=writer.rows, seconds=time.perf_counter() - started)


def _seed_further_city(writer, seed: int, facts, count: int, first_id: int, now: datetime, progress: bool) -> int:
    """A further city: demo areas, communities, grids, its own departments and `count` cases
    (no cameras, sensors or board tables). Returns the number of cases."""
    city_seed = seed * 1_000_000 + int(facts.code)
    towns = province.demo_towns(np.random.default_rng([city_seed, 1]), facts)
    city = build_city(city_seed, towns, province.lattice_scale(facts))
    if len(np.unique(city.grid_region)) < len(towns):
        raise SeedError(f"a demo area of {facts.name} got no grid")
    _write_geography(writer, city, {"code": facts.code, "name": facts.name, "name_en": facts.name_en})
    first_department = writer.conn.execute(select(func.max(Department.id))).scalar_one() + 1
    _write_departments(writer, city.towns, first_department, facts)
    writer.conn.commit()
    refs = load_refs(writer.conn, city, city_seed, facts)
    _write_cases(writer, np.random.default_rng([city_seed, 2]), city, refs, count, now, progress,
                 first_id=first_id, prefix=facts.case_prefix)
    return count


@dataclass
class Refs:
    """What case generation needs to know about the seeded reference rows."""

    categories: list  # CategorySpec of every event category
    category_ids: np.ndarray  # aligned with categories
    department_ids: dict  # code -> id
    department_names: dict  # id -> name
    performance: performance.Performance  # quality of every town and department
    town_department: list  # region index -> department id
    town_index: dict  # region code -> region index
    cameras: list  # dicts: id, kind, region (index), grid (index)

    def quality(self, department_ids, region_codes) -> np.ndarray:
        """How well each case is handled (0 typical, higher better): seeds.performance."""
        return self.performance.quality(department_ids, [self.town_index[r] for r in region_codes])


def load_refs(conn, city, seed: int, facts=None) -> Refs:
    """Refs for the city seeded with `seed` (Dongguan, or the further city `facts`), read back
    from the database: its own departments and cameras only."""
    town_at = {t.code: i for i, t in enumerate(city.towns)}
    professional = {_department_code(code, facts): code for code, _name, _words in PROFESSIONAL_DEPARTMENTS}
    depts = [d for d in reference.departments(conn) if d.region_code in town_at or d.code in professional]
    ids = reference.event_category_ids(conn)
    events = [s for s in load_categories() if s.kind == "event"]
    cameras = []
    for cam in (c for c in reference.cameras(conn) if c.region_code in town_at):
        index = np.flatnonzero(city.grid_region == town_at[cam.region_code])
        inside = shapely.contains_xy(city.grid_geoms[index], cam.lon, cam.lat)
        cameras.append({"id": cam.id, "kind": cam.kind, "region": town_at[cam.region_code],
                        "grid": int(index[np.argmax(inside)])})
    dept_ids = {professional.get(d.code, d.code): d.id for d in depts}  # keyed by the catalogue's codes
    return Refs(
        categories=events, category_ids=np.array([ids[s.code] for s in events]), department_ids=dept_ids,
        department_names={d.id: d.name for d in depts},
        performance=performance.build(seed, city.towns, depts),
        town_department=[dept_ids[town_department_code(t.code)] for t in city.towns], town_index=town_at,
        cameras=cameras,
    )


def _write_reference(writer, rng, city, seed: int) -> Refs:
    _write_geography(writer, city, JURISDICTION)
    dept_ids = _write_departments(writer, city.towns, 1)
    writer.insert(Category, [
        {"id": i, "kind": s.kind, "code": s.code, "major_code": s.major_code, "major_name": s.major_name,
         "name": s.name, "time_limit_minutes": s.time_limit_minutes,
         "default_department_id": dept_ids.get(s.department_code)}
        for i, s in enumerate(load_categories(), start=1)])
    writer.insert(Camera, _cameras(rng, city))
    return load_refs(writer.conn, city, seed)


def _write_geography(writer, city, jurisdiction: dict):
    """The jurisdiction with its 镇街, communities and grids."""
    towns = city.towns
    lon = np.mean([t.label[0] for t in towns])
    lat = np.mean([t.label[1] for t in towns])
    writer.insert(Jurisdiction, [{**jurisdiction, "center_lon": float(lon), "center_lat": float(lat)}])
    writer.insert(Region, [{
        "code": t.code, "jurisdiction_code": jurisdiction["code"], "name": t.name, "name_en": t.name_en,
        "kind": t.kind, "profile": t.profile, "label_lon": t.label[0], "label_lat": t.label[1],
        "area_km2": t.area_km2, "geometry": geometry_json(t.polygon)} for t in towns])
    writer.insert(Community, [{
        "code": c["code"], "region_code": c["region_code"], "name": c["name"],
        "geometry": geometry_json(c["polygon"])} for c in city.communities])
    writer.write("grids", ["code", "community_code", "region_code", "center_lon", "center_lat", "geometry"], [
        (g["code"], g["community_code"], g["region_code"], g["center"][0], g["center"][1], geometry_json(g["polygon"]))
        for g in city.grids])


def _department_code(code: str, facts=None) -> str:
    """A professional department's code: the catalogue's for Dongguan, suffixed for a further city."""
    return f"{code}-{facts.code}" if facts else code


def _department_name(name: str, facts=None) -> str:
    """Dongguan's department names; a further city's name its own city (市水务局 → 广州市水务局)."""
    if facts is None:
        return name
    return facts.short + name if name.startswith("市") else name.replace("东莞", facts.short)


def _write_departments(writer, towns, first_id: int, facts=None) -> dict:
    """The professional departments and one per 镇街, ids from `first_id`; returns code -> id."""
    departments = [{"code": _department_code(code, facts), "name": _department_name(name, facts),
                    "kind": "professional", "region_code": None} for code, name, _words in PROFESSIONAL_DEPARTMENTS]
    departments += [{"code": town_department_code(t.code), "name": town_department_name(t.name), "kind": "town",
                     "region_code": t.code} for t in towns]
    for index, dept in enumerate(departments, start=first_id):
        dept["id"] = index
    writer.insert(Department, departments)
    return {d["code"]: d["id"] for d in departments}


CAMERA_MIX = {"intersection": 0.45, "ai": 0.30, "high_point": 0.15, "body_cam": 0.10}
CAMERA_LABELS = {"intersection": "路口", "ai": "AI识别", "high_point": "高点", "body_cam": "执法记录仪"}


def _cameras(rng, city) -> list[dict]:
    cameras = []
    for t_index, town in enumerate(city.towns):
        grids = np.flatnonzero(city.grid_region == t_index)
        count = 6 + round(town.area_km2 / 12)
        kinds = rng.choice(list(CAMERA_MIX), count, p=list(CAMERA_MIX.values()))
        kinds[:2] = "ai"  # every town has video analysis
        picked = rng.choice(grids, count, p=city.grid_weight[grids] / city.grid_weight[grids].sum())
        lon, lat = random_points_in_grids(rng, city, picked)
        short = town.name.removesuffix("街道").removesuffix("镇")
        for n, (kind, x, y) in enumerate(zip(kinds, lon, lat), start=1):
            cameras.append({
                "id": len(cameras) + 1, "code": f"CAM-{town.code}-{n:03d}",
                "name": f"{short}{town.roads[n % len(town.roads)]}{CAMERA_LABELS[kind]}{n:02d}",
                "kind": str(kind), "lon": float(x), "lat": float(y), "region_code": town.code,
                "stream_url": None, "stream_type": "snapshot",
                "status": "online" if rng.random() > 0.05 else "offline", "last_seen_at": None,
                "ai_categories": json.dumps(list(VIDEO_DETECTABLE)) if kind == "ai" else None,
            })
    return cameras


def _write_sensors(writer, rng, city, now: datetime, seed: int):
    """Gas, water-level and rain sensors with 30 days of hourly readings from the weather model
    the simulator continues (seeds.weather), on streams of their own."""
    sensors = []
    for t_index, town in enumerate(city.towns):
        grids = np.flatnonzero(city.grid_region == t_index)
        picked = rng.choice(grids, 5, p=city.grid_weight[grids] / city.grid_weight[grids].sum())
        lon, lat = random_points_in_grids(rng, city, picked)
        for n, kind in enumerate(("gas", "gas", "water_level", "water_level", "rain")):
            zh, _en, unit = SENSOR_KINDS[kind]
            sensors.append({"id": len(sensors) + 1, "code": f"SEN-{town.code}-{n + 1}", "kind": kind,
                            "name": f"{town.name}{zh}监测点{n + 1}", "unit": unit, "lon": float(lon[n]),
                            "lat": float(lat[n]), "region_code": town.code, "status": "online"})
    writer.insert(Sensor, sensors)
    points = weather.SensorSet.of([(s["id"], s["kind"], s["lon"], s["lat"]) for s in sensors])
    readings = weather.history(np.random.default_rng([seed, WEATHER_STREAM]), points, now, SENSOR_HISTORY_HOURS,
                               point_rng=np.random.default_rng([seed, POINT_STREAM]))
    writer.write(SensorReading.__tablename__, ["sensor_id", "measured_at", "value"], readings)


def _category_weights(refs: Refs, profile: str, month: int, video: bool) -> np.ndarray:
    weights = []
    boost = PROFILE_BOOST[profile]
    for spec in refs.categories:
        if video:
            weights.append(HOT.get(spec.code, 1.0) if spec.code in VIDEO_DETECTABLE else 0.0)
            continue
        w = MAJOR_WEIGHTS[spec.major_code] * HOT.get(spec.code, 1.0)
        w *= boost.get(spec.code, 1.0) * boost.get(spec.major_code, 1.0)
        if spec.code in WATERLOGGING:
            w *= RAIN_SEASON[month - 1]
        weights.append(w)
    weights = np.array(weights)
    return weights / weights.sum()


def _report_times(rng, count: int, now: datetime) -> np.ndarray:
    """Local report times over the last DAYS days, sorted, as datetime64[s]."""
    local_now = np.datetime64(now + LOCAL_OFFSET, "s")
    first_day = (local_now - np.timedelta64(DAYS - 1, "D")).astype("datetime64[D]")
    days = first_day + np.arange(DAYS)
    weekday = (days.astype(int) - 4) % 7  # 1970-01-01 was a Thursday
    weights = WEEKDAY_WEIGHTS[weekday] * np.linspace(0.9, 1.1, DAYS)
    festival = (days >= np.datetime64(SPRING_FESTIVAL[0], "D")) & (days <= np.datetime64(SPRING_FESTIVAL[1], "D"))
    weights[festival] *= 0.45
    day = rng.choice(DAYS, count, p=weights / weights.sum())
    hour = rng.choice(24, count, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    second = rng.integers(0, 3600, count)
    local = days[day].astype("datetime64[s]") + (hour * 3600 + second).astype("timedelta64[s]")
    local = np.where(local > local_now, local - np.timedelta64(7, "D"), local)
    return np.sort(local)


def _write_cases(writer, rng, city, refs: Refs, count: int, now: datetime, progress: bool, first_id: int = 1,
                 prefix: str = "DG"):
    local_times = _report_times(rng, count, now)
    bar = tqdm(total=count, unit="case", disable=not progress, desc="cases", smoothing=0.1)
    day_seq: dict[str, int] = {}
    for start in range(0, count, CHUNK):
        chunk = local_times[start:start + CHUNK]
        cases = draw_reports(rng, city, refs, chunk)
        _number(cases, chunk, first_id + start, day_seq, prefix)
        _play_out(rng, cases, refs, now)
        writer.write("cases", CASE_COLUMNS, [c.case_row() for c in cases])
        writer.write("case_stages", STAGE_COLUMNS, [row for c in cases for row in c.stage_rows()])
        writer.conn.commit()
        bar.update(len(chunk))
    bar.close()


def _number(cases: list[SeedCase], local_times, first_id: int, day_seq: dict, prefix: str):
    """Ids in time order and case numbers: the city's prefix (DG) + local date + sequence within the day."""
    for i, (case, local) in enumerate(zip(cases, local_times)):
        day = str(local.astype("datetime64[D]")).replace("-", "")
        day_seq[day] = day_seq.get(day, 0) + 1
        case.id = first_id + i
        case.case_no = f"{prefix}{day}{day_seq[day]:06d}"


def draw_reports(rng, city, refs: Refs, local_times) -> list[SeedCase]:
    """New reports at the given local times: place, category, source, reporter (no steps yet)."""
    n = len(local_times)
    towns = city.towns
    # Where: a town weighted by area and profile, then a grid near its centre; video cases
    # lie in the grid of the AI camera that saw them.
    town_weight = np.array([t.area_km2 ** 0.6 * PROFILE_DENSITY[t.profile] for t in towns])
    region = rng.choice(len(towns), n, p=town_weight / town_weight.sum())
    source = rng.choice(list(SOURCE_MIX), n, p=np.array(list(SOURCE_MIX.values())) / sum(SOURCE_MIX.values()))
    video = source == "video_ai"
    grid = np.empty(n, dtype=int)
    camera = np.full(n, None, dtype=object)
    for t_index in np.unique(region):
        mine = np.flatnonzero(region == t_index)
        grids = np.flatnonzero(city.grid_region == t_index)
        grid[mine] = rng.choice(grids, len(mine), p=city.grid_weight[grids] / city.grid_weight[grids].sum())
        ai_cams = [c for c in refs.cameras if c["region"] == t_index and c["kind"] == "ai"]
        if not ai_cams:  # a further city has no camera rows: its video cases name none
            continue
        seen = mine[video[mine]]
        picks = rng.integers(0, len(ai_cams), len(seen))
        grid[seen] = [ai_cams[p]["grid"] for p in picks]
        camera[seen] = [ai_cams[p]["id"] for p in picks]
    lon, lat = random_points_in_grids(rng, city, grid)

    # What: the category mix depends on the town profile, the month and the source.
    months = local_times.astype("datetime64[M]").astype(int) % 12 + 1
    category = np.empty(n, dtype=int)
    profiles = np.array([towns[r].profile for r in region])
    for profile in np.unique(profiles):
        for month in np.unique(months):
            for is_video in (False, True):
                mine = np.flatnonzero((profiles == profile) & (months == month) & (video == is_video))
                if len(mine):
                    category[mine] = rng.choice(len(refs.categories), len(mine),
                                                p=_category_weights(refs, profile, month, is_video))
    urgent_roll = rng.random(n) < np.where(np.isin(source, ["leader", "media"]), 0.2, 0.02)
    reported = (local_times - np.timedelta64(int(LOCAL_OFFSET.total_seconds()), "s")).astype("datetime64[s]").tolist()

    inspectors = _inspectors()
    names = rng.choice(list(SURNAMES), n) + rng.choice(list(GIVEN), n) + np.where(rng.random(n) < 0.5, rng.choice(list(GIVEN), n), "")
    phones = ["1" + str(p) for p in rng.integers(3_000_000_000, 9_999_999_999, n)]
    detail = rng.choice(GENERIC_DETAILS, n)
    road = rng.integers(0, 12, n)
    number = rng.integers(1, 400, n)
    photo_count = rng.integers(1, 4, n)
    inspector = rng.integers(0, len(inspectors), n)
    community_names = {c["code"]: c["name"] for c in city.communities}
    cases = []
    for i in range(n):
        spec = refs.categories[category[i]]
        town = towns[region[i]]
        g = city.grids[grid[i]]
        public = source[i] in ("public", "hotline", "media")
        address = f"{town.name}{community_names[g['community_code']]}{town.roads[road[i]]}{number[i]}号附近"
        cases.append(SeedCase(
            case_type="component" if spec.major_code <= "05" else "event",
            category_id=int(refs.category_ids[category[i]]), source=str(source[i]),
            urgency="urgent" if spec.urgent or urgent_roll[i] else "normal",
            description=f"{spec.name}：{address}，{DETAILS.get(spec.code, detail[i])}", address=address,
            lon=float(lon[i]), lat=float(lat[i]), grid_code=g["code"], community_code=g["community_code"],
            region_code=town.code, reported_at=reported[i], time_limit_minutes=spec.time_limit_minutes,
            extension_minutes=0, suspended_minutes=0, rework_count=0,
            reporter_name=str(names[i]) if public else inspectors[inspector[i]] if source[i] == "inspector" else None,
            reporter_phone=phones[i] if public else None,
            photos=json.dumps([f"demo/{spec.major_code}-{(i + k) % 4 + 1}.svg" for k in range(photo_count[i])]),
            camera_id=camera[i],
            department_id=(refs.department_ids[spec.department_code] if spec.department_code
                           else refs.town_department[region[i]]),
        ))
    return cases


def _inspectors() -> list[str]:
    return [SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] for i in range(60)]


def _play_out(rng, cases: list[SeedCase], refs: Refs, now: datetime):
    """Time every case's steps and apply those that have happened by `now`."""
    n = len(cases)
    urgent = np.array([c.urgency == "urgent" for c in cases])
    limit = np.array([c.time_limit_minutes for c in cases])
    source = np.array([c.source for c in cases])
    department = [c.department_id for c in cases]
    quality = refs.quality(department, [c.region_code for c in cases])
    m = {
        "file": _lognormal(rng, np.where(urgent, 0.6, 1.3), 0.6, n, 0.2, 90),
        "dispatch": _lognormal(rng, np.where(urgent, 0.5, 1.1), 0.6, n, 0.2, 90),
        "feedback": _lognormal(rng, 12, 0.8, n, 1, 240),
        "verify": _lognormal(rng, np.where(urgent, 20, 40), 0.7, n, 3, 600),
        "close": _lognormal(rng, 8, 0.7, n, 1, 240),
        "suspend": _lognormal(rng, 3 * 24 * 60, 0.8, n, 60, 30 * 24 * 60),
    }
    # Handling time as a share of the limit, slower in weaker towns and departments; an overdue
    # case is sometimes left open for weeks (积案), by a draw fixed per case id (the simulator
    # makes the same draw: performance.case_hash).
    share = performance.speed(quality) * rng.lognormal(np.log(performance.HANDLE_SHARE), performance.HANDLE_SIGMA, n)
    backlog = (share > 1) & (performance.case_hash([c.id for c in cases]) < performance.backlog_chance(quality))
    late = _lognormal(rng, performance.BACKLOG_DAYS * 24 * 60, performance.BACKLOG_SIGMA, n, 24 * 60, 400 * 24 * 60)
    m["handle"] = np.where(backlog, limit + late, np.maximum(share * limit, 5))
    m["rework"] = np.maximum(0.5 * share * limit, 5)
    roll = rng.random((6, n))
    paths = {
        "reject": roll[0] < np.where(source == "inspector", 0.01, 0.05),
        "void": roll[1] < 0.004,
        "misdirect": roll[2] < 0.01,
        "extend": (share > 0.75) & (roll[3] < 0.35) & (limit >= 24 * 60),
        "suspend": roll[4] < 0.004,
        "rework": roll[5] < performance.rework_chance(quality),
    }
    inspectors = _inspectors()
    for i, case in enumerate(cases):
        take = {k: v[i] for k, v in paths.items()}
        steps = _steps(np.datetime64(case.reported_at, "s"), {k: v[i] for k, v in m.items()}, take, int(limit[i]))
        _replay(case, steps, now, department[i], refs, inspectors[(i * 13) % len(inspectors)])


def _steps(t0, minutes: dict, take: dict, limit: int) -> list[tuple]:
    """The actions of one case with their times, as (action, datetime64, extra)."""
    t = t0 + _minutes(minutes["file"])
    steps = [("report", t0, None)]
    if take["reject"]:
        return steps + [("reject", t, None)]
    steps.append(("file", t, None))
    t = t + _minutes(minutes["dispatch"])
    if take["void"]:
        return steps + [("void", t, None)]
    if take["misdirect"]:
        steps.append(("dispatch", t, "wrong"))
        t = t + _minutes(10 + 10 * minutes["file"])  # the department sends it back quickly
        steps.append(("return", t, None))
        t = t + _minutes(2 + minutes["dispatch"])
    steps.append(("dispatch", t, None))
    dispatched, handle = t, minutes["handle"]
    if take["extend"]:
        steps.append(("extend", dispatched + _minutes(0.6 * limit), limit))
    if take["suspend"] and not take["extend"]:
        pause = min(0.2 * limit, handle / 2)
        resume_at = dispatched + _minutes(pause + minutes["suspend"])
        steps += [("suspend", dispatched + _minutes(pause), None), ("resume", resume_at, None)]
        t = resume_at + _minutes(handle - pause)
    else:
        t = dispatched + _minutes(handle)
    steps.append(("handle", t, None))
    t = t + _minutes(minutes["feedback"])
    steps.append(("feedback", t, None))
    t = t + _minutes(minutes["verify"])
    if take["rework"]:
        steps.append(("rework", t, None))
        t = t + _minutes(minutes["rework"])
        steps.append(("handle", t, None))
        t = t + _minutes(minutes["feedback"])
        steps.append(("feedback", t, None))
        t = t + _minutes(minutes["verify"])
    steps.append(("verify", t, None))
    steps.append(("close", t + _minutes(minutes["close"]), None))
    return steps


def _replay(case: SeedCase, steps, now: datetime, department: int, refs: Refs, inspector: str):
    """Apply the steps that have happened by `now` through the state machine."""
    case.department_id = None  # set by dispatch
    towns = refs.town_department
    for action, at, extra in steps:
        at = at.astype(datetime)
        if at > now:
            break
        kwargs = {}
        if action == "dispatch":
            kwargs["department_id"] = towns[(department + 1) % len(towns)] if extra == "wrong" else department
        elif action == "extend":
            kwargs["minutes"] = extra
        lifecycle.apply(case, action, at, actor_for(action, case, refs, inspector), OPINIONS.get(action), **kwargs)


def actor_for(action: str, case, refs: Refs, inspector: str) -> str | None:
    """Who performs an action: the centre, the responsible department or an inspector."""
    if action == "report":
        return case.reporter_name or label(SOURCES, case.source)
    if action == "dispatch":
        return "指挥中心派遣员"
    if action in ("file", "reject", "void", "close"):
        return "指挥中心受理员"
    if action in ("verify", "rework"):
        return inspector
    return refs.department_names.get(case.department_id)
