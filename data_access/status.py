"""Facts about the database itself: health, freshness and what it holds (the status page).

Functions take the database URL string, so they can be memoized and called from anywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from . import db
from .cache import memoize
from .cache import state as cache_state
from .clock import utcnow
from .lifecycle import STATUS_LABELS
from .models import (
    Base,
    Camera,
    Case,
    Category,
    Community,
    Department,
    Grid,
    Jurisdiction,
    Meta,
    Region,
    Sensor,
    SensorReading,
)

# What a query against an unreachable, unwritable or unmigrated database raises.
DB_ERRORS = (SQLAlchemyError, OSError)

# Reference tables counted on the status page, in display order.
REFERENCE_TABLES = {
    "regions": Region,
    "communities": Community,
    "grids": Grid,
    "departments": Department,
    "categories": Category,
    "cameras": Camera,
    "sensors": Sensor,
}


def describe_error(exc: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's background links."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(cause).strip() or cause.__class__.__name__
    return text.splitlines()[0].strip()


def safe_url(database_url: str) -> str:
    """The URL with any password hidden, for messages."""
    return make_url(database_url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class City:
    code: str
    name: str
    name_en: str


@memoize(timeout=300)
def city(database_url: str) -> City | None:
    """The city the database describes (its home city, see data_access/cities.py), or None when empty."""
    from .cities import home_code

    with db.get_engine(database_url).connect() as conn:
        row = conn.execute(select(Jurisdiction.code, Jurisdiction.name, Jurisdiction.name_en)
                           .where(Jurisdiction.code == home_code(conn))).first()
    return City(*row) if row else None


def _newest(conn) -> datetime | None:
    return conn.execute(select(func.max(Case.reported_at))).scalar()


@memoize(timeout=10)
def newest_case_at(database_url: str) -> datetime | None:
    """When the newest case was reported (naive UTC), or None without cases."""
    with db.get_engine(database_url).connect() as conn:
        return _newest(conn)


@dataclass(frozen=True)
class Health:
    database: bool
    schema: str | None
    newest_case_at: datetime | None
    error: str | None = None
    cache: str = "none"  # data_access.cache.state(): ok, down (Redis), filesystem, simple or none

    @property
    def ok(self) -> bool:
        return self.database and self.schema is not None


def health(database_url: str) -> Health:
    """Connect now (never cached) and report the schema revision, the newest case and the cache.
    A cache that is down does not make the report fail: the app then works without it."""
    cache = cache_state()
    try:
        engine = db.get_engine(database_url)
        revision = db.schema_revision(engine)
        if revision is None:
            return Health(True, None, None, "the schema is not migrated (run `cockpit init-db`)", cache)
        with engine.connect() as conn:
            return Health(True, revision, _newest(conn), cache=cache)
    except DB_ERRORS as exc:
        return Health(False, None, None, describe_error(exc), cache)


@dataclass(frozen=True)
class DatabaseStatus:
    backend: str  # sqlite or postgresql
    database: str  # database name or file name
    revision: str | None
    cases_by_status: dict[str, int]  # in lifecycle order, then any unknown status
    cases_by_source: dict[str, int]  # most cases first
    reference_counts: dict[str, int]  # REFERENCE_TABLES order
    meta: dict[str, str]  # the app_meta table
    newest_case_at: datetime | None

    @property
    def cases_total(self) -> int:
        return sum(self.cases_by_status.values())


def _grouped(conn, column) -> dict[str, int]:
    return dict(conn.execute(select(column, func.count()).group_by(column)).all())


@memoize(timeout=30)
def database_status(database_url: str) -> DatabaseStatus:
    """Everything the status page shows, in one round of queries."""
    engine = db.get_engine(database_url)
    revision = db.schema_revision(engine)
    with engine.connect() as conn:
        by_status = _grouped(conn, Case.status)
        by_source = _grouped(conn, Case.source)
        counts = {name: conn.execute(select(func.count()).select_from(model)).scalar_one()
                  for name, model in REFERENCE_TABLES.items()}
        meta = dict(conn.execute(select(Meta.key, Meta.value).order_by(Meta.key)).all())
        newest = _newest(conn)
    order = list(STATUS_LABELS) + sorted(set(by_status) - set(STATUS_LABELS))
    url = make_url(database_url)
    return DatabaseStatus(
        backend=url.get_backend_name(),
        database=(url.database or "").replace("\\", "/").rsplit("/", 1)[-1],
        revision=revision,
        cases_by_status={status: by_status.get(status, 0) for status in order},
        cases_by_source=dict(sorted(by_source.items(), key=lambda item: (-item[1], item[0]))),
        reference_counts=counts,
        meta=meta,
        newest_case_at=newest,
    )


def code_heads() -> tuple[str, ...]:
    """The migration heads this program's code brings a database to."""
    from alembic.script import ScriptDirectory

    return tuple(sorted(ScriptDirectory(str(db.MIGRATIONS)).get_heads()))


@memoize(timeout=30)
def table_counts(database_url: str) -> dict[str, int | None]:
    """Rows in every table of the schema, by table name (None: the table is not in the database)."""
    engine = db.get_engine(database_url)
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                if table.name in present else None
                for table in sorted(Base.metadata.tables.values(), key=lambda t: t.name)}


@dataclass(frozen=True)
class Activity:
    """Whether the city is live: what was written last (naive UTC) and how much in the last hour."""

    newest_case_at: datetime | None
    newest_step_at: datetime | None  # the last time any case moved
    newest_reading_at: datetime | None
    cases_last_hour: int
    checked_at: datetime


@memoize(timeout=10)
def activity(database_url: str) -> Activity:
    now = utcnow()
    with db.get_engine(database_url).connect() as conn:
        return Activity(
            newest_case_at=_newest(conn),
            newest_step_at=conn.execute(select(func.max(Case.updated_at))).scalar(),
            newest_reading_at=conn.execute(select(func.max(SensorReading.measured_at))).scalar(),
            cases_last_hour=conn.execute(select(func.count()).select_from(Case)
                                         .where(Case.reported_at > now - timedelta(hours=1))).scalar_one(),
            checked_at=now,
        )
