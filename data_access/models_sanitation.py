"""市容环卫 tables (issue 9): vehicles with today's GPS position and daily totals, waste collected per
day by class and region, transfer stations with daily throughput, public toilets, and the road
area each region must keep clean (the denominator of 机械化清扫率).

Times are naive UTC; days are local (UTC+8) dates, like every statistic.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class SanitationVehicle(Base):
    """One vehicle: sweeper (扫路车), washer (洗扫/冲洗车), compactor (压缩式垃圾车), kitchen (餐厨垃圾车).

    lon/lat/fix_at are its newest GPS fix (every 30 s while online); route is the GeoJSON
    LineString it works along, route_m how far along it the vehicle is.
    """

    __tablename__ = "sanitation_vehicles"
    __table_args__ = (Index("ix_sanitation_vehicles_region_status", "region_code", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # sweeper, washer, compactor, kitchen
    unit: Mapped[str] = mapped_column(String(64))  # 作业单位
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    route_name: Mapped[str] = mapped_column(String(64))
    route: Mapped[str] = mapped_column(Text)  # GeoJSON LineString, closed loop
    route_length_m: Mapped[float] = mapped_column(Float)
    route_m: Mapped[float] = mapped_column(Float)  # position along the route
    plan_km: Mapped[float] = mapped_column(Float)  # planned km per day
    plan_area_m2: Mapped[float] = mapped_column(Float)  # planned swept area per day (0: not a sweeper)
    width_m: Mapped[float] = mapped_column(Float)  # working width when sweeping or washing
    status: Mapped[str] = mapped_column(String(8))  # working, idle, offline
    speed_kmh: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    fix_at: Mapped[datetime] = mapped_column(DateTime)
    commissioned: Mapped[date] = mapped_column(Date)


class SanitationVehicleDay(Base):
    """One vehicle's totals for one local day (today's row grows as the vehicle works)."""

    __tablename__ = "sanitation_vehicle_days"
    __table_args__ = (UniqueConstraint("vehicle_id", "day"), Index("ix_sanitation_vehicle_days_day", "day"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("sanitation_vehicles.id"))
    region_code: Mapped[str] = mapped_column(String(9))
    day: Mapped[date] = mapped_column(Date)
    km: Mapped[float] = mapped_column(Float)
    plan_km: Mapped[float] = mapped_column(Float)
    area_m2: Mapped[float] = mapped_column(Float)
    plan_area_m2: Mapped[float] = mapped_column(Float)
    work_hours: Mapped[float] = mapped_column(Float)
    trips: Mapped[int] = mapped_column(Integer)
    tonnes: Mapped[float] = mapped_column(Float)  # collected (compactors and kitchen trucks)


class CleaningArea(Base):
    """道路清扫保洁面积 of a region: what 机械化清扫率 divides by."""

    __tablename__ = "sanitation_cleaning_areas"
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    road_area_m2: Mapped[float] = mapped_column(Float)


class WasteDay(Base):
    """Tonnes of one waste class collected in one region on one local day, and what became of them."""

    __tablename__ = "waste_days"
    __table_args__ = (UniqueConstraint("day", "region_code", "waste_class"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    waste_class: Mapped[str] = mapped_column(String(12))  # recyclable, kitchen, hazardous, other
    tonnes: Mapped[float] = mapped_column(Float)  # collected (清运量)
    recycled_t: Mapped[float] = mapped_column(Float)  # 资源化利用 (material recycling, composting, digestion)
    harmless_t: Mapped[float] = mapped_column(Float)  # 无害化处理


class TransferStation(Base):
    """垃圾转运站 with its design capacity."""

    __tablename__ = "transfer_stations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    capacity_t: Mapped[float] = mapped_column(Float)  # t per day
    status: Mapped[str] = mapped_column(String(12))  # running, maintenance
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class TransferStationDay(Base):
    __tablename__ = "transfer_station_days"
    __table_args__ = (UniqueConstraint("station_id", "day"), Index("ix_transfer_station_days_day", "day"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("transfer_stations.id"))
    day: Mapped[date] = mapped_column(Date)
    tonnes: Mapped[float] = mapped_column(Float)


class PublicToilet(Base):
    """公共厕所 and its state now: open, cleaning (保洁中) or fault (故障)."""

    __tablename__ = "public_toilets"
    __table_args__ = (Index("ix_public_toilets_region_status", "region_code", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    grade: Mapped[str] = mapped_column(String(4))  # 一类, 二类, 三类 (CJJ 14)
    stalls: Mapped[int] = mapped_column(Integer)
    open_hours: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8))  # open, cleaning, fault
    status_since: Mapped[datetime] = mapped_column(DateTime)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
