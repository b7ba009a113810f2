"""市容环卫 (issue 9): the board's queries, the record kinds of the object list, and the map layers.

Vehicles, waste, transfer stations and toilets live in models_sanitation; the 市容 problems are
cases (counted from the rollups like every case figure, listed in /cases). Every function takes
plain values (a database URL, a Scope) so results memoize, and counts the same rows the object
list shows for the same filters (`objects.conditions`).
"""
from __future__ import annotations

import bisect
import json
import math
import re
from datetime import timedelta

import pandas as pd
from sqlalchemy import and_, bindparam, case, func, insert, literal, select, update
from sqlalchemy.orm import Session

from . import geo_layers, objects
from .cache import memoize
from .clock import today as local_today
from .db import get_engine
from .filters import Scope, region_conditions
from .models import Case, Category, DailyRollup, Region
from .models_sanitation import (
    CleaningArea,
    PublicToilet,
    SanitationVehicle,
    SanitationVehicleDay,
    TransferStation,
    TransferStationDay,
    WasteDay,
)

VEHICLE_KINDS = {"sweeper": ("扫路车", "Sweeper"), "washer": ("洗扫车", "Washer"),
                 "compactor": ("压缩式垃圾车", "Compactor"), "kitchen": ("餐厨垃圾车", "Kitchen-waste truck")}
SWEEPING_KINDS = ("sweeper", "washer")  # the mechanised cleaning fleet: 机械化清扫率
VEHICLE_STATUS = {"working": ("作业中", "Working"), "idle": ("在线空闲", "Idle"), "offline": ("离线", "Offline")}
WASTE_CLASSES = {"recyclable": ("可回收物", "Recyclable"), "kitchen": ("厨余垃圾", "Kitchen waste"),
                 "hazardous": ("有害垃圾", "Hazardous"), "other": ("其他垃圾", "Residual")}
STATION_STATUS = {"running": ("运行", "Running"), "maintenance": ("检修", "Maintenance")}
TOILET_STATUS = {"open": ("开放", "Open"), "cleaning": ("保洁中", "Cleaning"), "fault": ("故障", "Fault")}
TOILET_GRADES = {g: (g, g) for g in ("一类", "二类", "三类")}
LOAD_BANDS = {"low": ("< 60 %", "< 60 %"), "normal": ("60–90 %", "60–90 %"), "high": ("90–100 %", "90–100 %"),
              "over": ("> 100 %", "> 100 %")}
# 市容 events of GB/T 47678.5 the board follows: litter, overflowing bins, dirty roads and kin.
PROBLEM_CATEGORIES = ("06010", "06011", "06012", "06014", "06015", "06032", "06033", "06037", "06041", "06042")
TOILET_CATEGORY = "03001"  # 公共厕所 (component)
TOILET_CASE_M = 100  # a 03001 case within this many metres (a square box) is "at" a toilet
M_PER_DEG_LAT = 111_320.0
HARMLESS_TARGET = 1.0  # 无害化处理率 target: 100 %
RECYCLING_TARGET = 0.35  # 回收利用率 target of the 14th five-year plan for cities (35 % by 2025)
CACHE_SECONDS = 15
OFFLINE_AFTER = timedelta(minutes=10)  # a vehicle with no fix for this long is offline


def _deg_box(lat: float) -> tuple[float, float]:
    import math

    return TOILET_CASE_M / (M_PER_DEG_LAT * math.cos(math.radians(lat))), TOILET_CASE_M / M_PER_DEG_LAT


DLON, DLAT = _deg_box(22.9)  # Dongguan's latitude; a box of ±100 m


def toilet_case_condition(toilet=PublicToilet):
    """03001 cases at `toilet`: the 公共厕所 category within TOILET_CASE_M of it."""
    toilet_ids = select(Category.id).where(Category.code == TOILET_CATEGORY).scalar_subquery()
    return and_(Case.category_id.in_(toilet_ids), Case.lon.between(toilet.lon - DLON, toilet.lon + DLON),
                Case.lat.between(toilet.lat - DLAT, toilet.lat + DLAT))


TOILET_CASES = select(func.count()).select_from(Case).where(toilet_case_condition()).correlate(PublicToilet) \
    .scalar_subquery()


def _today_station_tonnes():
    # The day is bound when the query runs (callable_), not when the column is declared at import.
    today = bindparam("san_today", callable_=local_today, type_=TransferStationDay.day.type)
    return (select(TransferStationDay.tonnes).where(TransferStationDay.station_id == TransferStation.id,
                                                    TransferStationDay.day == today)
            .correlate(TransferStation).scalar_subquery())


def load_band(band: str):
    """Station days whose throughput is in a band of the station's capacity."""
    if band not in LOAD_BANDS and band != "busy":
        raise ValueError(f"one of {', '.join(LOAD_BANDS)}, busy")
    cap = _station_field(TransferStation.capacity_t)
    tonnes = TransferStationDay.tonnes
    return {"low": tonnes < 0.6 * cap, "normal": and_(tonnes >= 0.6 * cap, tonnes < 0.9 * cap),
            "high": and_(tonnes >= 0.9 * cap, tonnes <= cap), "over": tonnes > cap, "busy": tonnes >= 0.9 * cap}[band]


def _plate_of(model):
    return select(SanitationVehicle.plate).where(SanitationVehicle.id == model.vehicle_id) \
        .correlate(model).scalar_subquery()


def _vehicle_kind_of(model):
    return select(SanitationVehicle.kind).where(SanitationVehicle.id == model.vehicle_id) \
        .correlate(model).scalar_subquery()


def _station_field(column):
    return select(column).where(TransferStation.id == TransferStationDay.station_id) \
        .correlate(TransferStationDay).scalar_subquery()


# ---------------------------------------------------------------- object kinds

PLATE = re.compile(r"[\w·\-]{1,16}")
STATION_CODE = re.compile(r"[A-Z0-9\-]{1,16}")


def _vehicle_filter(plate: str):
    if not PLATE.fullmatch(plate):
        raise ValueError("a plate such as 粤S·A1234")
    return SanitationVehicleDay.vehicle_id.in_(select(SanitationVehicle.id).where(SanitationVehicle.plate == plate))


def _station_filter(code: str):
    if not STATION_CODE.fullmatch(code):
        raise ValueError("a station code such as ZZ-0001")
    return TransferStationDay.station_id.in_(select(TransferStation.id).where(TransferStation.code == code))


def _vehicle_related(url: str, raw: dict) -> list[objects.Related]:
    with get_engine(url).connect() as conn:
        vid = conn.execute(select(SanitationVehicle.id).where(SanitationVehicle.plate == raw["_key"])).scalar()
        rows = conn.execute(select(SanitationVehicleDay.id, SanitationVehicleDay.day, SanitationVehicleDay.km,
                                   SanitationVehicleDay.plan_km, SanitationVehicleDay.area_m2,
                                   SanitationVehicleDay.work_hours, SanitationVehicleDay.trips,
                                   SanitationVehicleDay.tonnes)
                            .where(SanitationVehicleDay.vehicle_id == vid)
                            .order_by(SanitationVehicleDay.day.desc()).limit(14)).all()
    return [objects.Related(
        "近14天作业", ("日期", "里程 km", "计划 km", "清扫面积 m²", "作业时长 h", "趟次", "吨"),
        [((str(r.day), f"{r.km:.1f}", f"{r.plan_km:.1f}", f"{r.area_m2:,.0f}", f"{r.work_hours:.1f}", str(r.trips),
           f"{r.tonnes:.1f}"), objects.object_href("vehicle_days", r.id)) for r in rows],
        ("全部作业日报", objects.list_href("vehicle_days", range="year", vehicle=raw["_key"])))]


def _station_related(url: str, raw: dict) -> list[objects.Related]:
    with get_engine(url).connect() as conn:
        sid = conn.execute(select(TransferStation.id).where(TransferStation.code == raw["_key"])).scalar()
        rows = conn.execute(select(TransferStationDay.id, TransferStationDay.day, TransferStationDay.tonnes)
                            .where(TransferStationDay.station_id == sid)
                            .order_by(TransferStationDay.day.desc()).limit(14)).all()
    cap = raw["capacity_t"] or 1
    return [objects.Related(
        "近14天转运量", ("日期", "转运量 (吨)", "负荷率"),
        [((str(r.day), f"{r.tonnes:.1f}", f"{100 * r.tonnes / cap:.0f}%"), objects.object_href("station_days", r.id))
         for r in rows], ("全部转运日报", objects.list_href("station_days", range="year", station=raw["_key"])))]


def _toilet_related(url: str, raw: dict) -> list[objects.Related]:
    from .case_list import local_text
    from .lifecycle import STATUS_LABELS

    box = and_(Case.category_id.in_(select(Category.id).where(Category.code == TOILET_CATEGORY)),
               Case.lon.between(raw["_lon"] - DLON, raw["_lon"] + DLON),
               Case.lat.between(raw["_lat"] - DLAT, raw["_lat"] + DLAT))
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(Case.case_no, Case.reported_at, Case.status, Case.description).where(box)
                            .order_by(Case.reported_at.desc()).limit(20)).all()
    return [objects.Related(
        f"公厕案件 (03001, {TOILET_CASE_M} m 内)", ("案件编号", "上报时间", "状态", "描述"),
        [((r.case_no, local_text(r.reported_at), STATUS_LABELS.get(r.status, r.status), r.description or ""),
          f"/case/{r.case_no}") for r in rows])]


V, VD, S, SD, T, W = SanitationVehicle, SanitationVehicleDay, TransferStation, TransferStationDay, PublicToilet, WasteDay
C = objects.Column

objects.register(
    objects.Kind(
        id="vehicles", zh="环卫车辆", en="Sanitation vehicles", model=V, key=V.plate, unit="辆",
        columns=(
            C("plate", "车牌", "Plate", V.plate, flex=1.1),
            C("kind", "车型", "Type", V.kind, labels=VEHICLE_KINDS),
            C("unit", "作业单位", "Unit", V.unit, flex=1.6),
            C("region", "镇街", "Town", V.region_code, labels="regions", flex=0.9),
            C("route", "作业线路", "Route", V.route_name, flex=1.4),
            C("status", "状态", "Status", V.status, labels=VEHICLE_STATUS, flex=0.8),
            C("speed", "速度 km/h", "Speed km/h", V.speed_kmh, digits=0, flex=0.8),
            C("fix_at", "定位时间", "Last fix", V.fix_at, flex=1.1),
            C("plan_km", "计划里程 km", "Plan km", V.plan_km, digits=0, flex=0.9),
            C("plan_area", "计划面积 m²", "Plan area m²", V.plan_area_m2, digits=0, flex=1.0),
        ),
        detail=(C("route_km", "线路长度 m", "Route length m", V.route_length_m, digits=0),
                C("width", "作业宽度 m", "Width m", V.width_m, digits=1),
                C("commissioned", "投用日期", "In service since", V.commissioned),
                C("lon", "经度", "Longitude", V.lon, digits=6), C("lat", "纬度", "Latitude", V.lat, digits=6)),
        region=V.region_code, order=(("plate", False),), position=(V.lon, V.lat),
        filters={"kind": objects.choice(V.kind, VEHICLE_KINDS), "status": objects.choice(V.status, VEHICLE_STATUS),
                 "online": objects.flag(V.status != "offline", V.status == "offline"),
                 "sweeping": objects.flag(V.kind.in_(SWEEPING_KINDS))},
        filter_labels={"kind": "车型", "status": "状态", "online": "在线", "sweeping": "机扫车辆"},
        links=lambda raw: [("作业日报", objects.list_href("vehicle_days", range="30d", vehicle=raw["_key"])),
                           ("市容环卫版面", f"/board/sanitation?region={raw['region']}")],
        related=_vehicle_related,
    ),
    objects.Kind(
        id="vehicle_days", zh="车辆作业日报", en="Vehicle daily totals", model=VD, key=VD.id, unit="条",
        columns=(
            C("day", "日期", "Day", VD.day, flex=0.9),
            C("plate", "车牌", "Plate", _plate_of(VD), flex=1.0),
            C("kind", "车型", "Type", _vehicle_kind_of(VD), labels=VEHICLE_KINDS),
            C("region", "镇街", "Town", VD.region_code, labels="regions", flex=0.9),
            C("km", "里程 km", "km", VD.km, digits=1, flex=0.8),
            C("plan_km", "计划 km", "Plan km", VD.plan_km, digits=1, flex=0.8),
            C("area", "清扫面积 m²", "Area m²", VD.area_m2, digits=0),
            C("plan_area", "计划面积 m²", "Plan area m²", VD.plan_area_m2, digits=0),
            C("hours", "作业时长 h", "Hours", VD.work_hours, digits=1, flex=0.8),
            C("trips", "趟次", "Trips", VD.trips, flex=0.6),
            C("tonnes", "收运量 (吨)", "Tonnes", VD.tonnes, digits=1, flex=0.8),
        ),
        region=VD.region_code, time=VD.day, order=(("day", True),),
        filters={"vehicle": _vehicle_filter,
                 "kind": lambda v: VD.vehicle_id.in_(select(V.id).where(objects.choice(V.kind, VEHICLE_KINDS)(v))),
                 "sweeping": objects.flag(VD.vehicle_id.in_(select(V.id).where(V.kind.in_(SWEEPING_KINDS))))},
        filter_labels={"vehicle": "车牌", "kind": "车型", "sweeping": "机扫车辆"},
        links=lambda raw: [("车辆详情", objects.object_href("vehicles", raw["plate"]))],
    ),
    objects.Kind(
        id="waste_days", zh="垃圾清运日报", en="Waste collected per day", model=W, key=W.id, unit="条",
        columns=(
            C("day", "日期", "Day", W.day),
            C("region", "镇街", "Town", W.region_code, labels="regions"),
            C("waste_class", "类别", "Class", W.waste_class, labels=WASTE_CLASSES),
            C("tonnes", "清运量 (吨)", "Collected t", W.tonnes, digits=1),
            C("recycled", "资源化利用 (吨)", "Recycled t", W.recycled_t, digits=1),
            C("harmless", "无害化处理 (吨)", "Treated t", W.harmless_t, digits=1),
        ),
        region=W.region_code, time=W.day, order=(("day", True),),
        filters={"waste_class": objects.choice(W.waste_class, WASTE_CLASSES)},
        filter_labels={"waste_class": "类别"},
    ),
    objects.Kind(
        id="transfer_stations", zh="垃圾转运站", en="Transfer stations", model=S, key=S.code, unit="座",
        columns=(
            C("code", "编号", "Code", S.code, flex=0.8),
            C("name", "名称", "Name", S.name, flex=1.6),
            C("region", "镇街", "Town", S.region_code, labels="regions"),
            C("capacity", "设计规模 (吨/日)", "Capacity t/day", S.capacity_t, digits=0),
            C("today", "今日转运量 (吨)", "Today t", func.coalesce(_today_station_tonnes(), 0.0), digits=1),
            C("status", "状态", "Status", S.status, labels=STATION_STATUS),
        ),
        detail=(C("lon", "经度", "Longitude", S.lon, digits=6), C("lat", "纬度", "Latitude", S.lat, digits=6)),
        region=S.region_code, order=(("code", False),), position=(S.lon, S.lat),
        filters={"status": objects.choice(S.status, STATION_STATUS)},
        filter_labels={"status": "状态"},
        related=_station_related,
    ),
    objects.Kind(
        id="station_days", zh="转运站日报", en="Transfer station daily throughput", model=SD, key=SD.id, unit="条",
        columns=(
            C("day", "日期", "Day", SD.day),
            C("station", "转运站", "Station", _station_field(S.code)),
            C("name", "名称", "Name", _station_field(S.name), flex=1.6),
            C("region", "镇街", "Town", _station_field(S.region_code), labels="regions"),
            C("tonnes", "转运量 (吨)", "Tonnes", SD.tonnes, digits=1),
            C("capacity", "设计规模 (吨/日)", "Capacity t/day", _station_field(S.capacity_t), digits=0),
        ),
        region=_station_field(S.region_code), time=SD.day, order=(("day", True),),
        filters={"station": _station_filter, "load": load_band},
        filter_labels={"station": "转运站", "load": "负荷"},
        links=lambda raw: [("转运站详情", objects.object_href("transfer_stations", raw["station"]))],
    ),
    objects.Kind(
        id="toilets", zh="公共厕所", en="Public toilets", model=T, key=T.code, unit="座",
        columns=(
            C("code", "编号", "Code", T.code, flex=0.8),
            C("name", "名称", "Name", T.name, flex=1.6),
            C("region", "镇街", "Town", T.region_code, labels="regions"),
            C("grade", "类别", "Grade", T.grade, labels=TOILET_GRADES, flex=0.6),
            C("stalls", "厕位", "Stalls", T.stalls, flex=0.6),
            C("hours", "开放时间", "Hours", T.open_hours),
            C("status", "状态", "Status", T.status, labels=TOILET_STATUS, flex=0.7),
            C("since", "状态开始", "Since", T.status_since),
            C("cases", "公厕案件 (03001)", "03001 cases", TOILET_CASES, flex=1.0),
        ),
        detail=(C("lon", "经度", "Longitude", T.lon, digits=6), C("lat", "纬度", "Latitude", T.lat, digits=6)),
        region=T.region_code, order=(("code", False),), position=(T.lon, T.lat),
        filters={"status": objects.choice(T.status, TOILET_STATUS), "grade": objects.choice(T.grade, TOILET_GRADES),
                 "with_cases": objects.flag(TOILET_CASES > 0)},
        filter_labels={"status": "状态", "grade": "类别", "with_cases": "有03001案件"},
        related=_toilet_related,
    ),
)


# ---------------------------------------------------------------- board queries

@memoize(CACHE_SECONDS)
def vehicle_states(url: str, scope: Scope) -> pd.DataFrame:
    """Vehicles now by kind and status (inventory: the time range does not apply)."""
    q = (select(V.kind, V.status, func.count().label("n")).where(*region_conditions(V.region_code, scope))
         .group_by(V.kind, V.status))
    with get_engine(url).connect() as conn:
        df = pd.DataFrame(conn.execute(q).all(), columns=["kind", "status", "n"])
    grid = pd.MultiIndex.from_product([list(VEHICLE_KINDS), list(VEHICLE_STATUS)], names=["kind", "status"])
    return df.set_index(["kind", "status"])["n"].reindex(grid, fill_value=0).reset_index()


@memoize(CACHE_SECONDS)
def vehicle_work(url: str, scope: Scope) -> dict:
    """km and swept area against plan in the scope's days, by kind and by day, and 机械化清扫率.

    机械化清扫率 = mechanised area (each sweeper's or washer's area, up to its plan) / road area to clean,
    both summed over the days.
    """
    days = (scope.day_to - scope.day_from).days + 1
    where = [VD.day >= scope.day_from, VD.day <= scope.day_to, *region_conditions(VD.region_code, scope)]
    capped = case((VD.area_m2 < VD.plan_area_m2, VD.area_m2), else_=VD.plan_area_m2)
    q = (select(VD.day, V.kind, func.sum(VD.km).label("km"), func.sum(VD.plan_km).label("plan_km"),
                func.sum(VD.area_m2).label("area"), func.sum(VD.plan_area_m2).label("plan_area"),
                func.sum(capped).label("mech_area"), func.sum(VD.tonnes).label("tonnes"),
                func.count().label("vehicle_days"))
         .join(V, V.id == VD.vehicle_id).where(*where).group_by(VD.day, V.kind))  # one pass over the days
    road = select(func.coalesce(func.sum(CleaningArea.road_area_m2), 0.0)).where(
        *region_conditions(CleaningArea.region_code, scope))
    sums = ["km", "plan_km", "area", "plan_area", "mech_area", "tonnes", "vehicle_days"]
    with get_engine(url).connect() as conn:
        table = pd.DataFrame(conn.execute(q).all(), columns=["day", "kind", *sums])
        road_area = float(conn.execute(road).scalar_one())
    kinds = table.groupby("kind", as_index=False)[sums].sum()
    table["sweep_area"] = table["mech_area"].where(table["kind"].isin(SWEEPING_KINDS), 0.0)
    daily = (table.groupby("day", as_index=False)[["km", "plan_km", "sweep_area"]].sum()
             .rename(columns={"sweep_area": "mech_area"}).sort_values("day"))
    kinds = kinds.set_index("kind").reindex(list(VEHICLE_KINDS), fill_value=0).reset_index()
    sweeping = kinds[kinds["kind"].isin(SWEEPING_KINDS)]
    mech = float(sweeping["mech_area"].sum())
    daily["rate"] = daily["mech_area"] / road_area if road_area else float("nan")
    return {"kinds": kinds, "daily": daily, "road_area": road_area, "days": days,
            "mech_rate": mech / (road_area * days) if road_area else None,
            "km": float(kinds["km"].sum()), "plan_km": float(kinds["plan_km"].sum()),
            "area": float(sweeping["area"].sum()), "plan_area": float(sweeping["plan_area"].sum())}


@memoize(CACHE_SECONDS)
def waste(url: str, scope: Scope) -> dict:
    """Tonnes by class, by day and class, by region; 回收利用率 and 无害化处理率."""
    where = [W.day >= scope.day_from, W.day <= scope.day_to, *region_conditions(W.region_code, scope)]
    sums = [func.sum(W.tonnes).label("tonnes"), func.sum(W.recycled_t).label("recycled"),
            func.sum(W.harmless_t).label("harmless")]
    with get_engine(url).connect() as conn:
        by_class = pd.DataFrame(conn.execute(select(W.waste_class, *sums).where(*where).group_by(W.waste_class)).all(),
                                columns=["waste_class", "tonnes", "recycled", "harmless"])
        by_day = pd.DataFrame(conn.execute(select(W.day, W.waste_class, func.sum(W.tonnes)).where(*where)
                                           .group_by(W.day, W.waste_class)).all(),
                              columns=["day", "waste_class", "tonnes"])
        by_region = pd.DataFrame(conn.execute(select(W.region_code, W.waste_class, func.sum(W.tonnes))
                                              .where(*where).group_by(W.region_code, W.waste_class)).all(),
                                 columns=["region_code", "waste_class", "tonnes"])
    by_class = by_class.set_index("waste_class").reindex(list(WASTE_CLASSES), fill_value=0.0).reset_index()
    total = float(by_class["tonnes"].sum())
    days = (scope.day_to - scope.day_from).days + 1
    return {"by_class": by_class, "by_day": by_day, "by_region": by_region, "total": total, "days": days,
            "recycling_rate": float(by_class["recycled"].sum()) / total if total else None,
            "harmless_rate": float(by_class["harmless"].sum()) / total if total else None}


@memoize(CACHE_SECONDS)
def stations(url: str, scope: Scope) -> pd.DataFrame:
    """Each transfer station's capacity and its throughput on the scope's last day (today)."""
    day = scope.day_to
    tonnes = (select(SD.tonnes).where(SD.station_id == S.id, SD.day == day).correlate(S).scalar_subquery())
    q = (select(S.code, S.name, S.region_code, S.capacity_t, S.status, func.coalesce(tonnes, 0.0).label("tonnes"))
         .where(*region_conditions(S.region_code, scope)).order_by(S.code))
    with get_engine(url).connect() as conn:
        df = pd.DataFrame(conn.execute(q).all(), columns=["code", "name", "region_code", "capacity", "status", "tonnes"])
    df["load"] = df["tonnes"] / df["capacity"]
    df["band"] = [station_band(t, c) for t, c in zip(df["tonnes"], df["capacity"])]
    df.attrs["day"] = day
    return df


@memoize(CACHE_SECONDS)
def toilets(url: str, scope: Scope) -> dict:
    """Toilets now by status; 03001 cases in the scope (days, region, source; all of them, and those at a toilet)."""
    from .filters import report_bounds

    start, end = report_bounds(scope.day_from, scope.day_to)
    toilet_ids = select(Category.id).where(Category.code == TOILET_CATEGORY, Category.kind == "event")
    in_scope = [Case.category_id.in_(toilet_ids.scalar_subquery()), Case.reported_at >= start, Case.reported_at < end,
                *region_conditions(Case.region_code, scope)]
    if scope.source:
        in_scope.append(Case.source == scope.source)
    if scope.major and scope.major != TOILET_CATEGORY[:2]:
        in_scope.append(Case.id.is_(None))  # the board shows another major: no 03 cases
    at_toilet = select(Case.id).where(*in_scope).where(
        select(T.id).where(Case.lon.between(T.lon - DLON, T.lon + DLON),
                           Case.lat.between(T.lat - DLAT, T.lat + DLAT)).exists())
    with get_engine(url).connect() as conn:
        states = dict(conn.execute(select(T.status, func.count()).where(*region_conditions(T.region_code, scope))
                                   .group_by(T.status)).all())
        cases = conn.execute(select(func.count()).select_from(Case).where(*in_scope)).scalar_one()
        at = conn.execute(select(func.count()).select_from(at_toilet.subquery())).scalar_one()
        with_cases = conn.execute(select(func.count()).select_from(T).where(
            *region_conditions(T.region_code, scope), TOILET_CASES > 0)).scalar_one()
    return {"states": {s: int(states.get(s, 0)) for s in TOILET_STATUS}, "cases": int(cases), "at_toilets": int(at),
            "with_cases": int(with_cases)}


@memoize(CACHE_SECONDS)
def problems(url: str, scope: Scope) -> pd.DataFrame:
    """The 市容 events by category from the rollups: reported, closed, closed on time, found by video AI."""
    where = [DailyRollup.day >= scope.day_from, DailyRollup.day <= scope.day_to, Category.code.in_(PROBLEM_CATEGORIES),
             Category.kind == "event", *region_conditions(DailyRollup.region_code, scope)]
    if scope.source:
        where.append(DailyRollup.source == scope.source)
    if scope.major:
        where.append(Category.major_code == scope.major)
    video = case((DailyRollup.source == "video_ai", DailyRollup.reported), else_=0)
    q = (select(Category.code, Category.name, func.sum(DailyRollup.reported).label("reported"),
                func.sum(DailyRollup.closed).label("closed"), func.sum(DailyRollup.closed_on_time).label("on_time"),
                func.sum(video).label("video"))
         .join(Category, Category.id == DailyRollup.category_id).where(*where).group_by(Category.code, Category.name))
    with get_engine(url).connect() as conn:
        df = pd.DataFrame(conn.execute(q).all(), columns=["code", "name", "reported", "closed", "on_time", "video"])
        names = dict(conn.execute(select(Category.code, Category.name).where(
            Category.code.in_(PROBLEM_CATEGORIES), Category.kind == "event")).all())
    df = df.set_index("code").reindex(list(PROBLEM_CATEGORIES)).reset_index()
    df["name"] = df["code"].map(names)
    df[["reported", "closed", "on_time", "video"]] = df[["reported", "closed", "on_time", "video"]].fillna(0).astype(int)
    return df


def region_names(url: str) -> dict[str, str]:
    with get_engine(url).connect() as conn:
        return dict(conn.execute(select(Region.code, Region.name)).all())


# ---------------------------------------------------------------- map layers (/api/v1/geo/<layer>)

def _vehicle_layer(conn, bbox, region, at):
    q = (select(V.plate, V.kind, V.status, V.speed_kmh, V.lon, V.lat, V.fix_at, V.route_name, V.unit)
         .where(geo_layers._in_bbox(V, bbox), geo_layers._in_region(V, region)).order_by(V.id))
    return [(geo_layers._point(lon, lat), {"code": p, "cls": s, "kind": k, "label": VEHICLE_KINDS[k][0], "status": s,
                                           "status_label": VEHICLE_STATUS[s][0], "speed": round(sp or 0),
                                           "at": geo_layers._iso(t), "route": r, "unit": u})
            for p, k, s, sp, lon, lat, t, r, u in conn.execute(q)]


def station_band(tonnes: float, capacity: float) -> str:
    """The load band of a day's throughput (the same bounds as `load_band`)."""
    if tonnes > capacity:
        return "over"
    return "high" if tonnes >= 0.9 * capacity else "normal" if tonnes >= 0.6 * capacity else "low"


def _station_layer(conn, bbox, region, at):
    """Stations with their load on the last full day (yesterday; `at` picks another day)."""
    day = (at + timedelta(hours=8)).date() if at else local_today() - timedelta(days=1)
    tonnes = select(SD.tonnes).where(SD.station_id == S.id, SD.day == day).correlate(S).scalar_subquery()
    q = (select(S.code, S.name, S.capacity_t, S.status, func.coalesce(tonnes, 0.0), S.lon, S.lat)
         .where(geo_layers._in_bbox(S, bbox), geo_layers._in_region(S, region)).order_by(S.id))
    return [(geo_layers._point(lon, lat), {"code": c, "cls": station_band(t, cap), "name": n, "capacity": round(cap),
                                           "status": s, "tonnes": round(t, 1), "day": day.isoformat()})
            for c, n, cap, s, t, lon, lat in conn.execute(q)]


def _toilet_layer(conn, bbox, region, at):
    q = (select(T.code, T.name, T.status, T.grade, TOILET_CASES, T.lon, T.lat)
         .where(geo_layers._in_bbox(T, bbox), geo_layers._in_region(T, region)).order_by(T.id))
    return [(geo_layers._point(lon, lat), {"code": c, "cls": s, "name": n, "status": s, "label": TOILET_STATUS[s][0],
                                           "grade": g, "cases": int(k)})
            for c, n, s, g, k, lon, lat in conn.execute(q)]


geo_layers.LAYERS.update({"sanitation-vehicles": _vehicle_layer, "transfer-stations": _station_layer,
                          "public-toilets": _toilet_layer})




# ---------------------------------------------------------------- seed reads

def toilet_case_positions(conn) -> list[tuple[float, float, str]]:
    """(lon, lat, region) of every 03001 case, oldest first: where the seed puts toilets."""
    ids = select(Category.id).where(Category.code == TOILET_CATEGORY).scalar_subquery()
    return [(lon, lat, region) for lon, lat, region in conn.execute(
        select(Case.lon, Case.lat, Case.region_code).where(Case.category_id.in_(ids)).order_by(Case.id))]


# ---------------------------------------------------------------- live (one call per simulator tick)

FIX_SECONDS = 30  # vehicles report a GPS fix every 30 s
MEAN_STINT_S = 1800  # mean time a vehicle stays working or idle before switching
MEAN_ONLINE_S = 20 * 3600
MEAN_OFFLINE_S = 2 * 3600
MEAN_TOILET_S = {"cleaning": 1200, "fault": 3 * 3600}  # how long a cleaning or a fault lasts
CLEANING_EVERY_S = 3 * 3600  # an open toilet is cleaned every 3 hours on average
FAULT_EVERY_S = 10 * 24 * 3600  # and breaks down every 10 days
FAULT_REPORTED = 0.05  # share of new faults an inspector reports as a 03001 case (the rest: fixed on the spot)
SWEPT_SHARE = 0.92  # of a sweeper's km is spent sweeping
_routes: dict[tuple[str, int], tuple[list, list]] = {}  # (database, vehicle id) -> (coords, cumulative m)
_last_tick: dict[str, object] = {}
_means: dict[tuple[str, object], dict] = {}  # (database, day) -> 7-day means for today's increments


def _route(key: str, vid: int, text: str | None):
    if (key, vid) not in _routes and text:
        coords = json.loads(text)["coordinates"]
        cum = [0.0]
        for (x0, y0), (x1, y1) in zip(coords, coords[1:]):
            dx = (x1 - x0) * M_PER_DEG_LAT * math.cos(math.radians(y0))
            cum.append(cum[-1] + math.hypot(dx, (y1 - y0) * M_PER_DEG_LAT))
        _routes[(key, vid)] = (coords, cum)
    return _routes.get((key, vid))


def point_along(coords: list, cum: list, at: float) -> tuple[float, float]:
    total = cum[-1]
    if total <= 0:
        return tuple(coords[0])
    at %= total
    i = max(0, min(bisect.bisect_right(cum, at) - 1, len(coords) - 2))
    span = cum[i + 1] - cum[i]
    f = 0.0 if span <= 0 else (at - cum[i]) / span
    (x0, y0), (x1, y1) = coords[i], coords[i + 1]
    return x0 + f * (x1 - x0), y0 + f * (y1 - y0)


def _ensure_today(conn, today) -> None:
    """Rows for today (zeros) when the simulator runs past midnight."""
    if conn.execute(select(VD.id).where(VD.day == today).limit(1)).first() is None:
        conn.execute(insert(VD).from_select(
            ["vehicle_id", "region_code", "day", "km", "plan_km", "area_m2", "plan_area_m2", "work_hours", "trips",
             "tonnes"],
            select(V.id, V.region_code, literal(today), literal(0.0), V.plan_km, literal(0.0), V.plan_area_m2,
                   literal(0.0), literal(0), literal(0.0))))
    if conn.execute(select(W.id).where(W.day == today).limit(1)).first() is None:
        rows = [{"day": today, "region_code": r, "waste_class": c, "tonnes": 0.0, "recycled_t": 0.0, "harmless_t": 0.0}
                for r in conn.execute(select(CleaningArea.region_code)).scalars() for c in WASTE_CLASSES]
        if rows:
            conn.execute(insert(W), rows)
    if conn.execute(select(SD.id).where(SD.day == today).limit(1)).first() is None:
        conn.execute(insert(SD).from_select(["day", "station_id", "tonnes"],
                                            select(literal(today), S.id, literal(0.0))))


def _week_means(conn, key: str, today) -> dict:
    """Mean daily tonnes over the seven days before today: what today's rows grow by."""
    if (key, today) not in _means:
        week = [W.day >= today - timedelta(days=7), W.day < today]
        waste_rows = conn.execute(select(W.region_code, W.waste_class, func.avg(W.tonnes), func.sum(W.recycled_t),
                                         func.sum(W.harmless_t), func.sum(W.tonnes)).where(*week)
                                  .group_by(W.region_code, W.waste_class)).all()
        station_rows = conn.execute(select(SD.station_id, func.avg(SD.tonnes))
                                    .where(SD.day >= today - timedelta(days=7), SD.day < today)
                                    .group_by(SD.station_id)).all()
        _means.clear()
        _means[(key, today)] = {
            "waste": [(r, c, float(avg or 0), float(rec or 0) / float(tot) if tot else 0.0,
                       float(harm or 0) / float(tot) if tot else 1.0) for r, c, avg, rec, harm, tot in waste_rows],
            "stations": [(sid, float(avg or 0)) for sid, avg in station_rows]}
    return _means[(key, today)]


def live_tick(conn, rng, now, force: bool = False) -> int:
    """Move the fleet, grow today's totals and change toilets' states; returns the vehicles that moved.

    Runs at most every FIX_SECONDS per database (the GPS interval) unless `force`; each vehicle
    online gets a new fix, working ones advance along their route at their speed. Given a Session
    (the simulator's), some new toilet faults are also reported as 03001 cases through submit_case.
    """
    session = conn if isinstance(conn, Session) else None  # a Session can also report toilet faults as cases
    conn = session.connection() if session is not None else conn
    key = str(conn.engine.url)
    last = _last_tick.get(key)
    if not force and last is not None and (now - last).total_seconds() < FIX_SECONDS:
        return 0
    elapsed = min(max((now - last).total_seconds(), 1.0), 600.0) if last is not None else FIX_SECONDS
    _last_tick[key] = now
    today = (now + timedelta(hours=8)).date()
    _ensure_today(conn, today)
    cached = {vid for (k, vid) in _routes if k == key}
    rows = conn.execute(select(V.id, V.kind, V.status, V.speed_kmh, V.route_m, V.width_m, V.lon, V.lat)).all()
    missing = [r.id for r in rows if r.id not in cached]
    if missing:
        for vid, text in conn.execute(select(V.id, V.route).where(V.id.in_(missing))):
            _route(key, vid, text)
    moves, work = [], []
    p_switch = 1 - math.exp(-elapsed / MEAN_STINT_S)
    moved = 0
    for r in rows:
        status, speed, at, lon, lat = r.status, r.speed_kmh, r.route_m, r.lon, r.lat
        roll = rng.random()
        if status == "offline":
            if roll < 1 - math.exp(-elapsed / MEAN_OFFLINE_S):
                status = "idle"
            else:
                continue
        elif roll < 1 - math.exp(-elapsed / MEAN_ONLINE_S):
            moves.append({"b_id": r.id, "b_status": "offline", "b_speed": 0.0, "b_m": at, "b_lon": lon, "b_lat": lat,
                          "b_fix": now - timedelta(seconds=elapsed)})
            continue
        elif rng.random() < p_switch:
            status = "idle" if status == "working" else "working"
        if status == "working":
            lo, hi = {"sweeper": (5, 10), "washer": (8, 15)}.get(r.kind, (15, 35))
            speed = float(rng.uniform(lo, hi)) if not speed else min(max(speed + rng.normal(0, 1.5), lo), hi)
            metres = speed * elapsed / 3.6
            route = _routes.get((key, r.id))
            if route:
                at = (at + metres) % max(route[1][-1], 1.0)
                lon, lat = point_along(route[0], route[1], at)
            area = metres * r.width_m * SWEPT_SHARE if r.kind in SWEEPING_KINDS else 0.0
            work.append({"b_id": r.id, "b_km": metres / 1000, "b_area": area, "b_hours": elapsed / 3600})
            moved += 1
        else:
            speed = 0.0
        moves.append({"b_id": r.id, "b_status": status, "b_speed": round(speed, 1), "b_m": round(at, 1),
                      "b_lon": round(lon, 6), "b_lat": round(lat, 6), "b_fix": now.replace(microsecond=0)})
    vt = V.__table__
    if moves:
        conn.execute(update(vt).where(vt.c.id == bindparam("b_id")).values(
            status=bindparam("b_status"), speed_kmh=bindparam("b_speed"), route_m=bindparam("b_m"),
            lon=bindparam("b_lon"), lat=bindparam("b_lat"), fix_at=bindparam("b_fix")), moves)
    dt = VD.__table__
    if work:
        conn.execute(update(dt).where(dt.c.vehicle_id == bindparam("b_id"), dt.c.day == today).values(
            km=dt.c.km + bindparam("b_km"), area_m2=dt.c.area_m2 + bindparam("b_area"),
            work_hours=dt.c.work_hours + bindparam("b_hours")), work)
    _grow_today(conn, key, today, elapsed)
    _toilet_states(conn, rng, now, elapsed, session)
    return moved


def _grow_today(conn, key: str, today, elapsed: float) -> None:
    means = _week_means(conn, key, today)
    share = elapsed / 86400
    wt, st = W.__table__, SD.__table__
    waste_rows = [{"b_r": r, "b_c": c, "b_t": avg * share, "b_rec": avg * share * rec, "b_h": avg * share * harm}
                  for r, c, avg, rec, harm in means["waste"]]
    if waste_rows:
        conn.execute(update(wt).where(wt.c.day == today, wt.c.region_code == bindparam("b_r"),
                                      wt.c.waste_class == bindparam("b_c")).values(
            tonnes=wt.c.tonnes + bindparam("b_t"), recycled_t=wt.c.recycled_t + bindparam("b_rec"),
            harmless_t=wt.c.harmless_t + bindparam("b_h")), waste_rows)
    station_rows = [{"b_s": sid, "b_t": avg * share} for sid, avg in means["stations"] if avg > 0]
    if station_rows:
        conn.execute(update(st).where(st.c.day == today, st.c.station_id == bindparam("b_s")).values(
            tonnes=st.c.tonnes + bindparam("b_t")), station_rows)


def _toilet_states(conn, rng, now, elapsed: float, session=None) -> None:
    """Toilets change state; some faults are reported as 03001 cases at the toilet (the case write path)."""
    rows = conn.execute(select(T.id, T.status, T.name, T.lon, T.lat)).all()
    changes, faults = [], []
    p_clean, p_fault = 1 - math.exp(-elapsed / CLEANING_EVERY_S), 1 - math.exp(-elapsed / FAULT_EVERY_S)
    for tid, status, name, lon, lat in rows:
        roll = rng.random()
        if status == "open":
            new = "fault" if roll < p_fault else "cleaning" if roll < p_fault + p_clean else None
        else:
            new = "open" if roll < 1 - math.exp(-elapsed / MEAN_TOILET_S.get(status, 3600)) else None
        if new is None:
            continue
        changes.append({"b_id": tid, "b_status": new, "b_since": now.replace(microsecond=0)})
        if new == "fault" and session is not None and rng.random() < FAULT_REPORTED:
            faults.append((name, lon, lat))
    tt = T.__table__
    if changes:
        conn.execute(update(tt).where(tt.c.id == bindparam("b_id")).values(
            status=bindparam("b_status"), status_since=bindparam("b_since")), changes)
    if faults:
        from .cases import NewCase, submit_case

        for name, lon, lat in faults:
            submit_case(session, NewCase(category_code=TOILET_CATEGORY, source="inspector", lon=lon, lat=lat,
                                         reported_at=now.replace(microsecond=0),
                                         description=f"公共厕所故障：{name}", address=name),
                        actor="环卫巡查员", now=now.replace(microsecond=0))
