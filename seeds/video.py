"""Video for the demo city: camera streams, AI events, and demo media made offline.

`seed_video` (called once by seeds.demo.seed_demo with its own random stream) gives each
camera a stream: a few play generated clips as MP4, HLS and HTTP-FLV, a few an MJPEG stream,
the rest a JPEG snapshot; some are offline and one is "online" with a dead URL, as in any
real city. Every 视频智能发现 case gets the AI event it came from.

Media are street scenes drawn offline (seeds/street_scene.py: road, buildings, moving vehicles
and people). Clip cameras get a day and a night loop, encoded by ffmpeg into
DATA_DIR/media/video/<camera code>/{day,night}/ (`ensure_media`); nothing is committed. The
app serves the loop that fits the local hour, and calls `ensure_media` too when a clip is
missing (a fresh DATA_DIR), so the seed and the server agree. MJPEG and snapshot frames are
drawn live by dashboard/video_media.py with the server's clock in the picture. Without ffmpeg
the clip cameras fall back to snapshots and the seed says so.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select

from data_access import video
from data_access.models import Camera, CameraEvent
from seeds import street_scene

CLIP = {"rate": 12}  # frames per second; a clip is one loop of street_scene.PERIOD seconds
CLIP_FILES = {"mp4": "clip.mp4", "hls": "hls/index.m3u8", "flv": "clip.flv"}
VARIANTS = {"day": 11.0, "night": 21.5}  # clip variant → the local hour it is drawn at
MEDIA_VERSION = "street-2"  # older media (test patterns) are made again
# How many cameras of the first towns play each kind of stream (the rest show snapshots).
PLAYING = ("mp4", "hls", "flv", "mjpeg", "mp4", "hls", "flv", "mjpeg")
_lock = threading.Lock()


def ffmpeg() -> str | None:
    return shutil.which("ffmpeg")


def stream_url(code: str, stream_type: str) -> str:
    base = f"{video.MEDIA_PREFIX}/{code}"
    return {"mp4": f"{base}/clip.mp4", "hls": f"{base}/hls/index.m3u8", "flv": f"{base}/clip.flv",
            "mjpeg": f"{base}/mjpeg", "snapshot": f"{base}/snapshot.jpg"}[stream_type]


def plan_streams(cameras: list[tuple], rng, now: datetime, have_ffmpeg: bool) -> list[dict]:
    """Stream rows for (id, code, region_code, status) cameras, ordered by code."""
    rows, per_region = [], {}
    dead_done = False
    for cam_id, code, region, status in cameras:
        n = per_region.get(region, 0)
        per_region[region] = n + 1
        town = len(per_region) - 1
        kind = "snapshot"
        if status == "online" and town < 2 and n < len(PLAYING) // 2:
            kind = PLAYING[town * (len(PLAYING) // 2) + n]
        if kind in CLIP_FILES and not have_ffmpeg:
            kind = "snapshot"
        url = stream_url(code, kind)
        seen = now - timedelta(seconds=int(rng.integers(5, 120)))
        if status == "offline":
            seen = now - timedelta(minutes=int(rng.integers(30, 5 * 24 * 60)))
        elif not dead_done and town == 0 and n == len(PLAYING) // 2:
            kind, url, dead_done = "hls", f"{video.MEDIA_PREFIX}/{code}/gateway/live.m3u8", True  # never answers
            seen = now - timedelta(minutes=int(rng.integers(20, 600)))
        rows.append({"id": cam_id, "stream_url": url, "stream_type": kind, "status": status, "last_seen_at": seen})
    return rows


def seed_video(writer, rng, now: datetime, media_dir: Path | None = None, log=print) -> dict:
    """Streams for every camera, an AI event per video case, and the demo media."""
    conn = writer.conn
    cameras = conn.execute(select(Camera.id, Camera.code, Camera.region_code, Camera.status)
                           .order_by(Camera.code)).all()
    have_ffmpeg = ffmpeg() is not None
    rows = plan_streams(cameras, rng, now, have_ffmpeg)
    video.set_streams(conn, rows)
    if not have_ffmpeg:
        log("video: ffmpeg not found; cameras that would play clips show snapshots (apt-get install ffmpeg)")

    cases = video.video_cases(conn)
    confidence = np.round(rng.beta(8, 2, len(cases)) * 0.35 + 0.62, 3)
    lead = rng.integers(5, 90, len(cases))  # seconds between detection and the report
    events = [(i + 1, cam, case_id, category, reported - timedelta(seconds=int(s)), float(c),
               video.event_snapshot(i + 1))
              for i, ((case_id, cam, category, reported), c, s) in enumerate(zip(cases, confidence, lead))]
    writer.write(CameraEvent.__tablename__, ["id", "camera_id", "case_id", "category_id", "detected_at",
                                             "confidence", "snapshot"], events)

    made = 0
    if have_ffmpeg:
        if media_dir is None:
            try:
                from dashboard.settings import load_settings
                media_dir = load_settings().media_dir
            except Exception as exc:  # noqa: BLE001 - bad settings must not break the seed
                log(f"video: no media directory ({exc}); the app generates clips on first request")
        names = {i: (n, k) for i, n, k in conn.execute(select(Camera.id, Camera.name, Camera.kind)).all()}
        code_of = {cam_id: code for cam_id, code, _r, _s in cameras}
        started = time.perf_counter()
        for row in rows:
            if media_dir is not None and row["stream_type"] in CLIP_FILES and "/gateway/" not in row["stream_url"]:
                name, kind = names[row["id"]]
                made += bool(ensure_media(media_dir, code_of[row["id"]], name, row["stream_type"], log, kind))
        if made:
            log(f"video: {made} street clips (day and night loops) in {time.perf_counter() - started:.1f} s")
    return {"events": len(events), "media": made}


def media_path(media_dir: Path, code: str) -> Path:
    return Path(media_dir) / "video" / code


def phase(hour: float) -> str:
    """Which clip variant a camera plays at a local hour: the day one or the night one."""
    return "day" if street_scene.daylight(hour) >= 0.5 else "night"


def media_ready(media_dir: Path, code: str, stream_type: str) -> bool:
    done = media_path(media_dir, code) / ".done"
    try:
        return done.read_text() == f"{stream_type} {MEDIA_VERSION}"
    except OSError:
        return False


def _encode(binary: str, frames, out: list[str], log, code: str) -> bool:
    """Pipe RGB frames into ffmpeg; True when it succeeded."""
    size, rate = f"{street_scene.W}x{street_scene.H}", str(CLIP["rate"])
    cmd = [binary, "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", size, "-r", rate, "-i", "-", *out]
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            for frame in frames:
                proc.stdin.write(frame)
            proc.stdin.close()
        except BrokenPipeError:
            pass
        err = proc.stderr.read().decode(errors="replace")
        code_ = proc.wait(timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        log(f"video: ffmpeg failed for {code}: {exc}")
        return False
    if code_ != 0:
        log(f"video: ffmpeg failed for {code}: {err.strip().splitlines()[-1:]}")
    return code_ == 0


def clip_frames(code: str, kind: str, hour: float):
    """The RGB bytes of one loop of a camera's street: PERIOD seconds at CLIP rate. Nothing is
    burned in: a looping clip can't know the time, so the tile overlays the name and the real time."""
    view = street_scene.scene(code, kind)
    n = round(street_scene.PERIOD * CLIP["rate"])
    for i in range(n):
        yield view.frame(i / CLIP["rate"], hour).tobytes()


def ensure_media(media_dir: Path, code: str, name: str, stream_type: str, log=print,
                 kind: str = "intersection") -> bool:
    """Make the demo clips of one camera (a day and a night loop) unless they exist; True when
    they are there. MJPEG and snapshot cameras need no files: the app draws their frames live."""
    if media_ready(media_dir, code, stream_type):
        return True
    binary = ffmpeg()
    if binary is None or stream_type not in CLIP_FILES:
        return False
    target = media_path(media_dir, code)
    with _lock:
        if media_ready(media_dir, code, stream_type):
            return True
        # Build in a private folder and rename it into place, so no request ever sees half a clip.
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{code}-"))
        rate = CLIP["rate"]
        h264 = ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "baseline", "-crf", "26",
                "-pix_fmt", "yuv420p", "-g", str(rate * 2), "-an"]
        ok = True
        for variant, hour in VARIANTS.items():
            folder = work / variant
            folder.mkdir()
            if stream_type == "mp4":
                out = [*h264, "-movflags", "+faststart", str(folder / "clip.mp4")]
            elif stream_type == "flv":
                out = [*h264, "-f", "flv", str(folder / "clip.flv")]
            else:
                (folder / "hls").mkdir()
                out = [*h264, "-f", "hls", "-hls_time", "4", "-hls_list_size", "0", "-hls_playlist_type", "vod",
                       "-hls_segment_filename", str(folder / "hls" / "seg%02d.ts"), str(folder / "hls" / "index.m3u8")]
            if not _encode(binary, clip_frames(code, kind, hour), out, log, code):
                ok = False
                break
        if not ok:
            shutil.rmtree(work, ignore_errors=True)
            return False
        (work / ".done").write_text(f"{stream_type} {MEDIA_VERSION}")
        shutil.rmtree(target, ignore_errors=True)  # leftovers of an older layout
        try:
            os.replace(work, target)
        except OSError:  # another process finished first
            shutil.rmtree(work, ignore_errors=True)
        return media_ready(media_dir, code, stream_type)
