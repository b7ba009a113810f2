"""城管执法: the enforcement-case state machine, the board's queries, and the record kinds.

The procedure of a 行政处罚案件 (行政处罚法 2021):
- 普通程序 (ordinary): 立案 → 调查取证 → 告知 → 决定 → 执行 → 结案. The decision is due within
  90 days of filing (Art. 60), extendable with approval (延期); 撤销立案 ends a case before
  its decision.
- 简易程序 (simple, 当场处罚): 立案 → 告知 → 决定 → 执行 → 结案 on the spot, for warnings and fines up
  to ¥200 for a person or ¥3,000 for an organisation (Art. 51); there is no 调查取证 step.
A decided fine is paid within 15 days of the decision (Art. 67).

`apply` is the one place that knows which moves are legal; seed, simulator and tests drive
cases through it, and an illegal move raises TransitionError naming the allowed ones.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Date, DateTime, and_, case, func, select

from .cache import memoize
from .clock import utcnow
from .db import get_engine
from .filters import Scope, region_conditions, report_bounds
from .models import CameraEvent, Camera, Case, Category
from .models_enforcement import BodyCamera, EnforcementCase, EnforcementStep, Officer, OfficerDuty, OfficerWork
from .models_image import ServiceFeedback
from .sqlfuncs import minutes_between

CACHE_SECONDS = 30

# ---- vocabulary ----

PROCEDURES = {"simple": ("简易程序", "Simple"), "ordinary": ("普通程序", "Ordinary")}
STEPS = ("file", "investigate", "notify", "decide", "execute", "close")
STEP_LABELS = {"file": "立案", "investigate": "调查取证", "notify": "告知", "decide": "决定", "execute": "执行",
               "close": "结案", "revoke": "撤销立案", "extend": "延期"}
STATUS_LABELS = {"filed": ("已立案", "Filed"), "investigated": ("已调查取证", "Investigated"),
                 "notified": ("已告知", "Notified"), "decided": ("已决定", "Decided"),
                 "executed": ("已执行", "Executed"), "closed": ("已结案", "Closed"), "revoked": ("已撤案", "Revoked")}
OPEN_STATUSES = ("filed", "investigated", "notified", "decided", "executed")
FINAL_STATUSES = ("closed", "revoked")
PENALTIES = {"fine": ("罚款", "Fine"), "warning": ("警告", "Warning"), "order": ("责令改正", "Order to correct"),
             "confiscation": ("没收", "Confiscation")}
SANCTIONS = ("fine", "warning", "confiscation")  # administrative penalties proper (责令改正 is not one)
ORIGINS = {"patrol": ("巡查发现", "Patrol"), "city_case": ("数字城管移交", "From a city case"),
           "video": ("非现场执法", "Video evidence"), "complaint": ("群众投诉", "Complaint")}
PARTY_KINDS = {"person": ("个人", "Person"), "company": ("单位", "Organisation")}
# Violation groups and the GB/T 47678.5 event codes they cover (seeds/reference/gb47678_5_categories.csv).
VIOLATIONS = {
    "illegal_building": ("违法建设", "Illegal building", ("06001", "08016")),
    "street_vending": ("占道经营", "Street vending", ("09006", "09001", "09005")),
    "posting": ("乱张贴", "Illegal posting", ("07001", "07002")),
    "outdoor_ad": ("户外广告", "Outdoor advertising", ("07003", "07006")),
    "muck": ("渣土", "Construction waste", ("06011", "08011", "08012", "06014")),
    "bbq": ("露天烧烤", "Open-air barbecue", ("06029",)),
    "dumping": ("乱倒垃圾", "Dumping", ("06010", "06036")),
    "construction": ("施工管理", "Construction site", ("08002", "08004", "08001")),
}
WORK_KINDS = {"service": ("服务", "Service"), "management": ("管理", "Management"), "enforcement": ("执法", "Enforcement")}
WORK_TARGET = {"service": 0.70, "management": 0.20, "enforcement": 0.10}  # the 721 工作法
# Simple-procedure fine caps (Art. 51) by party kind.
SIMPLE_FINE_CAP = {"person": 200.0, "company": 3000.0}
DECIDE_DAYS = {"ordinary": 90, "simple": 1}  # from filing (simple: decided on the spot, same day)
EXECUTE_DAYS = 15  # a fine is paid within 15 days of the decision
CLOSE_DAYS = 15  # the file is closed within 15 days of execution (local rule)
MAX_EXTENSION_DAYS = 30


def violation_of(category_code: str) -> str | None:
    return next((v for v, (_zh, _en, codes) in VIOLATIONS.items() if category_code in codes), None)


# ---- the state machine ----

class TransitionError(ValueError):
    """An action the enforcement procedure does not allow, or bad arguments."""


# procedure -> action -> (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS: dict[str, dict[str, tuple[tuple[str | None, ...], str | None]]] = {
    "ordinary": {
        "file": ((None,), "filed"),
        "investigate": (("filed",), "investigated"),
        "notify": (("investigated",), "notified"),
        "decide": (("notified",), "decided"),
        "execute": (("decided",), "executed"),
        "close": (("executed",), "closed"),
        "revoke": (("filed", "investigated", "notified"), "revoked"),
        "extend": (("filed", "investigated", "notified"), None),
    },
    "simple": {
        "file": ((None,), "filed"),
        "notify": (("filed",), "notified"),
        "decide": (("notified",), "decided"),
        "execute": (("decided",), "executed"),
        "close": (("executed",), "closed"),
        "revoke": (("filed", "notified"), "revoked"),
    },
}
ACTIONS = ("file", "investigate", "notify", "decide", "execute", "close", "revoke", "extend")
_STAMPS = {"file": "filed_at", "investigate": "investigated_at", "notify": "notified_at", "decide": "decided_at",
           "execute": "executed_at", "close": "closed_at", "revoke": "ended_at"}


def allowed_actions(procedure: str, status: str | None) -> list[str]:
    return [a for a, (sources, _) in TRANSITIONS.get(procedure, {}).items() if status in sources]


def apply(case, action: str, at: datetime, actor: str | None = None, opinion: str | None = None, *,
          penalty: str | None = None, fine: float | None = None, paid: float | None = None,
          days: int | None = None):
    """Move an enforcement case by `action` at `at` (naive UTC), appending its step row.

    decide needs `penalty` (and `fine` > 0 for a fine, within the simple-procedure cap);
    execute takes `paid` (¥ collected) for a fine; extend needs `days` (1..30, ordinary only).
    Raises TransitionError naming the allowed actions.
    """
    procedure = case.procedure
    if procedure not in TRANSITIONS:
        raise TransitionError(f"执法案件 {case.case_no}: unknown procedure {procedure!r}; known: {', '.join(TRANSITIONS)}")
    if action not in ACTIONS:
        raise TransitionError(f"执法案件 {case.case_no}: unknown action {action!r}; known: {', '.join(ACTIONS)}")
    status = case.status
    table = TRANSITIONS[procedure]
    if action not in table or status not in table[action][0]:
        now_label = STATUS_LABELS[status][0] if status in STATUS_LABELS else "新案件"
        allowed = allowed_actions(procedure, status)
        raise TransitionError(
            f"执法案件 {case.case_no}: {PROCEDURES[procedure][0]}「{now_label}」不能{STEP_LABELS[action]} "
            f"(cannot {action} a {procedure} case that is {status or 'new'}; allowed: {', '.join(allowed) or 'none'})")
    if case.steps and at < case.updated_at:
        raise TransitionError(f"执法案件 {case.case_no}: {action} at {at:%Y-%m-%d %H:%M:%S} is before the last step "
                              f"at {case.updated_at:%Y-%m-%d %H:%M:%S}")
    if action == "decide":
        if penalty not in PENALTIES:
            raise TransitionError(f"执法案件 {case.case_no}: decide needs a penalty; known: {', '.join(PENALTIES)}")
        if penalty == "fine":
            if fine is None or fine <= 0:
                raise TransitionError(f"执法案件 {case.case_no}: a fine needs a positive amount")
            cap = SIMPLE_FINE_CAP.get(case.party_kind, 200.0)
            if procedure == "simple" and fine > cap:
                raise TransitionError(f"执法案件 {case.case_no}: 简易程序 fines are at most ¥{cap:,.0f} for a "
                                      f"{case.party_kind}; use the ordinary procedure")
        elif fine:
            raise TransitionError(f"执法案件 {case.case_no}: only a fine has an amount")
    if action == "execute" and paid is not None:
        if case.penalty != "fine" or paid < 0 or paid > (case.fine_amount or 0):
            raise TransitionError(f"执法案件 {case.case_no}: paid must be between 0 and the fine decided")
    if action == "extend" and (days is None or not 1 <= days <= MAX_EXTENSION_DAYS):
        raise TransitionError(f"执法案件 {case.case_no}: extend needs 1 to {MAX_EXTENSION_DAYS} days")

    if action in _STAMPS:
        setattr(case, _STAMPS[action], at)
    if action == "file":
        case.extension_days = case.extension_days or 0
        case.deadline_at = at + timedelta(days=DECIDE_DAYS[procedure])
    elif action == "extend":
        case.extension_days += days
        case.deadline_at += timedelta(days=days)
    elif action == "decide":
        case.penalty, case.fine_amount = penalty, (float(fine) if penalty == "fine" else None)
        case.deadline_at = at + timedelta(days=EXECUTE_DAYS)
    elif action == "execute":
        if case.penalty == "fine":
            case.fine_paid = float(case.fine_amount if paid is None else paid)
        case.deadline_at = at + timedelta(days=CLOSE_DAYS)
    elif action in ("close", "revoke"):
        case.deadline_at = None
    target = table[action][1]
    if target is not None:
        case.status = target
    case.steps.append(type(case).step_class(seq=len(case.steps) + 1, step=action, at=at, actor=actor, opinion=opinion))
    case.updated_at = at
    return case


def overdue_clause(now: datetime):
    """An open enforcement case past the statutory limit of the step it waits in."""
    return and_(EnforcementCase.status.in_(OPEN_STATUSES), EnforcementCase.deadline_at < now)


# ---- scope helpers: the same time and region rules as the object list ----

def between(column, day_from: date, day_to: date) -> list:
    """Local dates [day_from, day_to] on a naive-UTC timestamp or a local-date column."""
    if isinstance(column.type, Date) and not isinstance(column.type, DateTime):
        return [column >= day_from, column <= day_to]
    start, end = report_bounds(day_from, day_to)
    return [column >= start, column < end]


def case_scope(scope: Scope) -> list:
    out = between(EnforcementCase.filed_at, scope.day_from, scope.day_to)
    return [*out, *region_conditions(EnforcementCase.region_code, scope)]


CAMERA_REGION = select(Camera.region_code).where(Camera.id == CameraEvent.camera_id).scalar_subquery()


def enforceable_category_ids():
    codes = [c for _zh, _en, group in VIOLATIONS.values() for c in group]
    return select(Category.id).where(Category.kind == "event", Category.code.in_(codes))


def _frame(conn, stmt, columns) -> pd.DataFrame:
    return pd.DataFrame(conn.execute(stmt).all(), columns=columns)


# ---- board data ----

@memoize(CACHE_SECONDS)
def headline(url: str, scope: Scope) -> dict:
    """Filed, closed, open, overdue, average days filed→closed, fines decided and collected (¥)."""
    now = utcnow()
    ec = EnforcementCase
    q = select(
        func.count().label("filed"),
        func.sum(case((ec.status == "closed", 1), else_=0)).label("closed"),
        func.sum(case((ec.status.in_(OPEN_STATUSES), 1), else_=0)).label("open"),
        func.sum(case((overdue_clause(now), 1), else_=0)).label("overdue"),
        func.avg(case((ec.status == "closed", minutes_between(ec.filed_at, ec.closed_at)))).label("close_minutes"),
        func.sum(case((ec.penalty == "fine", 1), else_=0)).label("fined"),
        func.coalesce(func.sum(ec.fine_amount), 0.0).label("fines_decided"),
        func.sum(case((ec.fine_paid.isnot(None), 1), else_=0)).label("paid"),
        func.coalesce(func.sum(ec.fine_paid), 0.0).label("fines_paid"),
    ).where(*case_scope(scope))
    with get_engine(url).connect() as conn:
        row = conn.execute(q).mappings().one()
    out = {k: (v or 0) for k, v in row.items()}
    for key in ("fines_decided", "fines_paid"):
        out[key] = float(out[key])
    # PostgreSQL averages an epoch difference as NUMERIC (Decimal): one float on both backends.
    out["avg_days"] = float(row["close_minutes"]) / 1440 if row["close_minutes"] is not None else None
    return out


@memoize(CACHE_SECONDS)
def stages(url: str, scope: Scope) -> pd.DataFrame:
    """Cases by procedure and status, with how many of them are overdue now."""
    now = utcnow()
    ec = EnforcementCase
    q = (select(ec.procedure, ec.status, func.count(), func.sum(case((overdue_clause(now), 1), else_=0)))
         .where(*case_scope(scope)).group_by(ec.procedure, ec.status))
    with get_engine(url).connect() as conn:
        df = _frame(conn, q, ["procedure", "status", "cases", "overdue"])
    df[["cases", "overdue"]] = df[["cases", "overdue"]].fillna(0).astype(int)
    return df


@memoize(CACHE_SECONDS)
def by_violation(url: str, scope: Scope) -> pd.DataFrame:
    """Per violation: cases, penalties by kind, fines decided and collected (¥)."""
    ec = EnforcementCase
    q = (select(ec.violation, func.count(), *[func.sum(case((ec.penalty == p, 1), else_=0)) for p in PENALTIES],
                func.coalesce(func.sum(ec.fine_amount), 0.0), func.coalesce(func.sum(ec.fine_paid), 0.0))
         .where(*case_scope(scope)).group_by(ec.violation))
    with get_engine(url).connect() as conn:
        df = _frame(conn, q, ["violation", "cases", *PENALTIES, "fines_decided", "fines_paid"])
    return df.sort_values("cases", ascending=False).reset_index(drop=True)


@memoize(CACHE_SECONDS)
def by_region(url: str, scope: Scope) -> pd.DataFrame:
    """Per town: cases, fines decided and collected (¥)."""
    ec = EnforcementCase
    q = (select(ec.region_code, func.count(), func.coalesce(func.sum(ec.fine_amount), 0.0),
                func.coalesce(func.sum(ec.fine_paid), 0.0))
         .where(*case_scope(scope)).group_by(ec.region_code))
    with get_engine(url).connect() as conn:
        return _frame(conn, q, ["region_code", "cases", "fines_decided", "fines_paid"])


@memoize(CACHE_SECONDS)
def offsite(url: str, scope: Scope) -> dict:
    """非现场执法: enforceable AI video events → notices (cases filed from them) → penalties."""
    ec = EnforcementCase
    events = (select(func.count()).select_from(CameraEvent)
              .where(*between(CameraEvent.detected_at, scope.day_from, scope.day_to),
                     CameraEvent.category_id.in_(enforceable_category_ids())))
    events = events.where(*region_conditions(CAMERA_REGION, scope))
    notices = select(func.count(), func.sum(case((ec.penalty.in_(SANCTIONS), 1), else_=0))).where(
        *case_scope(scope), ec.origin == "video")
    with get_engine(url).connect() as conn:
        n_events = conn.execute(events).scalar_one()
        n_notices, n_penalties = conn.execute(notices).one()
    return {"events": n_events, "notices": n_notices or 0, "penalties": n_penalties or 0}


@memoize(CACHE_SECONDS)
def duty(url: str, scope: Scope) -> pd.DataFrame:
    """Officers on duty per town on the scope's last day (today for named ranges), and the squad size."""
    day = scope.day_to
    on = select(OfficerDuty.region_code, func.count(func.distinct(OfficerDuty.officer_id))).where(
        OfficerDuty.day == day).group_by(OfficerDuty.region_code)
    staff = select(Officer.region_code, func.count()).group_by(Officer.region_code)
    on = on.where(*region_conditions(OfficerDuty.region_code, scope))
    staff = staff.where(*region_conditions(Officer.region_code, scope))
    with get_engine(url).connect() as conn:
        on_df = _frame(conn, on, ["region_code", "on_duty"])
        staff_df = _frame(conn, staff, ["region_code", "officers"])
    df = staff_df.merge(on_df, on="region_code", how="left").fillna({"on_duty": 0})
    df["on_duty"] = df["on_duty"].astype(int)
    df.attrs["day"] = day
    return df.sort_values("on_duty", ascending=False).reset_index(drop=True)


@memoize(CACHE_SECONDS)
def work_split(url: str, scope: Scope) -> pd.DataFrame:
    """Minutes and records by kind of work (服务 / 管理 / 执法) against the 721 target."""
    q = (select(OfficerWork.kind, func.count(), func.coalesce(func.sum(OfficerWork.minutes), 0))
         .where(*between(OfficerWork.day, scope.day_from, scope.day_to)).group_by(OfficerWork.kind))
    q = q.where(*region_conditions(OfficerWork.region_code, scope))
    with get_engine(url).connect() as conn:
        df = _frame(conn, q, ["kind", "records", "minutes"])
    df = pd.DataFrame({"kind": list(WORK_KINDS)}).merge(df, on="kind", how="left").fillna(0)
    total = df["minutes"].sum()
    df["share"] = df["minutes"] / total if total else 0.0
    df["target"] = df["kind"].map(WORK_TARGET)
    return df


@memoize(CACHE_SECONDS)
def equipment(url: str, scope: Scope) -> dict:
    """执法记录仪 online now, and complaints against officers received in the scope."""
    cams = select(func.count(), func.sum(case((BodyCamera.status == "online", 1), else_=0)))
    complaints = select(func.count()).select_from(ServiceFeedback).where(
        ServiceFeedback.kind == "complaint", ServiceFeedback.officer_id.isnot(None),
        *between(ServiceFeedback.received_at, scope.day_from, scope.day_to))
    cams = cams.where(*region_conditions(BodyCamera.region_code, scope))
    complaints = complaints.where(*region_conditions(ServiceFeedback.region_code, scope))
    with get_engine(url).connect() as conn:
        total, online = conn.execute(cams).one()
        n_complaints = conn.execute(complaints).scalar_one()
        subjects = _frame(conn, select(ServiceFeedback.subject, func.count()).where(
            complaints.whereclause).group_by(ServiceFeedback.subject), ["subject", "complaints"])
    return {"cameras": total or 0, "online": online or 0, "complaints": n_complaints, "subjects": subjects}


# ---- record kinds for the object list (/objects/<kind>, /object/<kind>/<key>) ----

from . import objects  # noqa: E402  (objects.load imports this module)

C = objects.Column
EC = EnforcementCase


def _overdue_filter(value: str):
    if value == "1":
        return overdue_clause(utcnow())
    if value == "0":
        return ~overdue_clause(utcnow())
    raise ValueError("0 or 1")


def _city_case_filter(value: str):
    if not objects.KEY_TEXT.fullmatch(value):
        raise ValueError("a case number")
    return EC.city_case_id == select(Case.id).where(Case.case_no == value).scalar_subquery()


def _officer_filter(column):
    def condition(value: str):
        if not value.isdigit() or len(value) > 16:
            raise ValueError("an officer's badge number")
        return column == select(Officer.id).where(Officer.code == value).scalar_subquery()
    return condition


def _category(expr):
    return select(Category.code + " " + Category.name).where(Category.id == expr).scalar_subquery()


def _officer_name(expr):
    return select(Officer.name).where(Officer.id == expr).scalar_subquery()


def _officer_code(expr):
    return select(Officer.code).where(Officer.id == expr).scalar_subquery()


_CITY_CASE_NO = select(Case.case_no).where(Case.id == EC.city_case_id).scalar_subquery()


def _case_links(raw: dict) -> list[tuple[str, str]]:
    out = []
    if raw.get("city_case"):
        out.append((f"数字城管案件 {raw['city_case']}", f"/case/{raw['city_case']}"))
    if raw.get("officer_code"):
        out.append(("承办队员", objects.object_href("officers", raw["officer_code"])))
    out.append(("城管执法版面", f"/board/enforcement?region={raw['region']}"))
    return out


def _case_related(url: str, raw: dict) -> list:
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(EnforcementStep.step, EnforcementStep.at, EnforcementStep.actor,
                                   EnforcementStep.opinion)
                            .join(EC, EC.id == EnforcementStep.enforcement_case_id)
                            .where(EC.case_no == raw["_key"]).order_by(EnforcementStep.seq)).all()
    from .case_list import local_text
    return [objects.Related("办案环节", ("环节", "时间", "办理人", "意见"),
                            [((STEP_LABELS.get(s, s), local_text(at), actor or "", opinion or ""), None)
                             for s, at, actor, opinion in rows])]


def _officer_related(url: str, raw: dict) -> list:
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(EC.case_no, EC.filed_at, EC.violation, EC.status)
                            .join(Officer, Officer.id == EC.officer_id).where(Officer.code == raw["_key"])
                            .order_by(EC.filed_at.desc()).limit(12)).all()
    from .case_list import local_text
    return [objects.Related("近期承办案件", ("案号", "立案时间", "违法类型", "状态"),
                            [((no, local_text(at), VIOLATIONS[v][0], STATUS_LABELS[s][0]),
                              objects.object_href("enforcement_cases", no)) for no, at, v, s in rows],
                            more=("全部案件", objects.list_href("enforcement_cases", range="year", officer=raw["_key"])))]


objects.register(
    objects.Kind(
        id="enforcement_cases", zh="执法案件", en="Enforcement cases", model=EC, key=EC.case_no, unit="件",
        columns=(
            C("case_no", "案号", "Case no.", EC.case_no, flex=1.3),
            C("filed_at", "立案时间", "Filed", EC.filed_at, flex=1.2),
            C("procedure", "程序", "Procedure", EC.procedure, labels=PROCEDURES, flex=0.8),
            C("status", "状态", "Status", EC.status, labels=STATUS_LABELS, flex=0.9),
            C("violation", "违法类型", "Violation", EC.violation, labels=VIOLATIONS),
            C("region", "镇街", "Town", EC.region_code, labels="regions", flex=0.9),
            C("origin", "来源", "Origin", EC.origin, labels=ORIGINS),
            C("penalty", "处罚", "Penalty", EC.penalty, labels=PENALTIES, flex=0.8),
            C("fine", "罚款 ¥", "Fine ¥", EC.fine_amount, digits=0, flex=0.8),
            C("paid", "已缴 ¥", "Paid ¥", EC.fine_paid, digits=0, flex=0.8),
            C("deadline_at", "法定时限", "Statutory limit", EC.deadline_at, flex=1.2),
        ),
        detail=(C("category", "部件事件小类", "Category", _category(EC.category_id)),
                C("party", "当事人", "Party", EC.party), C("party_kind", "当事人类型", "Party kind", EC.party_kind,
                                                          labels=PARTY_KINDS),
                C("address", "地址", "Address", EC.address),
                C("officer", "承办队员", "Officer", _officer_name(EC.officer_id)),
                C("officer_code", "执法证号", "Badge", _officer_code(EC.officer_id)),
                C("city_case", "数字城管案件", "City case", _CITY_CASE_NO),
                C("investigated_at", "调查取证", "Investigated", EC.investigated_at),
                C("notified_at", "告知", "Notified", EC.notified_at),
                C("decided_at", "决定", "Decided", EC.decided_at),
                C("executed_at", "执行", "Executed", EC.executed_at),
                C("closed_at", "结案", "Closed", EC.closed_at),
                C("extension_days", "延期天数", "Extension days", EC.extension_days)),
        region=EC.region_code, time=EC.filed_at, order=(("filed_at", True),), position=(EC.lon, EC.lat),
        filters={"status": objects.choice(EC.status, STATUS_LABELS),
                 "procedure": objects.choice(EC.procedure, PROCEDURES),
                 "violation": objects.choice(EC.violation, VIOLATIONS),
                 "penalty": objects.choice(EC.penalty, PENALTIES),
                 "origin": objects.choice(EC.origin, ORIGINS),
                 "open": objects.flag(EC.status.in_(OPEN_STATUSES), EC.status.in_(FINAL_STATUSES)),
                 "overdue": _overdue_filter,
                 "paid": objects.flag(EC.fine_paid.isnot(None)),
                 "sanction": objects.flag(EC.penalty.in_(SANCTIONS)),
                 "city_case": _city_case_filter,
                 "officer": _officer_filter(EC.officer_id)},
        filter_labels={"status": "状态", "procedure": "程序", "violation": "违法类型", "penalty": "处罚种类",
                       "origin": "来源", "open": "在办", "overdue": "超期", "paid": "已缴罚款", "sanction": "作出处罚",
                       "city_case": "数字城管案件", "officer": "承办队员"},
        links=_case_links, related=_case_related,
    ),
    objects.Kind(
        id="video_events", zh="视频发现事件", en="Video AI events", model=CameraEvent, key=CameraEvent.id, unit="条",
        columns=(
            C("detected_at", "发现时间", "Detected", CameraEvent.detected_at, flex=1.2),
            C("camera", "摄像头", "Camera", select(Camera.name).where(Camera.id == CameraEvent.camera_id)
              .scalar_subquery(), flex=1.5),
            C("region", "镇街", "Town", CAMERA_REGION, labels="regions", flex=0.9),
            C("category", "小类", "Category", _category(CameraEvent.category_id), flex=1.4),
            C("confidence", "置信度", "Confidence", CameraEvent.confidence, digits=2, flex=0.7),
            C("case_no", "案件", "Case", select(Case.case_no).where(Case.id == CameraEvent.case_id).scalar_subquery()),
        ),
        region=CAMERA_REGION, time=CameraEvent.detected_at, order=(("detected_at", True),),
        filters={"enforceable": objects.flag(CameraEvent.category_id.in_(enforceable_category_ids()))},
        filter_labels={"enforceable": "可执法事项"},
        links=lambda raw: [(f"案件 {raw['case_no']}", f"/case/{raw['case_no']}")] if raw.get("case_no") else [],
    ),
    objects.Kind(
        id="officers", zh="执法队员", en="Officers", model=Officer, key=Officer.code, unit="名",
        columns=(C("code", "执法证号", "Badge", Officer.code), C("name", "姓名", "Name", Officer.name),
                 C("region", "镇街", "Town", Officer.region_code, labels="regions"),
                 C("squad", "中队", "Squad", Officer.squad, flex=1.4),
                 C("camera", "执法记录仪", "Body camera", select(BodyCamera.status).where(
                     BodyCamera.officer_id == Officer.id).limit(1).scalar_subquery(),
                   labels={"online": ("在线", "Online"), "offline": ("离线", "Offline")})),
        region=Officer.region_code, order=(("code", False),),
        filters={"squad": lambda v: Officer.squad == v},
        filter_labels={"squad": "中队"}, related=_officer_related,
        links=lambda raw: [("在岗记录", objects.list_href("officer_duties", range="30d", officer=raw["_key"])),
                           ("工作记录", objects.list_href("officer_work", range="30d", officer=raw["_key"]))],
    ),
    objects.Kind(
        id="officer_duties", zh="在岗记录", en="Duty records", model=OfficerDuty, key=OfficerDuty.id, unit="条",
        columns=(C("day", "日期", "Day", OfficerDuty.day),
                 C("officer", "队员", "Officer", _officer_name(OfficerDuty.officer_id)),
                 C("officer_code", "执法证号", "Badge", _officer_code(OfficerDuty.officer_id)),
                 C("region", "镇街", "Town", OfficerDuty.region_code, labels="regions"),
                 C("shift", "班次", "Shift", OfficerDuty.shift, labels={"day": ("白班", "Day"),
                                                                       "evening": ("晚班", "Evening")}),
                 C("checked_in_at", "签到时间", "Checked in", OfficerDuty.checked_in_at)),
        region=OfficerDuty.region_code, time=OfficerDuty.day, order=(("checked_in_at", True),),
        filters={"officer": _officer_filter(OfficerDuty.officer_id)}, filter_labels={"officer": "队员"},
        links=lambda raw: [("队员", objects.object_href("officers", raw["officer_code"]))],
    ),
    objects.Kind(
        id="officer_work", zh="工作记录", en="Work records", model=OfficerWork, key=OfficerWork.id, unit="条",
        columns=(C("day", "日期", "Day", OfficerWork.day),
                 C("officer", "队员", "Officer", _officer_name(OfficerWork.officer_id)),
                 C("officer_code", "执法证号", "Badge", _officer_code(OfficerWork.officer_id)),
                 C("region", "镇街", "Town", OfficerWork.region_code, labels="regions"),
                 C("kind", "类别", "Kind", OfficerWork.kind, labels=WORK_KINDS),
                 C("task", "工作内容", "Task", OfficerWork.task),
                 C("minutes", "时长（分钟）", "Minutes", OfficerWork.minutes)),
        region=OfficerWork.region_code, time=OfficerWork.day, order=(("day", True),),
        filters={"type": objects.choice(OfficerWork.kind, WORK_KINDS), "officer": _officer_filter(OfficerWork.officer_id)},
        filter_labels={"type": "类别", "officer": "队员"},
        links=lambda raw: [("队员", objects.object_href("officers", raw["officer_code"]))],
    ),
    objects.Kind(
        id="body_cameras", zh="执法记录仪", en="Body cameras", model=BodyCamera, key=BodyCamera.code, unit="台",
        columns=(C("code", "编号", "Code", BodyCamera.code),
                 C("officer", "使用队员", "Officer", _officer_name(BodyCamera.officer_id)),
                 C("officer_code", "执法证号", "Badge", _officer_code(BodyCamera.officer_id)),
                 C("region", "镇街", "Town", BodyCamera.region_code, labels="regions"),
                 C("status", "状态", "Status", BodyCamera.status, labels={"online": ("在线", "Online"),
                                                                        "offline": ("离线", "Offline")}),
                 C("last_seen_at", "最后在线", "Last seen", BodyCamera.last_seen_at)),
        region=BodyCamera.region_code, order=(("code", False),),
        filters={"status": objects.choice(BodyCamera.status, ("online", "offline"))}, filter_labels={"status": "状态"},
        links=lambda raw: [("使用队员", objects.object_href("officers", raw["officer_code"]))],
    ),
)
