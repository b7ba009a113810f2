"""The queries behind Open311 GeoReport v2 (dashboard/open311.py): services and service requests.

A service is one event category (事件小类) of the GB/T 47678.5 catalogue; a service request is
a case. Only fields fit for the public leave here: never the reporter's name or phone, and
addresses with their house numbers masked.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .case_list import mask_address
from .lifecycle import FINAL_STATUSES, OPEN_STATUSES
from .models import Case, Category, Department

# Open311 status → our statuses: open is anything still in the seven-step loop.
STATUS_GROUPS = {"open": OPEN_STATUSES, "closed": FINAL_STATUSES}


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    group: str  # the major category (大类)


@dataclass(frozen=True)
class RequestRow:
    case_no: str
    status: str  # our status code
    service_code: str
    service_name: str
    description: str
    agency: str | None  # the responsible department, once dispatched
    requested_at: datetime  # naive UTC
    updated_at: datetime
    expected_at: datetime | None  # the handling deadline
    address: str  # house numbers masked
    lat: float
    lon: float

    @property
    def open311_status(self) -> str:
        return "closed" if self.status in FINAL_STATUSES else "open"


def services(session: Session) -> list[Service]:
    """Every event category, by code."""
    rows = session.execute(select(Category.code, Category.name, Category.major_name)
                           .where(Category.kind == "event").order_by(Category.code)).all()
    return [Service(code, name, group) for code, name, group in rows]


def unknown_service_codes(session: Session, codes: list[str]) -> list[str]:
    """The codes among `codes` that are no event category, in the order given."""
    known = set(session.execute(select(Category.code).where(Category.kind == "event",
                                                             Category.code.in_(codes))).scalars())
    return [code for code in codes if code not in known]


def _select():
    return (select(Case.case_no, Case.status, Category.code, Category.name, Case.description, Department.name,
                   Case.reported_at, Case.updated_at, Case.deadline_at, Case.address, Case.lat, Case.lon)
            .join(Category, Category.id == Case.category_id)
            .outerjoin(Department, Department.id == Case.department_id))


def _row(values) -> RequestRow:
    (case_no, status, code, name, description, agency, requested, updated, expected, address, lat, lon) = values
    return RequestRow(case_no, status, code, name, description, agency, requested, updated, expected,
                      mask_address(address), lat, lon)


def find_requests(session: Session, *, case_nos: list[str] | None = None, service_codes: list[str] | None = None,
                  start: datetime | None = None, end: datetime | None = None, statuses: list[str] | None = None,
                  limit: int = 1000, offset: int = 0) -> list[RequestRow]:
    """Cases as service requests, newest report first. `case_nos` alone picks those cases;
    otherwise filter by service codes, report time start <= t <= end (naive UTC) and Open311
    statuses ('open', 'closed')."""
    query = _select()
    if case_nos:
        query = query.where(Case.case_no.in_(case_nos))
    if service_codes:
        query = query.where(Category.code.in_(service_codes))
    if start is not None:
        query = query.where(Case.reported_at >= start)
    if end is not None:
        query = query.where(Case.reported_at <= end)
    if statuses:
        query = query.where(Case.status.in_([s for group in statuses for s in STATUS_GROUPS[group]]))
    query = query.order_by(Case.reported_at.desc(), Case.case_no.desc()).limit(limit).offset(offset)
    return [_row(values) for values in session.execute(query).all()]


def find_request(session: Session, case_no: str) -> RequestRow | None:
    values = session.execute(_select().where(Case.case_no == case_no)).first()
    return _row(values) if values else None
