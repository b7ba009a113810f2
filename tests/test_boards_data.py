"""Board figures equal what raw cases give, and every drill-down count matches its figure."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from data_access import boards, clock
from data_access.filters import CaseQuery, Scope, case_conditions
from data_access.indicators import indicators
from data_access.models import Case

MEASURES = ["reported", "filed", "dispatched", "handled", "handled_on_time", "closed", "closed_on_time",
            "reworked", "open", "overdue", "overdue_unclosed"]


def url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def scopes(engine):
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(Case.reported_at))).scalar()
    today = (newest + timedelta(hours=8)).date()
    return [Scope(today - timedelta(days=29), today), Scope(today - timedelta(days=364), today),
            Scope(today - timedelta(days=89), today, region="441900003", major="06"),
            Scope(today - timedelta(days=364), today, source="video_ai")]


def count(engine, query: CaseQuery) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Case)
                            .where(*case_conditions(query, clock.utcnow()))).scalar_one()


@pytest.mark.parametrize("by, drill", [((), {}), (("region_code",), "region"), (("source",), "source"),
                                       (("department_id",), "department")])
def test_counts_equal_raw_case_counts(seeded, by, drill):
    for scope in scopes(seeded):
        table = boards.counts(url(seeded), scope, by)
        for _, row in table.head(6).iterrows():
            narrowed = {drill: (int(row[by[0]]) if drill == "department" else row[by[0]])} if by else {}
            if narrowed.get("department") == 0:
                continue  # not yet dispatched has no department to drill into
            for measure in MEASURES:
                assert row[measure] == count(seeded, CaseQuery.of(scope, measure=measure, **narrowed)), (scope, row.get(by[0] if by else None), measure)


def test_category_and_case_type_counts(seeded):
    scope = scopes(seeded)[0]
    names = boards.names(url(seeded))
    by_category = boards.counts(url(seeded), scope, ("category_id",)).nlargest(5, "reported")
    for _, row in by_category.iterrows():
        code = names["categories"][row.category_id][0]
        assert row.reported == count(seeded, CaseQuery.of(scope, category=code))
    for _, row in boards.counts(url(seeded), scope, ("case_type",)).iterrows():
        assert row.closed == count(seeded, CaseQuery.of(scope, case_type=row.case_type, measure="closed"))


def test_indicators_on_board_equal_indicators_from_raw(seeded):
    scope = scopes(seeded)[1]
    board = boards.indicator_table(url(seeded), scope, ("region_code",)).set_index("region_code")
    with seeded.connect() as conn:
        raw = pd.DataFrame(conn.execute(select(Case.region_code, Case.status, Case.handled_at, Case.deadline_at,
                                               Case.rework_count)
                                        .where(*case_conditions(CaseQuery.of(scope), clock.utcnow()))).all())
    now = clock.utcnow()
    on_time = raw.handled_at.notna() & (raw.handled_at <= raw.deadline_at)
    overdue = ((raw.status == "dispatched") & (raw.deadline_at < now))
    unclosed = overdue | (raw.status.isin(["handled", "fed_back", "verified"]) & (raw.deadline_at < now))
    expected = indicators(pd.DataFrame({
        "region_code": raw.region_code, "handled": raw.handled_at.notna(), "handled_on_time": on_time,
        "overdue": overdue, "closed": raw.status == "closed", "closed_on_time": (raw.status == "closed") & on_time,
        "overdue_unclosed": unclosed, "reworked": raw.rework_count > 0,
    }).groupby("region_code").sum()).sort_index()
    for column in ("closing_rate", "on_time_closing_rate", "handling_rate", "on_time_handling_rate",
                   "rework_rate", "score"):
        pd.testing.assert_series_equal(board[column].sort_index(), expected[column], check_names=False)
    assert (board.grade.sort_index() == expected.grade).all()


def test_weekday_hour_counts_match_drill(seeded):
    scope = scopes(seeded)[0]
    table = boards.reports_by_weekday_hour(url(seeded), scope)
    assert len(table) == 7 * 24 and table.reported.sum() == count(seeded, CaseQuery.of(scope))
    busiest = table.nlargest(3, "reported")
    for _, row in busiest.iterrows():
        assert row.reported == count(seeded, CaseQuery.of(scope, weekday=int(row.weekday), hour=int(row.hour)))


def test_open_lamps_cover_the_open_handling_cases(seeded):
    scope = scopes(seeded)[1]
    lamps = boards.open_lamps(url(seeded), scope)
    handling = count(seeded, CaseQuery.of(scope, status="dispatched")) + count(seeded, CaseQuery.of(scope, status="suspended"))
    assert lamps[["green", "yellow", "red"]].to_numpy().sum() == handling
    for _, row in lamps.iterrows():
        assert row.red == count(seeded, CaseQuery.of(scope, department=int(row.department_id), measure="overdue"))


def test_latest_cases_are_newest_first(seeded):
    latest = boards.latest_cases(url(seeded), scopes(seeded)[0], 20)
    assert len(latest) == 20 and latest.reported_at.is_monotonic_decreasing


def test_open_counts_equal_the_rollup_counts(seeded):
    """The headline's year tile counts open cases on the cases (not a year of rollup rows): the
    same numbers as `counts`, and as the drill-down lists."""
    for scope in scopes(seeded):
        expected = boards.counts(url(seeded), scope).iloc[0]
        got = boards.open_counts(url(seeded), scope)
        assert got == {m: int(expected[m]) for m in ("open", "overdue", "overdue_unclosed")}, scope
        assert got["open"] == count(seeded, CaseQuery.of(scope, measure="open")) > 0
    headline = boards.headline(url(seeded), scopes(seeded)[0])
    assert headline["year"] == boards.open_counts(url(seeded), scopes(seeded)[1]) | {"day_from": scopes(seeded)[1].day_from}
