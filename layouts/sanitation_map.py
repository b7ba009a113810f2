"""The 市容环卫 board's map: vehicles where their last GPS fix put them (redrawn with the panel every
30 s), transfer stations by load and public toilets by state, on the shared offline map shell.

Layers load from /api/v1/geo/<layer> like every map; the vehicles' URL carries the 30-second
slot it was drawn for, so each refresh fetches fresh positions past the layer cache. A click on
a marker opens that object's page (assets/sanitation.js).
"""
from __future__ import annotations

import dash_leaflet as dl
from dash import html
from flask import has_app_context

from dashboard.app import current_settings
from dashboard.panels import View
from dashboard.settings import load_settings
from data_access import clock
from data_access.sanitation import FIX_SECONDS

from . import maps

MAP_ID = "sanitation-map"
S = maps.Style
# How the layers are drawn (assets/sanitation.js reads this through each layer's hideout) and the legend.
maps.STYLES["sanitation"] = (
    maps.Group("环卫车辆", ("sanitation-vehicles",), {
        "working": S("作业中", "#3ee08f", "dot", 4.5), "idle": S("在线空闲", "#00d4ff", "dot", 4),
        "offline": S("离线", "#6b7f9f", "dot", 3.5)}),
    maps.Group("转运站 · 昨日负荷", ("transfer-stations",), {
        "low": S("< 60 %", "#8fb3ff", "ring", 6), "normal": S("60–90 %", "#ffd27a", "ring", 6),
        "high": S("90–100 %", "#ff9f2e", "ring", 7), "over": S("> 100 %", "#ff2d55", "ring", 8)}),
    maps.Group("公共厕所", ("public-toilets",), {
        "open": S("开放", "#b388ff", "dot", 3), "cleaning": S("保洁中", "#f472b6", "dot", 3),
        "fault": S("故障", "#ff5a6e", "dot", 5)}),
)


def js(name: str) -> dict:
    return {"variable": f"cockpitSanitation.{name}"}


def layer(name: str, bbox, region, function: str, **extra) -> dl.GeoJSON:
    return dl.GeoJSON(id=f"sanitation-layer-{name}", url=maps.layer_url(name, bbox, region, **extra),
                      pointToLayer=js(function), hideout={"layer": name, "styles": maps.layer_styles("sanitation", name)})


def slot() -> str:
    """This 30-second slot (naive UTC, ISO): the vehicles' URL changes once per GPS interval."""
    now = clock.utcnow().replace(microsecond=0)
    return now.replace(second=now.second - now.second % FIX_SECONDS).isoformat()


def board_map(data: dict, view: View):
    settings = current_settings() if has_app_context() else load_settings()  # tiles; benchmarks build outside the app
    region, bounds = data.get("region"), data.get("bounds")
    margin = maps.BBOX_MARGIN
    bbox = (bounds[0] - margin, bounds[1] - margin, bounds[2] + margin, bounds[3] + margin) if bounds else None
    overlays = [
        (view.zh("环卫车辆", "Vehicles"), layer("sanitation-vehicles", bbox, region, "vehicle", at=slot()), True),
        (view.zh("垃圾转运站", "Transfer stations"), layer("transfer-stations", bbox, region, "station"), True),
        (view.zh("公共厕所", "Public toilets"), layer("public-toilets", bbox, region, "toilet"), False),
    ]
    legend = maps.translate(maps.legend("sanitation"), view.language)
    return html.Div(maps.map_shell(MAP_ID, settings, region, overlays, legend, bbox=bbox), className="san-map")
