"""燃气安全 (issue 9): gas users, the annual 入户安检, LPG cylinders, and when each gas alarm was handled.

Pipes, stations, sensors, hazards and alarms are the gas map's tables (models.GasPipeline,
GasEvent, MapFeature, Sensor); these tables add what the board needs beyond them.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class GasUser(Base):
    """燃气用户: household (居民), commercial (工商业-商业) or industrial, piped (管道气) or LPG (瓶装气)."""

    __tablename__ = "gas_users"
    __table_args__ = (Index("ix_gas_users_region_kind", "region_code", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # household, commercial, industrial
    supply: Mapped[str] = mapped_column(String(12))  # pipeline, lpg
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    address: Mapped[str] = mapped_column(String(120))
    opened_on: Mapped[date] = mapped_column(Date)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class GasUserInspection(Base):
    """One 入户安检 visit: passed, defects found (fixed later or not), or nobody home (到访不遇)."""

    __tablename__ = "gas_user_inspections"
    __table_args__ = (Index("ix_gas_user_inspections_at", "inspected_at", "region_code"),
                      Index("ix_gas_user_inspections_user", "user_id", "inspected_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("gas_users.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    inspected_at: Mapped[datetime] = mapped_column(DateTime)
    result: Mapped[str] = mapped_column(String(12))  # passed, defect, absent
    defects: Mapped[int] = mapped_column(Integer)
    defect: Mapped[str | None] = mapped_column(String(64), nullable=True)
    fixed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    inspector: Mapped[str] = mapped_column(String(32))


class LpgCylinder(Base):
    """A tracked 液化石油气钢瓶 (QR-coded): where it is and when it is due for its periodic test."""

    __tablename__ = "lpg_cylinders"
    __table_args__ = (Index("ix_lpg_cylinders_region_status", "region_code", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    station: Mapped[str] = mapped_column(String(64))  # the 供应站 it belongs to
    size_kg: Mapped[int] = mapped_column(Integer)  # 5, 15, 50
    status: Mapped[str] = mapped_column(String(12))  # station, transit, user, overdue, scrapped
    user_id: Mapped[int | None] = mapped_column(ForeignKey("gas_users.id"), nullable=True)
    filled_at: Mapped[datetime] = mapped_column(DateTime)
    next_test_on: Mapped[date] = mapped_column(Date)


class GasAlarmHandling(Base):
    """When a gas-map alarm (gas_events, kind alarm) was handled and by whom: the time to handle."""

    __tablename__ = "gas_alarm_handling"
    event_id: Mapped[int] = mapped_column(ForeignKey("gas_events.id"), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(DateTime)
    handler: Mapped[str] = mapped_column(String(32))
