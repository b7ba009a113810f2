"""The object list: every record kind other than cases declared once, listed and shown by one page each.

A `Kind` names its mapped class, its key column, its grid/CSV columns, the column the
?region= filter applies to, the column ?range=/from/to applies to (none for an inventory)
and its own named URL filters. `/objects/<kind>` pages it from the server like /cases,
`/objects/<kind>.csv` streams the same rows, `/object/<kind>/<key>` shows one object.

A board figure that counts objects uses the same named filters (`conditions`) or an
equivalent query, so the figure and the list it opens agree.

Kinds are declared in their own data_access modules (KIND_MODULES), imported by `load()`.
"""
from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

from sqlalchemy import Date, DateTime, Float, Numeric, String, Text, func, or_, select

from . import db, gridquery
from .cache import memoize
from .case_list import local_text, lookups
from .filters import in_area, report_bounds

# One line per domain: the modules that declare kinds.
KIND_MODULES = (
    "data_access.sanitation",
    "data_access.landscaping",
    "data_access.gas_safety",
    "data_access.enforcement",
    "data_access.image",
)
KIND_ID = re.compile(r"[a-z_]+")
KEY_TEXT = re.compile(r"[\w.\-:·]{1,64}")  # anything else is not a key
TIME_PARAMS = ("range", "from", "to")
COMMON_PARAMS = ("city", "region", *TIME_PARAMS)


class UnknownKind(KeyError):
    pass


@dataclass(frozen=True)
class Column:
    """One grid/CSV column: a SQL expression on the kind's table (or a correlated subquery)."""

    name: str
    zh: str
    en: str
    expr: Any
    labels: dict | str | None = None  # code -> (zh, en), or "regions" for region names
    digits: int | None = None  # decimals of a number
    unit: str = ""  # shown after numbers on the detail page
    sortable: bool = True
    grid: bool = True  # False: CSV and detail only
    flex: float = 1.0

    def label(self, language: str = "zh") -> str:
        return self.zh if language == "zh" else self.en

    @property
    def filterable(self) -> bool:
        """Text or coded columns take the grid's column filter; numbers do not."""
        return self.labels is not None or isinstance(getattr(self.expr, "type", None), (String, Text))


@dataclass(frozen=True)
class Related:
    """A list of related records on the detail page: rows of display text, each with an optional link."""

    title: str
    headers: tuple[str, ...]
    rows: list[tuple[tuple[str, ...], str | None]]
    more: tuple[str, str] | None = None  # (text, href) of the full list


@dataclass(frozen=True)
class Kind:
    id: str
    zh: str
    en: str
    model: Any
    key: Any
    columns: tuple[Column, ...]
    region: Any = None
    time: Any = None
    filters: dict[str, Callable[[str], Any]] = field(default_factory=dict)
    order: tuple[tuple[str, bool], ...] = ()  # default sort: (column name, descending)
    detail: tuple[Column, ...] = ()  # extra fields on the detail page only
    position: tuple[Any, Any] | None = None  # (lon, lat) columns: the detail page shows the place
    links: Callable[[dict], list[tuple[str, str]]] | None = None  # raw values -> (text, href)
    related: Callable[[str, dict], list[Related]] | None = None  # (database URL, raw values)
    filter_labels: dict[str, str] = field(default_factory=dict)  # filter name -> Chinese chip name
    unit: str = "个"  # counting word of the count line

    def label(self, language: str = "zh") -> str:
        return self.zh if language == "zh" else self.en

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def is_dated(self) -> bool:
        return self.time is not None

    def __hash__(self):
        return hash(self.id)

    def __eq__(self, other):
        return isinstance(other, Kind) and other.id == self.id


KINDS: dict[str, Kind] = {}


def register(*kinds: Kind) -> None:
    for kind in kinds:
        if not KIND_ID.fullmatch(kind.id):
            raise ValueError(f"kind id must be [a-z_]+, got {kind.id!r}")
        if kind.id in KINDS and KINDS[kind.id] is not kind:
            raise ValueError(f"kind {kind.id!r} is declared twice")
        names = [c.name for c in (*kind.columns, *kind.detail)]
        if len(set(names)) != len(names):
            raise ValueError(f"kind {kind.id!r} has duplicate column names")
        clash = set(kind.filters) & set(COMMON_PARAMS)
        if clash:
            raise ValueError(f"kind {kind.id!r} redefines the common filter(s) {sorted(clash)}")
        KINDS[kind.id] = kind


def load() -> dict[str, Kind]:
    """Import every module of KIND_MODULES (each registers its kinds) and return the registry."""
    for name in KIND_MODULES:
        importlib.import_module(name)
    return KINDS


def get(kind_id: str) -> Kind:
    load()
    try:
        return KINDS[kind_id]
    except (KeyError, TypeError):
        raise UnknownKind(kind_id) from None


# ---- named filters: helpers for declarations ----

def choice(column, values) -> Callable[[str], Any]:
    """A filter `column == value` accepting only `values` (codes); anything else is a bad value."""
    allowed = {str(v) for v in values}

    def condition(value: str):
        if value not in allowed:
            raise ValueError(f"one of {', '.join(sorted(allowed))}")
        return column == value

    return condition


def pattern(column, regex: str) -> Callable[[str], Any]:
    """A filter `column == value` for values matching `regex` (e.g. a code)."""
    compiled = re.compile(regex)

    def condition(value: str):
        if not compiled.fullmatch(value):
            raise ValueError(f"must match {regex}")
        return column == value

    return condition


def flag(condition_when_1, condition_when_0=None) -> Callable[[str], Any]:
    """A yes/no filter: ?name=1 selects `condition_when_1`, ?name=0 its opposite."""

    def condition(value: str):
        if value == "1":
            return condition_when_1
        if value == "0":
            return condition_when_0 if condition_when_0 is not None else ~condition_when_1
        raise ValueError("0 or 1")

    return condition


# ---- URL parameters as plain values ----

@dataclass(frozen=True)
class Selection:
    """What a /objects URL selects, as plain (hashable) values."""

    kind: str
    region: str | None
    range_name: str
    day_from: date
    day_to: date
    filters: tuple[tuple[str, str], ...]  # (name, value) of the kind's own filters, valid ones only
    city: str | None = None  # a jurisdiction's code: its regions, when no region is chosen

    def params(self) -> dict[str, str]:
        """The URL parameters of this selection (range by name, so a permalink stays relative)."""
        out = {"range": self.range_name, **({"city": self.city} if self.city else {})}
        if self.range_name == "custom":
            out.update({"from": self.day_from.isoformat(), "to": self.day_to.isoformat()})
        if self.region:
            out["region"] = self.region
        out.update(dict(self.filters))
        return out

    def search(self) -> str:
        return "?" + urlencode(self.params())


def _flat(params) -> dict[str, str]:
    """A query dict (str, list or parse_qs style) as name -> last value."""
    if isinstance(params, str):
        params = parse_qs(params.lstrip("?"), keep_blank_values=True)
    out = {}
    for name, value in (params or {}).items():
        if isinstance(value, (list, tuple)):
            value = value[-1] if value else ""
        out[str(name)] = "" if value is None else str(value).strip()
    return out


def parse(kind_id: str, params, today: date) -> tuple[Selection, list[str]]:
    """The selection a URL's parameters ask for, and what was wrong with them (dropped, never raised)."""
    from dashboard import (
        urlstate,  # the boards' parser for region and time: one set of rules
    )

    kind = get(kind_id)
    flat = {k: v for k, v in _flat(params).items() if v != ""}
    common = {k: v for k, v in flat.items() if k in COMMON_PARAMS}
    query, problems = urlstate.parse("?" + urlencode(common), today)
    range_name = urlstate.range_name_of("?" + urlencode(common))
    chosen = []
    for name, value in sorted(flat.items()):
        if name in COMMON_PARAMS:
            continue
        build = kind.filters.get(name)
        if build is None:
            problems.append(f"未知的筛选条件 unknown filter: {name}")
            continue
        try:
            if build(value) is None:
                raise ValueError
        except (ValueError, KeyError, TypeError) as exc:
            hint = f" ({exc})" if str(exc) else ""
            problems.append(f"筛选值无效 bad value for {name}: {value!r}{hint}")
            continue
        chosen.append((name, value))
    return (Selection(kind.id, query.region, range_name, query.day_from, query.day_to, tuple(chosen), query.city),
            problems)


def _time_conditions(column, day_from: date, day_to: date) -> list:
    if isinstance(column.type, Date) and not isinstance(column.type, DateTime):
        return [column >= day_from, column <= day_to]
    start, end = report_bounds(day_from, day_to)  # naive UTC bounds of the local dates
    return [column >= start, column < end]


def selection_conditions(selection: Selection) -> list:
    kind = get(selection.kind)
    out = []
    if kind.region is not None:
        out += in_area(kind.region, selection.region, selection.city)
    if kind.time is not None:
        out += _time_conditions(kind.time, selection.day_from, selection.day_to)
    out += [kind.filters[name](value) for name, value in selection.filters]
    return out


def conditions(kind_id: str, params, today: date) -> list:
    """The WHERE clauses on the kind's table for a URL's parameters (bad ones ignored)."""
    selection, _problems = parse(kind_id, params, today)
    return selection_conditions(selection)


# ---- grid column filters ----

def _labels(column: Column, database_url: str, language: str = "zh") -> dict[str, str]:
    """code -> label in `language` (labels are (zh, en) pairs; region names are data, as stored)."""
    if column.labels == "regions":
        return lookups(database_url).regions
    if isinstance(column.labels, dict):
        i = 0 if language == "zh" else 1
        return {str(code): (pair[i] if isinstance(pair, tuple) else pair) for code, pair in column.labels.items()}
    return {}


def column_filters(kind_id: str, filter_model: dict | None) -> tuple:
    kind = get(kind_id)
    return gridquery.column_filters(filter_model, {c.name for c in kind.columns if c.grid and c.filterable})


def sort_keys(kind_id: str, sort_model: list | None) -> tuple:
    kind = get(kind_id)
    return gridquery.sort_keys(sort_model, {c.name for c in kind.columns if c.grid and c.sortable})


def _where(database_url: str, selection: Selection, filters: tuple) -> list:
    kind = get(selection.kind)

    def one(name, op, value):
        column = kind.column(name)
        if column.labels is not None:  # a filter names a code or its label in either language
            return or_(*(gridquery.choice_condition(column.expr, _labels(column, database_url, language), op, value)
                         for language in ("zh", "en")))
        return gridquery.text_condition(column.expr, op, value)

    return selection_conditions(selection) + gridquery.combine(filters, one)


# ---- counts, pages, CSV ----

@memoize(timeout=30)
def count_selection(database_url: str, selection: Selection, filters: tuple = ()) -> int:
    kind = get(selection.kind)
    with db.get_engine(database_url).connect() as conn:
        return conn.execute(select(func.count()).select_from(kind.model)
                            .where(*_where(database_url, selection, filters))).scalar_one()


def count(database_url: str, kind_id: str, params, today: date | None = None) -> int:
    """How many objects of `kind_id` a URL's parameters select."""
    from .clock import today as local_today

    selection, _problems = parse(kind_id, params, today or local_today())
    return count_selection(database_url, selection)


def _order_by(kind: Kind, sort: tuple) -> list:
    keys = sort or kind.order
    out = [kind.column(name).expr.desc() if desc else kind.column(name).expr.asc() for name, desc in keys]
    return out + [kind.key.asc()]  # the unique key as tie-break keeps pages disjoint


def _select(kind: Kind, columns) -> Any:
    return select(kind.key.label("_key"), *[c.expr.label(c.name) for c in columns]).select_from(kind.model)


def display(column: Column, value, database_url: str, language: str = "zh", labels: dict | None = None) -> str:
    """One value as display text (local time, label in `language`, rounded number); `labels`:
    the column's labels when the caller looked them up once for many rows."""
    if value is None:
        return ""
    if column.labels is not None:
        return (labels if labels is not None else _labels(column, database_url, language)).get(str(value), str(value))
    if isinstance(value, datetime):
        return local_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) or isinstance(getattr(column.expr, "type", None), (Float, Numeric)):
        digits = 1 if column.digits is None else column.digits
        return f"{float(value):.{digits}f}"
    return str(value)


def _column_labels(columns, database_url: str, language: str) -> dict[str, dict]:
    """The labels of every labelled column, looked up once for a page or an export."""
    return {c.name: _labels(c, database_url, language) for c in columns if c.labels is not None}


def _row(kind: Kind, row, columns, database_url: str, language: str, labels: dict[str, dict]) -> dict:
    out = {c.name: display(c, row._mapping[c.name], database_url, language, labels.get(c.name)) for c in columns}
    out["_key"] = str(row._key)
    return out


def page(database_url: str, selection: Selection, start, end, sort: tuple = (), filters: tuple = (),
         language: str = "zh") -> list[dict]:
    """Rows [start, end) of the list in display form; `_key` names each object."""
    kind = get(selection.kind)
    start, size = gridquery.block(start, end)
    if size == 0:
        return []
    columns = [c for c in kind.columns if c.grid]
    stmt = (_select(kind, columns).where(*_where(database_url, selection, filters))
            .order_by(*_order_by(kind, sort)).offset(start).limit(size))
    with db.get_engine(database_url).connect() as conn:
        labels = _column_labels(columns, database_url, language)
        return [_row(kind, r, columns, database_url, language, labels) for r in conn.execute(stmt)]


CSV_CHUNK = 2000


def csv_chunks(database_url: str, selection: Selection, language: str = "zh") -> gridquery.CsvStream:
    """The whole list as CSV text chunks: BOM and header, then the grid's rows in its default order
    (the cursor is opened now, so a database that is down raises before anything is sent)."""
    kind = get(selection.kind)
    columns = list(kind.columns)
    header = gridquery.BOM + gridquery.csv_text([[c.label(language) for c in columns]])
    stmt = _select(kind, columns).where(*selection_conditions(selection)).order_by(*_order_by(kind, ()))

    labels = _column_labels(columns, database_url, language)

    def rows_of(part):
        return ([display(c, r._mapping[c.name], database_url, language, labels.get(c.name)) for c in columns]
                for r in part)

    return gridquery.CsvStream(db.get_engine(database_url), stmt, header, rows_of, CSV_CHUNK)


# ---- one object ----

def valid_key(text: str | None) -> bool:
    return bool(text) and KEY_TEXT.fullmatch(text) is not None


@dataclass(frozen=True)
class Detail:
    kind: str
    key: str
    fields: list[tuple[str, str]]  # (Chinese label, display value) of every declared column
    links: list[tuple[str, str]]
    related: list[Related]
    position: tuple[float, float] | None  # (lon, lat) WGS-84


def _key_value(kind: Kind, key: str):
    python_type = getattr(kind.key.type, "python_type", str)
    return python_type(key) if python_type is int else key


def detail(database_url: str, kind_id: str, key: str, language: str = "zh") -> Detail | None:
    """Every declared field of one object with its links, or None when there is no such object."""
    kind = get(kind_id)
    if not valid_key(key):
        return None
    try:
        key_value = _key_value(kind, key)
    except ValueError:
        return None
    columns = [*kind.columns, *kind.detail]
    extra = [kind.position[0].label("_lon"), kind.position[1].label("_lat")] if kind.position else []
    stmt = _select(kind, columns).add_columns(*extra).where(kind.key == key_value)
    with db.get_engine(database_url).connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    raw = dict(row._mapping)
    fields = [(c.label(language), (display(c, raw[c.name], database_url, language)
                                   + (f" {c.unit}" if c.unit and raw[c.name] is not None else ""))) for c in columns]
    position = (raw["_lon"], raw["_lat"]) if kind.position and raw.get("_lon") is not None else None
    return Detail(kind.id, str(raw["_key"]), fields, kind.links(raw) if kind.links else [],
                  kind.related(database_url, raw) if kind.related else [], position)


def exists(database_url: str, kind_id: str, key: str) -> bool:
    kind = get(kind_id)
    if not valid_key(key):
        return False
    try:
        key_value = _key_value(kind, key)
    except ValueError:
        return False
    with db.get_engine(database_url).connect() as conn:
        return conn.execute(select(kind.key).where(kind.key == key_value)).first() is not None


def list_href(kind_id: str, **params) -> str:
    """/objects/<kind>?params (None values dropped)."""
    clean = {k: str(v) for k, v in params.items() if v is not None}
    return f"/objects/{kind_id}" + ("?" + urlencode(clean) if clean else "")


def object_href(kind_id: str, key) -> str:
    return f"/object/{kind_id}/{key}"
