"""视频监控 /video: a wall of 1, 4, 9 or 16 camera tiles, and the tile component the case page reuses.

The wall lives in the URL: ?layout=9&cameras=CAM-441900003-001,...&region=441900003. Cameras
come from the URL list, else from the region. The side bar picks a layout, a region, and
cameras from a list or a map (a click adds the camera). assets/video.js mounts a player in
every tile (MP4, HLS via hls.js, FLV via mpegts.js, MJPEG, refreshing snapshot) and shows the
offline state when a stream can't be reached.
"""
from __future__ import annotations

from urllib.parse import urlencode

import dash_leaflet as dl
from dash import dcc, html

from dashboard import urlstate
from dashboard.app import current_settings
from dashboard.i18n import pick, say
from data_access import case_list, status, video
from data_access.vocabulary import CAMERA_KINDS

LAYOUTS = (1, 4, 9, 16)
DEFAULT_LAYOUT = 9
SNAPSHOT_SECONDS = 3
CLIP_TYPES = ("mp4", "hls", "flv")  # looping clips: the tile overlays the time (their frames can't know it)
URL = "video-url"
REGION = "video-region"
MAP = "video-map"
MAP_LAYER = "video-map-cameras"
STATE = "video-state"


def href(layout: int, cameras: list[str], region: str | None) -> str:
    query = {"layout": layout}
    if cameras:
        query["cameras"] = ",".join(cameras)
    if region:
        query["region"] = region
    return "/video?" + urlencode(query, safe=",")


def _lang() -> str:
    try:
        return current_settings().language
    except Exception:  # noqa: BLE001 - outside a request (unit tests): Chinese
        return "zh"


def kind_label(kind: str, language: str) -> str:
    return pick(CAMERA_KINDS[kind], language) if kind in CAMERA_KINDS else kind


def protocol_label(stream_type: str, language: str) -> str:
    if stream_type == "snapshot":
        return say(language, "快照", "snapshot")
    return video.STREAM_TYPES.get(stream_type, stream_type)


def parse_layout(value) -> tuple[int, str | None]:
    if value in (None, ""):
        return DEFAULT_LAYOUT, None
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = None
    if n in LAYOUTS:
        return n, None
    return DEFAULT_LAYOUT, say(_lang(), f"布局只能是 1、4、9 或 16 画面，收到 {value!r}，已按 {DEFAULT_LAYOUT} 画面显示",
                               f"layout must be 1, 4, 9 or 16 windows, got {value!r}; showing {DEFAULT_LAYOUT}")


def parse_codes(value) -> list[str]:
    codes = []
    for part in str(value or "").split(","):
        part = part.strip().upper()
        if part and part not in codes:
            codes.append(part)
    return codes


def grow(layout: int, count: int) -> int:
    """The smallest layout at least `layout` that holds `count` tiles."""
    return next((n for n in LAYOUTS if n >= max(layout, count)), LAYOUTS[-1])


def add_camera(layout: int, codes: list[str], code: str) -> tuple[int, list[str]]:
    """The wall after a click on `code`: appended (layout grows; the oldest goes when 16 are full)."""
    if code in codes:
        return layout, codes
    codes = [*codes, code][-LAYOUTS[-1]:]
    return grow(layout, len(codes)), codes


def local_time(at, language: str = "zh") -> str:
    return case_list.local_text(at, "%m-%d %H:%M:%S") if at else say(language, "未知", "unknown")


def events_list(events: list[video.CameraEventInfo], language: str = "zh"):
    if not events:
        return None
    return html.Ul(className="vt-events", children=[
        html.Li(dcc.Link(href=f"/case/{e.case_no}" if e.case_no else "#", className="vt-event",
                         title=say(language, f"{e.category} · 置信度 {e.confidence:.0%} · 打开案件 {e.case_no}",
                                   f"{e.category} · confidence {e.confidence:.0%} · open case {e.case_no}"),
                         children=[
                             html.Span(case_list.local_text(e.detected_at, "%H:%M"), className="vt-event-time"),
                             html.Span(e.category, className="vt-event-cat"),
                             html.Span(f"{e.confidence:.0%}", className="vt-event-conf")]))
        for e in events])


def tile(cam: video.CameraInfo, events: list | None = None, note: str | None = None) -> html.Div:
    """One camera tile. assets/video.js mounts the player; an offline camera never gets one."""
    language = _lang()
    online = cam.status == "online" and bool(cam.stream_url)
    last_seen = local_time(cam.last_seen_at, language)
    data = {"data-code": cam.code, "data-name": cam.name, "data-type": cam.stream_type,
            "data-status": cam.status, "data-last-seen": last_seen, "data-refresh": str(SNAPSHOT_SECONDS)}
    if online:
        data["data-url"] = cam.stream_url
    kind = "AI" if cam.kind == "ai" else kind_label(cam.kind, language)
    protocol = protocol_label(cam.stream_type, language)
    # The protocol is for engineers: on hover and in the maximised view, never on the wall.
    return html.Div(className="vt" + ("" if online else " vt-offline-state"), **data, children=[
        html.Div(className="vt-screen", children=[
            html.Div(className="vt-offline", children=[
                html.Div(say(language, "● 离线", "● Offline") if not online else say(language, "● 信号中断", "● No signal"),
                         className="vt-offline-title"),
                html.Div(cam.name, className="vt-offline-name"),
                html.Div(say(language, f"最后在线 {last_seen}", f"last seen {last_seen}"), className="vt-offline-seen"),
            ]),
            html.Div(say(language, "连接中…", "Connecting…"), className="vt-loading"),
            html.Div(className="vt-osd", children=[html.Div(cam.name), html.Div(className="vt-clock")])
            if online and cam.stream_type in CLIP_TYPES else None,
        ]),
        html.Div(className="vt-bar", children=[
            html.Span(kind, className=f"vt-kind vt-kind-{cam.kind}"),
            html.Span(cam.name, className="vt-name",
                      title=f"{cam.name} {cam.code} · {cam.region_name} · {kind_label(cam.kind, language)} · "
                            + say(language, f"接入协议 {protocol}", f"stream {protocol}")),
            html.Span(note, className="vt-note") if note else None,
            html.Span(f"{cam.code} · {protocol}", className="vt-type"),
            html.Button("⤢", className="vt-max", title=say(language, "最大化 / 还原 (Esc)", "Maximise / restore (Esc)")),
        ]),
        events_list(events or [], language),
    ])


def empty_tile(n: int, language: str = "zh") -> html.Div:
    return html.Div(className="vt vt-empty", children=html.Div(
        say(language, f"窗口 {n} · 从左侧列表或地图选择摄像机", f"Window {n} · pick a camera from the list or the map"),
        className="vt-empty-text"))


def camera_map(settings, region: str | None) -> dl.MapContainer:
    layers = [dl.TileLayer(url=settings.tile_url, attribution=settings.tile_attribution)] if settings.tile_url else []
    q = f"?region={region}" if region else ""
    layers += [
        dl.GeoJSON(url=f"{video.MEDIA_PREFIX}/regions.geojson", id="video-map-regions",
                   style={"color": "#00d4ff", "weight": 1, "fillColor": "#0a3a6e",
                          "fillOpacity": 0.35 if not settings.tile_url else 0.05}, interactive=False,
                   zoomToBounds=not region),  # the whole city fills the box at any screen size
        dl.GeoJSON(url=f"{video.MEDIA_PREFIX}/cameras.geojson{q}", id=MAP_LAYER,
                   pointToLayer={"variable": "cockpitVideo.pointToLayer"}, zoomToBounds=bool(region)),
    ]
    return dl.MapContainer(id=MAP, children=layers, className="video-map", center=[22.95, 113.85], zoom=9,
                           zoomSnap=0.1, attributionControl=bool(settings.tile_url), scrollWheelZoom=True,
                           trackViewport=False, style={"height": "100%", "width": "100%"})


def side(settings, layout: int, codes: list[str], region: str | None, cameras: list[video.CameraInfo],
         regions: list[tuple[str, str, dict]]) -> html.Aside:
    language = settings.language
    buttons = [dcc.Link(say(language, f"{n} 画面", f"{n} ×"), href=href(n, codes, region), className="nav-link vw-layout"
                        + (" active" if n == layout else ""), id=f"video-layout-{n}") for n in LAYOUTS]
    listed = [c for c in cameras if not region or c.region_code == region]
    items = []
    for cam in listed[:400]:
        new_layout, new_codes = add_camera(layout, codes, cam.code)
        items.append(html.Li(dcc.Link(href=href(new_layout, new_codes, region),
                                      className="vw-cam" + (" on-wall" if cam.code in codes else ""),
                                      id={"type": "video-cam", "code": cam.code}, children=[
            html.Span(className=f"vw-dot status-{cam.status}"),
            html.Span(cam.name, className="vw-cam-name"),
            html.Span(kind_label(cam.kind, language), className="vw-cam-type")],
            title=f"{cam.name} {cam.code} · " + say(language, "接入协议 ", "stream ")
            + protocol_label(cam.stream_type, language))))
    return html.Aside(className="panel video-side", children=[
        html.H2(say(language, "视频监控", "Video"), className="panel-title"),
        html.Div(className="video-side-body", children=[
            html.Div(buttons, className="vw-layouts"),
            dcc.Dropdown(id=REGION, options=[{"label": name, "value": code} for code, name, _ in regions],
                         value=region, placeholder=say(language, "按镇街选择…", "Pick a town…"), clearable=True,
                         className="vw-region"),
            html.Div(camera_map(settings, region), className="video-map-box"),
            html.Div([say(language, f"摄像机 {len(listed)} 路", f"{len(listed)} cameras"),
                      dcc.Link(say(language, "清空画面", "Clear the wall"), href=href(layout, [], None),
                               className="vw-clear")], className="vw-count"),
            html.Ul(items, className="vw-list"),
        ]),
    ])


def layout(**query):
    settings = current_settings()
    url = settings.database_url
    language = settings.language
    query = {key: urlstate.last(value) for key, value in query.items()}  # a repeated parameter: its last value
    size, layout_problem = parse_layout(query.get("layout"))
    asked = parse_codes(query.get("cameras"))
    region = (query.get("region") or "").strip() or None
    warnings = [layout_problem] if layout_problem else []
    info = None
    try:
        cameras = video.all_cameras(url)
        regions = video.regions(url)
        region_names = {code: name for code, name, _ in regions}
        if region and region not in region_names:
            warnings.append(say(language, f"未知镇街编码 {region}，已忽略", f"unknown town code {region}, ignored"))
            region = None
        if asked:
            shown, unknown = video.cameras_by_codes(url, tuple(asked))
            if unknown:
                warnings.append(say(language, "未知摄像机编号：" + "、".join(unknown) + "（已忽略）",
                                    "unknown camera codes: " + ", ".join(unknown) + " (ignored)"))
            if len(shown) > LAYOUTS[-1]:
                warnings.append(say(language, f"最多 {LAYOUTS[-1]} 路画面，只显示前 {LAYOUTS[-1]} 路",
                                    f"at most {LAYOUTS[-1]} windows: showing the first {LAYOUTS[-1]}"))
                shown = shown[:LAYOUTS[-1]]
            if len(shown) > size:
                size = grow(size, len(shown))
        else:
            home = region or (regions[0][0] if regions else "")
            shown, own = video.wall_cameras(url, home, size)
            if own < len(shown):
                info = say(language, f"{region_names.get(home, home)}共 {own} 路摄像机，"
                                     f"另 {len(shown) - own} 路取自邻近镇街（画面上标出所在镇街）",
                           f"{region_names.get(home, home)} has {own} cameras; {len(shown) - own} more from "
                           "neighbouring towns (each names its town)")
        events = video.recent_events(url, tuple(c.id for c in shown if c.kind == "ai"))
    except status.DB_ERRORS as exc:
        return html.Div(className="page page-message", children=[
            html.H2(say(language, "数据库不可用", "Database unavailable")), html.P(status.describe_error(exc))])
    codes = [c.code for c in shown] if asked else []
    home_region = shown[0].region_code if shown and not asked else None
    tiles = [tile(c, events.get(c.id), note=c.region_name if home_region and c.region_code != home_region else None)
             for c in shown] + [empty_tile(n + 1, language) for n in range(len(shown), size)]
    return html.Div(className="page video-page", children=[
        dcc.Location(id=URL, refresh="callback-nav"),
        dcc.Store(id=STATE, data={"layout": size, "cameras": codes or [c.code for c in shown], "region": region}),
        side(settings, size, codes or [c.code for c in shown], region, cameras, regions),
        html.Div(className="video-main", children=[
            html.Div(warnings and [html.Div("⚠ " + w) for w in warnings], className="video-warnings",
                     hidden=not warnings),
            html.Div(info, className="video-info", hidden=not info),
            html.Div(tiles, className=f"video-wall wall-{size}", id="video-wall"),
        ]),
    ])


def nearby(url: str, case_no: str, radius_m: int = video.DEFAULT_RADIUS_M, limit: int = 4):
    """The case page's 周边视频: tiles of the nearest cameras, the discovering camera first."""
    language = _lang()
    found = video.cameras_for_case(url, case_no, radius_m, limit)
    if not found:
        return html.Div(say(language, f"{radius_m / 1000:g} 公里内没有摄像机", f"no camera within {radius_m / 1000:g} km"),
                        className="empty")
    events = video.recent_events(url, tuple(c.id for c, _m, _s in found if c.kind == "ai"), 2)
    wall = {1: 1, 2: 2}.get(len(found), 4)
    tiles = [tile(cam, events.get(cam.id), note=say(language, "发现本案", "found this case") if source
                  else say(language, f"{metres:.0f} 米", f"{metres:.0f} m"))
             for cam, metres, source in found]
    codes = ",".join(c.code for c, _m, _s in found)
    return html.Div(className="case-videos", children=[
        html.Div(tiles, className=f"video-wall wall-{wall}"),
        dcc.Link(say(language, "上墙查看 →", "On the wall →"), href=f"/video?layout={grow(1, len(tiles))}&cameras={codes}",
                 className="vw-open"),
    ])
