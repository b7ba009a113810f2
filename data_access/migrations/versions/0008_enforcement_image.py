"""城管执法 and 城管形象 tables (issue 10)

Revision ID: 0008
Revises: 0005
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "officers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("region_code", sa.String(9), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("squad", sa.String(32), nullable=False),
    )
    op.create_index("ix_officers_region_code", "officers", ["region_code"])
    op.create_table(
        "body_cameras",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(24), nullable=False, unique=True),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officers.id"), nullable=False),
        sa.Column("region_code", sa.String(9), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_body_cameras_officer_id", "body_cameras", ["officer_id"])
    op.create_index("ix_body_cameras_region_code", "body_cameras", ["region_code"])
    op.create_table(
        "officer_duties",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officers.id"), nullable=False),
        sa.Column("region_code", sa.String(9), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(8), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_officer_duties_day_region", "officer_duties", ["day", "region_code"])
    op.create_index("ix_officer_duties_officer_id", "officer_duties", ["officer_id"])
    op.create_table(
        "officer_work",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officers.id"), nullable=False),
        sa.Column("region_code", sa.String(9), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
    )
    op.create_index("ix_officer_work_day_region", "officer_work", ["day", "region_code"])
    op.create_index("ix_officer_work_officer_id", "officer_work", ["officer_id"])
    op.create_table(
        "enforcement_cases",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_no", sa.String(24), nullable=False, unique=True),
        sa.Column("procedure", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("violation", sa.String(24), nullable=False),
        sa.Column("category_id", sa.Integer(), sa.ForeignKey("categories.id"), nullable=False),
        sa.Column("region_code", sa.String(9), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officers.id"), nullable=True),
        sa.Column("origin", sa.String(12), nullable=False),
        sa.Column("city_case_id", BigId, sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
        sa.Column("camera_event_id", BigId, sa.ForeignKey("camera_events.id", ondelete="SET NULL"), nullable=True),
        sa.Column("party", sa.String(64), nullable=False),
        sa.Column("party_kind", sa.String(8), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("investigated_at", sa.DateTime(), nullable=True),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("executed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("deadline_at", sa.DateTime(), nullable=True),
        sa.Column("extension_days", sa.Integer(), nullable=False),
        sa.Column("penalty", sa.String(16), nullable=True),
        sa.Column("fine_amount", sa.Float(), nullable=True),
        sa.Column("fine_paid", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_enforcement_cases_filed_at", "enforcement_cases", ["filed_at"])
    op.create_index("ix_enforcement_cases_region_filed", "enforcement_cases", ["region_code", "filed_at"])
    op.create_index("ix_enforcement_cases_status_deadline", "enforcement_cases", ["status", "deadline_at"])
    op.create_index("ix_enforcement_cases_officer_id", "enforcement_cases", ["officer_id"])
    op.create_index("ix_enforcement_cases_city_case_id", "enforcement_cases", ["city_case_id"])
    op.create_index("ix_enforcement_cases_camera_event_id", "enforcement_cases", ["camera_event_id"])
    op.create_table(
        "enforcement_steps",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("enforcement_case_id", BigId, sa.ForeignKey("enforcement_cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(12), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
    )
    op.create_index("ix_enforcement_steps_case_seq", "enforcement_steps", ["enforcement_case_id", "seq"], unique=True)
    op.create_table(
        "case_return_visits",
        sa.Column("case_id", BigId, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("visited_at", sa.DateTime(), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("result", sa.String(12), nullable=True),
        sa.Column("visitor", sa.String(32), nullable=False),
        sa.Column("region_code", sa.String(9), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
    )
    op.create_index("ix_case_return_visits_visited_at", "case_return_visits", ["visited_at"])
    op.create_table(
        "hotline_tickets",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("ticket_no", sa.String(24), nullable=False, unique=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("region_code", sa.String(9), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("case_id", BigId, sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
        sa.Column("respond_due_at", sa.DateTime(), nullable=False),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("close_due_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("rating", sa.String(12), nullable=True),
    )
    op.create_index("ix_hotline_tickets_received_at", "hotline_tickets", ["received_at"])
    op.create_index("ix_hotline_tickets_region_received", "hotline_tickets", ["region_code", "received_at"])
    op.create_index("ix_hotline_tickets_case_id", "hotline_tickets", ["case_id"])
    op.create_table(
        "media_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("outlet", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("sentiment", sa.String(8), nullable=False),
        sa.Column("region_code", sa.String(9), sa.ForeignKey("regions.code"), nullable=True),
        sa.Column("case_id", BigId, sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_index("ix_media_reports_published_at", "media_reports", ["published_at"])
    op.create_table(
        "service_feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("subject", sa.String(16), nullable=False),
        sa.Column("region_code", sa.String(9), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officers.id"), nullable=True),
        sa.Column("content", sa.String(300), nullable=False),
    )
    op.create_index("ix_service_feedback_received_at", "service_feedback", ["received_at"])
    op.create_index("ix_service_feedback_officer_id", "service_feedback", ["officer_id"])
    op.create_table(
        "publicity_articles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("reads", sa.Integer(), nullable=False),
    )
    op.create_index("ix_publicity_articles_published_at", "publicity_articles", ["published_at"])


def downgrade() -> None:
    for table in ("publicity_articles", "service_feedback", "media_reports", "hotline_tickets", "case_return_visits",
                  "enforcement_steps", "enforcement_cases", "officer_work", "officer_duties", "body_cameras",
                  "officers"):
        op.drop_table(table)
