"""Kiosk pages: /kiosk/<playlist> rotates through boards, maps, pages and single panels, and
/panel/<panel_id> shows one registry panel full screen in the generic panel frame.

The player is two iframes (assets/kiosk.js): the next item loads hidden, then swaps in and the
old one is blanked, so a wall never shows a half-drawn page and each item starts from a fresh
document (a tab that rotates for days does not accumulate state).
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

from dash import dcc, html

from dashboard import panels, playlists, urlstate
from dashboard.app import current_settings
from dashboard.i18n import say
from data_access import clock

from . import boards


def _message(title: str, detail, extra=None):
    return html.Div(className="page page-message kiosk-message", role="alert", children=[
        html.H2(title), html.P(detail), extra])


def _item_title(item, language: str) -> str:
    """The playlist's own title in Chinese; in English the registry's name of the board, panel or page."""
    if language == "zh" and item.title:
        return item.title
    if item.kind == "board" and item.target in boards.BOARDS:
        board = boards.BOARDS[item.target]
        return board.title if language == "zh" else board.title_en
    if item.kind == "panel" and item.target in panels.PANELS:
        return panels.PANELS[item.target].label(language)
    if item.kind == "page":
        from dashboard.pages import PAGES

        path = item.target.split("?")[0]
        page = next((p for p in PAGES if p.path == path), None)
        if page:
            return page.label(language)
    return item.title or item.target


def layout(playlist: str | None = None, **query):
    language = current_settings().language
    try:
        plist = playlists.load(playlist or "")
    except playlists.PlaylistNotFound:
        names = playlists.available()
        return _message(say(language, "404 · 未找到轮播列表", "404 · No such playlist"),
                        say(language, f"没有名为 {playlist!r} 的轮播列表。" + ("可选的轮播列表：" if names else ""),
                            f"There is no playlist named {playlist!r}." + (" Playlists:" if names else "")),
                        html.Div([dcc.Link(name, href=f"/kiosk/{name}", className="nav-link")
                                  for name in names], className="kiosk-known"))
    except playlists.PlaylistError as exc:
        # The file and the problem are for whoever edits the playlist: shown as code, not as prose.
        return _message(say(language, "轮播列表格式错误，请检查文件：", "Malformed playlist; check the file:"),
                        html.Code(str(exc), className="kiosk-error"))
    reload_hours = plist.reload_hours
    try:
        reload_hours = playlists.reload_hours_of(query["reload"]) if query.get("reload") else reload_hours
    except ValueError:
        pass  # a bad ?reload= keeps the playlist's own setting
    config = {"name": plist.name, "title": plist.title, "idle_seconds": plist.idle_seconds,
              "reload_hours": reload_hours,
              "paused": say(language, "已暂停", "paused"),
              "items": [{"url": i.url, "seconds": i.seconds, "title": _item_title(i, language), "kind": i.kind}
                        for i in plist.items]}
    return html.Div(className="kiosk-player", **{"data-playlist": json.dumps(config, ensure_ascii=False)}, children=[
        html.Iframe(className="kiosk-frame", id="kiosk-frame-a", title=plist.title),
        html.Iframe(className="kiosk-frame", id="kiosk-frame-b", title=plist.title),
        html.Div(id="kiosk-status", className="kiosk-status", role="status"),
    ])


def panel_layout(panel_id: str | None = None, **query_params):
    """One panel from the registry, full screen, with the board machinery (scope, rem, refresh)."""
    settings = current_settings()
    language = settings.language
    if panel_id not in panels.PANELS:
        return _message(say(language, "404 · 未知面板", "404 · Unknown panel"),
                        say(language, f"没有编号为 {panel_id!r} 的面板。", f"There is no panel {panel_id!r}."),
                        dcc.Link(say(language, "返回首页", "Back to the start page"), href="/", className="nav-link"))
    panel = panels.get(panel_id)
    search = "?" + urlencode(query_params, doseq=True)
    today = clock.today()
    query, problems = urlstate.parse(search, today, settings.language)
    range_name = urlstate.range_name_of(search)
    return html.Div([
        dcc.Location(id="board-nav", refresh="callback-nav"),
        dcc.Store(id="board-scope", data={"board": f"panel:{panel_id}", "search": urlstate.search_of(query, range_name)}),
        dcc.Store(id="board-rem"),
        html.Div([
            html.H1(panel.label(settings.language), className="board-title"),
            html.Div(boards.filter_text(query, range_name, settings.language, settings.database_url,
                                        panel_id not in boards.PLACELESS_PANELS), className="filter-text"),
        ], className="board-header"),
        html.Div("; ".join(problems), className="board-problems", role="alert") if problems else None,
        html.Div([boards.panel_frame("main", panel_id, settings.language)], className="board-grid"),
    ], className="board single-panel", **{"data-board": f"panel:{panel_id}"})


def embed_layout(panel_id: str | None = None, token: str | None = None, **query_params):
    """/embed/<panel_id>?token=…: the panel for another portal's iframe, its filters locked by the
    signed token (dashboard/auth.py checked it before this page was asked for)."""
    return panel_layout(panel_id, **query_params)
