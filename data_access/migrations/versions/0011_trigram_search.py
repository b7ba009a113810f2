"""GIN trigram indexes (pg_trgm) for the /cases grid's "contains" filters on address and
description (issue 12); PostgreSQL only, SQLite keeps scanning.

pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.

Revision ID: 0011
Revises: 0010
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0011"
down_revision: Union[str, Sequence[str], None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ("address", "description")


def _index_name(column: str) -> str:
    return f"ix_cases_{column}_trgm"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.create_index(_index_name(column), "cases", [column], postgresql_using="gin",
                        postgresql_ops={column: "gin_trgm_ops"})


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.drop_index(_index_name(column), table_name="cases")
