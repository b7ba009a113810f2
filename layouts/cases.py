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
from data_access import case_list, clock, status
from data_access.filters import CaseQuery
from data_access.lifecycle import STATUS_LABELS
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
    "dispatched": "派遣数", "handled": "处置数", "handled_on_time": "按期处置数", "closed": "结案数",
    "closed_on_time": "按期结案数", "reworked": "返工数", "open": "在办案件", "suspended": "挂账案件",
    "overdue": "处置超期", "overdue_unclosed": "超期未结案",
}
WEEKDAYS = "一二三四五六日"


def now_utc() -> datetime:
    """This minute in naive UTC: one page load counts and lists against the same moment."""
    return clock.utcnow().replace(second=0, microsecond=0)


def parse(search: str, now: datetime, tz) -> tuple[CaseQuery, list[str]]:
    return urlstate.parse(search, (now + clock.LOCAL_OFFSET).date())


def search_of(params: dict) -> str:
    """The page's query string from the layout's keyword arguments."""
    return "?" + urlencode(params, doseq=True) if params else ""


def chips(query: CaseQuery, range_name: str, lk: case_list.Lookups) -> list[tuple[str, str]]:
    """The active filters as (name, value) in Chinese."""
    days = f"{query.day_from:%Y-%m-%d} 至 {query.day_to:%Y-%m-%d}"
    out = [("时间", f"{urlstate.RANGES[range_name][0]} {days}")]
    if query.region:
        out.append(("镇街", lk.regions.get(query.region, f"{query.region} (未知)")))
    if query.community:
        out.append(("社区", community_name(query.community)))
    if query.major:
        out.append(("大类", lk.majors.get(query.major, query.major)))
    if query.category:
        out.append(("小类", "、".join(lk.events.get(c, f"{c} (未知)") for c in query.category.split(","))))
    if query.source:
        out.append(("来源", SOURCES[query.source][0]))
    if query.measure:
        out.append(("指标", MEASURE_LABELS.get(query.measure, query.measure)))
    if query.department is not None:
        out.append(("部门", lk.departments.get(query.department, f"{query.department} (未知)")))
    if query.case_type:
        out.append(("类型", CASE_TYPES[query.case_type][0]))
    if query.weekday is not None:
        out.append(("星期", f"周{WEEKDAYS[query.weekday]}"))
    if query.hour is not None:
        out.append(("时段", f"{query.hour:02d}:00-{query.hour:02d}:59"))
    if query.status:
        out.append(("状态", STATUS_LABELS[query.status]))
    return out


def community_name(code: str) -> str:
    """A 社区's name for its filter chip (its code when the name is unknown)."""
    from data_access import boards  # the board names, cached

    try:
        return boards.names(current_settings().database_url)["communities"].get(code, code)
    except Exception:  # noqa: BLE001 - a chip falls back to the code, never fails the page
        return code


def count_text(total: int) -> list:
    return grid_kit.count_text(total)


_FLEX = {"case_no": 1.25, "reported_at": 1.1, "region": 0.85, "category": 1.15, "source": 0.9, "status": 0.75,
         "department": 1.5, "urgency": 0.65, "address": 2.2, "lamp": 0.55}
LAMP_CLASSES = {f"lamp-cell lamp-{code}": f"params.value === '{label}'"
                for code, label in case_list.LAMP_LABELS.items()}


def column_defs() -> list[dict]:
    defs = []
    for field in case_list.GRID_COLUMNS:
        col = {"field": field, "headerName": case_list.HEADERS[field], "flex": _FLEX[field],
               "sortable": field in case_list.SORTABLE}
        if field in case_list.TEXT_FILTERS or field in case_list.CHOICE_FILTERS:
            col.update(grid_kit.TEXT_FILTER)
        if field == "reported_at":
            col["sort"] = "desc"
        if field == "lamp":
            col["cellClassRules"] = LAMP_CLASSES
        defs.append(col)
    return defs


def grid():
    return grid_kit.server_grid(GRID, column_defs(), "case_no", "没有符合条件的案件")


def layout(**params):
    settings = current_settings()
    search, now = search_of(params), now_utc()
    query, problems = parse(search, now, settings.tz)
    try:
        lk = case_list.lookups(settings.database_url)
        total = case_list.count_cases(settings.database_url, query, now)
    except status.DB_ERRORS as exc:
        return html.Div(className="page page-message", children=[
            html.H2("数据库不可用"), html.P(status.describe_error(exc))])
    range_name = urlstate.range_name_of(search)
    return html.Div(className="page cases-page", children=[
        html.Div(className="cases-head", children=[
            html.H2("案件清单", className="cases-title"),
            grid_kit.chip_list(chips(query, range_name, lk)),
            html.Div(count_text(total), id=COUNT, className="cases-count"),
            html.Span(id=FILTERED, className="cases-filtered"),
            html.A("导出 CSV", href=CSV_ROUTE + search, className="button", id="cases-export"),
        ]),
        grid_kit.warning_line(problems),
        html.Section(grid(), className="panel cases-panel"),
        dcc.Store(id=STATE, data={"search": search, "now": now.isoformat()}),
        dcc.Location(id=NAV, refresh="callback-nav"),
    ])
