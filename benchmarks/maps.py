"""Map performance at scale: 50,000 pipe segments and 20,000 points in a scratch database.

    python benchmarks/maps.py [--url DATABASE_URL] [--pipes 50000] [--points 20000] [--no-browser]

Seeds a small demo city (2,000 cases) into a scratch SQLite file (or the empty database you
pass), grows the gas network to --pipes segments and adds --points valve points, then prints
the /api/v1/geo route times (cold and cached, plain and gzip) and the first-draw time of
/map/gas-pipelines in headless Chromium (/usr/bin/chromium). Not part of the test suite.
"""
from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from data_access import bulk, db
from data_access.db import count_rows
from data_access.models import GasPipeline, MapFeature
from seeds import maps as map_seed
from seeds.city import build_city, random_points_in_grids
from seeds.demo import seed_demo

SEED = 42


def grow(engine, pipes: int, points: int):
    """Add random-walk pipe segments inside the towns until there are `pipes`, and `points` valves."""
    city = build_city(SEED)
    rng = np.random.default_rng([SEED, 99])
    have = count_rows(engine, GasPipeline)
    first_feature = count_rows(engine, MapFeature) + 1
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")  # begin, so commit() below commits the raw-cursor writes
        net = map_seed._Network(rng, datetime(2026, 11, 1))
        net.rows = [None] * have  # new ids continue after the seeded ones
        net.lines = [None] * have
        towns = city.towns
        while len(net.rows) < pipes:
            town = towns[int(rng.integers(len(towns)))]
            grid = rng.choice(np.flatnonzero(city.grid_region == towns.index(town)))
            lon, lat = random_points_in_grids(rng, city, np.array([grid]))
            net.path((float(lon[0]), float(lat[0])), rng.uniform(0, 2 * np.pi), 150, int(rng.integers(3, 12)),
                     town.polygon, str(rng.choice(["medium", "low", "low"])), town.code)
        writer = bulk.BulkWriter(conn)
        writer.write("gas_pipelines", map_seed.PIPE_COLUMNS, [r for r in net.rows[have:pipes]])
        grids = rng.choice(len(city.grids), points)
        lons, lats = random_points_in_grids(rng, city, grids)
        rows = [map_seed._feature(first_feature + i, "gas_valve", f"BV-{i:06d}", f"阀门井{i}", "valve",
                                  city.grids[g]["region_code"], x, y, props={"状态": "常开"})
                for i, (g, x, y) in enumerate(zip(grids, lons, lats))]
        writer.write("map_features", map_seed.FEATURE_COLUMNS, rows)
        conn.commit()
        bulk.finish_load(conn)


def timed(client, path: str, gzip_ok: bool) -> tuple[float, int, int]:
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    started = time.perf_counter()
    response = client.get(path, headers=headers)
    seconds = time.perf_counter() - started
    assert response.status_code == 200, response.data[:200]
    body = response.data
    raw = len(gzip.decompress(body)) if response.headers.get("Content-Encoding") == "gzip" else len(body)
    return seconds, len(body), raw


def routes(app, repeat: int = 3):
    client = app.server.test_client()
    city = "113.5,22.5,114.3,23.2"
    town = "113.70,22.95,113.80,23.05"
    cases = [
        ("gas-pipelines, whole city", f"/api/v1/geo/gas-pipelines?bbox={city}"),
        ("gas-pipelines, medium only", f"/api/v1/geo/gas-pipelines?bbox={city}&pressure=medium"),
        ("gas-pipelines, one town bbox", f"/api/v1/geo/gas-pipelines?bbox={town}"),
        ("gas-pipelines, region filter", "/api/v1/geo/gas-pipelines?region=441900003"),
        ("gas-valves (points), whole city", f"/api/v1/geo/gas-valves?bbox={city}"),
        ("gas-valves, one town bbox", f"/api/v1/geo/gas-valves?bbox={town}"),
    ]
    print(f"\n{'route':34} {'features':>9} {'cold ms':>9} {'cached ms':>10} {'raw KB':>9} {'gzip KB':>9}")
    from data_access.cache import cache

    for label, path in cases:
        colds = []
        for _ in range(repeat):
            with app.server.app_context():
                cache.clear()
            colds.append(timed(client, path, True)[0])
        warm = [timed(client, path, True)[0] for _ in range(repeat)]
        _, packed, raw = timed(client, path, True)
        count = client.get(path).get_json()["features"].__len__()
        print(f"{label:34} {count:>9,} {statistics.median(colds) * 1000:>9.0f} "
              f"{statistics.median(warm) * 1000:>10.1f} {raw / 1024:>9.0f} {packed / 1024:>9.0f}")


def first_draw(app, expected: int, chromium: str):
    from browser import launch_chromium, open_page, serve

    with serve(app.server) as url, launch_chromium(chromium) as browser:
        for label, warm in (("cold cache", False), ("warm cache", True)):
            if not warm:
                from data_access.cache import cache
                with app.server.app_context():
                    cache.clear()
            with open_page(browser, url) as page:
                started = time.perf_counter()
                page.page.goto(url + "/map/gas-pipelines")
                page.page.wait_for_function(
                    """(minimum) => { const m = window.cockpitMaps && window.cockpitMaps.maps['gas-map-regions'];
                        if (!m) return false; let n = 0;
                        m.eachLayer(l => { if (l.feature && l.feature.geometry.type === 'LineString') n++; });
                        return n >= minimum; }""", arg=expected, timeout=120_000, polling=100)
                seconds = time.perf_counter() - started
                print(f"first draw of /map/gas-pipelines ({expected:,} pipes, {label}): {seconds:.2f} s"
                      f"{'  console errors: ' + str(page.console_errors) if page.console_errors else ''}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an EMPTY database to use (default: a scratch SQLite file)")
    parser.add_argument("--pipes", type=int, default=50_000)
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    scratch = tempfile.TemporaryDirectory(prefix="maps-bench-")
    url = args.url or f"sqlite:///{scratch.name}/bench.sqlite"
    engine = db.get_engine(url)
    db.upgrade(engine)
    started = time.perf_counter()
    seed_demo(engine, cases=2000, seed=SEED, progress=False)
    grow(engine, args.pipes, args.points)
    print(f"seeded {count_rows(engine, GasPipeline):,} pipe segments and {count_rows(engine, MapFeature):,} "
          f"map points/areas into {engine.url.get_backend_name()} in {time.perf_counter() - started:.1f} s")

    from dashboard.app import create_app
    from dashboard.settings import load_settings

    app = create_app(load_settings({"DATABASE_URL": url, "DATA_DIR": scratch.name}))
    routes(app)
    if not args.no_browser:
        first_draw(app, count_rows(engine, GasPipeline), args.chromium)
    engine.dispose()
    scratch.cleanup()


if __name__ == "__main__":
    main()
