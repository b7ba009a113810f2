"""Bulk loading for the seed: executemany on SQLite, COPY on PostgreSQL."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert

from .models import Base, Case, CaseStage


class BulkWriter:
    """Writes row tuples into a table inside the connection's transaction, counting rows."""

    def __init__(self, conn):
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.rows = 0

    def write(self, table: str, columns: list[str], rows: list[tuple]):
        if not rows:
            return
        cols = ", ".join(columns)
        cur = self.conn.connection.dbapi_connection.cursor()
        try:
            if self.postgres:
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", map(_sqlite_row, rows))
        finally:
            cur.close()
        self.rows += len(rows)

    def insert(self, model, rows: list[dict]):
        """Small reference tables through SQLAlchemy."""
        if rows:
            self.conn.execute(insert(model), rows)
            self.rows += len(rows)


def _sqlite_row(row: tuple) -> tuple:
    """Timestamps as SQLAlchemy writes them on SQLite (text compares as time only in one format)."""
    return tuple(v.isoformat(" ", "microseconds") if type(v) is datetime else v for v in row)


def wipe(conn):
    """Delete every row of every table, children first."""
    for table in reversed(Base.metadata.sorted_tables):
        conn.execute(delete(table))


CASE_TABLES = (Case.__table__, CaseStage.__table__)


def drop_case_indexes(conn):
    """PostgreSQL loads millions of rows faster without secondary indexes."""
    for table in CASE_TABLES:
        for index in table.indexes:
            index.drop(conn)


def create_case_indexes(conn):
    for table in CASE_TABLES:
        for index in table.indexes:
            index.create(conn)


def serial_id_tables() -> list:
    """The tables keyed by an integer `id` from a sequence (not by a text id)."""
    return [table for table in Base.metadata.sorted_tables
            if [c.name for c in table.primary_key.columns] == ["id"] and table.c.id.type.python_type is int]


def finish_load(conn):
    """After explicit ids: move every PostgreSQL id sequence past its rows; then refresh the
    planner's statistics and commit them (without them PostgreSQL scans whole tables)."""
    if conn.dialect.name == "postgresql":
        for table in serial_id_tables():
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                 f"COALESCE(MAX(id), 0) + 1, false) FROM {table.name}")
        conn.commit()
    conn.exec_driver_sql("ANALYZE")
    conn.commit()
