"""园林绿化 (issue 9): built-up and residential land, green spaces and parks as polygons, population,
street trees, 古树名木 and maintenance inspections.

The GB/T 50563 indicators are computed from these polygons (data_access/landscaping.py); no
percentage is stored. Geometries are GeoJSON (WGS-84) text like every other table.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class LandZone(Base):
    """A region's 建成区 (kind built_up) or 居住用地 (kind residential) as a (Multi)Polygon."""

    __tablename__ = "land_zones"
    __table_args__ = (Index("ix_land_zones_region_kind", "region_code", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    kind: Mapped[str] = mapped_column(String(12))  # built_up, residential
    geometry: Mapped[str] = mapped_column(Text)


class RegionPopulation(Base):
    """常住人口 of a region in a year (the denominator of 人均公园绿地面积)."""

    __tablename__ = "region_population"
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    population: Mapped[int] = mapped_column(Integer)


class GreenSpace(Base):
    """One green space: 公园绿地 (kind park, G1) or 防护/附属/区域绿地 (protective, attached, regional)."""

    __tablename__ = "green_spaces"
    __table_args__ = (Index("ix_green_spaces_region_kind", "region_code", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12))  # park, protective, attached, regional
    park_class: Mapped[str | None] = mapped_column(String(16), nullable=True)  # comprehensive, community, pocket, theme
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    area_m2: Mapped[float] = mapped_column(Float)  # the polygon's area, written by the seed for lists
    opened_year: Mapped[int] = mapped_column(Integer)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    geometry: Mapped[str] = mapped_column(Text)


class StreetTree(Base):
    """行道树: one tree along a road, with its crown diameter (canopy counts toward 绿化覆盖面积)."""

    __tablename__ = "street_trees"
    __table_args__ = (Index("ix_street_trees_region_species", "region_code", "species"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    species: Mapped[str] = mapped_column(String(24))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    road: Mapped[str] = mapped_column(String(64))
    planted_year: Mapped[int] = mapped_column(Integer)
    dbh_cm: Mapped[float] = mapped_column(Float)  # trunk diameter at breast height
    crown_m: Mapped[float] = mapped_column(Float)  # crown diameter
    condition: Mapped[str] = mapped_column(String(12))  # good, fair, poor
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class AncientTree(Base):
    """古树名木: grade 1 (≥ 500 years), 2 (300–499), 3 (100–299); 名木 have grade 0 and any age."""

    __tablename__ = "ancient_trees"
    __table_args__ = (Index("ix_ancient_trees_region_grade", "region_code", "grade"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    species: Mapped[str] = mapped_column(String(24))
    grade: Mapped[int] = mapped_column(Integer)
    age_years: Mapped[int] = mapped_column(Integer)  # estimated
    protection: Mapped[str] = mapped_column(String(12))  # normal, weak, endangered, restoring
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    place: Mapped[str] = mapped_column(String(64))
    height_m: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class GreenInspection(Base):
    """养护巡查 / tree work: planned for a local date, done at a time (or not), problems found."""

    __tablename__ = "green_inspections"
    __table_args__ = (Index("ix_green_inspections_planned", "planned_on", "region_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    work: Mapped[str] = mapped_column(String(12))  # patrol, pruning, typhoon, pest, ancient
    target: Mapped[str] = mapped_column(String(24))  # code of the park, green space or ancient tree
    planned_on: Mapped[date] = mapped_column(Date)  # local date
    done_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    problems: Mapped[int] = mapped_column(Integer)
    inspector: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(200))
