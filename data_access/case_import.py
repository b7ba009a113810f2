"""`cockpit import FILE [--mapping MAPPING.toml]`: cases from another system in bulk.

A file is CSV (with a header row) or JSON (one object per line, or one array of objects, such as
an Open311 GeoReport v2 `requests.json`), in UTF-8 (with or without BOM) or GBK / GB18030. Every
row goes through the ingest API's path (cases.parse_new_case, then cases.submit_case), so it is
validated the same way and is idempotent by external_id; BATCH_SIZE rows share a transaction.
Every row is either imported (created, or already present) or rejected with its row number and
reason in FILE.rejected.csv, so created + present + rejected = total. A file that can't be used
at all (unreadable, wrong encoding, truncated, missing columns, a bad mapping) is an
ImportFileError and nothing is written.

The mapping file (TOML) says how to read an export; every key is optional:

    encoding = "gbk"                # else UTF-8, then GB18030
    date_format = "us"              # "iso" (default; also 2026/5/1 8:00 and 2026年5月1日), "us"
                                    # (06/26/2018 10:58:54 AM) or strptime formats, e.g. ["%d.%m.%Y %H:%M"]
    timezone = "America/New_York"   # of times without an offset (default Asia/Shanghai); stored as UTC
    source = "hotline"              # of rows without a source column (--source overrides it)
    region = "point"                # "point": the point's grid, else region_column (rows without
                                    # usable coordinates); "column": region_column, else the point
    [columns]                       # field = "the file's column" (names are matched without case and
    external_id = "Unique Key"      # spaces; fields not named here are found by COLUMN_NAMES aliases)
    category_code = "Complaint Type"
    description = ["Complaint Type", "Descriptor"]   # several columns joined with "："
    closed_at = "Closed Date"
    status = "Status"
    region = "Borough"
    [categories]                    # their value → a 5-digit GB/T 47678.5 event code; without this
    "Street Light Condition" = "01037"   # table the column holds codes. `default` takes the rest;
    default = "10001"               # without it a row of an unlisted value is rejected
    [statuses]                      # their value → reported (上报, 待立案), filed (立案, 待派遣),
    Closed = "closed"               # dispatched (派遣, 处置中) or closed (结案); without a status
    Assigned = "dispatched"         # column every row is reported
    [regions]                       # their value → a region (镇街) code, for the region rule
    BROOKLYN = "360047000"

A case is placed in a unit grid of its region: the grid its point lies in, else (coordinates
missing or in another region) the grid of the region nearest to the point, or to the region's
label point, where a case without coordinates is then put. A filed, dispatched or closed row is
moved through the seven-step loop by lifecycle.apply (see `step_times`) and dispatched to its
responsible department (cases.responsible_department); a closed row without a closed date, or
closed before it was reported, is rejected. Rollups are refreshed by the same write path.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, NoResultFound
from sqlalchemy.orm import Session

from . import cases, lifecycle, rollups
from .clock import utcnow
from .models import Category, Region
from .vocabulary import SOURCES, URGENCIES

BATCH_SIZE = 500
ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads every GBK file
MAX_REASONS = 5  # rejected rows named in the summary
DEFAULT_TIMEZONE = "Asia/Shanghai"
IMPORT_ACTOR = "数据导入"
# ingest field → the column names it is recognised by (compared lower-case, without spaces)
COLUMN_NAMES = {
    "external_id": ("external_id", "工单编号", "案件编号", "工单号", "编号", "ticket_id", "uniquekey",
                    "service_request_id"),
    "category_code": ("category_code", "小类代码", "小类编码", "类别代码", "事项代码", "service_code"),
    "reported_at": ("reported_at", "上报时间", "受理时间", "发生时间", "创建时间", "requested_datetime",
                    "createddate"),
    "closed_at": ("closed_at", "结案时间", "办结时间", "closeddate"),
    "status": ("status", "案件状态", "状态"),
    "lon": ("lon", "lng", "long", "longitude", "经度"),
    "lat": ("lat", "latitude", "纬度"),
    "description": ("description", "问题描述", "案件描述", "诉求内容", "描述", "内容", "descriptor"),
    "address": ("address", "地址", "发生地址", "地点", "incidentaddress"),
    "source": ("source", "来源", "案件来源"),
    "urgency": ("urgency", "紧急程度"),
    "reporter_name": ("reporter_name", "上报人", "举报人", "联系人"),
    "reporter_phone": ("reporter_phone", "联系电话", "电话", "phone"),
    "region": ("region", "所属街道", "所属镇街", "镇街", "街道"),
}
REQUIRED = ("external_id", "category_code", "reported_at", "lon", "lat", "description")
# Sources and urgencies may be given as codes or as their Chinese or English labels.
SOURCE_CODES = {name: code for code, names in SOURCES.items() for name in (code, *names)}
URGENCY_CODES = {name: code for code, names in URGENCIES.items() for name in (code, *names)}
LOCAL_TIME = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
US_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")
# The statuses an imported row can take, the actions that lead there after 上报, and their names.
STATUS_PATHS = {
    "reported": (),
    "filed": ("file",),
    "dispatched": ("file", "dispatch"),
    "closed": ("file", "dispatch", "handle", "feedback", "verify", "close"),
}
STATUS_NAMES = {"reported": ("上报", "待立案"), "filed": ("立案", "待派遣"), "dispatched": ("派遣", "处置中"),
                "closed": ("结案", "已结案")}
MAPPING_KEYS = {"encoding", "date_format", "timezone", "source", "region", "columns", "categories", "statuses",
                "regions"}
REGION_RULES = ("point", "column")
CENTRE_SHARE = 0.5  # at most this share of a closed case's time goes to the centre's own steps


class ImportFileError(ValueError):
    """A file that can't be imported at all (missing, unreadable, no usable columns, a bad mapping)."""


@dataclass
class Mapping:
    """How to read one export layout; the defaults read the project's own field names."""

    columns: dict[str, str | list[str]] = field(default_factory=dict)
    categories: dict[str, str] | None = None  # their value → event code; None: the column holds codes
    category_default: str | None = None
    statuses: dict[str, str] = field(default_factory=dict)  # their value (lower-case) → STATUS_PATHS key
    regions: dict[str, str] = field(default_factory=dict)  # their value (lower-case) → region code
    region_rule: str = "point"
    date_formats: tuple[str, ...] = ()  # strptime formats; () reads ISO 8601 and Chinese local forms
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    encoding: str | None = None
    source: str | None = None


@dataclass
class Rejected:
    row: int
    reason: str
    record: dict


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    present: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    encoding: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # field → column(s), as shown
    rejected_file: Path | None = None


def _key(name: str) -> str:
    return re.sub(r"\s+", "", str(name)).lower()


def _mapping_error(path, text: str) -> ImportFileError:
    return ImportFileError(f"mapping {path}: {text}")


def _table(data: dict, name: str, path) -> dict:
    table = data.get(name, {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise _mapping_error(path, f"[{name}] must be a table of \"their value\" = \"text\"")
    return table


def load_mapping(path) -> Mapping:
    """A Mapping from a TOML file; ImportFileError names the first problem."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise _mapping_error(path, exc.strerror or str(exc)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _mapping_error(path, f"not TOML: {exc}") from None
    unknown = sorted(set(data) - MAPPING_KEYS)
    if unknown:
        raise _mapping_error(path, f"unknown key {unknown[0]!r}; known: {', '.join(sorted(MAPPING_KEYS))}")
    mapping = Mapping()
    columns = data.get("columns", {})
    if not isinstance(columns, dict):
        raise _mapping_error(path, "[columns] must be a table of field = \"column\"")
    for name, column in columns.items():
        if name not in COLUMN_NAMES:
            raise _mapping_error(path, f"[columns] {name}: unknown field; fields: {', '.join(COLUMN_NAMES)}")
        several = name == "description" and isinstance(column, list) and column
        if not (isinstance(column, str) and column.strip()) and not (several and all(isinstance(c, str) for c in column)):
            raise _mapping_error(path, f"[columns] {name}: a column name" + (" or a list of them" if name == "description" else ""))
        mapping.columns[name] = column
    if "categories" in data:
        categories = _table(data, "categories", path)
        mapping.category_default = categories.pop("default", None)
        for value, code in [*categories.items(), ("default", mapping.category_default or "00000")]:
            if not cases.CATEGORY_CODE.fullmatch(code):
                raise _mapping_error(path, f"[categories] {value!r} = {code!r}: not a 5-digit GB/T 47678.5 event code")
        mapping.categories = {_key(k): v for k, v in categories.items()}
    for value, status in _table(data, "statuses", path).items():
        if status not in STATUS_PATHS:
            raise _mapping_error(path, f"[statuses] {value!r} = {status!r}: use one of {', '.join(STATUS_PATHS)}")
        mapping.statuses[_key(value)] = status
    mapping.regions = {_key(k): v for k, v in _table(data, "regions", path).items()}
    mapping.region_rule = data.get("region", "point")
    if mapping.region_rule not in REGION_RULES:
        raise _mapping_error(path, f"region = {mapping.region_rule!r}: use \"point\" or \"column\"")
    date_format = data.get("date_format", "iso")
    formats = [date_format] if isinstance(date_format, str) else date_format
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) and f for f in formats):
        raise _mapping_error(path, "date_format: \"iso\", \"us\" or a list of strptime formats")
    mapping.date_formats = () if formats == ["iso"] else US_FORMATS if formats == ["us"] else tuple(formats)
    try:
        mapping.timezone = ZoneInfo(str(data.get("timezone", DEFAULT_TIMEZONE)))
    except (ZoneInfoNotFoundError, ValueError):
        raise _mapping_error(path, f"timezone {data.get('timezone')!r}: not an IANA zone such as Asia/Shanghai") from None
    for name in ("encoding", "source"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise _mapping_error(path, f"{name}: must be a string")
        setattr(mapping, name, value)
    if mapping.encoding:
        try:
            "".encode(mapping.encoding)
        except LookupError:
            raise _mapping_error(path, f"encoding {mapping.encoding!r}: unknown") from None
    return mapping


def parse_overrides(items) -> dict[str, str]:
    """`field=column` pairs (a field may be shortened to a unique prefix: external=工单编号)."""
    overrides = {}
    for item in items or ():
        for pair in item.split(","):
            name, sep, column = pair.partition("=")
            matches = [f for f in COLUMN_NAMES if f == name.strip() or f.startswith(name.strip() + "_")]
            if not sep or not column.strip() or len(matches) != 1:
                raise ImportFileError(f"--map {pair!r}: write field=column with a field of {', '.join(COLUMN_NAMES)}")
            overrides[matches[0]] = column.strip()
    return overrides


def resolve_columns(header: list[str], overrides: dict) -> dict[str, str | list[str]]:
    """field → the file's column(s) for it; ImportFileError naming what is missing."""
    by_key = {_key(column): column for column in header}
    columns = {}
    for name, aliases in COLUMN_NAMES.items():
        if name in overrides:
            named = overrides[name] if isinstance(overrides[name], list) else [overrides[name]]
            absent = [column for column in named if _key(column) not in by_key]
            if absent:
                raise ImportFileError(f"{name}={absent[0]}: no such column; columns: {_names(header)}")
            found = [by_key[_key(column)] for column in named]
            columns[name] = found if isinstance(overrides[name], list) else found[0]
            continue
        found = next((by_key[_key(a)] for a in aliases if _key(a) in by_key), None)
        if found is not None:
            columns[name] = found
    required = REQUIRED if "region" not in columns else tuple(n for n in REQUIRED if n not in ("lon", "lat"))
    missing = [name for name in required if name not in columns]
    if missing:
        raise ImportFileError(f"no column for {', '.join(missing)}; columns: {_names(header)}; "
                              f"name them with --map field=column or a mapping's [columns]")
    return columns


def _names(header: list[str], shown: int = 20) -> str:
    names = ", ".join(cases.quote(name)[1:-1] for name in header[:shown]) or "(none)"
    return names + (f" and {len(header) - shown} more" if len(header) > shown else "")


def _shown(column) -> str:
    return "+".join(column) if isinstance(column, list) else column


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text and its encoding: the given one, else UTF-8 (BOM or not), else GB18030/GBK."""
    for name in (encoding,) if encoding else ENCODINGS:
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    if encoding:
        raise ImportFileError(f"not {encoding} text (the mapping's encoding)")
    raise ImportFileError("neither UTF-8 nor GBK text; save it as UTF-8")


def read_records(path: Path, encoding: str | None = None) -> tuple[list[str], list[tuple[int, dict]], str, dict]:
    """(header, [(row number, record)], encoding, {row number: problem}). Rows count from 1, the
    first record after a CSV header or the first JSON object; a CSV row with more or fewer fields
    than the header is a problem of its row."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: {exc.strerror or exc}") from None
    try:
        text, encoding = decode(data, encoding)
    except ImportFileError as exc:
        raise ImportFileError(f"{path}: {exc}") from None
    if "\x00" in text:
        raise ImportFileError(f"{path}: binary data (NUL characters), not CSV or JSON; save a spreadsheet as CSV")
    start = text.lstrip()[:1]
    if not start:
        raise ImportFileError(f"{path}: empty file")
    if start in "[{":
        records = _json_records(text, path)
        header = list(dict.fromkeys(k for _, record in records for k in record))
        return header, records, encoding, {}
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = [name for name in (reader.fieldnames or []) if name]
        rows = list(enumerate(reader, 1))
    except csv.Error as exc:
        raise ImportFileError(f"{path}: not readable as CSV (truncated?): {exc}") from None
    problems = {}
    for i, row in rows:
        missing = sum(value is None for name, value in row.items() if name is not None)
        extra = len(row.get(None) or ())
        if missing or extra:  # a cut-off or shifted row
            problems[i] = f"{len(reader.fieldnames) - missing + extra} fields, the header has {len(reader.fieldnames)}"
    return header, [(i, {k: v for k, v in row.items() if k}) for i, row in rows], encoding, problems


def _json_records(text: str, path: Path) -> list[tuple[int, dict]]:
    try:
        if text.lstrip().startswith("["):
            items = json.loads(text)
        else:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
    except (ValueError, RecursionError) as exc:
        raise ImportFileError(f"{path}: not JSON lines or a JSON array (truncated?): {exc}") from None
    if not isinstance(items, list):
        raise ImportFileError(f"{path}: a JSON array of objects or one object per line")
    return [(i, item if isinstance(item, dict) else {"": item}) for i, item in enumerate(items, 1)]


def _number(value):
    if isinstance(value, str):
        try:
            number = float(value.strip())
            return number if math.isfinite(number) else value
        except ValueError:
            return value
    return value


def _text(value):
    if value is None or isinstance(value, str):
        return value.strip() if isinstance(value, str) else None
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def to_utc(value, mapping: Mapping, name: str):
    """A time of the file as ISO 8601 UTC text; a time without an offset is in the mapping's zone.
    Anything unreadable is returned as it is, for parse_time to name; "" and None are None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        return value
    text = value.strip()
    at = None
    if mapping.date_formats:
        for fmt in mapping.date_formats:
            try:
                at = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if at is None:
            raise cases.CaseInputError({name: f"not a time in the format {mapping.date_formats[0]}: {cases.quote(value)}"})
    else:
        match = LOCAL_TIME.fullmatch(text)
        try:
            at = (datetime(*(int(part or 0) for part in match.groups())) if match
                  else datetime.fromisoformat(text))
        except ValueError:
            return value
    if at.tzinfo is None:
        at = at.replace(tzinfo=mapping.timezone)
    try:
        return at.astimezone(UTC).isoformat()
    except OverflowError:  # the year 1 in a zone east of UTC
        raise cases.CaseInputError({name: f"out of range: {cases.quote(value)}"}) from None


def _category(value, mapping: Mapping):
    text = _text(value)
    if mapping.categories is None:
        if isinstance(text, str) and text.isdigit():
            return text.zfill(5)  # spreadsheets drop leading zeros
        return text
    code = mapping.categories.get(_key(text or ""), mapping.category_default)
    if code is None:
        raise cases.CaseInputError({"category_code": f"{cases.quote(text)} is not in the mapping's [categories] "
                                                     f"and it has no default"})
    return code


def _status(value, mapping: Mapping) -> str:
    text = _key(_text(value) or "")
    known = {**{_key(n): code for code, names in STATUS_NAMES.items() for n in (code, *names)}, **mapping.statuses}
    if text not in known:
        raise cases.CaseInputError({"status": f"{cases.quote(_text(value))} is not in the mapping's [statuses]; "
                                              f"known: {', '.join(sorted(known))}"})
    return known[text]


@dataclass
class Row:
    """One record read: the ingest payload and what the import does beyond a report."""

    payload: dict
    status: str = "reported"
    closed_at: str | None = None
    region: str | None = None  # region code from the region column, when it names one


def to_row(record: dict, columns: dict, mapping: Mapping, source: str) -> Row:
    """The ingest API body of one record, its status, closed time and region; CaseInputError."""
    values = {name: record.get(column) for name, column in columns.items() if not isinstance(column, list)}
    if isinstance(columns.get("description"), list):
        values["description"] = "：".join(t for t in (_text(record.get(c)) for c in columns["description"]) if t)
    payload = {name: _text(value) for name, value in values.items()
               if name not in ("lon", "lat", "status", "closed_at", "region")}
    payload.update(lon=_number(values.get("lon")), lat=_number(values.get("lat")))
    row, errors = Row(payload), {}
    steps = (("reported_at", lambda: to_utc(payload.get("reported_at"), mapping, "reported_at")),
             ("category_code", lambda: _category(values["category_code"], mapping)),
             ("closed_at", lambda: to_utc(values.get("closed_at"), mapping, "closed_at")),
             ("status", lambda: _status(values["status"], mapping) if "status" in columns else "reported"))
    for name, convert in steps:
        try:
            value = convert()
        except cases.CaseInputError as exc:
            errors.update(exc.errors)
            continue
        if name in ("closed_at", "status"):
            setattr(row, name, value)
        else:
            payload[name] = value
    if errors:
        raise cases.CaseInputError(errors)
    given = _text(values.get("region"))
    row.region = mapping.regions.get(_key(given)) if given else None
    payload["source"] = SOURCE_CODES.get(payload.get("source") or source, payload.get("source") or source)
    if payload.get("urgency"):
        payload["urgency"] = URGENCY_CODES.get(payload["urgency"], payload["urgency"])
    row.payload = {name: value for name, value in payload.items() if value not in (None, "")}
    return row


def _has_point(payload: dict) -> bool:
    return all(isinstance(payload.get(n), (int, float)) and math.isfinite(payload[n]) for n in ("lon", "lat"))


class Placer:
    """Region rule → (grid, community, region) over the grid index, and a point for rows without one."""

    def __init__(self, index: cases.GridIndex, labels: dict[str, tuple[float, float]], rule: str,
                 by_region: bool = False):
        self.index, self.labels, self.rule = index, labels, rule
        self.by_region = by_region  # the mapping has a [regions] table
        self.geoms = index.tree.geometries
        self.of_region: dict[str, np.ndarray] = {}
        for i, code in enumerate(index.region):
            self.of_region.setdefault(code, []).append(i)

    def _place(self, i: int) -> tuple[str, str, str]:
        return self.index.codes[i], self.index.community[i], self.index.region[i]

    def _in_region(self, region: str, point) -> int | None:
        """The region's grid holding `point`, else the nearest to it (or to the region's label point)."""
        mine = np.array(self.of_region.get(region, []), dtype=int)
        if not len(mine):
            return None
        target = point or shapely.Point(self.labels[region])
        return int(mine[np.argmin(shapely.distance(self.geoms[mine], target))])

    def place(self, row: Row) -> tuple[str, str, str] | None:
        """Where the row's case lies; fills in a point for a row without one."""
        point = shapely.Point(row.payload["lon"], row.payload["lat"]) if _has_point(row.payload) else None
        at_point = self.index.locate(point.x, point.y) if point is not None else None
        if row.region and (self.rule == "column" or at_point is None):
            i = self._in_region(row.region, point)
            if i is not None:
                if point is None:
                    centre = shapely.point_on_surface(self.geoms[i])
                    row.payload.update(lon=round(centre.x, 6), lat=round(centre.y, 6))
                return self._place(i)
        return at_point


def step_times(reported_at: datetime, actions, urgency: str, handling_limit: int,
               closed_at: datetime | None = None, now: datetime | None = None) -> list[tuple[str, datetime]]:
    """Times for the steps after 上报 of an imported case: each of the centre's steps takes half of
    its limit (lifecycle.step_limit) and 处置 its category's limit; a case closed at `closed_at`
    gives its centre steps at most CENTRE_SHARE of its time and 处置 the rest, so every step lies
    in order between report and close. Open cases' steps are kept no later than `now`."""
    half = {a: timedelta(minutes=lifecycle.step_limit(a, urgency, handling_limit) / 2) for a in actions}
    if closed_at is not None:
        centre = sum((half[a] for a in actions if a != "handle"), timedelta())
        span = closed_at - reported_at
        scale = min(1.0, CENTRE_SHARE * span / centre) if centre else 1.0
        half = {a: d * scale for a, d in half.items()}
        half["handle"] = span - centre * scale
    times, at = [], reported_at
    for action in actions:
        at = min(at + half[action], now) if now is not None and closed_at is None else at + half[action]
        times.append((action, at))
    if closed_at is not None:
        times[-1] = (actions[-1], closed_at)  # exactly, not up to rounding
    return times


def _reason(errors: dict, columns: dict) -> str:
    named = {"location": "lon/lat", "place": "region"}
    return "; ".join(f"{_shown(columns.get(name, named.get(name, name)))}: {text}" for name, text in errors.items())


@dataclass
class Parsed:
    """A row ready to write: the new case, where it lies, and the steps after its report."""

    new: cases.NewCase
    place: tuple[str, str, str] | None
    status: str
    closed_at: datetime | None


def parse_row(row: Row, placer: Placer, now: datetime) -> Parsed:
    """Checks of one row that need no database; CaseInputError lists what is wrong."""
    if not row.payload.get("external_id"):
        raise cases.CaseInputError({"external_id": "required: a re-import finds the row by it"})
    place = placer.place(row)
    if place is None and placer.by_region and not _has_point(row.payload):
        raise cases.CaseInputError({"location": "no coordinates, and no region the mapping's [regions] knows"})
    new = cases.parse_new_case(row.payload)
    closed_at = None
    if row.status == "closed":
        errors = {}
        closed_at = cases.parse_time(row.closed_at, "closed_at", errors) if row.closed_at else None
        if row.closed_at is None:
            errors["closed_at"] = "empty for a closed case; the import can't tell when it was closed"
        elif closed_at is not None and closed_at < new.reported_at:
            errors["closed_at"] = f"{closed_at:%Y-%m-%d %H:%M:%S} UTC is before the report at {new.reported_at:%Y-%m-%d %H:%M:%S} UTC"
        elif closed_at is not None and closed_at > now + cases.FUTURE_SKEW:
            errors["closed_at"] = f"{closed_at:%Y-%m-%d %H:%M:%S} UTC is in the future"
        if errors:
            raise cases.CaseInputError(errors)
    return Parsed(new, place, row.status, closed_at)


def _store(session: Session, parsed: Parsed, now: datetime, stale: set) -> bool:
    """Write one row: its report, then its steps; True when the case is new. CaseInputError.
    The rollup keys its steps changed go to `stale` (the report's are refreshed by create_case)."""
    department = None
    if parsed.status != "reported" and parsed.place is not None:
        category = session.execute(select(Category).where(
            Category.kind == "event", Category.code == parsed.new.category_code)).scalar_one_or_none()
        if category is not None:
            try:
                department = cases.responsible_department(session, category, parsed.place[2])
            except NoResultFound:
                raise cases.CaseInputError({"place": f"no department answers for category {category.code} "
                                                     f"in region {parsed.place[2]}"}) from None
    case, created = cases.submit_case(session, parsed.new, actor=IMPORT_ACTOR, now=now, place=parsed.place)
    actions = STATUS_PATHS[parsed.status]
    if created and actions:
        before = rollups.daily_key(case)
        for action, at in step_times(case.reported_at, actions, case.urgency, case.time_limit_minutes,
                                     parsed.closed_at, now):
            lifecycle.apply(case, action, at, IMPORT_ACTOR, department_id=department if action == "dispatch" else None)
        stale.update({before, rollups.daily_key(case)})
    return created


def _write(engine, batch: list[tuple[int, Parsed]], now: datetime) -> list[tuple[int, bool | dict]]:
    """Store one batch in one transaction: [(row, created?) or (row, errors)]. A unique
    violation (a concurrent writer of the same external id) redoes the batch row by row."""
    try:
        results, stale = [], set()
        with Session(engine) as session, session.begin():
            for row, parsed in batch:
                try:
                    results.append((row, _store(session, parsed, now, stale)))  # checks values before writing
                except cases.CaseInputError as exc:
                    results.append((row, exc.errors))
            session.flush()
            rollups.refresh(session.connection(), stale)  # once per batch, in its transaction
        return results
    except IntegrityError:
        if len(batch) == 1:
            raise
        return [result for item in batch for result in _write_retrying(engine, item, now)]


def _write_retrying(engine, item, now: datetime):
    for attempt in range(cases.INGEST_ATTEMPTS):
        try:
            return _write(engine, [item], now)
        except IntegrityError:
            if attempt == cases.INGEST_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def rejected_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejected.csv")


def _placer(engine, mapping: Mapping) -> Placer:
    """The grid index and region label points; ImportFileError when no [regions] code is stored
    (a mapping for another database; a row naming a region not stored is rejected)."""
    with Session(engine) as session:
        labels = {r.code: (r.label_lon, r.label_lat)
                  for r in session.execute(select(Region.code, Region.label_lon, Region.label_lat))}
        index = cases.grid_index(session)
    if mapping.regions and not set(mapping.regions.values()) & set(labels):
        raise ImportFileError(f"mapping [regions]: none of its regions is in the database "
                              f"(such as {min(mapping.regions.values())})")
    return Placer(index, labels, mapping.region_rule, bool(mapping.regions))


def import_file(engine, path, overrides: dict[str, str] | None = None, source: str | None = None,
                progress: bool = False, batch_size: int = BATCH_SIZE, mapping: Mapping | None = None,
                now: datetime | None = None) -> ImportReport:
    """Import every record of `path`; raises ImportFileError for an unusable file (nothing written)."""
    from tqdm import tqdm

    path = Path(path)
    mapping = mapping or Mapping()
    now = now or utcnow()
    source = source or mapping.source or "hotline"
    header, records, encoding, problems = read_records(path, mapping.encoding)
    columns = resolve_columns(header, {**mapping.columns, **(overrides or {})})
    placer = _placer(engine, mapping)
    report = ImportReport(total=len(records), encoding=encoding,
                          columns={name: _shown(column) for name, column in columns.items()})
    by_row = dict(records)
    with tqdm(total=len(records), unit="row", desc="import", disable=not progress) as bar:
        for offset in range(0, len(records), batch_size):
            batch = []
            for row, record in records[offset:offset + batch_size]:
                try:
                    if row in problems:
                        raise cases.CaseInputError({"row": problems[row]})
                    batch.append((row, parse_row(to_row(record, columns, mapping, source), placer, now)))
                except cases.CaseInputError as exc:
                    report.rejected.append(Rejected(row, _reason(exc.errors, columns), record))
            for row, outcome in _write(engine, batch, now) if batch else []:
                if isinstance(outcome, dict):
                    report.rejected.append(Rejected(row, _reason(outcome, columns), by_row[row]))
                elif outcome:
                    report.created += 1
                else:
                    report.present += 1
            bar.update(len(records[offset:offset + batch_size]))
    report.rejected.sort(key=lambda r: r.row)
    report.rejected_file = _write_rejected(path, header, report.rejected)
    return report


def _write_rejected(path: Path, header: list[str], rejected: list[Rejected]) -> Path | None:
    """FILE.rejected.csv: row, reason and the row's own columns (UTF-8 with BOM for Excel);
    an older one is removed when nothing was rejected."""
    target = rejected_path(path)
    if not rejected:
        target.unlink(missing_ok=True)
        return None
    with open(target, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "reason", *header])
        for item in rejected:
            writer.writerow([item.row, item.reason, *(_cell(item.record.get(name)) for name in header)])
    return target


def _cell(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
