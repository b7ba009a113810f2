"""案件清单 /cases: the cases behind a number, with the board's filters as chips.

The URL query is the board's (dashboard/urlstate.py). The grid pages from the server
(callbacks/cases.py); the count, chips and CSV link are rendered here.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from dash import dcc, html

from dashboard import urlstate
from dashboard.app import current_settings
from dashboard.i18n import say, t, weekday
from data_access import case_list, clock, status
from data_access.cities import cities
from data_access.filters import CaseQuery
from data_access.lifecycle import status_label
from data_access.vocabulary import CASE_TYPES, SOURCES
from layouts import grid as grid_kit

# Component ids shared with callbacks/cases.py.
GRID = "cases-grid"
COUNT = "cases-count"
FILTERED = "cases-filtered"
STATE = "cases-state"
NAV = "cases-nav"
CSV_ROUTE = "/api/v1/cases.csv"
BLOCK = grid_kit.BLOCK

MEASURE_LABELS = {
    "reported": "上报数", "filed": "立案数", "rejected": "不予立案", "voided": "作废",
    "dispatched": "派遣数", "handled": "处置数", "handled_on_time": "按期处置数", "fed_back": "反馈数",
    "verified": "核查数", "closed": "结案数",
    "closed_on_time": "按期结案数", "reworked": "返工数", "open": "在办案件", "suspended": "挂账案件",
    "overdue": "处置超期", "overdue_unclosed": "超期未结案", "due_soon": "预警",
}
MEASURE_LABELS_EN = {
    "reported": "Reported", "filed": "Filed", "rejected": "Rejected", "voided": "Voided",
    "dispatched": "Dispatched", "handled": "Handled", "handled_on_time": "Handled on time", "fed_back": "Fed back",
    "verified": "Verified", "closed": "Closed",
    "closed_on_time": "Closed on time", "reworked": "Reworked", "open": "Open", "suspended": "Suspended",
    "overdue": "Overdue", "overdue_unclosed": "Overdue, not closed", "due_soon": "Due soon",
}
# Chip names: key -> (zh, en).
CHIP_NAMES = {
    "time": ("时间", "Time"), "region": ("镇街", "Town"), "major": ("大类", "Major category"),
    "category": ("小类", "Category"), "source": ("来源", "Source"), "measure": ("指标", "Measure"),
    "department": ("部门", "Department"), "type": ("类型", "Type"), "weekday": ("星期", "Weekday"),
    "hour": ("时段", "Hour"), "status": ("状态", "Status"), "community": ("社区", "Community"),
    "city": ("城市", "City"),
}


def now_utc() -> datetime:
    """This minute in naive UTC: one page load counts and lists against the same moment."""
    return clock.utcnow().replace(second=0, microsecond=0)


def parse(search: str, now: datetime, tz, language: str = "zh") -> tuple[CaseQuery, list[str]]:
    return urlstate.parse(search, (now + clock.LOCAL_OFFSET).date(), language)


def search_of(params: dict) -> str:
    """The page's query string from the layout's keyword arguments."""
    return "?" + urlencode(params, doseq=True) if params else ""


def chips(query: CaseQuery, range_name: str, lk: case_list.Lookups, language: str = "zh",
          city: str | None = None) -> list[tuple[str, str]]:
    """The active filters as (name, value) in `language`; names of places and categories as stored.
    `city` is the city's name when the database holds several."""
    zh = language == "zh"
    unknown = "未知" if zh else "unknown"
    out = []

    def add(key, value):
        out.append((CHIP_NAMES[key][0 if zh else 1], value))

    days = f"{query.day_from:%Y-%m-%d} {'至' if zh else 'to'} {query.day_to:%Y-%m-%d}"
    add("time", f"{urlstate.RANGES[range_name][0 if zh else 1]} {days}")
    if city:
        add("city", city)
    if query.region:
        add("region", lk.regions.get(query.region, f"{query.region} ({unknown})"))
    if query.community:
        add("community", community_name(query.community))
    if query.major:
        add("major", lk.majors.get(query.major, query.major))
    if query.category:
        add("category", "、".join(lk.events.get(c, f"{c} ({unknown})") for c in query.category.split(",")))
    if query.source:
        add("source", SOURCES[query.source][0 if zh else 1])
    if query.measure:
        add("measure", (MEASURE_LABELS if zh else MEASURE_LABELS_EN).get(query.measure, query.measure))
    if query.department is not None:
        add("department", lk.departments.get(query.department, f"{query.department} ({unknown})"))
    if query.case_type:
        add("type", CASE_TYPES[query.case_type][0 if zh else 1])
    if query.weekday is not None:
        add("weekday", weekday(query.weekday, language))
    if query.hour is not None:
        add("hour", f"{query.hour:02d}:00-{query.hour:02d}:59")
    if query.status:
        add("status", status_label(query.status, language))
    return out


def community_name(code: str) -> str:
    """A 社区's name for its filter chip (its code when the name is unknown)."""
    from data_access import boards  # the board names, cached

    try:
        return boards.names(current_settings().database_url)["communities"].get(code, code)
    except Exception:  # noqa: BLE001 - a chip falls back to the code, never fails the page
        return code


def count_text(total: int, language: str = "zh") -> list:
    return grid_kit.count_text(total, language=language)


_FLEX = {"case_no": 1.25, "reported_at": 1.1, "region": 0.85, "category": 1.15, "source": 0.9, "status": 0.75,
         "department": 1.5, "urgency": 0.65, "address": 2.2, "lamp": 0.55}


def lamp_classes(language: str = "zh") -> dict:
    return {f"lamp-cell lamp-{code}": f"params.value === '{case_list.lamp_label(code, language)}'"
            for code in case_list.LAMP_LABELS}


LAMP_CLASSES = lamp_classes()


def column_defs(language: str = "zh") -> list[dict]:
    defs = []
    for field in case_list.GRID_COLUMNS:
        col = {"field": field, "headerName": case_list.headers(language)[field], "flex": _FLEX[field],
               "sortable": field in case_list.SORTABLE}
        if field in case_list.TEXT_FILTERS or field in case_list.CHOICE_FILTERS:
            col.update(grid_kit.TEXT_FILTER)
        if field == "reported_at":
            col["sort"] = "desc"
        if field == "lamp":
            col["cellClassRules"] = lamp_classes(language)
        defs.append(col)
    return defs


def grid(language: str = "zh"):
    return grid_kit.server_grid(GRID, column_defs(language), "case_no",
                                say(language, "没有符合条件的案件", "No cases match"), language=language)


def _city_shown(url: str, code: str | None, language: str) -> str | None:
    """The city's name for its chip, when the database holds several cities."""
    from layouts.boards import city_name

    return city_name(url, code, language) if code and len(cities(url)) > 1 else None


def layout(**params):
    settings = current_settings()
    lang = settings.language
    search, now = search_of(params), now_utc()
    query, problems = parse(search, now, settings.tz, lang)
    try:
        lk = case_list.lookups(settings.database_url)
        total = case_list.count_cases(settings.database_url, query, now)
        city = _city_shown(settings.database_url, query.city, lang)
    except status.DB_ERRORS as exc:
        return html.Div(className="page page-message", children=[
            html.H2(t("status.down", lang)), html.P(status.describe_error(exc))])
    range_name = urlstate.range_name_of(search)
    return html.Div(className="page cases-page", children=[
        html.Div(className="cases-head", children=[
            html.H2(say(lang, "案件清单", "Cases"), className="cases-title"),
            grid_kit.chip_list(chips(query, range_name, lk, lang, city)),
            html.Div(count_text(total, lang), id=COUNT, className="cases-count"),
            html.Span(id=FILTERED, className="cases-filtered"),
            html.A(say(lang, "导出表格", "Export CSV"), href=CSV_ROUTE + search, className="button", id="cases-export",
                   title=say(lang, "导出为表格文件（UTF-8 逗号分隔）", "Download all rows as UTF-8 CSV")),
        ]),
        grid_kit.warning_line(problems, lang),
        html.Section(grid(lang), className="panel cases-panel"),
        dcc.Store(id=STATE, data={"search": search, "now": now.isoformat()}),
        dcc.Location(id=NAV, refresh="callback-nav"),
    ])
