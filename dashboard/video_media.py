"""Camera media at /camera-media/...: generated clips, an MJPEG stream, refreshing snapshots.

    /camera-media/<code>/clip.mp4, clip.flv, hls/index.m3u8 (+ segments)   the day or night loop
                                        from DATA_DIR/media/video, by the local hour
    /camera-media/<code>/mjpeg          multipart/x-mixed-replace, 5 fps, each frame drawn when sent
    /camera-media/<code>/snapshot.jpg   a JPEG drawn now, for refreshing tiles

Every frame drawn here is the camera's street (seeds/street_scene.py) at the server clock
(data_access.clock) of the moment it is served, with that time in the picture. Clips carry
no clock: the tile overlays the real time (assets/video.js).
    /camera-media/event/<id>.jpg        the frame an AI event was detected in, with its box

A missing clip is generated on first request (seeds.video.ensure_media), so a fresh DATA_DIR
works; a camera whose media can't be made answers 404 and its tile shows the offline state.
"""
from __future__ import annotations

import io
import math
import random
import threading
import time
from datetime import datetime

from flask import Response, abort, request, send_from_directory, stream_with_context
from PIL import ImageDraw

from data_access import clock, video
from data_access.clock import LOCAL_OFFSET
from seeds import street_scene

EPOCH = datetime(2000, 1, 1)

MJPEG_FPS = 5
MJPEG_SECONDS = 120  # a stream ends after this; the tile reconnects (frees server threads)
# Streams one app (one gunicorn worker, 4 threads) serves at once: each holds a thread while it
# runs, so more would starve pages, callbacks and /health. Beyond it: 503 with Retry-After, and
# the tile shows refreshing snapshots instead (assets/video.js).
MJPEG_STREAMS = 2
MJPEG_RETRY_SECONDS = 30
BOUNDARY = "cockpitframe"
FRAME_TIME = "X-Frame-Time"  # the local time drawn into a frame (the server clock when it was served)
FRAME_FORMAT = "%Y-%m-%d %H:%M:%S"
OSD_PX = 24  # on a 360-line frame: about 16 px in a 16-window wall at 1080p


def _seconds(now_utc: datetime) -> float:
    """A running number of seconds for the scene's motion (any continuous clock will do)."""
    return (now_utc - EPOCH).total_seconds()


def _jpeg(img, quality: int = 72) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def snapshot_jpeg(code: str, name: str, now: datetime | None = None, kind: str = "intersection",
                  label: str = "") -> bytes:
    """The frame of camera `code` at local time `now` (default: the server clock now), with the
    camera name and that time in the picture."""
    local = now or clock.local_now()
    hour = local.hour + local.minute / 60 + local.second / 3600
    img = street_scene.scene(code, kind).frame(_seconds(local - LOCAL_OFFSET), hour)
    stamp = local.strftime(FRAME_FORMAT) + (f"  {label}" if label else "")
    return _jpeg(street_scene.osd(img, [name, stamp], OSD_PX))


def event_jpeg(event_id: int, detail, kind: str = "ai") -> bytes:
    """The frame an AI event was detected in: the scene at that moment, a box and the category."""
    name, code, category, detected_at, confidence = detail
    local = detected_at + LOCAL_OFFSET
    hour = local.hour + local.minute / 60
    img = street_scene.scene(code, kind).frame(_seconds(detected_at), hour)
    d = ImageDraw.Draw(img)
    rng = random.Random(event_id)
    x, y = rng.randint(60, 400), rng.randint(int(street_scene.H * 0.45), int(street_scene.H * 0.6))
    d.rectangle([x, y, x + 150, y + 90], outline=(255, 60, 60), width=4)
    label = f"{category} {confidence:.0%}"
    box = d.textbbox((x, y - 30), label, font=street_scene.font(18))
    d.rectangle([box[0] - 6, box[1] - 4, box[2] + 6, box[3] + 4], fill=(200, 30, 45))
    d.text((x, y - 30), label, font=street_scene.font(18), fill=(255, 255, 255))
    stamp = local.strftime("%Y-%m-%d %H:%M:%S") + "  AI 抓拍"
    return _jpeg(street_scene.osd(img, [name, stamp], OSD_PX), 75)


def add_video_media_routes(server):
    from dashboard.app import current_settings
    from seeds.video import CLIP_FILES, ensure_media, media_path, media_ready, phase

    streams = threading.BoundedSemaphore(MJPEG_STREAMS)

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
        now = clock.local_now()
        return Response(snapshot_jpeg(cam.code, cam.name, now, kind=cam.kind), mimetype="image/jpeg",
                        headers={"Cache-Control": "no-store", FRAME_TIME: now.strftime(FRAME_FORMAT)})

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
        try:
            seconds = float(request.args.get("seconds", MJPEG_SECONDS))
        except ValueError:
            seconds = MJPEG_SECONDS
        seconds = min(max(seconds, 1.0), MJPEG_SECONDS) if math.isfinite(seconds) else MJPEG_SECONDS
        if not streams.acquire(blocking=False):
            return Response(f"all {MJPEG_STREAMS} camera streams of this server are in use; retry later or use "
                            f"{video.MEDIA_PREFIX}/{code}/snapshot.jpg", status=503, mimetype="text/plain",
                            headers={"Retry-After": str(MJPEG_RETRY_SECONDS), "Cache-Control": "no-store"})

        def generate():
            # Each frame is drawn when it is sent, with the server clock of that moment in it.
            started = time.monotonic()
            while time.monotonic() - started < seconds:
                now = clock.local_now()
                frame = snapshot_jpeg(cam.code, cam.name, now, kind=cam.kind)
                yield (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(frame)}\r\n"
                       f"{FRAME_TIME}: {now.strftime(FRAME_FORMAT)}\r\n\r\n".encode() + frame + b"\r\n")
                time.sleep(1 / MJPEG_FPS)

        response = Response(stream_with_context(generate()), mimetype=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
                            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        response.call_on_close(streams.release)  # when the stream ends or the client goes away
        return response

    @server.get(f"{video.MEDIA_PREFIX}/<code>/<path:path>")
    def camera_file(code: str, path: str):
        cam = _camera(code)
        if cam.status != "online":
            abort(404)
        settings = current_settings()
        base = media_path(settings.media_dir, code)
        if cam.stream_url and cam.stream_url.startswith(f"{video.MEDIA_PREFIX}/{code}/"):
            wanted = cam.stream_url.removeprefix(f"{video.MEDIA_PREFIX}/{code}/")
            if path == wanted and path in CLIP_FILES.values() \
                    and not media_ready(settings.media_dir, cam.code, cam.stream_type):
                ensure_media(settings.media_dir, cam.code, cam.name, cam.stream_type, kind=cam.kind)
        now = clock.local_now()
        variant = phase(now.hour + now.minute / 60)  # the day or the night loop, by the local hour
        response = send_from_directory(base / variant, path)  # 404 for missing files and path traversal
        response.headers["Cache-Control"] = "no-cache"
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
