"""Video: cameras, their streams, the AI events they discover, and the cameras near a case.

All video SQL lives here. Query functions take plain values (a database URL, codes, numbers)
so flask-caching can memoize them; writers take a connection or session from the caller.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select, update

from . import db
from .cache import memoize
from .models import Camera, CameraEvent, Case, Category, Region

CAMERA_KINDS = {"high_point": "高点", "intersection": "路口", "ai": "AI 智能识别", "body_cam": "执法记录仪"}
STREAM_TYPES = {"mp4": "MP4", "hls": "HLS", "flv": "HTTP-FLV", "mjpeg": "MJPEG", "snapshot": "快照"}
MEDIA_PREFIX = "/camera-media"  # dashboard/video_media.py serves everything under it
DEFAULT_RADIUS_M = 1000
EARTH_RADIUS_M = 6_371_000
MAX_WALL = 16


@dataclass(frozen=True)
class CameraInfo:
    id: int
    code: str
    name: str
    kind: str
    lon: float
    lat: float
    region_code: str
    region_name: str
    stream_url: str | None
    stream_type: str
    status: str
    last_seen_at: datetime | None
    ai_categories: tuple[str, ...]

    @property
    def kind_label(self) -> str:
        return CAMERA_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class CameraEventInfo:
    id: int
    camera_code: str
    case_no: str | None
    category: str
    detected_at: datetime
    confidence: float
    snapshot: str | None


def _camera_query():
    return (select(Camera, Region.name.label("region_name"))
            .join(Region, Region.code == Camera.region_code).order_by(Camera.code))


def _info(camera: Camera, region_name: str) -> CameraInfo:
    return CameraInfo(
        id=camera.id, code=camera.code, name=camera.name, kind=camera.kind, lon=camera.lon, lat=camera.lat,
        region_code=camera.region_code, region_name=region_name, stream_url=camera.stream_url,
        stream_type=camera.stream_type, status=camera.status, last_seen_at=camera.last_seen_at,
        ai_categories=tuple(json.loads(camera.ai_categories)) if camera.ai_categories else (),
    )


def _session(url: str):
    return db.session_scope(db.get_engine(url))


@memoize(timeout=60)
def all_cameras(url: str) -> list[CameraInfo]:
    """Every camera, by code (a city has hundreds, not millions)."""
    with _session(url) as session:
        return [_info(c, name) for c, name in session.execute(_camera_query()).all()]


@memoize(timeout=300)
def regions(url: str) -> list[tuple[str, str, dict]]:
    """(code, name, GeoJSON geometry) of every region, for the camera map's outlines."""
    with _session(url) as session:
        rows = session.execute(select(Region.code, Region.name, Region.geometry).order_by(Region.code)).all()
    return [(code, name, json.loads(geometry)) for code, name, geometry in rows]


def cameras_by_codes(url: str, codes: tuple[str, ...]) -> tuple[list[CameraInfo], list[str]]:
    """The cameras named by `codes` in that order, and the codes no camera has."""
    known = {c.code: c for c in all_cameras(url)}
    found = [known[c] for c in codes if c in known]
    return found, [c for c in codes if c not in known]


def camera(url: str, code: str) -> CameraInfo | None:
    return next((c for c in all_cameras(url) if c.code == code), None)


def region_cameras(url: str, region_code: str, limit: int = MAX_WALL) -> list[CameraInfo]:
    """A region's cameras for a wall: online first, AI and high-point cameras before the rest."""
    order = {"ai": 0, "high_point": 1, "intersection": 2, "body_cam": 3}
    mine = [c for c in all_cameras(url) if c.region_code == region_code]
    mine.sort(key=lambda c: (c.status != "online", c.stream_type == "snapshot", order.get(c.kind, 9), c.code))
    return mine[:limit]


def wall_cameras(url: str, region_code: str, limit: int = MAX_WALL) -> tuple[list[CameraInfo], int]:
    """Cameras for a wall of `limit` windows from a region, and how many are the region's own.

    A region with fewer cameras than windows lends the rest from its neighbours: the cameras
    of other regions nearest to the region's cameras' centre, in the same order of preference.
    """
    mine = region_cameras(url, region_code, limit)
    if len(mine) >= limit or not mine:
        return mine, len(mine)
    lon = sum(c.lon for c in mine) / len(mine)
    lat = sum(c.lat for c in mine) / len(mine)
    others = [c for c in all_cameras(url) if c.region_code != region_code]
    others.sort(key=lambda c: (c.status != "online", round(distance_m(lon, lat, c.lon, c.lat) / 500), c.code))
    return mine + others[:limit - len(mine)], len(mine)


@memoize(timeout=15)
def recent_events(url: str, camera_ids: tuple[int, ...], per_camera: int = 3) -> dict[int, list[CameraEventInfo]]:
    """The newest `per_camera` AI events of each camera, with the case each became."""
    if not camera_ids:
        return {}
    ranked = (select(CameraEvent.id, func.row_number().over(
        partition_by=CameraEvent.camera_id, order_by=(CameraEvent.detected_at.desc(), CameraEvent.id.desc()))
        .label("rank")).where(CameraEvent.camera_id.in_(camera_ids)).subquery())
    query = (select(CameraEvent, Camera.code, Case.case_no, Category.name)
             .join(ranked, and_(ranked.c.id == CameraEvent.id, ranked.c.rank <= per_camera))
             .join(Camera, Camera.id == CameraEvent.camera_id)
             .join(Category, Category.id == CameraEvent.category_id)
             .outerjoin(Case, Case.id == CameraEvent.case_id)
             .order_by(CameraEvent.camera_id, CameraEvent.detected_at.desc(), CameraEvent.id.desc()))
    out: dict[int, list[CameraEventInfo]] = {i: [] for i in camera_ids}
    with _session(url) as session:
        for event, code, case_no, category in session.execute(query).all():
            out[event.camera_id].append(CameraEventInfo(
                id=event.id, camera_code=code, case_no=case_no, category=category, detected_at=event.detected_at,
                confidence=event.confidence, snapshot=event.snapshot))
    return out


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def nearest_cameras(url: str, lon: float, lat: float, radius_m: float = DEFAULT_RADIUS_M, limit: int = 4,
                    first_id: int | None = None) -> list[tuple[CameraInfo, float]]:
    """Cameras within `radius_m` of a point, nearest first, as (camera, metres).

    A bounding box in SQL narrows the search (indexable on both backends); the exact distance
    is computed here. The camera `first_id` (the one that saw a case) comes first wherever it is.
    """
    if radius_m <= 0 or limit <= 0:
        return []
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    box = (Camera.lon.between(lon - dlon, lon + dlon)) & (Camera.lat.between(lat - dlat, lat + dlat))
    condition = box if first_id is None else (box | (Camera.id == first_id))
    with _session(url) as session:
        rows = session.execute(_camera_query().where(condition)).all()
    found = []
    for cam, region_name in rows:
        metres = distance_m(lon, lat, cam.lon, cam.lat)
        if metres <= radius_m or cam.id == first_id:
            found.append((_info(cam, region_name), metres))
    found.sort(key=lambda pair: (pair[0].id != first_id, pair[1], pair[0].code))
    return found[:limit]


@memoize(timeout=60)
def cameras_for_case(url: str, case_no: str, radius_m: float = DEFAULT_RADIUS_M,
                     limit: int = 4) -> list[tuple[CameraInfo, float, bool]]:
    """The cameras next to a case as (camera, metres, discovered it): that camera first, then the nearest."""
    with _session(url) as session:
        row = session.execute(select(Case.lon, Case.lat, Case.camera_id).where(Case.case_no == case_no)).first()
    if row is None:
        return []
    return [(cam, metres, cam.id == row.camera_id)
            for cam, metres in nearest_cameras(url, row.lon, row.lat, radius_m, limit, first_id=row.camera_id)]


# ---- writers: the seed and the live simulator ----

def set_streams(conn, rows: list[dict]) -> None:
    """Update stream_url, stream_type, status and last_seen_at of cameras given by id."""
    for row in rows:
        conn.execute(update(Camera).where(Camera.id == row["id"]).values(
            stream_url=row["stream_url"], stream_type=row["stream_type"], status=row["status"],
            last_seen_at=row["last_seen_at"]))


def video_cases(conn) -> list[tuple]:
    """(case id, camera id, category id, reported_at) of every case an AI camera discovered."""
    return conn.execute(select(Case.id, Case.camera_id, Case.category_id, Case.reported_at)
                        .where(Case.source == "video_ai", Case.camera_id.is_not(None))
                        .order_by(Case.id)).all()


def event_snapshot(event_id: int) -> str:
    return f"{MEDIA_PREFIX}/event/{event_id}.jpg"


def add_event(session, camera_id: int, category_id: int, detected_at: datetime, confidence: float,
              case_id: int | None = None) -> CameraEvent:
    """Record one AI detection (the caller has created its case through data_access.cases)."""
    event = CameraEvent(camera_id=camera_id, case_id=case_id, category_id=category_id, detected_at=detected_at,
                        confidence=round(float(confidence), 3))
    session.add(event)
    session.flush()
    event.snapshot = event_snapshot(event.id)
    return event


def touch_cameras(session, camera_ids: list[int], at: datetime) -> None:
    """Online cameras that reported something were seen at `at`."""
    if camera_ids:
        session.execute(update(Camera).where(Camera.id.in_(camera_ids), Camera.status == "online")
                        .values(last_seen_at=at))


def event_detail(url: str, event_id: int) -> tuple[str, str, str, datetime, float] | None:
    """(camera name, camera code, category name, detected_at, confidence) of an event, for its snapshot."""
    with _session(url) as session:
        row = session.execute(
            select(Camera.name, Camera.code, Category.name, CameraEvent.detected_at, CameraEvent.confidence)
            .join(Camera, Camera.id == CameraEvent.camera_id).join(Category, Category.id == CameraEvent.category_id)
            .where(CameraEvent.id == event_id)).first()
    return tuple(row) if row else None
