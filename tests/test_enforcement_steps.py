"""The enforcement procedure: every legal move, every illegal one rejected with the allowed ones
named, statutory deadlines, fine caps, and the seeded cases agree with the state machine."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from data_access import enforcement as enf
from data_access.models_enforcement import EnforcementCase, EnforcementStep

T0 = datetime(2026, 5, 4, 2, 0)
MIN = timedelta(minutes=1)

# Written out by hand from the 行政处罚法 steps, not read from TRANSITIONS:
# (procedure, status before, action) -> status after.
LEGAL = {
    ("ordinary", None, "file"): "filed",
    ("ordinary", "filed", "investigate"): "investigated",
    ("ordinary", "investigated", "notify"): "notified",
    ("ordinary", "notified", "decide"): "decided",
    ("ordinary", "decided", "execute"): "executed",
    ("ordinary", "executed", "close"): "closed",
    ("ordinary", "filed", "revoke"): "revoked",
    ("ordinary", "investigated", "revoke"): "revoked",
    ("ordinary", "notified", "revoke"): "revoked",
    ("ordinary", "filed", "extend"): "filed",
    ("ordinary", "investigated", "extend"): "investigated",
    ("ordinary", "notified", "extend"): "notified",
    ("simple", None, "file"): "filed",
    ("simple", "filed", "notify"): "notified",
    ("simple", "notified", "decide"): "decided",
    ("simple", "decided", "execute"): "executed",
    ("simple", "executed", "close"): "closed",
    ("simple", "filed", "revoke"): "revoked",
    ("simple", "notified", "revoke"): "revoked",
}
STATUSES = [None, *enf.STATUS_LABELS]
PATH_TO = {
    "ordinary": {None: [], "filed": ["file"], "investigated": ["file", "investigate"],
                 "notified": ["file", "investigate", "notify"], "decided": ["file", "investigate", "notify", "decide"],
                 "executed": ["file", "investigate", "notify", "decide", "execute"],
                 "closed": ["file", "investigate", "notify", "decide", "execute", "close"],
                 "revoked": ["file", "revoke"]},
    "simple": {None: [], "filed": ["file"], "investigated": None, "notified": ["file", "notify"],
               "decided": ["file", "notify", "decide"], "executed": ["file", "notify", "decide", "execute"],
               "closed": ["file", "notify", "decide", "execute", "close"], "revoked": ["file", "revoke"]},
}
# Every status a procedure can reach, with every action it must refuse there.
ILLEGAL = [(p, s, a) for p in enf.PROCEDURES for s in STATUSES for a in enf.ACTIONS
           if (p, s, a) not in LEGAL and PATH_TO[p][s] is not None]
KWARGS = {"decide": {"penalty": "fine", "fine": 150.0}, "extend": {"days": 30}}


def new(procedure="ordinary", party_kind="person") -> EnforcementCase:
    return EnforcementCase(case_no="ZF-TEST", procedure=procedure, party_kind=party_kind, extension_days=0)


def drive(case, actions, start=T0):
    at = start
    for action in actions:
        enf.apply(case, action, at, "队员", None, **KWARGS.get(action, {}))
        at += MIN
    return at


def snapshot(case):
    return {c.name: getattr(case, c.name) for c in EnforcementCase.__table__.columns} | {"steps": len(case.steps)}


@pytest.mark.parametrize("procedure, status, action", list(LEGAL))
def test_legal_moves(procedure, status, action):
    case = new(procedure)
    at = drive(case, PATH_TO[procedure][status])
    enf.apply(case, action, at, "队员", None, **KWARGS.get(action, {}))
    assert case.status == LEGAL[(procedure, status, action)]
    assert case.steps[-1].step == action and case.steps[-1].at == at
    assert [s.seq for s in case.steps] == list(range(1, len(case.steps) + 1))


@pytest.mark.parametrize("procedure, status, action", ILLEGAL)
def test_illegal_moves_are_rejected_and_name_the_allowed_ones(procedure, status, action):
    path = PATH_TO[procedure][status]
    case = new(procedure)
    at = drive(case, path)
    before = snapshot(case)
    with pytest.raises(enf.TransitionError) as err:
        enf.apply(case, action, at, "队员", None, **KWARGS.get(action, {}))
    allowed = sorted(a for (p, s, a) in LEGAL if p == procedure and s == status)
    assert f"allowed: {', '.join(enf.allowed_actions(procedure, status)) or 'none'}" in str(err.value)
    assert sorted(enf.allowed_actions(procedure, status)) == allowed
    assert snapshot(case) == before


def test_unknown_action_and_procedure():
    with pytest.raises(enf.TransitionError, match="unknown action 'approve'"):
        enf.apply(new(), "approve", T0)
    with pytest.raises(enf.TransitionError, match="unknown procedure"):
        enf.apply(new("summary"), "file", T0)


def test_statutory_deadlines_follow_the_steps():
    case = new("ordinary")
    enf.apply(case, "file", T0)
    assert case.deadline_at == T0 + timedelta(days=90)
    enf.apply(case, "investigate", T0 + timedelta(days=20))
    enf.apply(case, "extend", T0 + timedelta(days=80), days=30)
    assert case.deadline_at == T0 + timedelta(days=120) and case.extension_days == 30
    decided = T0 + timedelta(days=100)
    enf.apply(case, "notify", T0 + timedelta(days=95))
    enf.apply(case, "decide", decided, penalty="fine", fine=20000)
    assert case.deadline_at == decided + timedelta(days=15) and case.fine_amount == 20000
    enf.apply(case, "execute", decided + timedelta(days=3), paid=20000)
    assert case.fine_paid == 20000 and case.deadline_at == decided + timedelta(days=18)
    enf.apply(case, "close", decided + timedelta(days=4))
    assert case.deadline_at is None and case.closed_at == decided + timedelta(days=4)

    simple = new("simple")
    enf.apply(simple, "file", T0)
    assert simple.deadline_at == T0 + timedelta(days=1)


@pytest.mark.parametrize("party_kind, fine, ok", [("person", 200, True), ("person", 201, False),
                                                  ("company", 3000, True), ("company", 3500, False)])
def test_simple_procedure_fine_caps(party_kind, fine, ok):
    case = new("simple", party_kind)
    at = drive(case, ["file", "notify"])
    if ok:
        enf.apply(case, "decide", at, penalty="fine", fine=fine)
        assert case.status == "decided"
    else:
        with pytest.raises(enf.TransitionError, match="简易程序"):
            enf.apply(case, "decide", at, penalty="fine", fine=fine)
        assert case.status == "notified"


@pytest.mark.parametrize("kwargs, message", [({}, "needs a penalty"), ({"penalty": "jail"}, "needs a penalty"),
                                             ({"penalty": "fine"}, "positive amount"),
                                             ({"penalty": "warning", "fine": 50}, "only a fine")])
def test_decide_needs_a_valid_penalty(kwargs, message):
    case = new()
    at = drive(case, ["file", "investigate", "notify"])
    with pytest.raises(enf.TransitionError, match=message):
        enf.apply(case, "decide", at, **kwargs)


def test_no_step_before_the_last_and_paid_within_the_fine():
    case = new()
    at = drive(case, ["file", "investigate"])
    with pytest.raises(enf.TransitionError, match="before the last step"):
        enf.apply(case, "notify", T0 - MIN)
    at = drive(case, ["notify", "decide"], at)
    with pytest.raises(enf.TransitionError, match="paid must be"):
        enf.apply(case, "execute", at, paid=151)
    filed = new()
    enf.apply(filed, "file", T0)
    with pytest.raises(enf.TransitionError, match="extend needs"):
        enf.apply(filed, "extend", T0 + MIN, days=0)


def test_seeded_cases_are_what_the_state_machine_writes(seeded):
    with seeded.connect() as conn:
        cases = pd.DataFrame(conn.execute(select(EnforcementCase)).mappings().all())
        steps = pd.DataFrame(conn.execute(select(EnforcementStep.enforcement_case_id, EnforcementStep.seq,
                                                 EnforcementStep.step, EnforcementStep.at)).all(),
                             columns=["case_id", "seq", "step", "at"])
    assert len(cases) > 500
    # Replay every case's steps through the state machine: same status, stamps, money.
    by_case = {k: g.sort_values("seq") for k, g in steps.groupby("case_id")}
    for row in cases.sample(300, random_state=1).itertuples():
        case = new(row.procedure, row.party_kind)
        for s in by_case[row.id].itertuples():
            kwargs = {}
            if s.step == "decide":
                kwargs = {"penalty": row.penalty, "fine": row.fine_amount if row.penalty == "fine" else None}
            elif s.step == "execute" and row.penalty == "fine":
                kwargs = {"paid": row.fine_paid}
            elif s.step == "extend":
                kwargs = {"days": 30}
            enf.apply(case, s.step, s.at.to_pydatetime() if hasattr(s.at, "to_pydatetime") else s.at, **kwargs)
        assert case.status == row.status, row.case_no
        for column in ("filed_at", "decided_at", "closed_at", "deadline_at"):
            expected = getattr(row, column)
            assert (getattr(case, column) is None) == pd.isna(expected), (row.case_no, column)
    assert set(cases["status"]) <= set(enf.STATUS_LABELS)
    assert (cases.loc[cases["procedure"] == "simple", "investigated_at"].isna()).all()
    fined = cases[cases["penalty"] == "fine"]
    assert (fined["fine_amount"] > 0).all()
    simple_person = fined[(fined["procedure"] == "simple") & (fined["party_kind"] == "person")]
    assert (simple_person["fine_amount"] <= 200).all()
