"""What a view selects, as plain values, and the same selection as SQL on raw cases.

`Scope` is a board's filter state: local report dates, region, category major, source, city.
A city is a jurisdiction (6-digit code); `region_conditions` is the one place that turns a
scope's region or city into SQL on any region-keyed column. A scope with neither covers every
city (the province board, the API, the CLI); URLs always resolve to one city when the database
has several (dashboard/urlstate.py).
`CaseQuery` adds what a click drills into (a measure such as closed or overdue, a category,
a department, a day, an hour...). Boards count from rollups; `/cases` lists with
`case_conditions`; tests check that both agree.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta

from sqlalchemy import and_, select

from . import lifecycle
from .models import Case, Category, Region
from .clock import LOCAL_OFFSET
from .sqlfuncs import local_hour, local_weekday

# A measure is a set of cases: its condition is the one definition that rollups sum and
# drill-downs list.
MEASURES = {
    "reported": lambda now: Case.id.isnot(None),
    "filed": lambda now: Case.filed_at.isnot(None),
    "rejected": lambda now: Case.status == "rejected",
    "voided": lambda now: Case.status == "voided",
    "dispatched": lambda now: Case.dispatched_at.isnot(None),
    "handled": lambda now: Case.handled_at.isnot(None),
    "handled_on_time": lambda now: and_(Case.handled_at.isnot(None), Case.handled_at <= Case.deadline_at),
    "fed_back": lambda now: Case.feedback_at.isnot(None),
    "verified": lambda now: Case.verified_at.isnot(None),
    "closed": lambda now: Case.status == "closed",
    "closed_on_time": lambda now: and_(Case.status == "closed", Case.handled_at <= Case.deadline_at),
    "reworked": lambda now: Case.rework_count > 0,
    "open": lambda now: Case.status.in_(lifecycle.OPEN_STATUSES),
    "suspended": lambda now: Case.status == "suspended",
    # Live states of open cases, counted from the open-case index rather than rollups.
    "overdue": lambda now: lifecycle.overdue_clause(now),
    "overdue_unclosed": lambda now: lifecycle.overdue_unclosed_clause(now),
    "due_soon": lambda now: lifecycle.due_soon_clause(now),  # 预警: a yellow 处置 lamp
}
LIVE_ONLY = ("overdue", "overdue_unclosed", "due_soon")
STORED_MEASURES = [m for m in MEASURES if m not in LIVE_ONLY]


@dataclass(frozen=True)
class Scope:
    """A board's filters. Dates are local report dates, both ends included."""

    day_from: date
    day_to: date
    region: str | None = None
    major: str | None = None
    source: str | None = None
    city: str | None = None  # 6-digit jurisdiction code; a region, when given, lies inside it


def region_conditions(column, scope: Scope) -> list:
    """The WHERE clauses (none or one) keeping rows of `column`, a region code, inside the
    scope: its region, else its city's regions, else everything."""
    return in_area(column, scope.region, scope.city)


def area_code(scope: Scope) -> str | None:
    """The scope's region, else its city: the area the maps' layers and summaries take."""
    return scope.region or scope.city


def in_area(column, region: str | None, city: str | None) -> list:
    """`region_conditions` for a region and a city given apart (the maps' layers)."""
    if region:
        return [column == region]
    if city:
        return [column.in_(select(Region.code).where(Region.jurisdiction_code == city).scalar_subquery())]
    return []


@dataclass(frozen=True)
class CaseQuery(Scope):
    """A scope narrowed by a drill-down click."""

    measure: str | None = None
    category: str | None = None  # 5-digit event code, or several separated by commas
    department: int | None = None
    case_type: str | None = None  # component or event
    weekday: int | None = None  # local, Monday = 0
    hour: int | None = None  # local hour of day
    status: str | None = None
    community: str | None = None  # 12-digit 社区 code, inside its region

    @classmethod
    def of(cls, scope: Scope, **drill) -> "CaseQuery":
        return cls(**{**{f.name: getattr(scope, f.name) for f in fields(Scope)}, **drill})

    def narrowed(self, **drill) -> "CaseQuery":
        return replace(self, **drill)


def report_bounds(day_from: date, day_to: date) -> tuple[datetime, datetime]:
    """UTC bounds [start, end) of the local report dates, for the reported_at index."""
    start = datetime.combine(day_from, datetime.min.time()) - LOCAL_OFFSET
    end = datetime.combine(day_to + timedelta(days=1), datetime.min.time()) - LOCAL_OFFSET
    return start, end


def case_conditions(query: CaseQuery, now: datetime) -> list:
    """The WHERE clauses on Case that select exactly the cases of `query`."""
    start, end = report_bounds(query.day_from, query.day_to)
    conditions = [Case.reported_at >= start, Case.reported_at < end]
    conditions += region_conditions(Case.region_code, query)
    if query.source:
        conditions.append(Case.source == query.source)
    if query.major or query.category:
        picked = select(Category.id).where(Category.kind == "event")
        if query.major:
            picked = picked.where(Category.major_code == query.major)
        if query.category:
            picked = picked.where(Category.code.in_(query.category.split(",")))  # one code or a list
        conditions.append(Case.category_id.in_(picked.scalar_subquery()))
    if query.measure:
        conditions.append(MEASURES[query.measure](now))
    if query.department is not None:
        conditions.append(Case.department_id == query.department)
    if query.case_type:
        conditions.append(Case.case_type == query.case_type)
    if query.weekday is not None:
        conditions.append(local_weekday(Case.reported_at) == query.weekday)
    if query.hour is not None:
        conditions.append(local_hour(Case.reported_at) == query.hour)
    if query.status:
        conditions.append(Case.status == query.status)
    if query.community:
        # The region prefix lets the (region_code, reported_at) index find a community's cases.
        conditions += [Case.region_code == query.community[:9], Case.community_code == query.community]
    return conditions

