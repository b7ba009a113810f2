"""Indexes for the hot paths issue 12 measured: the open 处置 stage rows that /live, the alarm
feed and the lamps join on every poll (a partial index), and /cases sorted by address (its pages
sorted a year of cases on disk). Both backends.

Revision ID: 0012
Revises: 0011
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_HANDLE_ROW = "stage = 'handle' AND ended_at IS NULL"  # as data_access.models declares it


def upgrade() -> None:
    op.create_index("ix_case_stages_open_handle", "case_stages", ["case_id"],
                    postgresql_where=sa.text(OPEN_HANDLE_ROW), sqlite_where=sa.text(OPEN_HANDLE_ROW))
    op.create_index("ix_cases_address_id", "cases", ["address", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_address_id", table_name="cases")
    op.drop_index("ix_case_stages_open_handle", table_name="case_stages")
