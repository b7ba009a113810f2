"""The seven-step closed loop: 上报 → 立案 → 派遣 → 处置 → 反馈 → 核查 → 结案.

The one place that knows which transitions are legal, how deadlines move and what colour a
lamp is. Every write of a case (seed replay, simulator, ingest API) goes through `apply`.

Each step is a `CaseStage` row that opens when the previous step ends and closes when its
action happens, so a closed case has the rows report, file, dispatch, handle, feedback,
verify and close. Side paths add their own rows: reject (不予立案), void (作废), return (回退),
extend (延时), suspend (挂账, open until resumed) and rework (返工).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, literal, or_, select

from .models import Case, CaseStage
from .sqlfuncs import minutes_between

STEPS = ("report", "file", "dispatch", "handle", "feedback", "verify", "close")
STEP_LABELS = {
    "report": "上报", "file": "立案", "dispatch": "派遣", "handle": "处置",
    "feedback": "反馈", "verify": "核查", "close": "结案",
    "reject": "不予立案", "void": "作废", "return": "回退", "extend": "延时",
    "suspend": "挂账", "resume": "恢复", "rework": "返工",
}
STATUS_LABELS = {
    "reported": "待立案", "filed": "待派遣", "dispatched": "处置中", "suspended": "挂账",
    "handled": "待反馈", "fed_back": "待核查", "verified": "待结案", "closed": "已结案",
    "rejected": "不予立案", "voided": "已作废",
}
# English labels of the same codes (LANGUAGE=en).
STEP_LABELS_EN = {
    "report": "Reported", "file": "Filed", "dispatch": "Dispatched", "handle": "Handled",
    "feedback": "Feedback", "verify": "Verified", "close": "Closed",
    "reject": "Rejected", "void": "Voided", "return": "Returned", "extend": "Extended",
    "suspend": "Suspended", "resume": "Resumed", "rework": "Rework",
}
STATUS_LABELS_EN = {
    "reported": "To file", "filed": "To dispatch", "dispatched": "Handling", "suspended": "Suspended",
    "handled": "To feed back", "fed_back": "To verify", "verified": "To close", "closed": "Closed",
    "rejected": "Rejected", "voided": "Voided",
}


def status_label(code: str, language: str = "zh") -> str:
    return (STATUS_LABELS if language == "zh" else STATUS_LABELS_EN).get(code, code)


def step_label(code: str, language: str = "zh") -> str:
    return (STEP_LABELS if language == "zh" else STEP_LABELS_EN).get(code, code)


OPEN_STATUSES = ("reported", "filed", "dispatched", "suspended", "handled", "fed_back", "verified")
FINAL_STATUSES = ("closed", "rejected", "voided")
# Statuses in which the responsible department holds the case and its handling clock runs.
HANDLING_STATUSES = ("dispatched", "suspended")

# action: (statuses it may start from, status it leads to); None keeps the status.
TRANSITIONS: dict[str, tuple[tuple[str | None, ...], str | None]] = {
    "report": ((None,), "reported"),
    "file": (("reported",), "filed"),
    "reject": (("reported",), "rejected"),
    "void": (("reported", "filed"), "voided"),
    "dispatch": (("filed",), "dispatched"),
    "return": (("dispatched",), "filed"),
    "extend": (("dispatched",), None),
    "suspend": (("dispatched",), "suspended"),
    "resume": (("suspended",), "dispatched"),
    "handle": (("dispatched",), "handled"),
    "feedback": (("handled",), "fed_back"),
    "verify": (("fed_back",), "verified"),
    "rework": (("fed_back",), "dispatched"),
    "close": (("verified",), "closed"),
}
ACTIONS = tuple(TRANSITIONS)

# The step each action completes, and the step it opens next.
_COMPLETES = {"file": "file", "reject": "file", "dispatch": "dispatch", "return": "handle",
              "handle": "handle", "feedback": "feedback", "verify": "verify", "rework": "verify",
              "close": "close"}
_OPENS = {"report": "file", "file": "dispatch", "return": "dispatch", "dispatch": "handle",
          "handle": "feedback", "feedback": "verify", "verify": "close", "rework": "handle"}
# Case column stamped by each step action.
_STAMPS = {"file": "filed_at", "dispatch": "dispatched_at", "handle": "handled_at",
           "feedback": "feedback_at", "verify": "verified_at", "close": "closed_at"}

# Local time limits in minutes for the centre's own steps; 处置 takes the category's limit.
# Urgent cases are filed and dispatched within 10 minutes, others within 30.
STEP_LIMITS = {"file": 15, "dispatch": 15, "feedback": 60, "verify": 120, "close": 60}
URGENT_STEP_LIMITS = {"file": 5, "dispatch": 5, "feedback": 30, "verify": 60, "close": 30}

YELLOW_AT = 0.8  # share of the limit used at which a lamp turns yellow


class TransitionError(ValueError):
    """An action that the state machine does not allow, or with bad arguments."""


def step_limit(step: str, urgency: str, handling_limit: int) -> int:
    if step == "handle":
        return handling_limit
    return (URGENT_STEP_LIMITS if urgency == "urgent" else STEP_LIMITS)[step]


def lamp(used_minutes: float, limit_minutes: float) -> str:
    """green below 80 % of the limit, yellow from 80 to 100 %, red when overdue."""
    if limit_minutes <= 0:
        return "red" if used_minutes > 0 else "green"
    share = used_minutes / limit_minutes
    if share > 1:
        return "red"
    return "yellow" if share >= YELLOW_AT else "green"


def allowed_actions(status: str | None) -> list[str]:
    return [a for a, (sources, _) in TRANSITIONS.items() if status in sources]


def _open_row(case: Case, stage: str | None = None) -> CaseStage | None:
    for row in reversed(case.stages):
        if row.ended_at is None and (stage is None or row.stage == stage):
            return row
    return None


def _last_event_time(case: Case) -> datetime | None:
    return case.updated_at if case.stages else None


def _add_row(case: Case, stage: str, start: datetime, end: datetime | None, actor, opinion, limit=None):
    # A case type names its row type: ORM cases get CaseStage, the seed's light cases their own.
    row = type(case).stage_class(stage=stage, seq=len(case.stages) + 1, started_at=start, ended_at=end,
                                 actor=actor, opinion=opinion, time_limit_minutes=limit)
    case.stages.append(row)
    return row


def apply(case: Case, action: str, at: datetime, actor: str | None = None, opinion: str | None = None,
          *, department_id: int | None = None, minutes: int | None = None) -> Case:
    """Move `case` by `action` at time `at` (naive UTC), writing its stage rows.

    `department_id` is required for dispatch, `minutes` for extend. Raises TransitionError.
    """
    if action not in TRANSITIONS:
        raise TransitionError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    sources, target = TRANSITIONS[action]
    status = case.status
    if status not in sources:
        now_label = STATUS_LABELS.get(status, "新案件") if status else "新案件"
        raise TransitionError(
            f"案件 {case.case_no}: 「{now_label}」状态不能{STEP_LABELS[action]} "
            f"(cannot {action} a case that is {status or 'new'}; allowed: {', '.join(allowed_actions(status)) or 'none'})"
        )
    last = _last_event_time(case)
    if last is not None and at < last:
        raise TransitionError(f"案件 {case.case_no}: {action} at {at:%Y-%m-%d %H:%M:%S} is before the last step at {last:%Y-%m-%d %H:%M:%S}")
    if action == "dispatch" and department_id is None:
        raise TransitionError(f"案件 {case.case_no}: dispatch needs a department")
    if action == "extend" and (minutes is None or minutes <= 0):
        raise TransitionError(f"案件 {case.case_no}: extend needs a positive number of minutes")

    if action == "report":
        case.reported_at = at
        case.extension_minutes = case.extension_minutes or 0
        case.suspended_minutes = case.suspended_minutes or 0
        case.rework_count = case.rework_count or 0
        _add_row(case, "report", at, at, actor, opinion)
    elif action in _COMPLETES:
        row = _open_row(case, _COMPLETES[action])
        row.ended_at = at
        row.actor = actor
        row.opinion = opinion
        if action in ("reject", "return", "rework"):
            _add_row(case, action, at, at, actor, opinion)
    elif action == "void":
        row = _open_row(case)
        row.ended_at = at
        _add_row(case, "void", at, at, actor, opinion)
    elif action == "extend":
        handle = _open_row(case, "handle")
        handle.time_limit_minutes += minutes
        case.extension_minutes += minutes
        case.deadline_at += timedelta(minutes=minutes)
        _add_row(case, "extend", at, at, actor, opinion, limit=minutes)
    elif action == "suspend":
        case.suspended_at = at
        _add_row(case, "suspend", at, None, actor, opinion)
    elif action == "resume":
        pause = _open_row(case, "suspend")
        pause.ended_at = at
        paused = at - pause.started_at
        case.suspended_minutes += round(paused.total_seconds() / 60)
        case.deadline_at += paused  # exact, so the deadline agrees with the 处置 clock
        case.suspended_at = None

    if action in _STAMPS:
        setattr(case, _STAMPS[action], at)
    if action == "dispatch":
        case.department_id = department_id
    if action in ("dispatch", "rework"):
        case.deadline_at = at + timedelta(minutes=case.time_limit_minutes)
    if action == "return":
        case.deadline_at = None
        case.dispatched_at = None
    if action == "rework":
        case.rework_count += 1
        case.handled_at = case.feedback_at = None
    if action in ("reject", "void"):
        case.ended_at = at
    if action in _OPENS:
        step = _OPENS[action]
        _add_row(case, step, at, None, None, None,
                 limit=step_limit(step, case.urgency, case.time_limit_minutes))
    if target is not None:
        case.status = target
    case.updated_at = at
    return case


@dataclass(frozen=True)
class StepClock:
    """Where a case's open step stands against its limit."""

    step: str
    used_minutes: float
    limit_minutes: int
    lamp: str

    @property
    def remaining_minutes(self) -> float:
        return self.limit_minutes - self.used_minutes


def _paused_minutes(case: Case, since: datetime, until: datetime) -> float:
    total = 0.0
    for row in case.stages:
        if row.stage == "suspend" and since <= row.started_at < until:
            end = row.ended_at or until
            total += (min(end, until) - row.started_at).total_seconds() / 60
    return total


def step_clock(case: Case, row: CaseStage, now: datetime) -> StepClock:
    """The clock of one step row: finished rows use their end, open rows use `now`."""
    end = row.ended_at or now
    used = (end - row.started_at).total_seconds() / 60
    if row.stage == "handle":
        used -= _paused_minutes(case, row.started_at, end)
    limit = row.time_limit_minutes or 0
    return StepClock(row.stage, used, limit, lamp(used, limit) if row.time_limit_minutes else "green")


def current_clock(case: Case, now: datetime) -> StepClock | None:
    """The clock of the step a case is waiting in, or None for a finished case."""
    if case.status in FINAL_STATUSES:
        return None
    row = next((r for r in reversed(case.stages) if r.ended_at is None and r.stage in STEPS), None)
    return step_clock(case, row, now) if row is not None else None


def handling_lamp(deadline_at: datetime, handle_limit_minutes: int, suspended_at: datetime | None,
                  now: datetime) -> str:
    """The lamp of an open 处置 step from columns alone, equal to `step_clock` on its row.

    deadline = start + limit + resumed pauses, so used = (now - start) - pauses
    = limit - (deadline - now); while suspended the clock stands at suspended_at.
    """
    at = suspended_at or now
    return lamp(handle_limit_minutes - (deadline_at - at).total_seconds() / 60, handle_limit_minutes)


def handled_on_time(case: Case) -> bool | None:
    """按期处置: handled no later than the handling deadline; None while not handled."""
    if case.handled_at is None or case.deadline_at is None:
        return None
    return case.handled_at <= case.deadline_at


def open_handle_row():
    """SQL join condition from Case to its open 处置 (handle) CaseStage row, for handling_lamp.

    'handle' is written inline, not bound: a prepared statement's generic plan could not match a
    parameter to the partial index ix_case_stages_open_handle (models.OPEN_HANDLE_ROW)."""
    return and_(CaseStage.case_id == Case.id, CaseStage.stage == literal("handle", literal_execute=True),
                CaseStage.ended_at.is_(None))


def overdue_clause(now: datetime):
    """SQL condition for a case whose handling is overdue right now (a red lamp on 处置).

    A suspended case's clock stopped at suspended_at (its deadline moves only on resume),
    so it is overdue when it was already overdue then.
    """
    return or_(and_(Case.status == "dispatched", Case.deadline_at < now),
               and_(Case.status == "suspended", Case.deadline_at < Case.suspended_at))



def due_soon_clause(now: datetime):
    """SQL condition for a case whose 处置 lamp is yellow right now (预警): at least YELLOW_AT of
    the open handle row's limit used, and not yet overdue; equal to `handling_lamp` == "yellow".

    remaining = deadline - (suspended_at or now), so yellow is 0 <= remaining <= (1 - YELLOW_AT) * limit.
    """
    limit = select(CaseStage.time_limit_minutes).where(open_handle_row()).limit(1).scalar_subquery()
    share = (1 - YELLOW_AT) * limit

    def yellow(at):
        return and_(Case.deadline_at >= at, minutes_between(at, Case.deadline_at) <= share)

    return or_(and_(Case.status == "dispatched", yellow(literal(now))),
               and_(Case.status == "suspended", yellow(Case.suspended_at)))


def overdue_unclosed_clause(now: datetime):
    """SQL condition for a case past its handling deadline that is still not closed."""
    return or_(overdue_clause(now),
               and_(Case.status.in_(("handled", "fed_back", "verified")), Case.deadline_at < now))
