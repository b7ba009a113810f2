"""Writing cases: create one from a report and move it through the closed loop.

The live simulator and the ingest API both write through here, so every new case gets its
place (grid → community → region) from its point, a case number, its time limit and its
stage rows from `lifecycle.apply`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from . import lifecycle, rollups
from .models import Case, Category, Department, Grid
from .sqlfuncs import LOCAL_HOURS

LOCAL_OFFSET = timedelta(hours=LOCAL_HOURS)  # case numbers count days in China Standard Time


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


@lru_cache(maxsize=4)
def _grid_index(url: str) -> GridIndex:
    from .db import get_engine

    with Session(get_engine(url)) as session:
        rows = session.execute(select(Grid.code, Grid.community_code, Grid.region_code, Grid.geometry)).all()
    return GridIndex(rows)


def grid_index(session: Session) -> GridIndex:
    return _grid_index(session.get_bind().url.render_as_string(hide_password=False))


def next_case_no(session: Session, reported_at: datetime) -> str:
    """DG + local date + a 6-digit sequence within the day."""
    prefix = f"DG{(reported_at + LOCAL_OFFSET):%Y%m%d}"
    last = session.execute(select(func.max(Case.case_no)).where(Case.case_no.like(f"{prefix}%"))).scalar()
    return f"{prefix}{(int(last[len(prefix):]) + 1) if last else 1:06d}"


def responsible_department(session: Session, category: Category, region_code: str) -> int:
    """The category's professional department, else the 镇街 where the case lies."""
    if category.default_department_id is not None:
        return category.default_department_id
    return session.execute(
        select(Department.id).where(Department.kind == "town", Department.region_code == region_code)
    ).scalar_one()


def create_case(session: Session, new: NewCase, actor: str | None = None) -> Case:
    """Insert a reported case (status 待立案). Raises CaseInputError listing every bad field."""
    errors: dict[str, str] = {}
    category = session.execute(
        select(Category).where(Category.kind == "event", Category.code == new.category_code)
    ).scalar_one_or_none()
    if category is None:
        errors["category_code"] = f"unknown event category {new.category_code!r}"
    place = grid_index(session).locate(new.lon, new.lat)
    if place is None:
        errors["location"] = f"({new.lon}, {new.lat}) is outside the jurisdiction"
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
