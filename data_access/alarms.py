"""The duty officers' alarm feed and its acknowledgements.

Alarms are derived from the data, each with a stable key so an acknowledgement sticks:
  gas:<sensor>:<local day>     a gas sensor read over GAS_ALARM_LEL in the window (that day)
  water:<sensor>:<local day>   a water-level sensor read over WATER_ALARM_CM (severe waterlogging)

A sensor alarm stays in the feed after the reading falls back, like a video alarm after its
case moves on, so a duty officer can still see and acknowledge it: its time is the first
reading over the limit that day, its detail the highest.
  video:<case_no>              a new case found by video AI (source video_ai) in the window
  overdue:<case_no>:<deadline> a case in 处置 whose lamp is yellow with under OVERDUE_SOON left
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from . import lifecycle
from .clock import utcnow
from .db import get_engine
from .models import AlarmAck, Case, CaseStage, Category, Region, Sensor, SensorReading
from .clock import LOCAL_OFFSET

GAS_ALARM_LEL = 20.0  # %LEL: the usual first alarm level of combustible-gas detectors
WATER_ALARM_CM = 25.0  # cm of standing water: severe waterlogging
WINDOW = timedelta(hours=24)
OVERDUE_SOON = timedelta(minutes=30)
LIMIT = 60
# (zh, en): the English names are as short as the Chinese, to fit the feed's kind column.
KINDS = {"gas": ("燃气报警", "Gas alarm"), "water": ("严重积水", "Flooding"),
         "video": ("视频AI告警", "Video AI"), "overdue": ("即将超期", "Due soon")}


class AckError(ValueError):
    """Why an acknowledgement was refused; `message(language)` says it in one language."""

    def __init__(self, zh: str, en: str):
        super().__init__(zh)
        self.zh, self.en = zh, en

    def message(self, language: str = "zh") -> str:
        return self.zh if language == "zh" else self.en


def _local_day(at: datetime) -> str:
    return f"{at + LOCAL_OFFSET:%Y%m%d}"


def current_alarms(url: str, now: datetime | None = None, limit: int = LIMIT) -> list[dict]:
    """Alarms of the last WINDOW, newest first, each with acked_by / acked_at (None if open).

    {key, kind, at, title, detail, case_no, severity ("red"/"yellow"), acked_by, acked_at}
    """
    now = now or utcnow()
    since = now - WINDOW
    alarms: list[dict] = []
    with get_engine(url).connect() as conn:
        over = conn.execute(
            select(Sensor.code, Sensor.kind, Sensor.name, Sensor.unit, Sensor.region_code, SensorReading.measured_at,
                   SensorReading.value)
            .join(SensorReading, SensorReading.sensor_id == Sensor.id)
            .where(SensorReading.measured_at >= since, SensorReading.measured_at <= now,
                   or_(and_(Sensor.kind == "gas", SensorReading.value > GAS_ALARM_LEL),
                       and_(Sensor.kind == "water_level", SensorReading.value > WATER_ALARM_CM)))
            .order_by(SensorReading.measured_at))
        by_key: dict[str, dict] = {}
        for s in over:
            limit_value, kind = (GAS_ALARM_LEL, "gas") if s.kind == "gas" else (WATER_ALARM_CM, "water")
            key = f"{kind}:{s.code}:{_local_day(s.measured_at)}"
            alarm = by_key.setdefault(key, {"key": key, "kind": kind, "at": s.measured_at, "title": s.name,
                                            "peak": s.value, "case_no": None, "region_code": s.region_code,
                                            "severity": "red"})
            alarm["peak"] = max(alarm["peak"], s.value)
            alarm["detail"] = f"{alarm['peak']:g} {s.unit} > {limit_value:g} {s.unit}"
        alarms.extend(by_key.values())
        videos = conn.execute(
            select(Case.case_no, Case.reported_at, Case.address, Case.status, Category.name.label("category"),
                   Region.name.label("region"))
            .join(Category, Category.id == Case.category_id).join(Region, Region.code == Case.region_code)
            .where(Case.source == "video_ai", Case.reported_at >= since)
            .order_by(Case.reported_at.desc()).limit(limit))
        for c in videos:
            alarms.append({"key": f"video:{c.case_no}", "kind": "video", "at": c.reported_at,
                           "title": c.category, "detail": f"{c.region} {c.address}".strip(),
                           "case_no": c.case_no, "severity": "yellow", "status": c.status})
        soon = conn.execute(
            select(Case.case_no, Case.deadline_at, Case.suspended_at, CaseStage.time_limit_minutes,
                   Category.name.label("category"), Case.address)
            .join(CaseStage, lifecycle.open_handle_row())
            .join(Category, Category.id == Case.category_id)
            .where(Case.status == "dispatched", Case.deadline_at > now, Case.deadline_at <= now + OVERDUE_SOON))
        for c in soon:
            if lifecycle.handling_lamp(c.deadline_at, c.time_limit_minutes, c.suspended_at, now) != "yellow":
                continue
            alarms.append({"key": f"overdue:{c.case_no}:{c.deadline_at:%Y%m%d%H%M}", "kind": "overdue",
                           "at": c.deadline_at - OVERDUE_SOON, "deadline_at": c.deadline_at, "title": c.category,
                           "detail": c.address, "case_no": c.case_no, "severity": "yellow"})
        alarms.sort(key=lambda a: (a["at"], a["key"]), reverse=True)
        alarms = alarms[:limit]
        acks = {}
        if alarms:
            acks = {r.alarm_key: r for r in conn.execute(
                select(AlarmAck).where(AlarmAck.alarm_key.in_([a["key"] for a in alarms])))}
    for alarm in alarms:
        ack = acks.get(alarm["key"])
        alarm["acked_by"] = ack.acked_by if ack else None
        alarm["acked_at"] = ack.acked_at if ack else None
    return alarms


def acknowledge(url: str, key: str, user: str, now: datetime | None = None) -> tuple[str, datetime]:
    """Store who acknowledged alarm `key` and when; the first acknowledgement wins.
    Returns the stored (user, time)."""
    user = (user or "").strip()
    if not user:
        raise AckError("请先填写值班员姓名", "Enter the duty officer's name first")
    if len(user) > 64 or not key or len(key) > 96 or key.split(":")[0] not in KINDS:
        raise AckError("确认请求无效", f"Bad acknowledgement: {key!r} by {user!r}")
    engine = get_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(AlarmAck.__table__.insert().values(alarm_key=key, acked_by=user, acked_at=now or utcnow()))
    except IntegrityError:
        pass  # someone else was first
    with engine.connect() as conn:
        row = conn.execute(select(AlarmAck.acked_by, AlarmAck.acked_at).where(AlarmAck.alarm_key == key)).one()
    return row.acked_by, row.acked_at
