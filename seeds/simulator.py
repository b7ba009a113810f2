"""`cockpit simulate`: live cases for the demo city, written through the normal case path
(`data_access.cases.submit_case`, the function the ingest API calls).

Every tick, new reports arrive as a Poisson stream (`rate_per_minute`), drawn like the
seed's (place, category, source, camera, photos, address, description), and each open case
moves to its next step with the probability that step's typical duration gives; `speed`
shortens those durations so a day's handling can be watched in minutes. Handling follows
the towns' and departments' performance (seeds.performance), as in the seed: weaker ones
are slower, leave more overdue cases open and rework more. Timestamps are always the real
current time. Weather and gas incidents (seeds.weather) run `speed` times faster too, and
every sensor gets a new reading each minute.
"""
from __future__ import annotations

import json
import signal
import threading
import time
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from data_access import reference, sanitation, video
from data_access.cases import NewCase, cases_by_id, open_case_states, submit_case, transition
from data_access.clock import LOCAL_OFFSET, utcnow

from . import performance, weather
from .city import build_city
from . import gas_safety as gas_seed, landscaping as landscaping_seed
from . import enforcement as enforcement_seed, image as image_seed
from .demo import OPINIONS, POINT_STREAM, actor_for, draw_reports, load_refs

# Mean minutes each status waits before its next step, at speed 1 (处置 scales with the limit
# and the performance of whoever handles it).
MEAN_WAIT = {"reported": 1.3, "filed": 1.1, "handled": 12, "fed_back": 40, "verified": 8,
             "suspended": 3 * 24 * 60}
SIDE_PATHS = {"reported": ("reject", 0.04), "filed": ("void", 0.004), "dispatched": ("return", 0.02)}
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
            self.sensors = weather.SensorSet.of(reference.sensor_points(conn))
            self.depth = reference.latest_readings(conn)
        self.demo_seed = int(demo_seed)
        self.codes = {int(i): s.code for i, s in zip(self.refs.category_ids, self.refs.categories)}
        self.rng = np.random.default_rng(seed)
        self.weather_rng = np.random.default_rng([seed, 1] if seed is not None else None)
        self.weather: weather.Weather | None = None
        self.last_reading = None
        self.counts = {"created": 0, "moved": 0}

    def tick(self, seconds: float, now: datetime | None = None) -> None:
        """Simulate `seconds` of real time ending at `now`."""
        now = (now or utcnow()).replace(microsecond=0)
        if self.weather is None:  # weather runs on its own clock, `speed` times faster than ours
            self.weather = weather.Weather(self.weather_rng, self.sensors, now, depth=self.depth,
                                           point_rng=np.random.default_rng([self.demo_seed, POINT_STREAM]))
        self.weather.run_to(self.weather.t + timedelta(seconds=seconds * self.speed))
        with Session(self.engine, expire_on_commit=False) as session:
            for _ in range(self.rng.poisson(self.rate * seconds / 60)):
                self._report(session, now)
            self._advance(session, now, seconds / 60)
            if self.last_reading is None or now - self.last_reading >= timedelta(minutes=1):
                self._read_sensors(session, now)
                self.last_reading = now
            sanitation.live_tick(session, self.rng, now)  # 市容环卫: GPS fixes every 30 s, today's totals, toilets
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
            photos=json.loads(drawn.photos),
        )
        case, _created = submit_case(session, new, actor=actor_for("report", drawn, self.refs, ""), now=now)
        if drawn.source == "video_ai" and drawn.camera_id:  # the AI event the case came from (issue 6)
            video.add_event(session, int(drawn.camera_id), case.category_id, now - timedelta(seconds=int(
                self.rng.integers(5, 60))), float(self.rng.uniform(0.62, 0.97)), case_id=case.id)
            video.touch_cameras(session, [int(drawn.camera_id)], now)
        self.counts["created"] += 1

    def _advance(self, session: Session, now: datetime, minutes: float):
        # Only the demo city lives: further cities' cases (`seed --jurisdictions`) stay as seeded.
        states = [s for s in open_case_states(session) if s.region_code in self.refs.town_index]
        if not states:
            return
        status = [s.status for s in states]
        quality = self.refs.quality([s.department_id for s in states], [s.region_code for s in states])
        mean = np.array([MEAN_WAIT.get(st, np.nan) for st in status], dtype=float)
        # 处置: a share of the limit, longer where handling is weaker; an overdue case that is one
        # of the left-open kind (the seed's draw, fixed per case id) waits weeks.
        limit = np.array([s.time_limit_minutes + (s.extension_minutes or 0) for s in states], dtype=float)
        overdue = np.array([s.deadline_at is not None and s.deadline_at < now for s in states])
        left_open = overdue & (performance.case_hash([s.id for s in states]) < performance.backlog_chance(quality))
        handling = np.array([st == "dispatched" for st in status])
        mean = np.where(handling, performance.HANDLE_SHARE * performance.speed(quality) * limit, mean)
        mean = np.where(handling & left_open, performance.BACKLOG_DAYS * 24 * 60, mean)
        moving = self.rng.random(len(states)) < 1 - np.exp(-minutes * self.speed / mean)
        chosen = {states[i].id: i for i in np.flatnonzero(moving)}
        for case in cases_by_id(session, chosen):
            i = chosen[case.id]
            action = NEXT[case.status]
            side, chance = SIDE_PATHS.get(case.status, (None, 0))
            if case.status == "fed_back":
                side, chance = "rework", float(performance.rework_chance(quality[i]))
            if side and self.rng.random() < chance:
                action = side
            at = max(now, case.updated_at)
            transition(session, case, action, at, actor_for(action, case, self.refs, "巡查监督员"),
                       OPINIONS.get(action))
            self.counts["moved"] += 1

    def _read_sensors(self, session: Session, now: datetime):
        stamp = now.replace(second=0)
        reference.add_readings(session.connection(), [
            {"sensor_id": sensor_id, "measured_at": stamp, "value": value}
            for sensor_id, value in self.weather.readings().items()])


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
