"""The maps' interactivity: a click on a feature shows its details; the flood map's slider
replays the seeded rainstorm by pointing its sensor layers at another hour."""
from __future__ import annotations

from urllib.parse import urlencode

from dash import Input, Output, State, ctx, no_update

from dashboard.app import current_settings
from data_access import geo_layers as geo
from data_access import status
from data_access.case_list import local_text
from layouts import maps

from .validation import Bbox, Code, FeatureClick, Hour, Rem, Text, Ticks, accepts

REM_STORE = "flood-rem"
Click = FeatureClick | None


def _triggered_code(clicks: tuple[FeatureClick | None, ...]) -> str | None:
    """The code of the feature whose click fired the callback (None for a cluster or nothing)."""
    prop_ids = [f"{item['id']}.{item['property']}" for item in ctx.inputs_list]
    fired = ctx.triggered[0]["prop_id"] if ctx.triggered else None
    click = clicks[prop_ids.index(fired)] if fired in prop_ids else None
    return click.code() if click else None


def _db_error(exc):
    from dash import html

    return html.Div(f"数据库不可用：{status.describe_error(exc)}", className="empty")


def register(app):
    @app.callback(Output(maps.CITY_NAV, "href"), Input(maps.CITY_SWITCH, "value"), State(maps.CITY_NAV, "pathname"),
                  prevent_initial_call=True)
    @accepts(Code | None, Text | None)
    def city_switched(city, pathname):
        """Another city: the same map over its towns (region and feature focus dropped)."""
        if not city or not pathname:
            return no_update
        return f"{pathname}?{urlencode({'city': city})}"

    @app.callback(Output(maps.GAS_DETAIL, "children"),
                  [Input(layer, "clickData") for layer in maps.PIPE_LAYERS.values()], prevent_initial_call=True)
    @accepts(*[Click] * len(maps.PIPE_LAYERS))
    def pipe_clicked(*clicks):
        code = _triggered_code(clicks)
        if not code:
            return no_update
        try:
            return maps.pipe_detail_view(geo.pipe_detail(current_settings().database_url, code), code)
        except status.DB_ERRORS as exc:
            return _db_error(exc)

    @app.callback(Output(maps.ILLEGAL_DETAIL, "children"),
                  Input(maps.SITE_POLYGONS, "clickData"), Input(maps.SITE_POINTS, "clickData"),
                  prevent_initial_call=True)
    @accepts(Click, Click)
    def site_clicked(polygon, point):
        code = _triggered_code((polygon, point))
        if not code:
            return no_update
        try:
            return maps.site_detail_view(geo.site_detail(current_settings().database_url, code), code)
        except status.DB_ERRORS as exc:
            return _db_error(exc)

    @app.callback(Output(maps.FLOOD_POINTS, "url"), Output(maps.RAIN_GAUGES, "url"), Output(maps.FLOOD_TIME, "children"),
                  Output(maps.FLOOD_SUMMARY, "children"),
                  Input(maps.FLOOD_SLIDER, "value"), State("flood-region", "data"), State("flood-bbox", "data"),
                  prevent_initial_call=True)
    @accepts(Hour | None, Code | None, Bbox)
    def replay(hour, region, bbox):
        settings = current_settings()
        try:
            storm = geo.storm(settings.database_url)
            at = storm.hour(hour) if storm is not None and hour is not None and hour >= 0 else None
            summary = geo.flood_summary(settings.database_url, region, at)
        except status.DB_ERRORS as exc:
            return no_update, no_update, no_update, _db_error(exc)
        stamp = at.isoformat(timespec="minutes") if at else None
        box = tuple(bbox) if bbox else None
        when = maps.replay_label(storm, at)
        return (maps.layer_url("flood-points", box, region, at=stamp), maps.layer_url("rain-gauges", box, region, at=stamp),
                when, maps.flood_summary_view(summary, local_text(at, "%m-%d %H:00") if at else "实时"))

    @app.callback(Output(maps.FLOOD_TICK, "disabled"), Output(maps.FLOOD_PLAY, "children"),
                  Input(maps.FLOOD_PLAY, "n_clicks"), State(maps.FLOOD_TICK, "disabled"), prevent_initial_call=True)
    @accepts(Ticks, bool | None)
    def play(_clicks, disabled):
        return (False, "❚❚ 暂停") if disabled else (True, "▶ 回放")

    @app.callback(Output(maps.FLOOD_SLIDER, "value"), Input(maps.FLOOD_TICK, "n_intervals"),
                  State(maps.FLOOD_SLIDER, "value"), State(maps.FLOOD_SLIDER, "max"), prevent_initial_call=True)
    @accepts(Ticks, Hour | None, Hour)
    def tick(_n, value, top):
        value = -1 if value is None else value
        return 0 if value >= top else value + 1

    @app.callback(Output(maps.FLOOD_DETAIL, "children"),
                  Input(maps.FLOOD_POINTS, "clickData"), Input("flood-focus", "data"), Input(REM_STORE, "data"),
                  State(maps.FLOOD_SLIDER, "value"))
    @accepts(Click, Code | None, Rem, Hour | None)
    def point_clicked(click, focus, rem, hour):
        clicked = click.code() if click and ctx.triggered_id == maps.FLOOD_POINTS else None
        code = clicked or focus
        if not code:
            return no_update
        settings = current_settings()
        try:
            storm = geo.storm(settings.database_url)
            marker = None
            start = end = None
            if storm is not None and hour is not None and hour >= 0:  # replaying: show the storm
                start, end = storm.hour(-12), storm.hour(storm.hours + 12)
                marker = storm.hour(hour)
            detail = geo.flood_point_detail(settings.database_url, code, start, end)
        except status.DB_ERRORS as exc:
            return _db_error(exc)
        return maps.flood_detail_view(detail, code, rem or 16, marker)

    app.clientside_callback(
        "function (_id) { return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16; }",
        Output(REM_STORE, "data"), Input(REM_STORE, "id"))
