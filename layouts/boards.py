"""Boards: panel ids placed on a grid, with the filter bar; one layout function serves all.

Each board names its grid areas twice: `areas` for 16:9 screens and `wide_areas` for walls of
2:1 and wider (7680×2160), which get more columns instead of a letterboxed 16:9 picture.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from dash import dcc, html

from dashboard import panels, urlstate
from dashboard.app import current_settings
from data_access import boards as board_data
from data_access import clock
from data_access.cities import cities, city_named, city_regions
from data_access.vocabulary import MAJOR_NAMES, SOURCES

from . import panels_city, panels_overview  # noqa: F401  (they register their panels)
from . import panels_enforcement, panels_image  # noqa: F401  (城管执法 and 城管形象 panels)
from . import panels_gas, panels_landscaping  # noqa: F401  (燃气安全 and 园林绿化 panels)
from . import panels_sanitation  # noqa: F401  (市容环卫 panels)
from . import panels_province  # noqa: F401  (全省一张网 panels)


@dataclass(frozen=True)
class Board:
    id: str
    path: str
    title: str
    title_en: str
    panels: dict[str, str]  # grid area -> panel id
    areas: tuple[str, ...]
    wide_areas: tuple[str, ...]
    columns: str
    wide_columns: str
    rows: str
    wide_rows: str
    places: bool = True  # narrowed to a city and 镇街 (the province board spans every city)


BOARDS = {
    "overview": Board(
        "overview", "/board/overview", "综合首页", "Overview",
        panels={"kpi": "overview.kpis", "trend": "overview.case_trend", "funnel": "overview.funnel",
                "source": "overview.source_mix", "top": "overview.top_categories",
                "rank": "overview.region_ranking", "map": "overview.region_map", "feed": "overview.latest_cases"},
        areas=("kpi kpi kpi", "trend map rank", "funnel map rank", "source top feed"),
        wide_areas=("kpi kpi kpi kpi kpi kpi", "trend funnel map map rank feed", "source top map map rank feed"),
        columns="1fr 1.45fr 1fr", wide_columns="repeat(6, 1fr)", rows="auto 1fr 1fr 1.2fr", wide_rows="auto 1fr 1fr",
    ),
    "city-management": Board(
        "city-management", "/board/city-management", "智慧城管", "City management",
        panels={"speed": "city.dispatch_speed", "league": "city.department_league",
                "overdue": "city.overdue_by_department", "types": "city.case_types",
                "video": "city.video_share", "heat": "city.weekday_hour"},
        areas=("speed league overdue", "types league overdue", "video heat heat"),
        wide_areas=("speed league league overdue heat heat", "types video video overdue heat heat"),
        columns="1fr 1.3fr 1fr", wide_columns="repeat(6, 1fr)", rows="1fr 1fr 1fr", wide_rows="1fr 1fr",
    ),
    "sanitation": Board(
        "sanitation", "/board/sanitation", "市容环卫", "Sanitation",
        panels={"kpi": "sanitation.kpis", "map": "sanitation.map", "fleet": "sanitation.fleet", "work": "sanitation.work",
                "trend": "sanitation.waste_trend", "mix": "sanitation.waste_mix", "stations": "sanitation.stations",
                "toilets": "sanitation.toilets", "problems": "sanitation.problems",
                "regions": "sanitation.waste_regions"},
        areas=("kpi kpi kpi kpi", "fleet map map trend", "work map map mix", "stations toilets problems regions"),
        wide_areas=("kpi kpi kpi kpi kpi kpi", "fleet work map map trend mix",
                    "stations toilets map map problems regions"),
        columns="1fr 0.8fr 0.8fr 1fr", wide_columns="repeat(6, 1fr)", rows="auto 1fr 1fr 1fr",
        wide_rows="auto 1fr 1fr",
    ),
    "landscaping": Board(
        "landscaping", "/board/landscaping", "园林绿化", "Landscaping",
        panels={"ind": "landscaping.indicators", "inv": "landscaping.inventory", "work": "landscaping.work",
                "map": "landscaping.region_map", "ancient": "landscaping.ancient_map",
                "species": "landscaping.tree_species", "grades": "landscaping.ancient_grades",
                "cases": "landscaping.cases", "trend": "landscaping.work_trend"},
        areas=("ind ind ind ind", "inv inv work work", "map ancient species trend", "map ancient grades cases"),
        wide_areas=("ind ind ind inv inv inv", "map ancient species trend work work",
                    "map ancient grades trend cases cases"),
        columns="1fr 1fr 1fr 1.1fr", wide_columns="repeat(6, 1fr)", rows="auto auto 1fr 1fr",
        wide_rows="auto 1fr 1fr",
    ),
    "gas-safety": Board(
        "gas-safety", "/board/gas-safety", "燃气安全", "Gas safety",
        panels={"kpi": "gas.kpis", "map": "gas.place_map", "network": "gas.network", "alarms": "gas.alarms",
                "sensors": "gas.sensors", "hazards": "gas.hazards", "users": "gas.users",
                "insp": "gas.inspections", "cyl": "gas.cylinders", "cases": "gas.cases"},
        areas=("kpi kpi kpi kpi kpi", "map map network alarms alarms", "map map network hazards users",
               "sensors insp insp cyl cases"),
        wide_areas=("kpi kpi kpi kpi kpi kpi kpi", "map map network alarms alarms hazards users",
                    "map map network sensors insp insp cases", "map map network sensors insp insp cyl"),
        columns="repeat(5, 1fr)", wide_columns="repeat(7, 1fr)", rows="auto 1fr 1fr 1fr",
        wide_rows="auto 1fr 0.6fr 0.6fr",
    ),
    "enforcement": Board(
        "enforcement", "/board/enforcement", "城管执法", "Enforcement",
        panels={"kpi": "enforcement.kpis", "stage": "enforcement.procedure", "fines": "enforcement.fines_by_violation",
                "offsite": "enforcement.offsite", "top": "enforcement.top_violations",
                "kinds": "enforcement.penalty_kinds", "towns": "enforcement.fines_by_region",
                "duty": "enforcement.duty", "split": "enforcement.work_split", "equip": "enforcement.equipment"},
        areas=("kpi kpi kpi", "stage fines offsite", "top kinds towns", "duty split equip"),
        wide_areas=("kpi kpi kpi kpi kpi kpi", "stage fines offsite top kinds towns",
                    "stage fines duty duty split equip"),
        columns="1fr 1fr 1fr", wide_columns="repeat(6, 1fr)", rows="auto 1fr 1fr 1fr", wide_rows="auto 1fr 1fr",
    ),
    "image": Board(
        "image", "/board/image", "城管形象", "Public image",
        panels={"kpi": "image.kpis", "trend": "image.satisfaction_trend", "dept": "image.satisfaction_by_department",
                "cat": "image.hotline_by_category", "town": "image.hotline_by_region", "media": "image.media_outlets",
                "mood": "image.sentiment_trend", "words": "image.keywords", "praise": "image.recognition",
                "pub": "image.publicity"},
        areas=("kpi kpi kpi", "trend dept cat", "town media mood", "words praise pub"),
        wide_areas=("kpi kpi kpi kpi kpi kpi", "trend dept cat town media mood", "trend words words praise pub mood"),
        columns="1fr 1fr 1fr", wide_columns="repeat(6, 1fr)", rows="auto 1fr 1fr 1fr", wide_rows="auto 1fr 1fr",
    ),
    "province": Board(
        "province", "/board/province", "全省一张网", "Province",
        panels={"kpi": "province.kpis", "map": "province.city_map", "table": "province.city_table",
                "rank": "province.city_ranking"},
        areas=("kpi kpi kpi", "map map table", "map map rank"),
        wide_areas=("kpi kpi kpi kpi kpi kpi", "map map map table table rank", "map map map table table rank"),
        columns="1fr 1fr 1.1fr", wide_columns="repeat(6, 1fr)", rows="auto 1.4fr 1fr", wide_rows="auto 1fr 1fr",
        places=False,
    ),
}
# Panels of the boards that span every city: no city or 镇街 is shown for them.
PLACELESS_PANELS = frozenset(p for board in BOARDS.values() if not board.places for p in board.panels.values())


def _panel_frame(area: str, panel_id: str, language: str):
    """The frame every panel is drawn in (boards, single-panel pages, kiosk playlists).

    `panel-stale` shows "最后更新于 HH:MM" while a refresh fails and the body keeps the last
    good content; `panel-good` remembers when that content was built (callbacks/panels.py);
    `panel-retry` holds the panel's own interval and the wait of a stale panel's quick retries;
    `panel-tick` passes on the timer's ticks that come while no refresh is in flight.
    """
    panel = panels.get(panel_id)
    return html.Section([
        html.H2([panel.label(language),
                 html.Span(id={"type": "panel-stale", "id": panel_id}, className="panel-stale", role="status")],
                className="panel-title"),
        html.Div(html.Div(className="panel-loading"), id={"type": "panel-body", "id": panel_id}, className="panel-body"),
        dcc.Store(id={"type": "panel-good", "id": panel_id}),
        dcc.Store(id={"type": "panel-retry", "id": panel_id}, data={"every": panel.refresh_seconds * 1000, "wait": 0}),
        dcc.Interval(id={"type": "panel-timer", "id": panel_id}, interval=panel.refresh_seconds * 1000),
        dcc.Store(id={"type": "panel-tick", "id": panel_id}),
    ], className="panel", style={"gridArea": area}, **{"data-panel": panel_id})


panel_frame = _panel_frame  # public name for pages that show one panel (layouts/kiosk.py)


def filter_text(query, range_name: str, language: str, url: str, places: bool = True) -> str:
    """The filters as one line of text, shown instead of the filter bar in kiosk mode."""
    zh = language == "zh"
    names = board_data.names(url)["regions"]
    parts = [names.get(query.region, query.region) if query.region else ("全市" if zh else "Whole city")]
    if len(cities(url)) > 1:
        parts.insert(0, city_name(url, query.city, language))
    if not places:
        parts = ["全省" if zh else "Province"]
    if range_name == "custom":
        parts.append(f"{query.day_from} ~ {query.day_to}")
    else:
        parts.append(urlstate.RANGES[range_name][0 if zh else 1])
    if query.major:
        parts.append(f"{query.major} {MAJOR_NAMES.get(query.major, '')}".strip())
    if query.source:
        parts.append(SOURCES[query.source][0 if zh else 1])
    return " · ".join(parts)


def is_kiosk(query_params: dict) -> bool:
    return (urlstate.last(query_params.get("kiosk")) or "").lower() in ("1", "true", "yes")


def _grid_style(board: Board) -> dict:
    def quoted(rows):
        return " ".join(f'"{row}"' for row in rows)

    return {"--areas": quoted(board.areas), "--wide-areas": quoted(board.wide_areas), "--columns": board.columns,
            "--wide-columns": board.wide_columns, "--rows": board.rows, "--wide-rows": board.wide_rows}


def city_name(url: str, code: str | None, language: str) -> str:
    city = city_named(url, code)
    return (city.name if language == "zh" else city.name_en) if city else (code or "")


def _filter_bar(query, range_name: str, language: str, url: str, places: bool = True):
    zh = language == "zh"
    regions = board_data.names(url)["regions"]
    if query.city:
        regions = {code: regions[code] for code in city_regions(url, query.city)}
    option = lambda value, text: {"label": text, "value": value}  # noqa: E731
    known = cities(url)
    return html.Div([
        # The city switch: shown when the database holds several cities (always there for the callback).
        dcc.Dropdown(id="filter-city", options=[option(c.code, c.name if zh else c.name_en) for c in known],
                     value=query.city, clearable=False, searchable=False, className="filter filter-city",
                     style={} if places and len(known) > 1 else {"display": "none"}),
        dcc.Dropdown(id="filter-region", options=[option(c, n) for c, n in sorted(regions.items())],
                     value=query.region, placeholder="全市" if zh else "Whole city", clearable=True, searchable=True,
                     className="filter filter-region", style={} if places else {"display": "none"}),
        dcc.RadioItems(id="filter-range", value=range_name, className="filter-range", inline=True,
                       options=[option(k, v[0] if zh else v[1]) for k, v in urlstate.RANGES.items()]),
        dcc.DatePickerRange(id="filter-dates", start_date=query.day_from, end_date=query.day_to,
                            display_format="YYYY-MM-DD", month_format="YYYY-MM", className="filter filter-dates",
                            style={"display": "inline-block" if range_name == "custom" else "none"}),
        dcc.Dropdown(id="filter-major", options=[option(c, f"{c} {n}") for c, n in MAJOR_NAMES.items()],
                     value=query.major, placeholder="全部大类" if zh else "All majors", className="filter filter-major"),
        dcc.Dropdown(id="filter-source", options=[option(c, v[0] if zh else v[1]) for c, v in SOURCES.items()],
                     value=query.source, placeholder="全部来源" if zh else "All sources", className="filter filter-source"),
    ], className="filter-bar")


def layout(board_id: str, **query_params):
    settings = current_settings()
    board = BOARDS[board_id]
    search = "?" + urlencode(query_params, doseq=True)
    today = clock.today()
    query, problems = urlstate.parse(search, today, settings.language)
    range_name = urlstate.range_name_of(search)
    scope_search = urlstate.search_of(query, range_name)
    return html.Div([
        dcc.Location(id="board-nav", refresh="callback-nav"),
        dcc.Store(id="board-scope", data={"board": board.id, "search": scope_search}),
        dcc.Store(id="board-rem"),
        html.Div([
            html.H1(board.title if settings.language == "zh" else board.title_en, className="board-title"),
            (html.Div(filter_text(query, range_name, settings.language, settings.database_url, board.places),
                      className="filter-text")
             if is_kiosk(query_params)
             else _filter_bar(query, range_name, settings.language, settings.database_url, board.places)),
        ], className="board-header"),
        html.Div("; ".join(problems), className="board-problems", role="alert") if problems else None,
        html.Div([_panel_frame(area, pid, settings.language) for area, pid in board.panels.items()],
                 className="board-grid", style=_grid_style(board)),
    ], className="board", **{"data-board": board.id})
