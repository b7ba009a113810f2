"""The demo city is consistent and realistic, on SQLite and PostgreSQL."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data_access import boards, clock, lifecycle
from data_access.db import get_engine, upgrade
from data_access.filters import Scope
from data_access.indicators import indicators
from data_access.models import Camera, Case, Grid, Region
from seeds.demo import SeedError, seed_demo
from data_access.clock import utcnow
from seeds.simulator import Simulator

# The column each step stamps on the case when it ends.
STAMP = {"file": "filed_at", "dispatch": "dispatched_at", "handle": "handled_at",
         "feedback": "feedback_at", "verify": "verified_at", "close": "closed_at"}
# The step that is open while a case waits in each status.
OPEN_STEP = {"reported": "file", "filed": "dispatch", "dispatched": "handle", "suspended": "handle",
             "handled": "feedback", "fed_back": "verify", "verified": "close"}


@pytest.fixture
def cases(seeded):
    with Session(seeded) as session:
        yield session.execute(select(Case).options(selectinload(Case.stages))).scalars().all()


def frame(engine, sql: str) -> pd.DataFrame:
    """Raw SQL into a DataFrame, with *_at columns as datetimes on both backends."""
    with engine.connect() as conn:
        df = pd.read_sql_query(sql, conn)
    for column in df.columns[df.columns.str.endswith("_at")]:
        df[column] = pd.to_datetime(df[column], format="ISO8601")
    return df


def test_stage_times_are_ordered(cases):
    for case in cases:
        times = [case.reported_at, case.filed_at, case.dispatched_at, case.handled_at,
                 case.feedback_at, case.verified_at, case.closed_at]
        present = [t for t in times if t is not None]
        assert present == sorted(present), case.case_no
        assert [r.seq for r in case.stages] == list(range(1, len(case.stages) + 1))
        for before, after in zip(case.stages, case.stages[1:]):
            assert before.started_at <= after.started_at, case.case_no
        for row in case.stages:
            assert row.ended_at is None or row.ended_at >= row.started_at, case.case_no


def test_status_agrees_with_stages(cases):
    for case in cases:
        open_steps = [r.stage for r in case.stages if r.ended_at is None and r.stage in lifecycle.STEPS]
        assert open_steps == ([OPEN_STEP[case.status]] if case.status in OPEN_STEP else []), case.case_no
        assert (case.status == "suspended") == any(r.stage == "suspend" and r.ended_at is None for r in case.stages)
        assert case.stages[0].stage == "report" and case.stages[0].started_at == case.reported_at
        last = case.stages[-1]
        if case.status in ("rejected", "voided"):
            assert last.stage == {"rejected": "reject", "voided": "void"}[case.status]
            assert case.ended_at == last.started_at
        if case.status == "closed":
            assert last.stage == "close" and last.ended_at == case.closed_at
        for step, column in STAMP.items():
            ends = [r.ended_at for r in case.stages if r.stage == step and r.ended_at is not None]
            if getattr(case, column) is not None:
                assert getattr(case, column) == ends[-1], (case.case_no, step)
        assert case.rework_count == sum(r.stage == "rework" for r in case.stages)
        assert case.extension_minutes == sum(r.time_limit_minutes for r in case.stages if r.stage == "extend")
        if case.status in ("dispatched", "suspended", "handled", "fed_back", "verified", "closed"):
            assert case.department_id is not None and case.deadline_at is not None


def test_stages_replay_through_the_state_machine(cases):
    """Rebuilding each case from its rows' actions reaches the stored status."""
    for case in cases[:: max(1, len(cases) // 800)]:
        replay = Case(case_no=case.case_no, status=None, urgency=case.urgency,
                      time_limit_minutes=case.time_limit_minutes)
        for action, at, extra in _actions(case):
            lifecycle.apply(replay, action, at, department_id=case.department_id if action == "dispatch" else None,
                            minutes=extra)
        assert replay.status == case.status, case.case_no
        assert replay.deadline_at == case.deadline_at, case.case_no


SIDE_CLOSERS = ("reject", "void", "return", "rework")  # actions that end a step and add their own row


def _actions(case):
    """The actions that produced a case's rows, ordered by time, then by row."""
    rows = case.stages
    closed_by_side = {r.started_at for r in rows if r.stage in SIDE_CLOSERS}
    actions = []
    for i, row in enumerate(rows):
        if row.stage == "report":
            actions.append((row.started_at, i, "report", None))
        elif row.stage in lifecycle.STEPS:
            if row.ended_at is not None and row.ended_at not in closed_by_side:
                actions.append((row.ended_at, i, row.stage, None))
        else:
            actions.append((row.started_at, i, row.stage, row.time_limit_minutes if row.stage == "extend" else None))
            if row.stage == "suspend" and row.ended_at is not None:
                actions.append((row.ended_at, i + 0.5, "resume", None))
    return [(action, at, extra) for at, _, action, extra in sorted(actions, key=lambda a: (a[0], a[1]))]


def test_every_case_lies_inside_its_region_and_grid(seeded):
    with Session(seeded) as session:
        regions = {r.code: shapely.from_geojson(r.geometry) for r in session.scalars(select(Region))}
        grids = {g.code: shapely.from_geojson(g.geometry) for g in session.scalars(select(Grid))}
        rows = session.execute(select(Case.lon, Case.lat, Case.region_code, Case.grid_code)).all()
    df = pd.DataFrame(rows, columns=["lon", "lat", "region", "grid"])
    assert len(df) > 0
    for column, shapes in (("region", regions), ("grid", grids)):
        inside = shapely.contains_xy(np.array([shapes[c] for c in df[column]], dtype=object), df.lon, df.lat)
        assert inside.all(), df[~inside].head()


def test_geography_hierarchy(seeded):
    codes = frame(seeded, "SELECT g.code AS grid, g.community_code AS community, g.region_code AS region, "
                          "c.region_code AS community_region FROM grids g JOIN communities c ON c.code = g.community_code")
    assert len(frame(seeded, "SELECT code FROM regions")) == 32
    assert (codes.grid.str.len() == 14).all() and (codes.community.str.len() == 12).all()
    assert (codes.grid.str[:12] == codes.community).all() and (codes.community.str[:9] == codes.region).all()
    assert (codes.region == codes.community_region).all()


def test_every_category_code_exists(seeded):
    assert len(frame(seeded, "SELECT id FROM categories")) == 403
    orphans = frame(seeded, "SELECT c.id FROM cases c LEFT JOIN categories k ON k.id = c.category_id "
                            "WHERE k.id IS NULL OR k.kind <> 'event'")
    assert orphans.empty
    limits = frame(seeded, "SELECT count(*) AS n FROM cases c JOIN categories k ON k.id = c.category_id "
                           "WHERE c.time_limit_minutes <> k.time_limit_minutes")
    assert limits.n[0] == 0


# What a real city's scoreboard looks like (seeds/PROVENANCE.md, "Performance of towns and
# departments"): the city closes about nine in ten due cases, about four in five on time, and
# its 镇街 spread over the grades A to D, some clearly behind.
CITY_RATES = {  # window: (结案率, 按期结案率) ranges
    "month": ((0.78, 0.94), (0.68, 0.88)),
    "year": ((0.86, 0.95), (0.70, 0.86)),
}


def _window(name: str) -> Scope:
    today = clock.today()
    return Scope(today.replace(day=1) if name == "month" else today.replace(month=1, day=1), today)


@pytest.mark.parametrize("window", list(CITY_RATES))
def test_city_rates_and_town_grades_spread_like_a_real_city(seeded, window):
    url = seeded.url.render_as_string(hide_password=False)
    scope = _window(window)
    city = indicators(boards.counts(url, scope)).iloc[0]
    (close_low, close_high), (on_time_low, on_time_high) = CITY_RATES[window]
    assert close_low <= city.closing_rate <= close_high, city.closing_rate
    assert on_time_low <= city.on_time_closing_rate <= on_time_high, city.on_time_closing_rate
    assert 0.015 <= city.rework_rate <= 0.07, city.rework_rate

    towns = boards.region_scores(url, scope)
    grades = towns.grade.value_counts()
    assert {"A", "B", "C", "D"} <= set(grades.index), grades.to_dict()
    assert grades.max() <= 0.6 * len(towns), grades.to_dict()  # no grade holds most towns
    assert (towns.score >= 90).sum() >= 3 and (towns.score < 60).sum() >= 1, towns.score.describe()

    departments = boards.indicator_table(url, scope, ("department_id",))
    departments = departments[departments.department_id != 0]
    assert departments.score.max() >= 90 and departments.score.min() < 60, departments.score.describe()


def test_towns_behind_stay_behind(seeded):
    """Performance is a property of a town, not of a month: the year's weakest towns are weak this
    month too."""
    url = seeded.url.render_as_string(hide_password=False)
    year = boards.region_scores(url, _window("year")).set_index("region_code").score
    month = boards.region_scores(url, _window("month")).set_index("region_code").score
    ranked = year.sort_values().index
    assert month[ranked[:6]].mean() < month[ranked[-6:]].mean() - 15, (month[ranked[:6]], month[ranked[-6:]])


def test_rejection_and_rework_rates_are_realistic(seeded):
    df = frame(seeded, "SELECT status, filed_at, rework_count, reported_at FROM cases")
    old = df[df.reported_at < df.reported_at.max() - pd.Timedelta(days=30)]
    closed = old[old.status == "closed"]
    assert 0.01 <= (closed.rework_count > 0).mean() <= 0.07
    assert 0.01 <= (old.status == "rejected").mean() <= 0.06


def test_patterns_rhythm_season_profile_source_departments(seeded):
    df = frame(seeded, "SELECT c.reported_at, c.source, c.department_id, c.handled_at, c.deadline_at, "
                       "k.code, k.major_code, r.profile FROM cases c JOIN categories k ON k.id = c.category_id "
                       "JOIN regions r ON r.code = c.region_code")
    local = pd.to_datetime(df.reported_at) + pd.Timedelta(hours=8)
    hours = local.dt.hour.value_counts()
    assert hours.get(10, 0) > 4 * hours.get(3, 0)
    per_day = local.dt.date.value_counts()
    weekday = pd.to_datetime(pd.Series(per_day.index)).dt.day_of_week
    assert per_day.values[weekday.values < 5].mean() > 1.15 * per_day.values[weekday.values >= 5].mean()

    waterlogging = df.code.isin(["01003", "01004", "01067", "01072", "01073"])
    month = local.dt.month
    rainy = waterlogging[month.isin([6, 7, 8])].mean()
    dry = waterlogging[month.isin([12, 1, 2])].mean()
    assert rainy > 3 * dry

    street_vending = df.code.isin(["09005", "09006"])
    construction = df.major_code == "08"
    assert street_vending[df.profile == "centre"].mean() > street_vending[df.profile == "industrial"].mean()
    assert construction[df.profile == "industrial"].mean() > 1.5 * construction[df.profile == "centre"].mean()

    sources = df.source.value_counts(normalize=True)
    assert 0.10 <= sources["video_ai"] <= 0.20 and 0.10 <= sources["hotline"] <= 0.20
    assert set(sources.index) == {"inspector", "public", "hotline", "video_ai", "drone", "leader", "media"}

    handled = df[df.handled_at.notna()]
    by_dept = (handled.handled_at <= handled.deadline_at).groupby(handled.department_id).agg(["mean", "size"])
    by_dept = by_dept[by_dept["size"] >= 100]["mean"]
    assert by_dept.max() - by_dept.min() > 0.05, by_dept


def test_video_cases_come_from_ai_cameras_in_their_grid(seeded):
    with Session(seeded) as session:
        rows = session.execute(select(Case.source, Case.camera_id, Case.region_code, Camera.kind, Camera.region_code)
                               .outerjoin(Camera, Camera.id == Case.camera_id)).all()
    video = [r for r in rows if r[0] == "video_ai"]
    assert video and all(r[1] is not None and r[3] == "ai" and r[2] == r[4] for r in video)
    assert all(r[1] is None for r in rows if r[0] != "video_ai")


def test_seed_is_deterministic_and_refuses_to_overwrite(tmp_path):
    now = datetime(2026, 6, 1, 4, 0)
    frames = []
    for name in ("a", "b"):
        engine = get_engine(f"sqlite:///{tmp_path / name}.sqlite")
        upgrade(engine)
        seed_demo(engine, cases=300, seed=11, progress=False, now=now)
        frames.append(frame(engine, "SELECT * FROM cases ORDER BY id"))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    with pytest.raises(SeedError, match="already holds 300 cases"):
        seed_demo(engine, cases=10, seed=1, progress=False)
    report = seed_demo(engine, cases=50, seed=2, progress=False, reset=True, now=now)
    assert report.cases == 50 and report.rows > 50
    assert len(frame(engine, "SELECT id FROM cases")) == 50


def test_simulator_creates_and_moves_cases(engine):
    seed_demo(engine, cases=200, seed=3, progress=False)
    with Session(engine) as session:
        before = {c.case_no: c.status for c in session.scalars(select(Case))}
    sim = Simulator(engine, rate_per_minute=120, speed=500, seed=1)
    start = utcnow().replace(microsecond=0)
    for step in range(6):
        sim.tick(10, now=start + timedelta(seconds=10 * step))
    assert sim.counts["created"] > 0 and sim.counts["moved"] > 0
    with Session(engine) as session:
        after = session.execute(select(Case).options(selectinload(Case.stages))).scalars().all()
        regions = {r.code: shapely.from_geojson(r.geometry) for r in session.scalars(select(Region))}
    new = [c for c in after if c.case_no not in before]
    assert len(new) == sim.counts["created"]
    assert Counter(c.status for c in new).keys() - {"reported"}, "new cases should move on at speed 500"
    for case in new:
        assert shapely.contains_xy(regions[case.region_code], case.lon, case.lat)
        assert case.stages[0].stage == "report"
    assert len({c.case_no for c in after}) == len(after)


def test_handling_lamp_from_columns_equals_the_stage_clock(cases):
    """boards.open_lamps uses lifecycle.handling_lamp; it must agree with step_clock."""
    now = max(c.updated_at for c in cases) + timedelta(hours=3)
    handling = [c for c in cases if c.status in lifecycle.HANDLING_STATUSES]
    assert handling
    for case in handling:
        row = next(r for r in reversed(case.stages) if r.stage == "handle" and r.ended_at is None)
        for at in (now, now + timedelta(days=2), case.deadline_at - timedelta(minutes=1)):
            assert lifecycle.handling_lamp(case.deadline_at, row.time_limit_minutes, case.suspended_at, at) == \
                lifecycle.current_clock(case, at).lamp, case.case_no


def test_bulk_loaded_timestamps_compare_like_orm_written_ones(seeded):
    """SQLite compares timestamps as text, so the loader must write SQLAlchemy's format."""
    with seeded.connect() as conn:
        text = conn.exec_driver_sql("SELECT CAST(reported_at AS TEXT) FROM cases ORDER BY id LIMIT 1").scalar()
    if seeded.dialect.name == "sqlite":
        assert len(text) == len("2026-01-01 00:00:00.000000"), text


def test_new_rows_get_fresh_ids_after_the_seed(seeded_postgresql):
    """The seed writes explicit ids; every id sequence must have moved past them."""
    from sqlalchemy import text

    from data_access.bulk import serial_id_tables

    with seeded_postgresql.connect() as conn:
        for table in serial_id_tables():
            highest = conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}")).scalar()
            following = conn.execute(text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id'))")).scalar()
            assert following > highest, table.name
        conn.rollback()
