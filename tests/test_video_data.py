"""Video data: cameras near a point or case, AI events, the wall's URL state, demo media."""
from __future__ import annotations

import json
import shutil
from datetime import datetime

import pytest
from sqlalchemy import func, select

from data_access import db, video
from data_access.models import Camera, CameraEvent, Case

LON, LAT = 113.75, 23.02
M_PER_DEG_LAT = 111_320


def _camera(code, region, dlat_m=0.0, dlon_m=0.0, kind="intersection"):
    import math
    return Camera(code=code, name=f"测试{code}", kind=kind, lon=LON + dlon_m / (M_PER_DEG_LAT * math.cos(math.radians(LAT))),
                  lat=LAT + dlat_m / M_PER_DEG_LAT, region_code=region, stream_url=f"/camera-media/{code}/snapshot.jpg",
                  stream_type="snapshot", status="online", last_seen_at=datetime(2026, 5, 1),
                  ai_categories=json.dumps(["06010"]) if kind == "ai" else None)


def test_nearest_cameras_by_distance_within_radius(mini_city):

    with db.session_scope(mini_city.engine) as session:
        region = session.execute(select(Camera.region_code)).scalar() or \
            session.execute(select(Case.region_code)).scalar()
        cams = [_camera("CAM-T-NEAR", region, 100), _camera("CAM-T-MID", region, 0, -500),
                _camera("CAM-T-EDGE", region, 990), _camera("CAM-T-FAR", region, 1500),
                _camera("CAM-T-AI", region, -800, 0, "ai")]
        session.add_all(cams)
        session.flush()
        ai_id = cams[-1].id
        case = session.execute(select(Case).where(Case.case_no == "MINI-0004")).scalar_one()
        case.lon, case.lat, case.camera_id = LON, LAT, ai_id
    url = mini_city.url
    found = video.nearest_cameras(url, LON, LAT, 1000, limit=10)
    assert [c.code for c, _ in found] == ["CAM-T-NEAR", "CAM-T-MID", "CAM-T-AI", "CAM-T-EDGE"]
    assert [round(m, -1) for _, m in found] == [100, 500, 800, 990]
    assert video.nearest_cameras(url, LON, LAT, 1000, limit=2)[1][0].code == "CAM-T-MID"
    assert video.nearest_cameras(url, LON, LAT, 50) == []
    # the camera that discovered a case comes first, then the nearest
    rows = video.cameras_for_case.uncached(url, "MINI-0004", 1000, 3)
    assert [(c.code, source) for c, _m, source in rows] == [("CAM-T-AI", True), ("CAM-T-NEAR", False),
                                                         ("CAM-T-MID", False)]
    assert video.cameras_for_case.uncached(url, "NO-SUCH", 1000, 3) == []


def test_distance_is_haversine():
    assert video.distance_m(113.0, 23.0, 113.0, 23.01) == pytest.approx(1112, rel=0.01)


def test_seeded_cameras_streams_and_ai_events(seeded):
    url = seeded.url.render_as_string(hide_password=False)
    cams = video.all_cameras.uncached(url)
    assert 300 <= len(cams) <= 500
    kinds = {c.kind for c in cams}
    assert kinds == set(video.CAMERA_KINDS)
    types = {c.stream_type for c in cams if c.status == "online"}
    assert ({"snapshot", "mjpeg"} | ({"mp4", "hls", "flv"} if shutil.which("ffmpeg") else set())) <= types
    assert all(c.ai_categories for c in cams if c.kind == "ai")
    assert all(c.last_seen_at for c in cams)
    with seeded.connect() as conn:
        video_cases = conn.execute(select(func.count()).select_from(Case).where(Case.source == "video_ai")).scalar()
        events = conn.execute(select(func.count()).select_from(CameraEvent)).scalar()
        mismatched = conn.execute(select(func.count()).select_from(CameraEvent).join(Case, Case.id == CameraEvent.case_id)
                                  .where((Case.camera_id != CameraEvent.camera_id) | (Case.source != "video_ai")
                                         | (CameraEvent.detected_at > Case.reported_at))).scalar()
        some_ai = conn.execute(select(Camera.id).join(CameraEvent, CameraEvent.camera_id == Camera.id).limit(1)).scalar()
    assert video_cases > 0 and events == video_cases and mismatched == 0
    recent = video.recent_events.uncached(url, (some_ai,), 3)[some_ai]
    assert 1 <= len(recent) <= 3 and all(e.case_no for e in recent)
    assert [e.detected_at for e in recent] == sorted((e.detected_at for e in recent), reverse=True)
    assert all(0.5 < e.confidence <= 1 for e in recent)


def test_seeded_video_case_shows_its_camera_first(seeded):
    url = seeded.url.render_as_string(hide_password=False)
    with seeded.connect() as conn:
        case_no, camera_id = conn.execute(select(Case.case_no, Case.camera_id).where(Case.source == "video_ai")
                                          .order_by(Case.id).limit(1)).one()
    rows = video.cameras_for_case.uncached(url, case_no, 1000, 4)
    assert rows[0][0].id == camera_id and rows[0][2]
    assert all(m <= 1000 for _c, m, _s in rows[1:])


def test_wall_url_state():
    from layouts import video as page

    assert page.parse_layout("4") == (4, None)
    assert page.parse_layout(None) == (9, None)
    size, problem = page.parse_layout("7")
    assert size == 9 and "7" in problem
    assert page.parse_codes(" cam-1,CAM-2,,cam-1 ") == ["CAM-1", "CAM-2"]
    assert page.add_camera(1, ["A"], "B") == (4, ["A", "B"])
    assert page.add_camera(4, ["A"], "A") == (4, ["A"])
    full = [f"C{i}" for i in range(16)]
    assert page.add_camera(16, full, "X") == (16, full[1:] + ["X"])
    assert page.href(4, ["A", "B"], "441900003") == "/video?layout=4&cameras=A,B&region=441900003"


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg not installed")
def test_demo_media_generated(tmp_path):
    from seeds.video import ensure_media, media_path, media_ready

    for kind, name in (("mp4", "clip.mp4"), ("hls", "hls/seg00.ts"), ("flv", "clip.flv")):
        assert ensure_media(tmp_path, f"CAM-{kind}", "测试摄像机", kind, kind="intersection")
        for variant in ("day", "night"):  # a loop for the day and one for the night
            assert (media_path(tmp_path, f"CAM-{kind}") / variant / name).stat().st_size > 1000
        assert media_ready(tmp_path, f"CAM-{kind}", kind)
    # MJPEG and snapshots are drawn live, when served
    assert ensure_media(tmp_path, "CAM-mjpeg", "x", "mjpeg") is False
    assert ensure_media(tmp_path, "CAM-snap", "x", "snapshot") is False
    # media of an older kind (the test-pattern clips) are made again
    (media_path(tmp_path, "CAM-mp4") / ".done").write_text("mp4")
    assert not media_ready(tmp_path, "CAM-mp4", "mp4")


def _brightness(jpeg: bytes) -> float:
    import io

    from PIL import Image, ImageStat
    return sum(ImageStat.Stat(Image.open(io.BytesIO(jpeg)).convert("L")).mean)


def test_street_scenes_move_loop_and_differ_by_camera():
    from seeds.street_scene import PERIOD, scene

    view = scene("CAM-441900003-001", "intersection")
    first, later, looped = (view.frame(t, 10.5).tobytes() for t in (0.0, 0.5, PERIOD))
    assert first != later  # vehicles and people move
    assert first == looped  # a clip of PERIOD seconds loops without a jump
    others = {scene(f"CAM-441900003-{n:03d}", kind).frame(0.0, 10.5).tobytes()
              for n, kind in enumerate(("intersection", "ai", "high_point", "body_cam", "intersection"))}
    assert len(others) == 5  # every camera has its own street


def test_snapshot_changes_with_time_and_shows_the_hour():
    from dashboard.video_media import snapshot_jpeg

    a = snapshot_jpeg("CAM-X", "测试", datetime(2026, 5, 1, 8, 0, 0))
    b = snapshot_jpeg("CAM-X", "测试", datetime(2026, 5, 1, 8, 0, 3))
    assert a[:2] == b"\xff\xd8" and a != b
    night = snapshot_jpeg("CAM-X", "测试", datetime(2026, 5, 1, 23, 0, 0))
    assert _brightness(night) < _brightness(a) * 0.6  # day and night follow the local hour


def test_live_frames_are_drawn_at_the_server_clock():
    """No `now`: the frame is the server clock's (data_access.clock), not the host's."""
    from dashboard.video_media import snapshot_jpeg
    from data_access import clock

    pinned = clock.pinned()
    try:
        clock.pin(datetime(2026, 7, 15, 15, 0))  # 23:00 in Dongguan
        night = snapshot_jpeg("CAM-X", "测试")
        clock.pin(datetime(2026, 7, 15, 4, 0))  # 12:00 in Dongguan
        noon = snapshot_jpeg("CAM-X", "测试")
    finally:
        clock.pin(pinned)
    assert _brightness(night) < _brightness(noon) * 0.6


def test_wall_fills_from_neighbouring_regions(seeded):
    url = seeded.url.render_as_string(hide_password=False)
    cams = video.all_cameras.uncached(url)
    counts = {}
    for c in cams:
        counts[c.region_code] = counts.get(c.region_code, 0) + 1
    small = min(counts, key=counts.get)
    assert counts[small] < video.MAX_WALL
    shown, own = video.wall_cameras(url, small, video.MAX_WALL)
    assert len(shown) == video.MAX_WALL and own == counts[small]
    assert all(c.region_code == small for c in shown[:own])
    assert all(c.region_code != small for c in shown[own:])
    assert len({c.code for c in shown}) == video.MAX_WALL
    big = max(counts, key=counts.get)
    four, own4 = video.wall_cameras(url, big, 4)
    assert own4 == 4 and all(c.region_code == big for c in four)


def test_camera_media_routes_refuse_bad_input(seeded_sqlite, make_settings):
    from dashboard.app import create_app

    client = create_app(make_settings(seeded_sqlite.url.render_as_string(hide_password=False))).server.test_client()
    assert client.get(f"{video.MEDIA_PREFIX}/event/{10**30}.jpg").status_code == 404
    with seeded_sqlite.connect() as conn:
        code = conn.exec_driver_sql(
            "SELECT code FROM cameras WHERE stream_type = 'mjpeg' AND status = 'online' LIMIT 1").scalar()
    for seconds in ("abc", "nan", "-5"):
        response = client.get(f"{video.MEDIA_PREFIX}/{code}/mjpeg?seconds={seconds}", buffered=False)
        assert response.status_code == 200
        response.close()


def test_live_frames_carry_the_time_they_were_served(seeded_sqlite, make_settings):
    """Snapshot and MJPEG frames are drawn when served, with the server clock of that moment."""
    from dashboard.app import create_app
    from dashboard.video_media import FRAME_FORMAT, FRAME_TIME
    from data_access import clock

    client = create_app(make_settings(seeded_sqlite.url.render_as_string(hide_password=False))).server.test_client()
    with seeded_sqlite.connect() as conn:
        snap, mjpeg = (conn.exec_driver_sql(
            f"SELECT code FROM cameras WHERE stream_type = '{kind}' AND status = 'online' LIMIT 1").scalar()
            for kind in ("snapshot", "mjpeg"))
    response = client.get(f"{video.MEDIA_PREFIX}/{snap}/snapshot.jpg")
    drawn = datetime.strptime(response.headers[FRAME_TIME], FRAME_FORMAT)
    assert abs((drawn - clock.local_now()).total_seconds()) < 5
    response = client.get(f"{video.MEDIA_PREFIX}/{mjpeg}/mjpeg?seconds=1", buffered=False)
    head = next(iter(response.response))
    response.close()
    stamp = head.split(f"{FRAME_TIME}: ".encode(), 1)[1][:19].decode()
    assert abs((datetime.strptime(stamp, FRAME_FORMAT) - clock.local_now()).total_seconds()) < 5
