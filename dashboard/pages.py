"""The pages of the app, in navigation order: add a page by adding one line to PAGES."""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

from layouts import boards, case_detail, cases, status
from layouts import admin, kiosk, live
from layouts import maps
from layouts import video
from layouts import objects as object_pages


@dataclass(frozen=True)
class Page:
    path: str
    title: str  # Chinese
    title_en: str
    layout: Callable[..., Any]  # called with the URL's query parameters as keyword arguments
    nav: bool = True  # listed in the header navigation
    path_template: str | None = None  # e.g. "/case/<case_no>": the variables become layout arguments
    group: str | None = None  # a key of NAV_GROUPS: the header shows the group's pages in one menu

    def label(self, language: str) -> str:
        return self.title if language == "zh" else self.title_en

    @property
    def module(self) -> str:
        """The unique name Dash's page registry keys the page by."""
        return "cockpit_page_" + (self.path.strip("/").replace("/", "_").replace("-", "_") or "home")


# Header menus, in order (layouts/shell.py): a page with `group` is listed under its menu, in PAGES order.
NAV_GROUPS = {"boards": ("版面", "Boards"), "maps": ("一张图", "Maps")}

# The boards keep this order in the header: 综合首页, 智慧城管, 市容环卫, 园林绿化, 燃气安全, 城管执法, 城管形象, 全省一张网.
PAGES = [
    Page("/", "综合首页", "Overview", partial(boards.layout, "overview"), nav=False),
    Page("/board/overview", "综合首页", "Overview", partial(boards.layout, "overview"), group="boards"),
    Page("/board/city-management", "智慧城管", "City management", partial(boards.layout, "city-management"),
         group="boards"),
    Page("/board/sanitation", "市容环卫", "Sanitation", partial(boards.layout, "sanitation"), group="boards"),
    Page("/board/landscaping", "园林绿化", "Landscaping", partial(boards.layout, "landscaping"), group="boards"),
    Page("/board/gas-safety", "燃气安全", "Gas safety", partial(boards.layout, "gas-safety"), group="boards"),
    Page("/board/enforcement", "城管执法", "Enforcement", partial(boards.layout, "enforcement"), group="boards"),
    Page("/board/image", "城管形象", "Public image", partial(boards.layout, "image"), group="boards"),
    Page("/board/province", "全省一张网", "Province", partial(boards.layout, "province"), group="boards"),
    Page("/live", "值班监控", "Live monitor", live.layout),
    Page("/map/gas-pipelines", "燃气管线", "Gas pipelines", maps.gas_layout, group="maps"),
    Page("/map/illegal-construction", "违建处置", "Illegal construction", maps.illegal_layout, group="maps"),
    Page("/map/flood-risk", "易涝风险", "Flood risk", maps.flood_layout, group="maps"),
    Page("/video", "视频监控", "Video wall", video.layout),
    Page("/status", "系统状态", "System status", status.layout),
    Page("/cases", "案件清单", "Cases", cases.layout, nav=False),
    Page("/case", "案件详情", "Case", case_detail.layout, nav=False, path_template="/case/<case_no>"),
    Page("/objects", "对象清单", "Objects", object_pages.list_layout, nav=False,
         path_template="/objects/<object_kind>"),
    Page("/object", "对象详情", "Object", object_pages.detail_layout, nav=False,
         path_template="/object/<object_kind>/<object_key>"),
    Page("/kiosk", "轮播", "Kiosk", kiosk.layout, nav=False, path_template="/kiosk/<playlist>"),
    Page("/panel", "单个面板", "Panel", kiosk.panel_layout, nav=False, path_template="/panel/<panel_id>"),
    Page("/embed", "嵌入面板", "Embedded panel", kiosk.embed_layout, nav=False, path_template="/embed/<panel_id>"),
    Page("/admin/audit", "审计日志", "Audit log", admin.audit_layout, nav=False),
]
