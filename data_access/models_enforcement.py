"""城管执法 records: officers, their duty and work records, body cameras, and enforcement cases.

An enforcement case (行政处罚案件) is a record of its own: it moves through
立案 → 调查取证 → 告知 → 决定 → 执行 → 结案 (data_access/enforcement.py, the state machine) and
may start from a 数字城管 case (`city_case_id`) and from an AI camera event (`camera_event_id`,
非现场执法). All timestamps are naive UTC; `day` columns are local (UTC+8) dates.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import BigId, Base, Case


class Officer(Base):
    """A 城管执法 officer (执法队员) of a town squad."""

    __tablename__ = "officers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # 执法证号
    name: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    squad: Mapped[str] = mapped_column(String(32))  # 中队


class BodyCamera(Base):
    """A 执法记录仪 issued to an officer; `status` is what the device platform last reported."""

    __tablename__ = "body_cameras"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    status: Mapped[str] = mapped_column(String(8))  # online, offline
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)


class OfficerDuty(Base):
    """One officer on duty for one local day (排班签到)."""

    __tablename__ = "officer_duties"
    __table_args__ = (Index("ix_officer_duties_day_region", "day", "region_code"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    day: Mapped[date] = mapped_column(Date)
    shift: Mapped[str] = mapped_column(String(8))  # day, evening
    checked_in_at: Mapped[datetime] = mapped_column(DateTime)


class OfficerWork(Base):
    """A work record: minutes an officer spent on service (服务), management (管理) or enforcement (执法)."""

    __tablename__ = "officer_work"
    __table_args__ = (Index("ix_officer_work_day_region", "day", "region_code"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))  # service, management, enforcement
    task: Mapped[str] = mapped_column(String(32))
    minutes: Mapped[int] = mapped_column(Integer)


class EnforcementCase(Base):
    """行政处罚案件: procedure, violation, steps, penalty and money."""

    __tablename__ = "enforcement_cases"
    __table_args__ = (
        Index("ix_enforcement_cases_filed_at", "filed_at"),
        Index("ix_enforcement_cases_region_filed", "region_code", "filed_at"),
        Index("ix_enforcement_cases_status_deadline", "status", "deadline_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(24), unique=True)  # ZF + local date + sequence
    procedure: Mapped[str] = mapped_column(String(8))  # simple (简易程序) or ordinary (普通程序)
    status: Mapped[str] = mapped_column(String(12))
    violation: Mapped[str] = mapped_column(String(24))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), nullable=True, index=True)
    origin: Mapped[str] = mapped_column(String(12))  # patrol, city_case, video, complaint
    city_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), nullable=True,
                                                     index=True)
    camera_event_id: Mapped[int | None] = mapped_column(ForeignKey("camera_events.id", ondelete="SET NULL"),
                                                        nullable=True, index=True)
    party: Mapped[str] = mapped_column(String(64))  # 当事人
    party_kind: Mapped[str] = mapped_column(String(8))  # person, company
    address: Mapped[str] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    filed_at: Mapped[datetime] = mapped_column(DateTime)
    investigated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    executed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # 撤销立案
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # statutory limit of the open step
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    penalty: Mapped[str | None] = mapped_column(String(16), nullable=True)  # fine, warning, order, confiscation
    fine_amount: Mapped[float | None] = mapped_column(Float, nullable=True)  # ¥ decided
    fine_paid: Mapped[float | None] = mapped_column(Float, nullable=True)  # ¥ collected
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    steps: Mapped[list[EnforcementStep]] = relationship(
        back_populates="case", order_by="EnforcementStep.seq", cascade="all, delete-orphan")
    city_case: Mapped[Case | None] = relationship(Case, backref="enforcement_cases")


class EnforcementStep(Base):
    """One action of an enforcement case, in order (the case's timeline)."""

    __tablename__ = "enforcement_steps"
    __table_args__ = (Index("ix_enforcement_steps_case_seq", "enforcement_case_id", "seq", unique=True),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    enforcement_case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)

    case: Mapped[EnforcementCase] = relationship(back_populates="steps")


EnforcementCase.step_class = EnforcementStep  # the row type enforcement.apply appends
