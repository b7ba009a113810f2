"""The simulator's hooks keep 城管执法 and 城管形象 live: new enforcement cases and steps only through
the state machine, and 回访 of newly closed cases only through the case write path."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from data_access import clock, db, image
from data_access import enforcement as enf
from data_access.models import Case
from data_access.models_enforcement import EnforcementCase, EnforcementStep
from data_access.models_image import ReturnVisit


@pytest.fixture(scope="module")
def small_city(tmp_path_factory):
    from seeds.demo import seed_demo

    eng = db.get_engine(f"sqlite:///{tmp_path_factory.mktemp('live') / 'cockpit.sqlite'}")
    db.upgrade(eng)
    seed_demo(eng, cases=6000, seed=11, progress=False)
    return eng


def test_simulated_day_moves_enforcement_cases_legally_and_visits_closed_cases(small_city):
    from seeds import enforcement as enforcement_seed
    from seeds import image as image_seed

    rng = np.random.default_rng(5)
    now = clock.utcnow().replace(microsecond=0)
    recent = select(Case.id).where(Case.source.in_(image.VISIT_SOURCES), Case.status == "closed",
                                   Case.closed_at >= now - timedelta(days=2))
    with small_city.begin() as conn:  # as if the last two days' callers had not been called back yet
        conn.execute(delete(ReturnVisit).where(ReturnVisit.case_id.in_(recent)))
    with Session(small_city, expire_on_commit=False) as session:
        before = session.scalar(select(func.count()).select_from(EnforcementCase))
        visits_before = session.scalar(select(func.count()).select_from(ReturnVisit))
        due = session.scalar(select(func.count()).select_from(Case).where(
            Case.source.in_(image.VISIT_SOURCES), Case.status == "closed", Case.closed_at >= now - timedelta(days=4),
            ~select(ReturnVisit.case_id).where(ReturnVisit.case_id == Case.id).exists()))
        moved = written = 0
        for hour in range(1, 25):  # a day, an hour at a time
            at = now + timedelta(hours=hour)
            moved += enforcement_seed.simulate(session, rng, at, 60, 1.0)
            written += image_seed.simulate(session, rng, at, 60, 1.0)
        session.commit()
        after = session.scalar(select(func.count()).select_from(EnforcementCase))
        visits_after = session.scalar(select(func.count()).select_from(ReturnVisit))
    assert after > before and moved > after - before
    assert due > 0 and 0 < written == visits_after - visits_before <= due

    with small_city.connect() as conn:
        cases = pd.DataFrame(conn.execute(select(EnforcementCase.id, EnforcementCase.status,
                                                 EnforcementCase.procedure)).all(), columns=["id", "status", "procedure"])
        steps = pd.DataFrame(conn.execute(select(EnforcementStep.enforcement_case_id, EnforcementStep.seq,
                                                 EnforcementStep.step, EnforcementStep.at)).all(),
                             columns=["case_id", "seq", "step", "at"])
        visits = pd.DataFrame(conn.execute(select(ReturnVisit.visited_at, Case.closed_at, Case.source, Case.status)
                                           .join(Case, Case.id == ReturnVisit.case_id)).all(),
                              columns=["visited_at", "closed_at", "source", "status"])
    # Replaying each case's step names through the state machine gives its stored status.
    for row in cases.itertuples():
        status = None
        for step in steps[steps["case_id"] == row.id].sort_values("seq")["step"]:
            sources, target = enf.TRANSITIONS[row.procedure][step]
            assert status in sources, (row.id, status, step)
            status = target or status
        assert status == row.status
    assert (pd.to_datetime(visits["visited_at"]) >= pd.to_datetime(visits["closed_at"])).all()
    assert visits["source"].isin(image.VISIT_SOURCES).all() and (visits["status"] == "closed").all()
