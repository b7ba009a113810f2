"""One level below the town: 社区 counts from one town's raw cases, the `community` drill on
/cases, and the 预警 (due-soon) measure that the yellow bars count and drill into."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
from factories import PATH_TO, add_city, drive, new_case
from sqlalchemy import func, select

from data_access import boards, clock, db, lifecycle
from data_access.filters import MEASURES, CaseQuery, Scope, case_conditions
from data_access.models import Case, CaseStage, Community
from dashboard import urlstate

CHECKED = ["reported", "filed", "dispatched", "handled", "handled_on_time", "closed", "closed_on_time",
           "reworked", "open", "overdue", "overdue_unclosed"]


def url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def count(engine, query: CaseQuery, now=None) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Case)
                            .where(*case_conditions(query, now or clock.utcnow()))).scalar_one()


def busiest_town(engine, scope: Scope) -> str:
    """The town with the most cases in `scope` (picked by property, not by position)."""
    by_region = boards.counts(url(engine), scope, ("region_code",))
    return by_region.sort_values(["reported", "region_code"], ascending=[False, True]).iloc[0]["region_code"]


def month(engine) -> Scope:
    today = clock.today()
    return Scope(today - timedelta(days=29), today)


def test_community_counts_equal_raw_cases_and_the_drill(seeded):
    citywide = month(seeded)
    town = busiest_town(seeded, citywide)
    scope = Scope(citywide.day_from, citywide.day_to, region=town)
    table = boards.community_counts(url(seeded), scope).set_index("community_code")
    now = clock.utcnow()

    # An independent computation: the town's raw cases in the range, counted in pandas.
    start, end = (pd.Timestamp(d) - pd.Timedelta(hours=8) for d in (scope.day_from, scope.day_to + timedelta(days=1)))
    with seeded.connect() as conn:
        raw = pd.DataFrame(conn.execute(
            select(Case.community_code, Case.region_code, Case.status, Case.filed_at, Case.dispatched_at,
                   Case.handled_at, Case.deadline_at, Case.suspended_at, Case.rework_count)
            .where(Case.reported_at >= start.to_pydatetime(), Case.reported_at < end.to_pydatetime())).all())
    raw = raw[raw.region_code == town]
    on_time = raw.handled_at.notna() & (raw.handled_at <= raw.deadline_at)
    overdue = (((raw.status == "dispatched") & (raw.deadline_at < now))
               | ((raw.status == "suspended") & (raw.deadline_at < raw.suspended_at)))
    expected = pd.DataFrame({
        "community_code": raw.community_code, "reported": 1, "filed": raw.filed_at.notna(),
        "dispatched": raw.dispatched_at.notna(), "handled": raw.handled_at.notna(), "handled_on_time": on_time,
        "closed": raw.status == "closed", "closed_on_time": (raw.status == "closed") & on_time,
        "reworked": raw.rework_count > 0, "open": raw.status.isin(lifecycle.OPEN_STATUSES), "overdue": overdue,
        "overdue_unclosed": overdue | (raw.status.isin(["handled", "fed_back", "verified"]) & (raw.deadline_at < now)),
    }).groupby("community_code").sum().astype(int)
    assert len(expected) > 3, "the busiest town should have cases in several communities"
    assert sorted(table.index) == sorted(expected.index)
    for measure in CHECKED:
        assert (table[measure].sort_index() == expected[measure].sort_index()).all(), measure

    # The communities add up to the town's row of the rollups.
    town_row = boards.counts(url(seeded), scope).iloc[0]
    for measure in ("reported", "closed", "handled", "open", "overdue"):
        assert table[measure].sum() == town_row[measure], measure

    # Every community's count is what /cases lists for its drill.
    for code, row in table.sort_values("reported", ascending=False).head(4).iterrows():
        for measure in ("reported", "closed", "overdue_unclosed"):
            assert row[measure] == count(seeded, CaseQuery.of(scope, community=code, measure=measure)), (code, measure)


def test_area_scores_go_one_level_down(seeded):
    citywide = month(seeded)
    towns = boards.area_scores(url(seeded), citywide)
    assert set(towns.level) == {"region"} and len(towns) == len(boards.names(url(seeded))["regions"])
    town = busiest_town(seeded, citywide)
    scope = Scope(citywide.day_from, citywide.day_to, region=town)
    areas = boards.area_scores(url(seeded), scope)
    with seeded.connect() as conn:
        communities = set(conn.execute(select(Community.code).where(Community.region_code == town)).scalars())
    assert set(areas.code) == communities and set(areas.level) == {"community"}
    scored = areas.dropna(subset=["score"])
    assert len(scored) > 1 and scored.score.is_monotonic_decreasing
    assert scored.grade.isin(list("ABCDE")).all()
    shapes = boards.area_shapes(url(seeded), town)
    assert {f["properties"]["code"] for f in shapes["features"]} == communities


def test_community_in_the_url():
    today = clock.today()
    query, problems = urlstate.parse("?region=441900003&community=441900003005", today)
    assert query.community == "441900003005" and problems == []
    assert "community=441900003005" in urlstate.search_of(query, "30d")
    query, problems = urlstate.parse("?community=4419", today)
    assert query.community is None and any("4419" in p for p in problems)


def _due(case_no, city, now, used_minutes, *, extend=0, suspend_after=None, limit=240):
    """A case dispatched so that `used_minutes` of its 处置 time are used at `now` (the clock
    stops at `suspend_after` minutes when it is suspended)."""
    case = new_case(case_no, city=city, time_limit=limit)
    dispatched = now - timedelta(minutes=used_minutes)
    drive(case, PATH_TO["dispatched"], dispatched - timedelta(minutes=20), department_id=city.department.id)
    if extend:
        lifecycle.apply(case, "extend", dispatched + timedelta(minutes=1), "tester", minutes=extend)
    if suspend_after is not None:
        lifecycle.apply(case, "suspend", dispatched + timedelta(minutes=suspend_after), "tester")
    return case


def test_due_soon_is_the_yellow_lamp(engine):
    now = clock.utcnow().replace(microsecond=0)
    with db.session_scope(engine) as session:
        city = add_city(session)
        session.add_all([
            _due("GREEN", city, now, 100),  # 42 % of 240 min used
            _due("YELLOW", city, now, 200),  # 83 %
            _due("RED", city, now, 250),  # past the deadline
            _due("EXTENDED", city, now, 250, extend=60),  # 250 of 300 min: 83 %
            _due("EXTENDED-GREEN", city, now, 150, extend=120),  # 150 of 360 min
            _due("PAUSED-YELLOW", city, now, 600, suspend_after=200),  # the clock stopped at 83 %
            _due("PAUSED-GREEN", city, now, 600, suspend_after=100),
            _due("PAUSED-RED", city, now, 600, suspend_after=250),
        ])
    with engine.connect() as conn:
        due_soon = set(conn.execute(select(Case.case_no).where(MEASURES["due_soon"](now))).scalars())
        overdue = set(conn.execute(select(Case.case_no).where(MEASURES["overdue"](now))).scalars())
        # Independently: the lamp of each open 处置 row, from lifecycle.handling_lamp in Python.
        rows = conn.execute(select(Case.case_no, Case.deadline_at, Case.suspended_at, CaseStage.time_limit_minutes)
                            .join(CaseStage, lifecycle.open_handle_row())).all()
    lamps = {no: lifecycle.handling_lamp(deadline, limit, paused, now) for no, deadline, paused, limit in rows}
    assert due_soon == {"YELLOW", "EXTENDED", "PAUSED-YELLOW"}
    assert due_soon == {no for no, lamp in lamps.items() if lamp == "yellow"}
    assert overdue == {no for no, lamp in lamps.items() if lamp == "red"} == {"RED", "PAUSED-RED"}


def test_open_lamps_equal_python_lamps_and_the_drill(seeded):
    today = clock.today()
    scope = Scope(today - timedelta(days=364), today)
    lamps = boards.open_lamps(url(seeded), scope).set_index("department_id")
    now = clock.utcnow()
    with seeded.connect() as conn:
        rows = conn.execute(select(Case.department_id, Case.deadline_at, Case.suspended_at, CaseStage.time_limit_minutes)
                            .join(CaseStage, lifecycle.open_handle_row())
                            .where(*case_conditions(CaseQuery.of(scope), now),
                                   Case.status.in_(lifecycle.HANDLING_STATUSES))).all()
    python = (pd.DataFrame([(d, lifecycle.handling_lamp(dl, lim, p, now)) for d, dl, p, lim in rows],
                           columns=["department_id", "lamp"])
              .pivot_table(index="department_id", columns="lamp", aggfunc="size", fill_value=0)
              .reindex(columns=["green", "yellow", "red"], fill_value=0))
    assert lamps[["green", "yellow", "red"]].sort_index().equals(python.sort_index().astype(int))
    for department, row in lamps.iterrows():
        drill = CaseQuery.of(scope, department=int(department), measure="due_soon")
        assert row.yellow == count(seeded, drill)
