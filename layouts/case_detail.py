"""案件详情 /case/<case_no>: every field, the seven-step timeline, photos, a map and the
earlier cases at the same place. An unknown number shows 案件不存在 (and the server answers 404)."""
from __future__ import annotations

from urllib.parse import urlencode

import dash_leaflet as dl
import shapely
from dash import dcc, html

from dashboard.app import current_settings
from dashboard.auth import record, viewer
from dashboard.i18n import say, t
from data_access import case_list, cases, clock, geo_layers, lifecycle, objects, status
from data_access.db import get_engine
from data_access.geo import transform_geometry, wgs84_to_gcj02
from layouts.cases import now_utc
from layouts.video import nearby as nearby_videos

BACK = "case-back"
# The duty officer's actions (callbacks/cases.py): buttons, their inputs, the answer.
ACTION = "case-action"
ACTION_CASE = "case-action-case"
ACTION_DEPARTMENT = "case-action-department"
ACTION_MINUTES = "case-action-minutes"
ACTION_OPINION = "case-action-opinion"
ACTION_MESSAGE = "case-action-message"
ACTION_NAV = "case-action-nav"
MAP = "case-map"
NOT_FOUND = "案件不存在"
NOT_FOUND_EN = "No such case"


def _panel(title: str, body, extra: str = "") -> html.Section:
    return html.Section(className=f"panel {extra}".strip(), children=[
        html.H2(title, className="panel-title"), html.Div(body, className="panel-body")])


def actions(detail, lang: str, database_url: str):
    """What a duty officer can do with the case now, through the same lifecycle as the API;
    nothing for other roles (their callbacks are refused too)."""
    if not viewer().may_act:
        return None
    allowed = [a for a in lifecycle.allowed_actions(detail.status) if a != "report"]
    if not allowed:
        return None
    departments = cases.dispatch_choices(get_engine(database_url), detail.case_no) if "dispatch" in allowed else []
    label = (lambda a: lifecycle.STEP_LABELS[a]) if lang == "zh" else (lambda a: a.capitalize())
    return html.Div(className="case-actions", children=[
        dcc.Store(id=ACTION_CASE, data=detail.case_no),
        dcc.Location(id=ACTION_NAV, refresh=True),
        *[html.Button(label(a), id={"type": ACTION, "action": a}, className=f"button case-action case-action-{a}",
                      n_clicks=0) for a in allowed],
        dcc.Dropdown(id=ACTION_DEPARTMENT, options=[{"label": name, "value": dept} for dept, name in departments],
                     value=departments[0][0] if departments else None, clearable=False,
                     className="case-action-department") if departments else dcc.Store(id=ACTION_DEPARTMENT),
        dcc.Input(id=ACTION_MINUTES, type="number", min=1, max=10080, step=1, value=60, className="case-action-minutes",
                  placeholder=say(lang, "延时分钟", "Minutes")) if "extend" in allowed else dcc.Store(id=ACTION_MINUTES),
        dcc.Input(id=ACTION_OPINION, type="text", maxLength=500, className="case-action-opinion",
                  placeholder=say(lang, "办理意见（可选）", "Opinion (optional)")),
        html.Span(id=ACTION_MESSAGE, className="case-action-message", role="status"),
    ])


def lamp_dot(lamp: str | None, language: str = "zh") -> html.Span:
    return html.Span(className=f"lamp lamp-{lamp}" if lamp else "lamp lamp-none",
                     title=case_list.lamp_label(lamp, language))


def not_found(case_no: str | None, language: str = "zh") -> html.Div:
    shown = case_no or say(language, "(空)", "(empty)")
    return html.Div(className="page", children=html.Div(className="page-message case-missing", children=[
        html.H2(say(language, NOT_FOUND, NOT_FOUND_EN)),
        html.P(say(language, f"案件编号 {shown} 不存在或格式有误", f"There is no case numbered {shown}")),
        dcc.Link(say(language, "返回案件清单", "Back to the case list"), href="/cases", className="nav-link")]))


def stepper(stages: list[case_list.Stage], final: bool, language: str = "zh") -> html.Ol:
    """The seven steps: done, current (with its lamp) or still to come."""
    items = []
    for step in lifecycle.STEPS:
        row = next((s for s in reversed(stages) if s.stage == step), None)
        state = "pending" if row is None else "current" if row.ended_at is None else "done"
        if row is None and final:
            state = "skipped"
        items.append(html.Li(className=f"step {state}", children=[
            html.Span(className=f"step-node lamp-{row.lamp}" if row and row.lamp else "step-node"),
            html.Span(lifecycle.step_label(step, language), className="step-label"),
            html.Span(case_list.local_text(row.ended_at or row.started_at, "%m-%d %H:%M") if row else "",
                      className="step-time")]))
    return html.Ol(items, className="stepper")


def timeline(stages: list[case_list.Stage], language: str = "zh") -> html.Table:
    """Every stage row in order; side paths (回退, 延时, 挂账, 返工...) inline and marked."""
    head = (["环节", "开始", "结束", "用时", "时限", "办理人 / 意见"] if language == "zh" else
            ["Step", "Start", "End", "Used", "Limit", "Handler / opinion"])
    rows = []
    for s in stages:
        used = "" if s.ended_at == s.started_at else case_list.duration_text(s.used_minutes, language)
        rows.append(html.Tr(className="side" if s.side else "", children=[
            html.Td(s.label, className="stage-name"),
            html.Td(case_list.local_text(s.started_at, "%m-%d %H:%M")),
            html.Td(case_list.local_text(s.ended_at, "%m-%d %H:%M") if s.ended_at
                    else say(language, "进行中", "in progress")),
            html.Td([lamp_dot(s.lamp, language), " ", used] if s.lamp else used),
            html.Td(case_list.duration_text(s.limit_minutes, language) if s.limit_minutes else ""),
            html.Td([html.Div(s.actor or "", className="actor"), html.Div(s.opinion or "", className="opinion")]),
        ]))
    return html.Table(className="timeline", children=[
        html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)])


def _latlng(geometry: dict) -> list:
    """GeoJSON polygon coordinates as Leaflet [lat, lng] rings."""
    def walk(coords):
        return [coords[1], coords[0]] if isinstance(coords[0], (int, float)) else [walk(c) for c in coords]
    return walk(geometry["coordinates"])


def location_map(detail: case_list.CaseDetail, settings) -> dl.MapContainer:
    """The region outline (the basemap when no tiles are configured), the grid and the point."""
    lon, lat, region, grid = detail.lon, detail.lat, detail.region_geometry, detail.grid_geometry
    if settings.tile_crs == "GCJ02":
        lon, lat = wgs84_to_gcj02(lon, lat)
        region, grid = [transform_geometry(g, wgs84_to_gcj02) if g else None for g in (region, grid)]
    layers = [dl.TileLayer(url=settings.tile_url, attribution=settings.tile_attribution)] if settings.tile_url else []
    if region:
        layers.append(dl.Polygon(positions=_latlng(region), color="#00d4ff", weight=2, fillColor="#0a3a6e",
                                 fillOpacity=0.35 if not settings.tile_url else 0.05, interactive=False))
    if grid:
        layers.append(dl.Polygon(positions=_latlng(grid), color="#ffb547", weight=2, fillOpacity=0.15,
                                 interactive=False))
    # A CSS-sized pin (rem) rather than a CircleMarker, whose radius is in pixels.
    layers.append(dl.DivMarker(position=[lat, lon], iconOptions={"className": "case-pin", "html": "", "iconSize": None},
                               children=dl.Tooltip(detail.case_no)))
    if region:
        west, south, east, north = shapely.geometry.shape(region).bounds
        view = {"bounds": [[south, west], [north, east]]}
    else:
        view = {"center": [lat, lon], "zoom": 15}
    # trackViewport off: nothing reads the viewport, and with bounds alone it fails on a missing center.
    return dl.MapContainer(id=MAP, children=layers, className="case-map", trackViewport=False,
                           attributionControl=bool(settings.tile_url), scrollWheelZoom=False, zoomSnap=0.25,
                           style={"height": "100%", "width": "100%"}, **view)


def photos(paths: list[str], language: str = "zh"):
    if not paths:
        return html.Div(say(language, "无现场照片", "No photos"), className="empty")
    return html.Div(className="photos", children=[
        html.A(html.Img(src=f"/media/{p}", alt=say(language, f"现场照片 {i + 1}", f"Photo {i + 1}"), className="photo"),
               href=f"/media/{p}", target="_blank") for i, p in enumerate(paths)])


def earlier(rows: list[dict], language: str = "zh"):
    if not rows:
        return html.Div(say(language, "此网格此前没有案件", "No earlier cases in this grid"), className="empty")
    return html.Ul(className="earlier", children=[
        html.Li([dcc.Link(r["case_no"], href=f"/case/{r['case_no']}", className="case-link"),
                 html.Span(r["reported_at"], className="muted"), html.Span(r["category"]),
                 html.Span(r["status"], className="tag")]) for r in rows])


def enforcement_link(database_url: str, detail) -> tuple[str, int]:
    """The enforcement cases (城管执法) this case started, as their list link and count."""
    params = {"city_case": detail.case_no, "range": "custom", "to": str(clock.today()),
              "from": str((detail.reported_at + clock.LOCAL_OFFSET).date())}
    return "/objects/enforcement_cases?" + urlencode(params), objects.count(database_url, "enforcement_cases", params)


def layout(case_no: str | None = None, **_query):
    settings = current_settings()
    lang = settings.language
    now = now_utc()
    try:
        detail = case_list.case_detail(settings.database_url, case_no, now, lang, viewer().disclosure) \
            if case_no else None
        if detail is None:
            return not_found(case_no, lang)
        record("case.view", detail.case_no)
        before = case_list.earlier_cases(settings.database_url, detail.case_no, detail.grid_code,
                                        detail.reported_at, language=lang)
        videos = nearby_videos(settings.database_url, detail.case_no)  # issue 6: 周边视频
        map_link = geo_layers.case_map_link(settings.database_url, detail.case_no)  # issue 4: its map feature
        enforcement = enforcement_link(settings.database_url, detail)
    except status.DB_ERRORS as exc:
        return html.Div(className="page page-message", children=[
            html.H2(t("status.down", lang)), html.P(status.describe_error(exc))])
    values = detail.values
    return html.Div(className="page case-page", children=[
        html.Div(className="case-head", children=[
            html.Button(say(lang, "← 返回", "← Back"), id=BACK, className="button"),
            html.H2(detail.case_no, className="case-title"),
            html.Span([lamp_dot(detail.lamp, lang), values["status"]], className=f"status-badge status-{detail.status}"),
            html.Span(f"{values['category']} · {values['region']} · {values['address']}", className="case-summary"),
            dcc.Link(f"{say(lang, '在地图上查看', 'Show on the map')} · {map_link[1]}", href=map_link[0],
                     className="button case-map-link") if map_link else None,
            dcc.Link(say(lang, f"执法案件 {enforcement[1]} 件", f"Enforcement cases: {enforcement[1]}"),
                     href=enforcement[0], className="button case-enforcement-link") if enforcement[1] else None,
        ]),
        html.Div(className="case-body", children=[
            _panel(say(lang, "案件信息", "Case"), html.Dl([part for label, value in detail.fields if value
                                                       for part in (html.Dt(label), html.Dd(value, title=value))],
                                                      className="meta case-fields"), "case-info"),
            html.Div(className="stack", children=[
                _panel(say(lang, "办理流程", "Workflow"),
                       [stepper(detail.stages, detail.status in lifecycle.FINAL_STATUSES, lang),
                        actions(detail, lang, settings.database_url),
                        html.Div(timeline(detail.stages, lang), className="timeline-scroll")], "grow case-flow"),
                _panel(say(lang, "现场照片", "Photos"), photos(detail.photos, lang), "case-photos"),
            ]),
            html.Div(className="stack", children=[
                _panel(say(lang, "案件位置", "Location"), location_map(detail, settings), "grow case-map-panel"),
                _panel(say(lang, "周边视频", "Nearby cameras"), videos, "case-videos-panel"),
                _panel(say(lang, "同址历史案件", "Earlier cases here"), earlier(before, lang), "case-earlier"),
            ]),
        ]),
    ])
