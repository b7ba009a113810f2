"""城管形象 records: return visits on closed cases, 12345 tickets, media reports, commendations and
complaints about the service, and publicity articles. Timestamps are naive UTC."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Boolean
from sqlalchemy.orm import Mapped, mapped_column

from .models import BigId, Base


class ReturnVisit(Base):
    """回访: the result of calling back the reporter of a closed case, one row per case."""

    __tablename__ = "case_return_visits"
    __table_args__ = (Index("ix_case_return_visits_visited_at", "visited_at"),)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    visited_at: Mapped[datetime] = mapped_column(DateTime)
    method: Mapped[str] = mapped_column(String(8))  # phone, sms
    reached: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[str | None] = mapped_column(String(12), nullable=True)  # satisfied, basic, unsatisfied
    visitor: Mapped[str] = mapped_column(String(32))
    # Copied from the case when the visit is written, so boards count visits without joining cases.
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    source: Mapped[str] = mapped_column(String(16))


class HotlineTicket(Base):
    """A 12345 工单 about city management, with its response and closing deadlines and rating."""

    __tablename__ = "hotline_tickets"
    __table_args__ = (Index("ix_hotline_tickets_received_at", "received_at"),
                      Index("ix_hotline_tickets_region_received", "region_code", "received_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_no: Mapped[str] = mapped_column(String(24), unique=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    category: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    title: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), nullable=True, index=True)
    respond_due_at: Mapped[datetime] = mapped_column(DateTime)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    close_due_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    rating: Mapped[str | None] = mapped_column(String(12), nullable=True)  # satisfied, basic, unsatisfied


class MediaReport(Base):
    """舆情: a media report about city management, with its sentiment."""

    __tablename__ = "media_reports"
    __table_args__ = (Index("ix_media_reports_published_at", "published_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    published_at: Mapped[datetime] = mapped_column(DateTime)
    outlet: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    sentiment: Mapped[str] = mapped_column(String(8))  # positive, neutral, negative
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), nullable=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), nullable=True)


class ServiceFeedback(Base):
    """表扬 or 投诉 about the service; a complaint may name the officer it is about."""

    __tablename__ = "service_feedback"
    __table_args__ = (Index("ix_service_feedback_received_at", "received_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(10))  # praise, complaint
    channel: Mapped[str] = mapped_column(String(12))  # hotline, letter, web, visit
    subject: Mapped[str] = mapped_column(String(16))  # attitude, efficiency, conduct, result
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), nullable=True, index=True)
    content: Mapped[str] = mapped_column(String(300))


class PublicityArticle(Base):
    """宣传: an article published on an official channel, with its readership."""

    __tablename__ = "publicity_articles"
    __table_args__ = (Index("ix_publicity_articles_published_at", "published_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    published_at: Mapped[datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(12))  # wechat, weibo, douyin, website, newspaper
    title: Mapped[str] = mapped_column(String(200))
    reads: Mapped[int] = mapped_column(Integer)
