"""The pages of the app, in navigation order: add a page by adding one line to PAGES."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from layouts import status


@dataclass(frozen=True)
class Page:
    path: str
    title: str  # Chinese
    title_en: str
    layout: Callable[..., Any]  # called with the URL's query parameters as keyword arguments
    nav: bool = True  # listed in the header navigation

    def label(self, language: str) -> str:
        return self.title if language == "zh" else self.title_en

    @property
    def module(self) -> str:
        """The unique name Dash's page registry keys the page by."""
        return "cockpit_page_" + (self.path.strip("/").replace("/", "_").replace("-", "_") or "home")


PAGES = [
    Page("/", "系统状态", "System status", status.layout, nav=False),  # until the overview board takes "/"
    Page("/status", "系统状态", "System status", status.layout),
]
