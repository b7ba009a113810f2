"""Filters in the URL query string: every view is a permalink.

`parse(search, today)` turns `?region=441900003&range=7d&major=06&source=video_ai&measure=closed`
into a `CaseQuery` plus a list of problems; bad values are dropped with a readable message,
never an exception. `search_of(query)` writes it back.
"""
from __future__ import annotations

import re
from dataclasses import fields
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode

from data_access.filters import MEASURES, CaseQuery
from data_access.lifecycle import STATUS_LABELS
from data_access.vocabulary import CASE_TYPES, SOURCES

RANGES = {
    "today": ("今日", "Today"),
    "7d": ("近7天", "7 days"),
    "30d": ("近30天", "30 days"),
    "month": ("本月", "This month"),
    "year": ("本年", "This year"),
    "custom": ("自定义", "Custom"),
}
DEFAULT_RANGE = "30d"
MAX_DAYS = 3 * 366
MAJORS = tuple(f"{m:02d}" for m in range(1, 11))


def range_dates(name: str, today: date) -> tuple[date, date]:
    """The local dates a named range covers, both ends included."""
    if name == "today":
        return today, today
    if name == "7d":
        return today - timedelta(days=6), today
    if name == "month":
        return today.replace(day=1), today
    if name == "year":
        return today.replace(month=1, day=1), today
    return today - timedelta(days=29), today


def _one(params: dict, key: str) -> str | None:
    values = params.get(key)
    return values[-1].strip() if values and values[-1].strip() else None


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _int(text: str | None, low: int, high: int) -> int | None:
    if text is None or not re.fullmatch(r"-?\d+", text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse(search: str | None, today: date) -> tuple[CaseQuery, list[str]]:
    """The query a URL's search string asks for, and what was wrong with it."""
    params = parse_qs((search or "").lstrip("?"), keep_blank_values=True)
    problems: list[str] = []

    def checked(key: str, ok, message: str):
        raw = _one(params, key)
        if raw is None:
            return None
        value = ok(raw)
        if value is None:
            problems.append(f"{message}: {raw!r}")
        return value

    range_name = checked("range", lambda v: v if v in RANGES else None, "未知的时间范围 unknown range") or DEFAULT_RANGE
    day_from, day_to = range_dates(range_name, today)
    if range_name == "custom":
        start = checked("from", _date, "日期格式应为 YYYY-MM-DD (from)")
        end = checked("to", _date, "日期格式应为 YYYY-MM-DD (to)")
        day_from, day_to = start or day_from, min(end or day_to, today)
        if day_from > day_to:
            problems.append(f"开始日期晚于结束日期 from is after to: {day_from} > {day_to}")
            day_from = day_to
        if (day_to - day_from).days >= MAX_DAYS:
            problems.append(f"时间范围最长 {MAX_DAYS} 天 the range is limited to {MAX_DAYS} days")
            day_from = day_to - timedelta(days=MAX_DAYS - 1)
    query = CaseQuery(
        day_from=day_from, day_to=day_to,
        region=checked("region", lambda v: v if re.fullmatch(r"\d{9}", v) else None, "镇街代码应为9位数字 region"),
        major=checked("major", lambda v: v if v in MAJORS else None, "未知的大类 unknown major"),
        source=checked("source", lambda v: v if v in SOURCES else None, "未知的来源 unknown source"),
        measure=checked("measure", lambda v: v if v in MEASURES else None, "未知的指标 unknown measure"),
        category=checked("category", lambda v: v if re.fullmatch(r"\d{5}(,\d{5}){0,49}", v) else None,
                         "小类代码应为5位数字, 多个以逗号分隔 category"),
        department=checked("department", lambda v: _int(v, 0, 10**9), "部门编号无效 department"),
        case_type=checked("type", lambda v: v if v in CASE_TYPES else None, "未知的案件类型 unknown type"),
        weekday=checked("weekday", lambda v: _int(v, 0, 6), "星期应为 0-6 weekday"),
        hour=checked("hour", lambda v: _int(v, 0, 23), "小时应为 0-23 hour"),
        status=checked("status", lambda v: v if v in STATUS_LABELS else None, "未知的状态 unknown status"),
        community=checked("community", lambda v: v if re.fullmatch(r"\d{12}", v) else None,
                          "社区代码应为12位数字 community"),
    )
    return query, problems


def range_name_of(search: str | None) -> str:
    value = _one(parse_qs((search or "").lstrip("?")), "range")
    return value if value in RANGES else DEFAULT_RANGE


_PARAM = {"case_type": "type"}


def params_of(query: CaseQuery, range_name: str) -> dict[str, str]:
    """URL parameters of a query; named ranges are kept by name so a permalink stays relative."""
    params = {"range": range_name}
    if range_name == "custom":
        params.update({"from": query.day_from.isoformat(), "to": query.day_to.isoformat()})
    for f in fields(CaseQuery):
        value = getattr(query, f.name)
        if f.name not in ("day_from", "day_to") and value is not None:
            params[_PARAM.get(f.name, f.name)] = str(value)
    return params


def search_of(query: CaseQuery, range_name: str) -> str:
    return "?" + urlencode(params_of(query, range_name))
