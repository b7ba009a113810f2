"""The pages of the app, in navigation order: add a page by adding one line to PAGES."""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

from layouts import boards, case_detail, cases, status
from layouts import kiosk, live
from layouts import maps
from layouts import video


@dataclass(frozen=True)
class Page:
    path: str
    title: str  # Chinese
    title_en: str
    layout: Callable[..., Any]  # called with the URL's query parameters as keyword arguments
    nav: bool = True  # listed in the header navigation
    path_template: str | None = None  # e.g. "/case/<case_no>": the variables become layout arguments

    def label(self, language: str) -> str:
        return self.title if language == "zh" else self.title_en

    @property
    def module(self) -> str:
        """The unique name Dash's page registry keys the page by."""
        return "cockpit_page_" + (self.path.strip("/").replace("/", "_").replace("-", "_") or "home")


PAGES = [
    Page("/", "综合首页", "Overview", partial(boards.layout, "overview"), nav=False),
    Page("/board/overview", "综合首页", "Overview", partial(boards.layout, "overview")),
    Page("/board/city-management", "智慧城管", "City management", partial(boards.layout, "city-management")),
    Page("/live", "值班监控", "Live monitor", live.layout),
    Page("/map/gas-pipelines", "燃气管线", "Gas pipelines", maps.gas_layout),
    Page("/map/illegal-construction", "违建处置", "Illegal construction", maps.illegal_layout),
    Page("/map/flood-risk", "易涝风险", "Flood risk", maps.flood_layout),
    Page("/video", "视频监控", "Video wall", video.layout),
    Page("/status", "系统状态", "System status", status.layout),
    Page("/cases", "案件清单", "Cases", cases.layout, nav=False),
    Page("/case", "案件详情", "Case", case_detail.layout, nav=False, path_template="/case/<case_no>"),
    Page("/kiosk", "轮播", "Kiosk", kiosk.layout, nav=False, path_template="/kiosk/<playlist>"),
    Page("/panel", "单个面板", "Panel", kiosk.panel_layout, nav=False, path_template="/panel/<panel_id>"),
]
