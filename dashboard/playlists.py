"""Kiosk playlists: boards, maps, pages and single panels shown in turn on a wall (/kiosk/<name>).

A playlist is a TOML (or JSON) file in PLAYLISTS_DIR (default: the repository's playlists/):

    title = "指挥大厅大屏"
    idle_seconds = 60        # rotation pauses on a click or key and resumes after this idle time
    reload_hours = 24        # optional: reload the whole page now and then (screens nobody touches)

    [[items]]
    board = "overview"       # one of board / map / panel / page
    seconds = 60
    query = "range=30d"      # optional filters, as in a board's URL

`load` raises PlaylistNotFound for an unknown name and PlaylistError (naming the file and the
problem) for a malformed file.
"""
from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from dashboard.urlstate import last

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "playlists"
KINDS = ("board", "map", "panel", "page")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MIN_SECONDS, MAX_SECONDS = 3, 24 * 3600


class PlaylistError(ValueError):
    """A malformed playlist file; str() names the file and the problem."""


class PlaylistNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Item:
    kind: str
    target: str
    seconds: float
    query: str = ""
    title: str = ""

    @property
    def url(self) -> str:
        if self.kind == "board":
            from layouts.boards import BOARDS

            path = BOARDS[self.target].path
        elif self.kind == "map":
            path = f"/map/{self.target}"
        elif self.kind == "panel":
            path = f"/panel/{self.target}"
        else:
            path = self.target
        params = dict(parse_qsl(self.query.lstrip("?")))
        return f"{path}?{urlencode({**params, 'kiosk': '1'})}"


@dataclass(frozen=True)
class Playlist:
    name: str
    title: str
    items: tuple[Item, ...]
    idle_seconds: float = 60
    reload_hours: float | None = None
    path: Path | None = None


def directory() -> Path:
    return Path(os.environ.get("PLAYLISTS_DIR") or DEFAULT_DIR)


def available(where: Path | None = None) -> list[str]:
    where = where or directory()
    return sorted({p.stem for p in where.glob("*.toml")} | {p.stem for p in where.glob("*.json")}) if where.is_dir() else []


def _number(value, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{where} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def reload_hours_of(value) -> float:
    """A ?reload= value in hours (0.01 to a year); ValueError for anything else, NaN included.
    A repeated parameter (a list) counts with its last value, as everywhere in URLs."""
    text = last(value)
    if text is None:
        raise ValueError(f"reload must be a number of hours, got {value!r}")
    return _number(float(text), "reload", 0.01, 8760)


def _item(raw, i: int) -> Item:
    where = f"items[{i}]"
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be a table")
    kinds = [k for k in KINDS if k in raw]
    if len(kinds) != 1:
        raise ValueError(f"{where} needs exactly one of {', '.join(KINDS)}")
    kind = kinds[0]
    target = raw[kind]
    if not isinstance(target, str) or not target:
        raise ValueError(f"{where}.{kind} must be a non-empty string")
    if kind == "board":
        from layouts.boards import BOARDS

        if target not in BOARDS:
            raise ValueError(f"{where}: unknown board {target!r}; known: {', '.join(BOARDS)}")
    elif kind == "panel":
        from dashboard import panels
        from layouts import boards  # noqa: F401  (registers the panels)

        if target not in panels.PANELS:
            raise ValueError(f"{where}: unknown panel {target!r}; known: {', '.join(sorted(panels.PANELS))}")
    elif kind == "map" and not NAME.match(target):
        raise ValueError(f"{where}: bad map name {target!r}")
    elif kind == "page" and not target.startswith("/"):
        raise ValueError(f"{where}.page must be a path starting with '/', got {target!r}")
    query = raw.get("query", "")
    if not isinstance(query, str):
        raise ValueError(f"{where}.query must be a string such as 'range=30d&region=441900003'")
    unknown = set(raw) - {kind, "seconds", "query", "title"}
    if unknown:
        raise ValueError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    seconds = _number(raw.get("seconds"), f"{where}.seconds", MIN_SECONDS, MAX_SECONDS)
    return Item(kind, target, seconds, query, str(raw.get("title", "")))


def parse(data, name: str, path: Path | None = None) -> Playlist:
    if not isinstance(data, dict):
        raise ValueError("the file must hold a table")
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise ValueError("needs at least one [[items]] entry")
    unknown = set(data) - {"title", "items", "idle_seconds", "reload_hours"}
    if unknown:
        raise ValueError(f"unknown keys {', '.join(sorted(unknown))}")
    reload_hours = data.get("reload_hours")
    return Playlist(
        name=name, title=str(data.get("title", name)), items=tuple(_item(raw, i) for i, raw in enumerate(items)),
        idle_seconds=_number(data.get("idle_seconds", 60), "idle_seconds", 1, 24 * 3600),
        reload_hours=None if reload_hours is None else _number(reload_hours, "reload_hours", 0.01, 24 * 365),
        path=path,
    )


def load(name: str, where: Path | None = None) -> Playlist:
    where = where or directory()
    if not NAME.match(name or ""):
        raise PlaylistNotFound(name)
    for suffix in (".toml", ".json"):
        path = where / f"{name}{suffix}"
        if path.is_file():
            break
    else:
        raise PlaylistNotFound(name)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
        return parse(data, name, path)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, ValueError, UnicodeDecodeError) as exc:
        raise PlaylistError(f"{path}: {exc}") from None
