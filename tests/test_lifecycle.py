"""The seven-step closed loop: every transition, stage rows, deadlines, clocks and lamps."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from data_access import db
from data_access.lifecycle import (
    ACTIONS,
    FINAL_STATUSES,
    OPEN_STATUSES,
    STATUS_LABELS,
    STEP_LABELS,
    STEPS,
    TRANSITIONS,
    TransitionError,
    allowed_actions,
    apply,
    current_clock,
    handled_on_time,
    lamp,
    overdue_clause,
    step_clock,
)
from data_access.models import Case
from factories import STEP, T0, add_city, case_in, drive, new_case

MIN = timedelta(minutes=1)
LIMIT = 240  # the handling limit of the test cases (minutes)

# The legal moves written out by hand from the domain notes, not read from TRANSITIONS:
# (status before, action) -> status after.
LEGAL = {
    (None, "report"): "reported",
    ("reported", "file"): "filed",
    ("reported", "reject"): "rejected",
    ("reported", "void"): "voided",
    ("filed", "void"): "voided",
    ("filed", "dispatch"): "dispatched",
    ("dispatched", "return"): "filed",
    ("dispatched", "extend"): "dispatched",
    ("dispatched", "suspend"): "suspended",
    ("suspended", "resume"): "dispatched",
    ("dispatched", "handle"): "handled",
    ("handled", "feedback"): "fed_back",
    ("fed_back", "verify"): "verified",
    ("fed_back", "rework"): "dispatched",
    ("verified", "close"): "closed",
}
ALL_STATUSES = [None, *STATUS_LABELS]
ILLEGAL = [(s, a) for s in ALL_STATUSES for a in ACTIONS if (s, a) not in LEGAL]
# The step a case waits in, per open status.
WAITING_STEP = {"reported": "file", "filed": "dispatch", "dispatched": "handle", "suspended": "handle",
                "handled": "feedback", "fed_back": "verify", "verified": "close"}


def snapshot(case: Case):
    """Everything a rejected action must leave untouched."""
    cols = [c.key for c in Case.__table__.columns]
    rows = [(r.seq, r.stage, r.started_at, r.ended_at, r.actor, r.time_limit_minutes) for r in case.stages]
    return {k: getattr(case, k) for k in cols}, rows


def last_event(case: Case):
    return max(t for r in case.stages for t in (r.started_at, r.ended_at) if t is not None)


def open_steps(case: Case):
    return [r.stage for r in case.stages if r.ended_at is None and r.stage in STEPS]


# --- the transition table -------------------------------------------------------------------

def test_transition_table_is_the_domain_table():
    table = {(s, a): (t or s) for a, (sources, t) in TRANSITIONS.items() for s in sources}
    assert table == LEGAL
    assert set(STATUS_LABELS) == set(OPEN_STATUSES) | set(FINAL_STATUSES)
    assert len(ILLEGAL) == len(ALL_STATUSES) * len(ACTIONS) - len(LEGAL)


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_allowed_actions(status):
    assert sorted(allowed_actions(status)) == sorted(a for (s, a) in LEGAL if s == status)


@pytest.mark.parametrize("status", FINAL_STATUSES)
def test_final_statuses_allow_nothing(status):
    assert allowed_actions(status) == []


@pytest.mark.parametrize(("status", "action"), list(LEGAL), ids=lambda v: str(v))
def test_legal_transition(status, action):
    case = case_in(status)
    at = last_event(case) + STEP if case.stages else T0
    apply(case, action, at, "actor", department_id=7, minutes=30)
    assert case.status == LEGAL[(status, action)]
    assert case.updated_at == at
    # the step the case now waits in (if any) is open, and nothing else of the seven steps is
    assert open_steps(case) == ([WAITING_STEP[case.status]] if case.status in OPEN_STATUSES else [])


@pytest.mark.parametrize(("status", "action"), ILLEGAL, ids=lambda v: str(v))
def test_illegal_transition_raises_and_changes_nothing(status, action):
    case = case_in(status, case_no="DG-2026-000123")
    before = snapshot(case)
    at = last_event(case) + STEP if case.stages else T0
    with pytest.raises(TransitionError) as err:
        apply(case, action, at, "actor", department_id=7, minutes=30)
    message = str(err.value)
    assert "DG-2026-000123" in message
    assert f"cannot {action} " in message and STEP_LABELS[action] in message
    assert snapshot(case) == before


def test_unknown_action_raises():
    case = case_in("dispatched")
    before = snapshot(case)
    with pytest.raises(TransitionError, match=r"unknown action 'approve'.*report, file"):
        apply(case, "approve", T0 + timedelta(days=1))
    assert snapshot(case) == before


@pytest.mark.parametrize(("status", "action"), [k for k in LEGAL if k[0] is not None], ids=lambda v: str(v))
def test_time_going_backwards_raises(status, action):
    case = case_in(status, case_no="DG-BACK-1")
    before = snapshot(case)
    with pytest.raises(TransitionError, match="DG-BACK-1.*before the last step"):
        apply(case, action, last_event(case) - timedelta(seconds=1), department_id=7, minutes=30)
    assert snapshot(case) == before


def test_same_instant_as_the_last_step_is_allowed():
    case = new_case()
    drive(case, ["report", "file", "dispatch", "handle"], T0, every=timedelta(0))
    assert case.status == "handled"


def test_dispatch_without_department_raises():
    case = case_in("filed", case_no="DG-NODEPT")
    before = snapshot(case)
    with pytest.raises(TransitionError, match="DG-NODEPT.*department"):
        apply(case, "dispatch", T0 + timedelta(hours=1))
    assert snapshot(case) == before


@pytest.mark.parametrize("minutes", [None, 0, -30])
def test_extend_needs_positive_minutes(minutes):
    case = case_in("dispatched", case_no="DG-EXT")
    before = snapshot(case)
    with pytest.raises(TransitionError, match="DG-EXT.*positive"):
        apply(case, "extend", T0 + timedelta(hours=1), minutes=minutes)
    assert snapshot(case) == before


# --- stage rows -----------------------------------------------------------------------------

# name: (actions, stage rows of the finished case, final status)
PATHS = {
    "clean": (list(STEPS), list(STEPS), "closed"),
    "extended": (["report", "file", "dispatch", "extend", "extend", "handle", "feedback", "verify", "close"],
                 ["report", "file", "dispatch", "handle", "extend", "extend", "feedback", "verify", "close"],
                 "closed"),
    "suspended": (["report", "file", "dispatch", "suspend", "resume", "suspend", "resume", "handle",
                   "feedback", "verify", "close"],
                  ["report", "file", "dispatch", "handle", "suspend", "suspend", "feedback", "verify", "close"],
                  "closed"),
    "returned": (["report", "file", "dispatch", "return", "dispatch", "handle", "feedback", "verify", "close"],
                 ["report", "file", "dispatch", "handle", "return", "dispatch", "handle", "feedback", "verify",
                  "close"], "closed"),
    "reworked": (["report", "file", "dispatch", "handle", "feedback", "rework", "handle", "feedback", "verify",
                  "close"],
                 ["report", "file", "dispatch", "handle", "feedback", "verify", "rework", "handle", "feedback",
                  "verify", "close"], "closed"),
    "rejected": (["report", "reject"], ["report", "file", "reject"], "rejected"),
    "voided": (["report", "void"], ["report", "file", "void"], "voided"),
    "voided-after-filing": (["report", "file", "void"], ["report", "file", "dispatch", "void"], "voided"),
    "returned-then-voided": (["report", "file", "dispatch", "return", "void"],
                             ["report", "file", "dispatch", "handle", "return", "dispatch", "void"], "voided"),
}


@pytest.mark.parametrize("name", PATHS)
def test_stage_rows_along_a_path(name):
    actions, rows, final = PATHS[name]
    case = new_case()
    for i, action in enumerate(actions):
        at = T0 + i * STEP
        apply(case, action, at, "actor", department_id=7, minutes=30)
        stages = case.stages
        assert [r.seq for r in stages] == list(range(1, len(stages) + 1))
        assert all(a.started_at <= b.started_at for a, b in zip(stages, stages[1:]))
        assert all(r.ended_at is None or r.ended_at >= r.started_at for r in stages)
        # one open step at a time, and it is the one the status says
        assert open_steps(case) == ([WAITING_STEP[case.status]] if case.status in OPEN_STATUSES else [])
        # the only side row that stays open is 挂账, and only while suspended
        open_side = [r.stage for r in stages if r.ended_at is None and r.stage not in STEPS]
        assert open_side == (["suspend"] if case.status == "suspended" else [])
    end = T0 + (len(actions) - 1) * STEP
    assert [r.stage for r in case.stages] == rows
    assert case.status == final
    assert all(r.ended_at is not None for r in case.stages)
    assert case.updated_at == end
    if final == "closed":
        assert (case.closed_at, case.ended_at) == (end, None)
    else:
        assert (case.ended_at, case.closed_at) == (end, None)


@pytest.mark.parametrize(("urgency", "limits"), [
    ("normal", [None, 15, 15, LIMIT, 60, 120, 60]),
    ("urgent", [None, 5, 5, LIMIT, 30, 60, 30]),
])
def test_clean_closed_case(urgency, limits):
    minutes = [0, 5, 17, 200, 230, 300, 340]
    times = [T0 + m * MIN for m in minutes]
    case = new_case("DG-CLEAN", urgency=urgency, time_limit=LIMIT)
    for action, at in zip(STEPS, times):
        apply(case, action, at, f"{action}-actor", f"{action} ok", department_id=3)

    assert [r.stage for r in case.stages] == list(STEPS)
    assert [r.seq for r in case.stages] == list(range(1, 8))
    assert [r.time_limit_minutes for r in case.stages] == limits
    report = case.stages[0]
    assert (report.started_at, report.ended_at, report.actor, report.opinion) == (T0, T0, "report-actor", "report ok")
    # each step starts when the previous one ends and is signed by whoever ended it
    for start, end, row in zip(times, times[1:], case.stages[1:]):
        assert (row.started_at, row.ended_at) == (start, end)
        assert (row.actor, row.opinion) == (f"{row.stage}-actor", f"{row.stage} ok")

    assert case.status == "closed"
    assert [case.reported_at, case.filed_at, case.dispatched_at, case.handled_at, case.feedback_at,
            case.verified_at, case.closed_at] == times
    assert case.updated_at == times[-1]
    assert case.department_id == 3
    assert case.deadline_at == times[2] + LIMIT * MIN
    assert (case.ended_at, case.suspended_at) == (None, None)
    assert (case.extension_minutes, case.suspended_minutes, case.rework_count) == (0, 0, 0)
    assert handled_on_time(case) is True
    assert current_clock(case, times[-1]) is None


@pytest.mark.parametrize(("path", "closed_row"), [(["report", "void"], "file"),
                                                  (["report", "file", "void"], "dispatch")])
def test_void_closes_the_waiting_step(path, closed_row):
    case = new_case()
    end = drive(case, path, T0)
    row = next(r for r in case.stages if r.stage == closed_row)
    assert row.ended_at == end
    assert case.stages[-1].stage == "void" and case.stages[-1].started_at == case.stages[-1].ended_at == end
    assert case.ended_at == end and case.deadline_at is None


def test_reject_closes_filing_with_the_opinion():
    case = case_in("reported")
    at = T0 + 7 * MIN
    apply(case, "reject", at, "王审核", "非城管职责")
    file_row, reject_row = case.stages[1:]
    assert (file_row.stage, file_row.ended_at, file_row.actor, file_row.opinion) == ("file", at, "王审核", "非城管职责")
    assert (reject_row.stage, reject_row.started_at, reject_row.ended_at) == ("reject", at, at)
    assert (case.status, case.ended_at, case.filed_at) == ("rejected", at, None)


# --- deadlines ------------------------------------------------------------------------------

def dispatched_case(dispatch_at, **kw):
    case = new_case(time_limit=LIMIT, **kw)
    drive(case, ["report", "file", "dispatch"], dispatch_at - 2 * STEP)
    assert case.dispatched_at == dispatch_at
    return case


def test_dispatch_sets_deadline_and_department():
    case = case_in("filed")
    at = T0 + timedelta(hours=3, seconds=7)
    apply(case, "dispatch", at, department_id=42)
    assert case.deadline_at == at + LIMIT * MIN
    assert case.department_id == 42
    assert case.stages[-1].stage == "handle" and case.stages[-1].time_limit_minutes == LIMIT


def test_extend_adds_minutes():
    d = T0 + timedelta(hours=1)
    case = dispatched_case(d)
    apply(case, "extend", d + 30 * MIN, "科长", "材料未到", minutes=30)
    apply(case, "extend", d + 60 * MIN, minutes=45)
    assert case.deadline_at == d + (LIMIT + 75) * MIN
    assert case.extension_minutes == 75
    assert case.status == "dispatched"
    handle = next(r for r in case.stages if r.stage == "handle")
    assert handle.time_limit_minutes == LIMIT + 75 and handle.ended_at is None
    extends = [r for r in case.stages if r.stage == "extend"]
    assert [(r.time_limit_minutes, r.started_at, r.ended_at) for r in extends] == [
        (30, d + 30 * MIN, d + 30 * MIN), (45, d + 60 * MIN, d + 60 * MIN)]
    assert (extends[0].actor, extends[0].opinion) == ("科长", "材料未到")


def test_suspend_and_resume_shift_the_deadline_by_the_pause():
    d = T0 + timedelta(hours=1)
    case = dispatched_case(d)
    apply(case, "suspend", d + 60 * MIN, "科长", "等待审批")
    assert (case.status, case.suspended_at) == ("suspended", d + 60 * MIN)
    assert case.deadline_at == d + LIMIT * MIN  # moves only when the pause ends
    apply(case, "resume", d + 150 * MIN)
    assert (case.status, case.suspended_at) == ("dispatched", None)
    assert case.suspended_minutes == 90
    assert case.deadline_at == d + (LIMIT + 90) * MIN
    pause = next(r for r in case.stages if r.stage == "suspend")
    assert (pause.started_at, pause.ended_at, pause.opinion) == (d + 60 * MIN, d + 150 * MIN, "等待审批")
    # a second pause adds up
    apply(case, "suspend", d + 200 * MIN)
    apply(case, "resume", d + 230 * MIN)
    assert case.suspended_minutes == 120
    assert case.deadline_at == d + (LIMIT + 120) * MIN


@pytest.mark.parametrize("pause", [timedelta(seconds=30), timedelta(seconds=90), timedelta(minutes=7, seconds=20)])
def test_deadline_moves_by_the_exact_pause(pause):
    # The deadline and the 处置 clock must agree, so a pause of odd seconds moves the deadline exactly.
    d = T0 + timedelta(hours=1)
    case = dispatched_case(d)
    apply(case, "suspend", d + 10 * MIN)
    apply(case, "resume", d + 10 * MIN + pause)
    assert case.deadline_at == d + LIMIT * MIN + pause


def test_rework_resets_deadline_and_counts():
    d = T0 + timedelta(hours=1)
    case = dispatched_case(d)
    apply(case, "extend", d + 10 * MIN, minutes=60)
    drive(case, ["handle", "feedback"], d + 100 * MIN)
    rework_at = d + 200 * MIN
    apply(case, "rework", rework_at, "核查员", "未修复")
    assert case.status == "dispatched"
    assert case.deadline_at == rework_at + LIMIT * MIN
    assert case.rework_count == 1
    assert (case.handled_at, case.feedback_at) == (None, None)
    assert handled_on_time(case) is None
    assert case.stages[-1].stage == "handle" and case.stages[-1].time_limit_minutes == LIMIT
    assert case.stages[-1].started_at == rework_at
    # a second failed check counts again
    drive(case, ["handle", "feedback", "rework"], rework_at + 10 * MIN)
    assert case.rework_count == 2


def test_return_clears_deadline_until_dispatched_again():
    d = T0 + timedelta(hours=1)
    case = dispatched_case(d)
    apply(case, "return", d + 20 * MIN, "供水集团", "非本单位职责")
    assert case.status == "filed"
    assert (case.deadline_at, case.dispatched_at) == (None, None)
    assert case.stages[-1].stage == "dispatch" and case.stages[-1].started_at == d + 20 * MIN
    apply(case, "dispatch", d + 30 * MIN, department_id=9)
    assert case.deadline_at == d + (30 + LIMIT) * MIN
    assert (case.dispatched_at, case.department_id) == (d + 30 * MIN, 9)


# --- lamps and clocks -----------------------------------------------------------------------

@pytest.mark.parametrize(("used", "limit", "colour"), [
    (0, 60, "green"), (47.9, 60, "green"), (48, 60, "yellow"), (59.9, 60, "yellow"),
    (60, 60, "yellow"),  # exactly at the limit is still on time
    (60.01, 60, "red"), (7.99, 10, "green"), (8, 10, "yellow"), (10, 10, "yellow"), (11, 10, "red"),
    (8063, 10080, "green"), (8064, 10080, "yellow"), (10081, 10080, "red"),
    (0, 0, "green"), (1, 0, "red"),
])
def test_lamp(used, limit, colour):
    assert lamp(used, limit) == colour


@pytest.mark.parametrize(("waited", "colour"), [(0, "green"), (11, "green"), (12, "yellow"), (15, "yellow"),
                                                (16, "red")])
def test_current_clock_of_a_waiting_step(waited, colour):
    case = case_in("reported")  # reported at T0, 立案 limit 15 minutes
    clock = current_clock(case, T0 + waited * MIN)
    assert (clock.step, clock.used_minutes, clock.limit_minutes, clock.lamp) == ("file", waited, 15, colour)
    assert clock.remaining_minutes == 15 - waited


@pytest.mark.parametrize("status", FINAL_STATUSES)
def test_finished_case_has_no_clock(status):
    assert current_clock(case_in(status), T0 + timedelta(days=30)) is None


def test_finished_step_clock_ignores_now():
    case = case_in("handled")  # dispatched at T0+20 min, handled at T0+30 min
    handle = next(r for r in case.stages if r.stage == "handle")
    for now in (T0 + timedelta(hours=1), T0 + timedelta(days=9)):
        clock = step_clock(case, handle, now)
        assert (clock.used_minutes, clock.limit_minutes, clock.lamp) == (10, LIMIT, "green")


def test_handling_clock_stops_while_suspended():
    d = T0 + timedelta(hours=1)
    case = dispatched_case(d)
    apply(case, "suspend", d + 100 * MIN)
    for later in (100, 1000, 5000):  # paused: the clock does not move
        clock = current_clock(case, d + later * MIN)
        assert (clock.step, clock.used_minutes) == ("handle", 100)
    apply(case, "resume", d + 1000 * MIN)
    clock = current_clock(case, d + 1092 * MIN)
    assert (clock.used_minutes, clock.lamp) == (192, "yellow")  # 192 / 240 = 80 %
    assert current_clock(case, d + 1141 * MIN).lamp == "red"  # 241 of 240


def test_clock_counts_extension():
    d = T0 + timedelta(hours=1)
    case = dispatched_case(d)
    apply(case, "extend", d + 10 * MIN, minutes=60)
    clock = current_clock(case, d + 250 * MIN)
    assert (clock.limit_minutes, clock.lamp) == (300, "yellow")


def test_earlier_handle_row_ignores_later_pauses():
    # The first 处置 row (before a rework) must not be touched by a pause in the second one.
    d = T0 + timedelta(hours=1)
    case = dispatched_case(d)
    drive(case, ["handle", "feedback", "rework"], d + 50 * MIN)  # handled after 50 minutes
    apply(case, "suspend", d + 200 * MIN)
    apply(case, "resume", d + 500 * MIN)
    first, second = [r for r in case.stages if r.stage == "handle"]
    assert step_clock(case, first, d + 600 * MIN).used_minutes == 50
    # the second row, open since the rework at d+70, has had 300 minutes paused
    assert step_clock(case, second, d + 600 * MIN).used_minutes == 600 - 70 - 300


def test_red_lamp_exactly_when_past_the_deadline():
    # overdue_clause uses deadline_at, the lamps use the clock: they must tell the same story.
    d = T0 + timedelta(hours=1)
    case = dispatched_case(d)
    apply(case, "suspend", d + 10 * MIN)
    apply(case, "resume", d + 10 * MIN + timedelta(seconds=90))
    apply(case, "extend", d + 20 * MIN, minutes=15)
    for seconds in range(0, 20 * 60, 10):
        now = case.deadline_at + timedelta(seconds=seconds - 10 * 60)
        assert (current_clock(case, now).lamp == "red") == (now > case.deadline_at), now


@pytest.mark.parametrize(("handled_after", "on_time"), [(LIMIT - 1, True), (LIMIT, True), (LIMIT + 1, False)])
def test_handled_on_time(handled_after, on_time):
    d = T0 + timedelta(hours=1)
    case = dispatched_case(d)
    assert handled_on_time(case) is None
    apply(case, "handle", d + handled_after * MIN)
    assert handled_on_time(case) is on_time


def test_extension_and_pause_can_make_handling_on_time():
    d = T0 + timedelta(hours=1)
    late = d + (LIMIT + 50) * MIN
    extended = dispatched_case(d)
    apply(extended, "extend", d + 10 * MIN, minutes=60)
    apply(extended, "handle", late)
    paused = dispatched_case(d)
    apply(paused, "suspend", d + 10 * MIN)
    apply(paused, "resume", d + 70 * MIN)
    apply(paused, "handle", late)
    assert handled_on_time(extended) is True and handled_on_time(paused) is True


def test_returned_case_is_not_judged():
    case = case_in("dispatched")
    apply(case, "return", T0 + timedelta(hours=1))
    assert handled_on_time(case) is None


# --- overdue_clause in SQL, on both backends ------------------------------------------------

NOW = T0 + timedelta(days=2)


def at(minutes_before_now):
    return NOW - minutes_before_now * MIN


def dispatched(minutes_before_now):
    m = minutes_before_now
    return [("report", at(m + 20)), ("file", at(m + 10)), ("dispatch", at(m))]


# case_no: (script of (action, time[, minutes]), overdue now?)
OVERDUE_CASES = {
    "LONG-AGO": (dispatched(2000), True),
    "NOT-YET": (dispatched(60), False),
    "EXACTLY-DUE": (dispatched(LIMIT), False),  # deadline == now: yellow, not yet overdue
    "JUST-OVER": (dispatched(LIMIT + 1), True),
    "EXTENDED": (dispatched(300) + [("extend", at(250), 120)], False),
    "EXTENDED-TOO-LITTLE": (dispatched(300) + [("extend", at(250), 30)], True),
    "RESUMED": (dispatched(300) + [("suspend", at(290)), ("resume", at(100))], False),
    "RESUMED-LATE": (dispatched(600) + [("suspend", at(590)), ("resume", at(500))], True),
    "SUSPENDED-IN-TIME": (dispatched(300) + [("suspend", at(290))], False),  # clock stopped at 10 min
    "SUSPENDED-OVERDUE": (dispatched(600) + [("suspend", at(100))], True),  # 500 of 240 minutes used
    "HANDLED-LATE": (dispatched(600) + [("handle", at(10))], False),
    "RETURNED": (dispatched(600) + [("return", at(300))], False),
    "REWORKED": (dispatched(2000) + [("handle", at(1900)), ("feedback", at(1800)), ("rework", at(60))], False),
    "REWORKED-LATE": (dispatched(2000) + [("handle", at(1900)), ("feedback", at(1800)), ("rework", at(300))],
                      True),
    "CLOSED": (dispatched(2000) + [(a, at(1900 - 10 * i)) for i, a in enumerate(STEPS[3:])], False),
}


def test_overdue_clause_counts_red_handling_lamps(engine):
    with db.session_scope(engine) as session:
        city = add_city(session)
        for case_no, (script, _) in OVERDUE_CASES.items():
            case = new_case(case_no, city=city, time_limit=LIMIT)
            for action, when, *minutes in script:
                apply(case, action, when, department_id=city.department.id, minutes=(minutes or [None])[0])
            session.add(case)

    expected = {no for no, (_, overdue) in OVERDUE_CASES.items() if overdue}
    with db.session_scope(engine) as session:
        found = set(session.scalars(select(Case.case_no).where(overdue_clause(NOW))))
        count = session.scalar(select(func.count()).select_from(Case).where(overdue_clause(NOW)))
        assert found == expected
        assert count == len(expected)
        # the same verdict as the clock of each loaded case
        for case in session.scalars(select(Case)):
            clock = current_clock(case, NOW)
            red = clock is not None and clock.step == "handle" and clock.lamp == "red"
            assert red == (case.case_no in expected), case.case_no
