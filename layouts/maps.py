"""The three maps (燃气管线, 违建处置, 易涝风险) and the map shell they share.

The shell: dash-leaflet with canvas rendering, the configured tiles (none by default: region
outlines and labels are the basemap), a layer control and a legend. Every layer loads its
GeoJSON from /api/v1/geo/<layer> (bbox- and region-aware, cached, gzip); nothing is inlined.
Styles and point markers are the hand-written functions of assets/maps.js.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import wraps
from urllib.parse import urlencode

import dash_leaflet as dl
import plotly.graph_objects as go
from dash import dcc, html

from dashboard import urlstate
from dashboard.app import current_settings
from dashboard.panels import View
from data_access import clock, status
from data_access import geo_layers as geo
from data_access.case_list import local_text
from data_access.cities import cities, city_named, city_of_region
from data_access.clock import LOCAL_OFFSET
from data_access.filters import area_code
from data_access.geo import wgs84_to_gcj02
from layouts import charts

GAS_MAP, FLOOD_MAP, ILLEGAL_MAP = "gas-map", "flood-map", "illegal-map"
GAS_DETAIL, FLOOD_DETAIL, ILLEGAL_DETAIL = "gas-detail", "flood-detail", "illegal-detail"
FLOOD_SLIDER, FLOOD_TIME, FLOOD_SUMMARY, FLOOD_PLAY, FLOOD_TICK = (
    "flood-slider", "flood-time", "flood-summary", "flood-play", "flood-tick")
PIPE_LAYERS = {p: f"gas-pipes-{p}" for p in geo.PRESSURES}
FLOOD_POINTS, RAIN_GAUGES = "flood-points-layer", "rain-gauges-layer"
SITE_POLYGONS, SITE_POINTS = "illegal-sites-layer", "illegal-points-layer"
BBOX_MARGIN = 0.02  # degrees around the region's outline
CITY_SWITCH, CITY_NAV = "map-city", "map-city-nav"


# ---------------------------------------------------------------- styles, declared once

@dataclass(frozen=True)
class Style:
    """How one class of features is drawn: assets/maps.js draws it, legend() lists it."""
    label: str
    color: str
    shape: str  # line | dot | ring | square | diamond | triangle | area
    size: float = 5.0  # marker radius or line weight in px at a 16 px rem (scaled with rem)


@dataclass(frozen=True)
class Group:
    """A legend block: the styles of one or more layers, by the features' "cls" property."""
    title: str
    layers: tuple[str, ...]
    styles: dict  # cls → Style


STYLES = {
    "gas": (
        Group("压力级制", ("gas-pipelines",), {
            "high": Style("高压", "#ff5c8a", "line", 4), "sub_high": Style("次高压", "#ffa94d", "line", 3.2),
            "medium": Style("中压", "#fff176", "line", 2.4), "low": Style("低压", "#3ee08f", "line", 1.8)}),
        Group("报警点", ("gas-alarms",), {
            "1": Style("一级报警", "#ff1744", "dot", 8), "2": Style("二级报警", "#ff9100", "dot", 7),
            "3": Style("三级报警", "#ffea00", "dot", 6), "closed": Style("已处置", "#607d8b", "dot", 3.5)}),
        Group("燃气监测", ("gas-sensors",), {
            "normal": Style("浓度正常", "#76ff03", "ring", 4.5), "over": Style("浓度超限", "#ff80ab", "ring", 6.5),
            "nodata": Style("无数据", "#37474f", "ring", 4.5)}),
        Group("隐患点", ("gas-hazards",), {
            "open": Style("待整改", "#b71c1c", "diamond", 6), "rectifying": Style("整改中", "#ffd180", "diamond", 6)}),
        Group("设施与施工", ("gas-stations", "gas-valves", "construction"), {
            "gate": Style("门站", "#ffffff", "square", 8), "regulator": Style("调压站", "#18ffff", "square", 4.5),
            "valve": Style("阀门", "#bcaaa4", "square", 4), "site": Style("第三方施工", "#c0ca33", "triangle", 6)}),
    ),
    "flood": (
        Group("积水深度", ("flood-points",), {
            **{k: Style(geo.DEPTH_CLASSES[k], c, "dot", 8 if k == "severe" else 6)
               for k, c in (("none", "#00e676"), ("light", "#40c4ff"), ("moderate", "#ff9100"), ("severe", "#ff1744"))},
            "nodata": Style("无数据", "#90a4ae", "dot", 5)}),
        Group("雨量站 · 1小时雨量", ("rain-gauges",), {
            "ok": Style(f"≤ {geo.RAIN_FLAG_MM:g} mm", "#b388ff", "ring", 5.5),
            "flag": Style(f"> {geo.RAIN_FLAG_MM:g} mm", "#ff4081", "ring", 8),
            "nodata": Style("无数据", "#455a64", "ring", 5)}),
        Group("易涝风险区", ("flood-zones",), {
            "high": Style("高风险", "#8e24aa", "area"), "medium": Style("中风险", "#c6a700", "area"),
            "low": Style("低风险", "#fff59d", "area")}),
        Group("设施", ("pump-stations",), {"pump": Style("排涝泵站", "#18ffff", "square", 6)}),
    ),
    "illegal": (
        Group("处置阶段", ("illegal-sites", "illegal-points"), {
            k: Style(geo.STAGES[k], c, "square", 5) for k, c in (
                ("found", "#ff1744"), ("filed", "#ff9100"), ("stopped", "#ffea00"), ("penalized", "#b388ff"),
                ("demolished", "#00e676"))}),
    ),
}


# ---------------------------------------------------------------- English (LANGUAGE=en)

# The maps' own words in English, keyed by the Chinese they are declared in (legends, headings,
# figures' labels, hints). `in_language` applies it to what a map layout or detail view returns, so
# every declaration stays written once. Names from the data (towns, pipes, points) are not in it.
EN = {
    "全市": "Whole city", "燃气管线一张图": "Gas pipelines", "违建处置一张图": "Illegal construction",
    "易涝风险一张图": "Flood risk", "压力级制": "Pressure", "高压": "High", "次高压": "Sub-high", "中压": "Medium",
    "低压": "Low", "报警点": "Alarms", "一级报警": "Level 1 alarm", "二级报警": "Level 2 alarm",
    "三级报警": "Level 3 alarm", "已处置": "Handled", "燃气监测": "Gas sensors", "浓度正常": "Normal",
    "浓度超限": "Over limit", "无数据": "No data", "隐患点": "Hazards", "待整改": "To rectify", "整改中": "Rectifying",
    "已整改": "Rectified", "设施与施工": "Facilities and works", "门站": "Gate station", "调压站": "Regulator",
    "阀门": "Valves", "第三方施工": "Third-party works", "门站 / 调压站": "Gate stations / regulators",
    "积水深度": "Water depth", "雨量站 · 1小时雨量": "Rain gauges · 1 h rainfall", "易涝风险区": "Flood-risk zones",
    "高风险": "High risk", "中风险": "Medium risk", "低风险": "Low risk", "设施": "Facilities",
    "排涝泵站": "Pump stations", "处置阶段": "Stage", "发现": "Found", "立案": "Filed", "停工": "Stopped",
    "处罚": "Penalised", "拆除": "Demolished", "巡查": "Patrol", "无人机": "Drone", "举报": "Report", "视频": "Video",
    "新增违建": "New", "存量违建": "Existing", "管网概况": "Network", "隐患整改": "Hazards", "管段详情": "Pipe",
    "管网总长 km": "Network km", "管段数": "Pipes", "未处置报警": "Open alarms", "按压力级制 (km)": "By pressure (km)",
    "按管龄 (km)": "By age (km)", "10年以内": "Under 10 years", "10–20年": "10–20 years", "20年以上": "Over 20 years",
    "点击地图上的管段查看详情": "Click a pipe on the map for its details", "实时态势": "Now", "实时": "Live",
    "积水点详情": "Waterlogging point", "积水点": "Waterlogging points", "雨量站": "Rain gauges",
    "中度以上积水点": "Points ≥ moderate", "1h雨量>50mm站": "Gauges > 50 mm/h", "最大1h雨量 mm": "Max 1 h rain mm",
    "无积水 <3cm": "Dry < 3 cm", "轻度 3–10cm": "Light 3–10 cm", "中度 10–25cm": "Moderate 10–25 cm",
    "严重 >25cm": "Severe > 25 cm", "▶ 回放": "▶ Replay", "无历史暴雨数据": "No past storm data",
    "点击地图上的积水点查看水位曲线、周边视频和关联案件":
        "Click a waterlogging point for its depth curve, nearby cameras and cases",
    "违建概况": "Overview", "违建点详情": "Site", "镇街排名": "Towns", "违建图斑": "Site areas", "违建点": "Sites",
    "已拆除": "Demolished", "未拆除": "Not demolished", "发现渠道": "Found by", "按阶段": "By stage",
    "点击地图上的违建点查看处置过程": "Click a site on the map for its handling", "处": "", "数据库不可用": "Database unavailable",
    "钢管": "Steel", "镀锌钢管": "Galvanised steel", "铸铁管": "Cast iron", "PE管": "PE",  # pipe materials
    # the 市容环卫 board's map (layouts/sanitation_map.py)
    "环卫车辆": "Vehicles", "作业中": "Working", "在线空闲": "Idle", "离线": "Offline",
    "转运站 · 昨日负荷": "Transfer stations · yesterday's load", "公共厕所": "Public toilets", "开放": "Open",
    "保洁中": "Cleaning", "故障": "Fault",
}
EN_PATTERNS = (
    (re.compile(r"^(.+)管线$"), lambda m: f"{EN.get(m[1], m[1])} pressure pipes"),
    (re.compile(r"^积水点水深分级 · (.+)$"), lambda m: f"Points by depth · {_english(m[1])}"),
    (re.compile(r"^(\d+)时$"), lambda m: f"{m[1]}:00"),
    (re.compile(r"^([\d,.]+) 处$"), lambda m: m[1]),
    (re.compile(r"^(.+) \((处|㎡|km)\)$"), lambda m: f"{_english(m[1])}" + ("" if m[2] == "处" else f" ({m[2]})")),
    (re.compile(r"^(.+) ㎡$"), lambda m: f"{_english(m[1])} ㎡"),
)


def _english(text: str) -> str:
    if text in EN:
        return EN[text]
    for pattern, english in EN_PATTERNS:
        match = pattern.match(text)
        if match:
            return english(match)
    return text


def translate(node, language: str):
    """`node` (a component tree, list or text) with the maps' own words in `language`."""
    if language == "zh" or node is None:
        return node
    if isinstance(node, str):
        return _english(node)
    if isinstance(node, (list, tuple)):
        return [translate(child, language) for child in node]
    for prop in ("children", "name", "placeholder"):
        value = getattr(node, prop, None)
        if isinstance(value, (str, list, tuple)) or hasattr(value, "to_plotly_json"):
            setattr(node, prop, translate(value, language))
    marks = getattr(node, "marks", None)
    if isinstance(marks, dict):
        node.marks = {k: translate(v, language) for k, v in marks.items()}
    return node


def in_language(build):
    """A layout or view function whose result speaks the configured language."""
    @wraps(build)
    def built(*args, **kwargs):
        return translate(build(*args, **kwargs), current_settings().language)
    return built


def layer_styles(board: str, layer: str) -> dict:
    """The styles of one layer as plain dicts for assets/maps.js (through the layer's hideout)."""
    return {cls: asdict(style) for group in STYLES[board] if layer in group.layers
            for cls, style in group.styles.items()}


def colors(board: str, layer: str) -> list[str]:
    """A layer's colours in declared order (for the side panels' bars)."""
    return [style["color"] for style in layer_styles(board, layer).values()]


def legend(board: str) -> list:
    """The map's legend, made from STYLES (the same declaration the layers are drawn with)."""
    return [html.Div(className="legend-block", children=[
        html.Div(group.title, className="legend-title"),
        *[html.Div(className="legend-item", **{"data-style": f"{group.layers[0]}:{cls}", "data-color": style.color},
                   children=[html.Span(className=f"legend-swatch legend-{style.shape}",
                                       style={"--swatch": style.color}), html.Span(style.label)])
          for cls, style in group.styles.items()]]) for group in STYLES[board]]


def js(name: str) -> dict:
    return {"variable": f"cockpitMaps.{name}"}


def display(lon: float, lat: float, settings) -> tuple[float, float]:
    """A WGS-84 position in the map's CRS (GCJ-02 when the tiles are GCJ-02)."""
    return wgs84_to_gcj02(lon, lat) if settings.tile_crs == "GCJ02" else (lon, lat)


def area_of(region, city) -> tuple[str | None, list[str]]:
    """The map's area from the URL, read by the same parser as the boards: its region, else its
    city (a 6-digit code; with several cities there always is one), else None (everything)."""
    asked = {k: urlstate.last(v) for k, v in (("region", region), ("city", city)) if urlstate.last(v)}
    parsed, problems = urlstate.parse("?" + urlencode(asked), clock.today())
    return area_code(parsed), problems


def is_city(area: str | None) -> bool:
    return bool(area) and len(area) == 6


def layer_url(layer: str, bbox: tuple | None, area: str | None, **extra) -> str:
    params = {}
    if bbox:
        params["bbox"] = ",".join(f"{v:.5f}" for v in bbox)
    if area:
        params["city" if is_city(area) else "region"] = area
    params.update({k: v for k, v in extra.items() if v})
    return f"/api/v1/geo/{layer}" + ("?" + urlencode(params, safe=",:") if params else "")


def geo_layer(board: str, layer: str, bbox, region, component_id: str | None = None, point: bool = True,
              cluster=False, style: str | None = None, each: str | None = None, **extra) -> dl.GeoJSON:
    kwargs = {"hideout": {"layer": layer, "styles": layer_styles(board, layer)}}
    if point:
        kwargs["pointToLayer"] = js("point")
    if cluster:
        kwargs.update(cluster=True, clusterToLayer=js("cluster"), zoomToBoundsOnClick=True,
                      superClusterOptions={"radius": 60, "maxZoom": 15})
    if style:
        kwargs["style"] = js(style)
    if each:
        kwargs["onEachFeature"] = js(each)
    return dl.GeoJSON(id=component_id or f"layer-{layer}", url=layer_url(layer, bbox, region, **extra), **kwargs)


def view_bbox(settings, region: str | None) -> tuple | None:
    """The WGS-84 box the layers load: the region (or the whole city) plus a margin."""
    bounds = geo.region_bounds(settings.database_url, region)
    if bounds is None:
        return None
    west, south, east, north = bounds
    return west - BBOX_MARGIN, south - BBOX_MARGIN, east + BBOX_MARGIN, north + BBOX_MARGIN


def map_shell(map_id: str, settings, area: str | None, overlays: list, legend: list, focus: tuple | None = None,
              bbox: tuple | None = None) -> html.Div:
    """The shared map: tiles if configured, region outlines (of the city) and labels, overlays in a
    layer control. `area` is a region or a city code (`area_of`)."""
    base = [dl.TileLayer(url=settings.tile_url, attribution=settings.tile_attribution)] if settings.tile_url else []
    base.append(dl.GeoJSON(id=f"{map_id}-regions", url=layer_url("regions", None, area if is_city(area) else None),
                           style=js("regionStyle"), onEachFeature=js("regionLabel"),
                           hideout={"tiles": bool(settings.tile_url), "region": area}))
    if focus:
        lon, lat = display(*focus, settings)
        view = {"center": [lat, lon], "zoom": 16}
        base.append(dl.DivMarker(position=[lat, lon], iconOptions={"className": "map-focus", "html": "",
                                                                   "iconSize": None}))
    elif bbox:
        west, south = display(bbox[0] + BBOX_MARGIN, bbox[1] + BBOX_MARGIN, settings)
        east, north = display(bbox[2] - BBOX_MARGIN, bbox[3] - BBOX_MARGIN, settings)
        view = {"bounds": [[south, west], [north, east]]}
    else:
        view = {"center": [22.95, 113.85], "zoom": 10}
    control = dl.LayersControl([dl.Overlay(layer, name=name, checked=checked) for name, layer, checked in overlays],
                               collapsed=False, position="topright")
    return html.Div(className="map-frame", children=[
        dl.MapContainer(id=map_id, children=[*base, control, dl.ScaleControl(position="bottomleft", imperial=False)],
                        preferCanvas=True, className="cockpit-map", trackViewport=False, zoomSnap=0.25,
                        attributionControl=bool(settings.tile_url), style={"height": "100%", "width": "100%"},
                        **view),
        html.Div(className="map-legend", children=legend),
    ])


def panel(title: str, body, extra: str = "", **attrs) -> html.Section:
    return html.Section(className=f"panel {extra}".strip(), children=[
        html.H2(title, className="panel-title"), html.Div(body, className="panel-body", **attrs)])


def bars(rows: list[tuple[str, float]], unit: str, colors: list[str] | None = None, decimals: int = 0) -> html.Div:
    """Horizontal bars in HTML (no chart library needed for a handful of numbers)."""
    top = max((v for _, v in rows), default=0) or 1
    return html.Div(className="map-bars", children=[
        html.Div(className="map-bar", children=[
            html.Span(label, className="map-bar-label"),
            html.Span(className="map-bar-track", children=html.Span(
                className="map-bar-fill", style={"width": f"{100 * v / top:.1f}%",
                                                 **({"background": colors[i]} if colors else {})})),
            html.Span(f"{v:,.{decimals}f} {unit}".strip(), className="map-bar-value")])
        for i, (label, v) in enumerate(rows)])


def facts(rows: list[tuple[str, str]]) -> html.Dl:
    return html.Dl([part for label, value in rows for part in (html.Dt(label), html.Dd(value, title=value))],
                   className="meta map-facts")


def case_links(cases: list[dict], empty: str) -> html.Div | html.Ul:
    if not cases:
        return html.Div(empty, className="empty")
    return html.Ul(className="map-list", children=[
        html.Li([dcc.Link(c["case_no"], href=f"/case/{c['case_no']}", className="case-link"),
                 html.Span(c["category"]), html.Span(f"{c['distance_m']} m", className="muted") if "distance_m" in c else None,
                 html.Span(c["reported_at"][:10], className="muted")]) for c in cases])


def problems_bar(problems: list[str]):
    return html.Div(" · ".join(problems), className="board-problems") if problems else None


def _db_down(exc) -> html.Div:
    return html.Div(className="page page-message", children=[html.H2("数据库不可用"), html.P(status.describe_error(exc))])


def _title(text: str, area: str | None, settings) -> html.Div:
    url = settings.database_url
    known = cities(url)
    city = city_named(url, area if is_city(area) else city_of_region(url, area or ""))
    scope = "全市" if not area or is_city(area) else geo.region_names(url).get(area, "全市")
    return html.Div(className="map-head", children=[
        html.H2(text, className="board-title"),
        # The city switch, when the database holds several cities: a city's map shows its towns.
        dcc.Location(id=CITY_NAV, refresh="callback-nav"),
        dcc.Dropdown(id=CITY_SWITCH, value=city.code if city else None, clearable=False, searchable=False,
                     options=[{"label": c.name if settings.language == "zh" else c.name_en, "value": c.code}
                              for c in known],
                     className="filter filter-city", style={} if len(known) > 1 else {"display": "none"}),
        html.Span(scope, className="map-scope")])


# ---------------------------------------------------------------- 燃气管线一张图

@in_language
def pipe_detail_view(detail: geo.PipeDetail | None, code: str | None = None):
    if detail is None:
        return html.Div(f"未找到管段 {code}" if code else "点击地图上的管段查看详情", className="empty")

    def rows(items, empty, fmt):
        return html.Ul([html.Li(fmt(i)) for i in items], className="map-list") if items else html.Div(empty, className="empty")

    return html.Div(className="map-detail", children=[
        html.H3(f"管段 {detail.code}", className="detail-title"),
        facts(detail.facts),
        html.H4(f"报警 ({len(detail.alarms)})"),
        rows(detail.alarms[:4], "无报警记录",
             lambda a: [html.Span(f"{a['label']}报警", className=f"tag level-{a['level']}"), html.Span(a["note"]),
                        html.Span(a["at"][5:], className="muted")]),
        html.H4(f"隐患 ({len(detail.hazards)})"),
        rows(detail.hazards[:3], "无隐患记录",
             lambda h: [html.Span(h["label"], className=f"tag hazard-{h['status']}"), html.Span(h["note"]),
                        html.Span(h["at"][:10], className="muted")]),
        html.H4(f"巡检 ({len(detail.inspections)})"),
        rows(detail.inspections[:3], "暂无巡检记录",
             lambda i: [html.Span("正常" if i["status"] == "normal" else "异常",
                                  className=f"tag inspect-{i['status']}"),
                        html.Span(i["note"]), html.Span(i["at"][:10], className="muted")]),
        html.H4(f"沿线燃气案件 ({len(detail.cases)}, {geo.PIPE_CASE_BUFFER_M} m 内)"),
        case_links(detail.cases[:4], "沿线无燃气类案件"),
        html.H4(f"第三方施工 ({len(detail.construction)}, {geo.CONSTRUCTION_RISK_M} m 内)"),
        rows(detail.construction[:3], "周边无第三方施工",
             lambda s: [html.Span(s["name"]), html.Span(f"{s['distance_m']} m", className="muted"),
                        html.Span(s.get("报备", ""), className="tag risk" if s.get("报备") == "未报备" else "tag")]),
    ])


@in_language
def gas_layout(region=None, focus=None, **query):
    settings = current_settings()
    area, problems = area_of(region, query.get("city"))
    try:
        bbox = view_bbox(settings, area)
        summary = geo.gas_summary(settings.database_url, area, clock.today().year)
        position = geo.feature_position(settings.database_url, "pipe", focus) if focus else None
        detail = geo.pipe_detail(settings.database_url, focus) if focus else None
    except status.DB_ERRORS as exc:
        return _db_down(exc)
    if focus and position is None:
        problems.append(f"未找到管段 focus: {focus!r}")
    overlays = [(f"{label}管线", geo_layer("gas", "gas-pipelines", bbox, area, PIPE_LAYERS[p], point=False,
                                             style="lineStyle", each="pipeEach", pressure=p), True)
                for p, label in geo.PRESSURES.items()]
    overlays += [
        ("门站 / 调压站", geo_layer("gas", "gas-stations", bbox, area, cluster=False), True),
        ("阀门", geo_layer("gas", "gas-valves", bbox, area, cluster=True), False),
        ("燃气监测", geo_layer("gas", "gas-sensors", bbox, area), True),
        ("报警点", geo_layer("gas", "gas-alarms", bbox, area), True),
        ("隐患点", geo_layer("gas", "gas-hazards", bbox, area), True),
        ("第三方施工", geo_layer("gas", "construction", bbox, area), True),
    ]
    return html.Div(className="page map-page", children=[
        _title("燃气管线一张图", area, settings), problems_bar(problems),
        html.Div(className="map-body", children=[
            map_shell(GAS_MAP, settings, area, overlays, legend("gas"), focus=position, bbox=bbox),
            html.Div(className="map-side", children=[
                panel("管网概况", [
                    html.Div(className="map-kpis", children=[
                        html.Div([html.Span(f"{sum(v for _, v in summary.length_by_pressure):,.0f}", className="stat-value"),
                                  html.Span("管网总长 km", className="kpi-label")]),
                        html.Div([html.Span(f"{summary.pipes:,}", className="stat-value"),
                                  html.Span("管段数", className="kpi-label")]),
                        html.Div([html.Span(str(summary.open_alarms), className="stat-value alarm"),
                                  html.Span("未处置报警", className="kpi-label")])]),
                    html.H4("按压力级制 (km)"),
                    bars(summary.length_by_pressure, "km", colors("gas", "gas-pipelines"), 1),
                    html.H4("按管龄 (km)"), bars(summary.length_by_age, "km", decimals=1),
                ], "map-summary"),
                panel("隐患整改", [
                    bars([(label, n) for label, n in summary.hazards_by_status], "处",  # as the map draws them
                         [*colors("gas", "gas-hazards")[:2], "#3ee08f"]),
                    html.Ul(className="map-list hazard-list", children=[
                        html.Li([dcc.Link(h["pipe"], href=f"/map/gas-pipelines?focus={h['pipe']}", className="case-link"),
                                 html.Span(h["note"]), html.Span(h["status"], className="tag")])
                        for h in summary.open_hazards[:6]]),
                ], "map-hazards"),
                panel("管段详情", pipe_detail_view(detail, focus), "map-detail-panel grow", id=GAS_DETAIL),
            ]),
        ]),
    ])


# ---------------------------------------------------------------- 易涝风险一张图

def depth_colors() -> dict:
    return {cls: style["color"] for cls, style in layer_styles("flood", "flood-points").items()}


@in_language
def flood_summary_view(summary: geo.FloodSummary, when: str) -> html.Div:
    return html.Div([
        html.Div(className="map-kpis", children=[
            html.Div([html.Span(str(sum(n for k, _, n in summary.points_by_class if k in ("moderate", "severe"))),
                                className="stat-value alarm"), html.Span("中度以上积水点", className="kpi-label")]),
            html.Div([html.Span(str(summary.rain_flagged), className="stat-value alarm"),
                      html.Span("1h雨量>50mm站", className="kpi-label")]),
            html.Div([html.Span("—" if summary.rain_max is None else f"{summary.rain_max:.1f}", className="stat-value"),
                      html.Span("最大1h雨量 mm", className="kpi-label")])]),
        html.H4(f"积水点水深分级 · {when}"),
        bars([(label, n) for _, label, n in summary.points_by_class], "处",
             [depth_colors()[k] for k, _, _ in summary.points_by_class]),
    ])


def depth_figure(series: list, rem: float, marker=None) -> go.Figure:
    """Water depth over local time with the 3 / 10 / 25 cm class lines (marker: the replayed hour,
    naive UTC); sizes in the browser's rem."""
    language = current_settings().language
    fig = charts.figure(View(scope=None, search="", language=language, rem=rem, names={}, today=clock.today()),
                        margin=(0.4, 0.6, 0.4, 1.2))
    fig.add_scatter(x=[t + LOCAL_OFFSET for t, _ in series], y=[v for _, v in series], mode="lines", name="水深",
                    line={"color": charts.SERIES[0], "width": 0.15 * rem}, fill="tozeroy",
                    fillcolor="rgba(0, 212, 255, 0.15)",
                    hovertemplate=("%{x|%-m月%-d日 %H:%M}<br>%{y:.1f} 厘米" if language == "zh" else
                                   "%{x|%b %-d %H:%M}<br>%{y:.1f} cm") + "<extra></extra>")
    # dates in the page's language whatever plotly's locale: "7月15日" under "14:00" in Chinese
    fig.update_xaxes(tickformat="%H:%M<br>%-m月%-d日" if language == "zh" else "%H:%M<br>%b %-d")
    depth = depth_colors()
    for limit, color in ((3, depth["light"]), (10, depth["moderate"]), (25, depth["severe"])):
        fig.add_hline(y=limit, line={"color": color, "width": 0.08 * rem, "dash": "dot"})
    if marker:
        fig.add_vline(x=(marker + LOCAL_OFFSET).isoformat(), line={"color": "#ffffff", "width": 0.08 * rem})
    fig.update_yaxes(title={"text": "水深 厘米" if language == "zh" else "depth cm", "font": {"size": charts.TICK * rem}},
                     rangemode="tozero")
    return fig


def distance_text(metres: float) -> str:
    return f"{metres:.0f} 米" if metres < 1000 else f"{metres / 1000:.1f} 公里".replace(".0 ", " ")


def nearby_cameras(detail: geo.FloodPointDetail):
    """The cameras within the radius, each with its distance, and a link to put them on the wall;
    with none in the radius, the nearest camera beyond it, saying how far it is."""
    if not detail.cameras:
        radius = distance_text(geo.CAMERA_RADIUS_M)
        near = detail.nearest_camera
        if near is None:
            return html.Div(f"{distance_text(geo.CAMERA_SEARCH_M)}内无摄像头", className="empty")
        return html.Div(className="empty", children=[
            f"{radius}内无摄像头；最近的是 ",
            dcc.Link(near["name"], href=f"/video?layout=1&cameras={near['code']}", className="case-link"),
            f"，距此 {distance_text(near['distance_m'])}"])
    codes = ",".join(c["code"] for c in detail.cameras)
    wall = 1 if len(detail.cameras) == 1 else 4
    return html.Div([
        html.Ul(className="map-list cam-list", children=[
            html.Li([dcc.Link(c["name"], href=f"/video?layout=1&cameras={c['code']}", className="case-link"),
                     html.Span(c["kind_label"], className="tag"),
                     html.Span(f"距 {distance_text(c['distance_m'])}", className="muted"),
                     html.Span("在线" if c["status"] == "online" else "离线",
                               className="tag" if c["status"] == "online" else "tag risk")])
            for c in detail.cameras]),
        dcc.Link("上墙查看 →", href=f"/video?layout={wall}&cameras={codes}", className="vw-open map-wall-link")])


@in_language
def flood_detail_view(detail: geo.FloodPointDetail | None, code: str | None = None, rem: float = 16,
                      marker=None):
    if detail is None:
        return html.Div(f"未找到积水点 {code}" if code else "点击地图上的积水点查看水位曲线、周边视频和关联案件",
                        className="empty")
    return html.Div(className="map-detail", children=[
        html.H3(detail.name, className="detail-title"),
        facts(detail.facts),
        html.H4("水位曲线"),
        dcc.Graph(id="flood-depth-chart", figure=depth_figure(detail.series, rem, marker), responsive=True,
                  config={"displayModeBar": False}, className="flood-chart", style={"height": "11rem"}),
        html.H4(f"周边视频 ({distance_text(geo.CAMERA_RADIUS_M)}内)"),
        nearby_cameras(detail),
        html.H4(f"关联积水案件 ({distance_text(geo.FLOOD_CASE_RADIUS_M)}内)"),
        case_links(detail.cases[:4], "附近无积水类案件"),
    ])


def replay_label(storm: geo.Storm | None, at) -> str:
    """The replayed hour in local time, or 实时 (live)."""
    return f"{storm.name} {local_text(at, '%m-%d %H:00')}" if storm and at else "实时"


def replay_hour(text: str | None, storm: geo.Storm | None) -> tuple[int, str | None]:
    """?hour=N: the storm hour to show (-1: live), and a problem if the value is bad."""
    if text is None or text == "":
        return -1, None
    top = storm.hours - 1 if storm else -1
    if not str(text).lstrip("-").isdigit() or not -1 <= int(text) <= top:
        return -1, f"回放时刻应为 -1 到 {top} 的整数 hour: {text!r}"
    return int(text), None


@in_language
def flood_layout(region=None, point=None, hour=None, **query):
    settings = current_settings()
    area, problems = area_of(region, query.get("city"))
    try:
        bbox = view_bbox(settings, area)
        storm = geo.storm(settings.database_url)
        position = geo.feature_position(settings.database_url, "point", point) if point else None
        hour, problem = replay_hour(hour, storm)
        at = storm.hour(hour) if storm and hour >= 0 else None
        summary = geo.flood_summary(settings.database_url, area, at)
    except status.DB_ERRORS as exc:
        return _db_down(exc)
    if problem:
        problems.append(problem)
    if point and position is None:
        problems.append(f"未找到积水点 point: {point!r}")
    stamp = at.isoformat(timespec="minutes") if at else None
    overlays = [
        ("易涝风险区", geo_layer("flood", "flood-zones", bbox, area, point=False, style="areaStyle",
                                 each="zoneEach"), True),
        ("积水点", geo_layer("flood", "flood-points", bbox, area, FLOOD_POINTS, at=stamp), True),
        ("雨量站", geo_layer("flood", "rain-gauges", bbox, area, RAIN_GAUGES, at=stamp), True),
        ("排涝泵站", geo_layer("flood", "pump-stations", bbox, area), True),
    ]
    marks = {}
    if storm:
        marks = {i: local_text(storm.hour(i), "%H时") for i in range(0, storm.hours, 3)}
    replay = html.Div(className="flood-replay", children=[
        html.Div([html.Span(storm.name if storm else "无历史暴雨数据", className="replay-name"),
                  html.Span(replay_label(storm, at), id=FLOOD_TIME,
                            className="replay-time")], className="replay-head"),
        html.Div(className="replay-row", children=[
            html.Button("▶ 回放", id=FLOOD_PLAY, className="button", n_clicks=0, disabled=storm is None),
            dcc.Slider(id=FLOOD_SLIDER, min=-1, max=(storm.hours - 1) if storm else 0, step=1, value=hour,
                       marks={-1: "实时", **marks}, included=False, allow_direct_input=False, className="flood-slider"),
        ]),
        dcc.Interval(id=FLOOD_TICK, interval=1500, disabled=True),
    ])
    return html.Div(className="page map-page", children=[
        _title("易涝风险一张图", area, settings), problems_bar(problems),
        html.Div(className="map-body", children=[
            html.Div(className="map-stack", children=[
                map_shell(FLOOD_MAP, settings, area, overlays, legend("flood"), focus=position, bbox=bbox), replay]),
            html.Div(className="map-side", children=[
                panel("实时态势", flood_summary_view(summary, local_text(at, "%m-%d %H:00") if at else "实时"), "map-summary",
                      id=FLOOD_SUMMARY),
                panel("积水点详情", html.Div("点击地图上的积水点查看水位曲线、周边视频和关联案件", className="empty"),
                      "map-detail-panel grow", id=FLOOD_DETAIL),
            ]),
        ]),
        dcc.Store(id="flood-focus", data=point if position else None),
        dcc.Store(id="flood-region", data=area),
        dcc.Store(id="flood-bbox", data=list(bbox) if bbox else None),
        dcc.Store(id="flood-rem"),
    ])


# ---------------------------------------------------------------- 违建处置一张图

@in_language
def site_detail_view(detail: geo.SiteDetail | None, code: str | None = None):
    if detail is None:
        return html.Div(f"未找到违建点 {code}" if code else "点击地图上的违建点查看处置过程", className="empty")
    return html.Div(className="map-detail", children=[
        html.H3(f"违建点 {detail.code}", className="detail-title"),
        facts(detail.facts),
        html.H4("处置时间线"),
        html.Ol(className="site-timeline", children=[
            html.Li(className=f"stage-{e['stage']}", children=[
                html.Span(e["label"], className="tl-stage"), html.Span(e["at"], className="muted"),
                html.Span(f"{e['actor']}：{e['note']}", className="tl-note")]) for e in detail.timeline]),
        html.H4("整治前后"),
        html.Div(className="site-photos", children=[
            html.Figure([html.Img(src=f"/map-media/{detail.code}-before.svg", alt="整治前"), html.Figcaption("整治前")]),
            html.Figure([html.Img(src=f"/map-media/{detail.code}-after.svg", alt="整治后"),
                         html.Figcaption("整治后")]) if detail.stage == "demolished" else
            html.Div("尚未拆除", className="empty photo-empty")]),
        html.H4("关联案件"),
        case_links([detail.case] if detail.case else [], "无关联案件"),
    ])


@in_language
def illegal_layout(region=None, site=None, **query):
    settings = current_settings()
    area, problems = area_of(region, query.get("city"))
    try:
        bbox = view_bbox(settings, area)
        summary = geo.illegal_summary(settings.database_url, area)
        position = geo.feature_position(settings.database_url, "site", site) if site else None
        detail = geo.site_detail(settings.database_url, site) if site else None
    except status.DB_ERRORS as exc:
        return _db_down(exc)
    if site and position is None:
        problems.append(f"未找到违建点 site: {site!r}")
    overlays = [
        ("违建图斑", geo_layer("illegal", "illegal-sites", bbox, area, SITE_POLYGONS, point=False,
                               style="areaStyle", each="siteEach"), True),
        ("违建点", geo_layer("illegal", "illegal-points", bbox, area, SITE_POINTS, cluster=True), True),
    ]
    ranking = summary.ranking
    by_demolished = sorted(ranking, key=lambda r: -r["demolished"])[:6]
    by_standing = sorted(ranking, key=lambda r: -r["standing"])[:6]
    total = sum(n for _, _, n, _ in summary.by_stage)
    return html.Div(className="page map-page", children=[
        _title("违建处置一张图", area, settings), problems_bar(problems),
        html.Div(className="map-body", children=[
            map_shell(ILLEGAL_MAP, settings, area, overlays, legend("illegal"), focus=position, bbox=bbox),
            html.Div(className="map-side", children=[
                panel("违建概况", [
                    html.Div(className="map-kpis", children=[
                        html.Div([html.Span(f"{total:,}", className="stat-value"), html.Span("违建点", className="kpi-label")]),
                        *[html.Div([html.Span(f"{area:,.0f}", className="stat-value"),
                                    html.Span(f"{label} ㎡", className="kpi-label")])
                          for label, area, _ in summary.by_type]]),
                    html.H4("按阶段 (处)"),
                    bars([(label, n) for _, label, n, _ in summary.by_stage], "处",
                         [layer_styles("illegal", "illegal-points")[k]["color"] for k, _, _, _ in summary.by_stage]),
                    html.H4("发现渠道 (处)"), bars(summary.by_channel, "处"),
                ], "map-summary"),
                panel("镇街排名 (㎡)", html.Div(className="rank-pair", children=[
                    html.Div([html.H4("已拆除"), bars([(r["name"], r["demolished"]) for r in by_demolished], "")]),
                    html.Div([html.H4("未拆除"), bars([(r["name"], r["standing"]) for r in by_standing], "")]),
                ]), "map-rank"),
                panel("违建点详情", site_detail_view(detail, site), "map-detail-panel grow", id=ILLEGAL_DETAIL),
            ]),
        ]),
    ])
