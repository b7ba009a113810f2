"""Weather and gas incidents at the demo city's sensors.

One model serves the seed (30 days of hourly history) and the live simulator (which runs it
`speed` times faster than the wall clock), so the flood map, the rain gauges and the alarm
feed behave the same before and after `cockpit seed`. Everything is a pure function of the
random generator it is given.

- **Rain** falls from cells: convective showers (small, intense, mostly in the afternoon,
  most of the rain from April to September) and frontal rain (wide, weak, long, the winter
  kind). How many cells arrive each day follows Dongguan's monthly rainfall normals.
- **Waterlogging points** fill when the rain exceeds what their drains take and empty with
  a time constant: depth' = gain × max(0, rain − capacity) − depth / τ (cm per hour). Each
  point has its own capacity, gain and τ: an underpass floods sooner than a kerb.
- **Gas sensors** read a low background (%LEL) and, a few times a day somewhere in the city,
  an incident: the reading climbs, usually above the 20 %LEL alarm level, until a crew
  arrives and vents or stops it.

Magnitudes and sources: seeds/PROVENANCE.md ("Weather and gas incidents").
"""
from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from data_access.clock import LOCAL_OFFSET

# Dongguan, Jan..Dec: about 1,890 mm a year, 83 % of it April to September.
MONTHLY_RAIN_MM = np.array([40, 60, 95, 185, 285, 345, 265, 280, 210, 60, 35, 30])
CONVECTIVE_SHARE = np.array([0.1, 0.15, 0.3, 0.6, 0.75, 0.85, 0.95, 0.95, 0.9, 0.6, 0.2, 0.1])  # of the rain
BOUNDS = (113.52, 22.66, 114.26, 23.15)  # west, south, east, north of the city (WGS-84)
KM_PER_DEG_LON, KM_PER_DEG_LAT = 102.5, 110.6  # at 23° N
BOX_KM2 = (BOUNDS[2] - BOUNDS[0]) * KM_PER_DEG_LON * (BOUNDS[3] - BOUNDS[1]) * KM_PER_DEG_LAT  # cells land here

# Cell kinds: peak intensity gamma(shape, scale) mm/h, radius uniform km (Gaussian footprint),
# duration lognormal(median h, sigma).
CELLS = {
    "convective": {"peak": (2.0, 12.0), "radius": (3.0, 8.0), "hours": (1.5, 0.4)},
    "frontal": {"peak": (2.0, 2.5), "radius": (25.0, 45.0), "hours": (6.0, 0.4)},
}
# Convective showers by local hour (afternoon maximum), normalised to a mean of 1.
AFTERNOON = 1 + 0.8 * np.cos(2 * np.pi * (np.arange(24) - 16) / 24)

# Waterlogging points: drain capacity (mm/h), gain (cm of depth per mm/h of excess rain per
# hour) and emptying time constant (hours), uniform between the bounds.
CAPACITY, GAIN, TAU = (2.0, 8.0), (2.5, 5.0), (0.8, 1.8)
MAX_DEPTH_CM = 120.0  # the water spreads beyond the low point
GAS_INCIDENTS_PER_DAY = 8.0  # the whole city's monitoring network
GAS_PEAK = (28.0, 0.5)  # %LEL, lognormal median and sigma: about 3 in 4 incidents pass 20 %LEL
GAS_RESPONSE = (35.0, 0.5)  # minutes until the reading starts to fall, lognormal
GAS_RISE, GAS_FALL = 5.0, 15.0  # minutes
STEP = timedelta(minutes=5)


def _footprint_km2(radius) -> float:
    """∫ exp(-(d/R)²) dA over the plane, capped by the city's area."""
    low, high = radius
    return min(np.pi * (high**3 - low**3) / (3 * (high - low)), 0.8 * BOX_KM2)


def _mean_depth_mm(kind: str) -> float:
    """Rain one cell of `kind` leaves at a random point of the city, on average."""
    spec = CELLS[kind]
    shape, scale = spec["peak"]
    median, sigma = spec["hours"]
    return shape * scale * (2 / np.pi) * median * np.exp(sigma**2 / 2) * _footprint_km2(spec["radius"]) / BOX_KM2


@functools.lru_cache(maxsize=12)
def cells_per_day(month: int) -> dict[str, float]:
    """Expected cells of each kind per day in `month` (1..12), from the monthly normals."""
    days = calendar.monthrange(2026, month)[1]
    rain = MONTHLY_RAIN_MM[month - 1] / days
    share = CONVECTIVE_SHARE[month - 1]
    return {"convective": share * rain / _mean_depth_mm("convective"),
            "frontal": (1 - share) * rain / _mean_depth_mm("frontal")}


@dataclass
class SensorSet:
    """The sensors the model drives, as arrays aligned with `ids`."""

    ids: np.ndarray
    kinds: np.ndarray
    x: np.ndarray  # km east of BOUNDS' west edge
    y: np.ndarray  # km north of its south edge

    @classmethod
    def of(cls, sensors) -> "SensorSet":
        """From (id, kind, lon, lat) rows."""
        rows = sorted(sensors)
        lon = np.array([r[2] for r in rows], dtype=float)
        lat = np.array([r[3] for r in rows], dtype=float)
        return cls(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
                   (lon - BOUNDS[0]) * KM_PER_DEG_LON, (lat - BOUNDS[1]) * KM_PER_DEG_LAT)


class Weather:
    """Rain, waterlogging and gas readings over model time, advanced with `run_to`."""

    def __init__(self, rng, sensors: SensorSet, start: datetime, depth: dict | None = None,
                 point_rng=None):
        self.rng = rng
        self.sensors = sensors
        self.t = start
        water = sensors.kinds == "water_level"
        self.water, self.gauges, self.gas = water, sensors.kinds == "rain", sensors.kinds == "gas"
        self.gas_index = np.flatnonzero(self.gas)
        # Each point's drains: fixed per sensor set (the seed's own stream), not per run.
        prng = point_rng if point_rng is not None else np.random.default_rng(0)
        n = len(sensors.ids)
        self.capacity = prng.uniform(*CAPACITY, n)
        self.gain = prng.uniform(*GAIN, n)
        self.tau = prng.uniform(*TAU, n)
        self.depth = np.zeros(n)
        if depth:
            self.depth = np.array([float(depth.get(int(i), 0.0)) if w else 0.0
                                   for i, w in zip(sensors.ids, water)])
        self.rain = np.zeros(n)
        self.cells: list[tuple] = []  # (start, hours, peak, x, y, radius)
        self.incidents: list[tuple] = []  # (sensor index, start, peak, response minutes)
        self.counts = {"cells": 0, "gas_incidents": 0}

    # ---- arrivals

    def _arrivals(self, start: datetime, minutes: float):
        local = start + LOCAL_OFFSET
        rates = cells_per_day(local.month)
        width_x = (BOUNDS[2] - BOUNDS[0]) * KM_PER_DEG_LON
        width_y = (BOUNDS[3] - BOUNDS[1]) * KM_PER_DEG_LAT
        for kind, per_day in rates.items():
            rate = per_day * (AFTERNOON[local.hour] if kind == "convective" else 1.0)
            spec = CELLS[kind]
            for _ in range(self.rng.poisson(rate * minutes / (24 * 60))):
                at = start + timedelta(minutes=float(self.rng.uniform(0, minutes)))
                hours = float(spec["hours"][0] * self.rng.lognormal(0, spec["hours"][1]))
                self.cells.append((at, hours, float(self.rng.gamma(*spec["peak"])),
                                   float(self.rng.uniform(0, width_x)), float(self.rng.uniform(0, width_y)),
                                   float(self.rng.uniform(*spec["radius"]))))
                self.counts["cells"] += 1
        gas = self.gas_index
        if len(gas):
            for _ in range(self.rng.poisson(GAS_INCIDENTS_PER_DAY * minutes / (24 * 60))):
                self.incidents.append((int(self.rng.choice(gas)),
                                       start + timedelta(minutes=float(self.rng.uniform(0, minutes))),
                                       float(GAS_PEAK[0] * self.rng.lognormal(0, GAS_PEAK[1])),
                                       float(GAS_RESPONSE[0] * self.rng.lognormal(0, GAS_RESPONSE[1]))))
                self.counts["gas_incidents"] += 1

    # ---- state

    def _rain_at(self, at: datetime) -> np.ndarray:
        rain = np.zeros(len(self.sensors.ids))
        live = []
        for cell in self.cells:
            start, hours, peak, x, y, radius = cell
            phase = (at - start).total_seconds() / 3600 / hours
            if phase >= 1:
                continue
            live.append(cell)
            if phase > 0:
                d2 = (self.sensors.x - x) ** 2 + (self.sensors.y - y) ** 2
                rain += peak * np.sin(np.pi * phase) * np.exp(-d2 / radius**2)
        self.cells = live
        return rain

    def run_to(self, until: datetime) -> None:
        """Advance the model to `until` in steps of at most STEP."""
        while self.t < until:
            step = min(STEP, until - self.t)
            minutes = step.total_seconds() / 60
            self._arrivals(self.t, minutes)
            self.t += step
            self.rain = self._rain_at(self.t)
            hours = minutes / 60
            decay = np.exp(-hours / self.tau)
            inflow = self.gain * np.maximum(0.0, self.rain - self.capacity)
            depth = self.depth * decay + inflow * self.tau * (1 - decay)
            self.depth = np.where(self.water, np.minimum(depth, MAX_DEPTH_CM), 0.0)

    def _gas_at(self, at: datetime) -> np.ndarray:
        extra = np.zeros(len(self.sensors.ids))
        live = []
        for index, start, peak, response in self.incidents:
            minutes = (at - start).total_seconds() / 60
            if minutes > response + GAS_FALL:
                continue
            live.append((index, start, peak, response))
            if minutes < 0:
                continue
            level = min(1.0, minutes / GAS_RISE) if minutes < response else 1 - (minutes - response) / GAS_FALL
            extra[index] = max(extra[index], peak * max(level, 0.0))
        self.incidents = live
        return extra

    def readings(self) -> dict[int, float]:
        """What every sensor reads now: mm/h, cm or %LEL, rounded like a device would."""
        background = self.rng.gamma(1.5, 0.4, len(self.sensors.ids))
        noise = np.abs(self.rng.normal(0, 0.3, len(self.sensors.ids)))
        values = np.where(self.gauges, self.rain,
                          np.where(self.water, self.depth + noise * (self.depth > 0.5),
                                   background + self._gas_at(self.t)))
        return {int(i): round(float(v), 1 if k != "gas" else 2)
                for i, k, v in zip(self.sensors.ids, self.sensors.kinds, values)}


def history(rng, sensors: SensorSet, end: datetime, hours: int, point_rng=None) -> list[tuple]:
    """(sensor id, measured_at, value) rows at every whole hour of the `hours` before `end`."""
    last = (end - timedelta(minutes=1)).replace(minute=0, second=0, microsecond=0)  # before the simulator's first
    first = last - timedelta(hours=hours - 1)
    weather = Weather(rng, sensors, first - timedelta(days=1), point_rng=point_rng)  # a day to settle
    rows = []
    for h in range(hours):
        stamp = first + timedelta(hours=h)
        weather.run_to(stamp)
        rows += [(sid, stamp, value) for sid, value in weather.readings().items()]
    return rows
