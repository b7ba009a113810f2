"""Server time per board: every panel's data query and figure build, uncached.

    python benchmarks/boards.py [DATABASE_URL] [--repeat N]

Prints a table per board and range: the time with rollups, and the same panels computed from
raw cases in the same process (the baseline), with their ratio; boards that read tables of
their own (vehicles, trees, gas users...) rather than case rollups show the time only.
Not part of the test suite.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import panels, urlstate  # noqa: E402
from dashboard.settings import load_settings  # noqa: E402
from data_access import boards, clock  # noqa: E402
from data_access.db import count_rows, get_engine  # noqa: E402
from data_access.models import Case, DailyRollup  # noqa: E402
from layouts.boards import BOARDS  # noqa: E402

RANGES = ("30d", "year")


def board_seconds(url: str, board, search: str, repeat: int, language: str = "zh") -> float:
    today = clock.today()
    query, _ = urlstate.parse(search, today)
    scope = boards.Scope(query.day_from, query.day_to)
    view = panels.View(scope=scope, search=search, language=language, rem=16.0, names=boards.names(url), today=today)
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for panel_id in board.panels.values():
            panel = panels.get(panel_id)
            panel.build(panel.data(url, scope), view)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default=os.environ.get("DATABASE_URL") or load_settings().database_url)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    engine = get_engine(args.url)
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    print(f"cases: {count_rows(engine, Case):,}   daily rollup rows: {count_rows(engine, DailyRollup):,}")
    print(f"{'board':<18} {'range':<6} {'rollups s':>10} {'raw cases s':>12} {'raw/rollups':>12}")
    for board in BOARDS.values():
        for range_name in RANGES:
            search = f"?range={range_name}"
            fast = board_seconds(args.url, board, search, args.repeat)
            with mock.patch.object(boards, "counts", side_effect=boards.counts_from_cases) as raw:
                slow = board_seconds(args.url, board, search, args.repeat)
            if raw.called:
                print(f"{board.id:<18} {range_name:<6} {fast:>10.3f} {slow:>12.3f} {slow / fast:>11.1f}x")
            else:  # boards on tables of their own have no case rollups to compare with
                print(f"{board.id:<18} {range_name:<6} {fast:>10.3f} {'—':>12} {'—':>12}")


if __name__ == "__main__":
    main()
