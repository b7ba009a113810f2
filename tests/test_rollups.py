"""Rollups equal the raw aggregate after seeding and after live changes."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import rollups
from data_access.models import Case, Category, DailyRollup, HourlyRollup
from seeds.demo import seed_demo
from data_access.clock import utcnow
from seeds.simulator import Simulator

KEYS = list(rollups.DAILY_KEYS)


def raw_cases(engine) -> pd.DataFrame:
    with Session(engine) as session:
        rows = session.execute(select(Case, Category.major_code).join(Category, Category.id == Case.category_id)).all()
    return pd.DataFrame([{**{c.name: getattr(case, c.name) for c in Case.__table__.columns}, "major_code": major}
                         for case, major in rows])


def expected_daily(df: pd.DataFrame) -> pd.DataFrame:
    """The daily rollup computed independently in pandas from the raw rows."""
    local = df.reported_at + timedelta(hours=8)
    on_time = df.handled_at.notna() & (df.handled_at <= df.deadline_at)
    measures = pd.DataFrame({
        "day": local.dt.date, "region_code": df.region_code, "category_id": df.category_id,
        "department_id": df.department_id.fillna(0).astype(int), "source": df.source,
        "reported": 1, "filed": df.filed_at.notna(), "rejected": df.status == "rejected",
        "voided": df.status == "voided", "dispatched": df.dispatched_at.notna(),
        "handled": df.handled_at.notna(), "handled_on_time": on_time, "fed_back": df.feedback_at.notna(),
        "verified": df.verified_at.notna(), "closed": df.status == "closed",
        "closed_on_time": (df.status == "closed") & on_time, "reworked": df.rework_count > 0,
        "open": df.status.isin(["reported", "filed", "dispatched", "suspended", "handled", "fed_back", "verified"]),
        "suspended": df.status == "suspended",
    })
    return measures.groupby(KEYS).sum().astype(int).reset_index()


def stored_daily(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(select(DailyRollup)).mappings().all())
    df["day"] = pd.to_datetime(df.day).dt.date
    return df


def assert_rollups_match_raw(engine):
    raw = raw_cases(engine)
    expected = expected_daily(raw).sort_values(KEYS).reset_index(drop=True)
    stored = stored_daily(engine).sort_values(KEYS).reset_index(drop=True)
    assert len(stored) == len(expected)
    pd.testing.assert_frame_equal(stored[expected.columns], expected, check_dtype=False)
    handled = raw[raw.handled_at.notna()]
    minutes = (handled.handled_at - handled.dispatched_at).dt.total_seconds().sum() / 60
    assert stored.handle_minutes.sum() == pytest.approx(minutes, rel=1e-6)

    local = raw.reported_at + timedelta(hours=8)
    hourly = (pd.DataFrame({"day": local.dt.date, "hour": local.dt.hour, "region_code": raw.region_code,
                            "major_code": raw.major_code, "source": raw.source, "reported": 1})
              .groupby(list(rollups.HOURLY_KEYS)).sum().reset_index())
    with engine.connect() as conn:
        stored_hourly = pd.DataFrame(conn.execute(select(HourlyRollup)).mappings().all())
    stored_hourly["day"] = pd.to_datetime(stored_hourly.day).dt.date
    keys = list(rollups.HOURLY_KEYS)
    pd.testing.assert_frame_equal(stored_hourly.sort_values(keys).reset_index(drop=True)[hourly.columns],
                                  hourly.sort_values(keys).reset_index(drop=True), check_dtype=False)


def test_rollups_after_seed_and_live_changes(engine):
    seed_demo(engine, cases=1500, seed=5, progress=False)
    assert_rollups_match_raw(engine)

    sim = Simulator(engine, rate_per_minute=90, speed=400, seed=4)
    start = utcnow().replace(microsecond=0)
    for step in range(8):
        sim.tick(15, now=start + timedelta(seconds=15 * step))
    assert sim.counts["created"] > 5 and sim.counts["moved"] > 20
    assert_rollups_match_raw(engine)


def test_rebuild_is_idempotent(engine):
    seed_demo(engine, cases=300, seed=6, progress=False)
    before = stored_daily(engine)
    with engine.begin() as conn:
        rollups.rebuild(conn)
    after = stored_daily(engine)
    keys = KEYS
    pd.testing.assert_frame_equal(before.sort_values(keys).reset_index(drop=True),
                                  after.sort_values(keys).reset_index(drop=True))
