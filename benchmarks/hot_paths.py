"""The hot paths issue 12 found, before and after their fixes, on PostgreSQL.

    python benchmarks/hot_paths.py [DATABASE_URL] [--cases 1000000] [--repeat 5]

The database (default postgresql+psycopg://postgres@127.0.0.1:5432/cockpit_bench_hot) is created
if missing and seeded with the demo city (--cases cases) unless it already holds cases. Times,
as the median of --repeat runs in milliseconds:
- the overview's headline "last year" tile: `open` and `overdue` summed over a year of the daily
  rollup (before) against counted on the open cases (`boards.open_counts`, after);
- the open 处置 rows that /live's lamps and the alarm feed join on every poll, without and with
  the partial index ix_case_stages_open_handle, and /cases sorted by address (first page and
  page 500), without and with ix_cases_address_id (both migration 0012). Each index is DROPPED
  and created again around its "without" runs (committed: use a scratch database); the plans of
  the open 处置 join are printed (EXPLAIN ANALYZE).
Not part of the test suite; the figures vary with the machine's load.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_access import alarms, boards, case_list, clock, db, lifecycle, live, plans
from data_access.filters import CaseQuery
from data_access.models import Case, CaseStage, DailyRollup
from scratch_db import prepare

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cockpit_bench_hot"
OPEN_HANDLE_INDEX = next(ix for ix in CaseStage.__table__.indexes if ix.name == "ix_case_stages_open_handle")
ADDRESS_INDEX = next(ix for ix in Case.__table__.indexes if ix.name == "ix_cases_address_id")
PAGE = 100


def ms(fn, repeat: int) -> float:
    fn()  # warm PostgreSQL's buffers
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1e3


def open_handle_join():
    """The join /live's lamps and the alarm feed make: the cases in 处置 with their open handle row."""
    return (select(func.count()).select_from(Case).join(CaseStage, lifecycle.open_handle_row())
            .where(Case.status.in_(lifecycle.HANDLING_STATUSES)))


def headline_rows(engine, url: str, repeat: int) -> list[tuple]:
    today = clock.today()
    year = boards.Scope(today - timedelta(days=364), today)
    with engine.connect() as conn:
        rollup_rows = conn.execute(select(func.count()).select_from(DailyRollup)
                                   .where(DailyRollup.day >= year.day_from)).scalar_one()
        open_cases = conn.execute(select(func.count()).select_from(Case)
                                  .where(Case.status.in_(lifecycle.OPEN_STATUSES))).scalar_one()
    before = boards.counts(url, year).iloc[0]
    after = boards.open_counts(url, year)
    assert after == {m: int(before[m]) for m in after}, (after, before)
    town = replace(year, region=next(iter(boards.names(url)["regions"])))
    return [(f"headline year tile, city ({rollup_rows:,} rollup rows / {open_cases:,} open cases)",
             ms(lambda: boards.counts(url, year), repeat), ms(lambda: boards.open_counts(url, year), repeat)),
            ("headline year tile, one town", ms(lambda: boards.counts(url, town), repeat),
             ms(lambda: boards.open_counts(url, town), repeat))]


def without_index(engine, index, timed: dict, repeat: int, plan_of=None) -> tuple[list[tuple], list[str], list[str]]:
    """([(name, ms without, ms with)], plan without, plan with) of `timed`'s functions; `index`
    is dropped for the "without" runs and created again."""
    def plan():
        with engine.connect() as conn:
            return plans.explain(conn, plan_of, analyze=True) if plan_of is not None else []

    with_index = {name: ms(fn, repeat) for name, fn in timed.items()}
    plan_with = plan()
    with engine.begin() as conn:
        index.drop(conn)
    try:
        without = {name: ms(fn, repeat) for name, fn in timed.items()}
        plan_without = plan()
    finally:
        with engine.begin() as conn:
            index.create(conn)
            conn.exec_driver_sql(f"ANALYZE {index.table.name}")
    return [(name, without[name], with_index[name]) for name in timed], plan_without, plan_with


def open_handle_polls(engine, url: str) -> dict:
    return {"/live lamps (live.lamp_cases)": lambda: live.lamp_cases(url),
            "alarm feed (alarms.current_alarms)": lambda: alarms.current_alarms(url),
            "the open 处置 join alone (count)": lambda: _count(engine, open_handle_join())}


def address_pages(url: str) -> dict:
    """/cases sorted by address: the first page and page 500, over 30 days and a year."""
    now, today = clock.utcnow(), clock.today()
    out = {}
    for name, days in (("30 days", 29), ("a year", 364)):
        query = CaseQuery(today - timedelta(days=days), today)
        for start in (0, 500 * PAGE):
            out[f"/cases by address, {name}, rows {start:,}+"] = (
                lambda query=query, start=start: case_list.case_page(url, query, now, start, start + PAGE,
                                                                   (("address", False),)))
    return out


def _count(engine, stmt) -> int:
    with engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default=DEFAULT_URL)
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases to seed into an empty database")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query (the median is shown)")
    args = parser.parse_args(argv)
    engine = prepare(args.url, args.cases)
    url = engine.url.render_as_string(hide_password=False)
    print(f"case_stages rows: {db.count_rows(engine, CaseStage):,}")
    rows = headline_rows(engine, url, args.repeat)
    handle_rows, plan_without, plan_with = without_index(engine, OPEN_HANDLE_INDEX, open_handle_polls(engine, url),
                                                         args.repeat, open_handle_join())
    address_rows, _, _ = without_index(engine, ADDRESS_INDEX, address_pages(url), args.repeat)
    rows += handle_rows + address_rows
    print(f"\nmedian of {args.repeat} runs, ms")
    print(f"{'query':<72} {'before':>9} {'after':>9} {'×':>7}")
    for name, before, after in rows:
        print(f"{name:<72} {before:>9.1f} {after:>9.1f} {before / after:>6.1f}×")
    print("\nEXPLAIN ANALYZE of the open 处置 join\n-- without ix_case_stages_open_handle:")
    print("\n".join(plan_without))
    print("-- with it:")
    print("\n".join(plan_with))


if __name__ == "__main__":
    main()
