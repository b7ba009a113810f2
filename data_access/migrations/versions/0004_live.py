"""ingest API keys, case-number counters, alarm acknowledgements (issue 5)

Revision ID: 0004
Revises: 0003
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prefix"),
    )
    op.create_table(
        "case_no_counters",
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix"),
    )
    op.create_table(
        "alarm_acks",
        sa.Column("alarm_key", sa.String(length=96), nullable=False),
        sa.Column("acked_by", sa.String(length=64), nullable=False),
        sa.Column("acked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("alarm_key"),
    )


def downgrade() -> None:
    op.drop_table("alarm_acks")
    op.drop_table("case_no_counters")
    op.drop_table("api_keys")
