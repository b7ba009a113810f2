"""The frame around every page: title, navigation, clock, data freshness."""
from __future__ import annotations

from datetime import timezone

import dash
from dash import dcc, html

from dashboard.app import current_settings
from dashboard.i18n import t
from dashboard.pages import PAGES
from data_access import clock, status

# Component ids shared with callbacks/shell.py and assets/cockpit.js.
CLOCK = "cockpit-clock"
FRESHNESS = "cockpit-freshness"
FRESHNESS_TIMER = "cockpit-freshness-timer"
NAV = "cockpit-nav"
FRESHNESS_MS = 30_000


def server_now_ms() -> int:
    """The server's clock in epoch milliseconds: the browser runs its clocks on this, not its own."""
    return round(clock.utcnow().replace(tzinfo=timezone.utc).timestamp() * 1000)


def nav_id(path: str) -> dict:
    return {"type": NAV, "path": path}


def _city_name(database_url: str, language: str) -> str:
    try:
        city = status.city(database_url)
    except status.DB_ERRORS:
        return ""
    if city is None:
        return ""
    return city.name if language == "zh" else f"{city.name_en} "


def header(settings) -> html.Header:
    lang = settings.language
    title = _city_name(settings.database_url, lang) + t("app.title", lang)
    links = [dcc.Link(page.label(lang), href=page.path, id=nav_id(page.path), className="nav-link")
             for page in PAGES if page.nav]
    return html.Header(className="cockpit-header", children=[
        html.Div(className="brand", children=[
            html.Div(className="brand-mark"),
            html.Div([html.H1(title, className="brand-title"),
                      html.Div(t("app.subtitle", lang), className="brand-subtitle")]),
        ]),
        html.Nav(links, className="cockpit-nav"),
        html.Div(className="header-side", children=[
            # assets/cockpit.js writes the time into this element every second.
            html.Div(id=CLOCK, className="clock", **{"data-tz": settings.timezone, "data-lang": lang,
                                                    "data-server-now": str(server_now_ms())}),
            html.Div(id=FRESHNESS, className="freshness"),
        ]),
    ])


def layout():
    """app.layout: read on every page load, so the title follows the database."""
    settings = current_settings()
    return html.Div(className="cockpit", lang="zh-CN" if settings.language == "zh" else "en", children=[
        header(settings),
        html.Main(dash.page_container, className="cockpit-main"),
        dcc.Interval(id=FRESHNESS_TIMER, interval=FRESHNESS_MS),
    ])


def not_found(**_query):
    lang = current_settings().language
    return html.Div(className="page page-message", children=[
        html.H2(t("notfound.title", lang)),
        dcc.Link(t("notfound.back", lang), href="/", className="nav-link"),
    ])
