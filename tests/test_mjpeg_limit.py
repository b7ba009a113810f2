"""MJPEG streams are capped per app (per gunicorn worker): one stream beyond the cap gets 503 with
Retry-After, /health still answers meanwhile, and a closed stream frees its slot."""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from contextlib import ExitStack

from browser import serve

from dashboard import video_media
from data_access import db
from data_access.models import Camera, Region

WAIT_SECONDS = 30  # for a freed slot to be noticed (the server sees the closed socket on its next frame)


def add_mjpeg_camera(engine) -> str:
    with db.session_scope(engine) as session:
        region = session.query(Region.code).first()[0]
        session.add(Camera(code="CAM-MJPEG-1", name="测试路口", kind="intersection", lon=113.75, lat=23.02,
                           region_code=region, stream_url="/camera-media/CAM-MJPEG-1/mjpeg", stream_type="mjpeg",
                           status="online"))
    return "CAM-MJPEG-1"


def open_stream(url: str):
    """Open an MJPEG stream and read its first frame's boundary; the caller closes it."""
    response = urllib.request.urlopen(url, timeout=30)
    assert response.status == 200 and response.read(len(video_media.BOUNDARY) + 2) == f"--{video_media.BOUNDARY}".encode()
    return response


def test_one_stream_beyond_the_cap_is_refused_and_health_answers(mini_city, make_settings):
    from dashboard.app import create_app

    code = add_mjpeg_camera(mini_city.engine)
    app = create_app(make_settings(mini_city.url))
    cap = video_media.MJPEG_STREAMS
    with serve(app.server) as base:
        stream_url = f"{base}/camera-media/{code}/mjpeg?seconds=60"
        with ExitStack() as streams:
            for _ in range(cap):
                streams.enter_context(open_stream(stream_url))
            try:
                urllib.request.urlopen(stream_url, timeout=30)
                raise AssertionError(f"stream {cap + 1} was accepted")
            except urllib.error.HTTPError as refused:
                assert refused.code == 503 and refused.headers["Retry-After"] == str(video_media.MJPEG_RETRY_SECONDS)
                assert "snapshot.jpg" in refused.read().decode()
            started = time.monotonic()
            with urllib.request.urlopen(f"{base}/health", timeout=30) as health:
                assert health.status == 200
            print(f"\n/health with {cap} streams open and one refused: {time.monotonic() - started:.3f} s")
        # The streams are closed: a new one gets a slot once the server has noticed.
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                open_stream(stream_url).close()
                break
            except urllib.error.HTTPError as refused:
                assert refused.code == 503 and time.monotonic() < deadline, "a closed stream kept its slot"
                time.sleep(0.2)
