"""The three maps' demo data: a gas network, flood-risk points and illegal construction sites.

Called once from seed_demo after the cases are written (illegal sites link to real 06001
cases), with its own random stream so the case stream does not change. Everything is a pure
function of the seed and `now`. Reads go through data_access.geo_layers; writes through the
seed's BulkWriter.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
from shapely.geometry import Point

from data_access import geo_layers
from data_access.clock import LOCAL_OFFSET
from data_access.models import Meta

M_PER_DEG_LAT = 111_320.0
MATERIALS = {"high": ["钢管"], "sub_high": ["钢管"], "medium": ["PE管", "钢管", "PE管"],
             "low": ["PE管", "PE管", "镀锌钢管", "铸铁管"]}
DIAMETERS = {"high": [406, 508, 610], "sub_high": [273, 323, 355], "medium": [160, 200, 250, 315],
             "low": [63, 90, 110, 160]}
HAZARD_NOTES = ["管道被违章占压", "管道防腐层破损", "第三方施工未采取保护措施", "管道标识缺失", "阀井积水锈蚀",
                "调压设施超期未检"]
ALARM_NOTES = ["可燃气体浓度超限", "管网压力异常下降", "阀井甲烷浓度超限"]
INSPECTION_ABNORMAL = ["发现标识桩缺失", "周边有施工作业", "阀井盖板破损"]
INSPECTORS = ["陈伟", "黄强", "李明", "张勇", "刘洋", "王磊", "梁杰", "林涛", "何超", "罗刚"]
FLOOD_KINDS = {"underpass": "下穿隧道", "low_road": "低洼路段", "culvert": "桥涵"}
STAGES = ("found", "filed", "stopped", "penalized", "demolished")
STAGE_P = (0.14, 0.2, 0.14, 0.17, 0.35)
CHANNEL_OF_SOURCE = {"inspector": "patrol", "drone": "drone", "public": "report", "hotline": "report",
                     "video_ai": "video", "leader": "patrol", "media": "report"}
STAGE_ACTORS = {"found": "巡查队员", "filed": "城管执法中队", "stopped": "城管执法中队", "penalized": "镇街综合执法办",
                "demolished": "拆违专班"}
STAGE_NOTES = {"found": "发现疑似违法建设，现场取证", "filed": "经审查立案查处", "stopped": "责令停止建设，现场查封",
               "penalized": "作出行政处罚决定", "demolished": "组织强制拆除，现场复核完毕"}
MAX_SITES = 600
STORM_HOURS = 16
STORM_DAYS_AGO = 9


def _m_per_deg_lon(lat: float) -> float:
    return M_PER_DEG_LAT * np.cos(np.radians(lat))


def _offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    return lon + east_m / _m_per_deg_lon(lat), lat + north_m / M_PER_DEG_LAT


def _length_m(coords) -> float:
    c = np.asarray(coords)
    dx = np.diff(c[:, 0]) * _m_per_deg_lon(c[0, 1])
    dy = np.diff(c[:, 1]) * M_PER_DEG_LAT
    return float(np.hypot(dx, dy).sum())


def _geojson(geom_type: str, coords) -> str:
    def r(c):
        return [round(float(c[0]), 6), round(float(c[1]), 6)]
    if geom_type == "LineString":
        body = [r(c) for c in coords]
    else:
        body = [[r(c) for c in coords]]
    return json.dumps({"type": geom_type, "coordinates": body}, separators=(",", ":"))


def _bbox(coords):
    c = np.asarray(coords)
    return float(c[:, 0].min()), float(c[:, 1].min()), float(c[:, 0].max()), float(c[:, 1].max())


class _Network:
    """Pipe segments, collected as rows for gas_pipelines."""

    def __init__(self, rng, now: datetime):
        self.rng, self.now, self.rows, self.lines = rng, now, [], []

    def add(self, coords, pressure: str, region: str) -> int:
        rng = self.rng
        pid = len(self.rows) + 1
        age_mean = {"high": 8, "sub_high": 12, "medium": 14, "low": 18}[pressure]
        year = int(np.clip(self.now.year - rng.gamma(2.0, age_mean / 2), 1992, self.now.year))
        minx, miny, maxx, maxy = _bbox(coords)
        self.rows.append((pid, f"GP{pid:06d}", region, pressure, str(rng.choice(MATERIALS[pressure])),
                          int(rng.choice(DIAMETERS[pressure])), year, round(_length_m(coords), 1),
                          minx, miny, maxx, maxy, _geojson("LineString", coords)))
        self.lines.append(coords)
        return pid

    def path(self, start, heading: float, step_m: float, steps: int, polygon, pressure: str, region: str,
             wiggle: float = 0.35) -> list:
        """A walk from `start` that stays inside `polygon`; one segment per step. Returns vertices."""
        rng = self.rng
        vertices = [start]
        for _ in range(steps):
            heading += rng.normal(0, wiggle)
            lon, lat = vertices[-1]
            mid = _offset(lon, lat, np.cos(heading) * step_m / 2 + rng.normal(0, step_m * 0.05),
                          np.sin(heading) * step_m / 2 + rng.normal(0, step_m * 0.05))
            end = _offset(lon, lat, np.cos(heading) * step_m, np.sin(heading) * step_m)
            if not polygon.contains(Point(end)):
                break
            self.add([vertices[-1], mid, end], pressure, region)
            vertices.append(end)
        return vertices


def _mst(points: np.ndarray) -> list[tuple[int, int]]:
    n = len(points)
    inside, edges = {0}, []
    dist = np.linalg.norm(points[:, None] - points[None], axis=2)
    while len(inside) < n:
        best = None
        for i in inside:
            for j in range(n):
                if j not in inside and (best is None or dist[i, j] < dist[best]):
                    best = (i, j)
        edges.append(best)
        inside.add(best[1])
    return edges


def _segments_between(a, b, step_m: float, rng) -> list[list]:
    """Split a trunk line a→b into jittered segments of about step_m metres."""
    length = _length_m([a, b])
    n = max(1, int(round(length / step_m)))
    xs = np.linspace(a[0], b[0], n + 1)
    ys = np.linspace(a[1], b[1], n + 1)
    jitter = rng.normal(0, 0.0008, (n + 1, 2))
    jitter[0] = jitter[-1] = 0
    pts = np.column_stack([xs, ys]) + jitter
    return [[tuple(pts[i]), tuple((pts[i] + pts[i + 1]) / 2 + rng.normal(0, 0.0002, 2)), tuple(pts[i + 1])]
            for i in range(n)]


def _feature(fid: int, layer: str, code: str, name: str, kind: str, region: str, lon: float, lat: float,
             geometry=None, sensor_id=None, props=None) -> tuple:
    if geometry is not None:
        minx, miny, maxx, maxy = _bbox(geometry)
        geom = _geojson("Polygon", geometry)
    else:
        minx, miny, maxx, maxy, geom = lon, lat, lon, lat, None
    return (fid, layer, code, name, kind, region, float(lon), float(lat), minx, miny, maxx, maxy, geom, sensor_id,
            json.dumps(props, ensure_ascii=False) if props else None)


FEATURE_COLUMNS = ["id", "layer", "code", "name", "kind", "region_code", "lon", "lat", "min_lon", "min_lat",
                   "max_lon", "max_lat", "geometry", "sensor_id", "props"]
PIPE_COLUMNS = ["id", "code", "region_code", "pressure", "material", "diameter_mm", "laid_year", "length_m",
                "min_lon", "min_lat", "max_lon", "max_lat", "geometry"]
EVENT_COLUMNS = ["id", "pipeline_id", "kind", "occurred_at", "level", "status", "note", "lon", "lat"]


def seed_gas(writer, rng, city, now: datetime, features: list) -> int:
    """The gas network: 门站, 高压/次高压 trunks between towns, 中压 mains, 低压 branches, stations,
    valves, inspections, hazards, alarms and third-party construction sites near pipes."""
    net = _Network(rng, now)
    towns = city.towns
    hubs = np.array([t.label for t in towns])
    # Three gate stations at the edges of the city, each feeding its town's hub by a 高压 line.
    gate_towns = sorted({int(np.argmin(hubs[:, 0])), int(np.argmax(hubs[:, 0])), int(np.argmin(hubs[:, 1]))})
    for n, t in enumerate(gate_towns, start=1):
        town = towns[t]
        point = town.polygon.representative_point()
        lon, lat = (point.x + town.label[0]) / 2, (point.y + town.label[1]) / 2
        features.append(_feature(len(features) + 1, "gas_station", f"GS-{n:02d}", f"{town.name}天然气门站", "gate",
                                 town.code, lon, lat, props={"设计规模": f"{int(rng.integers(30, 80))}万m³/日"}))
        for seg in _segments_between((lon, lat), town.label, 900, rng):
            net.add(seg, "high", town.code)
    # Trunks between town hubs along a spanning tree: 高压 near gate towns, 次高压 elsewhere.
    for i, j in _mst(hubs):
        pressure = "high" if i in gate_towns or j in gate_towns else "sub_high"
        for seg in _segments_between(tuple(hubs[i]), tuple(hubs[j]), 1000, rng):
            net.add(seg, pressure, towns[j].code)
    for t_index, town in enumerate(towns):
        short = town.name.removesuffix("街道").removesuffix("镇")
        features.append(_feature(len(features) + 1, "gas_station", f"RS-{town.code}", f"{short}区域调压站",
                                 "regulator", town.code, town.label[0], town.label[1],
                                 props={"出口压力": "0.4 MPa"}))
        mains = int(np.clip(round(np.sqrt(town.area_km2) / 2.2), 3, 7))
        for m in range(mains):
            heading = 2 * np.pi * m / mains + rng.normal(0, 0.3)
            steps = int(rng.integers(6, 16))
            vertices = net.path(town.label, heading, 380, steps, town.polygon, "medium", town.code)
            for k, v in enumerate(vertices[1:], start=1):
                if rng.random() < 0.5:
                    side = heading + (np.pi / 2 if rng.random() < 0.5 else -np.pi / 2)
                    net.path(v, side, 170, int(rng.integers(1, 5)), town.polygon, "low", town.code, 0.2)
                if k % 4 == 0:
                    features.append(_feature(len(features) + 1, "gas_station", f"RB-{town.code}-{m}{k:02d}",
                                             f"{short}{town.roads[(m + k) % len(town.roads)]}调压箱", "regulator",
                                             town.code, v[0], v[1], props={"出口压力": "2.5 kPa"}))
                elif k % 3 == 0:
                    features.append(_feature(len(features) + 1, "gas_valve", f"GV-{town.code}-{m}{k:02d}",
                                             f"{short}{town.roads[(m + k) % len(town.roads)]}阀门井", "valve",
                                             town.code, v[0], v[1],
                                             props={"状态": "常开" if rng.random() < 0.93 else "关闭"}))
    writer.write("gas_pipelines", PIPE_COLUMNS, net.rows)

    # Inspections, hazards and alarms along the pipes.
    events = []
    regions = [r[2] for r in net.rows]

    def point_on(pid):
        coords = net.lines[pid - 1]
        f = rng.random()
        a, b = (coords[0], coords[1]) if f < 0.5 else (coords[1], coords[2])
        g = rng.random()
        return a[0] + (b[0] - a[0]) * g, a[1] + (b[1] - a[1]) * g

    n_pipes = len(net.rows)
    for pid in range(1, n_pipes + 1):
        for _ in range(int(rng.integers(0, 4))):
            at = now - timedelta(days=float(rng.uniform(0, 180)))
            ok = rng.random() > 0.08
            lon, lat = point_on(pid)
            events.append((len(events) + 1, pid, "inspection", at.replace(microsecond=0), None,
                           "normal" if ok else "abnormal",
                           f"{rng.choice(INSPECTORS)}巡检：" + ("管线运行正常" if ok else str(rng.choice(INSPECTION_ABNORMAL))),
                           lon, lat))
    for pid in rng.choice(n_pipes, max(1, n_pipes // 25), replace=False) + 1:
        at = now - timedelta(days=float(rng.uniform(0, 120)))
        lon, lat = point_on(int(pid))
        status = str(rng.choice(["open", "rectifying", "closed"], p=[0.3, 0.3, 0.4]))
        events.append((len(events) + 1, int(pid), "hazard", at.replace(microsecond=0), None, status,
                       str(rng.choice(HAZARD_NOTES)), lon, lat))
    for pid in rng.choice(n_pipes, max(1, n_pipes // 60), replace=False) + 1:
        at = now - timedelta(hours=float(rng.uniform(0, 24 * 30)))
        lon, lat = point_on(int(pid))
        recent = (now - at) < timedelta(days=2)
        status = "open" if recent and rng.random() < 0.7 else "closed"
        events.append((len(events) + 1, int(pid), "alarm", at.replace(microsecond=0),
                       int(rng.choice([1, 2, 3], p=[0.15, 0.35, 0.5])), status, str(rng.choice(ALARM_NOTES)),
                       lon, lat))
    writer.write("gas_events", EVENT_COLUMNS, events)

    # Third-party construction (第三方施工) close to pipes: some within the risk distance, some not.
    for t_index, town in enumerate(towns):
        town_pipes = [i for i, r in enumerate(regions) if r == town.code]
        if not town_pipes:
            continue
        for n in range(int(rng.integers(3, 8))):
            pid = int(rng.choice(town_pipes)) + 1
            lon, lat = point_on(pid)
            angle = rng.uniform(0, 2 * np.pi)
            dist = rng.uniform(10, 160)
            lon, lat = _offset(lon, lat, np.cos(angle) * dist, np.sin(angle) * dist)
            started = (now - timedelta(days=float(rng.uniform(3, 90)))).date()
            features.append(_feature(
                len(features) + 1, "construction", f"CS-{town.code}-{n + 1:02d}",
                f"{town.roads[n % len(town.roads)]}{rng.choice(['道路开挖', '管网改造', '基坑施工', '通信管道'])}工程",
                str(rng.choice(["road", "pit", "utility"])), town.code, lon, lat,
                props={"施工单位": f"{rng.choice(['东建', '华南', '粤通', '鸿基'])}建设工程有限公司",
                       "开工日期": started.isoformat(), "报备": "已报备" if rng.random() < 0.6 else "未报备"}))
    return n_pipes


def seed_flood(writer, rng, city, now: datetime, features: list):
    """Waterlogging points on the water-level sensors, risk zones, pumping stations and a
    historical rainstorm written into the rain and water-level readings."""
    conn = writer.conn
    by_code = {t.code: t for t in city.towns}
    levels = geo_layers.sensors_of_kind(conn, "water_level")
    for n, (sid, lon, lat, region) in enumerate(levels):
        town = by_code[region]
        kind = str(rng.choice(list(FLOOD_KINDS), p=[0.3, 0.5, 0.2]))
        short = town.name.removesuffix("街道").removesuffix("镇")
        name = f"{short}{town.roads[n % len(town.roads)]}{FLOOD_KINDS[kind]}"
        features.append(_feature(len(features) + 1, "flood_point", f"WP-{sid:04d}", name, kind, region, lon, lat,
                                 sensor_id=sid, props={"警戒水深": "25 cm"}))
        if rng.random() < 0.6:
            radius = rng.uniform(350, 800)
            angles = np.linspace(0, 2 * np.pi, 13)[:-1]
            ring = [_offset(lon, lat, np.cos(a) * radius * rng.uniform(0.7, 1.3),
                            np.sin(a) * radius * rng.uniform(0.6, 1.1)) for a in angles]
            ring.append(ring[0])
            level = str(rng.choice(["high", "medium", "low"], p=[0.3, 0.4, 0.3]))
            features.append(_feature(len(features) + 1, "flood_zone", f"FZ-{sid:04d}", f"{name}易涝风险区", level,
                                     region, lon, lat, geometry=ring))
        if n % 2 == 0:
            plon, plat = _offset(lon, lat, rng.uniform(-300, 300), rng.uniform(-300, 300))
            features.append(_feature(len(features) + 1, "pump_station", f"PS-{sid:04d}", f"{short}排涝泵站{n // 2 + 1}",
                                     "pump", region, plon, plat,
                                     props={"排水能力": f"{int(rng.integers(2, 12)) * 500} m³/h",
                                            "状态": "运行" if rng.random() < 0.3 else "待命"}))
    # The storm: STORM_HOURS of heavy rain STORM_DAYS_AGO days back, stronger in the south-east.
    end_hour = now.replace(minute=0)
    start = end_hour - timedelta(days=STORM_DAYS_AGO)
    hours = [start + timedelta(hours=h) for h in range(STORM_HOURS)]
    shape = np.sin(np.linspace(0.15, np.pi - 0.15, STORM_HOURS)) ** 2
    rain_rows, rain_at = [], {}
    for sid, lon, lat, region in geo_layers.sensors_of_kind(conn, "rain"):
        peak = rng.uniform(35, 85)
        series = np.round(shape * peak * rng.uniform(0.7, 1.2, STORM_HOURS), 1)
        rain_at[region] = series
        rain_rows += [{"sid": sid, "at": at, "v": float(v)} for at, v in zip(hours, series)]
    level_rows = []
    for sid, lon, lat, region in levels:
        rain = rain_at.get(region, np.zeros(STORM_HOURS))
        depth = np.convolve(rain, [0.35, 0.3, 0.2, 0.1])[:STORM_HOURS] * rng.uniform(0.3, 0.9)
        level_rows += [{"sid": sid, "at": at, "v": round(float(v), 1)} for at, v in zip(hours, depth)]
    geo_layers.overwrite_readings(conn, rain_rows + level_rows)
    writer.insert(Meta, [{"key": "flood_storm", "value": json.dumps(
        {"name": f"{start + LOCAL_OFFSET:%Y年%m月%d日}特大暴雨", "start": start.isoformat(), "hours": STORM_HOURS},
        ensure_ascii=False)}])


def seed_illegal(writer, rng, now: datetime):
    """Sites at the places of real 06001 私搭乱建 cases, with stages, areas and a timeline."""
    cases = geo_layers.cases_of_categories(writer.conn, ("06001",))
    if len(cases) > MAX_SITES:
        cases = [cases[i] for i in np.sort(rng.choice(len(cases), MAX_SITES, replace=False))]
    sites, events = [], []
    for case_id, case_no, lon, lat, region, address, reported_at, source in cases:
        sid = len(sites) + 1
        stage_index = int(rng.choice(len(STAGES), p=STAGE_P))
        area = float(np.round(np.clip(rng.lognormal(np.log(110), 0.8), 12, 2500), 1))
        ratio = rng.uniform(0.4, 1.0)
        w, h = np.sqrt(area * ratio), np.sqrt(area / ratio)
        angle = rng.uniform(0, np.pi)
        corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2), (-w / 2, -h / 2)]
        ring = [_offset(lon, lat, x * np.cos(angle) - y * np.sin(angle), x * np.sin(angle) + y * np.cos(angle))
                for x, y in corners]
        at = reported_at
        reached = 0
        for k in range(stage_index + 1):
            if k:
                at = at + timedelta(days=float(rng.lognormal(np.log(6), 0.6)))
            if at > now:
                break
            reached = k
            events.append((len(events) + 1, sid, STAGES[k], at.replace(microsecond=0), STAGE_ACTORS[STAGES[k]],
                           STAGE_NOTES[STAGES[k]]))
        stage = STAGES[reached]
        demolished = area if stage == "demolished" else round(area * rng.uniform(0, 0.3), 1) if stage == "penalized" else 0.0
        minx, miny, maxx, maxy = _bbox(ring)
        channel = CHANNEL_OF_SOURCE.get(source, "patrol")
        if channel == "patrol" and rng.random() < 0.25:
            channel = "video"  # spotted on a camera's video patrol (视频巡查)
        sites.append((sid, f"WJ{sid:05d}", region, case_id, address, stage, channel,
                      "new" if rng.random() < 0.55 else "existing", area, float(demolished), reported_at,
                      float(lon), float(lat), minx, miny, maxx, maxy, _geojson("Polygon", ring)))
    writer.write("illegal_sites", ["id", "code", "region_code", "case_id", "address", "stage", "channel",
                                   "build_type", "area_m2", "demolished_m2", "discovered_at", "lon", "lat",
                                   "min_lon", "min_lat", "max_lon", "max_lat", "geometry"], sites)
    writer.write("illegal_site_events", ["id", "site_id", "stage", "at", "actor", "note"], events)
    return len(sites)


def seed_maps(writer, rng, city, now: datetime) -> dict:
    """All three maps; returns counts."""
    features: list = []
    pipes = seed_gas(writer, rng, city, now, features)
    seed_flood(writer, rng, city, now, features)
    writer.write("map_features", FEATURE_COLUMNS, features)
    sites = seed_illegal(writer, rng, now)
    return {"pipes": pipes, "features": len(features), "sites": sites}
