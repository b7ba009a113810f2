"""Video for the demo city: camera streams, AI events, and demo media made offline.

`seed_video` (called once by seeds.demo.seed_demo with its own random stream) gives each
camera a stream: a few play generated clips as MP4, HLS and HTTP-FLV, a few an MJPEG stream,
the rest a JPEG snapshot; some are offline and one is "online" with a dead URL, as in any
real city. Every 视频智能发现 case gets the AI event it came from.

Media are generated with ffmpeg test sources into DATA_DIR/media/video/<camera code>/
(`ensure_media`); nothing large is committed. The app calls `ensure_media` too when a file
is missing (a fresh DATA_DIR), so the seed and the server agree. Without ffmpeg the clip
cameras fall back to snapshots and the seed says so.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select

from data_access import video
from data_access.models import Camera, CameraEvent

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CLIP = {"size": "640x360", "rate": 15, "seconds": 6}
CLIP_FILES = {"mp4": "clip.mp4", "hls": "hls/index.m3u8", "flv": "clip.flv"}
MJPEG_FRAMES = 30
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
        names = dict(conn.execute(select(Camera.id, Camera.name)).all())
        code_of = {cam_id: code for cam_id, code, _r, _s in cameras}
        for row in rows:
            if media_dir is not None and row["stream_type"] in (*CLIP_FILES, "mjpeg") \
                    and "/gateway/" not in row["stream_url"]:
                made += bool(ensure_media(media_dir, code_of[row["id"]], names[row["id"]], row["stream_type"], log))
    return {"events": len(events), "media": made}


def media_path(media_dir: Path, code: str) -> Path:
    return Path(media_dir) / "video" / code


def _drawtext(label: str) -> str:
    """An ffmpeg drawtext filter with the camera name and a running clock, or "" without one."""
    safe = label.replace("\\", "").replace(":", "\\:").replace("'", "")
    if FONT.exists():
        font = f"fontfile={FONT}:"
    else:
        font = ""
        safe = safe.encode("ascii", "ignore").decode() or "CAMERA"
    box = "box=1:boxcolor=black@0.55:boxborderw=8:fontcolor=white"
    return (f"drawtext={font}text='{safe}':x=16:y=h-84:fontsize=24:{box},"
            f"drawtext={font}text='%{{localtime\\:%Y-%m-%d %H\\\\\\:%M\\\\\\:%S}}  T+%{{pts\\:hms}}':"
            f"x=16:y=h-44:fontsize=22:{box}")


def _has_drawtext(binary: str) -> bool:
    try:
        out = subprocess.run([binary, "-hide_banner", "-filters"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return " drawtext " in out


def ensure_media(media_dir: Path, code: str, name: str, stream_type: str, log=print) -> bool:
    """Make the demo media of one camera unless they exist; True when they are there."""
    target = media_path(media_dir, code)
    done = target / ".done"
    if done.exists():
        return True
    binary = ffmpeg()
    if binary is None or stream_type not in (*CLIP_FILES, "mjpeg"):
        return False
    with _lock:
        if done.exists():
            return True
        # Build in a private folder and rename it into place, so no request ever sees half a clip.
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{code}-"))
        size, rate, seconds = CLIP["size"], CLIP["rate"], CLIP["seconds"]
        source = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
        overlay = _drawtext(f"{name} {code}") if _has_drawtext(binary) else ""
        h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline",
                "-pix_fmt", "yuv420p", "-g", str(rate), "-an"]
        vf = ["-vf", overlay] if overlay else []
        if stream_type == "mp4":
            out = [*vf, *h264, "-movflags", "+faststart", str(work / "clip.mp4")]
        elif stream_type == "flv":
            out = [*vf, *h264, "-f", "flv", str(work / "clip.flv")]
        elif stream_type == "hls":
            (work / "hls").mkdir()
            out = [*vf, *h264, "-f", "hls", "-hls_time", "2", "-hls_list_size", "0", "-hls_playlist_type", "vod",
                   "-hls_segment_filename", str(work / "hls" / "seg%02d.ts"), str(work / "hls" / "index.m3u8")]
        else:  # mjpeg: frames the app streams as multipart/x-mixed-replace
            (work / "frames").mkdir()
            filters = ",".join(f for f in (overlay, "fps=5") if f)
            out = ["-vf", filters, "-frames:v", str(MJPEG_FRAMES), "-q:v", "5", str(work / "frames" / "f%02d.jpg")]
        env = {**os.environ, "TZ": "Asia/Shanghai"}  # the overlay clock in the city's local time
        cmd = [binary, "-hide_banner", "-loglevel", "error", "-y", *source, *out]
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
        except (OSError, subprocess.SubprocessError) as exc:
            result = None
            log(f"video: ffmpeg failed for {code}: {exc}")
        if result is not None and result.returncode != 0:
            log(f"video: ffmpeg failed for {code}: {result.stderr.strip().splitlines()[-1:]}")
        if result is None or result.returncode != 0:
            shutil.rmtree(work, ignore_errors=True)
            return False
        (work / ".done").write_text(stream_type)
        shutil.rmtree(target, ignore_errors=True)  # leftovers of an older, unfinished layout
        try:
            os.replace(work, target)
        except OSError:  # another process finished first
            shutil.rmtree(work, ignore_errors=True)
        return done.exists()
