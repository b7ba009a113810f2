"""燃气安全 demo data: gas users, a year and a half of 入户安检, tracked LPG cylinders, and when each
of the gas map's alarms was handled. The pipes, stations, sensors, hazards and alarms themselves
are the gas map's (seeds/maps.py); this runs after it with its own random stream.

Users and cylinders are seeded at USERS_PER_CASE of the demo's case count (1/10 of the real
magnitudes at the default 200,000 cases); seeds/PROVENANCE.md gives the real estimates.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

from data_access import gas_safety
from data_access.clock import LOCAL_OFFSET

from .city import PROFILE_DENSITY, random_points_in_grids

# Real magnitudes (estimates, seeds/PROVENANCE.md) and the share seeded per demo case.
REAL_USERS = {("household", "pipeline"): 2_400_000, ("household", "lpg"): 600_000,
              ("commercial", "pipeline"): 40_000, ("commercial", "lpg"): 30_000, ("industrial", "pipeline"): 4_500}
REAL_CYLINDERS = 1_200_000
SCALE_PER_CASE = 0.1 / 200_000  # 1/10 of the real city at the default 200,000 cases
MIN_CASES = 20_000
ABSENT_P = 0.07
DEFECT_P = {"household": 0.06, "commercial": 0.12, "industrial": 0.09}
DEFECTS = ["胶管老化", "未安装熄火保护装置", "燃气泄漏报警器缺失", "软管超长穿墙", "阀门锈蚀", "违规使用直排热水器",
           "灶具超期使用", "管道被包封"]
INSPECTORS = ["刘敏", "陈志强", "黄丽", "李军", "张伟", "叶华", "何静", "罗勇", "邓杰", "袁芳", "梁斌", "周涛"]
HANDLERS = ["抢险一队", "抢险二队", "抢险三队", "镇街燃气办"]
HANDLE_MINUTES = {1: 25, 2: 45, 3: 80}  # median minutes from alarm to handled, by level
CYLINDER_STATUS_P = {"station": 0.22, "transit": 0.05, "user": 0.70, "scrapped": 0.03}
ALARM_NOTES = ["可燃气体浓度超限", "管网压力异常下降", "阀井甲烷浓度超限"]


def _scale(cases: int) -> float:
    return max(cases, MIN_CASES) * SCALE_PER_CASE


def seed_gas_safety(writer, rng, city, now: datetime, cases: int) -> dict:
    towns = city.towns
    today = (now + LOCAL_OFFSET).date()
    scale = _scale(cases)
    town_w = np.array([t.area_km2 * PROFILE_DENSITY[t.profile] for t in towns])
    grid_p = city.grid_weight * (town_w / town_w.sum())[city.grid_region]
    grid_p = grid_p / grid_p.sum()
    users = []
    kinds, supplies = [], []
    for (kind, supply), real in REAL_USERS.items():
        n = max(1, round(real * scale))
        kinds += [kind] * n
        supplies += [supply] * n
    n_users = len(kinds)
    order = rng.permutation(n_users)
    kinds = np.array(kinds)[order]
    supplies = np.array(supplies)[order]
    grids = rng.choice(len(city.grids), n_users, p=grid_p)
    lon, lat = random_points_in_grids(rng, city, grids)
    opened = np.datetime64(today) - (rng.gamma(2.0, 2200, n_users) + 30).astype(int).astype("timedelta64[D]")
    opened = np.maximum(opened.astype("datetime64[D]"), np.datetime64("1995-01-01"))
    numbers = rng.integers(1, 400, n_users)
    for i in range(n_users):
        town = towns[city.grid_region[grids[i]]]
        short = town.name.removesuffix("街道").removesuffix("镇")
        users.append((i + 1, f"RQ{i + 1:08d}", str(kinds[i]), str(supplies[i]), town.code,
                      f"{short}{town.roads[int(grids[i]) % len(town.roads)]}{int(numbers[i])}号",
                      opened[i].astype(date), round(float(lon[i]), 6), round(float(lat[i]), 6)))
    writer.write("gas_users", ["id", "code", "kind", "supply", "region_code", "address", "opened_on", "lon", "lat"],
                 users)
    inspections = _inspections(rng, users, now, today)
    writer.write("gas_user_inspections", ["id", "code", "user_id", "region_code", "inspected_at", "result", "defects",
                                          "defect", "fixed_at", "inspector"], inspections)
    cylinders = _cylinders(rng, towns, users, scale, now, today)
    writer.write("lpg_cylinders", ["id", "code", "region_code", "station", "size_kg", "status", "user_id", "filled_at",
                                   "next_test_on"], cylinders)
    handled = []
    for event_id, occurred, level, status in gas_safety.alarm_events(writer.conn):
        if status != "closed":
            continue
        minutes = HANDLE_MINUTES.get(level, 60) * float(rng.lognormal(0, 0.5))
        at = min(occurred + timedelta(minutes=minutes), now - timedelta(minutes=1))
        handled.append((event_id, max(at, occurred).replace(microsecond=0), str(rng.choice(HANDLERS))))
    writer.write("gas_alarm_handling", ["event_id", "handled_at", "handler"], handled)
    return {"users": n_users, "inspections": len(inspections), "cylinders": len(cylinders), "handled": len(handled)}


def _visit_time(rng, day: date) -> datetime:
    """A local working-hours visit on `day`, as naive UTC."""
    local = datetime.combine(day, datetime.min.time()) + timedelta(hours=float(rng.uniform(8.5, 19.5)))
    return (local - LOCAL_OFFSET).replace(microsecond=0)


def _inspections(rng, users, now: datetime, today: date) -> list[tuple]:
    """Every user once a calendar year on a random day (last year and this year up to now);
    nobody home means a second visit some days later; defects are fixed some days after."""
    rows = []
    years = (today.year - 1, today.year)
    for uid, _code, kind, _supply, region, _addr, opened, _lon, _lat in users:
        for year in years:
            first = max(date(year, 1, 1), opened)
            last = date(year, 12, 31)
            if first > last:
                continue
            day = first + timedelta(days=int(rng.integers(0, (last - first).days + 1)))
            at = _visit_time(rng, day)
            if at > now:
                continue
            if rng.random() < ABSENT_P:
                rows.append((len(rows) + 1, f"AJ{len(rows) + 1:08d}", uid, region, at, "absent", 0, None, None,
                             INSPECTORS[int(rng.integers(len(INSPECTORS)))]))
                again = day + timedelta(days=int(rng.integers(3, 25)))
                at = _visit_time(rng, again)
                if at > now or again.year != year:
                    continue
            if rng.random() < DEFECT_P[kind]:
                n = int(rng.integers(1, 4))
                fixed = at + timedelta(days=float(rng.lognormal(np.log(5), 0.7)))
                fixed_at = fixed.replace(microsecond=0) if fixed <= now and rng.random() < 0.94 else None
                rows.append((len(rows) + 1, f"AJ{len(rows) + 1:08d}", uid, region, at, "defect", n,
                             DEFECTS[int(rng.integers(len(DEFECTS)))], fixed_at,
                             INSPECTORS[int(rng.integers(len(INSPECTORS)))]))
            else:
                rows.append((len(rows) + 1, f"AJ{len(rows) + 1:08d}", uid, region, at, "passed", 0, None, None,
                             INSPECTORS[int(rng.integers(len(INSPECTORS)))]))
    return rows


def _cylinders(rng, towns, users, scale: float, now: datetime, today: date) -> list[tuple]:
    lpg_users = [(u[0], u[4]) for u in users if u[3] == "lpg"]
    n = max(1, round(REAL_CYLINDERS * scale))
    statuses, p = list(CYLINDER_STATUS_P), np.array(list(CYLINDER_STATUS_P.values()))
    town_codes = [t.code for t in towns]
    stations = {t.code: [f"{t.name.removesuffix('街道').removesuffix('镇')}液化气供应站{k}" for k in range(1, 4)]
                for t in towns}
    rows = []
    for i in range(n):
        status = str(rng.choice(statuses, p=p))
        user_id = None
        if status == "user" and lpg_users:
            user_id, region = lpg_users[int(rng.integers(len(lpg_users)))]
        else:
            region = town_codes[int(rng.integers(len(town_codes)))]
        filled = (now - timedelta(days=float(rng.gamma(1.5, 12)))).replace(microsecond=0)
        next_test = today + timedelta(days=int(rng.integers(-60, 1400)))
        rows.append((i + 1, f"GP-LPG-{i + 1:07d}", region, stations[region][int(rng.integers(3))],
                     int(rng.choice([5, 15, 50], p=[0.15, 0.78, 0.07])), status, user_id, filled, next_test))
    return rows


def tick(session, rng, now: datetime, seconds: float) -> dict:
    """The simulator's share: alarms come and get handled, households get their 入户安检, defects get fixed."""
    minutes = seconds / 60
    now = now.replace(microsecond=0)
    raised = 0
    for _ in range(rng.poisson(0.004 * minutes)):
        level = int(rng.choice([1, 2, 3], p=[0.15, 0.35, 0.5]))
        if gas_safety.raise_alarm(session, now, level, str(rng.choice(ALARM_NOTES))):
            raised += 1
    closing = []
    for event_id, level, occurred in gas_safety.open_alarms(session):
        mean = HANDLE_MINUTES.get(level, 60)
        if occurred <= now and rng.random() < 1 - np.exp(-minutes / mean):
            closing.append({"id": event_id, "at": max(now, occurred), "handler": str(rng.choice(HANDLERS))})
    gas_safety.close_alarms(session, closing)
    local = now + LOCAL_OFFSET
    visits = 0
    if 8 <= local.hour < 20:
        wanted = int(rng.poisson(0.5 * minutes))
        rows = []
        for uid, region in gas_safety.users_due(session, local.date(), wanted) if wanted else []:
            defect = rng.random() < 0.07
            rows.append({"user_id": uid, "region_code": region, "inspected_at": now,
                         "result": "defect" if defect else "passed", "defects": int(rng.integers(1, 3)) if defect else 0,
                         "defect": str(rng.choice(DEFECTS)) if defect else None, "fixed_at": None,
                         "inspector": str(rng.choice(INSPECTORS))})
        gas_safety.add_inspections(session, rows)
        visits = len(rows)
    fixing = []
    if rng.random() < min(1.0, seconds / 60):  # about once a minute: a defect is fixed after a few days
        fixing = [i for i in gas_safety.unfixed_defects(session) if rng.random() < 1 / (5 * 24 * 60) * 20]
        gas_safety.fix_defects(session, fixing, now)
    return {"raised": raised, "handled": len(closing), "visits": visits, "fixed": len(fixing)}
