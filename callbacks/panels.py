"""The generic panel callbacks: render and refresh any panel, drill down on a click, and turn
filter changes into a new URL (the URL is the state; the page rebuilds from it)."""
from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode

from dash import ALL, MATCH, Input, Output, State, callback, clientside_callback, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import panels, urlstate
from dashboard.app import current_settings
from dashboard.i18n import to_local
from data_access import boards, clock

from .validation import BoardScope, Code, Day, PanelBodyId, PlotClick, Rem, Text, Ticks, accepts

log = logging.getLogger(__name__)
RETRY_FIRST_MS = 5000  # a stale panel's first quick retry; each next one waits twice as long


def render_panel(panel_id: str, search: str, rem: float | None):
    """Build one panel for a query string; raises when its data or builder fails."""
    settings = current_settings()
    today = clock.today()
    query, _problems = urlstate.parse(search, today)
    scope = boards.Scope(query.day_from, query.day_to, query.region, query.major, query.source, query.city)
    panel = panels.get(panel_id)
    view = panels.View(scope=scope, search=search, language=settings.language, rem=rem or 16.0,
                       names=boards.names(settings.database_url), today=today)
    return panel.build(panel.data(settings.database_url, scope), view)


def refresh_panel(panel_id: str, search: str, rem: float | None, last_good: str | None):
    """(body, stale badge, last-good time) for one refresh of any panel.

    On success the body is new and the badge empty. On any error (database down, a builder
    bug) the body keeps its last good content and the badge says when that was; a panel that
    never drew says the data is unavailable. No error reaches the browser as a stack trace.
    """
    settings = current_settings()
    now = to_local(clock.utcnow(), settings.tz)
    zh = settings.language == "zh"
    try:
        body = render_panel(panel_id, search, rem)
    except Exception:  # noqa: BLE001 - one failing panel must not take the board down
        log.exception("panel %s failed", panel_id)
        if last_good:
            badge = f"数据异常 · 最后更新于 {last_good}" if zh else f"Data error · last updated {last_good}"
            return no_update, badge, no_update
        empty = html.Div("数据暂不可用，稍后自动重试" if zh else "Data unavailable; retrying", className="panel-empty")
        return empty, "", no_update
    return body, "", now.strftime("%H:%M")


def register():
    # The panel unit in pixels (assets/boards.css --u: the rem on a board, more on a full-screen
    # panel), which Plotly's pixel font sizes are multiples of.
    clientside_callback(
        """function(_) {
            const grid = document.querySelector('.board-grid');
            return parseFloat(getComputedStyle(grid || document.documentElement).fontSize) || 16;
        }""",
        Output("board-rem", "data"), Input("board-scope", "data"),
    )

    # A stale panel (the refresh failed: a badge, or no good content yet) asks again soon, waiting
    # RETRY_FIRST_MS and doubling up to its own interval; a fresh panel goes back to its interval.
    # Client-side, so the refresh's outputs stay the panel's body, badge and time.
    clientside_callback(
        f"""function(badge, good, retry) {{
            if (!retry) {{ return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }}
            const stale = Boolean(badge) || !good;
            const wait = stale ? Math.min(retry.wait ? retry.wait * 2 : {RETRY_FIRST_MS}, retry.every) : 0;
            return [wait || retry.every, Object.assign({{}}, retry, {{wait: wait}})];
        }}""",
        Output({"type": "panel-timer", "id": MATCH}, "interval"),
        Output({"type": "panel-retry", "id": MATCH}, "data"),
        Input({"type": "panel-stale", "id": MATCH}, "children"),
        State({"type": "panel-good", "id": MATCH}, "data"),
        State({"type": "panel-retry", "id": MATCH}, "data"),
        prevent_initial_call=True,
    )

    # A timer tick refreshes the panel only while no refresh of it is in flight (Dash marks the
    # body loading until the answer or the error arrives): on a slow start, or a query slower
    # than the interval, ticks would otherwise ask the server for the same panel again and again.
    clientside_callback(
        """function(n, bodyId) {
            const body = document.getElementById(JSON.stringify({id: bodyId.id, type: bodyId.type}));
            return body && body.getAttribute('data-dash-is-loading') ? window.dash_clientside.no_update : n;
        }""",
        Output({"type": "panel-tick", "id": MATCH}, "data"),
        Input({"type": "panel-timer", "id": MATCH}, "n_intervals"),
        State({"type": "panel-body", "id": MATCH}, "id"),
        prevent_initial_call=True,
    )

    @callback(
        Output({"type": "panel-body", "id": MATCH}, "children"),
        Output({"type": "panel-stale", "id": MATCH}, "children"),
        Output({"type": "panel-good", "id": MATCH}, "data"),
        Input({"type": "panel-tick", "id": MATCH}, "data"),
        Input("board-rem", "data"),
        State("board-scope", "data"),
        State({"type": "panel-body", "id": MATCH}, "id"),
        State({"type": "panel-good", "id": MATCH}, "data"),
        prevent_initial_call=True,
    )
    @accepts(Ticks, Rem, BoardScope, PanelBodyId, Code | None)
    def refresh(tick, rem, scope, body_id, last_good):
        return refresh_panel(body_id.id, scope.search, rem, last_good)

    @callback(
        Output("board-nav", "href", allow_duplicate=True),
        Input({"type": "panel-graph", "id": ALL}, "clickData"),
        prevent_initial_call=True,
    )
    @accepts(list[PlotClick | None])
    def drill(clicks):
        fired = ctx.triggered_id
        click = next((c for c, item in zip(clicks, ctx.inputs_list[0]) if item["id"] == fired), None)
        link = click.link() if click else None  # heatmaps hand back the row as customdata: no link
        if not link:
            raise PreventUpdate
        return link

    @callback(
        Output("board-nav", "href", allow_duplicate=True),
        Output("filter-dates", "style"),
        Input("filter-city", "value"),
        Input("filter-region", "value"),
        Input("filter-range", "value"),
        Input("filter-dates", "start_date"),
        Input("filter-dates", "end_date"),
        Input("filter-major", "value"),
        Input("filter-source", "value"),
        State("board-scope", "data"),
        State("board-nav", "pathname"),
        prevent_initial_call=True,
    )
    @accepts(Code | None, Code | None, Code | None, Day, Day, Code | None, Code | None, BoardScope, Text)
    def filters(city, region, range_name, start, end, major, source, scope, pathname):
        dates_style = {"display": "inline-block" if range_name == "custom" else "none"}
        params = dict(parse_qsl(scope.search.lstrip("?")))
        if city != params.get("city"):
            region = None  # another city: its own towns
        params.update(city=city, region=region, range=range_name, major=major, source=source)
        params.pop("community", None)  # a 社区 belongs to one region; boards filter by region only
        if range_name == "custom":
            params.update({"from": start or "", "to": end or ""})
        else:
            params.pop("from", None)
            params.pop("to", None)
        search = "?" + urlencode({k: v for k, v in params.items() if v})
        if search == scope.search:
            return no_update, dates_style
        return f"{pathname}{search}", dates_style
