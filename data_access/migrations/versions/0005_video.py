"""camera AI events (issue 6)

Revision ID: 0005
Revises: 0004
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "camera_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("case_id", BigId, nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("snapshot", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_camera_events_camera_detected", "camera_events", ["camera_id", "detected_at"])
    op.create_index("ix_camera_events_detected_at", "camera_events", ["detected_at"])
    op.create_index("ix_camera_events_case_id", "camera_events", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_camera_events_case_id", table_name="camera_events")
    op.drop_index("ix_camera_events_detected_at", table_name="camera_events")
    op.drop_index("ix_camera_events_camera_detected", table_name="camera_events")
    op.drop_table("camera_events")
