"""Queries of the live monitor (/live): new cases after a cursor and the lamps of open cases.

Lamps come only from `lifecycle.handling_lamp`, the same rule the case page and boards use.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from . import lifecycle
from .cache import memoize
from .clock import utcnow
from .db import get_engine
from .models import Case, CaseStage, Category, Department, Region

FEED_LIMIT = 60  # rows the new-case list keeps
LAMP_ROWS_PER_DEPARTMENT = 6
LAMP_CACHE_SECONDS = 15  # every /live screen asks each 15 s (layouts/live.py LAMP_MS): one answer for all


def _case_columns():
    return (Case.id, Case.case_no, Case.reported_at, Case.source, Case.status, Case.urgency, Case.address,
            Case.lon, Case.lat, Category.name.label("category"), Region.name.label("region"))


def new_cases(url: str, after_id: int | None = None, limit: int = FEED_LIMIT) -> list[dict]:
    """Cases with an id above `after_id` (all new ones, newest first, at most `limit`);
    without a cursor, the newest `limit` cases."""
    q = (select(*_case_columns()).join(Category, Category.id == Case.category_id)
         .join(Region, Region.code == Case.region_code).order_by(Case.id.desc()).limit(limit))
    if after_id is not None:
        q = q.where(Case.id > after_id)
    with get_engine(url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def last_case_id(url: str) -> int:
    with get_engine(url).connect() as conn:
        return conn.execute(select(func.coalesce(func.max(Case.id), 0))).scalar_one()


@memoize(LAMP_CACHE_SECONDS)
def lamp_cases(url: str, now: datetime | None = None, per_department: int = LAMP_ROWS_PER_DEPARTMENT) -> list[dict]:
    """Yellow- and red-lamp cases in 处置, by department, most urgent first; memoized, so the
    screens polling it share one read of the cases in 处置 (1.2 s at 1 M cases, docs/scaling.md).

    Each department: {"department", "yellow", "red", "cases": [{case_no, lamp, deadline_at,
    remaining_minutes, suspended, category, address}]} with at most `per_department` cases.
    """
    now = now or utcnow()
    q = (select(Case.case_no, Case.deadline_at, Case.suspended_at, CaseStage.time_limit_minutes,
                Department.name.label("department"), Category.name.label("category"), Case.address)
         .join(CaseStage, lifecycle.open_handle_row())
         .join(Category, Category.id == Case.category_id)
         .join(Department, Department.id == Case.department_id)
         .where(Case.status.in_(lifecycle.HANDLING_STATUSES), Case.deadline_at.isnot(None)))
    groups: dict[str, dict] = {}
    with get_engine(url).connect() as conn:
        for r in conn.execute(q):
            lamp = lifecycle.handling_lamp(r.deadline_at, r.time_limit_minutes, r.suspended_at, now)
            if lamp == "green":
                continue
            group = groups.setdefault(r.department, {"department": r.department, "yellow": 0, "red": 0, "cases": []})
            group[lamp] += 1
            at = r.suspended_at or now
            group["cases"].append({"case_no": r.case_no, "lamp": lamp, "deadline_at": r.deadline_at,
                                   "remaining_minutes": (r.deadline_at - at).total_seconds() / 60,
                                   "suspended": r.suspended_at is not None, "category": r.category,
                                   "address": r.address})
    result = sorted(groups.values(), key=lambda g: (-g["red"], -g["yellow"], g["department"]))
    for group in result:
        # Yellow ones (about to go overdue) first, soonest deadline first; then the longest overdue.
        group["cases"].sort(key=lambda c: (c["lamp"] != "yellow", c["remaining_minutes"]))
        group["cases"] = group["cases"][:per_department]
    return result
