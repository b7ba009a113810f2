"""Server-side grid requests as plain values, and CSV text: shared by every list (/cases, /objects).

AG Grid's infinite row model sends a sortModel and a filterModel; these functions turn them
into hashable tuples over whitelisted column names only, and the tuples into SQL conditions.
A text column matches contains / equals / startsWith; a choice column (codes with display
labels) matches a code or its label.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from sqlalchemy import and_, false, or_

TEXT_OPS = ("contains", "equals", "startsWith")
BOM = "\ufeff"  # so spreadsheet programs read the CSV as UTF-8
MAX_BLOCK = 500  # most rows one page request may return


def sort_keys(sort_model: list | None, allowed) -> tuple[tuple[str, bool], ...]:
    """sortModel as ((column, descending), ...), columns in `allowed` only."""
    keys = []
    for item in sort_model if isinstance(sort_model, list) else []:
        if isinstance(item, dict) and item.get("colId") in allowed and item.get("sort") in ("asc", "desc"):
            keys.append((item["colId"], item["sort"] == "desc"))
    return tuple(keys)


def _conditions_of(spec: dict) -> tuple[str, tuple[tuple[str, str], ...]]:
    if spec.get("filterType") == "set":
        values = spec.get("values") if isinstance(spec.get("values"), list) else []
        return "or", tuple(("equals", str(v)) for v in values if v is not None)
    parts = spec.get("conditions") if isinstance(spec.get("conditions"), list) else [spec]
    pairs = tuple((str(p.get("type")), str(p.get("filter")).strip()) for p in parts
                  if isinstance(p, dict) and p.get("type") in TEXT_OPS and p.get("filter") not in (None, ""))
    return ("or" if spec.get("operator") == "OR" else "and"), pairs


def column_filters(filter_model: dict | None, allowed) -> tuple:
    """filterModel as ((column, "and"|"or", ((op, value), ...)), ...), columns in `allowed` only."""
    out = []
    for column, spec in sorted((filter_model if isinstance(filter_model, dict) else {}).items()):
        if column in allowed and isinstance(spec, dict):
            join, pairs = _conditions_of(spec)
            if pairs:
                out.append((column, join, pairs))
    return tuple(out)


def text_condition(column, op: str, value: str):
    if op == "contains":
        return column.icontains(value, autoescape=True)
    if op == "startsWith":
        return column.istartswith(value, autoescape=True)
    return column == value


def choice_condition(column, labels: dict[str, str], op: str, value: str):
    """A choice column matches its codes or display labels (contains matches part of a label)."""
    codes = [code for code, name in labels.items()
             if value == str(code) or (value in name if op == "contains" else value == name)]
    return column.in_(codes) if codes else false()


def combine(filters: tuple, condition) -> list:
    """SQL conditions of column_filters' tuples; condition(column, op, value) builds one."""
    out = []
    for column, join, pairs in filters:
        parts = [condition(column, op, value) for op, value in pairs]
        out.append(or_(*parts) if join == "or" else and_(*parts))
    return out


def block(start, end) -> tuple[int, int]:
    """(offset, size) of a grid request, at most MAX_BLOCK rows; bad numbers give size 0."""
    try:
        start = max(int(start), 0)
        return start, min(max(int(end) - start, 0), MAX_BLOCK)
    except (TypeError, ValueError):
        return 0, 0


def csv_text(rows: Iterable) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


class CsvStream:
    """CSV chunks of a query whose cursor is opened on creation: a database that is down raises
    here, before a status line is sent (the route answers 503), not halfway through a 200.

    `header` is the first chunk (BOM included); `rows_of(part)` turns a partition of result rows
    into CSV rows. Iterate it once; `close()` (the web server calls it) gives back the connection.
    """

    def __init__(self, engine, stmt, header: str, rows_of, chunk: int):
        self._conn = engine.connect()
        try:
            result = self._conn.execution_options(stream_results=True, yield_per=chunk).execute(stmt)
        except BaseException:
            self._conn.close()
            raise
        self._chunks = self._generate(header, result, rows_of)

    def _generate(self, header, result, rows_of):
        yield header
        for part in result.partitions():
            yield csv_text(rows_of(part))

    def __iter__(self):
        return self._chunks

    def close(self):
        self._chunks.close()
        self._conn.close()
