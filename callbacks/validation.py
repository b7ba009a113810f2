"""One validation layer for callback input: what each callback accepts, declared as pydantic types.

Two gates, both answering malformed input quietly instead of with a 500:

- `guard_dispatch(app)` checks the envelope of every POST /_dash-update-component (a known
  callback, inputs and state that match its declaration, pattern-matching ids of the right
  shape) and answers 400 with a short message otherwise.
- `@accepts(T1, T2, ...)` on a callback validates each positional argument against its type;
  the callback gets the validated values, and invalid input raises PreventUpdate (no update).
  `checked(T, value)` does the same for a value read inside a callback (a triggered id).

The types below ignore unknown keys and keep only what the callbacks read.
"""
from __future__ import annotations

import functools
import json
import logging
import math
from datetime import date, datetime, timezone
from typing import Annotated, Any, Literal

from dash.exceptions import PreventUpdate
from flask import jsonify, request
from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter,
                      ValidationError)

log = logging.getLogger(__name__)

MAX_TEXT = 8000  # longest free text (a query string, an officer's name) a callback accepts
MAX_ROW = 10**7  # no grid holds more rows than this
EARLIEST, LATEST = datetime(1970, 1, 1), datetime(2200, 1, 1)  # the times a page's store may hold


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("NUL character")
    return text


def _no_nul_anywhere(value: Any) -> Any:
    """Nested JSON without NUL in any string (PostgreSQL text can't hold one)."""
    if isinstance(value, str):
        _no_nul(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul_anywhere(key)
            _no_nul_anywhere(item)
    elif isinstance(value, list):
        for item in value:
            _no_nul_anywhere(item)
    return value


def _naive_utc(at: datetime) -> datetime:
    """Aware times become naive UTC, like every time the app stores and compares; 1970 to 2200 only."""
    if at.tzinfo:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    if not EARLIEST <= at <= LATEST:
        raise ValueError("time out of range")
    return at


def _iso_day(text: str) -> str:
    """A date picker's value ("2026-07-01" or "2026-07-01T00:00:00") as its ISO day."""
    return date.fromisoformat(text[:10]).isoformat()


Text = Annotated[str, StringConstraints(max_length=MAX_TEXT), AfterValidator(_no_nul)]
Code = Annotated[str, StringConstraints(max_length=64), AfterValidator(_no_nul)]
Count = Annotated[int, Field(ge=0, le=2**53)]  # n_clicks, n_intervals, versions, ids
Ticks = Count | None
Rem = Annotated[float, Field(gt=0, le=1000)] | None  # a root font size in pixels
Hour = Annotated[int, Field(ge=-1, le=100_000)]  # a replay slider position; -1 is "live"
Finite = Annotated[float, AfterValidator(lambda x: x if math.isfinite(x) else _fail("not finite"))]
Bbox = tuple[Finite, Finite, Finite, Finite] | None
Day = Annotated[str, StringConstraints(max_length=40), AfterValidator(_iso_day)] | None
NaiveUtc = Annotated[datetime, AfterValidator(_naive_utc)]
Json = Annotated[Any, AfterValidator(_no_nul_anywhere)]


def _fail(message: str):
    raise ValueError(message)


class Loose(BaseModel):
    """A dict from the browser: unknown keys ignored, known ones validated."""
    model_config = ConfigDict(extra="ignore", frozen=True)


# ---- ag-grid (dash-ag-grid's infinite row model) ----

class SortItem(Loose):
    colId: Code
    sort: Literal["asc", "desc"] | None = None


class GridRequest(Loose):
    startRow: Annotated[int, Field(ge=0, le=MAX_ROW)] = 0
    endRow: Annotated[int, Field(ge=0, le=MAX_ROW)] = 100
    sortModel: list[SortItem] = []
    filterModel: dict[Code, Json] = {}

    def sort(self) -> list[dict]:
        return [item.model_dump() for item in self.sortModel]


class CellClick(Loose):
    rowId: Code | None = None


# ---- page stores ----

class CasesState(Loose):
    search: Text
    now: NaiveUtc


class ObjectsState(Loose):
    kind: Code
    search: Text


class BoardScope(Loose):
    search: Text
    board: Code | None = None


class VideoState(Loose):
    layout: Annotated[int, Field(ge=1, le=16)]
    cameras: Annotated[list[Code], Field(max_length=64)] = []
    region: Code | None = None


class LiveCursor(Loose):
    last_id: Count
    recent: Annotated[list[Count], Field(max_length=10_000)] = []
    count: Count = 0


AlarmState = Annotated[list[Json], Field(max_length=10_000)] | None


# ---- pattern-matching ids ----

class PanelBodyId(Loose):
    type: Literal["panel-body"]
    id: Code


class AlarmAckId(Loose):
    type: Literal["alarm-ack"]
    key: Code


# ---- clicks ----

class FeatureProps(Loose):
    code: Code | None = None
    cluster: Any = None


class FeatureClick(Loose):
    """dash-leaflet's clickData: the clicked GeoJSON feature."""
    properties: FeatureProps | None = None

    def code(self) -> str | None:
        """The clicked feature's code; None for a cluster or a feature without one."""
        props = self.properties
        return None if props is None or props.cluster else props.code


class PlotPoint(Loose):
    customdata: Any = None


class PlotClick(Loose):
    """Plotly's clickData: the clicked points."""
    points: list[PlotPoint] = []

    def link(self) -> str | None:
        """The first point's customdata when it is a path in the app (boards put the drill link there)."""
        data = self.points[0].customdata if self.points else None
        return data if isinstance(data, str) and data.startswith("/") and len(data) <= MAX_TEXT else None


# ---- the gates ----

@functools.cache
def _adapter(kind) -> TypeAdapter:
    return TypeAdapter(kind)


def checked(kind, value):
    """`value` validated as `kind`; PreventUpdate (no update) when it is not one."""
    try:
        return _adapter(kind).validate_python(value)
    except (ValidationError, ValueError, TypeError, OverflowError) as exc:
        log.info("callback input rejected: %s", str(exc).splitlines()[0])
        raise PreventUpdate from None


def accepts(*kinds):
    """Validate a callback's positional arguments against `kinds`, one type per argument."""
    def wrap(func):
        @functools.wraps(func)
        def inner(*args):
            if len(args) != len(kinds):
                raise PreventUpdate
            return func(*(checked(kind, value) for kind, value in zip(kinds, args)))
        return inner
    return wrap


# ---- the envelope of /_dash-update-component ----

Id = Annotated[str, StringConstraints(max_length=200)] | dict[Code, Code | float | bool]


class Prop(Loose):
    id: Id
    property: Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]  # "href@<hash>" too
    value: Any = None


class Envelope(Loose):
    output: Annotated[str, StringConstraints(max_length=4000)]
    outputs: Prop | list[Prop | list[Prop]] | None = None
    inputs: list[Prop | list[Prop]]
    state: list[Prop | list[Prop]] = []
    changedPropIds: list[Annotated[str, StringConstraints(max_length=4000)]] = []


def _output_props(output: str) -> list[str]:
    """The "id.property" parts of a callback's output key ("..a.b...c.d.." for several outputs)."""
    return output[2:-2].split("...") if output.startswith("..") else [output]


def _declared_id(text: str):
    """A declared id: a plain string or a pattern-matching dict (ALL/MATCH as ["ALL"])."""
    if text.startswith("{"):
        return json.loads(text)
    return text


def _matches(declared: dict, sent: Prop | list[Prop]) -> bool:
    """Whether a sent input or state fits its declaration: same property, an id of the same shape."""
    pattern = _declared_id(declared["id"])
    wildcard = isinstance(pattern, dict) and any(v in (["ALL"], ["ALLSMALLER"]) for v in pattern.values())
    if wildcard != isinstance(sent, list):
        return False
    for prop in sent if isinstance(sent, list) else [sent]:
        if prop.property != declared["property"]:
            return False
        if isinstance(pattern, str):
            if prop.id != pattern:
                return False
        elif not isinstance(prop.id, dict) or prop.id.keys() != pattern.keys() or any(
                not isinstance(want, list) and prop.id[key] != want for key, want in pattern.items()):
            return False
        elif any(isinstance(want, list) and not isinstance(prop.id[key], str | int | float)
                 for key, want in pattern.items()):
            return False
    return True


# Values of Dash's own callbacks (the pages router), which no decorator of ours can reach.
AppPath = Annotated[str, StringConstraints(max_length=MAX_TEXT, pattern=r"^/"), AfterValidator(_no_nul)]
PROP_TYPES = {("_pages_location", "pathname"): AppPath | None, ("_pages_location", "search"): Text | None}


def envelope_problem(app, body) -> str | None:
    """What is wrong with a callback request's body, or None when it fits a registered callback."""
    try:
        envelope = Envelope.model_validate(body)
    except ValidationError as exc:
        return f"malformed callback request: {str(exc).splitlines()[0]}"
    declared = app.callback_map.get(envelope.output)
    if declared is None:
        return "unknown callback output"
    outputs = envelope.outputs if isinstance(envelope.outputs, list) else [envelope.outputs]
    if len(outputs) != len(_output_props(envelope.output)):
        return "outputs do not match the callback"
    for part in ("inputs", "state"):
        want, sent = declared.get(part, []), getattr(envelope, part)
        if len(want) != len(sent) or not all(_matches(w, s) for w, s in zip(want, sent)):
            return f"{part} do not match the callback"
        for prop in sent:
            kind = PROP_TYPES.get((prop.id, prop.property)) if isinstance(prop, Prop) and isinstance(prop.id, str) else None
            if kind is not None:
                try:
                    _adapter(kind).validate_python(prop.value)
                except ValidationError:
                    return f"invalid value of {prop.id}.{prop.property}"
    return None


def guard_dispatch(app):
    """Answer 400 to a callback request whose envelope does not fit a registered callback."""
    path = app.config.routes_pathname_prefix.rstrip("/") + "/_dash-update-component"

    @app.server.before_request
    def check_callback_request():
        if request.method != "POST" or request.path != path:
            return None
        problem = envelope_problem(app, request.get_json(silent=True))
        return None if problem is None else (jsonify({"error": problem}), 400)
