"""`cockpit simulate`: live cases for the demo city, written through the normal case path
(`data_access.cases.submit_case`, the function the ingest API calls).

Every tick, new reports arrive as a Poisson stream (`rate_per_minute`) and each open case
moves to its next step with the probability that step's typical duration gives; `speed`
shortens those durations so a day's handling can be watched in minutes. Timestamps are
always the real current time. Sensors get a new reading every minute.
"""
from __future__ import annotations

import math
import signal
import threading
import time
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from data_access import reference, sanitation, video
from data_access.cases import NewCase, open_cases, submit_case, transition
from data_access.clock import LOCAL_OFFSET, utcnow

from .city import build_city
from . import gas_safety as gas_seed, landscaping as landscaping_seed
from . import enforcement as enforcement_seed, image as image_seed
from .demo import OPINIONS, actor_for, draw_reports, load_refs

# Mean minutes each status waits before its next step, at speed 1 (处置 scales with the limit).
MEAN_WAIT = {"reported": 1.3, "filed": 1.1, "handled": 12, "fed_back": 40, "verified": 8,
             "suspended": 3 * 24 * 60}
HANDLE_SHARE = 0.33  # typical handling time as a share of the limit
SIDE_PATHS = {"reported": ("reject", 0.04), "filed": ("void", 0.004), "fed_back": ("rework", 0.03),
              "dispatched": ("return", 0.02)}
NEXT = {"reported": "file", "filed": "dispatch", "dispatched": "handle", "suspended": "resume",
        "handled": "feedback", "fed_back": "verify", "verified": "close"}


class SimulatorError(RuntimeError):
    pass


class Simulator:
    def __init__(self, engine: Engine, rate_per_minute: float = 6.0, speed: float = 1.0, seed: int | None = None):
        if rate_per_minute < 0 or speed <= 0:
            raise SimulatorError("rate must be 0 or more and speed above 0")
        self.engine = engine
        self.rate = rate_per_minute
        self.speed = speed
        with engine.connect() as conn:
            demo_seed = reference.meta_value(conn, "seed")
            if demo_seed is None:
                raise SimulatorError("the database holds no demo city: run `cockpit seed` first")
            self.city = build_city(int(demo_seed))
            self.refs = load_refs(conn, self.city, int(demo_seed))
        self.codes = {int(i): s.code for i, s in zip(self.refs.category_ids, self.refs.categories)}
        self.rng = np.random.default_rng(seed)
        self.last_reading = None
        self.counts = {"created": 0, "moved": 0}

    def tick(self, seconds: float, now: datetime | None = None) -> None:
        """Simulate `seconds` of real time ending at `now`."""
        now = (now or utcnow()).replace(microsecond=0)
        with Session(self.engine, expire_on_commit=False) as session:
            for _ in range(self.rng.poisson(self.rate * seconds / 60)):
                self._report(session, now)
            self._advance(session, now, seconds / 60)
            if self.last_reading is None or now - self.last_reading >= timedelta(minutes=1):
                self._read_sensors(session, now)
                self.last_reading = now
            sanitation.live_tick(session.connection(), self.rng, now)  # 市容环卫: GPS fixes every 30 s, today's totals
            landscaping_seed.tick(session, self.rng, now, seconds)  # 园林绿化: today's planned work gets done
            gas_seed.tick(session, self.rng, now, seconds)  # 燃气安全: alarms handled, 入户安检 visits
            enforcement_seed.simulate(session, self.rng, now, seconds / 60, self.speed)  # 城管执法: cases move on
            image_seed.simulate(session, self.rng, now, seconds / 60, self.speed)  # 城管形象: 回访 of closed cases
            session.commit()

    def _report(self, session: Session, now: datetime):
        local = np.array([np.datetime64(now + LOCAL_OFFSET, "s")])
        drawn = draw_reports(self.rng, self.city, self.refs, local)[0]
        new = NewCase(
            category_code=self.codes[drawn.category_id], source=drawn.source, lon=drawn.lon, lat=drawn.lat,
            reported_at=now, description=drawn.description, address=drawn.address, urgency=drawn.urgency,
            reporter_name=drawn.reporter_name, reporter_phone=drawn.reporter_phone, camera_id=drawn.camera_id,
        )
        case, _created = submit_case(session, new, actor=actor_for("report", drawn, self.refs, ""), now=now)
        if drawn.source == "video_ai" and drawn.camera_id:  # the AI event the case came from (issue 6)
            video.add_event(session, int(drawn.camera_id), case.category_id, now - timedelta(seconds=int(
                self.rng.integers(5, 60))), float(self.rng.uniform(0.62, 0.97)), case_id=case.id)
            video.touch_cameras(session, [int(drawn.camera_id)], now)
        self.counts["created"] += 1

    def _advance(self, session: Session, now: datetime, minutes: float):
        for case in open_cases(session):
            mean = MEAN_WAIT.get(case.status)
            if case.status == "dispatched":
                speed = self.refs.department_speed.get(case.department_id, 1.0)
                mean = HANDLE_SHARE * speed * (case.time_limit_minutes + case.extension_minutes)
            if self.rng.random() >= 1 - math.exp(-minutes * self.speed / mean):
                continue
            action = NEXT[case.status]
            side, chance = SIDE_PATHS.get(case.status, (None, 0))
            if side and self.rng.random() < chance:
                action = side
            at = max(now, case.updated_at)
            transition(session, case, action, at, actor_for(action, case, self.refs, "巡查监督员"),
                       OPINIONS.get(action))
            self.counts["moved"] += 1

    def _read_sensors(self, session: Session, now: datetime):
        conn = session.connection()
        latest = reference.latest_readings(conn)
        rows = []
        for sensor_id, kind in reference.sensors(conn):
            value = latest.get(sensor_id, 0.0)
            if kind == "rain":
                value = max(0.0, value * 0.9 + (self.rng.gamma(2, 6) if self.rng.random() < 0.01 else 0))
            elif kind == "water_level":
                value = max(0.0, value * 0.95 + self.rng.normal(0, 0.2))
            else:
                value = max(0.0, 0.6 * value + 0.4 * self.rng.gamma(1.5, 0.4))
            rows.append({"sensor_id": sensor_id, "measured_at": now.replace(second=0), "value": round(value, 2)})
        reference.add_readings(conn, rows)


def run(engine: Engine, rate_per_minute: float = 6.0, speed: float = 1.0, duration: float | None = None,
        tick_seconds: float = 1.0, seed: int | None = None, stop: threading.Event | None = None,
        log=print) -> dict:
    """Run until `duration` seconds pass, `stop` is set, or SIGINT/SIGTERM."""
    sim = Simulator(engine, rate_per_minute, speed, seed)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    started = last = time.monotonic()
    log(f"simulating {rate_per_minute:g} new cases/min at speed x{speed:g}; Ctrl-C stops")
    while not stop.is_set() and (duration is None or time.monotonic() - started < duration):
        stop.wait(tick_seconds)
        now = time.monotonic()
        sim.tick(now - last)
        last = now
    log(f"simulator stopped: {sim.counts['created']} cases created, {sim.counts['moved']} steps taken")
    return sim.counts
