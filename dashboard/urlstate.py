"""Filters in the URL query string: every view is a permalink.

`parse(search, today)` turns `?region=441900003&range=7d&major=06&source=video_ai&measure=closed`
into a `CaseQuery` plus a list of problems; bad values are dropped with a readable message,
never an exception. `search_of(query)` writes it back. A repeated parameter counts once, with
its last value (`last`), everywhere a URL is read.

`city` (a jurisdiction's 6-digit code) is checked against the database's cities: with several,
a URL without one shows the city of its region, else the home city (data_access/cities.py), so a
view always shows one city; with one city nothing is added.
"""
from __future__ import annotations

import re
from dataclasses import fields, replace
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode

from data_access.cities import cities, home_city
from data_access.filters import MEASURES, CaseQuery
from data_access.lifecycle import STATUS_LABELS
from data_access.status import DB_ERRORS
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
EARLIEST = date(2000, 1, 1)  # custom ranges start no earlier (dates as far back as year 1 overflow)
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


def last(value) -> str | None:
    """One URL value as text: the last of a repeated parameter (Dash pages pass those as lists)."""
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    return value if isinstance(value, str) else None


def _one(params: dict, key: str) -> str | None:
    value = (last(params.get(key)) or "").strip()
    return value or None


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


# What was wrong with a URL value, in Chinese and English: (zh, en).
MESSAGES = {
    "range": ("未知的时间范围", "unknown range"),
    "from": ("开始日期格式应为 年-月-日", "from: dates are YYYY-MM-DD"),
    "to": ("结束日期格式应为 年-月-日", "to: dates are YYYY-MM-DD"),
    "order": ("开始日期晚于结束日期", "from is after to"),
    "too_long": ("时间范围最长 {days} 天", "the range is limited to {days} days"),
    "early": ("日期不能早于 {earliest}，已按 {earliest} 计", "dates start at {earliest}; earlier ones were moved there"),
    "region": ("镇街代码应为9位数字", "a region is 9 digits"),
    "major": ("未知的大类", "unknown major"),
    "source": ("未知的来源", "unknown source"),
    "measure": ("未知的指标", "unknown measure"),
    "category": ("小类代码应为5位数字, 多个以逗号分隔", "a category is 5 digits, several separated by commas"),
    "department": ("部门编号无效", "bad department"),
    "type": ("未知的案件类型", "unknown type"),
    "weekday": ("星期应为 0-6", "weekday is 0-6"),
    "hour": ("小时应为 0-23", "hour is 0-23"),
    "status": ("未知的状态", "unknown status"),
    "community": ("社区代码应为12位数字", "a community is 12 digits"),
    "city": ("未知的城市代码", "unknown city"),
    "outside": ("不在所选城市内, 已忽略", "is not in the chosen city; ignored"),
}


def message(key: str, language: str = "zh", **values) -> str:
    zh, en = MESSAGES[key]
    return (zh if language == "zh" else en).format(**values)


def _database_url() -> str | None:
    """The serving app's database (None outside a request: cities are then checked by form only)."""
    from flask import current_app, has_app_context

    from dashboard.app import SETTINGS_KEY

    settings = current_app.config.get(SETTINGS_KEY) if has_app_context() else None
    return settings.database_url if settings else None


def _placed(query: CaseQuery, city: str | None, database_url: str | None, language: str,
            problems: list[str]) -> CaseQuery:
    """The query in one city: the URL's, else its region's, else the home city when there are
    several; a region or 社区 of another city is dropped with a problem."""
    try:
        known = {c.code: c for c in cities(database_url)} if database_url else {}
    except DB_ERRORS:  # the database is away: the views say so; the URL's city is kept as written
        known = {}
    if not known:
        return replace(query, city=city)
    if city is not None and city not in known:
        problems.append(f"{message('city', language)}: {city!r}")
        city = None
    if city is None and len(known) > 1:
        home = home_city(database_url)
        city = next((c.code for c in known.values() if query.region in c.regions), home.code if home else None)
    if city is None:
        return query
    regions = known[city].regions
    for key, value in (("region", query.region), ("community", query.community)):
        if value and value[:9] not in regions:
            problems.append(f"{key} {value} {message('outside', language)}")
            query = replace(query, **{key: None})
    return replace(query, city=city)


def parse(search: str | None, today: date, language: str = "zh",
          database_url: str | None = None) -> tuple[CaseQuery, list[str]]:
    """The query a URL's search string asks for, and what was wrong with it (in `language`).
    Filters locked for the viewer (a signed embed, a user of some regions or of one city)
    override the URL's. Cities are read from `database_url`, by default the serving app's."""
    from dashboard.auth import locked_search

    params = parse_qs(locked_search(search).lstrip("?"), keep_blank_values=True)
    problems: list[str] = []

    def checked(key: str, ok):
        raw = _one(params, key)
        if raw is None:
            return None
        value = ok(raw)
        if value is None:
            problems.append(f"{message(key, language)}: {raw!r}")
        return value

    range_name = checked("range", lambda v: v if v in RANGES else None) or DEFAULT_RANGE
    day_from, day_to = range_dates(range_name, today)
    if range_name == "custom":
        start = checked("from", _date)
        end = checked("to", _date)
        if min(start or today, end or today) < EARLIEST:
            problems.append(message("early", language, earliest=EARLIEST))
            start, end = (max(d, EARLIEST) if d else d for d in (start, end))
        day_from, day_to = start or day_from, min(end or day_to, today)
        if day_from > day_to:
            problems.append(f"{message('order', language)}: {day_from} > {day_to}")
            day_from = day_to
        if (day_to - day_from).days >= MAX_DAYS:
            problems.append(message("too_long", language, days=MAX_DAYS))
            day_from = day_to - timedelta(days=MAX_DAYS - 1)
    query = CaseQuery(
        day_from=day_from, day_to=day_to,
        region=checked("region", lambda v: v if re.fullmatch(r"\d{9}", v) else None),
        major=checked("major", lambda v: v if v in MAJORS else None),
        source=checked("source", lambda v: v if v in SOURCES else None),
        measure=checked("measure", lambda v: v if v in MEASURES else None),
        category=checked("category", lambda v: v if re.fullmatch(r"\d{5}(,\d{5}){0,49}", v) else None),
        department=checked("department", lambda v: _int(v, 0, 10**9)),
        case_type=checked("type", lambda v: v if v in CASE_TYPES else None),
        weekday=checked("weekday", lambda v: _int(v, 0, 6)),
        hour=checked("hour", lambda v: _int(v, 0, 23)),
        status=checked("status", lambda v: v if v in STATUS_LABELS else None),
        community=checked("community", lambda v: v if re.fullmatch(r"\d{12}", v) else None),
    )
    city = checked("city", lambda v: v if re.fullmatch(r"\d{6}", v) else None)
    return _placed(query, city, database_url or _database_url(), language, problems), problems


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
