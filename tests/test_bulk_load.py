"""After a bulk load the planner has statistics for the big tables, committed on both backends."""
from __future__ import annotations

from sqlalchemy import text


def test_statistics_after_seed(seeded):
    with seeded.connect() as conn:
        if seeded.dialect.name == "postgresql":
            tables = set(conn.execute(text("SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = 'public'"))
                         .scalars())
        else:
            tables = set(conn.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1")).scalars())
    assert {"cases", "case_stages", "case_rollup_daily"} <= tables
