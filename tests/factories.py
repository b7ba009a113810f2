"""Small builders for tests: one tiny city and cases with the minimal valid fields.

    with db.session_scope(engine) as s:
        city = add_city(s)                      # jurisdiction → region → community → grid, dept, category
        case = new_case("C1", city=city)
        drive(case, ["report", "file", "dispatch"], T0, department_id=city.department.id)
        s.add(case)

Cases are moved only through `lifecycle.apply`, as the product does.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from data_access import clock, lifecycle
from data_access.models import Case, Category, Community, Department, Grid, Jurisdiction, Region

T0 = datetime(2026, 5, 1, 8, 0, 0)  # a naive UTC instant most tests start from
STEP = timedelta(minutes=10)



def pinned_clock_env() -> dict:
    """PINNED_CLOCK for a subprocess, so its clock runs on from where this process's clock is now."""
    return {"PINNED_CLOCK": clock.utcnow().replace(tzinfo=timezone.utc).isoformat()}


# One way to reach each status from a new case (status None).
PATH_TO = {
    None: [],
    "reported": ["report"],
    "filed": ["report", "file"],
    "dispatched": ["report", "file", "dispatch"],
    "suspended": ["report", "file", "dispatch", "suspend"],
    "handled": ["report", "file", "dispatch", "handle"],
    "fed_back": ["report", "file", "dispatch", "handle", "feedback"],
    "verified": ["report", "file", "dispatch", "handle", "feedback", "verify"],
    "closed": ["report", "file", "dispatch", "handle", "feedback", "verify", "close"],
    "rejected": ["report", "reject"],
    "voided": ["report", "void"],
}

SQUARE = {"type": "Polygon", "coordinates": [[[113.75, 23.02], [113.76, 23.02], [113.76, 23.03],
                                                [113.75, 23.03], [113.75, 23.02]]]}


@dataclass
class City:
    jurisdiction: Jurisdiction
    region: Region
    community: Community
    grid: Grid
    department: Department
    category: Category


def jurisdiction(code="441900", **kw) -> Jurisdiction:
    return Jurisdiction(**{"code": code, "name": "东莞市", "name_en": "Dongguan",
                           "center_lon": 113.75, "center_lat": 23.02, **kw})


def region(code="441900003", jurisdiction_code="441900", **kw) -> Region:
    return Region(**{"code": code, "jurisdiction_code": jurisdiction_code, "name": "东城街道",
                     "name_en": "Dongcheng", "kind": "街道", "profile": "centre", "label_lon": 113.755,
                     "label_lat": 23.025, "area_km2": 105.0, "geometry": json.dumps(SQUARE), **kw})


def community(code=None, region_code="441900003", **kw) -> Community:
    return Community(**{"code": code or region_code + "001", "region_code": region_code,
                        "name": "主山社区", "geometry": json.dumps(SQUARE), **kw})


def grid(code=None, community_code="441900003001", region_code=None, **kw) -> Grid:
    return Grid(**{"code": code or community_code + "01", "community_code": community_code,
                   "region_code": region_code or community_code[:9], "center_lon": 113.755,
                   "center_lat": 23.025, "geometry": json.dumps(SQUARE), **kw})


def department(code="MUNICIPAL", **kw) -> Department:
    return Department(**{"code": code, "name": "市市政设施管理中心", "kind": "professional", **kw})


def category(code="01001", kind="event", **kw) -> Category:
    return Category(**{"kind": kind, "code": code, "major_code": code[:2], "major_name": "市政公用",
                       "name": "供水井盖异常", "time_limit_minutes": 240, **kw})


def add_city(session) -> City:
    """Add one jurisdiction, region, community, grid, department and category; flushes ids."""
    city = City(jurisdiction(), region(), community(), grid(), department(), category())
    # no relationships between these models, so the unit of work needs parents flushed first
    for obj in (city.jurisdiction, city.region, city.community, city.grid, city.department, city.category):
        session.add(obj)
        session.flush()
    return city


def new_case(case_no="TEST-0001", *, city: City | None = None, time_limit=240, urgency="normal", **kw) -> Case:
    """A case before 上报 (status None). Without `city` it is only fit for in-memory lifecycle tests."""
    fields = {
        "case_no": case_no, "case_type": "event", "source": "inspector", "urgency": urgency,
        "description": "井盖缺失", "address": "东城街道主山社区", "lon": 113.755, "lat": 23.025,
        "time_limit_minutes": time_limit, "status": None,
    }
    if city is not None:
        fields.update(category_id=city.category.id, grid_code=city.grid.code,
                      community_code=city.community.code, region_code=city.region.code)
    fields.update(kw)
    return Case(**fields)


def drive(case: Case, actions, start: datetime, every: timedelta = STEP, *, department_id=1,
          minutes=30, actor="tester") -> datetime:
    """Apply `actions` one after another, `every` apart from `start`; returns the last time used."""
    at = start
    for i, action in enumerate(actions):
        at = start + i * every
        lifecycle.apply(case, action, at, actor, department_id=department_id if action == "dispatch" else None,
                        minutes=minutes if action == "extend" else None)
    return at


def case_in(status, case_no="TEST-0001", start: datetime = T0, **kw) -> Case:
    """A new in-memory case driven to `status` along PATH_TO."""
    case = new_case(case_no, **kw)
    drive(case, PATH_TO[status], start)
    return case
