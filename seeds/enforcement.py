"""城管执法 for the demo city: officers and their body cameras, 90 days of duty and work records,
and a year of enforcement cases driven through the enforcement state machine.

`seed_enforcement` is called once by seeds.demo.seed_demo (after cases and video, with its own
random stream); `simulate` is the simulator's hook that keeps it live. Magnitudes and their
sources: seeds/PROVENANCE.md, section 城管执法.
"""
from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import numpy as np
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from data_access import enforcement as enf
from data_access.clock import LOCAL_OFFSET
from data_access.models import CameraEvent, Case, Category, Region
from data_access.models_enforcement import BodyCamera, EnforcementCase, EnforcementStep, Officer, OfficerDuty, OfficerWork

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁宋郑谢韩唐冯叶邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏宇浩凯俊健峰晨"
COMPANY_WORDS = ("宏达", "永盛", "鑫源", "华信", "利丰", "嘉豪", "恒通", "粤兴", "联发", "金辉", "万和", "新城")
COMPANY_TRADES = ("建筑工程", "餐饮管理", "广告传媒", "土石方工程", "物流", "装饰工程", "商贸", "实业")

OFFICERS_BASE, OFFICERS_PER_KM2 = 10, 1 / 8  # per town: 10 + area/8 (PROVENANCE)
DUTY_DAYS = 90
DUTY_SHARE = {"weekday": 0.74, "weekend": 0.52}
BODY_CAM_ONLINE = 0.91
# Share of each town's work by kind: around the 721 target, with the town's own lean.
WORK_MIX = np.array([0.64, 0.23, 0.13])
WORK_TASKS = {"service": ("劝导教育", "便民服务", "帮扶摊贩入市", "宣传走访"),
              "management": ("巡查管控", "整治行动", "联合检查", "线索核查"),
              "enforcement": ("立案查处", "调查取证", "送达文书", "强制执行")}
PATROL_SHARE = 0.10  # patrol cases per seeded city case (PROVENANCE)
FROM_CASE = {"illegal_building": 0.55, "muck": 0.35, "outdoor_ad": 0.3, "construction": 0.25,
             "street_vending": 0.12, "posting": 0.08, "bbq": 0.2, "dumping": 0.06}
STALLED = 0.03  # ordinary cases whose investigation runs past the 90-day limit
UNPAID = 0.05  # fines not paid in time, executed later through the court
VIDEO_NOTICE = 0.45  # enforceable video events that become a 非现场执法 notice
PATROL_MIX = {"street_vending": 0.42, "posting": 0.14, "bbq": 0.12, "dumping": 0.1, "outdoor_ad": 0.08,
              "muck": 0.07, "construction": 0.04, "illegal_building": 0.03}
# violation: (simple-procedure share, penalty probabilities fine/warning/order/confiscation, fine median ¥, sigma)
PENALTY = {
    "illegal_building": (0.0, (0.45, 0.0, 0.5, 0.05), 30000, 0.9),
    "street_vending": (0.7, (0.45, 0.3, 0.15, 0.10), 150, 0.5),
    "posting": (0.75, (0.55, 0.35, 0.10, 0.0), 120, 0.5),
    "outdoor_ad": (0.1, (0.5, 0.1, 0.4, 0.0), 3000, 0.7),
    "muck": (0.05, (0.8, 0.05, 0.15, 0.0), 12000, 0.8),
    "bbq": (0.7, (0.45, 0.3, 0.1, 0.15), 180, 0.5),
    "dumping": (0.6, (0.55, 0.35, 0.10, 0.0), 150, 0.6),
    "construction": (0.1, (0.6, 0.1, 0.3, 0.0), 8000, 0.7),
}
PENALTY_KINDS = ("fine", "warning", "order", "confiscation")
OPINIONS = {"file": "符合立案条件，予以立案", "investigate": "现场勘验、询问笔录、拍照取证完毕",
            "notify": "已送达行政处罚事先告知书", "decide": "作出行政处罚决定", "execute": "当事人已履行",
            "close": "执行完毕，予以结案", "revoke": "违法事实不能成立，撤销立案", "extend": "案情复杂，经负责人批准延期"}
COLUMNS = [c.name for c in EnforcementCase.__table__.columns]


class SeedEnforcementStep:
    __slots__ = ("seq", "step", "at", "actor", "opinion")

    def __init__(self, **fields):
        for key, value in fields.items():
            setattr(self, key, value)


class SeedEnforcementCase:
    """A plain enforcement case that enforcement.apply moves like the ORM class, at bulk speed."""

    __slots__ = (*COLUMNS, "steps")
    step_class = SeedEnforcementStep

    def __init__(self, **fields):
        for name in COLUMNS:
            setattr(self, name, None)
        for key, value in fields.items():
            setattr(self, key, value)
        self.steps = []

    def row(self) -> tuple:
        return tuple(getattr(self, n) for n in COLUMNS)


def _days(x) -> timedelta:
    return timedelta(minutes=float(x) * 1440)


def person(rng) -> str:
    return str(rng.choice(list(SURNAMES))) + "".join(rng.choice(list(GIVEN), int(rng.integers(1, 3))))


def company(rng) -> str:
    return f"东莞市{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_TRADES)}有限公司"


def plan(rng, violation: str, filed: datetime, party_kind: str) -> tuple[str, list]:
    """(procedure, [(action, at, kwargs)]) of one case, its whole life, future steps included."""
    simple_share, probs, median, sigma = PENALTY[violation]
    penalty = str(rng.choice(PENALTY_KINDS, p=probs))
    fine = float(round(median * rng.lognormal(0, sigma), -1 if median < 1000 else -2)) if penalty == "fine" else None
    if fine is not None:
        fine = max(fine, 50.0)
    cap = enf.SIMPLE_FINE_CAP[party_kind]
    simple = rng.random() < simple_share and penalty != "confiscation" and (fine is None or fine <= cap)
    steps = [("file", filed, {})]
    t = filed
    if simple:
        t += timedelta(minutes=float(rng.uniform(5, 25)))
        steps.append(("notify", t, {}))
        t += timedelta(minutes=float(rng.uniform(5, 20)))
        if rng.random() < 0.02:
            return "simple", steps + [("revoke", t, {})]
    else:
        stalled = rng.random() < STALLED  # 久拖未决: investigation past the 90-day limit
        t += _days(rng.uniform(92, 200) if stalled else min(rng.lognormal(np.log(9), 0.6), 70))
        steps.append(("investigate", t, {}))
        if rng.random() < 0.04:
            return "ordinary", steps + [("revoke", t + _days(rng.uniform(1, 10)), {})]
        t += _days(min(rng.lognormal(np.log(4), 0.5), 20))
        if rng.random() < 0.05:
            steps.append(("extend", t, {"days": 30}))
        steps.append(("notify", t + timedelta(minutes=1), {}))
        t += _days(3 + rng.lognormal(np.log(3), 0.6))
    steps.append(("decide", t, {"penalty": penalty, "fine": fine}))
    if simple and penalty != "fine":
        t += timedelta(minutes=float(rng.uniform(1, 10)))
    elif simple and rng.random() < 0.7:
        t += timedelta(minutes=float(rng.uniform(1, 10)))  # paid on the spot
    else:
        unpaid = penalty == "fine" and rng.random() < UNPAID  # awaiting 强制执行 through the court
        t += _days(rng.uniform(30, 120) if unpaid else rng.lognormal(np.log(6 if penalty == "fine" else 10), 0.8))
    paid = None
    if penalty == "fine":
        paid = fine if rng.random() > 0.04 else float(round(fine * rng.uniform(0.3, 0.9)))
    steps.append(("execute", t, {"paid": paid} if penalty == "fine" else {}))
    t += _days(rng.lognormal(np.log(1.5 if simple else 5), 0.7))
    steps.append(("close", t, {}))
    return ("simple" if simple else "ordinary"), steps


def play(case, steps, now: datetime, officer_name: str):
    for action, at, kwargs in steps:
        if at > now:
            break
        enf.apply(case, action, at, officer_name, enf_opinion(action, kwargs), **kwargs)


def enf_opinion(action: str, kwargs: dict) -> str:
    if action == "decide":
        kind = enf.PENALTIES[kwargs["penalty"]][0]
        return f"{kind} ¥{kwargs['fine']:,.0f}" if kwargs.get("fine") else kind
    return OPINIONS.get(action, "")


def seed_enforcement(writer, rng, now: datetime) -> dict:
    """Officers, cameras, duty and work records, and enforcement cases up to `now` (naive UTC)."""
    conn = writer.conn
    regions = conn.execute(select(Region.code, Region.name, Region.area_km2, Region.geometry)
                           .order_by(Region.code)).all()
    officers, cams = [], []
    for r in regions:
        short = r.name.removesuffix("街道").removesuffix("镇")
        for n in range(int(OFFICERS_BASE + r.area_km2 * OFFICERS_PER_KM2)):
            oid = len(officers) + 1
            officers.append({"id": oid, "code": f"44190{oid:05d}", "name": person(rng), "region_code": r.code,
                             "squad": f"{short}执法{'一二三四'[n % 4]}中队"})
            online = rng.random() < BODY_CAM_ONLINE
            seen = now - (timedelta(seconds=int(rng.integers(5, 300))) if online
                          else timedelta(minutes=int(rng.integers(30, 3 * 24 * 60))))
            cams.append({"id": oid, "code": f"ZFJLY-{oid:05d}", "officer_id": oid, "region_code": r.code,
                         "status": "online" if online else "offline", "last_seen_at": seen})
    writer.insert(Officer, officers)
    writer.insert(BodyCamera, cams)
    _duty_and_work(writer, rng, officers, now)
    counts = _cases(writer, rng, officers, regions, now)
    return {"officers": len(officers), **counts}


def _duty_and_work(writer, rng, officers, now: datetime):
    local_now = now + LOCAL_OFFSET
    today = local_now.date()
    towns = sorted({o["region_code"] for o in officers})
    lean = {t: rng.dirichlet(WORK_MIX * 60) for t in towns}
    duties, work = [], []
    for back in range(DUTY_DAYS):
        day = today - timedelta(days=back)
        share = DUTY_SHARE["weekend" if day.weekday() >= 5 else "weekday"]
        on = rng.random(len(officers)) < share
        evening = rng.random(len(officers)) < 0.3
        for o, is_on, late in zip(officers, on, evening):
            if not is_on:
                continue
            start = datetime.combine(day, datetime.min.time()) + timedelta(
                hours=(14.5 if late else 8.0) + float(rng.normal(0, 0.25))) - LOCAL_OFFSET
            if start > now:
                continue
            duties.append((o["id"], o["region_code"], day, "evening" if late else "day", start))
            minutes = rng.multinomial(int(rng.normal(450, 30)) // 10, lean[o["region_code"]]) * 10
            if back == 0:  # today: only the time worked so far
                worked = max(0.0, min(1.0, (now - start).total_seconds() / 60 / 480))
                minutes = (minutes * worked).astype(int)
            for kind, m in zip(enf.WORK_KINDS, minutes):
                if m > 0:
                    work.append((o["id"], o["region_code"], day, kind, str(rng.choice(WORK_TASKS[kind])), int(m)))
    writer.write(OfficerDuty.__tablename__, ["officer_id", "region_code", "day", "shift", "checked_in_at"], duties)
    writer.write(OfficerWork.__tablename__, ["officer_id", "region_code", "day", "kind", "task", "minutes"], work)


def _cases(writer, rng, officers, regions, now: datetime) -> dict:
    conn = writer.conn
    codes = {code: v for v, (_zh, _en, group) in enf.VIOLATIONS.items() for code in group}
    cat_ids = dict(conn.execute(select(Category.code, Category.id).where(Category.kind == "event")).all())
    by_town = {}
    for o in officers:
        by_town.setdefault(o["region_code"], []).append(o)
    event_of = dict(conn.execute(select(CameraEvent.case_id, CameraEvent.id).where(CameraEvent.case_id.isnot(None))).all())
    city = conn.execute(
        select(Case.id, Category.code, Case.region_code, Case.lon, Case.lat, Case.address, Case.filed_at,
               Case.dispatched_at, Case.source)
        .join(Category, Category.id == Case.category_id)
        .where(Category.code.in_(list(codes)), Case.dispatched_at.isnot(None)).order_by(Case.id)).all()
    n_city = conn.execute(select(func.count()).select_from(Case)).scalar_one()
    drafts = []  # (filed_at, fields)
    for c in city:
        violation = codes[c.code]
        video = c.source == "video_ai" and c.id in event_of
        if rng.random() >= (VIDEO_NOTICE if video else FROM_CASE[violation]):
            continue
        filed = c.dispatched_at + _days(rng.lognormal(np.log(0.3 if video else 1.0), 0.8))
        drafts.append((filed, {"violation": violation, "category_id": cat_ids[c.code], "region_code": c.region_code,
                               "origin": "video" if video else "city_case", "city_case_id": c.id,
                               "camera_event_id": event_of.get(c.id) if video else None, "address": c.address,
                               "lon": c.lon, "lat": c.lat}))
    first = now - timedelta(days=365)
    town_weight = np.array([len(by_town.get(r.code, [])) for r in regions], dtype=float)
    for _ in range(int(PATROL_SHARE * n_city)):
        violation = str(rng.choice(list(PATROL_MIX), p=list(PATROL_MIX.values())))
        region = regions[int(rng.choice(len(regions), p=town_weight / town_weight.sum()))]
        local = first + _days(rng.uniform(0, 365)) + LOCAL_OFFSET
        local = local.replace(hour=int(rng.choice([9, 10, 11, 15, 16, 17, 19, 20, 21])))
        group = enf.VIOLATIONS[violation][2]
        code = group[int(rng.integers(0, len(group)))]
        origin = "complaint" if rng.random() < 0.15 else "patrol"
        drafts.append((local - LOCAL_OFFSET, {
            "violation": violation, "category_id": cat_ids[code], "region_code": region.code, "origin": origin,
            "city_case_id": None, "camera_event_id": None, "address": f"{region.name}辖区",
            "lon": None, "lat": None}))
    centre = centres(regions)
    drafts = [d for d in drafts if d[0] <= now]
    drafts.sort(key=lambda d: d[0])
    rows, steps, day_seq = [], [], {}
    for i, (filed, fields) in enumerate(drafts, start=1):
        day = (filed + LOCAL_OFFSET).strftime("%Y%m%d")
        day_seq[day] = day_seq.get(day, 0) + 1
        party_kind = "company" if fields["violation"] in ("illegal_building", "muck", "outdoor_ad", "construction") \
            and rng.random() < 0.6 else "person"
        town_officers = by_town.get(fields["region_code"]) or officers
        officer = town_officers[int(rng.integers(0, len(town_officers)))]
        if fields["lon"] is None:
            fields["lon"], fields["lat"] = _near(rng, centre[fields["region_code"]])
        procedure, plan_steps = plan(rng, fields["violation"], filed, party_kind)
        case = SeedEnforcementCase(id=i, case_no=f"ZF{day}{day_seq[day]:05d}", procedure=procedure,
                                   officer_id=officer["id"], party_kind=party_kind,
                                   party=company(rng) if party_kind == "company" else person(rng), **fields)
        play(case, plan_steps, now, officer["name"])
        rows.append(case.row())
        steps += [(case.id, s.seq, s.step, s.at, s.actor, s.opinion) for s in case.steps]
    writer.write(EnforcementCase.__tablename__, COLUMNS, rows)
    writer.write(EnforcementStep.__tablename__, ["enforcement_case_id", "seq", "step", "at", "actor", "opinion"], steps)
    return {"enforcement_cases": len(rows)}


def centres(regions) -> dict[str, tuple[float, float]]:
    """A point inside each town (rows with code and GeoJSON geometry)."""
    out = {}
    for r in regions:
        point = shape(json.loads(r.geometry)).representative_point()
        out[r.code] = (point.x, point.y)
    return out


def _near(rng, centre) -> tuple[float, float]:
    return float(centre[0] + rng.normal(0, 0.004)), float(centre[1] + rng.normal(0, 0.004))


# ---- the simulator's hook ----

PATROL_PER_MINUTE = 0.06  # new patrol cases per minute city-wide at speed 1
MEAN_WAIT_DAYS = {"ordinary": {"filed": 9, "investigated": 4, "notified": 4, "decided": 6, "executed": 5},
                  "simple": {"filed": 0.015, "notified": 0.01, "decided": 1, "executed": 1.5}}


def simulate(session, rng, now: datetime, minutes: float, speed: float = 1.0) -> int:
    """Keep 城管执法 live: new patrol cases, open cases moving on, body cameras going on and off line.

    Called every tick; does its work about once a simulated minute (then for the elapsed minutes).
    """
    if rng.random() >= min(1.0, minutes):
        return 0
    minutes = max(minutes, 1.0)
    moved = 0
    conn = session.connection()
    regions = conn.execute(select(Region.code, Region.name, Region.geometry).order_by(Region.code)).all()
    officers = session.execute(select(Officer.id, Officer.name, Officer.region_code)).all()
    if not officers:
        return 0
    cat_ids = dict(conn.execute(select(Category.code, Category.id).where(Category.kind == "event")).all())
    for _ in range(rng.poisson(PATROL_PER_MINUTE * minutes * speed)):
        violation = str(rng.choice(list(PATROL_MIX), p=list(PATROL_MIX.values())))
        officer = officers[int(rng.integers(0, len(officers)))]
        region = next(r for r in regions if r.code == officer.region_code)
        group = enf.VIOLATIONS[violation][2]
        party_kind = "person"
        procedure, steps = plan(rng, violation, now, party_kind)
        local = now + LOCAL_OFFSET
        prefix = f"ZF{local:%Y%m%d}"
        last = session.execute(select(func.max(EnforcementCase.case_no)).where(
            EnforcementCase.case_no.like(prefix + "%"))).scalar()
        seq = int(last[len(prefix):]) + 1 if last else 1
        lon, lat = _near(rng, centres([region])[region.code])
        case = EnforcementCase(case_no=f"{prefix}{seq:05d}", procedure=procedure, violation=violation,
                               category_id=cat_ids[group[0]], region_code=region.code, officer_id=officer.id,
                               origin="patrol", party=person(rng), party_kind=party_kind,
                               address=f"{region.name}辖区", lon=lon, lat=lat, extension_days=0)
        play(case, [s for s in steps if s[1] <= now], now, officer.name)
        session.add(case)
        moved += 1
    open_cases = session.execute(select(EnforcementCase).where(EnforcementCase.status.in_(enf.OPEN_STATUSES))
                                 .options(selectinload(EnforcementCase.steps))).scalars().all()
    for case in open_cases:
        mean = MEAN_WAIT_DAYS[case.procedure][case.status] * 1440
        if rng.random() >= 1 - math.exp(-minutes * speed / mean):
            continue
        action = {"filed": "investigate" if case.procedure == "ordinary" else "notify", "investigated": "notify",
                  "notified": "decide", "decided": "execute", "executed": "close"}[case.status]
        kwargs = {}
        if action == "decide":
            fine = 100.0 if case.procedure == "simple" else float(round(PENALTY[case.violation][2], -1))
            kwargs = {"penalty": "fine", "fine": fine}
        enf.apply(case, action, max(now, case.updated_at), None, enf_opinion(action, kwargs) if kwargs else
                  OPINIONS.get(action), **kwargs)
        moved += 1
    cams = session.execute(select(BodyCamera)).scalars().all()
    for cam in cams:
        if rng.random() < 0.002 * minutes * speed:
            cam.status = "offline" if cam.status == "online" and rng.random() < 0.5 else "online"
        if cam.status == "online":
            cam.last_seen_at = now
    session.flush()
    return moved
