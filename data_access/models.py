"""The case database: SQLAlchemy 2 models shared by SQLite and PostgreSQL.

All timestamps are naive UTC. Geometries are GeoJSON geometry objects (WGS-84) stored as text.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# SQLite only auto-increments an INTEGER PRIMARY KEY, PostgreSQL wants BIGINT at 10M+ rows.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """Key/value facts about the database: seed parameters, data version."""

    __tablename__ = "app_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Jurisdiction(Base):
    __tablename__ = "jurisdictions"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    center_lon: Mapped[float] = mapped_column(Float)
    center_lat: Mapped[float] = mapped_column(Float)


class Region(Base):
    """镇/街道, 9-digit division code."""

    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # 镇 or 街道
    profile: Mapped[str] = mapped_column(String(16))  # centre, industrial, mixed
    label_lon: Mapped[float] = mapped_column(Float)
    label_lat: Mapped[float] = mapped_column(Float)
    area_km2: Mapped[float] = mapped_column(Float)
    geometry: Mapped[str] = mapped_column(Text)


class Community(Base):
    """社区/村: region code + 3 digits."""

    __tablename__ = "communities"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    geometry: Mapped[str] = mapped_column(Text)


class Grid(Base):
    """单元网格: community code + 2 digits."""

    __tablename__ = "grids"
    code: Mapped[str] = mapped_column(String(14), primary_key=True)
    community_code: Mapped[str] = mapped_column(ForeignKey("communities.code"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    center_lon: Mapped[float] = mapped_column(Float)
    center_lat: Mapped[float] = mapped_column(Float)
    geometry: Mapped[str] = mapped_column(Text)


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # professional (专业部门) or town (镇街)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), nullable=True)


class Category(Base):
    """One GB/T 47678.5 小类, with the local time limit and default department."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("kind", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # component or event
    code: Mapped[str] = mapped_column(String(5))
    major_code: Mapped[str] = mapped_column(String(2))
    major_name: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    default_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)


class Camera(Base):
    __tablename__ = "cameras"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # high_point, intersection, ai, body_cam
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    stream_url: Mapped[str | None] = mapped_column(String(512), nullable=True)
    stream_type: Mapped[str] = mapped_column(String(16))  # mp4, hls, mjpeg, snapshot, flv
    status: Mapped[str] = mapped_column(String(16))  # online, offline
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    ai_categories: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON list of event codes


def trigram_index(table: str, column: str) -> Index:
    """A GIN trigram index (pg_trgm) for a "contains" filter, which compiles to ILIKE '%…%' on
    PostgreSQL; PostgreSQL only (migration 0011 creates the extension), SQLite scans."""
    return Index(f"ix_{table}_{column}_trgm", column, postgresql_using="gin",
                 postgresql_ops={column: "gin_trgm_ops"}).ddl_if(dialect="postgresql")


def on_dialect(dialect: str):
    """Alembic's include_object for comparing the models with a `dialect` database: an index
    with a PostgreSQL access method (postgresql_using, e.g. trigram_index) exists only there."""
    def include(obj, _name, type_, reflected, _compare_to) -> bool:
        return reflected or type_ != "index" or dialect == "postgresql" or \
            not obj.dialect_kwargs.get("postgresql_using")
    return include


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_reported_at", "reported_at"),
        Index("ix_cases_region_reported", "region_code", "reported_at"),
        Index("ix_cases_status_deadline", "status", "deadline_at"),
        Index("ix_cases_category_reported", "category_id", "reported_at"),
        Index("ix_cases_department_status", "department_id", "status"),
        Index("ix_cases_deadline_at", "deadline_at"),
        Index("ix_cases_grid_reported", "grid_code", "reported_at"),
        Index("ix_cases_source_reported", "source", "reported_at"),
        Index("ix_cases_address_id", "address", "id"),  # /cases sorted by address, id the tie-break
        trigram_index("cases", "address"),
        trigram_index("cases", "description"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(20), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    case_type: Mapped[str] = mapped_column(String(10))  # component (部件) or event (事件)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    source: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(8))  # normal or urgent
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_code: Mapped[str] = mapped_column(ForeignKey("grids.code"))
    community_code: Mapped[str] = mapped_column(ForeignKey("communities.code"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(12))
    reported_at: Mapped[datetime] = mapped_column(DateTime)
    filed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # rejected or voided
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # while 挂账
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # handling deadline
    time_limit_minutes: Mapped[int] = mapped_column(Integer)
    extension_minutes: Mapped[int] = mapped_column(Integer, default=0)
    suspended_minutes: Mapped[int] = mapped_column(Integer, default=0)
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    reporter_name: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reporter_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    photos: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON list of media paths
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    stages: Mapped[list[CaseStage]] = relationship(
        back_populates="case", order_by="CaseStage.seq", cascade="all, delete-orphan"
    )


# Which case_stages row is a case's open 处置 step, as the partial index states it; queries name
# the same literals (lifecycle.open_handle_row) so the planner can prove the index applies.
OPEN_HANDLE_ROW = "stage = 'handle' AND ended_at IS NULL"


class CaseStage(Base):
    """One step of a case: the seven steps plus side paths (回退, 延时, 挂账, 返工...)."""

    __tablename__ = "case_stages"
    __table_args__ = (
        Index("ix_case_stages_case_seq", "case_id", "seq", unique=True),
        # The open 处置 rows (lifecycle.open_handle_row): under 1 % of the rows, which
        # /live, the alarm feed and the lamps join on every poll.
        Index("ix_case_stages_open_handle", "case_id", postgresql_where=text(OPEN_HANDLE_ROW),
              sqlite_where=text(OPEN_HANDLE_ROW)),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)

    case: Mapped[Case] = relationship(back_populates="stages")


Case.stage_class = CaseStage  # the row type lifecycle.apply appends to Case.stages


class Sensor(Base):
    __tablename__ = "sensors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # gas, water_level, rain
    name: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    status: Mapped[str] = mapped_column(String(16))


class SensorReading(Base):
    __tablename__ = "sensor_readings"
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensors.id"), primary_key=True)
    measured_at: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class DailyRollup(Base):
    """Cases per local report day × region × category × department × source (rollups.py)."""

    __tablename__ = "case_rollup_daily"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: not yet dispatched
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    reported: Mapped[int] = mapped_column(Integer)
    filed: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    voided: Mapped[int] = mapped_column(Integer)
    dispatched: Mapped[int] = mapped_column(Integer)
    handled: Mapped[int] = mapped_column(Integer)
    handled_on_time: Mapped[int] = mapped_column(Integer)
    fed_back: Mapped[int] = mapped_column(Integer)
    verified: Mapped[int] = mapped_column(Integer)
    closed: Mapped[int] = mapped_column(Integer)
    closed_on_time: Mapped[int] = mapped_column(Integer)
    reworked: Mapped[int] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)
    suspended: Mapped[int] = mapped_column(Integer)
    file_minutes: Mapped[float] = mapped_column(Float)
    dispatch_minutes: Mapped[float] = mapped_column(Float)
    handle_minutes: Mapped[float] = mapped_column(Float)


class HourlyRollup(Base):
    """Reports per local day × hour × region × category major × source, for rhythm charts."""

    __tablename__ = "case_rollup_hourly"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    major_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    reported: Mapped[int] = mapped_column(Integer)


# ---- issue 5: ingest API keys, case-number counters, alarm acknowledgements ----

class ApiKey(Base):
    """A key for the ingest API. Only a salted PBKDF2 hash is stored (data_access/api_keys.py)."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # the public part, to find the row
    salt: Mapped[str] = mapped_column(String(64))
    key_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class CaseNoCounter(Base):
    """The last case-number sequence used per local day prefix (DGyyyymmdd), locked on update."""

    __tablename__ = "case_no_counters"
    prefix: Mapped[str] = mapped_column(String(12), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class AlarmAck(Base):
    """A duty officer's acknowledgement of one alarm (data_access/alarms.py names the keys)."""

    __tablename__ = "alarm_acks"
    alarm_key: Mapped[str] = mapped_column(String(96), primary_key=True)
    acked_by: Mapped[str] = mapped_column(String(64))
    acked_at: Mapped[datetime] = mapped_column(DateTime)


# ---- the three maps (issue 4): gas pipelines, illegal construction, flood risk ----


class GasPipeline(Base):
    """One pipe segment; geometry is a GeoJSON LineString, min/max_* its bounding box."""

    __tablename__ = "gas_pipelines"
    __table_args__ = (Index("ix_gas_pipelines_bbox", "min_lon", "min_lat"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    pressure: Mapped[str] = mapped_column(String(10))  # high, sub_high, medium, low
    material: Mapped[str] = mapped_column(String(16))
    diameter_mm: Mapped[int] = mapped_column(Integer)
    laid_year: Mapped[int] = mapped_column(Integer)
    length_m: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    geometry: Mapped[str] = mapped_column(Text)


class GasEvent(Base):
    """What happened on a pipe: inspection (巡检), hazard (隐患) or alarm (报警)."""

    __tablename__ = "gas_events"
    __table_args__ = (Index("ix_gas_events_pipeline_kind", "pipeline_id", "kind"),
                      Index("ix_gas_events_kind_status", "kind", "status"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("gas_pipelines.id"))
    kind: Mapped[str] = mapped_column(String(12))  # inspection, hazard, alarm
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)  # alarm severity 1 (highest) to 3
    status: Mapped[str] = mapped_column(String(12))  # inspection: normal/abnormal; hazard/alarm: open/rectifying/closed
    note: Mapped[str] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class MapFeature(Base):
    """Points and areas of the maps: gas stations and valves, third-party construction,
    waterlogging points (with their water-level sensor), pumping stations, flood risk zones."""

    __tablename__ = "map_features"
    __table_args__ = (Index("ix_map_features_layer_bbox", "layer", "min_lon", "min_lat"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    layer: Mapped[str] = mapped_column(String(24))
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    geometry: Mapped[str | None] = mapped_column(Text, nullable=True)  # areas only
    sensor_id: Mapped[int | None] = mapped_column(ForeignKey("sensors.id"), nullable=True)
    props: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON object of layer-specific facts


class IllegalSite(Base):
    """违法建设: one site, its footprint polygon, stage and areas, linked to its 06001 case."""

    __tablename__ = "illegal_sites"
    __table_args__ = (Index("ix_illegal_sites_bbox", "min_lon", "min_lat"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    address: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(12))  # found, filed, stopped, penalized, demolished
    channel: Mapped[str] = mapped_column(String(12))  # patrol, drone, report, video
    build_type: Mapped[str] = mapped_column(String(10))  # new (新增) or existing (存量)
    area_m2: Mapped[float] = mapped_column(Float)
    demolished_m2: Mapped[float] = mapped_column(Float)
    discovered_at: Mapped[datetime] = mapped_column(DateTime)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    geometry: Mapped[str] = mapped_column(Text)


class IllegalSiteEvent(Base):
    __tablename__ = "illegal_site_events"
    __table_args__ = (Index("ix_illegal_site_events_site", "site_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("illegal_sites.id"))
    stage: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200))


# ---- video (issue 6): what the AI cameras discovered, and the case each event became ----


class CameraEvent(Base):
    """One detection by an AI camera (视频智能发现): category, time, confidence, snapshot."""

    __tablename__ = "camera_events"
    __table_args__ = (Index("ix_camera_events_camera_detected", "camera_id", "detected_at"),
                      Index("ix_camera_events_detected_at", "detected_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), nullable=True, index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    detected_at: Mapped[datetime] = mapped_column(DateTime)
    confidence: Mapped[float] = mapped_column(Float)
    snapshot: Mapped[str | None] = mapped_column(String(200), nullable=True)  # URL path of the frame


from . import models_landscaping  # noqa: E402,F401  (园林绿化 tables, issue 9)
from . import models_gas  # noqa: E402,F401  (燃气安全 tables, issue 9)
from . import models_enforcement  # noqa: E402,F401  (城管执法 tables, issue 10)
from . import models_image  # noqa: E402,F401  (城管形象 tables, issue 10)
from . import models_sanitation  # noqa: E402,F401  (市容环卫 tables, issue 9)
from . import models_access  # noqa: E402,F401  (users, signed links, audit log, issue 13)
