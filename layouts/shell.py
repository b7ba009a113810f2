"""The frame around every page: title, navigation, clock, data freshness."""
from __future__ import annotations

from datetime import timezone

import dash
from dash import dcc, html

from dashboard.app import current_settings
from dashboard.auth import viewer
from dashboard.i18n import t
from dashboard.pages import NAV_GROUPS, PAGES
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


def _link(page, lang: str) -> dcc.Link:
    return dcc.Link(page.label(lang), href=page.path, id=nav_id(page.path), className="nav-link")


def nav_entries(pages=None) -> list[tuple[str | None, list]]:
    """The header's entries in PAGES order: (group, its pages) for a menu, (None, [page]) for a link.

    A group stands where its first page is; its pages follow PAGES order (dashboard/pages.py).
    """
    entries: list[tuple[str | None, list]] = []
    menus: dict[str, list] = {}
    for page in pages if pages is not None else PAGES:
        if not page.nav:
            continue
        if page.group:
            if page.group not in menus:
                menus[page.group] = []
                entries.append((page.group, menus[page.group]))
            menus[page.group].append(page)
        else:
            entries.append((None, [page]))
    return entries


def nav(lang: str) -> html.Nav:
    """Menus for the boards (版面) and the maps (一张图), then the single pages.

    A menu is a native <details>: Enter or Space opens it, Tab walks its links, Escape closes it
    (assets/nav.js closes it after a choice or a click elsewhere). The menu holding the page
    shown is marked, and names that page.
    """
    items = []
    for group, pages in nav_entries():
        if group is None:
            items.append(_link(pages[0], lang))
            continue
        zh, en = NAV_GROUPS.get(group, (group, group))
        items.append(html.Details(className="nav-group", **{"data-group": group}, children=[
            html.Summary([html.Span(zh if lang == "zh" else en, className="nav-group-name"),
                          html.Span(className="nav-group-current"), html.Span(className="nav-caret")],
                         className="nav-link nav-group-label"),
            html.Div([_link(page, lang) for page in pages], className=f"nav-menu nav-menu-{group}"),
        ]))
    return html.Nav(items, className="cockpit-nav", **{"aria-label": "主导航" if lang == "zh" else "Main"})


def header(settings) -> html.Header:
    lang = settings.language
    title = _city_name(settings.database_url, lang) + t("app.title", lang)
    return html.Header(className="cockpit-header", children=[
        html.Div(className="brand", children=[
            html.Div(className="brand-mark"),
            html.Div([html.H1(title, className="brand-title"),
                      html.Div(t("app.subtitle", lang), className="brand-subtitle")]),
        ]),
        nav(lang),
        html.Div(className="header-side", children=[
            # assets/cockpit.js writes the time into this element every second.
            html.Div(id=CLOCK, className="clock", **{"data-tz": settings.timezone, "data-lang": lang,
                                                    "data-server-now": str(server_now_ms())}),
            html.Div(id=FRESHNESS, className="freshness"),
            user_box(lang),
        ]),
    ])


def user_box(lang: str):
    """Who is logged in, with the way out (and the audit log for admins); nothing with LOGIN=off."""
    who = viewer()
    if not who.acts_as_user:
        return None
    links = [html.A(t("auth.logout", lang), href="/logout", className="user-link")]
    if who.role == "admin":
        links.insert(0, html.A(t("auth.audit", lang), href="/admin/audit", className="user-link"))
    return html.Div([html.Span(who.name, className="user-name", title=t(f"role.{who.role}", lang)), *links],
                    className="user-box")


def layout():
    """app.layout: read on every page load, so the title follows the database."""
    settings = current_settings()
    lang = "zh-CN" if settings.language == "zh" else "en"
    if viewer().grant is not None and viewer().grant.kind == "embed":  # another portal's iframe: the panel only
        return html.Div(className="cockpit embedded", lang=lang, children=[html.Main(dash.page_container)])
    return html.Div(className="cockpit", lang=lang, children=[
        header(settings),
        html.Main(dash.page_container, className="cockpit-main"),
        dcc.Interval(id=FRESHNESS_TIMER, interval=FRESHNESS_MS),
    ])


def database_down(detail: str):
    """What a page shows when the database fails while drawing it (dashboard/app.py guards every page)."""
    lang = current_settings().language
    return html.Div(className="page page-message", role="alert", children=[
        html.H2(t("fresh.down", lang)),
        html.P(t("page.down", lang)),
        html.P(detail, className="page-message-detail"),
    ])


def not_found(**_query):
    lang = current_settings().language
    return html.Div(className="page page-message", children=[
        html.H2(t("notfound.title", lang)),
        dcc.Link(t("notfound.back", lang), href="/", className="nav-link"),
    ])
