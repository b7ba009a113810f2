"""Reads of the reference tables that generators and pages share."""
from __future__ import annotations

from sqlalchemy import func, insert, select

from .models import Camera, Case, Category, Department, Meta, Sensor, SensorReading


def meta_value(conn, key: str) -> str | None:
    return conn.execute(select(Meta.value).where(Meta.key == key)).scalar()


def case_count(conn) -> int:
    return conn.execute(select(func.count()).select_from(Case)).scalar_one()


def departments(conn):
    return conn.execute(select(Department.id, Department.code, Department.name, Department.kind, Department.region_code)
                        .order_by(Department.id)).all()


def event_category_ids(conn) -> dict[str, int]:
    return dict(conn.execute(select(Category.code, Category.id).where(Category.kind == "event")).all())


def cameras(conn):
    return conn.execute(select(Camera.id, Camera.kind, Camera.lon, Camera.lat, Camera.region_code)
                        .order_by(Camera.id)).all()


def sensors(conn):
    return conn.execute(select(Sensor.id, Sensor.kind).order_by(Sensor.id)).all()


def sensor_points(conn):
    """(id, kind, lon, lat) of every sensor."""
    return conn.execute(select(Sensor.id, Sensor.kind, Sensor.lon, Sensor.lat).order_by(Sensor.id)).all()


def newest_readings(since=None, until=None):
    """A subquery of (sensor_id, value, measured_at): each sensor's newest reading in [since, until]."""
    window = [c for c in (SensorReading.measured_at >= since if since is not None else None,
                          SensorReading.measured_at <= until if until is not None else None) if c is not None]
    newest = (select(SensorReading.sensor_id.label("sid"), func.max(SensorReading.measured_at).label("at"))
              .where(*window).group_by(SensorReading.sensor_id).subquery())
    return (select(SensorReading.sensor_id, SensorReading.value, SensorReading.measured_at)
            .join(newest, (SensorReading.sensor_id == newest.c.sid) & (SensorReading.measured_at == newest.c.at))
            .subquery())


def latest_readings(conn) -> dict[int, float]:
    """Each sensor's newest value."""
    newest = newest_readings()
    return dict(conn.execute(select(newest.c.sensor_id, newest.c.value)).all())


def add_readings(conn, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(SensorReading), rows)
