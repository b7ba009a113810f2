"""Query plans and scratch databases for benchmarks and plan tests (PostgreSQL)."""
from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url


def explain(conn, statement, analyze: bool = False) -> list[str]:
    """PostgreSQL's plan of `statement` on `conn`, one line per row of EXPLAIN; with `analyze`
    it runs the statement and shows times and buffers."""
    if conn.dialect.name != "postgresql":
        raise ValueError(f"plans are read on PostgreSQL only, not {conn.dialect.name}")
    compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    options = "ANALYZE, BUFFERS" if analyze else "COSTS OFF"
    return [row[0] for row in conn.exec_driver_sql(f"EXPLAIN ({options}) {compiled}", compiled.params)]


def uses_index(plan: list[str], index: str) -> bool:
    """Whether an EXPLAIN plan reads `index` (an index or bitmap index scan on it)."""
    return any(f" on {index}" in line and "Index" in line for line in plan)


def create_database(url: str) -> bool:
    """Create the PostgreSQL database `url` names unless it exists; True when it was created."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %(name)s",
                                    {"name": target.database}).first():
                return False
            quoted = conn.dialect.identifier_preparer.quote(target.database)
            conn.exec_driver_sql(f"CREATE DATABASE {quoted}")
            return True
    finally:
        admin.dispose()
