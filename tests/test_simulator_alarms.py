"""The live simulator's weather, gas incidents and new cases, on SQLite and PostgreSQL.

An hour of `cockpit demo` runs the simulator at x20; in that hour (in the rainy season, where
the test clock sits) every kind of alarm must come up on /live, raised by the simulator
itself, and the cases it creates must be as rich as the seeded ones.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from data_access import alarms, clock, db
from data_access.models import Camera, Case, Sensor, SensorReading
from seeds import demo, weather
from seeds.demo import seed_demo
from seeds.simulator import Simulator

DEMO_SPEED = 20  # cockpit demo's simulator speed (dashboard/cli.py)


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def small_city(engine, monkeypatch):
    """A demo city as busy per day as the default one (about 550 cases a day), over two weeks."""
    monkeypatch.setattr(demo, "DAYS", 14)
    seed_demo(engine, cases=7000, seed=5, progress=False)
    return engine


def test_every_alarm_kind_comes_up_in_an_hour_of_the_demo(small_city):
    url = _url(small_city)
    start = clock.utcnow().replace(microsecond=0)
    assert (start + clock.LOCAL_OFFSET).month in range(4, 10), "the test clock sits in the rainy season"
    before = {a["key"] for a in alarms.current_alarms(url, start, limit=10_000)}
    sim = Simulator(small_city, rate_per_minute=2, speed=DEMO_SPEED, seed=3)
    raised: dict[str, set] = {kind: set() for kind in alarms.KINDS}
    for minute in range(1, 61):
        now = start + timedelta(minutes=minute)
        sim.tick(60, now=now)
        for alarm in alarms.current_alarms(url, now, limit=10_000):
            # A case nearing its deadline may already be in the feed when the hour starts (how many
            # depends on the hour the suite reaches this test); every other kind must be new.
            if alarm["key"] not in before or alarm["kind"] == "overdue":
                raised[alarm["kind"]].add(alarm["key"])
    assert all(raised.values()), {kind: len(keys) for kind, keys in raised.items()}
    assert sim.weather.counts["cells"] > 0 and sim.weather.counts["gas_incidents"] > 0

    # The flood map's live view is not all dry, and rain gauges saw the rain.
    with small_city.connect() as conn:
        wet = conn.execute(select(SensorReading.value).join(Sensor, Sensor.id == SensorReading.sensor_id)
                           .where(Sensor.kind == "water_level", SensorReading.measured_at > start,
                                  SensorReading.value >= 3)).all()
        rain = conn.execute(select(SensorReading.value).join(Sensor, Sensor.id == SensorReading.sensor_id)
                            .where(Sensor.kind == "rain", SensorReading.measured_at > start,
                                   SensorReading.value > 0)).all()
    assert wet and rain


def test_the_simulator_is_deterministic_given_its_seed(tmp_path):
    start = clock.utcnow().replace(microsecond=0)
    tables = []
    for name in ("a", "b"):
        engine = db.get_engine(f"sqlite:///{tmp_path / name}.sqlite")
        db.upgrade(engine)
        seed_demo(engine, cases=300, seed=5, progress=False, now=start - timedelta(minutes=5))
        sim = Simulator(engine, rate_per_minute=3, speed=DEMO_SPEED, seed=9)
        for minute in range(1, 21):
            sim.tick(60, now=start + timedelta(minutes=minute))
        with engine.connect() as conn:
            tables.append((conn.execute(select(Case.case_no, Case.status, Case.photos, Case.camera_id)
                                        .order_by(Case.id)).all(),
                           conn.execute(select(SensorReading.sensor_id, SensorReading.measured_at, SensorReading.value)
                                        .where(SensorReading.measured_at > start)
                                        .order_by(SensorReading.sensor_id, SensorReading.measured_at)).all()))
    assert tables[0] == tables[1]
    assert len(tables[0][1]) == 20 * 32 * 5  # every sensor read once a minute


def test_rain_fills_waterlogging_points_and_gas_incidents_pass_the_alarm_level():
    sensors = weather.SensorSet.of([(1, "water_level", 113.75, 23.0), (2, "rain", 113.75, 23.0),
                                    (3, "gas", 113.9, 22.9), (4, "water_level", 114.2, 22.7)])
    start = datetime(2026, 1, 10, 2, 0)  # dry season: nothing arrives by itself in 2 hours
    w = weather.Weather(np.random.default_rng(1), sensors, start, point_rng=np.random.default_rng(2))
    w._arrivals = lambda *_: None  # only the events placed below
    w.cells.append((start, 2.0, 60.0, sensors.x[0], sensors.y[0], 5.0))  # a storm over point 1
    w.incidents.append((2, start + timedelta(minutes=10), 45.0, 30.0))  # gas at sensor 3
    w.run_to(start + timedelta(minutes=45))
    read = w.readings()
    assert read[2] > 40  # mm/h at the gauge under the storm
    assert read[1] > alarms.WATER_ALARM_CM and read[4] < 3  # flooded under it, dry 60 km away
    assert read[3] > alarms.GAS_ALARM_LEL
    w.run_to(start + timedelta(hours=6))
    read = w.readings()
    assert read[1] < 3 and read[3] < 5  # drained, and the leak stopped


def test_more_rain_cells_in_the_rainy_season():
    per_day = {m: sum(weather.cells_per_day(m).values()) for m in range(1, 13)}
    assert min(per_day[m] for m in range(4, 10)) > 3 * max(per_day[m] for m in (1, 2, 11, 12))
    rainy = weather.MONTHLY_RAIN_MM[3:9].sum() / weather.MONTHLY_RAIN_MM.sum()
    assert 0.75 <= rainy <= 0.9


def test_simulated_cases_are_as_rich_as_seeded_ones(engine):
    seed_demo(engine, cases=300, seed=5, progress=False)
    with db.session_scope(engine) as session:
        seeded = {c.id for c in session.scalars(select(Case))}
    sim = Simulator(engine, rate_per_minute=120, speed=1, seed=4)
    start = clock.utcnow().replace(microsecond=0)
    for step in range(1, 4):
        sim.tick(60, now=start + timedelta(minutes=step))
    with db.session_scope(engine) as session:
        new = [c for c in session.scalars(select(Case)) if c.id not in seeded]
        cameras = {c.id: c for c in session.scalars(select(Camera))}
        assert len(new) > 100
        for case in new:
            photos = json.loads(case.photos or "[]")
            assert 1 <= len(photos) <= 3 and all(p.startswith("demo/") for p in photos), case.case_no
            assert case.address and case.address in case.description, case.case_no
            if case.source == "video_ai":
                camera = cameras[case.camera_id]
                assert camera.kind == "ai" and camera.region_code == case.region_code, case.case_no
            else:
                assert case.camera_id is None, case.case_no
        assert any(c.source == "video_ai" for c in new)
