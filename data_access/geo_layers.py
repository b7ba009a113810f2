"""All SQL of the three maps: GeoJSON layers by bounding box and region, feature details,
side-panel summaries, links from a case to its map, and the seed's reads and writes.

Layers are built as GeoJSON text straight from the stored geometry text (no parse and
re-dump), so 50,000 pipes serialise in a fraction of a second. Coordinates are WGS-84;
`feature_collection(..., to_gcj02=True)` converts them for GCJ-02 tiles (data_access.geo).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from .cache import memoize
from .clock import LOCAL_OFFSET
from .db import get_engine
from .filters import in_area
from .geo import transform_geometry, wgs84_to_gcj02
from .models import (
    Camera,
    Case,
    Category,
    GasEvent,
    GasPipeline,
    IllegalSite,
    IllegalSiteEvent,
    MapFeature,
    Meta,
    Region,
    Sensor,
    SensorReading,
)
from .reference import newest_readings
from .vocabulary import CAMERA_KINDS

M_PER_DEG_LAT = 111_320.0
GAS_CATEGORIES = ("01011", "01049", "01057")
WATERLOGGING_CATEGORIES = ("01003", "01004", "01067", "01072", "01073")
ILLEGAL_CATEGORY = "06001"
PIPE_CASE_BUFFER_M = 150  # gas cases this close to a pipe are "along" it
CONSTRUCTION_RISK_M = 100  # third-party construction this close to a pipe is a risk
FLOOD_CASE_RADIUS_M = 500
CAMERA_RADIUS_M = 1000  # 周边视频: cameras this close to a waterlogging point
CAMERA_SEARCH_M = 3000  # beyond the radius, the nearest camera this close is named (with its distance)
CAMERA_LIMIT = 4

PRESSURES = {"high": "高压", "sub_high": "次高压", "medium": "中压", "low": "低压"}
STAGES = {"found": "发现", "filed": "立案", "stopped": "停工", "penalized": "处罚", "demolished": "拆除"}
CHANNELS = {"patrol": "巡查", "drone": "无人机", "report": "举报", "video": "视频"}
BUILD_TYPES = {"new": "新增违建", "existing": "存量违建"}
HAZARD_STATUS = {"open": "待整改", "rectifying": "整改中", "closed": "已整改"}
ALARM_LEVELS = {1: "一级", 2: "二级", 3: "三级"}
FACILITY_KINDS = {"gate": "门站", "regulator": "调压站", "valve": "阀门"}
FLOOD_KINDS = {"underpass": "下穿隧道", "low_road": "低洼路段", "culvert": "桥涵"}
ZONE_LEVELS = {"high": "高风险", "medium": "中风险", "low": "低风险"}
DEPTH_CLASSES = {"none": "无积水 <3cm", "light": "轻度 3–10cm", "moderate": "中度 10–25cm", "severe": "严重 >25cm"}
RAIN_FLAG_MM = 50.0
GAS_ALARM_LEL = ((20.0, 1), (10.0, 2), (5.0, 3))  # %LEL at or above → alarm level


# Every feature carries "cls", its style class within its layer; layouts/maps.py declares one
# style (colour, shape, legend label) per (layer, class), and the legend is made from that.


class LayerError(ValueError):
    """A bad layer request (unknown layer, bad parameter); str() is the message."""


def depth_class(cm: float | None) -> str | None:
    if cm is None:
        return None
    return "none" if cm < 3 else "light" if cm <= 10 else "moderate" if cm <= 25 else "severe"


def gas_level(lel: float | None) -> int | None:
    if lel is None:
        return None
    return next((level for limit, level in GAS_ALARM_LEL if lel >= limit), None)


# ---------------------------------------------------------------- GeoJSON text


def _point(lon: float, lat: float) -> str:
    return f'{{"type":"Point","coordinates":[{lon:.6f},{lat:.6f}]}}'


def feature_collection(rows, to_gcj02: bool = False) -> str:
    """GeoJSON FeatureCollection text from (geometry text, properties dict) rows."""
    parts = []
    for geometry, props in rows:
        if to_gcj02:
            geometry = json.dumps(transform_geometry(json.loads(geometry), wgs84_to_gcj02), separators=(",", ":"))
        parts.append(f'{{"type":"Feature","geometry":{geometry},"properties":'
                     f'{json.dumps(props, ensure_ascii=False, separators=(",", ":"))}}}')
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def _in_bbox(model, bbox):
    if bbox is None:
        return True
    west, south, east, north = bbox
    if hasattr(model, "min_lon"):
        return and_(model.max_lon >= west, model.min_lon <= east, model.max_lat >= south, model.min_lat <= north)
    return and_(model.lon.between(west, east), model.lat.between(south, north))


def _in_region(model, area: str | None):
    """Rows of a region (`area` of 9 digits), of a city's regions (6 digits), or all (None).
    Every layer and summary here takes such an area in its `region` argument."""
    if area is None:
        return True
    column = model.code if model is Region else model.region_code
    city = len(area) == 6
    return in_area(column, None if city else area, area if city else None)[0]


def _readings_at(conn, sensor_ids, at: datetime | None) -> dict[int, tuple[float, datetime]]:
    """Each sensor's newest reading at or before `at` (default: newest of all)."""
    if not sensor_ids:
        return {}
    newest = newest_readings(since=at - timedelta(hours=2), until=at) if at is not None else newest_readings()
    rows = conn.execute(select(newest.c.sensor_id, newest.c.value, newest.c.measured_at)
                        .where(newest.c.sensor_id.in_(sensor_ids))).all()
    return {sid: (value, measured) for sid, value, measured in rows}


def _iso(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as display text in local time (China Standard Time, as case pages)."""
    return (value + LOCAL_OFFSET).strftime("%Y-%m-%d %H:%M") if value else None


def _regions(conn, bbox, region, at):
    rows = conn.execute(select(Region.code, Region.name, Region.geometry, Region.label_lon, Region.label_lat)
                        .where(_in_region(Region, region)).order_by(Region.code)).all()
    return [(g, {"code": c, "name": n, "label": [round(lo, 6), round(la, 6)]}) for c, n, g, lo, la in rows]


def _pipes(conn, bbox, region, at, pressure=None):
    q = (select(GasPipeline.id, GasPipeline.code, GasPipeline.pressure, GasPipeline.material,
                GasPipeline.diameter_mm, GasPipeline.laid_year, GasPipeline.geometry)
         .where(_in_bbox(GasPipeline, bbox), _in_region(GasPipeline, region)))
    if pressure:
        q = q.where(GasPipeline.pressure.in_(pressure))
    return [(g, {"id": i, "code": c, "pressure": p, "cls": p, "label": PRESSURES[p], "material": m, "dn": d, "year": y})
            for i, c, p, m, d, y, g in conn.execute(q.order_by(GasPipeline.id))]


def _features(layer: str, labels: dict, cls=None):
    """Map features of one layer; `cls` (a fixed class) overrides the kind as the style class."""
    def build(conn, bbox, region, at):
        rows = conn.execute(select(MapFeature.id, MapFeature.code, MapFeature.name, MapFeature.kind,
                                   MapFeature.lon, MapFeature.lat, MapFeature.geometry, MapFeature.props)
                            .where(MapFeature.layer == layer, _in_bbox(MapFeature, bbox), _in_region(MapFeature, region))
                            .order_by(MapFeature.id)).all()
        return [(g or _point(lo, la), {"id": i, "code": c, "name": n, "kind": k, "cls": cls or k,
                                       "label": labels.get(k, k), **(json.loads(p) if p else {})})
                for i, c, n, k, lo, la, g, p in rows]
    return build


def _sensors(kind: str):
    def build(conn, bbox, region, at):
        rows = conn.execute(select(Sensor.id, Sensor.code, Sensor.name, Sensor.unit, Sensor.lon, Sensor.lat)
                            .where(Sensor.kind == kind, _in_bbox(Sensor, bbox), _in_region(Sensor, region))
                            .order_by(Sensor.id)).all()
        values = _readings_at(conn, [r[0] for r in rows], at)
        out = []
        for sid, code, name, unit, lon, lat in rows:
            value, measured = values.get(sid, (None, None))
            props = {"id": sid, "code": code, "name": name, "unit": unit, "value": value, "at": _iso(measured)}
            if kind == "gas":
                props["level"] = gas_level(value)
                props["cls"] = "nodata" if value is None else "over" if props["level"] else "normal"
            else:
                props["flag"] = value is not None and value > RAIN_FLAG_MM
                props["cls"] = "nodata" if value is None else "flag" if props["flag"] else "ok"
            out.append((_point(lon, lat), props))
        return out
    return build


def _flood_points(conn, bbox, region, at):
    rows = _features("flood_point", FLOOD_KINDS)(conn, bbox, region, at)
    ids = conn.execute(select(MapFeature.id, MapFeature.sensor_id).where(MapFeature.layer == "flood_point")).all()
    sensor_of = dict(ids)
    values = _readings_at(conn, [sensor_of[p["id"]] for _, p in rows if sensor_of.get(p["id"])], at)
    for _, props in rows:
        value, measured = values.get(sensor_of.get(props["id"]), (None, None))
        props.update(depth=value, depth_class=depth_class(value), at=_iso(measured),
                     cls=depth_class(value) or "nodata")
    return rows


def _gas_events(kind: str):
    def build(conn, bbox, region, at):
        q = (select(GasEvent.id, GasEvent.pipeline_id, GasEvent.occurred_at, GasEvent.level, GasEvent.status,
                    GasEvent.note, GasEvent.lon, GasEvent.lat, GasPipeline.code)
             .join(GasPipeline, GasPipeline.id == GasEvent.pipeline_id)
             .where(GasEvent.kind == kind, _in_bbox(GasEvent, bbox), _in_region(GasPipeline, region)))
        if kind == "hazard":
            q = q.where(GasEvent.status != "closed")
        return [(_point(lon, lat), {"id": i, "pipe": code, "at": _iso(t), "level": lv, "status": s, "note": n,
                                    "cls": (str(lv) if s == "open" else "closed") if kind == "alarm" else s,
                                    "label": ALARM_LEVELS.get(lv) if kind == "alarm" else HAZARD_STATUS.get(s)})
                for i, pid, t, lv, s, n, lon, lat, code in conn.execute(q.order_by(GasEvent.id))]
    return build


def _illegal_sites(conn, bbox, region, at):
    rows = conn.execute(select(IllegalSite.id, IllegalSite.code, IllegalSite.stage, IllegalSite.build_type,
                               IllegalSite.area_m2, IllegalSite.channel, IllegalSite.geometry)
                        .where(_in_bbox(IllegalSite, bbox), _in_region(IllegalSite, region))
                        .order_by(IllegalSite.id)).all()
    return [(g, {"id": i, "code": c, "stage": s, "cls": s, "label": STAGES[s], "type": BUILD_TYPES[b], "area": a,
                 "channel": CHANNELS[ch]}) for i, c, s, b, a, ch, g in rows]


def _illegal_points(conn, bbox, region, at):
    """The same sites as points, for clustering at city zoom."""
    rows = conn.execute(select(IllegalSite.id, IllegalSite.code, IllegalSite.stage, IllegalSite.area_m2,
                               IllegalSite.lon, IllegalSite.lat)
                        .where(_in_bbox(IllegalSite, bbox), _in_region(IllegalSite, region))
                        .order_by(IllegalSite.id)).all()
    return [(_point(lo, la), {"id": i, "code": c, "stage": s, "cls": s, "label": STAGES[s], "area": a})
            for i, c, s, a, lo, la in rows]


LAYERS = {
    "regions": _regions,
    "gas-pipelines": _pipes,
    "gas-stations": _features("gas_station", FACILITY_KINDS),
    "gas-valves": _features("gas_valve", FACILITY_KINDS),
    "gas-sensors": _sensors("gas"),
    "gas-alarms": _gas_events("alarm"),
    "gas-hazards": _gas_events("hazard"),
    "construction": _features("construction", {"road": "道路开挖", "pit": "基坑施工", "utility": "管线施工"}, "site"),
    "flood-points": _flood_points,
    "rain-gauges": _sensors("rain"),
    "flood-zones": _features("flood_zone", ZONE_LEVELS),
    "pump-stations": _features("pump_station", {"pump": "泵站"}),
    "illegal-sites": _illegal_sites,
    "illegal-points": _illegal_points,
}


def layer_geojson(database_url: str, layer: str, bbox: tuple | None = None, region: str | None = None,
                  at: datetime | None = None, pressure: tuple | None = None, to_gcj02: bool = False) -> str:
    """One layer as GeoJSON text. bbox is (west, south, east, north) in WGS-84."""
    build = LAYERS.get(layer)
    if build is None:
        raise LayerError(f"unknown layer {layer!r}; layers: {', '.join(LAYERS)}")
    with get_engine(database_url).connect() as conn:
        if layer == "gas-pipelines":
            rows = build(conn, bbox, region, at, pressure)
        else:
            rows = build(conn, bbox, region, at)
    return feature_collection(rows, to_gcj02)


# ---------------------------------------------------------------- distances


def _metres(lon0: float, lat0: float, lon1, lat1) -> float:
    kx = M_PER_DEG_LAT * math.cos(math.radians(lat0))
    return math.hypot((lon1 - lon0) * kx, (lat1 - lat0) * M_PER_DEG_LAT)


def _to_segment_m(lon, lat, coords) -> float:
    """Distance in metres from a point to a polyline (local equirectangular projection)."""
    kx = M_PER_DEG_LAT * math.cos(math.radians(lat))
    px, py = lon * kx, lat * M_PER_DEG_LAT
    best = float("inf")
    for (x0, y0), (x1, y1) in zip(coords, coords[1:]):
        ax, ay, bx, by = x0 * kx, y0 * M_PER_DEG_LAT, x1 * kx, y1 * M_PER_DEG_LAT
        dx, dy = bx - ax, by - ay
        t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(px - ax - t * dx, py - ay - t * dy))
    return best


def _grow(bbox, metres: float, lat: float):
    dx = metres / (M_PER_DEG_LAT * math.cos(math.radians(lat)))
    dy = metres / M_PER_DEG_LAT
    return bbox[0] - dx, bbox[1] - dy, bbox[2] + dx, bbox[3] + dy


def _category_ids(conn, codes) -> list[int]:
    return list(conn.execute(select(Category.id).where(Category.code.in_(codes))).scalars())


def _cases_near(conn, codes, box, limit: int = 500):
    ids = _category_ids(conn, codes)
    return conn.execute(
        select(Case.case_no, Case.lon, Case.lat, Case.status, Case.reported_at, Category.name, Case.address)
        .join(Category, Category.id == Case.category_id)
        .where(Case.category_id.in_(ids), Case.lon.between(box[0], box[2]), Case.lat.between(box[1], box[3]))
        .order_by(Case.reported_at.desc()).limit(limit)).all()


# ---------------------------------------------------------------- details


@dataclass
class PipeDetail:
    code: str
    facts: list  # (label, value)
    inspections: list = field(default_factory=list)  # dicts at, status, note
    hazards: list = field(default_factory=list)
    alarms: list = field(default_factory=list)
    cases: list = field(default_factory=list)  # dicts case_no, category, status, reported_at, distance_m
    construction: list = field(default_factory=list)  # dicts code, name, distance_m, 报备


@memoize(timeout=60)
def pipe_detail(database_url: str, code: str) -> PipeDetail | None:
    with get_engine(database_url).connect() as conn:
        pipe = Session(conn).execute(select(GasPipeline, Region.name).join(Region, Region.code == GasPipeline.region_code)
                            .where(GasPipeline.code == code)).first()
        if pipe is None:
            return None
        p, region_name = pipe
        coords = json.loads(p.geometry)["coordinates"]
        lat = (p.min_lat + p.max_lat) / 2
        detail = PipeDetail(code=p.code, facts=[
            ("压力级制", PRESSURES[p.pressure]), ("管材", p.material), ("管径", f"DN{p.diameter_mm}"),
            ("敷设年份", str(p.laid_year)), ("长度", f"{p.length_m:,.0f} m"), ("所在镇街", region_name)])
        events = Session(conn).execute(select(GasEvent).where(GasEvent.pipeline_id == p.id)
                              .order_by(GasEvent.occurred_at.desc())).scalars().all()
        for e in events:
            row = {"at": _iso(e.occurred_at), "status": e.status, "note": e.note, "level": e.level,
                   "label": ALARM_LEVELS.get(e.level) if e.kind == "alarm" else HAZARD_STATUS.get(e.status, "")}
            {"inspection": detail.inspections, "hazard": detail.hazards, "alarm": detail.alarms}[e.kind].append(row)
        box = (p.min_lon, p.min_lat, p.max_lon, p.max_lat)
        for case_no, lon, clat, status, reported, cat, _addr in _cases_near(
                conn, GAS_CATEGORIES, _grow(box, PIPE_CASE_BUFFER_M, lat)):
            d = _to_segment_m(lon, clat, coords)
            if d <= PIPE_CASE_BUFFER_M:
                detail.cases.append({"case_no": case_no, "category": cat, "status": status,
                                     "reported_at": _iso(reported), "distance_m": round(d)})
        near = _grow(box, CONSTRUCTION_RISK_M, lat)
        sites = conn.execute(select(MapFeature.code, MapFeature.name, MapFeature.lon, MapFeature.lat, MapFeature.props)
                             .where(MapFeature.layer == "construction", _in_bbox(MapFeature, near))).all()
        for scode, name, lon, slat, props in sites:
            d = _to_segment_m(lon, slat, coords)
            if d <= CONSTRUCTION_RISK_M:
                detail.construction.append({"code": scode, "name": name, "distance_m": round(d),
                                            **json.loads(props or "{}")})
        detail.construction.sort(key=lambda s: s["distance_m"])
    return detail


@dataclass
class GasSummary:
    length_by_pressure: list  # (label, km)
    length_by_age: list  # (label, km)
    hazards_by_status: list  # (label, count)
    open_hazards: list  # dicts pipe, note, status, at
    open_alarms: int
    pipes: int


AGE_BUCKETS = ((10, "10年以内"), (20, "10–20年"), (None, "20年以上"))


@memoize(timeout=60)
def gas_summary(database_url: str, region: str | None, year: int) -> GasSummary:
    with get_engine(database_url).connect() as conn:
        where = _in_region(GasPipeline, region)
        by_pressure = dict(conn.execute(select(GasPipeline.pressure, func.sum(GasPipeline.length_m))
                                        .where(where).group_by(GasPipeline.pressure)).all())
        by_year = conn.execute(select(GasPipeline.laid_year, func.sum(GasPipeline.length_m))
                               .where(where).group_by(GasPipeline.laid_year)).all()
        pipes = conn.execute(select(func.count()).select_from(GasPipeline).where(where)).scalar_one()
        ages = {label: 0.0 for _, label in AGE_BUCKETS}
        for laid, metres in by_year:
            age = year - laid
            label = next(lb for limit, lb in AGE_BUCKETS if limit is None or age < limit)
            ages[label] += metres or 0
        joined = (select(GasEvent.status, func.count()).join(GasPipeline, GasPipeline.id == GasEvent.pipeline_id)
                  .where(GasEvent.kind == "hazard", where).group_by(GasEvent.status))
        hazards = dict(conn.execute(joined).all())
        open_rows = conn.execute(
            select(GasPipeline.code, GasEvent.note, GasEvent.status, GasEvent.occurred_at)
            .join(GasPipeline, GasPipeline.id == GasEvent.pipeline_id)
            .where(GasEvent.kind == "hazard", GasEvent.status != "closed", where)
            .order_by(GasEvent.occurred_at).limit(30)).all()
        alarms = conn.execute(select(func.count()).select_from(GasEvent)
                              .join(GasPipeline, GasPipeline.id == GasEvent.pipeline_id)
                              .where(GasEvent.kind == "alarm", GasEvent.status == "open", where)).scalar_one()
    return GasSummary(
        length_by_pressure=[(PRESSURES[k], round((by_pressure.get(k) or 0) / 1000, 1)) for k in PRESSURES],
        length_by_age=[(label, round(km / 1000, 1)) for label, km in ages.items()],
        hazards_by_status=[(HAZARD_STATUS[k], hazards.get(k, 0)) for k in HAZARD_STATUS],
        open_hazards=[{"pipe": c, "note": n, "status": HAZARD_STATUS[s], "at": _iso(t)} for c, n, s, t in open_rows],
        open_alarms=alarms, pipes=pipes)


@dataclass
class Storm:
    name: str
    start: datetime
    hours: int

    def hour(self, index: int) -> datetime:
        return self.start + timedelta(hours=index)


@memoize(timeout=300)
def storm(database_url: str) -> Storm | None:
    """The seeded historical rainstorm the flood map replays."""
    with get_engine(database_url).connect() as conn:
        raw = conn.execute(select(Meta.value).where(Meta.key == "flood_storm")).scalar()
    if not raw:
        return None
    value = json.loads(raw)
    return Storm(value["name"], datetime.fromisoformat(value["start"]), int(value["hours"]))


@dataclass
class FloodPointDetail:
    code: str
    name: str
    kind: str
    facts: list
    series: list  # (measured_at, depth cm)
    cameras: list  # dicts code, name, kind, status, distance_m: within CAMERA_RADIUS_M, nearest first
    cases: list
    nearest_camera: dict | None = None  # with no camera in the radius: the nearest within CAMERA_SEARCH_M


@memoize(timeout=60)
def flood_point_detail(database_url: str, code: str, start: datetime | None, end: datetime | None) -> FloodPointDetail | None:
    """A waterlogging point with its readings between start and end (default: the last 48 hours)."""
    with get_engine(database_url).connect() as conn:
        row = Session(conn).execute(select(MapFeature, Region.name).join(Region, Region.code == MapFeature.region_code)
                           .where(MapFeature.layer == "flood_point", MapFeature.code == code)).first()
        if row is None:
            return None
        f, region_name = row
        if end is None:
            end = conn.execute(select(func.max(SensorReading.measured_at))
                               .where(SensorReading.sensor_id == f.sensor_id)).scalar()
        start = start or (end - timedelta(hours=48) if end else None)
        series = []
        if end is not None:
            series = conn.execute(select(SensorReading.measured_at, SensorReading.value)
                                  .where(SensorReading.sensor_id == f.sensor_id,
                                         SensorReading.measured_at.between(start, end))
                                  .order_by(SensorReading.measured_at)).all()
        box = _grow((f.lon, f.lat, f.lon, f.lat), CAMERA_SEARCH_M, f.lat)
        cams = conn.execute(select(Camera.code, Camera.name, Camera.kind, Camera.status, Camera.lon, Camera.lat)
                            .where(_in_bbox(Camera, box))).all()
        near = sorted(({"code": c, "name": n, "kind": k, "kind_label": CAMERA_KINDS.get(k, (k,))[0], "status": s,
                        "distance_m": round(_metres(f.lon, f.lat, lo, la))} for c, n, k, s, lo, la in cams),
                      key=lambda c: (c["distance_m"], c["code"]))
        near = [c for c in near if c["distance_m"] <= CAMERA_SEARCH_M]
        cameras = [c for c in near if c["distance_m"] <= CAMERA_RADIUS_M][:CAMERA_LIMIT]
        nearest_beyond = near[0] if near and not cameras else None
        cases = []
        for case_no, lon, lat, status, reported, cat, _addr in _cases_near(
                conn, WATERLOGGING_CATEGORIES, _grow((f.lon, f.lat, f.lon, f.lat), FLOOD_CASE_RADIUS_M, f.lat)):
            d = _metres(f.lon, f.lat, lon, lat)
            if d <= FLOOD_CASE_RADIUS_M:
                cases.append({"case_no": case_no, "category": cat, "status": status, "reported_at": _iso(reported),
                              "distance_m": round(d)})
    latest = series[-1][1] if series else None
    return FloodPointDetail(
        code=f.code, name=f.name, kind=FLOOD_KINDS.get(f.kind, f.kind),
        facts=[("类型", FLOOD_KINDS.get(f.kind, f.kind)), ("所在镇街", region_name),
               ("当前水深", "无数据" if latest is None else f"{latest:.1f} cm"),
               ("积水等级", DEPTH_CLASSES[depth_class(latest)] if latest is not None else "—")],
        series=[(t, v) for t, v in series], cameras=cameras, cases=cases[:10], nearest_camera=nearest_beyond)


@dataclass
class FloodSummary:
    points_by_class: list  # (class, label, count)
    rain_flagged: int
    rain_max: float | None
    gauges: int


@memoize(timeout=60)
def flood_summary(database_url: str, region: str | None, at: datetime | None) -> FloodSummary:
    with get_engine(database_url).connect() as conn:
        points = _flood_points(conn, None, region, at)
        gauges = _sensors("rain")(conn, None, region, at)
    counts = {k: 0 for k in DEPTH_CLASSES}
    for _, p in points:
        if p["depth_class"]:
            counts[p["depth_class"]] += 1
    rain = [p["value"] for _, p in gauges if p["value"] is not None]
    return FloodSummary(points_by_class=[(k, DEPTH_CLASSES[k], counts[k]) for k in DEPTH_CLASSES],
                        rain_flagged=sum(v > RAIN_FLAG_MM for v in rain), rain_max=max(rain) if rain else None,
                        gauges=len(gauges))


@dataclass
class SiteDetail:
    code: str
    facts: list
    timeline: list  # dicts stage, label, at, actor, note
    case: dict | None
    stage: str


@memoize(timeout=60)
def site_detail(database_url: str, code: str) -> SiteDetail | None:
    with get_engine(database_url).connect() as conn:
        row = Session(conn).execute(select(IllegalSite, Region.name).join(Region, Region.code == IllegalSite.region_code)
                           .where(IllegalSite.code == code)).first()
        if row is None:
            return None
        s, region_name = row
        events = Session(conn).execute(select(IllegalSiteEvent).where(IllegalSiteEvent.site_id == s.id)
                              .order_by(IllegalSiteEvent.at)).scalars().all()
        case = None
        if s.case_id is not None:
            c = conn.execute(select(Case.case_no, Case.status, Case.reported_at, Category.name)
                             .join(Category, Category.id == Case.category_id).where(Case.id == s.case_id)).first()
            if c:
                case = {"case_no": c[0], "status": c[1], "reported_at": _iso(c[2]), "category": c[3]}
    return SiteDetail(code=s.code, stage=s.stage, case=case, facts=[
        ("阶段", STAGES[s.stage]), ("类型", BUILD_TYPES[s.build_type]), ("面积", f"{s.area_m2:,.1f} ㎡"),
        ("已拆除", f"{s.demolished_m2:,.1f} ㎡"), ("发现渠道", CHANNELS[s.channel]), ("所在镇街", region_name),
        ("地址", s.address)],
        timeline=[{"stage": e.stage, "label": STAGES[e.stage], "at": _iso(e.at), "actor": e.actor, "note": e.note}
                  for e in events])


@dataclass
class IllegalSummary:
    by_stage: list  # (stage, label, count, area)
    by_type: list  # (label, area, demolished)
    by_channel: list  # (label, count)
    ranking: list  # dicts region, name, demolished, standing


@memoize(timeout=60)
def illegal_summary(database_url: str, region: str | None) -> IllegalSummary:
    with get_engine(database_url).connect() as conn:
        where = _in_region(IllegalSite, region)
        stages = {s: (n, a) for s, n, a in conn.execute(
            select(IllegalSite.stage, func.count(), func.sum(IllegalSite.area_m2)).where(where)
            .group_by(IllegalSite.stage))}
        types = {t: (a, d) for t, a, d in conn.execute(
            select(IllegalSite.build_type, func.sum(IllegalSite.area_m2), func.sum(IllegalSite.demolished_m2))
            .where(where).group_by(IllegalSite.build_type))}
        channels = dict(conn.execute(select(IllegalSite.channel, func.count()).where(where)
                                     .group_by(IllegalSite.channel)).all())
        ranking = conn.execute(
            select(Region.code, Region.name, func.sum(IllegalSite.demolished_m2),
                   func.sum(IllegalSite.area_m2 - IllegalSite.demolished_m2))
            .join(Region, Region.code == IllegalSite.region_code).where(where)
            .group_by(Region.code, Region.name)).all()
    return IllegalSummary(
        by_stage=[(k, v, stages.get(k, (0, 0))[0], round(stages.get(k, (0, 0))[1] or 0, 1)) for k, v in STAGES.items()],
        by_type=[(v, round(types.get(k, (0, 0))[0] or 0, 1), round(types.get(k, (0, 0))[1] or 0, 1))
                 for k, v in BUILD_TYPES.items()],
        by_channel=[(v, channels.get(k, 0)) for k, v in CHANNELS.items()],
        ranking=[{"region": c, "name": n, "demolished": round(d or 0, 1), "standing": round(s or 0, 1)}
                 for c, n, d, s in ranking])


@memoize(timeout=300)
def region_bounds(database_url: str, region: str | None) -> tuple | None:
    """(west, south, east, north) of a region's outline, or of all regions."""
    with get_engine(database_url).connect() as conn:
        rows = conn.execute(select(Region.geometry).where(_in_region(Region, region))).scalars().all()
    if not rows:
        return None
    xs, ys = [], []

    def walk(c):
        if c and isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for x in c:
                walk(x)
    for g in rows:
        walk(json.loads(g)["coordinates"])
    return min(xs), min(ys), max(xs), max(ys)


def region_names(database_url: str) -> dict[str, str]:
    with get_engine(database_url).connect() as conn:
        return dict(conn.execute(select(Region.code, Region.name).order_by(Region.code)).all())


@memoize(timeout=60)
def feature_position(database_url: str, kind: str, code: str) -> tuple | None:
    """(lon, lat) of a point on a pipe, a flood point or a site, for ?focus= / ?point= / ?site=."""
    model = {"pipe": GasPipeline, "site": IllegalSite, "point": MapFeature}[kind]
    with get_engine(database_url).connect() as conn:
        if kind == "pipe":  # the middle vertex, which lies on the pipe
            geometry = conn.execute(select(model.geometry).where(model.code == code)).scalar()
            if geometry is None:
                return None
            coords = json.loads(geometry)["coordinates"]
            return tuple(coords[len(coords) // 2])
        else:
            row = conn.execute(select(model.lon, model.lat).where(model.code == code)).first()
    return tuple(row) if row else None


# ---------------------------------------------------------------- case → map


@memoize(timeout=60)
def case_map_link(database_url: str, case_no: str) -> tuple[str, str] | None:
    """(href, label) of the map feature a case belongs to, or None."""
    with get_engine(database_url).connect() as conn:
        row = conn.execute(select(Case.id, Case.lon, Case.lat, Category.code)
                           .join(Category, Category.id == Case.category_id).where(Case.case_no == case_no)).first()
        if row is None:
            return None
        case_id, lon, lat, code = row
        if code == ILLEGAL_CATEGORY:
            site = conn.execute(select(IllegalSite.code).where(IllegalSite.case_id == case_id)).scalar()
            return (f"/map/illegal-construction?site={site}", f"违建处置一张图 · {site}") if site else None
        if code in GAS_CATEGORIES:
            box = _grow((lon, lat, lon, lat), PIPE_CASE_BUFFER_M, lat)
            pipes = conn.execute(select(GasPipeline.code, GasPipeline.geometry)
                                 .where(_in_bbox(GasPipeline, box))).all()
            best = min(((_to_segment_m(lon, lat, json.loads(g)["coordinates"]), c) for c, g in pipes), default=None)
            if best and best[0] <= PIPE_CASE_BUFFER_M:
                return f"/map/gas-pipelines?focus={best[1]}", f"燃气管线一张图 · {best[1]}"
            return None
        if code in WATERLOGGING_CATEGORIES:
            box = _grow((lon, lat, lon, lat), FLOOD_CASE_RADIUS_M, lat)
            points = conn.execute(select(MapFeature.code, MapFeature.lon, MapFeature.lat)
                                  .where(MapFeature.layer == "flood_point", _in_bbox(MapFeature, box))).all()
            best = min(((_metres(lon, lat, x, y), c) for c, x, y in points), default=None)
            if best and best[0] <= FLOOD_CASE_RADIUS_M:
                return f"/map/flood-risk?point={best[1]}", f"易涝风险一张图 · {best[1]}"
    return None


# ---------------------------------------------------------------- the seed's reads and writes


def sensors_of_kind(conn, kind: str) -> list[tuple]:
    return conn.execute(select(Sensor.id, Sensor.lon, Sensor.lat, Sensor.region_code)
                        .where(Sensor.kind == kind).order_by(Sensor.id)).all()


def overwrite_readings(conn, rows: list[dict]) -> None:
    """Set readings' values; rows are dicts sid, at, v (an existing reading each)."""
    if rows:
        conn.execute(update(SensorReading).where(SensorReading.sensor_id == bindparam("sid"),
                                                 SensorReading.measured_at == bindparam("at"))
                     .values(value=bindparam("v")).execution_options(synchronize_session=False), rows)


def cases_of_categories(conn, codes) -> list[tuple]:
    """(id, case_no, lon, lat, region_code, address, reported_at, source) of every case in the categories."""
    return conn.execute(select(Case.id, Case.case_no, Case.lon, Case.lat, Case.region_code, Case.address,
                               Case.reported_at, Case.source)
                        .where(Case.category_id.in_(_category_ids(conn, codes))).order_by(Case.id)).all()


