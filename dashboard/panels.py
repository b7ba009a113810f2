"""The panel registry: a panel is declared once and shown anywhere (board, embed, kiosk).

A panel is an id such as `overview.case_trend`, a title, a data function from data_access
(called with the database URL and a Scope), a builder turning that data into a component, a
refresh interval and the roles allowed to see it. Boards place panel ids on a grid; one
generic callback renders and refreshes every panel (callbacks/panels.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode

from data_access.filters import Scope

ROLES = ("leader", "duty", "public")


@dataclass(frozen=True)
class View:
    """What a builder knows about where it is drawn."""

    scope: Scope
    search: str  # the board's query string, the base of drill-down links
    language: str
    rem: float  # CSS pixels per rem in the browser, for Plotly's pixel font sizes
    names: dict  # display names from data_access.boards.names
    today: date

    def zh(self, zh: str, en: str) -> str:
        return zh if self.language == "zh" else en

    def _narrowed(self, params: dict, keep=None) -> str:
        """This view's query (only the `keep` keys, if given) narrowed by `params`; None drops a key."""
        merged = {k: v for k, v in parse_qsl(self.search.lstrip("?")) if keep is None or k in keep}
        for key, value in params.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = str(value)
        return urlencode(merged)

    def drill(self, **params) -> str:
        """The /cases link for this view narrowed by `params` (None values drop a key)."""
        return "/cases?" + self._narrowed(params)

    def drill_day(self, day, **params) -> str:
        return self.drill(range="custom", **{"from": str(day), "to": str(day)}, **params)

    def drill_objects(self, kind_id: str, /, **params) -> str:
        """The /objects/<kind> link (data_access.objects) with this view's region and time range,
        narrowed by the kind's named filters in `params` (None values drop a key)."""
        return f"/objects/{kind_id}?" + self._narrowed(params, keep=("region", "range", "from", "to"))


@dataclass(frozen=True)
class Panel:
    id: str
    title: str
    title_en: str
    data: Callable[[str, Scope], Any]
    build: Callable[[Any, View], Any]
    refresh_seconds: int = 60
    roles: tuple[str, ...] = ROLES

    def label(self, language: str) -> str:
        return self.title if language == "zh" else self.title_en


PANELS: dict[str, Panel] = {}


def register(*panels: Panel) -> None:
    for panel in panels:
        if panel.id in PANELS and PANELS[panel.id] != panel:
            raise ValueError(f"panel id {panel.id!r} is declared twice")
        PANELS[panel.id] = panel


def get(panel_id: str) -> Panel:
    try:
        return PANELS[panel_id]
    except KeyError:
        raise KeyError(f"unknown panel {panel_id!r}; known: {', '.join(sorted(PANELS))}") from None
