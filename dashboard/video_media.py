"""Camera media at /camera-media/...: generated clips, an MJPEG stream, refreshing snapshots.

    /camera-media/<code>/clip.mp4, clip.flv, hls/index.m3u8 (+ segments)   files from DATA_DIR/media/video
    /camera-media/<code>/mjpeg          multipart/x-mixed-replace of the generated frames, 5 fps
    /camera-media/<code>/snapshot.jpg   a JPEG drawn now (camera name and time), for refreshing tiles
    /camera-media/event/<id>.jpg        the frame an AI event was detected in, with its box

A missing clip is generated on first request (seeds.video.ensure_media), so a fresh DATA_DIR
works; a camera whose media can't be made answers 404 and its tile shows the offline state.
"""
from __future__ import annotations

import io
import math
import random
import time
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from flask import Response, abort, request, send_from_directory, stream_with_context
from PIL import Image, ImageDraw, ImageFont

from data_access import clock, video
from data_access.clock import LOCAL_OFFSET

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
W, H = 640, 360
MJPEG_FPS = 5
MJPEG_SECONDS = 120  # a stream ends after this; the tile reconnects (frees server threads)
BOUNDARY = "cockpitframe"


@lru_cache(maxsize=8)
def _font(size: int):
    try:
        return ImageFont.truetype(str(FONT), size) if FONT.exists() else ImageFont.load_default(size)
    except OSError:
        return ImageFont.load_default()


def _local_now() -> datetime:
    return clock.local_now()


def _scene(seed: str) -> Image.Image:
    """A still street scene per camera: sky, buildings, road (deterministic)."""
    rng = random.Random(seed)
    img = Image.new("RGB", (W, H), (40, 58, 82))
    d = ImageDraw.Draw(img)
    for y in range(0, 200):
        shade = 60 + y // 3
        d.line([(0, y), (W, y)], fill=(shade // 2, shade - 10, shade + 40))
    x = -10
    while x < W:
        w, h = rng.randint(60, 130), rng.randint(80, 170)
        tone = rng.choice([(70, 84, 104), (92, 104, 120), (60, 72, 90), (110, 118, 126)])
        d.rectangle([x, 210 - h, x + w, 210], fill=tone)
        for wy in range(210 - h + 10, 200, 20):
            for wx in range(x + 8, x + w - 10, 18):
                d.rectangle([wx, wy, wx + 8, wy + 10], fill=(230, 220, 150) if rng.random() < 0.4 else (40, 48, 60))
        x += w + rng.randint(0, 10)
    d.rectangle([0, 210, W, 236], fill=(150, 146, 138))
    d.polygon([(0, 236), (W, 236), (W, H), (0, H)], fill=(58, 62, 68))
    for lx in range(10, W, 90):
        d.rectangle([lx, 296, lx + 44, 302], fill=(230, 230, 230))
    return img


@lru_cache(maxsize=256)
def _scene_cached(seed: str) -> Image.Image:
    return _scene(seed)


def _label(d: ImageDraw.ImageDraw, xy, text: str, size: int):
    font = _font(size)
    box = d.textbbox(xy, text, font=font)
    d.rectangle([box[0] - 6, box[1] - 4, box[2] + 6, box[3] + 4], fill=(0, 0, 0))
    d.text(xy, text, font=font, fill=(255, 255, 255))


def snapshot_jpeg(code: str, name: str, now: datetime | None = None) -> bytes:
    """A frame of camera `code` at local time `now`: the scene, a passing car, the name and clock."""
    now = now or _local_now()
    img = _scene_cached(code).copy()
    d = ImageDraw.Draw(img)
    t = now.timestamp()
    car_x = int((t * 37) % (W + 120)) - 120
    d.rounded_rectangle([car_x, 262, car_x + 110, 300], radius=8, fill=(200, 40, 40))
    d.rectangle([car_x + 20, 250, car_x + 80, 266], fill=(150, 30, 30))
    _label(d, (16, H - 74), name, 22)  # the OSD sits low: the tile's own bar covers the top
    _label(d, (16, H - 40), now.strftime("%Y-%m-%d %H:%M:%S") + "  快照", 20)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


def event_jpeg(event_id: int, detail) -> bytes:
    name, code, category, detected_at, confidence = detail
    img = _scene_cached(code).copy()
    d = ImageDraw.Draw(img)
    rng = random.Random(event_id)
    x, y = rng.randint(80, 420), rng.randint(180, 240)
    d.rectangle([x, y, x + 140, y + 90], outline=(255, 60, 60), width=4)
    _label(d, (x, y - 30), f"{category} {confidence:.0%}", 18)
    _label(d, (16, H - 74), name, 22)
    _label(d, (16, H - 40), (detected_at + LOCAL_OFFSET).strftime("%Y-%m-%d %H:%M:%S") + "  AI 抓拍", 20)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=75)
    return out.getvalue()


def _frames(directory: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(directory.glob("f*.jpg"))]


def add_video_media_routes(server):
    from dashboard.app import current_settings
    from seeds.video import CLIP_FILES, ensure_media, media_path

    def _camera(code: str):
        cam = video.camera(current_settings().database_url, code)
        if cam is None:
            abort(404)
        return cam

    @server.get(f"{video.MEDIA_PREFIX}/<code>/snapshot.jpg")
    def camera_snapshot(code: str):
        cam = _camera(code)
        if cam.status != "online":
            abort(404)
        return Response(snapshot_jpeg(cam.code, cam.name), mimetype="image/jpeg",
                        headers={"Cache-Control": "no-store"})

    @server.get(f"{video.MEDIA_PREFIX}/event/<int:event_id>.jpg")
    def event_snapshot(event_id: int):
        if event_id > 2**31 - 1:
            abort(404)
        detail = video.event_detail(current_settings().database_url, event_id)
        if detail is None:
            abort(404)
        return Response(event_jpeg(event_id, detail), mimetype="image/jpeg",
                        headers={"Cache-Control": "public, max-age=86400"})

    @server.get(f"{video.MEDIA_PREFIX}/<code>/mjpeg")
    def camera_mjpeg(code: str):
        cam = _camera(code)
        if cam.status != "online" or cam.stream_type != "mjpeg":
            abort(404)
        directory = media_path(current_settings().media_dir, code) / "frames"
        frames = []
        if ensure_media(current_settings().media_dir, cam.code, cam.name, "mjpeg"):
            frames = _frames(directory)
        try:
            seconds = float(request.args.get("seconds", MJPEG_SECONDS))
        except ValueError:
            seconds = MJPEG_SECONDS
        seconds = min(max(seconds, 1.0), MJPEG_SECONDS) if math.isfinite(seconds) else MJPEG_SECONDS

        def generate():
            started, i = time.monotonic(), 0
            while time.monotonic() - started < seconds:
                frame = frames[i % len(frames)] if frames else snapshot_jpeg(cam.code, cam.name)
                yield (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(frame)}\r\n\r\n"
                       .encode() + frame + b"\r\n")
                i += 1
                time.sleep(1 / MJPEG_FPS)

        return Response(stream_with_context(generate()), mimetype=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
                        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @server.get(f"{video.MEDIA_PREFIX}/<code>/<path:path>")
    def camera_file(code: str, path: str):
        cam = _camera(code)
        if cam.status != "online":
            abort(404)
        settings = current_settings()
        base = media_path(settings.media_dir, code)
        if cam.stream_url and cam.stream_url.startswith(f"{video.MEDIA_PREFIX}/{code}/"):
            wanted = cam.stream_url.removeprefix(f"{video.MEDIA_PREFIX}/{code}/")
            if path == wanted and path in CLIP_FILES.values() and not (base / ".done").exists():
                ensure_media(settings.media_dir, cam.code, cam.name, cam.stream_type)
        response = send_from_directory(base, path)  # 404 for missing files and path traversal
        if path.endswith(".m3u8"):
            response.mimetype = "application/vnd.apple.mpegurl"
        elif path.endswith(".ts"):
            response.mimetype = "video/mp2t"
        elif path.endswith(".flv"):
            response.mimetype = "video/x-flv"
        return response


def add_camera_geojson_routes(server):
    """The camera map's layers: cameras (optionally of one region) and region outlines, as GeoJSON."""
    from flask import jsonify

    from dashboard.app import current_settings

    @server.get(f"{video.MEDIA_PREFIX}/cameras.geojson")
    def cameras_geojson():
        region = request.args.get("region")
        cams = [c for c in video.all_cameras(current_settings().database_url) if not region or c.region_code == region]
        return jsonify({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
             "properties": {"code": c.code, "name": c.name, "kind": c.kind, "status": c.status,
                            "tooltip": f"{c.name} · {c.kind_label}"}} for c in cams]})

    @server.get(f"{video.MEDIA_PREFIX}/regions.geojson")
    def regions_geojson():
        return jsonify({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": name}}
            for code, name, geometry in video.regions(current_settings().database_url)]})
