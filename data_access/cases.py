"""Writing cases: create one from a report and move it through the closed loop.

The live simulator and the ingest API both write through here, so every new case gets its
place (grid → community → region) from its point, a case number, its time limit and its
stage rows from `lifecycle.apply`.
"""
from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np
import shapely
from sqlalchemy import func, select, update
from sqlalchemy.exc import NoResultFound
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from . import lifecycle, rollups
from .models import Camera, Case, CaseNoCounter, Category, Department, Grid, Meta
from .clock import LOCAL_OFFSET, utcnow
from .vocabulary import SOURCES, URGENCIES

FUTURE_SKEW = timedelta(minutes=10)  # clocks of senders may run this much ahead of ours


class CaseInputError(ValueError):
    """Input that can't become a case; `errors` maps each field to its problem."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class NewCase:
    category_code: str  # a 5-digit event (事项) code
    source: str
    lon: float
    lat: float
    reported_at: datetime  # naive UTC
    description: str
    address: str = ""
    urgency: str = "normal"
    reporter_name: str | None = None
    reporter_phone: str | None = None
    photos: list[str] = field(default_factory=list)
    camera_id: int | None = None
    external_id: str | None = None


class CaseNotFound(LookupError):
    """No case has the given case number."""


YEARS = (2000, 2100)  # timestamps outside these years are input errors
MAX_ID = 2**31 - 1
MAX_PHOTOS, MAX_PHOTO_REF = 20, 200
MAX_QUOTE = 60  # characters of a bad value quoted back in an error
CATEGORY_CODE = re.compile(r"\d{5}")
CASE_NO = re.compile(r"[A-Za-z0-9_-]{1,20}")


def quote(value) -> str:
    """repr() of a bad value for an error message, cut to MAX_QUOTE characters."""
    text = repr(value)
    return text if len(text) <= MAX_QUOTE else f"{text[:MAX_QUOTE]}… ({len(text)} characters)"


def parse_time(value, name: str, errors: dict) -> datetime | None:
    """An ISO 8601 timestamp as naive UTC; one without an offset is read as China local time."""
    if not isinstance(value, str) or not value.strip():
        errors[name] = "required: an ISO 8601 timestamp such as 2026-05-01T08:00:00+08:00"
        return None
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if not YEARS[0] <= at.year <= YEARS[1]:
            raise ValueError
        return at - LOCAL_OFFSET if at.tzinfo is None else at.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        errors[name] = f"not an ISO 8601 timestamp between {YEARS[0]} and {YEARS[1]}: {quote(value)}"
        return None


def _bounded_int(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _text(payload: dict, name: str, errors: dict, limit: int, required: bool = False) -> str | None:
    value = payload.get(name)
    if value is None or value == "":
        if required:
            errors[name] = "required"
        return None
    if not isinstance(value, str):
        errors[name] = "must be a string"
        return None
    if len(value) > limit:
        errors[name] = f"longer than {limit} characters"
        return None
    if "\x00" in value:
        errors[name] = "must not contain NUL characters"
        return None
    return value


def parse_new_case(payload) -> NewCase:
    """A NewCase from an ingest API JSON body; CaseInputError lists every bad field.

    This checks shapes only; `create_case` checks the values against the database.
    """
    if not isinstance(payload, dict):
        raise CaseInputError({"body": "must be a JSON object"})
    errors: dict[str, str] = {}
    coords = {}
    for name in ("lon", "lat"):
        value = payload.get(name)
        limit = 180 if name == "lon" else 90
        try:
            number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        except OverflowError:
            number = None
        if number is None or not math.isfinite(number) or abs(number) > limit:
            errors[name] = f"required: a number of WGS-84 degrees within ±{limit}"
        else:
            coords[name] = number
    reported_at = parse_time(payload.get("reported_at"), "reported_at", errors)
    category = payload.get("category_code")
    if not isinstance(category, str) or not CATEGORY_CODE.fullmatch(category):
        errors["category_code"] = "required: a 5-digit GB/T 47678.5 event code"
    photos = payload.get("photos") or []
    if (not isinstance(photos, list) or len(photos) > MAX_PHOTOS
            or not all(isinstance(p, str) and 0 < len(p) <= MAX_PHOTO_REF and ".." not in p
                       and "\x00" not in p and not p.startswith("/") and ":" not in p for p in photos)):
        errors["photos"] = f"must be a list of at most {MAX_PHOTOS} relative media paths (no '..', '/' or ':' prefix)"
    camera_id = payload.get("camera_id")
    if camera_id is not None and not _bounded_int(camera_id, 1, MAX_ID):
        errors["camera_id"] = "must be a camera id (a positive integer)"
    fields_ = {
        "source": _text(payload, "source", errors, 16, required=True),
        "description": _text(payload, "description", errors, 2000, required=True),
        "address": _text(payload, "address", errors, 200) or "",
        "urgency": _text(payload, "urgency", errors, 8) or "normal",
        "reporter_name": _text(payload, "reporter_name", errors, 32),
        "reporter_phone": _text(payload, "reporter_phone", errors, 20),
        "external_id": _text(payload, "external_id", errors, 64),
    }
    if errors:
        raise CaseInputError(errors)
    return NewCase(category_code=category, lon=coords["lon"], lat=coords["lat"], reported_at=reported_at,
                   photos=photos, camera_id=camera_id, **fields_)


class GridIndex:
    """Point → unit grid lookup over all grid polygons (an STR-tree, built once per process)."""

    def __init__(self, rows):
        self.codes = [r.code for r in rows]
        self.community = [r.community_code for r in rows]
        self.region = [r.region_code for r in rows]
        self.tree = shapely.STRtree([shapely.from_geojson(r.geometry) for r in rows])

    def locate(self, lon: float, lat: float) -> tuple[str, str, str] | None:
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        i = int(np.min(hits))
        return self.codes[i], self.community[i], self.region[i]


GRIDS_VERSION = "grids_version"  # app_meta key that changes whenever the grids do (region import)
_grid_indexes: dict[str, tuple[str | None, GridIndex]] = {}
_grid_lock = threading.Lock()


def grid_index(session: Session) -> GridIndex:
    """The grid index of the session's database, built once per process and again when the grids
    version changes, on the session's own connection (a second connection per request could
    starve the pool under concurrent posts)."""
    url = session.get_bind().url.render_as_string(hide_password=False)
    version = session.execute(select(Meta.value).where(Meta.key == GRIDS_VERSION)).scalar()

    def current():
        cached = _grid_indexes.get(url)
        return cached[1] if cached is not None and cached[0] == version else None

    if current() is None:
        with _grid_lock:
            if current() is None:
                rows = session.execute(select(Grid.code, Grid.community_code, Grid.region_code, Grid.geometry)).all()
                _grid_indexes[url] = (version, GridIndex(rows))
    return current()


def grids_changed(session: Session) -> None:
    """Mark the grids changed, so every process rebuilds its grid index on its next lookup."""
    import uuid

    row = session.get(Meta, GRIDS_VERSION)
    if row is None:
        session.add(Meta(key=GRIDS_VERSION, value=uuid.uuid4().hex))
    else:
        row.value = uuid.uuid4().hex


def next_case_no(session: Session, reported_at: datetime) -> str:
    """DG + local date + a 6-digit sequence within the day.

    The sequence comes from the day's row in case_no_counters, incremented with an upsert:
    the row stays locked until the transaction ends, so concurrent writers never share a
    number. It never goes below the highest number already stored (e.g. by the seed).
    """
    prefix = f"DG{(reported_at + LOCAL_OFFSET):%Y%m%d}"
    last = session.execute(select(func.max(Case.case_no))
                           .where(Case.case_no.between(prefix + "000000", prefix + "999999"))).scalar()
    floor = (int(last[len(prefix):]) if last else 0) + 1
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    greatest = func.greatest if dialect == "postgresql" else func.max
    stmt = insert(CaseNoCounter).values(prefix=prefix, last=floor)
    stmt = stmt.on_conflict_do_update(
        index_elements=[CaseNoCounter.prefix],
        set_={"last": greatest(CaseNoCounter.last + 1, stmt.excluded.last)},
    ).returning(CaseNoCounter.last)
    seq = session.execute(stmt).scalar_one()
    return f"{prefix}{seq:06d}"


def responsible_department(session: Session, category: Category, region_code: str) -> int:
    """The category's professional department, else the 镇街 where the case lies."""
    if category.default_department_id is not None:
        return category.default_department_id
    return session.execute(
        select(Department.id).where(Department.kind == "town", Department.region_code == region_code)
    ).scalar_one()


def dispatch_choices(engine, case_no: str) -> list[tuple[int, str]]:
    """Departments a case can be dispatched to, (id, name): the responsible one first (the
    catalogue's department, else the case's 镇街), then the professional ones, then the towns."""
    with Session(engine) as session:
        case = session.execute(select(Case.category_id, Case.region_code).where(Case.case_no == case_no)).one_or_none()
        if case is None:
            return []
        try:
            default = responsible_department(session, session.get(Category, case.category_id), case.region_code)
        except NoResultFound:  # no department answers for this place: the officer chooses
            default = None
        rows = session.execute(select(Department.id, Department.name)
                               .order_by(Department.id != default, Department.kind != "professional", Department.id)).all()
    return [(row.id, row.name) for row in rows]


def create_case(session: Session, new: NewCase, actor: str | None = None, now: datetime | None = None,
                place: tuple[str, str, str] | None = None) -> Case:
    """Insert a reported case (status 待立案). Raises CaseInputError listing every bad field.

    `place` (grid, community, region) is where the case lies when the caller has placed it
    (the bulk import's region rule); without it the case's point decides."""
    errors: dict[str, str] = {}
    category = session.execute(
        select(Category).where(Category.kind == "event", Category.code == new.category_code)
    ).scalar_one_or_none()
    if category is None:
        errors["category_code"] = f"unknown event category {new.category_code!r}"
    place = place or grid_index(session).locate(new.lon, new.lat)
    if place is None:
        errors["location"] = f"({new.lon}, {new.lat}) is outside the jurisdiction"
    if new.source not in SOURCES:
        errors["source"] = f"unknown source {quote(new.source)}; known: {', '.join(SOURCES)}"
    if new.urgency not in URGENCIES:
        errors["urgency"] = f"unknown urgency {quote(new.urgency)}; known: {', '.join(URGENCIES)}"
    if new.reported_at > (now or utcnow()) + FUTURE_SKEW:
        errors["reported_at"] = f"{new.reported_at:%Y-%m-%d %H:%M:%S} UTC is in the future"
    if new.camera_id is not None and session.get(Camera, new.camera_id) is None:
        errors["camera_id"] = f"unknown camera {new.camera_id}"
    if errors:
        raise CaseInputError(errors)
    grid, community, region = place
    case = Case(
        case_no=next_case_no(session, new.reported_at), external_id=new.external_id,
        case_type="component" if category.major_code <= "05" else "event", category_id=category.id,
        source=new.source, urgency=new.urgency, description=new.description, address=new.address,
        lon=new.lon, lat=new.lat, grid_code=grid, community_code=community, region_code=region,
        status=None, time_limit_minutes=category.time_limit_minutes, reporter_name=new.reporter_name,
        reporter_phone=new.reporter_phone, photos=json.dumps(new.photos) if new.photos else None,
        camera_id=new.camera_id,
    )
    lifecycle.apply(case, "report", new.reported_at, actor or new.reporter_name)
    session.add(case)
    session.flush()
    rollups.refresh(session.connection(), {rollups.daily_key(case)}, hourly_of=[case])
    return case


def submit_case(session: Session, new: NewCase, actor: str | None = None,
                now: datetime | None = None, place: tuple[str, str, str] | None = None) -> tuple[Case, bool]:
    """The one write path for a new report (ingest API and simulator): validate and insert.

    Idempotent by `external_id`: a case already stored under it is returned with False.
    A concurrent insert of the same external id fails on its unique constraint; the caller
    retries its transaction and then finds the stored case.
    """
    if new.external_id:
        existing = session.execute(select(Case).where(Case.external_id == new.external_id)).scalar_one_or_none()
        if existing is not None:
            return existing, False
    return create_case(session, new, actor, now=now, place=place), True


def lock_case(session: Session, case_no: str) -> Case:
    """The case `case_no` with its stages, read under a lock on its row held until the transaction
    ends, so concurrent transitions of one case run one after another and each sees the last.

    PostgreSQL locks the row (SELECT ... FOR UPDATE). On SQLite a no-op UPDATE comes first: it
    opens the transaction and takes the database's write lock, so every read after it is current.
    """
    if not isinstance(case_no, str) or not CASE_NO.fullmatch(case_no):
        raise CaseNotFound(case_no)
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Case).where(Case.case_no == case_no).values(case_no=Case.case_no)
                        .execution_options(synchronize_session=False))
    case = session.execute(select(Case).where(Case.case_no == case_no).with_for_update(of=Case)
                           .options(selectinload(Case.stages))
                           .execution_options(populate_existing=True)).scalar_one_or_none()
    if case is None:
        raise CaseNotFound(case_no)
    return case


def apply_action(session: Session, case_no: str, payload, now: datetime | None = None) -> Case:
    """Validate an ingest API transition body and apply it to the case `case_no`.

    Raises CaseNotFound, CaseInputError (bad fields) or lifecycle.TransitionError (an illegal
    step, also the loser of a race: it runs after the winner and finds the case moved on).
    """
    if not isinstance(payload, dict):
        raise CaseInputError({"body": "must be a JSON object"})
    case = lock_case(session, case_no)
    errors: dict[str, str] = {}
    action = payload.get("action")
    if not isinstance(action, str) or action not in lifecycle.TRANSITIONS or action == "report":
        errors["action"] = f"unknown action {quote(action)}; known: {', '.join(a for a in lifecycle.ACTIONS if a != 'report')}"
    at = parse_time(payload.get("at"), "at", errors) if payload.get("at") is not None else (now or utcnow())
    if at is not None and at > (now or utcnow()) + FUTURE_SKEW:
        errors["at"] = f"{at:%Y-%m-%d %H:%M:%S} UTC is in the future"
    department_id = payload.get("department_id")
    if department_id is not None and (not _bounded_int(department_id, 1, MAX_ID)
                                      or session.get(Department, department_id) is None):
        errors["department_id"] = f"unknown department {quote(department_id)}"
    minutes = payload.get("minutes")
    if minutes is not None and not _bounded_int(minutes, 1, 366 * 24 * 60):
        errors["minutes"] = "must be a whole number of minutes from 1 to one year"
    actor = _text(payload, "actor", errors, 64)
    opinion = _text(payload, "opinion", errors, 2000)
    if errors:
        raise CaseInputError(errors)
    kwargs = {"department_id": department_id} if action == "dispatch" else {}
    if action == "extend":
        kwargs["minutes"] = minutes
    return transition(session, case, action, max(at, case.updated_at) if payload.get("at") is None else at,
                      actor, opinion, **kwargs)


def transition(session: Session, case: Case, action: str, at: datetime, actor: str | None = None,
               opinion: str | None = None, **kwargs) -> Case:
    """Apply one action; dispatch defaults to the responsible department."""
    if action == "dispatch" and kwargs.get("department_id") is None:
        category = session.get(Category, case.category_id)
        kwargs["department_id"] = responsible_department(session, category, case.region_code)
    before = rollups.daily_key(case)
    lifecycle.apply(case, action, at, actor, opinion, **kwargs)
    session.flush()
    rollups.refresh(session.connection(), {before, rollups.daily_key(case)})
    return case


def open_cases(session: Session) -> list[Case]:
    """Every case still in the loop, with its stages loaded."""
    return list(session.execute(
        select(Case).where(Case.status.in_(lifecycle.OPEN_STATUSES)).options(selectinload(Case.stages))
    ).scalars())


def open_case_states(session: Session) -> list:
    """The columns that decide a live case's next step, for every case still in the loop, by id:
    (id, status, department_id, region_code, time_limit_minutes, extension_minutes, deadline_at)."""
    return session.execute(
        select(Case.id, Case.status, Case.department_id, Case.region_code, Case.time_limit_minutes,
               Case.extension_minutes, Case.deadline_at)
        .where(Case.status.in_(lifecycle.OPEN_STATUSES)).order_by(Case.id)).all()


def cases_by_id(session: Session, ids) -> list[Case]:
    """The cases with these ids, with their stages loaded, in id order."""
    return list(session.execute(select(Case).where(Case.id.in_(list(ids))).order_by(Case.id)
                                .options(selectinload(Case.stages))).scalars())


INGEST_ATTEMPTS = 3


def ingest_case(engine, payload, actor: str | None = None) -> tuple[str, bool]:
    """Parse, validate and store one ingest API report in its own transaction.

    Returns (case number, created). A unique violation (the same external id posted
    concurrently) rolls the whole transaction back and retries, so nothing is half-written.
    """
    from sqlalchemy.exc import IntegrityError, OperationalError

    new = parse_new_case(payload)
    for attempt in range(INGEST_ATTEMPTS):
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                case, created = submit_case(session, new, actor=actor)
                return case.case_no, created
        except (IntegrityError, OperationalError) as exc:
            transient = isinstance(exc, IntegrityError) or "locked" in str(exc) or "deadlock" in str(exc)
            if not transient or attempt == INGEST_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def file_and_dispatch(engine, case_no: str, actor: str) -> Case:
    """一键分派: file the case if it still waits for that, and dispatch it to its responsible
    department, in one transaction. Raises CaseNotFound or lifecycle.TransitionError."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        case = lock_case(session, case_no)
        at = max(utcnow(), case.updated_at)
        if case.status == "reported":
            transition(session, case, "file", at, actor, "一键分派")
        return transition(session, case, "dispatch", at, actor, "一键分派")


def ingest_transition(engine, case_no: str, payload) -> Case:
    """Apply one ingest API transition in its own transaction; see apply_action."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        return apply_action(session, case_no, payload)


def record_return_visit(session: Session, case: Case, visited_at: datetime, reached: bool, result: str | None,
                        method: str = "phone", visitor: str = "回访员") -> None:
    """Store the 回访 result of a closed public / 12345 case (one row per case; a new visit replaces it).

    Checked by data_access.image.check_visit; raises image.VisitError on a bad visit.
    """
    from .image import visit_row
    from .models_image import ReturnVisit

    row = visit_row(case, visited_at, reached, result, method, visitor)
    existing = session.get(ReturnVisit, case.id)
    if existing is None:
        session.add(ReturnVisit(**row))
    else:
        for key, value in row.items():
            setattr(existing, key, value)
    session.flush()
