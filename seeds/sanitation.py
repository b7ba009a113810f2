"""The 市容环卫 demo data: vehicles on their routes with a year of daily totals, waste collected per
day by class and region, transfer stations with their throughput, public toilets.

Called once from seed_demo after the cases (toilets stand where 03001 cases were reported), with
its own random stream so nothing else changes. Everything is a pure function of the seed and
`now`. Magnitudes and their sources: seeds/PROVENANCE.md, section 市容环卫.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import numpy as np
import shapely

from data_access import sanitation
from data_access.clock import LOCAL_OFFSET
from data_access.models_sanitation import (
    CleaningArea,
    PublicToilet,
    SanitationVehicle,
    SanitationVehicleDay,
    TransferStation,
    TransferStationDay,
    WasteDay,
)

from .city import PROFILE_DENSITY, random_points_in_grids

DAYS = 365
M_PER_DEG_LAT = 111_320.0
# Fleet of the whole city by kind (vehicles), split over towns by size and density.
FLEET = {"sweeper": 380, "washer": 260, "compactor": 390, "kitchen": 120}
PLAN_KM = {"sweeper": (30, 50), "washer": (35, 55), "compactor": (60, 110), "kitchen": (80, 140)}
SPEED_KMH = {"sweeper": (5, 10), "washer": (8, 15), "compactor": (15, 35), "kitchen": (20, 40)}
WIDTH_M = {"sweeper": (3.0, 3.5), "washer": (3.5, 6.0), "compactor": (0, 0), "kitchen": (0, 0)}
ROUTE_KM = {"sweeper": (8, 15), "washer": (8, 15), "compactor": (15, 30), "kitchen": (20, 35)}
TRIP_T = {"compactor": (6.0, 8.0), "kitchen": (4.0, 5.0)}
TRIPS = {"compactor": (3, 6), "kitchen": (3, 5)}
# Share of each kind working, by local hour (the rest of the online fleet is idle at the depot).
SHIFTS = {
    "sweeper": [0.5, 0.4, 0.1, 0.1, 0.6, 0.8, 0.8, 0.8, 0.7, 0.6, 0.5, 0.2, 0.1, 0.1, 0.5, 0.6, 0.6, 0.5,
                0.2, 0.1, 0.1, 0.3, 0.6, 0.6],
    "washer": [0.6, 0.6, 0.5, 0.3, 0.5, 0.6, 0.5, 0.3, 0.3, 0.4, 0.4, 0.3, 0.2, 0.2, 0.4, 0.5, 0.4, 0.3,
               0.2, 0.1, 0.2, 0.4, 0.6, 0.6],
    "compactor": [0.1, 0.05, 0.05, 0.1, 0.4, 0.8, 0.8, 0.7, 0.6, 0.5, 0.4, 0.2, 0.1, 0.2, 0.5, 0.6, 0.6, 0.4,
                  0.2, 0.1, 0.1, 0.1, 0.1, 0.1],
    "kitchen": [0.1, 0.05, 0.0, 0.0, 0.0, 0.05, 0.1, 0.2, 0.4, 0.6, 0.7, 0.6, 0.5, 0.5, 0.6, 0.4, 0.3, 0.3,
                0.4, 0.6, 0.7, 0.7, 0.5, 0.3],
}
OFFLINE_SHARE = 0.06
UNITS = ("环卫所", "粤清环境服务有限公司", "莞洁城市服务有限公司", "城发环卫有限公司")
# Waste: tonnes per day for the whole city and the four classes' shares (see PROVENANCE.md).
CITY_TONNES = 13_000.0
CLASS_SHARE = {"recyclable": 0.17, "kitchen": 0.22, "hazardous": 0.0006, "other": 0.6094}
RECYCLED_SHARE = {"recyclable": (0.88, 0.95), "kitchen": (0.80, 0.90), "hazardous": (0.0, 0.0), "other": (0.0, 0.0)}
SPRING_FESTIVAL = (date(2026, 2, 14), date(2026, 2, 24))  # 除夕 is 2026-02-16
FESTIVAL_FACTOR = {"kitchen": 1.25, "recyclable": 0.85, "hazardous": 0.8, "other": 0.7}  # migrants go home, feasts
SUMMER_KITCHEN = 1.10  # June-August: fruit peel and watermelon
STATIONS = 320
STATION_SHARE = 0.85  # of collected waste passes a transfer station, the rest goes direct
STATION_CAPACITIES = (50, 80, 100, 150, 200, 300)
TOILETS = 2300
TOILET_STATUS_P = {"open": 0.885, "cleaning": 0.10, "fault": 0.015}  # about the live rates' steady state
TOILET_AT_CASES = 0.5  # at most this share of toilets stand where 03001 cases were reported


def _m_per_deg_lon(lat: float) -> float:
    return M_PER_DEG_LAT * np.cos(np.radians(lat))


def _town_weights(city) -> np.ndarray:
    w = np.array([t.area_km2 * PROFILE_DENSITY[t.profile] for t in city.towns])
    return w / w.sum()


def _split(total: int, weights: np.ndarray, minimum: int = 1) -> np.ndarray:
    counts = np.maximum(np.floor(total * weights).astype(int), minimum)
    return counts


def _points(rng, city, town: int, n: int):
    grids = np.flatnonzero(city.grid_region == town)
    picked = rng.choice(grids, n, p=city.grid_weight[grids] / city.grid_weight[grids].sum())
    return random_points_in_grids(rng, city, picked)


def route_loop(rng, polygon, start: tuple[float, float], target_m: float) -> list[tuple[float, float]]:
    """A closed loop of axis-aligned legs (streets of a lattice) from `start`, kept inside `polygon`."""
    lon, lat = start
    kx = _m_per_deg_lon(lat)
    points, length = [(lon, lat)], 0.0
    direction = int(rng.integers(4))
    while length < target_m / 2:
        for _ in range(6):
            leg = float(rng.uniform(300, 900))
            dx, dy = ((1, 0), (0, 1), (-1, 0), (0, -1))[direction]
            nxt = (points[-1][0] + dx * leg / kx, points[-1][1] + dy * leg / M_PER_DEG_LAT)
            if shapely.contains_xy(polygon, *nxt):
                points.append(nxt)
                length += leg
                break
            direction = int(rng.integers(4))
        else:
            break
        if rng.random() < 0.45:
            direction = (direction + (1 if rng.random() < 0.5 else 3)) % 4
    return points + points[-2::-1]  # out and back: a closed loop along the same streets


def route_length(coords) -> tuple[np.ndarray, float]:
    c = np.asarray(coords)
    if len(c) < 2:
        return np.zeros(1), 0.0
    dx = np.diff(c[:, 0]) * _m_per_deg_lon(c[0, 1])
    dy = np.diff(c[:, 1]) * M_PER_DEG_LAT
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(dx, dy))])
    return cum, float(cum[-1])


def _geojson_line(coords) -> str:
    return json.dumps({"type": "LineString", "coordinates": [[round(x, 6), round(y, 6)] for x, y in coords]},
                      separators=(",", ":"))


def _local_days(now: datetime) -> list[date]:
    today = (now + LOCAL_OFFSET).date()
    return [today - timedelta(days=i) for i in range(DAYS - 1, -1, -1)]


def _elapsed_share(kind: str, now: datetime) -> float:
    """How much of a day's work of `kind` is done by the local time of `now`."""
    local = now + LOCAL_OFFSET
    shift = np.array(SHIFTS[kind])
    done = shift[:local.hour].sum() + shift[local.hour] * local.minute / 60
    return float(done / shift.sum())


def seed_sanitation(writer, rng, city, now: datetime) -> dict:
    days = _local_days(now)
    weights = _town_weights(city)
    vehicles = _vehicles(writer, rng, city, weights, now)
    _vehicle_days(writer, rng, vehicles, days, now)
    _cleaning_areas(writer, rng, city, vehicles)
    region_tonnes = _waste(writer, rng, city, weights, days, now)
    stations = _stations(writer, rng, city, weights, days, region_tonnes, now)
    toilets = _toilets(writer, rng, city, weights, now)
    return {"vehicles": len(vehicles), "stations": stations, "toilets": toilets}


def _vehicles(writer, rng, city, weights, now: datetime) -> list[dict]:
    rows = []
    hour = (now + LOCAL_OFFSET).hour
    used = set()
    for kind, total in FLEET.items():
        per_town = _split(total, weights)
        for t_index, count in enumerate(per_town):
            town = city.towns[t_index]
            lon, lat = _points(rng, city, t_index, count)
            for i in range(count):
                while True:
                    plate = "粤S·" + "D" + "".join(rng.choice(list("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"), 4))
                    if plate not in used:
                        used.add(plate)
                        break
                coords = route_loop(rng, town.polygon, (float(lon[i]), float(lat[i])),
                                    1000 * float(rng.uniform(*ROUTE_KM[kind])))
                cum, length = route_length(coords)
                at = float(rng.uniform(0, max(length, 1)))
                plon, plat = position_on(coords, cum, at)
                plan_km = round(float(rng.uniform(*PLAN_KM[kind])), 1)
                width = round(float(rng.uniform(*WIDTH_M[kind])), 1)
                roll = rng.random()
                if roll < OFFLINE_SHARE:
                    status, fix_at = "offline", now - timedelta(minutes=float(rng.uniform(15, 3 * 24 * 60)))
                else:
                    status = "working" if rng.random() < SHIFTS[kind][hour] else "idle"
                    fix_at = now - timedelta(seconds=float(rng.uniform(0, 30)))
                unit = town.name + UNITS[0] if rng.random() < 0.45 else UNITS[1 + int(rng.integers(3))]
                rows.append({
                    "id": len(rows) + 1, "plate": plate, "kind": kind, "unit": unit, "region_code": town.code,
                    "route_name": f"{town.roads[int(rng.integers(len(town.roads)))]}{sanitation.VEHICLE_KINDS[kind][0][:2]}线"
                                  f"{i + 1:02d}",
                    "route": _geojson_line(coords), "route_length_m": round(length, 1), "route_m": round(at, 1),
                    "plan_km": plan_km, "plan_area_m2": round(plan_km * 1000 * width), "width_m": width,
                    "status": status,
                    "speed_kmh": round(float(rng.uniform(*SPEED_KMH[kind])), 1) if status == "working" else 0.0,
                    "lon": round(plon, 6), "lat": round(plat, 6), "fix_at": fix_at.replace(microsecond=0),
                    "commissioned": date(int(rng.integers(2015, 2026)), int(rng.integers(1, 13)), 1),
                })
    writer.insert(SanitationVehicle, rows)
    return rows


def position_on(coords, cum: np.ndarray, at: float) -> tuple[float, float]:
    """The point `at` metres along a polyline (wrapping around a loop)."""
    total = cum[-1]
    if total <= 0:
        return coords[0]
    at = at % total
    i = int(np.searchsorted(cum, at, side="right")) - 1
    i = min(max(i, 0), len(coords) - 2)
    span = cum[i + 1] - cum[i]
    f = 0.0 if span <= 0 else (at - cum[i]) / span
    (x0, y0), (x1, y1) = coords[i], coords[i + 1]
    return x0 + f * (x1 - x0), y0 + f * (y1 - y0)


def _vehicle_days(writer, rng, vehicles: list[dict], days: list[date], now: datetime):
    n, d = len(vehicles), len(days)
    month = np.array([day.month for day in days])
    rainy = (rng.random((n, d)) < np.where(np.isin(month, [5, 6, 7, 8, 9]), 0.25, 0.05)[None, :])
    out_of_service = rng.random((n, d)) < 0.04
    done = np.clip(rng.normal(0.96, 0.10, (n, d)), 0.5, 1.25)
    rows = []
    next_id = 1
    for v_index, v in enumerate(vehicles):
        kind = v["kind"]
        sweeps = kind in sanitation.SWEEPING_KINDS
        factor = done[v_index] * np.where(rainy[v_index] & sweeps, 0.6, 1.0) * ~out_of_service[v_index]
        factor[-1] *= _elapsed_share(kind, now)  # today is still going
        km = v["plan_km"] * factor
        area = km * 1000 * v["width_m"] * np.clip(rng.normal(0.92, 0.04, d), 0.8, 1.0)
        hours = km / np.mean(SPEED_KMH[kind]) * 1.15
        if kind in TRIPS:
            trips = np.round(rng.uniform(*TRIPS[kind], d) * np.minimum(factor, 1.0)).astype(int)
            tonnes = trips * rng.uniform(*TRIP_T[kind], d)
        else:
            trips = np.zeros(d, dtype=int)
            tonnes = np.zeros(d)
        for j, day in enumerate(days):
            rows.append((next_id, v["id"], v["region_code"], day, round(float(km[j]), 2), v["plan_km"],
                         round(float(area[j]), 1), float(v["plan_area_m2"]), round(float(hours[j]), 2),
                         int(trips[j]), round(float(tonnes[j]), 2)))
            next_id += 1
    writer.write(SanitationVehicleDay.__tablename__, ["id", "vehicle_id", "region_code", "day", "km", "plan_km",
                                                      "area_m2", "plan_area_m2", "work_hours", "trips", "tonnes"], rows)


def _cleaning_areas(writer, rng, city, vehicles: list[dict]):
    """Road area to clean: the mechanised fleet's plan covers 85-98 % of it, the rest is swept by hand."""
    planned = {t.code: 0.0 for t in city.towns}
    for v in vehicles:
        if v["kind"] in sanitation.SWEEPING_KINDS:
            planned[v["region_code"]] += v["plan_area_m2"]
    writer.insert(CleaningArea, [{"region_code": code, "road_area_m2": round(area / float(rng.uniform(0.85, 0.98)))}
                                 for code, area in planned.items()])


def _waste(writer, rng, city, weights, days: list[date], now: datetime) -> np.ndarray:
    """waste_days rows; returns tonnes per (town, day) for the transfer stations."""
    d = len(days)
    month = np.array([day.month for day in days])
    weekend = np.array([day.weekday() >= 5 for day in days])
    festival = np.array([SPRING_FESTIVAL[0] <= day <= SPRING_FESTIVAL[1] for day in days])
    today_share = _elapsed_share("compactor", now)
    totals = np.zeros((len(city.towns), d))
    rows = []
    next_id = 1
    for t_index, town in enumerate(city.towns):
        base = CITY_TONNES * weights[t_index]
        for cls, share in CLASS_SHARE.items():
            season = np.ones(d)
            season[festival] *= FESTIVAL_FACTOR[cls]
            if cls == "kitchen":
                season[np.isin(month, [6, 7, 8])] *= SUMMER_KITCHEN
                season[weekend] *= 1.04
            tonnes = base * share * season * rng.lognormal(0, 0.06, d)
            tonnes[-1] *= today_share
            recycled = tonnes * rng.uniform(*RECYCLED_SHARE[cls], d)
            short = rng.random(d) < (0.03 if cls == "other" else 0.0)  # an incinerator line down: stored for later
            harmless = tonnes * np.where(short, rng.uniform(0.94, 0.995, d), 1.0)
            totals[t_index] += tonnes
            for j, day in enumerate(days):
                rows.append((next_id, day, town.code, cls, round(float(tonnes[j]), 3), round(float(recycled[j]), 3),
                             round(float(harmless[j]), 3)))
                next_id += 1
    writer.write(WasteDay.__tablename__, ["id", "day", "region_code", "waste_class", "tonnes", "recycled_t",
                                          "harmless_t"], rows)
    return totals


def _stations(writer, rng, city, weights, days: list[date], region_tonnes: np.ndarray, now: datetime) -> int:
    per_town = _split(STATIONS, weights, minimum=3)
    stations, daily = [], []
    for t_index, count in enumerate(per_town):
        town = city.towns[t_index]
        lon, lat = _points(rng, city, t_index, count)
        caps = rng.choice(STATION_CAPACITIES, count).astype(float)
        mean_through = region_tonnes[t_index, :-1].mean() * STATION_SHARE
        caps *= mean_through / caps.sum() / rng.uniform(0.70, 0.90)  # towns run their stations at 70-90 %
        caps = np.maximum(np.round(caps / 5) * 5, 20)
        share = caps / caps.sum()
        for i in range(count):
            sid = len(stations) + 1
            status = "maintenance" if rng.random() < 0.03 else "running"
            stations.append({"id": sid, "code": f"ZZ-{sid:04d}",
                             "name": f"{town.name}{town.roads[i % len(town.roads)]}垃圾转运站",
                             "region_code": town.code, "capacity_t": float(caps[i]), "status": status,
                             "lon": round(float(lon[i]), 6), "lat": round(float(lat[i]), 6)})
            through = region_tonnes[t_index] * STATION_SHARE * share[i] * rng.lognormal(0, 0.10, len(days))
            if status == "maintenance":
                through[-int(rng.integers(1, 4)):] = 0.0
            daily += [(day, sid, round(float(through[j]), 2)) for j, day in enumerate(days)]
    writer.insert(TransferStation, stations)
    writer.write(TransferStationDay.__tablename__, ["id", "day", "station_id", "tonnes"],
                 [(i + 1, *row) for i, row in enumerate(daily)])
    return len(stations)


def _toilets(writer, rng, city, weights, now: datetime) -> int:
    """Public toilets: some where 03001 (公共厕所) cases were reported, the rest spread over the towns."""
    at_cases = sanitation.toilet_case_positions(writer.conn)
    picked = []
    limit = int(TOILETS * TOILET_AT_CASES)
    for lon, lat, region in at_cases:
        if len(picked) >= limit:
            break
        if any(abs(lon - x) < 2 * sanitation.DLON and abs(lat - y) < 2 * sanitation.DLAT for x, y, _ in picked[-200:]):
            continue
        jitter = rng.uniform(-0.3, 0.3, 2)
        picked.append((lon + jitter[0] * sanitation.DLON, lat + jitter[1] * sanitation.DLAT, region))
    town_of = {t.code: i for i, t in enumerate(city.towns)}
    have = np.bincount([town_of[r] for _, _, r in picked], minlength=len(city.towns))
    wanted = _split(TOILETS, weights, minimum=8)
    for t_index, count in enumerate(np.maximum(wanted - have, 0)):
        lon, lat = _points(rng, city, t_index, int(count))
        picked += [(float(x), float(y), city.towns[t_index].code) for x, y in zip(lon, lat)]
    statuses = list(TOILET_STATUS_P)
    rows = []
    for i, (lon, lat, region) in enumerate(picked, start=1):
        town = city.towns[town_of[region]]
        grade = rng.choice(["一类", "二类", "三类"], p=[0.1, 0.5, 0.4])
        status = statuses[int(rng.choice(len(statuses), p=list(TOILET_STATUS_P.values())))]
        rows.append({"id": i, "code": f"GC-{i:05d}", "name": f"{town.roads[i % len(town.roads)]}{i:04d}号公厕",
                     "region_code": region, "grade": str(grade), "stalls": int(rng.integers(4, 25)),
                     "open_hours": "24小时" if rng.random() < 0.6 else "06:00-23:00", "status": status,
                     "status_since": (now - timedelta(minutes=float(rng.uniform(5, 600)))).replace(microsecond=0),
                     "lon": round(lon, 6), "lat": round(lat, 6)})
    writer.insert(PublicToilet, rows)
    return len(rows)
