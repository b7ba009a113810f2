"""`cockpit import FILE`: cases from another system (a 12345 or 数字城管 export) in bulk.

A file is CSV (with a header row) or JSON (one object per line, or one array of objects), in
UTF-8 (with or without BOM) or GBK / GB18030. Its columns are matched to the ingest fields by
the names in COLUMN_NAMES (case and spaces ignored), overridable with `field=column`. Every row
goes through the ingest API's path (cases.parse_new_case, then cases.submit_case), so it is
validated the same way and is idempotent by external_id; BATCH_SIZE rows share a transaction.
A case comes in as 上报 (待立案) at its report time.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import cases
from .vocabulary import SOURCES, URGENCIES

BATCH_SIZE = 500
ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads every GBK file
MAX_REASONS = 5  # rejected rows named in the summary
# ingest field → the column names it is recognised by (compared lower-case, without spaces)
COLUMN_NAMES = {
    "external_id": ("external_id", "工单编号", "案件编号", "工单号", "编号", "ticket_id", "uniquekey"),
    "category_code": ("category_code", "小类代码", "小类编码", "类别代码", "事项代码", "service_code"),
    "reported_at": ("reported_at", "上报时间", "受理时间", "发生时间", "创建时间", "requested_datetime",
                    "createddate"),
    "lon": ("lon", "lng", "long", "longitude", "经度"),
    "lat": ("lat", "latitude", "纬度"),
    "description": ("description", "问题描述", "案件描述", "诉求内容", "描述", "内容", "descriptor"),
    "address": ("address", "地址", "发生地址", "地点", "incidentaddress"),
    "source": ("source", "来源", "案件来源"),
    "urgency": ("urgency", "紧急程度"),
    "reporter_name": ("reporter_name", "上报人", "举报人", "联系人"),
    "reporter_phone": ("reporter_phone", "联系电话", "电话", "phone"),
}
REQUIRED = ("external_id", "category_code", "reported_at", "lon", "lat", "description")
# Sources and urgencies may be given as codes or as their Chinese or English labels.
SOURCE_CODES = {name: code for code, names in SOURCES.items() for name in (code, *names)}
URGENCY_CODES = {name: code for code, names in URGENCIES.items() for name in (code, *names)}
LOCAL_TIME = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


class ImportFileError(ValueError):
    """A file that can't be imported at all (missing, unreadable, no usable columns)."""


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
    columns: dict[str, str] = field(default_factory=dict)  # field → column
    rejected_file: Path | None = None


def _key(name: str) -> str:
    return re.sub(r"\s+", "", str(name)).lower()


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


def resolve_columns(header: list[str], overrides: dict[str, str]) -> dict[str, str]:
    """field → the file's column for it; ImportFileError naming what is missing."""
    by_key = {_key(column): column for column in header}
    columns = {}
    for name, aliases in COLUMN_NAMES.items():
        if name in overrides:
            if _key(overrides[name]) not in by_key:
                raise ImportFileError(f"--map {name}={overrides[name]}: no such column; columns: {_names(header)}")
            columns[name] = by_key[_key(overrides[name])]
            continue
        found = next((by_key[_key(a)] for a in aliases if _key(a) in by_key), None)
        if found is not None:
            columns[name] = found
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ImportFileError(f"no column for {', '.join(missing)}; columns: {_names(header)}; "
                              f"name them with --map field=column")
    return columns


def _names(header: list[str], shown: int = 20) -> str:
    names = ", ".join(cases.quote(name)[1:-1] for name in header[:shown]) or "(none)"
    return names + (f" and {len(header) - shown} more" if len(header) > shown else "")


def decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 (BOM or not), else GB18030/GBK."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileError("neither UTF-8 nor GBK text; save it as UTF-8")


def read_records(path: Path) -> tuple[list[str], list[tuple[int, dict]], str]:
    """(header, [(row number, record)], encoding). Rows count from 1, the first record after a
    CSV header or the first JSON object."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: {exc.strerror or exc}") from None
    text, encoding = decode(data)
    if "\x00" in text:
        raise ImportFileError(f"{path}: binary data (NUL characters), not CSV or JSON; save a spreadsheet as CSV")
    start = text.lstrip()[:1]
    if not start:
        raise ImportFileError(f"{path}: empty file")
    if start in "[{":
        records = _json_records(text, path)
        header = list(dict.fromkeys(k for _, record in records for k in record))
        return header, records, encoding
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [name for name in (reader.fieldnames or []) if name]
        records = [(i, {k: v for k, v in row.items() if k}) for i, row in enumerate(reader, 1)]
    except csv.Error as exc:
        raise ImportFileError(f"{path}: not readable as CSV: {exc}") from None
    return header, records, encoding


def _json_records(text: str, path: Path) -> list[tuple[int, dict]]:
    try:
        if text.lstrip().startswith("["):
            items = json.loads(text)
        else:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
    except (ValueError, RecursionError) as exc:
        raise ImportFileError(f"{path}: not JSON lines or a JSON array: {exc}") from None
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


def _time(value):
    """Local times such as 2026/5/1 8:00 or 2026年5月1日 as ISO 8601; anything else unchanged."""
    if not isinstance(value, str):
        return value
    match = LOCAL_TIME.fullmatch(value.strip())
    if not match:
        return value
    y, mo, d, h, mi, s = (int(part or 0) for part in match.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"


def _text(value):
    if value is None or isinstance(value, str):
        return value.strip() if isinstance(value, str) else None
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def to_payload(record: dict, columns: dict[str, str], source: str) -> dict:
    """The ingest API body of one record."""
    values = {name: record.get(column) for name, column in columns.items()}
    payload = {name: _text(value) for name, value in values.items() if name not in ("lon", "lat")}
    payload.update(lon=_number(values["lon"]), lat=_number(values["lat"]), reported_at=_time(payload["reported_at"]))
    payload["source"] = SOURCE_CODES.get(payload.get("source") or source, payload.get("source") or source)
    if payload.get("urgency"):
        payload["urgency"] = URGENCY_CODES.get(payload["urgency"], payload["urgency"])
    if isinstance(payload.get("category_code"), str) and payload["category_code"].isdigit():
        payload["category_code"] = payload["category_code"].zfill(5)  # spreadsheets drop leading zeros
    return {name: value for name, value in payload.items() if value not in (None, "")}


def _reason(errors: dict, columns: dict[str, str]) -> str:
    named = {"location": "lon/lat"}
    return "; ".join(f"{columns.get(name, named.get(name, name))}: {text}" for name, text in errors.items())


def _write(engine, batch: list[tuple[int, cases.NewCase]]) -> list[tuple[int, bool | dict]]:
    """Store one batch in one transaction: [(row, created?) or (row, errors)]. A unique
    violation (a concurrent writer of the same external id) redoes the batch row by row."""
    try:
        results = []
        with Session(engine) as session, session.begin():
            for row, new in batch:
                try:
                    _case, created = cases.submit_case(session, new)  # checks values before writing
                    results.append((row, created))
                except cases.CaseInputError as exc:
                    results.append((row, exc.errors))
        return results
    except IntegrityError:
        if len(batch) == 1:
            raise
        return [result for item in batch for result in _write_retrying(engine, item)]


def _write_retrying(engine, item):
    for attempt in range(cases.INGEST_ATTEMPTS):
        try:
            return _write(engine, [item])
        except IntegrityError:
            if attempt == cases.INGEST_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def rejected_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejected.csv")


def import_file(engine, path, overrides: dict[str, str] | None = None, source: str = "hotline",
                progress: bool = False, batch_size: int = BATCH_SIZE) -> ImportReport:
    """Import every record of `path`; raises ImportFileError for an unusable file (nothing written)."""
    from tqdm import tqdm

    path = Path(path)
    header, records, encoding = read_records(path)
    columns = resolve_columns(header, overrides or {})
    report = ImportReport(total=len(records), encoding=encoding, columns=columns)
    by_row = dict(records)
    with tqdm(total=len(records), unit="row", desc="import", disable=not progress) as bar:
        for offset in range(0, len(records), batch_size):
            batch = []
            for row, record in records[offset:offset + batch_size]:
                try:
                    payload = to_payload(record, columns, source)
                    if not payload.get("external_id"):
                        raise cases.CaseInputError({"external_id": "required: a re-import finds the row by it"})
                    batch.append((row, cases.parse_new_case(payload)))
                except cases.CaseInputError as exc:
                    report.rejected.append(Rejected(row, _reason(exc.errors, columns), record))
            for row, outcome in _write(engine, batch) if batch else []:
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
