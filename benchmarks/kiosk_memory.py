"""Days on screen: the browser heap of a kiosk tab that rotates and receives live updates.

    nice python benchmarks/kiosk_memory.py [--minutes 30] [--item-seconds 8] [--sample-seconds 60]

Seeds a demo city into a temporary SQLite database (or uses --database-url), serves the app,
runs the live simulator (which writes through the same path as the ingest API) and posts a
case to the ingest API every few seconds, and opens /kiosk/<bench playlist> in headless
Chromium: overview → city management → /live → one panel, each for --item-seconds.
Every --sample-seconds it forces a garbage collection over the Chrome DevTools Protocol and
reads Performance.getMetrics (JSHeapUsedSize, Nodes, Documents, JSEventListeners) and
Runtime.getHeapUsage. Prints a table of heap over time and the growth. Not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

PLAYLIST = """title = "memory benchmark"
idle_seconds = 30
[[items]]
board = "overview"
seconds = {s}
[[items]]
board = "city-management"
seconds = {s}
[[items]]
page = "/live"
seconds = {s}
[[items]]
panel = "overview.region_ranking"
seconds = {s}
"""


def post_cases(base: str, key: str, stop: threading.Event, every: float, counts: dict):
    i = 0
    while not stop.wait(every):
        i += 1
        body = {"external_id": f"bench-{os.getpid()}-{i}", "category_code": "06001", "source": "video_ai",
                "lon": 113.752, "lat": 23.021, "reported_at": datetime.now(timezone.utc).isoformat(),
                "description": "memory benchmark", "address": "bench"}
        request = urllib.request.Request(base + "/api/v1/cases", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json", "X-API-Key": key})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                counts["posted" if response.status == 201 else "other"] += 1
        except Exception as exc:  # noqa: BLE001 - keep going; report at the end
            counts["failed"] += 1
            counts["last_error"] = repr(exc)[:200]


def simulate(engine, stop: threading.Event):
    from seeds.simulator import Simulator

    sim = Simulator(engine, rate_per_minute=4, speed=20, seed=1)
    last = time.monotonic()
    while not stop.wait(5):
        now = time.monotonic()
        try:
            sim.tick(now - last)
        except Exception as exc:  # noqa: BLE001
            print(f"simulator tick failed: {exc!r}", file=sys.stderr)
        last = now


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--item-seconds", type=float, default=8)
    parser.add_argument("--sample-seconds", type=float, default=60)
    parser.add_argument("--cases", type=int, default=5000, help="demo cases to seed (temporary database)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--post-every", type=float, default=5, help="seconds between ingest API posts")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args(argv)

    from browser import CHROMIUM_ARGS, serve
    from playwright.sync_api import sync_playwright

    from dashboard.app import create_app
    from dashboard.settings import load_settings
    from data_access import api_keys, db
    from seeds.demo import seed_demo

    work = Path(tempfile.mkdtemp(prefix="kiosk-memory-"))
    url = args.database_url or f"sqlite:///{work / 'cockpit.sqlite'}"
    engine = db.get_engine(url)
    db.upgrade(engine)
    if not args.database_url:
        seed_demo(engine, cases=args.cases, seed=11, progress=False)
    with db.session_scope(engine) as session:
        key = api_keys.create_key(session, "kiosk-memory-benchmark")
    (work / "playlists").mkdir()
    (work / "playlists" / "bench.toml").write_text(PLAYLIST.format(s=args.item_seconds))
    os.environ["PLAYLISTS_DIR"] = str(work / "playlists")

    settings = load_settings({"DATABASE_URL": url, "DATA_DIR": str(work / "data")})
    stop = threading.Event()
    counts = {"posted": 0, "other": 0, "failed": 0}
    rows = []
    with serve(create_app(settings).server) as base, sync_playwright() as p:
        threads = [threading.Thread(target=simulate, args=(engine, stop), daemon=True),
                   threading.Thread(target=post_cases, args=(base, key, stop, args.post_every, counts), daemon=True)]
        for t in threads:
            t.start()
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "/kiosk/bench")
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        started = time.monotonic()
        print(f"kiosk memory benchmark: {args.minutes:g} min, items of {args.item_seconds:g} s, "
              f"sample every {args.sample_seconds:g} s, db {url}", flush=True)
        print(f"{'min':>6} {'heap MB':>8} {'total MB':>9} {'nodes':>7} {'docs':>5} {'listeners':>9} "
              f"{'switches':>8} {'posted':>6}", flush=True)
        while True:
            elapsed = time.monotonic() - started
            cdp.send("HeapProfiler.collectGarbage")
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            usage = cdp.send("Runtime.getHeapUsage")
            state = page.evaluate("window.cockpitKiosk && window.cockpitKiosk.state()") or {}
            row = (elapsed / 60, metrics.get("JSHeapUsedSize", 0) / 2**20, usage["totalSize"] / 2**20,
                   int(metrics.get("Nodes", 0)), int(metrics.get("Documents", 0)),
                   int(metrics.get("JSEventListeners", 0)), state.get("switches", 0), counts["posted"],
                   state.get("index", -1))
            rows.append(row)
            print(f"{row[0]:6.1f} {row[1]:8.2f} {row[2]:9.2f} {row[3]:7d} {row[4]:5d} {row[5]:9d} {row[6]:8d} {row[7]:6d}",
                  flush=True)
            if elapsed >= args.minutes * 60:
                break
            time.sleep(max(0.0, args.sample_seconds - (time.monotonic() - started - elapsed)))
        stop.set()
        browser.close()

    warm = [r for r in rows if r[0] >= min(5, args.minutes / 3)]  # after the first items warmed caches
    first, last = warm[0], rows[-1]
    hours = (last[0] - first[0]) / 60 or 1
    n = len(warm)
    mean_t = sum(r[0] for r in warm) / n
    mean_h = sum(r[1] for r in warm) / n
    slope = (sum((r[0] - mean_t) * (r[1] - mean_h) for r in warm)
             / (sum((r[0] - mean_t) ** 2 for r in warm) or 1)) * 60  # MB per hour
    print()
    print(f"heap after warm-up {first[1]:.2f} MB at {first[0]:.1f} min, at the end {last[1]:.2f} MB at {last[0]:.1f} min: "
          f"growth {last[1] - first[1]:+.2f} MB ({(last[1] - first[1]) / hours:+.2f} MB/h; "
          f"least-squares slope {slope:+.2f} MB/h); min {min(r[1] for r in warm):.2f}, max {max(r[1] for r in warm):.2f} MB")
    # The heap depends on which item is on screen, so also compare each item with itself.
    for index in sorted({r[8] for r in warm}):
        same = [r for r in warm if r[8] == index]
        if len(same) >= 2:
            span = (same[-1][0] - same[0][0]) / 60 or 1
            print(f"item {index}: {same[0][1]:.2f} MB at {same[0][0]:.1f} min -> {same[-1][1]:.2f} MB at "
                  f"{same[-1][0]:.1f} min ({(same[-1][1] - same[0][1]) / span:+.2f} MB/h, {len(same)} samples)")
    print(f"playlist switches {rows[-1][6]}, cases posted to the API {counts['posted']} "
          f"(failed {counts['failed']}{', ' + counts.get('last_error', '') if counts['failed'] else ''}), "
          f"page errors {len(errors)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
