"""Daily and hourly rollups of cases, kept current by every case write.

`case_rollup_daily` holds, per local report day × region × category × department × source,
the count of cases in each stored measure (filters.MEASURES) and duration sums. Boards read
it instead of raw cases. A rollup row is always recomputed from the raw cases of its key
with the same SQL the full rebuild uses, so incremental and full builds can't drift apart.
"""
from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta

from sqlalchemy import case, delete, func, insert, literal, select

from .filters import MEASURES, STORED_MEASURES, report_bounds
from .models import Case, Category, DailyRollup, HourlyRollup
from .clock import LOCAL_OFFSET
from .sqlfuncs import local_date, local_hour, minutes_between

NO_DEPARTMENT = 0  # department_id of cases not yet dispatched
DURATIONS = {
    "file_minutes": (Case.reported_at, Case.filed_at),
    "dispatch_minutes": (Case.reported_at, Case.dispatched_at),
    "handle_minutes": (Case.dispatched_at, Case.handled_at),
}
DAILY_KEYS = ("day", "region_code", "category_id", "department_id", "source")
HOURLY_KEYS = ("day", "hour", "region_code", "major_code", "source")


def _daily_select(*conditions):
    department = func.coalesce(Case.department_id, literal(NO_DEPARTMENT))
    keys = [local_date(Case.reported_at).label("day"), Case.region_code, Case.category_id,
            department.label("department_id"), Case.source]
    counts = [func.sum(case((MEASURES[m](None), 1), else_=0)).label(m) for m in STORED_MEASURES]
    sums = [func.coalesce(func.sum(case((end.isnot(None), minutes_between(start, end)), else_=0.0)), 0.0).label(name)
            for name, (start, end) in DURATIONS.items()]
    return select(*keys, *counts, *sums).where(*conditions).group_by(*keys[:3], department, Case.source)


def _hourly_select(*conditions):
    keys = [local_date(Case.reported_at).label("day"), local_hour(Case.reported_at).label("hour"),
            Case.region_code, Category.major_code, Case.source]
    return (select(*keys, func.count().label("reported")).join(Category, Category.id == Case.category_id)
            .where(*conditions).group_by(*keys))


DAILY_COLUMNS = [*DAILY_KEYS, *STORED_MEASURES, *DURATIONS]
HOURLY_COLUMNS = [*HOURLY_KEYS, "reported"]


def rebuild(conn) -> None:
    """Recompute every rollup row from the raw cases."""
    conn.execute(delete(DailyRollup))
    conn.execute(delete(HourlyRollup))
    conn.execute(insert(DailyRollup).from_select(DAILY_COLUMNS, _daily_select()))
    conn.execute(insert(HourlyRollup).from_select(HOURLY_COLUMNS, _hourly_select()))


def local_day(at: datetime) -> date:
    return (at + LOCAL_OFFSET).date()


def daily_key(case_row) -> tuple:
    return (local_day(case_row.reported_at), case_row.region_code, case_row.category_id,
            case_row.department_id or NO_DEPARTMENT, case_row.source)


def refresh(conn, keys: set[tuple], hourly_of: list | None = None) -> None:
    """Recompute the daily rows of `keys`, and the hourly rows of the cases in `hourly_of`.

    On PostgreSQL each (day, region) is locked for the transaction, so concurrent writers
    recompute a row one after the other and each sees the cases the other committed.
    """
    keys = set(keys)
    if conn.dialect.name == "postgresql":
        for lock in sorted({zlib.crc32(f"{day}{region}".encode()) for day, region, *_ in keys}):
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (lock,))
    for day, region, category_id, department_id, source in sorted(keys, key=str):
        start, end = report_bounds(day, day)
        of_key = [Case.reported_at >= start, Case.reported_at < end, Case.region_code == region,
                  Case.category_id == category_id, Case.source == source,
                  func.coalesce(Case.department_id, literal(NO_DEPARTMENT)) == department_id]
        conn.execute(delete(DailyRollup).where(
            DailyRollup.day == day, DailyRollup.region_code == region, DailyRollup.category_id == category_id,
            DailyRollup.department_id == department_id, DailyRollup.source == source))
        conn.execute(insert(DailyRollup).from_select(DAILY_COLUMNS, _daily_select(*of_key)))
    for case_row in hourly_of or []:
        start = case_row.reported_at.replace(minute=0, second=0, microsecond=0)
        of_hour = [Case.reported_at >= start, Case.reported_at < start + timedelta(hours=1),
                   Case.region_code == case_row.region_code, Case.source == case_row.source]
        day, hour = local_day(start), (start + LOCAL_OFFSET).hour
        conn.execute(delete(HourlyRollup).where(
            HourlyRollup.day == day, HourlyRollup.hour == hour, HourlyRollup.region_code == case_row.region_code,
            HourlyRollup.source == case_row.source))
        conn.execute(insert(HourlyRollup).from_select(HOURLY_COLUMNS, _hourly_select(*of_hour)))


def raw_daily(conn, *conditions):
    """The daily aggregate straight from raw cases (for checks)."""
    return conn.execute(_daily_select(*conditions)).all()
