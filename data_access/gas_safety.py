"""燃气安全 board data: the gas map's network, stations, sensors, hazards and alarms (its tables and
queries, data_access.geo_layers), gas users, the annual 入户安检, LPG cylinders and gas cases;
and the object kinds the board's figures drill into.

Alarms and hazards are `gas_events` rows of the gas map; `gas_alarm_handling` adds when each
alarm was handled. A gas event's region is its pipe's region.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import and_, bindparam, case, func, insert, select, update

from . import geo_layers
from .boards import counts as case_counts
from .boards import names as board_names
from .cache import memoize
from .db import get_engine
from .filters import Scope, area_code, region_conditions, report_bounds
from .models import GasEvent, GasPipeline, MapFeature, Sensor
from .models_gas import GasAlarmHandling, GasUser, GasUserInspection, LpgCylinder
from .reference import newest_readings
from .sqlfuncs import local_date, minutes_between

USER_KINDS = {"household": ("居民用户", "Household"), "commercial": ("商业用户", "Commercial"),
              "industrial": ("工业用户", "Industrial")}
SUPPLY = {"pipeline": ("管道燃气", "Piped gas"), "lpg": ("瓶装液化气", "Bottled LPG")}
RESULTS = {"passed": ("合格", "Passed"), "defect": ("存在隐患", "Defect found"), "absent": ("到访不遇", "Nobody home")}
CYLINDER_STATUS = {"station": ("站内", "At station"), "transit": ("配送中", "In transit"), "user": ("在用户", "At user"),
                   "scrapped": ("已报废", "Scrapped")}
LEVELS = {1: ("一级报警", "Level 1"), 2: ("二级报警", "Level 2"), 3: ("三级报警", "Level 3")}
EVENT_KINDS = {"alarm": ("报警", "Alarm"), "hazard": ("隐患", "Hazard"), "inspection": ("巡检", "Inspection")}
EVENT_STATUS = {"open": ("待处置", "Open"), "rectifying": ("整改中", "Rectifying"), "closed": ("已处置", "Closed"),
                "normal": ("正常", "Normal"), "abnormal": ("异常", "Abnormal")}
HAZARD_STATUS = {"open": ("待整改", "Found"), "rectifying": ("整改中", "Rectifying"), "closed": ("已整改", "Rectified")}
PRESSURES_EN = {"high": "High", "sub_high": "Sub-high", "medium": "Medium", "low": "Low"}
PRESSURES = {k: (v, PRESSURES_EN.get(k, v)) for k, v in geo_layers.PRESSURES.items()}
# The gas map's categories and their kin: 输油(气)井盖 and 输油(气)标志.
CASE_CATEGORIES = (*geo_layers.GAS_CATEGORIES, "01021", "01036")
SEARCH_RADII_M = (1_000, 4_000, 16_000, 64_000)  # boxes the nearest pipe is looked for in
CACHE_SECONDS = 20


def _pipe_region(scope: Scope) -> list:
    return region_conditions(GasPipeline.region_code, scope)


def _between(column, scope: Scope) -> list:
    start, end = report_bounds(scope.day_from, scope.day_to)
    return [column >= start, column < end]


def event_region():
    """A gas event's region (its pipe's), as a correlated subquery for the object list."""
    return select(GasPipeline.region_code).where(GasPipeline.id == GasEvent.pipeline_id).scalar_subquery()


# ---------------------------------------------------------------- network


@memoize(CACHE_SECONDS)
def network(url: str, scope: Scope) -> dict:
    """Pipeline km by pressure, age (the gas map's summary) and material; stations and sensors."""
    summary = geo_layers.gas_summary(url, area_code(scope), scope.day_to.year)
    with get_engine(url).connect() as conn:
        where = _pipe_region(scope)
        material = conn.execute(select(GasPipeline.material, func.sum(GasPipeline.length_m))
                                .where(*where).group_by(GasPipeline.material)).all()
        pressure = dict(conn.execute(select(GasPipeline.pressure, func.count()).where(*where)
                                     .group_by(GasPipeline.pressure)).all())
        region = region_conditions(MapFeature.region_code, scope)
        stations = dict(conn.execute(select(MapFeature.kind, func.count())
                                     .where(MapFeature.layer.in_(("gas_station", "gas_valve")), *region)
                                     .group_by(MapFeature.kind)).all())
        sensors = conn.execute(select(func.count()).select_from(Sensor).where(
            Sensor.kind == "gas", *region_conditions(Sensor.region_code, scope))).scalar_one()
    return {"summary": summary, "pipes_by_pressure": {k: int(pressure.get(k, 0)) for k in geo_layers.PRESSURES},
            "km_by_material": sorted(((m, round((v or 0) / 1000, 1)) for m, v in material), key=lambda x: -x[1]),
            "stations": {k: int(stations.get(k, 0)) for k in geo_layers.FACILITY_KINDS}, "sensors": int(sensors)}


def _nearest_pipe(conn, lon: float, lat: float) -> str | None:
    """The pipe closest to a point: searched in growing boxes, so a sensor far out still finds one."""
    for radius in SEARCH_RADII_M:
        box = geo_layers._grow((lon, lat, lon, lat), radius, lat)
        rows = conn.execute(select(GasPipeline.code, GasPipeline.geometry)
                            .where(geo_layers._in_bbox(GasPipeline, box))).all()
        best = min(((geo_layers._to_segment_m(lon, lat, json.loads(g)["coordinates"]), c) for c, g in rows),
                   default=None)
        if best is not None and best[0] <= radius:
            return best[1]
    return None


@memoize(CACHE_SECONDS)
def sensors(url: str, scope: Scope) -> pd.DataFrame:
    """Each gas sensor's newest reading, its alarm level and the pipe nearest to it (its place on the map)."""
    newest = newest_readings()
    q = (select(Sensor.code, Sensor.name, Sensor.region_code, Sensor.lon, Sensor.lat, Sensor.status,
                newest.c.value, newest.c.measured_at)
         .outerjoin(newest, newest.c.sensor_id == Sensor.id)
         .where(Sensor.kind == "gas", *region_conditions(Sensor.region_code, scope))
         .order_by(Sensor.code))
    with get_engine(url).connect() as conn:
        rows = conn.execute(q).all()
        df = pd.DataFrame(rows, columns=["code", "name", "region_code", "lon", "lat", "status", "value", "measured_at"])
        df["pipe"] = [_nearest_pipe_cached(url, r.lon, r.lat) for r in rows]
    df["level"] = [None if pd.isna(v) else geo_layers.gas_level(v) for v in df["value"]]
    return df.sort_values(["value", "code"], ascending=[False, True], na_position="last").reset_index(drop=True)


@memoize(3600)
def _nearest_pipe_cached(url: str, lon: float, lat: float) -> str | None:
    with get_engine(url).connect() as conn:
        return _nearest_pipe(conn, lon, lat)


@memoize(CACHE_SECONDS)
def stations(url: str, scope: Scope) -> pd.DataFrame:
    """门站 and 调压站 with the nearest pipe (for a click onto the map)."""
    q = (select(MapFeature.code, MapFeature.name, MapFeature.kind, MapFeature.lon, MapFeature.lat)
         .where(MapFeature.layer == "gas_station", *region_conditions(MapFeature.region_code, scope))
         .order_by(MapFeature.kind, MapFeature.code))
    with get_engine(url).connect() as conn:
        df = pd.DataFrame(conn.execute(q).all(), columns=["code", "name", "kind", "lon", "lat"])
    df["pipe"] = [_nearest_pipe_cached(url, lon, lat) for lon, lat in zip(df["lon"], df["lat"])]
    return df


# ---------------------------------------------------------------- alarms and hazards


@memoize(CACHE_SECONDS)
def alarms(url: str, scope: Scope) -> dict:
    """Alarms raised in the range: per local day and level, open now, and minutes to handle by level."""
    where = [GasEvent.kind == "alarm", *_between(GasEvent.occurred_at, scope), *_pipe_region(scope)]
    day = local_date(GasEvent.occurred_at)
    with get_engine(url).connect() as conn:
        daily = pd.DataFrame(conn.execute(
            select(day.label("day"), GasEvent.level, func.count()).join(GasPipeline, GasPipeline.id == GasEvent.pipeline_id)
            .where(*where).group_by(day, GasEvent.level)).all(), columns=["day", "level", "alarms"])
        by_level = conn.execute(
            select(GasEvent.level, func.count(), func.sum(case((GasEvent.status == "open", 1), else_=0)),
                   func.count(GasAlarmHandling.event_id),
                   func.avg(minutes_between(GasEvent.occurred_at, GasAlarmHandling.handled_at)))
            .join(GasPipeline, GasPipeline.id == GasEvent.pipeline_id)
            .outerjoin(GasAlarmHandling, GasAlarmHandling.event_id == GasEvent.id)
            .where(*where).group_by(GasEvent.level)).all()
    levels = {lv: {"alarms": 0, "open": 0, "handled": 0, "minutes": None} for lv in LEVELS}
    for level, n, open_, handled, minutes in by_level:
        levels[int(level)] = {"alarms": int(n), "open": int(open_ or 0), "handled": int(handled),
                              "minutes": float(minutes) if minutes is not None else None}
    daily["day"] = pd.to_datetime(daily["day"]).dt.date
    grid = pd.MultiIndex.from_product([pd.date_range(scope.day_from, scope.day_to).date, list(LEVELS)],
                                      names=["day", "level"])
    daily = daily.groupby(["day", "level"])["alarms"].sum().reindex(grid, fill_value=0).reset_index()
    total = sum(v["alarms"] for v in levels.values())
    handled = sum(v["handled"] for v in levels.values())
    weighted = sum(v["minutes"] * v["handled"] for v in levels.values() if v["minutes"] is not None)
    return {"daily": daily, "levels": levels, "total": total, "open": sum(v["open"] for v in levels.values()),
            "minutes": weighted / handled if handled else None}


@memoize(CACHE_SECONDS)
def hazards(url: str, scope: Scope) -> dict:
    """Hazards found in the range by status, and the oldest still open (with their pipes)."""
    where = [GasEvent.kind == "hazard", *_between(GasEvent.occurred_at, scope), *_pipe_region(scope)]
    with get_engine(url).connect() as conn:
        status = dict(conn.execute(select(GasEvent.status, func.count())
                                   .join(GasPipeline, GasPipeline.id == GasEvent.pipeline_id)
                                   .where(*where).group_by(GasEvent.status)).all())
        open_rows = conn.execute(
            select(GasEvent.id, GasPipeline.code, GasEvent.note, GasEvent.status, GasEvent.occurred_at)
            .join(GasPipeline, GasPipeline.id == GasEvent.pipeline_id)
            .where(*where, GasEvent.status != "closed").order_by(GasEvent.occurred_at, GasEvent.id).limit(12)).all()
    return {"by_status": {k: int(status.get(k, 0)) for k in HAZARD_STATUS},
            "open": [{"id": i, "pipe": c, "note": n, "status": s, "at": t} for i, c, n, s, t in open_rows]}


# ---------------------------------------------------------------- users, 入户安检, cylinders


@memoize(CACHE_SECONDS)
def users(url: str, scope: Scope) -> pd.DataFrame:
    """Users by region, kind and supply, opened by the range's last day."""
    q = (select(GasUser.region_code, GasUser.kind, GasUser.supply, func.count().label("users"))
         .where(GasUser.opened_on <= scope.day_to, *region_conditions(GasUser.region_code, scope))
         .group_by(GasUser.region_code, GasUser.kind, GasUser.supply))
    with get_engine(url).connect() as conn:
        return pd.DataFrame(conn.execute(q).all(), columns=["region_code", "kind", "supply", "users"])


def year_start(day: date) -> date:
    return day.replace(month=1, day=1)


def inspected_by(day: date):
    """Condition on GasUser: visited (not 到访不遇) at least once from 1 January of `day`'s year to `day`."""
    start, end = report_bounds(year_start(day), day)
    visited = (select(GasUserInspection.user_id)
               .where(GasUserInspection.inspected_at >= start, GasUserInspection.inspected_at < end,
                      GasUserInspection.result != "absent"))
    return GasUser.id.in_(visited)


@memoize(CACHE_SECONDS)
def inspections(url: str, scope: Scope) -> dict:
    """The annual 入户安检 as of the range's last day, and the visits inside the range."""
    day_to = scope.day_to
    region = region_conditions(GasUser.region_code, scope)
    iregion = region_conditions(GasUserInspection.region_code, scope)
    _start, end = report_bounds(year_start(day_to), day_to)
    with get_engine(url).connect() as conn:
        total = conn.execute(select(func.count()).select_from(GasUser)
                             .where(GasUser.opened_on <= day_to, *region)).scalar_one()
        covered = conn.execute(select(func.count()).select_from(GasUser)
                               .where(GasUser.opened_on <= day_to, inspected_by(day_to), *region)).scalar_one()
        visits = conn.execute(
            select(func.count(), func.sum(case((GasUserInspection.result == "defect", 1), else_=0)),
                   func.sum(case((and_(GasUserInspection.result == "defect", GasUserInspection.fixed_at.isnot(None)), 1),
                                 else_=0)),
                   func.sum(case((GasUserInspection.result == "absent", 1), else_=0)))
            .where(*_between(GasUserInspection.inspected_at, scope), *iregion)).one()
        month = func.substr(func.cast(local_date(GasUserInspection.inspected_at), _text_type()), 1, 7)
        monthly = conn.execute(select(month, func.count()).where(
            GasUserInspection.inspected_at >= report_bounds(year_start(day_to) - timedelta(days=365), day_to)[0],
            GasUserInspection.inspected_at < end, GasUserInspection.result != "absent", *iregion)
            .group_by(month)).all()
    days_in_year = (date(day_to.year, 12, 31) - date(day_to.year, 1, 1)).days + 1
    elapsed = (day_to - year_start(day_to)).days + 1
    return {"year": day_to.year, "users": int(total), "covered": int(covered),
            "coverage": covered / total if total else None, "pro_rata": elapsed / days_in_year,
            "visits": int(visits[0] or 0), "defects": int(visits[1] or 0), "fixed": int(visits[2] or 0),
            "absent": int(visits[3] or 0), "monthly": sorted((str(m), int(n)) for m, n in monthly)}


def _text_type():
    from sqlalchemy import String

    return String(10)


@memoize(CACHE_SECONDS)
def cylinders(url: str, scope: Scope) -> dict:
    """Tracked LPG cylinders by status, and those past their periodic test date (not scrapped)."""
    region = region_conditions(LpgCylinder.region_code, scope)
    today = scope.day_to
    with get_engine(url).connect() as conn:
        status = dict(conn.execute(select(LpgCylinder.status, func.count()).where(*region)
                                   .group_by(LpgCylinder.status)).all())
        overdue = conn.execute(select(func.count()).select_from(LpgCylinder)
                               .where(overdue_test(today), *region)).scalar_one()
    return {"by_status": {k: int(status.get(k, 0)) for k in CYLINDER_STATUS}, "overdue": int(overdue),
            "total": int(sum(status.values())), "as_of": today}


def overdue_test(day: date):
    return and_(LpgCylinder.next_test_on < day, LpgCylinder.status != "scrapped")


# ---------------------------------------------------------------- cases


@memoize(CACHE_SECONDS)
def case_table(url: str, scope: Scope) -> pd.DataFrame:
    """Gas-related cases by category, counted from the rollups like every board."""
    df = case_counts(url, scope, ("category_id",))
    categories = board_names(url)["categories"]
    df["code"] = df["category_id"].map(lambda c: categories[c][0])
    df["name"] = df["category_id"].map(lambda c: categories[c][1])
    return df[df["code"].isin(CASE_CATEGORIES)].sort_values("code").reset_index(drop=True)


def kpis(url: str, scope: Scope) -> dict:
    return {"network": network(url, scope), "alarms": alarms(url, scope), "hazards": hazards(url, scope),
            "inspections": inspections(url, scope), "cylinders": cylinders(url, scope),
            "users": int(users(url, scope)["users"].sum())}


# ---------------------------------------------------------------- the seed's and simulator's reads and writes


def alarm_events(conn) -> list[tuple]:
    """(id, occurred_at, level, status) of every gas alarm."""
    return conn.execute(select(GasEvent.id, GasEvent.occurred_at, GasEvent.level, GasEvent.status)
                        .where(GasEvent.kind == "alarm").order_by(GasEvent.id)).all()


def open_alarms(session) -> list[tuple]:
    return session.execute(select(GasEvent.id, GasEvent.level, GasEvent.occurred_at)
                           .where(GasEvent.kind == "alarm", GasEvent.status == "open")).all()


def close_alarms(session, rows: list[dict]) -> None:
    """rows: dicts id, at, handler."""
    if not rows:
        return
    conn = session.connection()
    conn.execute(update(GasEvent.__table__).where(GasEvent.__table__.c.id == bindparam("i"))
                 .values(status="closed"), [{"i": r["id"]} for r in rows])
    conn.execute(insert(GasAlarmHandling), [{"event_id": r["id"], "handled_at": r["at"], "handler": r["handler"]}
                                            for r in rows])


def raise_alarm(session, at: datetime, level: int, note: str) -> int | None:
    """A new alarm at the middle of a random pipe; returns its id."""
    pipe = session.execute(select(GasPipeline.id, GasPipeline.geometry).order_by(func.random()).limit(1)).first()
    if pipe is None:
        return None
    coords = json.loads(pipe.geometry)["coordinates"]
    lon, lat = coords[len(coords) // 2]
    next_id = (session.execute(select(func.max(GasEvent.id))).scalar() or 0) + 1
    session.connection().execute(insert(GasEvent), [{
        "id": next_id, "pipeline_id": pipe.id, "kind": "alarm", "occurred_at": at, "level": level, "status": "open",
        "note": note, "lon": lon, "lat": lat}])
    return next_id


def users_due(session, day: date, limit: int) -> list[tuple]:
    """(id, region_code) of up to `limit` random users not yet visited this year."""
    start, _ = report_bounds(year_start(day), day)
    visited = select(GasUserInspection.user_id).where(GasUserInspection.inspected_at >= start,
                                                      GasUserInspection.result != "absent")
    return session.execute(select(GasUser.id, GasUser.region_code).where(GasUser.id.not_in(visited))
                           .order_by(func.random()).limit(limit)).all()


def add_inspections(session, rows: list[dict]) -> None:
    if rows:
        next_id = (session.execute(select(func.max(GasUserInspection.id))).scalar() or 0) + 1
        for n, row in enumerate(rows):
            row["id"] = next_id + n
            row["code"] = f"AJ{next_id + n:08d}"
        session.connection().execute(insert(GasUserInspection), rows)


def unfixed_defects(session, limit: int = 200) -> list[int]:
    return list(session.execute(select(GasUserInspection.id).where(GasUserInspection.result == "defect",
                                                                   GasUserInspection.fixed_at.is_(None))
                                .order_by(GasUserInspection.inspected_at).limit(limit)).scalars())


def fix_defects(session, ids: list[int], at: datetime) -> None:
    if ids:
        session.connection().execute(update(GasUserInspection.__table__)
                                     .where(GasUserInspection.__table__.c.id.in_(ids)).values(fixed_at=at))


# ---------------------------------------------------------------- object kinds


def _register_kinds():
    from . import objects

    o = objects
    o.register(
        o.Kind(
            id="gas_users", zh="燃气用户", en="Gas users", model=GasUser, key=GasUser.code,
            columns=(
                o.Column("code", "用户编号", "User no.", GasUser.code),
                o.Column("kind", "用户类型", "Kind", GasUser.kind, labels=USER_KINDS),
                o.Column("supply", "供气方式", "Supply", GasUser.supply, labels=SUPPLY),
                o.Column("region", "镇街", "Town", GasUser.region_code, labels="regions"),
                o.Column("address", "地址", "Address", GasUser.address, flex=2),
                o.Column("opened_on", "开户日期", "Opened", GasUser.opened_on),
            ),
            region=GasUser.region_code,
            filters={"type": o.choice(GasUser.kind, USER_KINDS), "supply": o.choice(GasUser.supply, SUPPLY),
                     "opened_by": lambda v: GasUser.opened_on <= _date(v),
                     "inspected_by": lambda v: inspected_by(_date(v)),
                     "not_inspected_by": lambda v: ~inspected_by(_date(v))},
            filter_labels={"type": "用户类型", "supply": "供气方式", "opened_by": "开户不晚于",
                           "inspected_by": "本年已安检（截至）", "not_inspected_by": "本年未安检（截至）"},
            order=(("code", False),), position=(GasUser.lon, GasUser.lat), unit="户",
        ),
        o.Kind(
            id="gas_inspections", zh="入户安检", en="Household safety inspections", model=GasUserInspection,
            key=GasUserInspection.code,
            columns=(
                o.Column("code", "安检单号", "No.", GasUserInspection.code),
                o.Column("inspected_at", "安检时间", "Inspected", GasUserInspection.inspected_at),
                o.Column("user", "用户编号", "User", select(GasUser.code).where(
                    GasUser.id == GasUserInspection.user_id).scalar_subquery(), sortable=False),
                o.Column("region", "镇街", "Town", GasUserInspection.region_code, labels="regions"),
                o.Column("result", "结果", "Result", GasUserInspection.result, labels=RESULTS),
                o.Column("defects", "隐患数", "Defects", GasUserInspection.defects),
                o.Column("defect", "隐患内容", "Defect", GasUserInspection.defect, flex=1.5),
                o.Column("fixed_at", "整改时间", "Fixed", GasUserInspection.fixed_at),
                o.Column("inspector", "安检员", "Inspector", GasUserInspection.inspector),
            ),
            region=GasUserInspection.region_code, time=GasUserInspection.inspected_at,
            filters={"result": o.choice(GasUserInspection.result, RESULTS),
                     "fixed": o.flag(GasUserInspection.fixed_at.isnot(None), GasUserInspection.fixed_at.is_(None))},
            filter_labels={"result": "结果", "fixed": "已整改"},
            order=(("inspected_at", True),), unit="次",
            links=lambda raw: [(f"燃气用户 {raw['user']}", f"/object/gas_users/{raw['user']}")] if raw.get("user") else [],
        ),
        o.Kind(
            id="lpg_cylinders", zh="液化气钢瓶", en="LPG cylinders", model=LpgCylinder, key=LpgCylinder.code,
            columns=(
                o.Column("code", "钢瓶码", "Cylinder", LpgCylinder.code),
                o.Column("size_kg", "规格", "Size", LpgCylinder.size_kg, unit="kg"),
                o.Column("status", "状态", "Status", LpgCylinder.status, labels=CYLINDER_STATUS),
                o.Column("region", "镇街", "Town", LpgCylinder.region_code, labels="regions"),
                o.Column("station", "供应站", "Station", LpgCylinder.station, flex=1.5),
                o.Column("filled_at", "最近充装", "Filled", LpgCylinder.filled_at),
                o.Column("next_test_on", "下次检验", "Next test", LpgCylinder.next_test_on),
            ),
            region=LpgCylinder.region_code,
            filters={"status": o.choice(LpgCylinder.status, CYLINDER_STATUS),
                     "overdue": lambda v: overdue_test(_date(v))},
            filter_labels={"status": "状态", "overdue": "检验逾期（截至）"},
            order=(("code", False),), unit="只",
        ),
        o.Kind(
            id="gas_events", zh="燃气报警与隐患", en="Gas alarms and hazards", model=GasEvent, key=GasEvent.id,
            columns=(
                o.Column("id", "编号", "No.", GasEvent.id),
                o.Column("kind", "类型", "Kind", GasEvent.kind, labels=EVENT_KINDS),
                o.Column("occurred_at", "发生时间", "At", GasEvent.occurred_at),
                o.Column("level", "报警级别", "Level", GasEvent.level, labels={str(k): v for k, v in LEVELS.items()}),
                o.Column("status", "状态", "Status", GasEvent.status, labels=EVENT_STATUS),
                o.Column("pipe", "管段", "Pipe", select(GasPipeline.code).where(
                    GasPipeline.id == GasEvent.pipeline_id).scalar_subquery(), sortable=False),
                o.Column("region", "镇街", "Town", event_region(), labels="regions", sortable=False),
                o.Column("handled_at", "处置时间", "Handled", select(GasAlarmHandling.handled_at).where(
                    GasAlarmHandling.event_id == GasEvent.id).scalar_subquery(), sortable=False),
                o.Column("note", "情况", "Note", GasEvent.note, flex=1.5),
            ),
            region=event_region(), time=GasEvent.occurred_at,
            filters={"event": o.choice(GasEvent.kind, EVENT_KINDS), "status": o.choice(GasEvent.status, EVENT_STATUS),
                     "level": lambda v: GasEvent.level == _level(v)},
            filter_labels={"event": "类型", "status": "状态", "level": "报警级别"},
            order=(("occurred_at", True),), position=(GasEvent.lon, GasEvent.lat), unit="条",
            links=lambda raw: [("在燃气管线一张图上查看", f"/map/gas-pipelines?focus={raw['pipe']}")] if raw.get("pipe") else [],
        ),
        o.Kind(
            id="gas_pipelines", zh="燃气管段", en="Gas pipe segments", model=GasPipeline, key=GasPipeline.code,
            columns=(
                o.Column("code", "管段编号", "Code", GasPipeline.code),
                o.Column("pressure", "压力级制", "Pressure", GasPipeline.pressure, labels=PRESSURES),
                o.Column("material", "管材", "Material", GasPipeline.material),
                o.Column("diameter_mm", "管径", "DN", GasPipeline.diameter_mm, unit="mm"),
                o.Column("laid_year", "敷设年份", "Laid", GasPipeline.laid_year),
                o.Column("length_m", "长度", "Length", GasPipeline.length_m, digits=0, unit="m"),
                o.Column("region", "镇街", "Town", GasPipeline.region_code, labels="regions"),
            ),
            region=GasPipeline.region_code,
            filters={"pressure": o.choice(GasPipeline.pressure, geo_layers.PRESSURES),
                     "material": lambda v: GasPipeline.material == _short(v)},
            filter_labels={"pressure": "压力级制", "material": "管材"},
            order=(("code", False),), unit="段",
            links=lambda raw: [("在燃气管线一张图上查看", f"/map/gas-pipelines?focus={raw['code']}")],
        ),
    )


def _year(value: str) -> int:
    if not value.isdigit() or not 1990 <= int(value) <= 2100:
        raise ValueError("a year such as 2026")
    return int(value)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("a date YYYY-MM-DD") from None


def _level(value: str) -> int:
    if value not in ("1", "2", "3"):
        raise ValueError("1, 2 or 3")
    return int(value)


def _short(value: str) -> str:
    if not 0 < len(value) <= 16:
        raise ValueError("1 to 16 characters")
    return value


_register_kinds()
