"""/cases "contains" filters on PostgreSQL with and without the GIN trigram indexes (migration 0011).

    python benchmarks/text_search.py [DATABASE_URL] [--cases 200000] [--repeat 5]

The database (default postgresql+psycopg://postgres@127.0.0.1:5432/cockpit_bench_text) is created
if missing and seeded with the demo city (--cases cases) unless it already holds cases. For
address and description words, from one place to a whole town, it times the grid's count and
its first page (100 rows, newest first) over the last 30 days and the last year: first with the
indexes, then, in the same transaction, after DROP INDEX; it also times rebuilding them. Prints
a table and the plans (EXPLAIN ANALYZE) of two rare words. The transaction is rolled back: the
database keeps its indexes. Not part of the test suite; the figures vary with the machine's load.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_access import case_list, clock, db, plans  # noqa: E402
from data_access.filters import CaseQuery  # noqa: E402
from data_access.models import Case  # noqa: E402
from scratch_db import prepare  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cockpit_bench_text"
RANGES = {"30d": 29, "year": 364}
PAGE = 100
TRIGRAM = [ix for ix in Case.__table__.indexes if ix.dialect_kwargs.get("postgresql_using") == "gin"]


def words(engine) -> list[tuple[str, str, str]]:
    """(column, what, word) from one case in the middle: its address, street and town, its whole
    description and its category's phrase, and a word no case has."""
    with Session(engine) as session:
        sample = session.get(Case, db.count_rows(engine, Case) // 2)
    street = re.split(r"\d", sample.address)[0]
    return [("address", "one address", sample.address),
            ("address", "a street", street[street.index("村") + 1:] if "村" in street else street[-4:]),
            ("address", "a town", sample.address[:3]),
            ("description", "one case", sample.description),
            ("description", "a category", sample.description.split("：")[0]),
            ("description", "no case", "没有这样的描述")]


def contains(column: str, word: str) -> tuple:
    """The grid's filter model for `column` contains `word`."""
    return case_list.column_filters({column: {"filterType": "text", "type": "contains", "filter": word}})


def seconds(fn, repeat: int) -> float:
    fn()  # warm the cache
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def measure(conn, url: str, cases: list, repeat: int) -> dict:
    """{(column, word, range): (matches, count s, page s, scan line)} on `conn` as it stands."""
    now, today = clock.utcnow(), clock.today()
    out = {}
    for column, _, word in cases:
        filters = contains(column, word)
        for name, days in RANGES.items():
            query = CaseQuery(today - timedelta(days=days), today)
            count = case_list.count_statement(url, query, now, filters)
            page = case_list.page_statement(url, query, now, 0, PAGE, (), filters)
            session = Session(bind=conn)
            matches = conn.execute(count).scalar_one()
            count_s = seconds(lambda: conn.execute(count).scalar_one(), repeat)
            page_s = seconds(lambda: session.execute(page).scalars().all(), repeat)
            session.close()
            scans = [line.strip().split("  (")[0] for line in plans.explain(conn, count) if "Scan" in line]
            out[(column, word, name)] = (matches, count_s, page_s, scans[-1] if scans else "?")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default=DEFAULT_URL)
    parser.add_argument("--cases", type=int, default=200_000, help="cases to seed into an empty database")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query (the median is shown)")
    args = parser.parse_args(argv)
    engine = prepare(args.url, args.cases)
    url = engine.url.render_as_string(hide_password=False)
    cases = words(engine)
    with engine.connect() as conn:
        with_index = measure(conn, url, cases, args.repeat)
        for index in TRIGRAM:
            index.drop(conn)
        without = measure(conn, url, cases, args.repeat)
        rare = [(c, w) for c, what, w in cases if what in ("one address", "one case")]
        plans_without = {key: plans.explain(conn, _count(url, *key), analyze=True) for key in rare}
        builds = {}
        for index in TRIGRAM:
            started = time.perf_counter()
            index.create(conn)
            builds[index.name] = time.perf_counter() - started
        plans_with = {key: plans.explain(conn, _count(url, *key), analyze=True) for key in rare}
        conn.rollback()  # the indexes as they were

    print(f"\nmedian of {args.repeat} runs, ms; count = the grid's total, page = its first {PAGE} rows")
    print(f"{'column':<12} {'word':<12} {'range':<5} {'matches':>8} {'count idx':>10} {'count scan':>11} "
          f"{'×':>6} {'page idx':>9} {'page scan':>10} {'×':>6}  plan with the index")
    for column, what, word in cases:
        for name in RANGES:
            matches, count_i, page_i, scan = with_index[(column, word, name)]
            _, count_s, page_s, _ = without[(column, word, name)]
            print(f"{column:<12} {what:<12} {name:<5} {matches:>8,} {count_i * 1e3:>10.1f} {count_s * 1e3:>11.1f} "
                  f"{count_s / count_i:>5.1f}× {page_i * 1e3:>9.1f} {page_s * 1e3:>10.1f} {page_s / page_i:>5.1f}×  {scan}")
    print("\nindex build, s: " + ", ".join(f"{name} {s:.1f}" for name, s in builds.items()))
    for key in rare:
        print(f"\nEXPLAIN ANALYZE, {key[0]} contains {key[1]!r}, last year\n-- without the index:")
        print("\n".join(plans_without[key]))
        print("-- with the index:")
        print("\n".join(plans_with[key]))
    engine.dispose()


def _count(url: str, column: str, word: str):
    today = clock.today()
    return case_list.count_statement(url, CaseQuery(today - timedelta(days=RANGES["year"]), today),
                                     clock.utcnow(), contains(column, word))


if __name__ == "__main__":
    main()
