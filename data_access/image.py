"""城管形象: return visits (回访), 12345 tickets, public opinion, commendations and complaints, publicity.

Return visits are stored on the case side (`case_return_visits`, one row per case) and written
only through `data_access.cases.record_return_visit`, which checks them with `check_visit` here;
the seed builds its bulk rows with the same check.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import case, func, select

from . import keywords
from .cache import memoize
from .db import get_engine
from .enforcement import between
from .filters import Scope, region_conditions
from .models import Case
from .models_image import HotlineTicket, MediaReport, PublicityArticle, ReturnVisit, ServiceFeedback
from .sqlfuncs import local_date

CACHE_SECONDS = 30
KEYWORD_CACHE_SECONDS = 600

VISIT_SOURCES = ("public", "hotline")  # cases whose reporter is called back after closing
VISIT_METHODS = {"phone": ("电话", "Phone"), "sms": ("短信", "SMS")}
VISIT_RESULTS = {"satisfied": ("满意", "Satisfied"), "basic": ("基本满意", "Fairly satisfied"),
                 "unsatisfied": ("不满意", "Unsatisfied")}
SATISFIED = ("satisfied", "basic")  # 满意率 = (满意 + 基本满意) / 回访接通
HOTLINE_CATEGORIES = {
    "street_order": ("街面秩序", "Street order"), "sanitation": ("市容环卫", "Sanitation"),
    "building": ("违法建设", "Illegal building"), "advertising": ("广告招牌", "Advertising"),
    "construction": ("施工扰民", "Construction"), "facilities": ("市政设施", "Facilities"),
    "greening": ("园林绿化", "Greening"), "enforcement": ("执法投诉", "About enforcement"),
}
RESPOND_HOURS = 2  # 12345 工单 signed for within 2 hours
CLOSE_DAYS = 5  # and answered within 5 days (local 工单 rules, PROVENANCE)
SENTIMENTS = {"positive": ("正面", "Positive"), "neutral": ("中性", "Neutral"), "negative": ("负面", "Negative")}
MEDIA_TOPICS = {"street_order": ("街面秩序", "Street order"), "sanitation": ("市容环境", "Sanitation"),
                "enforcement": ("执法行为", "Enforcement"), "building": ("违法建设", "Illegal building"),
                "greening": ("园林绿化", "Greening"), "service": ("便民服务", "Public service")}
FEEDBACK_KINDS = {"praise": ("表扬", "Commendation"), "complaint": ("投诉", "Complaint")}
FEEDBACK_CHANNELS = {"hotline": ("12345", "12345"), "letter": ("来信", "Letter"), "web": ("网络", "Online"),
                     "visit": ("来访", "Visit")}
FEEDBACK_SUBJECTS = {"attitude": ("服务态度", "Attitude"), "efficiency": ("办事效率", "Efficiency"),
                     "conduct": ("执法规范", "Conduct"), "result": ("处置结果", "Result")}
PUBLICITY_CHANNELS = {"wechat": ("微信公众号", "WeChat"), "weibo": ("微博", "Weibo"), "douyin": ("抖音", "Douyin"),
                      "website": ("政府网站", "Website"), "newspaper": ("报纸", "Newspaper")}


class VisitError(ValueError):
    pass


def check_visit(case, visited_at: datetime, reached: bool, result: str | None, method: str) -> None:
    """Raise VisitError unless `case` (closed, from the public or 12345) can have this visit."""
    if case.source not in VISIT_SOURCES:
        raise VisitError(f"案件 {case.case_no}: only cases from {', '.join(VISIT_SOURCES)} are visited, "
                         f"not {case.source!r}")
    if case.status != "closed" or case.closed_at is None:
        raise VisitError(f"案件 {case.case_no}: a return visit follows closing; the case is {case.status!r}")
    if visited_at < case.closed_at:
        raise VisitError(f"案件 {case.case_no}: visit at {visited_at:%Y-%m-%d %H:%M} is before closing "
                         f"at {case.closed_at:%Y-%m-%d %H:%M}")
    if method not in VISIT_METHODS:
        raise VisitError(f"unknown method {method!r}; known: {', '.join(VISIT_METHODS)}")
    if reached and result not in VISIT_RESULTS:
        raise VisitError(f"a reached visit needs a result; known: {', '.join(VISIT_RESULTS)}")
    if not reached and result is not None:
        raise VisitError("a visit that did not reach the reporter has no result")


def visit_row(case, visited_at: datetime, reached: bool, result: str | None, method: str, visitor: str) -> dict:
    """The checked row of a visit (the seed's bulk rows and the ORM write path share it)."""
    check_visit(case, visited_at, reached, result, method)
    return {"case_id": case.id, "visited_at": visited_at, "method": method, "reached": bool(reached),
            "result": result if reached else None, "visitor": visitor, "region_code": case.region_code,
            "department_id": case.department_id, "source": case.source}


def _scope(column, region_column, scope: Scope) -> list:
    out = between(column, scope.day_from, scope.day_to)
    return out + (region_conditions(region_column, scope) if region_column is not None else [])


def _frame(url: str, stmt, columns) -> pd.DataFrame:
    with get_engine(url).connect() as conn:
        return pd.DataFrame(conn.execute(stmt).all(), columns=columns)


def _visit_counts():
    rv = ReturnVisit
    return (func.count().label("visited"), func.sum(case((rv.reached.is_(True), 1), else_=0)).label("reached"),
            func.sum(case((rv.result.in_(SATISFIED), 1), else_=0)).label("satisfied"))


def _rates(df: pd.DataFrame) -> pd.DataFrame:
    for column in ("visited", "reached", "satisfied"):
        if column in df:
            df[column] = df[column].fillna(0).astype(int)
    df["rate"] = df["satisfied"] / df["reached"].where(df["reached"] > 0)
    return df


@memoize(CACHE_SECONDS)
def visits(url: str, scope: Scope, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return visits in scope (by visit date): visited, reached, satisfied and 满意率, grouped by `by`.

    `by` may name "day" (local visit date), "department_id", "region_code" or "source".
    """
    keys = {"day": local_date(ReturnVisit.visited_at), "department_id": ReturnVisit.department_id,
            "region_code": ReturnVisit.region_code, "source": ReturnVisit.source}
    cols = [keys[b].label(b) for b in by]
    q = select(*cols, *_visit_counts()).where(*_scope(ReturnVisit.visited_at, ReturnVisit.region_code, scope))
    if by:
        q = q.group_by(*cols)
    return _rates(_frame(url, q, [*by, "visited", "reached", "satisfied"]))


@memoize(CACHE_SECONDS)
def due_visits(url: str, scope: Scope) -> int:
    """Cases from the public and 12345 closed in scope (by closing date): the ones due a visit."""
    q = select(func.count()).select_from(Case).where(
        Case.source.in_(VISIT_SOURCES), Case.status == "closed", *_scope(Case.closed_at, Case.region_code, scope))
    with get_engine(url).connect() as conn:
        return conn.execute(q).scalar_one()


def _ticket_counts(now):
    t = HotlineTicket
    return (func.count().label("received"),
            func.sum(case((t.responded_at.isnot(None) & (t.responded_at <= t.respond_due_at), 1), else_=0))
            .label("responded"),
            func.sum(case((t.closed_at.isnot(None), 1), else_=0)).label("closed"),
            func.sum(case((t.rating.isnot(None), 1), else_=0)).label("rated"),
            func.sum(case((t.rating.in_(SATISFIED), 1), else_=0)).label("satisfied"))


TICKET_MEASURES = ("received", "responded", "closed", "rated", "satisfied")


@memoize(CACHE_SECONDS)
def tickets(url: str, scope: Scope, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """12345 tickets received in scope with 响应率 (in time), 办结率 and 满意率, grouped by `by`."""
    keys = {"category": HotlineTicket.category, "region_code": HotlineTicket.region_code,
            "day": local_date(HotlineTicket.received_at)}
    cols = [keys[b].label(b) for b in by]
    q = select(*cols, *_ticket_counts(None)).where(
        *_scope(HotlineTicket.received_at, HotlineTicket.region_code, scope))
    if by:
        q = q.group_by(*cols)
    df = _frame(url, q, [*by, *TICKET_MEASURES])
    df[list(TICKET_MEASURES)] = df[list(TICKET_MEASURES)].fillna(0).astype(int)
    received = df["received"].where(df["received"] > 0)
    df["response_rate"] = df["responded"] / received
    df["closing_rate"] = df["closed"] / received
    df["satisfaction"] = df["satisfied"] / df["rated"].where(df["rated"] > 0)
    return df


@memoize(CACHE_SECONDS)
def media(url: str, scope: Scope, by: tuple[str, ...] = ("sentiment",)) -> pd.DataFrame:
    """Media reports published in scope by `by` (sentiment, outlet, topic, day)."""
    keys = {"sentiment": MediaReport.sentiment, "outlet": MediaReport.outlet, "topic": MediaReport.topic,
            "day": local_date(MediaReport.published_at)}
    cols = [keys[b].label(b) for b in by]
    q = (select(*cols, func.count()).where(*_scope(MediaReport.published_at, MediaReport.region_code, scope))
         .group_by(*cols))
    return _frame(url, q, [*by, "reports"])


@memoize(CACHE_SECONDS)
def feedback(url: str, scope: Scope) -> pd.DataFrame:
    """表扬 and 投诉 received in scope by kind and subject."""
    f = ServiceFeedback
    q = (select(f.kind, f.subject, func.count()).where(*_scope(f.received_at, f.region_code, scope))
         .group_by(f.kind, f.subject))
    return _frame(url, q, ["kind", "subject", "count"])


@memoize(CACHE_SECONDS)
def publicity(url: str, scope: Scope) -> pd.DataFrame:
    """Articles published in scope and their readership, by channel (city-wide: no region)."""
    p = PublicityArticle
    q = (select(p.channel, func.count(), func.coalesce(func.sum(p.reads), 0))
         .where(*between(p.published_at, scope.day_from, scope.day_to)).group_by(p.channel))
    df = _frame(url, q, ["channel", "articles", "reads"])
    df[["articles", "reads"]] = df[["articles", "reads"]].astype(int)
    return df


def complaint_texts(url: str, scope: Scope) -> list[str]:
    """The texts the keywords come from: descriptions of public and 12345 cases reported in scope
    (their address taken out, so places do not crowd out problems), 12345 ticket titles and the
    titles of negative media reports."""
    conditions = _scope(Case.reported_at, Case.region_code, scope)
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(Case.description, Case.address)
                            .where(Case.source.in_(VISIT_SOURCES), *conditions)).all()
        texts = [(d or "").replace(a or "", "") for d, a in rows]
        texts += conn.execute(select(HotlineTicket.title).where(
            *_scope(HotlineTicket.received_at, HotlineTicket.region_code, scope))).scalars().all()
        texts += conn.execute(select(MediaReport.title).where(
            MediaReport.sentiment == "negative",
            *_scope(MediaReport.published_at, MediaReport.region_code, scope))).scalars().all()
    return texts


@memoize(KEYWORD_CACHE_SECONDS)
def complaint_keywords(url: str, scope: Scope, top: int = 40) -> pd.DataFrame:
    """The period's complaint keywords ranked by frequency (jieba tokens, stop words removed)."""
    ranked = keywords.rank(complaint_texts(url, scope), top=top)
    return pd.DataFrame(ranked, columns=["term", "count"])


def ticket_window_defaults(received_at: datetime) -> tuple[datetime, datetime]:
    """The response and closing deadlines of a ticket received at `received_at`."""
    return received_at + timedelta(hours=RESPOND_HOURS), received_at + timedelta(days=CLOSE_DAYS)


# ---- record kinds for the object list ----
# (No filter is named `kind`: /objects/<kind> takes its kind from the path and a query parameter
# of that name would replace it.)

from sqlalchemy import Integer  # noqa: E402

from . import objects  # noqa: E402
from .models import Department  # noqa: E402
from .models_enforcement import Officer  # noqa: E402
from .vocabulary import SOURCES  # noqa: E402

C = objects.Column
RV, T, MR, SF, PA = ReturnVisit, HotlineTicket, MediaReport, ServiceFeedback, PublicityArticle
_RV_CASE = select(Case.case_no).where(Case.id == RV.case_id).scalar_subquery()
_T_CASE = select(Case.case_no).where(Case.id == T.case_id).scalar_subquery()
YES_NO = {"1": ("是", "Yes"), "0": ("否", "No"), "True": ("是", "Yes"), "False": ("否", "No"),
          "true": ("是", "Yes"), "false": ("否", "No")}


def _department(value: str):
    if not value.isdigit() or len(value) > 9:
        raise ValueError("a department id")
    return RV.department_id == int(value)


def _text_filter(column, limit: int = 32):
    def condition(value: str):
        if len(value) > limit:
            raise ValueError(f"at most {limit} characters")
        return column == value
    return condition


objects.register(
    objects.Kind(
        id="return_visits", zh="回访记录", en="Return visits", model=RV, key=RV.case_id, unit="条",
        columns=(
            C("case_no", "案件编号", "Case", _RV_CASE, flex=1.3),
            C("visited_at", "回访时间", "Visited", RV.visited_at, flex=1.2),
            C("source", "来源", "Source", RV.source, labels=SOURCES),
            C("region", "镇街", "Town", RV.region_code, labels="regions", flex=0.9),
            C("department", "处置部门", "Department",
              select(Department.name).where(Department.id == RV.department_id).scalar_subquery(), flex=1.5),
            C("method", "方式", "Method", RV.method, labels=VISIT_METHODS, flex=0.6),
            C("reached", "接通", "Reached", func.cast(RV.reached, Integer), labels={"1": ("是", "Yes"),
                                                                                  "0": ("否", "No")}, flex=0.6),
            C("result", "结果", "Result", RV.result, labels=VISIT_RESULTS, flex=0.8),
            C("visitor", "回访员", "Visitor", RV.visitor, flex=0.8),
        ),
        region=RV.region_code, time=RV.visited_at, order=(("visited_at", True),),
        filters={"reached": objects.flag(RV.reached.is_(True), RV.reached.is_(False)),
                 "satisfied": objects.flag(RV.result.in_(SATISFIED), RV.result == "unsatisfied"),
                 "result": objects.choice(RV.result, VISIT_RESULTS),
                 "source": objects.choice(RV.source, VISIT_SOURCES),
                 "department": _department},
        filter_labels={"reached": "接通", "satisfied": "满意", "result": "结果", "source": "来源", "department": "部门"},
        links=lambda raw: [(f"案件 {raw['case_no']}", f"/case/{raw['case_no']}")] if raw.get("case_no") else [],
    ),
    objects.Kind(
        id="hotline_tickets", zh="12345 工单", en="12345 tickets", model=T, key=T.ticket_no, unit="件",
        columns=(
            C("ticket_no", "工单号", "Ticket", T.ticket_no, flex=1.3),
            C("received_at", "受理时间", "Received", T.received_at, flex=1.2),
            C("category", "类别", "Category", T.category, labels=HOTLINE_CATEGORIES, flex=0.9),
            C("region", "镇街", "Town", T.region_code, labels="regions", flex=0.9),
            C("title", "诉求", "Request", T.title, flex=2.4),
            C("responded_at", "响应时间", "Answered", T.responded_at, flex=1.2),
            C("closed_at", "办结时间", "Closed", T.closed_at, flex=1.2),
            C("rating", "评价", "Rating", T.rating, labels=VISIT_RESULTS, flex=0.8),
        ),
        detail=(C("respond_due_at", "响应时限", "Answer due", T.respond_due_at),
                C("close_due_at", "办结时限", "Close due", T.close_due_at),
                C("case_no", "数字城管案件", "City case", _T_CASE)),
        region=T.region_code, time=T.received_at, order=(("received_at", True),),
        filters={"category": objects.choice(T.category, HOTLINE_CATEGORIES),
                 "responded": objects.flag(T.responded_at.isnot(None) & (T.responded_at <= T.respond_due_at)),
                 "closed": objects.flag(T.closed_at.isnot(None), T.closed_at.is_(None)),
                 "rated": objects.flag(T.rating.isnot(None), T.rating.is_(None)),
                 "satisfied": objects.flag(T.rating.in_(SATISFIED), T.rating == "unsatisfied"),
                 "rating": objects.choice(T.rating, VISIT_RESULTS)},
        filter_labels={"category": "类别", "responded": "按时响应", "closed": "已办结", "rated": "已评价",
                       "satisfied": "满意", "rating": "评价"},
        links=lambda raw: [(f"案件 {raw['case_no']}", f"/case/{raw['case_no']}")] if raw.get("case_no") else [],
    ),
    objects.Kind(
        id="media_reports", zh="媒体报道", en="Media reports", model=MR, key=MR.id, unit="篇",
        columns=(C("published_at", "发布时间", "Published", MR.published_at, flex=1.1),
                 C("outlet", "媒体", "Outlet", MR.outlet, flex=1.0),
                 C("topic", "话题", "Topic", MR.topic, labels=MEDIA_TOPICS, flex=0.8),
                 C("sentiment", "倾向", "Sentiment", MR.sentiment, labels=SENTIMENTS, flex=0.6),
                 C("title", "标题", "Title", MR.title, flex=2.6),
                 C("region", "镇街", "Town", MR.region_code, labels="regions", flex=0.8)),
        region=MR.region_code, time=MR.published_at, order=(("published_at", True),),
        filters={"sentiment": objects.choice(MR.sentiment, SENTIMENTS), "topic": objects.choice(MR.topic, MEDIA_TOPICS),
                 "outlet": _text_filter(MR.outlet)},
        filter_labels={"sentiment": "倾向", "topic": "话题", "outlet": "媒体"},
    ),
    objects.Kind(
        id="service_feedback", zh="表扬与投诉", en="Commendations and complaints", model=SF, key=SF.id, unit="条",
        columns=(C("received_at", "收到时间", "Received", SF.received_at, flex=1.1),
                 C("kind", "类型", "Kind", SF.kind, labels=FEEDBACK_KINDS, flex=0.6),
                 C("channel", "渠道", "Channel", SF.channel, labels=FEEDBACK_CHANNELS, flex=0.6),
                 C("subject", "事项", "Subject", SF.subject, labels=FEEDBACK_SUBJECTS, flex=0.8),
                 C("region", "镇街", "Town", SF.region_code, labels="regions", flex=0.8),
                 C("officer", "涉及队员", "Officer",
                   select(Officer.name).where(Officer.id == SF.officer_id).scalar_subquery(), flex=0.8),
                 C("officer_code", "执法证号", "Badge",
                   select(Officer.code).where(Officer.id == SF.officer_id).scalar_subquery(), flex=0.9),
                 C("content", "内容", "Content", SF.content, flex=2.0)),
        region=SF.region_code, time=SF.received_at, order=(("received_at", True),),
        filters={"type": objects.choice(SF.kind, FEEDBACK_KINDS), "subject": objects.choice(SF.subject, FEEDBACK_SUBJECTS),
                 "channel": objects.choice(SF.channel, FEEDBACK_CHANNELS),
                 "about_officer": objects.flag(SF.officer_id.isnot(None), SF.officer_id.is_(None))},
        filter_labels={"type": "类型", "subject": "事项", "channel": "渠道", "about_officer": "涉及执法队员"},
        links=lambda raw: [("涉及队员", objects.object_href("officers", raw["officer_code"]))]
        if raw.get("officer_code") else [],
    ),
    objects.Kind(
        id="publicity_articles", zh="宣传文章", en="Publicity articles", model=PA, key=PA.id, unit="篇",
        columns=(C("published_at", "发布时间", "Published", PA.published_at, flex=1.1),
                 C("channel", "渠道", "Channel", PA.channel, labels=PUBLICITY_CHANNELS, flex=0.8),
                 C("title", "标题", "Title", PA.title, flex=2.4),
                 C("reads", "阅读量", "Reads", PA.reads, flex=0.7)),
        time=PA.published_at, order=(("published_at", True),),
        filters={"channel": objects.choice(PA.channel, PUBLICITY_CHANNELS)}, filter_labels={"channel": "渠道"},
    ),
)
