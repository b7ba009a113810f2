"""城管形象 for the demo city: return visits of closed cases, 12345 tickets, media reports,
commendations and complaints, and publicity articles, over the seeded year.

`seed_image` runs once from seeds.demo.seed_demo (after the cases and 城管执法, with its own
random stream); `simulate` is the simulator's hook. Visits are checked by
data_access.image.visit_row, the check the case write path (cases.record_return_visit) uses.
Magnitudes and sources: seeds/PROVENANCE.md, section 城管形象.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import image
from data_access.cases import record_return_visit
from data_access.clock import LOCAL_OFFSET
from data_access.models import Case, Category, Region
from data_access.models_enforcement import Officer
from data_access.models_image import HotlineTicket, MediaReport, PublicityArticle, ReturnVisit, ServiceFeedback

VISITED = 0.93  # closed public / 12345 cases called back
REACHED = 0.86
RESULTS = {"satisfied": 0.80, "basic": 0.13, "unsatisfied": 0.07}
LATE_RESULTS = {"satisfied": 0.58, "basic": 0.22, "unsatisfied": 0.20}  # handled after the deadline
VISITORS = ("回访员01", "回访员02", "回访员03", "回访员04", "回访员05", "回访员06")
EXTRA_TICKETS = 0.7  # 12345 tickets that are not a 数字城管 case, per hotline case (consultations, complaints)
LATE_RESPONSE = 0.06
TICKET_RATED = 0.72
MEDIA_PER_DAY = 3.2
FEEDBACK_PER_DAY = {"praise": 1.6, "complaint": 2.2}
ABOUT_OFFICER = 0.45  # complaints that name an officer
ARTICLES_PER_DAY = 4.0
READS_MEDIAN = {"wechat": 2600, "weibo": 7000, "douyin": 18000, "website": 700, "newspaper": 30000}
CHANNEL_MIX = {"wechat": 0.4, "weibo": 0.22, "douyin": 0.18, "website": 0.15, "newspaper": 0.05}
OUTLETS = {"东莞日报": 0.2, "东莞时间网": 0.16, "南方都市报": 0.12, "广州日报": 0.08, "羊城晚报": 0.07,
           "东莞广播电视台": 0.12, "今日头条": 0.13, "新浪微博": 0.12}
SENTIMENT_MIX = {"positive": 0.52, "neutral": 0.28, "negative": 0.20}
MAJOR_TICKET = {"01": "facilities", "02": "facilities", "03": "sanitation", "04": "greening", "05": "facilities",
                "06": "sanitation", "07": "advertising", "08": "construction", "09": "street_order",
                "10": "sanitation"}
TICKET_TITLES = {
    "street_order": ("反映{p}有流动摊贩占道经营，晚上摆卖到很晚", "{p}店外经营占用人行道，行人只能走机动车道",
                     "{p}机动车乱停放堵塞消防通道", "{p}共享单车乱停放堆满人行道", "{p}夜市摆卖噪音大、油烟扰民"),
    "sanitation": ("{p}垃圾桶满溢无人清运，气味难闻", "{p}有人乱倒建筑垃圾", "{p}露天烧烤油烟扰民",
                   "{p}路面污水横流，卫生很差", "{p}餐馆油烟直排影响楼上住户"),
    "building": ("举报{p}楼顶私搭乱建", "{p}有人违法加建铁皮房", "{p}违法建设未见查处"),
    "advertising": ("{p}电线杆上小广告乱张贴", "{p}户外广告牌松动存在坠落风险", "{p}店铺招牌破损"),
    "construction": ("{p}工地夜间施工噪音扰民", "{p}渣土车沿路遗撒泥土", "{p}工地扬尘严重"),
    "facilities": ("{p}井盖缺失，夜间行人容易踩空", "{p}路灯不亮", "{p}下雨后路面积水严重"),
    "greening": ("{p}树木倒伏挡路", "{p}绿化带杂草丛生无人修剪"),
    "enforcement": ("投诉城管执法人员态度粗暴", "投诉城管执法时推搡摊贩", "反映执法人员处罚不公"),
}
MEDIA_TITLES = {
    ("street_order", "positive"): "城管柔性执法引导摊贩入市，{t}街面秩序明显好转",
    ("street_order", "negative"): "{t}占道经营屡禁不止，市民出行受阻",
    ("street_order", "neutral"): "{t}开展夜市经营秩序专项整治",
    ("sanitation", "positive"): "{t}环境卫生整治见成效，背街小巷焕然一新",
    ("sanitation", "negative"): "{t}垃圾清运不及时，居民投诉异味扰民",
    ("sanitation", "neutral"): "{t}推进垃圾分类示范小区建设",
    ("enforcement", "positive"): "城管队员暖心救助老人获市民点赞",
    ("enforcement", "negative"): "城管执法过程引争议，涉事队员被停职调查",
    ("enforcement", "neutral"): "东莞推行城管执法全过程记录",
    ("building", "positive"): "{t}拆除违法建设，腾出公共空间",
    ("building", "negative"): "{t}违建反复出现，监管为何失灵",
    ("building", "neutral"): "{t}启动违法建设治理攻坚行动",
    ("greening", "positive"): "{t}口袋公园开放，市民家门口添绿",
    ("greening", "negative"): "{t}行道树修剪过度引质疑",
    ("greening", "neutral"): "{t}完成台风后树木扶正工作",
    ("service", "positive"): "城管驿站为环卫工人和市民提供便民服务",
    ("service", "negative"): "市民反映12345反映问题久拖不决",
    ("service", "neutral"): "东莞城管公布上半年12345热线办理情况",
}
TOPIC_MIX = {"street_order": 0.26, "sanitation": 0.22, "enforcement": 0.14, "building": 0.12, "greening": 0.1,
             "service": 0.16}
FEEDBACK_TEXT = {
    ("praise", "attitude"): "执法队员耐心劝导，态度好", ("praise", "efficiency"): "问题当天就解决了，效率高",
    ("praise", "conduct"): "执法文明规范，值得表扬", ("praise", "result"): "整治后环境明显改善，感谢城管",
    ("complaint", "attitude"): "执法人员态度生硬", ("complaint", "efficiency"): "反映多次迟迟未处理",
    ("complaint", "conduct"): "执法过程不规范，未出示证件", ("complaint", "result"): "处理结果不满意，问题反复",
}
ARTICLE_TITLES = ("东莞城管开展“721工作法”服务月活动", "垃圾分类，从我做起", "夜市经营规范指引发布",
                  "城管执法进社区普法宣传", "户外广告设置审批流程图解", "台风天气城市安全提示",
                  "一图读懂违法建设治理", "城管驿站开放时间与服务内容", "本周市容环境整治成效")


def _choice(rng, mix: dict, size=None):
    return rng.choice(list(mix), size=size, p=np.array(list(mix.values())) / sum(mix.values()))


def _local_spread(rng, days: int, now: datetime, count: int) -> list[datetime]:
    """`count` times over the last `days` days with a daytime rhythm (naive UTC, none after now)."""
    start = now - timedelta(days=days)
    offsets = np.sort(rng.uniform(0, days, count))
    out = []
    for off in offsets:
        t = start + timedelta(days=float(off))
        local = t + LOCAL_OFFSET
        hour = int(rng.choice(24, p=HOURS))
        t = local.replace(hour=hour, minute=int(rng.integers(0, 60))) - LOCAL_OFFSET
        if t <= now:
            out.append(t)
    return sorted(out)


HOURS = np.array([0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 3.2, 3.2, 2.8,
                  1.6, 1.6, 2.6, 3.0, 2.9, 2.2, 1.4, 1.2, 1.0, 0.8, 0.5, 0.3])
HOURS = HOURS / HOURS.sum()


def seed_image(writer, rng, now: datetime) -> dict:
    conn = writer.conn
    regions = [r for r, in conn.execute(select(Region.code).order_by(Region.code))]
    names = dict(conn.execute(select(Region.code, Region.name)).all())
    counts = {"visits": _visits(writer, rng, now), "tickets": _tickets(writer, rng, now, regions, names)}
    counts["media"] = _media(writer, rng, now, regions, names)
    officers = conn.execute(select(Officer.id, Officer.region_code)).all()
    counts["feedback"] = _feedback(writer, rng, now, regions, officers)
    counts["articles"] = _articles(writer, rng, now)
    return counts


def visit_plan(rng, case, now: datetime):
    """A visit for a closed case (a row dict via image.visit_row) or None when not (yet) visited."""
    if rng.random() >= VISITED:
        return None
    at = case.closed_at + timedelta(hours=float(min(rng.lognormal(np.log(20), 0.6), 96)))
    if at > now:
        return None
    reached = bool(rng.random() < REACHED)
    late = case.handled_at is not None and case.deadline_at is not None and case.handled_at > case.deadline_at
    result = str(_choice(rng, LATE_RESULTS if late else RESULTS)) if reached else None
    method = "phone" if rng.random() < 0.85 else "sms"
    return at, reached, result, method, VISITORS[int(rng.integers(0, len(VISITORS)))]


def _visits(writer, rng, now: datetime) -> int:
    cases = writer.conn.execute(
        select(Case.id, Case.case_no, Case.source, Case.status, Case.closed_at, Case.handled_at, Case.deadline_at,
               Case.region_code, Case.department_id)
        .where(Case.source.in_(image.VISIT_SOURCES), Case.status == "closed").order_by(Case.id)).all()
    rows = []
    for case in cases:
        planned = visit_plan(rng, case, now)
        if planned:
            rows.append(image.visit_row(case, *planned))
    writer.insert(ReturnVisit, rows)
    return len(rows)


def _title(rng, category: str, place: str) -> str:
    options = TICKET_TITLES[category]
    return options[int(rng.integers(0, len(options)))].format(p=place)


def _tickets(writer, rng, now: datetime, regions, names) -> int:
    hotline = writer.conn.execute(
        select(Case.id, Case.reported_at, Case.region_code, Case.address, Case.status, Case.closed_at, Case.ended_at,
               Category.major_code)
        .join(Category, Category.id == Case.category_id).where(Case.source == "hotline").order_by(Case.id)).all()
    drafts = []
    for c in hotline:
        received = c.reported_at - timedelta(minutes=float(rng.uniform(3, 40)))
        closed = c.closed_at or c.ended_at
        place = c.address.split("号")[0].rstrip("0123456789")
        drafts.append((received, MAJOR_TICKET[c.major_code], c.region_code, _title(rng, MAJOR_TICKET[c.major_code], place),
                       c.id, closed))
    first = now - timedelta(days=365)
    for received in _local_spread(rng, 365, now, int(EXTRA_TICKETS * len(hotline))):
        category = str(_choice(rng, {k: 1.0 for k in image.HOTLINE_CATEGORIES} | {"street_order": 2.5,
                                                                                  "sanitation": 2.0,
                                                                                  "enforcement": 0.6}))
        region = regions[int(rng.integers(0, len(regions)))]
        place = names[region]
        closed = received + timedelta(days=float(rng.lognormal(np.log(1.5), 0.9)))
        drafts.append((received, category, region, _title(rng, category, place), None, closed if closed <= now else None))
    drafts = [d for d in drafts if first - timedelta(days=1) <= d[0] <= now]
    drafts.sort(key=lambda d: d[0])
    rows, seq = [], {}
    for received, category, region, title, case_id, closed in drafts:
        day = (received + LOCAL_OFFSET).strftime("%Y%m%d")
        seq[day] = seq.get(day, 0) + 1
        respond_due, close_due = image.ticket_window_defaults(received)
        late = rng.random() < LATE_RESPONSE
        responded = received + timedelta(minutes=float(rng.uniform(125, 600) if late else rng.uniform(3, 110)))
        if responded > now:
            responded = None
        rating = None
        if closed is not None and rng.random() < TICKET_RATED:
            slow = closed > close_due
            rating = str(_choice(rng, LATE_RESULTS if slow or category == "enforcement" else RESULTS))
        rows.append((f"12345-{day}-{seq[day]:05d}", received, category, region, title, case_id, respond_due,
                     responded, close_due, closed, rating))
    writer.write(HotlineTicket.__tablename__, ["ticket_no", "received_at", "category", "region_code", "title", "case_id",
                                                "respond_due_at", "responded_at", "close_due_at", "closed_at", "rating"],
                 rows)
    return len(rows)


def _media(writer, rng, now, regions, names) -> int:
    times = _local_spread(rng, 365, now, int(MEDIA_PER_DAY * 365))
    rows = []
    for i, at in enumerate(times, start=1):
        topic = str(_choice(rng, TOPIC_MIX))
        mix = dict(SENTIMENT_MIX)
        if (at + LOCAL_OFFSET).month in (6, 7, 8):
            mix["negative"] *= 1.4  # summer: night markets, barbecues, storms
        sentiment = str(_choice(rng, mix))
        region = regions[int(rng.integers(0, len(regions)))] if rng.random() < 0.8 else None
        town = names[region].removesuffix("街道").removesuffix("镇") if region else "东莞"
        rows.append({"id": i, "published_at": at, "outlet": str(_choice(rng, OUTLETS)), "topic": topic,
                     "title": MEDIA_TITLES[(topic, sentiment)].format(t=town), "sentiment": sentiment,
                     "region_code": region, "case_id": None})
    writer.insert(MediaReport, rows)
    return len(rows)


def _feedback(writer, rng, now, regions, officers) -> int:
    rows = []
    for kind, per_day in FEEDBACK_PER_DAY.items():
        for at in _local_spread(rng, 365, now, int(per_day * 365)):
            subject = str(rng.choice(list(image.FEEDBACK_SUBJECTS)))
            officer = None
            region = regions[int(rng.integers(0, len(regions)))]
            if officers and (kind == "praise" or rng.random() < ABOUT_OFFICER) and rng.random() < 0.8:
                officer_id, region = officers[int(rng.integers(0, len(officers)))]
                officer = officer_id
            if kind == "complaint" and officer is None and subject == "conduct":
                subject = "efficiency"
            rows.append({"received_at": at, "kind": kind, "channel": str(rng.choice(list(image.FEEDBACK_CHANNELS))),
                         "subject": subject, "region_code": region, "officer_id": officer,
                         "content": FEEDBACK_TEXT[(kind, subject)]})
    rows.sort(key=lambda r: r["received_at"])
    for i, row in enumerate(rows, start=1):
        row["id"] = i
    writer.insert(ServiceFeedback, rows)
    return len(rows)


def _articles(writer, rng, now) -> int:
    rows = []
    for i, at in enumerate(_local_spread(rng, 365, now, int(ARTICLES_PER_DAY * 365)), start=1):
        channel = str(_choice(rng, CHANNEL_MIX))
        age = min((now - at).days, 30) / 30  # readership grows over the first month
        reads = int(READS_MEDIAN[channel] * rng.lognormal(0, 0.9) * (0.35 + 0.65 * age))
        rows.append({"id": i, "published_at": at, "channel": channel,
                     "title": ARTICLE_TITLES[int(rng.integers(0, len(ARTICLE_TITLES)))], "reads": reads})
    writer.insert(PublicityArticle, rows)
    return len(rows)


# ---- the simulator's hook ----

def simulate(session: Session, rng, now: datetime, minutes: float, speed: float = 1.0) -> int:
    """Call back the reporters of newly closed public / 12345 cases (through the case write path)."""
    if rng.random() >= min(1.0, minutes):  # about once a minute
        return 0
    minutes = max(minutes, 1.0)
    since = now - timedelta(days=4)
    waiting = session.execute(
        select(Case).where(Case.source.in_(image.VISIT_SOURCES), Case.status == "closed", Case.closed_at >= since,
                           ~select(ReturnVisit.case_id).where(ReturnVisit.case_id == Case.id).exists())).scalars().all()
    written = 0
    for case in waiting:
        # A visit follows closing by about a day at speed 1.
        if rng.random() >= 1 - np.exp(-minutes * speed / (20 * 60)):
            continue
        reached = bool(rng.random() < REACHED)
        result = str(_choice(rng, RESULTS)) if reached else None
        record_return_visit(session, case, max(now, case.closed_at), reached, result, "phone",
                            VISITORS[int(rng.integers(0, len(VISITORS)))])
        written += 1
    return written
