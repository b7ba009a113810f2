"""Case lists and case pages: the only SQL behind /cases, /case/<case_no> and the CSV export.

Every list starts from `filters.case_conditions`, so it holds exactly the cases a board
counted. Paging is LIMIT/OFFSET over the reported_at index; sorting and column filters only
touch whitelisted columns. Times are naive UTC in the database and shown in UTC+8.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from . import db, gridquery, lifecycle
from .cache import memoize
from .filters import CaseQuery, case_conditions
from .models import Camera, Case, Category, Community, Department, Grid, Region
from .clock import LOCAL_OFFSET
from .vocabulary import CASE_TYPES, SOURCES, URGENCIES

CASE_NO = re.compile(r"[A-Za-z0-9_-]{1,20}")  # anything else is not a case number
MAX_BLOCK = gridquery.MAX_BLOCK
CSV_CHUNK = 2000
EARLIER_LIMIT = 10

# Grid and CSV columns, in display order; labels in Chinese (HEADERS) and English (HEADERS_EN).
HEADERS = {
    "case_no": "案件编号", "reported_at": "上报时间", "region": "镇街", "category": "小类",
    "source": "来源", "status": "状态", "department": "责任部门", "urgency": "紧急程度",
    "address": "地址", "lamp": "灯", "description": "问题描述",
}
HEADERS_EN = {
    "case_no": "Case no.", "reported_at": "Reported", "region": "Town", "category": "Category",
    "source": "Source", "status": "Status", "department": "Department", "urgency": "Urgency",
    "address": "Address", "lamp": "Lamp", "description": "Description",
}
GRID_COLUMNS = ("case_no", "reported_at", "region", "category", "source", "status", "department",
                "urgency", "address", "lamp")
CSV_COLUMNS = ("case_no", "reported_at", "region", "category", "source", "status", "department",
               "urgency", "address", "description")
LAMP_LABELS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
LAMP_LABELS_EN = {"green": "Green", "yellow": "Yellow", "red": "Red"}


def headers(language: str = "zh") -> dict[str, str]:
    return HEADERS if language == "zh" else HEADERS_EN


def lamp_label(lamp: str | None, language: str = "zh") -> str:
    return (LAMP_LABELS if language == "zh" else LAMP_LABELS_EN).get(lamp, "") if lamp else ""

# The only columns a client may sort or filter by; codes and ids sort as stored, not by display name.
SORTABLE = {
    "case_no": Case.case_no, "reported_at": Case.reported_at, "region": Case.region_code,
    "category": Case.category_id, "source": Case.source, "status": Case.status,
    "department": Case.department_id, "urgency": Case.urgency, "address": Case.address,
}
TEXT_FILTERS = {"case_no": Case.case_no, "address": Case.address, "description": Case.description}
CHOICE_FILTERS = {"status": Case.status, "source": Case.source, "region": Case.region_code}
TEXT_OPS = gridquery.TEXT_OPS


def local_text(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return (moment + LOCAL_OFFSET).strftime(fmt) if moment else ""


def mask_phone(phone: str | None) -> str:
    """138****1234: the first three and last four digits."""
    if not phone:
        return ""
    return phone[:3] + "*" * max(len(phone) - 7, 1) + phone[-4:] if len(phone) > 7 else "*" * len(phone)


def mask_name(name: str | None) -> str:
    """王*: the surname only."""
    return name[0] + "*" * max(len(name) - 1, 1) if name else ""


def mask_address(address: str | None) -> str:
    """东门路**号: the road, not the house (every run of digits hidden)."""
    return re.sub(r"\d+", "**", address or "")


@dataclass(frozen=True)
class Disclosure:
    """How much personal data a viewer may see: reporters' names and phones (and the report
    step's actor, who is the reporter), and exact addresses."""

    names: bool = False
    address: bool = True


FULL = Disclosure(names=True, address=True)
MASKED = Disclosure(names=False, address=False)
NAMES_MASKED = Disclosure()  # LOGIN=off: the masking of the time before logins


def valid_case_no(text: str | None) -> bool:
    return bool(text) and CASE_NO.fullmatch(text) is not None


# ---- reference names ----

@dataclass(frozen=True)
class Lookups:
    regions: dict[str, str]  # code -> name
    categories: dict[int, tuple[str, str, str]]  # id -> (code, name, major_code)
    majors: dict[str, str]  # major code -> name
    events: dict[str, str]  # event code -> name
    departments: dict[int, str]  # id -> name


@memoize(timeout=300)
def lookups(database_url: str) -> Lookups:
    with db.get_engine(database_url).connect() as conn:
        regions = dict(conn.execute(select(Region.code, Region.name).order_by(Region.code)).all())
        cats = conn.execute(select(Category.id, Category.code, Category.name, Category.major_code,
                                   Category.major_name, Category.kind)).all()
        departments = dict(conn.execute(select(Department.id, Department.name)).all())
    events = [c for c in cats if c.kind == "event"]
    return Lookups(
        regions=regions,
        categories={c.id: (c.code, c.name, c.major_code) for c in cats},
        majors={c.major_code: c.major_name for c in sorted(events, key=lambda c: c.code)},
        events={c.code: c.name for c in events},
        departments=departments,
    )


# ---- grid requests as plain values ----

def sort_keys(sort_model: list | None) -> tuple[tuple[str, bool], ...]:
    """AG Grid's sortModel as ((column, descending), ...), whitelisted columns only."""
    return gridquery.sort_keys(sort_model, SORTABLE)


def column_filters(filter_model: dict | None) -> tuple:
    """AG Grid's filterModel as ((column, "and"|"or", ((op, value), ...)), ...), known columns only."""
    return gridquery.column_filters(filter_model, TEXT_FILTERS.keys() | CHOICE_FILTERS.keys())


def _choice_labels(column: str, lk: Lookups, language: str = "zh") -> dict[str, str]:
    if column == "status":
        return lifecycle.STATUS_LABELS if language == "zh" else lifecycle.STATUS_LABELS_EN
    if column == "source":
        return {code: zh if language == "zh" else en for code, (zh, en) in SOURCES.items()}
    return lk.regions


def _one_filter(column: str, op: str, value: str, lk: Lookups):
    if column in TEXT_FILTERS:
        return gridquery.text_condition(TEXT_FILTERS[column], op, value)
    # A choice column matches its codes or its labels in either language; a filter names labels.
    return or_(*(gridquery.choice_condition(CHOICE_FILTERS[column], _choice_labels(column, lk, language), op, value)
                 for language in ("zh", "en")))


def _filter_conditions(filters: tuple, lk: Lookups) -> list:
    return gridquery.combine(filters, lambda column, op, value: _one_filter(column, op, value, lk))


def _where(database_url: str, query: CaseQuery, now: datetime, filters: tuple) -> list:
    extra = _filter_conditions(filters, lookups(database_url)) if filters else []
    return case_conditions(query, now) + extra


# ---- the list ----

def count_statement(database_url: str, query: CaseQuery, now: datetime, filters: tuple = ()):
    """The SELECT count(*) behind count_cases (benchmarks/text_search.py explains it)."""
    return select(func.count()).select_from(Case).where(*_where(database_url, query, now, filters))


@memoize(timeout=60)
def count_cases(database_url: str, query: CaseQuery, now: datetime, filters: tuple = ()) -> int:
    """How many cases `query` (and the grid's column filters) select."""
    with db.get_engine(database_url).connect() as conn:
        return conn.execute(count_statement(database_url, query, now, filters)).scalar_one()


def _order_by(sort: tuple):
    keys = sort or (("reported_at", True),)
    last_desc = keys[-1][1]
    return [SORTABLE[c].desc() if desc else SORTABLE[c].asc() for c, desc in keys] + \
        [Case.id.desc() if last_desc else Case.id.asc()]  # a unique tie-break keeps pages disjoint


def _names(row, lk: Lookups, language: str = "zh", show: Disclosure = NAMES_MASKED) -> dict:
    """Display values of one case (an ORM Case or a Core row with the same columns); names of
    places, categories and departments are data and stay as stored, labels follow `language`."""
    pick = 0 if language == "zh" else 1
    name = lk.categories.get(row.category_id, ("", "", ""))[1]
    return {
        "case_no": row.case_no,
        "reported_at": local_text(row.reported_at),
        "region": lk.regions.get(row.region_code, row.region_code),
        "category": name,
        "source": SOURCES.get(row.source, (row.source, row.source))[pick],
        "status": lifecycle.status_label(row.status, language),
        "department": lk.departments.get(row.department_id, "") if row.department_id else "",
        "urgency": URGENCIES.get(row.urgency, (row.urgency, row.urgency))[pick],
        "address": row.address if show.address else mask_address(row.address),
    }


def page_statement(database_url: str, query: CaseQuery, now: datetime, start: int, size: int,
                   sort: tuple = (), filters: tuple = ()):
    """The ORM SELECT of one page of cases with their stages, behind case_page."""
    return (select(Case).options(selectinload(Case.stages)).where(*_where(database_url, query, now, filters))
            .order_by(*_order_by(sort)).offset(start).limit(size))


def case_page(database_url: str, query: CaseQuery, now: datetime, start: int, end: int,
              sort: tuple = (), filters: tuple = (), language: str = "zh", show: Disclosure = NAMES_MASKED) -> list[dict]:
    """Rows [start, end) of the list in display form, with each open case's lamp."""
    start, size = gridquery.block(start, end)
    if size == 0:
        return []
    lk = lookups(database_url)
    stmt = page_statement(database_url, query, now, start, size, sort, filters)
    with Session(db.get_engine(database_url)) as session:
        rows = []
        for case in session.execute(stmt).scalars():
            clock = lifecycle.current_clock(case, now)
            rows.append(_names(case, lk, language, show) | {"lamp": lamp_label(clock.lamp, language) if clock else ""})
        return rows


def csv_chunks(database_url: str, query: CaseQuery, now: datetime, language: str = "zh",
               show: Disclosure = NAMES_MASKED) -> gridquery.CsvStream:
    """The whole list as CSV text chunks: a BOM and header, then rows read with a server-side cursor
    (opened now, so a database that is down raises before anything is sent)."""
    lk = lookups(database_url)
    stmt = (select(Case.case_no, Case.reported_at, Case.region_code, Case.category_id, Case.source,
                   Case.status, Case.department_id, Case.urgency, Case.address, Case.description)
            .where(*case_conditions(query, now)).order_by(*_order_by(())))
    header = gridquery.BOM + gridquery.csv_text([[headers(language)[c] for c in CSV_COLUMNS]])

    def rows_of(part):
        rows = (_names(r, lk, language, show) | {"description": r.description} for r in part)
        return ([row[c] for c in CSV_COLUMNS] for row in rows)

    return gridquery.CsvStream(db.get_engine(database_url), stmt, header, rows_of, CSV_CHUNK)


# ---- one case ----

@dataclass(frozen=True)
class Stage:
    seq: int
    stage: str  # lifecycle step or side path
    label: str
    started_at: datetime
    ended_at: datetime | None
    used_minutes: float  # until the end, or until now while open
    limit_minutes: int | None  # for the seven steps; extension minutes for 延时
    lamp: str | None  # green/yellow/red for the seven steps with a limit
    actor: str | None
    opinion: str | None

    @property
    def side(self) -> bool:
        return self.stage not in lifecycle.STEPS


@dataclass(frozen=True)
class CaseDetail:
    case_no: str
    status: str
    lamp: str | None  # of the open step; None for a finished case
    fields: list[tuple[str, str]]  # (label in the language, display value), personal data masked
    stages: list[Stage]
    photos: list[str]  # media paths
    lon: float
    lat: float
    grid_code: str
    reported_at: datetime
    region_geometry: dict | None
    grid_geometry: dict | None
    values: dict | None = None  # field key -> display value (status, category, region, address...)


def duration_text(minutes: float | None, language: str = "zh") -> str:
    """3天2小时, 2小时15分钟, 40分钟 (3 d 2 h, 2 h 15 min, 40 min); days drop the minutes."""
    from dashboard.i18n import duration  # plain Python, no Dash: the one place durations are worded

    return duration(minutes, language)


# Case page fields: key, Chinese label, English label.
FIELD_LABELS = (
    ("case_no", "案件编号", "Case no."), ("external_id", "外部编号", "External no."),
    ("case_type", "案件类型", "Type"), ("major", "大类", "Major category"), ("category", "小类", "Category"),
    ("source", "来源", "Source"), ("urgency", "紧急程度", "Urgency"), ("status", "状态", "Status"),
    ("region", "镇街", "Town"), ("community", "社区", "Community"), ("grid", "单元网格", "Unit grid"),
    ("address", "地址", "Address"), ("description", "问题描述", "Description"), ("lonlat", "坐标", "Coordinates"),
    ("department", "责任部门", "Department"), ("camera", "视频点位", "Camera"),
    ("reporter", "上报人", "Reporter"), ("phone", "联系电话", "Phone"),
    ("reported_at", "上报时间", "Reported"), ("filed_at", "立案时间", "Filed"),
    ("dispatched_at", "派遣时间", "Dispatched"), ("handled_at", "处置时间", "Handled"),
    ("feedback_at", "反馈时间", "Fed back"), ("verified_at", "核查时间", "Verified"),
    ("closed_at", "结案时间", "Closed"), ("ended_at", "终止时间", "Ended"),
    ("time_limit", "处置时限", "Time limit"), ("deadline_at", "处置截止", "Deadline"),
    ("extension", "延时", "Extension"), ("suspended", "挂账时长", "Suspended for"),
    ("rework_count", "返工次数", "Reworks"), ("updated_at", "更新时间", "Updated"),
)


def _field_values(case: Case, lk: Lookups, community: str, camera: str | None, language: str,
                  show: Disclosure) -> dict[str, str]:
    code, name, major = lk.categories.get(case.category_id, ("", "", ""))
    names = _names(case, lk, language, show)
    none = "无" if language == "zh" else "none"
    return {
        "case_no": case.case_no, "external_id": case.external_id or "",
        "case_type": CASE_TYPES.get(case.case_type, (case.case_type, case.case_type))[0 if language == "zh" else 1],
        "major": lk.majors.get(major, major), "category": f"{name} ({code})",
        "source": names["source"], "urgency": names["urgency"], "status": names["status"],
        "region": names["region"], "community": community, "grid": case.grid_code,
        "address": names["address"], "description": case.description, "lonlat": f"{case.lon:.6f}, {case.lat:.6f}",
        "department": names["department"], "camera": camera or "",
        "reporter": case.reporter_name or "" if show.names else mask_name(case.reporter_name),
        "phone": case.reporter_phone or "" if show.names else mask_phone(case.reporter_phone),
        "reported_at": local_text(case.reported_at), "filed_at": local_text(case.filed_at),
        "dispatched_at": local_text(case.dispatched_at), "handled_at": local_text(case.handled_at),
        "feedback_at": local_text(case.feedback_at), "verified_at": local_text(case.verified_at),
        "closed_at": local_text(case.closed_at), "ended_at": local_text(case.ended_at),
        "time_limit": duration_text(case.time_limit_minutes, language), "deadline_at": local_text(case.deadline_at),
        "extension": duration_text(case.extension_minutes, language) if case.extension_minutes else none,
        "suspended": duration_text(case.suspended_minutes, language) if case.suspended_minutes else none,
        "rework_count": str(case.rework_count or 0), "updated_at": local_text(case.updated_at),
    }


def _fields(values: dict[str, str], language: str) -> list[tuple[str, str]]:
    return [(zh if language == "zh" else en, values[key]) for key, zh, en in FIELD_LABELS]


def _is_reporter(case: Case, row) -> bool:
    """The report step done by the person who reported (not a camera, a system or an inspector)."""
    return row.stage == "report" and bool(row.actor) and row.actor == case.reporter_name


def _stage(case: Case, row, now: datetime, language: str = "zh", show: Disclosure = NAMES_MASKED) -> Stage:
    clock = lifecycle.step_clock(case, row, now)
    timed = row.stage in lifecycle.STEPS and bool(row.time_limit_minutes)
    return Stage(row.seq, row.stage, lifecycle.step_label(row.stage, language), row.started_at,
                 row.ended_at, clock.used_minutes, row.time_limit_minutes, clock.lamp if timed else None,
                 mask_name(row.actor) if _is_reporter(case, row) and not show.names else row.actor, row.opinion)


def _geometry(session: Session, model, code: str) -> dict | None:
    text = session.execute(select(model.geometry).where(model.code == code)).scalar()
    return json.loads(text) if text else None


def case_detail(database_url: str, case_no: str, now: datetime, language: str = "zh",
                show: Disclosure = NAMES_MASKED) -> CaseDetail | None:
    """One case with its stage rows and place, or None when there is no such case."""
    if not valid_case_no(case_no):
        return None
    lk = lookups(database_url)
    with Session(db.get_engine(database_url)) as session:
        case = session.execute(select(Case).options(selectinload(Case.stages))
                               .where(Case.case_no == case_no)).scalar_one_or_none()
        if case is None:
            return None
        community = session.execute(select(Community.name).where(Community.code == case.community_code)).scalar()
        camera = session.execute(select(Camera.name).where(Camera.id == case.camera_id)).scalar() \
            if case.camera_id else None
        clock = lifecycle.current_clock(case, now)
        values = _field_values(case, lk, community or "", camera, language, show)
        return CaseDetail(
            case_no=case.case_no, status=case.status, lamp=clock.lamp if clock else None,
            fields=_fields(values, language), values=values,
            stages=[_stage(case, row, now, language, show) for row in case.stages],
            photos=[p for p in json.loads(case.photos or "[]") if isinstance(p, str)],
            lon=case.lon, lat=case.lat, grid_code=case.grid_code, reported_at=case.reported_at,
            region_geometry=_geometry(session, Region, case.region_code),
            grid_geometry=_geometry(session, Grid, case.grid_code),
        )


def case_exists(database_url: str, case_no: str) -> bool:
    if not valid_case_no(case_no):
        return False
    with db.get_engine(database_url).connect() as conn:
        return conn.execute(select(Case.id).where(Case.case_no == case_no)).first() is not None


def earlier_cases(database_url: str, case_no: str, grid_code: str, before: datetime,
                  limit: int = EARLIER_LIMIT, language: str = "zh") -> list[dict]:
    """Other cases in the same unit grid reported up to `before` (the case's own report), newest first.

    `<=` rather than `<`: SQLite compares timestamps as text, and bulk-loaded rows lack the
    ".000000" a bound parameter has, so `<` would let the case itself through.
    """
    lk = lookups(database_url)
    stmt = (select(Case.case_no, Case.reported_at, Case.region_code, Case.category_id, Case.source,
                   Case.status, Case.department_id, Case.urgency, Case.address)
            .where(Case.grid_code == grid_code, Case.reported_at <= before, Case.case_no != case_no)
            .order_by(Case.reported_at.desc(), Case.id.desc()).limit(limit))
    with db.get_engine(database_url).connect() as conn:
        return [_names(r, lk, language) for r in conn.execute(stmt)]
