"""The scratch PostgreSQL database a benchmark measures: created, migrated and seeded on first use."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_access import db, plans  # noqa: E402
from data_access.models import Case  # noqa: E402
from seeds.demo import seed_demo  # noqa: E402


def prepare(url: str, cases: int):
    """The engine of a migrated database holding cases: seeded when it holds none."""
    if plans.create_database(url):
        print(f"created {url}")
    engine = db.get_engine(url)
    db.upgrade(engine)
    if db.count_rows(engine, Case) == 0:
        print(f"seeding {cases:,} cases ...", flush=True)
        seed_demo(engine, cases=cases, seed=42, progress=False)
    print(f"database: {engine.url.render_as_string(hide_password=True)}   cases: {db.count_rows(engine, Case):,}")
    return engine
