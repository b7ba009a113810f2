"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over the cases.

    GET  /open311/v2/services.json|xml              the event categories as services
    GET  /open311/v2/requests.json|xml              cases as service requests, filtered
    GET  /open311/v2/requests/<case_no>.json|xml    one case
    POST /open311/v2/requests.json|xml              report a case (source 公众举报)

Every call needs an API key (`cockpit apikey create`) as the `api_key` parameter (or the
ingest API's headers). Errors follow the spec: [{"code": 400, "description": "..."}] with the
same HTTP status. Reporters' names, phones and e-mails are never answered, addresses are
answered with house numbers masked. New cases go through data_access.cases.ingest_case.
"""
from __future__ import annotations

import logging
import math
import re
import xml.etree.ElementTree as ET
from datetime import timedelta, timezone

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.exc import NoResultFound, SQLAlchemyError
from sqlalchemy.orm import Session

from dashboard.api import _engine, _presented_key
from data_access import api_keys, cases, clock, open311
from data_access.clock import LOCAL_OFFSET
from data_access.lifecycle import status_label

log = logging.getLogger(__name__)
bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

MAX_BODY_BYTES = 100_000
MAX_SPAN = timedelta(days=90)  # the spec's widest start_date..end_date
DEFAULT_PAGE_SIZE = MAX_PAGE_SIZE = 1000  # the spec's default number of requests
MAX_PAGE = 100_000
MAX_IDS = 100  # case numbers or service codes in one filter
MAX_MEDIA_URL = 500
FORMATS = ("json", "xml")
LOCAL_TZ = timezone(LOCAL_OFFSET)


class Open311Error(Exception):
    """An answer in the GeoReport error format."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__("; ".join(descriptions))
        self.status, self.descriptions = status, descriptions


def register(server) -> None:
    """Mount the blueprint on the app's Flask server."""
    server.register_blueprint(bp)


# ---- answers in JSON or XML ----

def _format() -> str:
    return request.view_args.get("fmt", "json") if request.view_args else "json"


def _xml_text(value) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _xml(root: str, item: str, rows: list[dict]) -> Response:
    top = ET.Element(root)
    for row in rows:
        node = ET.SubElement(top, item)
        for key, value in row.items():
            ET.SubElement(node, key).text = _xml_text(value)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8", xml_declaration=False)
    return Response(body, mimetype="text/xml")


def _answer(root: str, item: str, rows: list[dict], status: int = 200):
    if _format() == "xml":
        response = _xml(root, item, rows)
        response.status_code = status
        return response
    return jsonify(rows), status


def _error_answer(exc: Open311Error):
    rows = [{"code": exc.status, "description": text} for text in exc.descriptions]
    return _answer("errors", "error", rows, exc.status)


@bp.errorhandler(Open311Error)
def _on_error(exc: Open311Error):
    return _error_answer(exc)


@bp.errorhandler(SQLAlchemyError)
def _on_database_error(exc):
    log.exception("Open311 database error")
    return _error_answer(Open311Error(503, "database unavailable; retry later"))


# ---- key and limits, before every view ----

@bp.before_request
def authenticate():
    request.max_content_length = MAX_BODY_BYTES
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _error_answer(Open311Error(413, f"request body larger than {MAX_BODY_BYTES} bytes"))
    if request.view_args is not None and request.view_args.get("fmt") not in FORMATS:
        request.view_args["fmt"] = "json"
        return _error_answer(Open311Error(404, "unknown format; use .json or .xml"))
    key = request.values.get("api_key") or _presented_key()
    if not key:
        return _error_answer(Open311Error(403, "api_key required"))
    with Session(_engine()) as session:
        row = api_keys.verify(session, key)
    if row is None:
        return _error_answer(Open311Error(403, "api_key not valid"))
    request.environ["cockpit.api_key"] = row.name
    return None


# ---- parameters ----

def _param(name: str, limit: int = 200) -> str | None:
    value = request.values.get(name)
    if value is None or value.strip() == "":
        return None
    if len(value) > limit:
        raise Open311Error(400, f"{name}: longer than {limit} characters")
    if "\x00" in value:
        raise Open311Error(400, f"{name}: must not contain NUL characters")
    return value.strip()


def _list(name: str, pattern: re.Pattern, what: str) -> list[str] | None:
    text = _param(name, limit=MAX_IDS * 21)
    if text is None:
        return None
    items = [item.strip() for item in text.split(",") if item.strip()]
    if len(items) > MAX_IDS:
        raise Open311Error(400, f"{name}: at most {MAX_IDS} values")
    bad = [item for item in items if not pattern.fullmatch(item)]
    if bad:
        raise Open311Error(400, f"{name}: not {what}: {cases.quote(bad[0])}")
    return items


def _int(name: str, default: int, high: int) -> int:
    text = _param(name, limit=12)
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= high:
        raise Open311Error(400, f"{name}: a whole number from 1 to {high}, not {cases.quote(text)}")
    return int(text)


def _time(name: str):
    text = _param(name, limit=40)
    if text is None:
        return None
    errors: dict[str, str] = {}
    at = cases.parse_time(text, name, errors)
    if errors:
        raise Open311Error(400, f"{name}: {errors[name]}")
    return at


def _known_codes(session: Session, codes: list[str]) -> None:
    unknown = open311.unknown_service_codes(session, codes)
    if unknown:
        raise Open311Error(400, f"service_code: no service {cases.quote(unknown[0])} (see services.json)")


def _iso(moment) -> str | None:
    """Naive UTC → ISO 8601 in China Standard Time (+08:00)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def _language() -> str:
    from dashboard.app import SETTINGS_KEY

    return current_app.config[SETTINGS_KEY].language


def _request_json(row: open311.RequestRow) -> dict:
    return {
        "service_request_id": row.case_no,
        "status": row.open311_status,
        "status_notes": status_label(row.status, _language()),
        "service_name": row.service_name,
        "service_code": row.service_code,
        "description": row.description,
        "agency_responsible": row.agency,
        "service_notice": None,
        "requested_datetime": _iso(row.requested_at),
        "updated_datetime": _iso(row.updated_at),
        "expected_datetime": _iso(row.expected_at),
        "address": row.address,
        "address_id": None,
        "zipcode": None,
        "lat": row.lat,
        "long": row.lon,
        "media_url": None,
    }


def _requests_answer(rows: list[open311.RequestRow]):
    return _answer("service_requests", "request", [_request_json(row) for row in rows])


# ---- views ----

@bp.get("/services.<fmt>")
def services(fmt: str):
    with Session(_engine()) as session:
        rows = open311.services(session)
    return _answer("services", "service", [
        {"service_code": s.code, "service_name": s.name, "description": s.name, "metadata": False,
         "type": "realtime", "keywords": s.group, "group": s.group} for s in rows])


@bp.get("/requests.<fmt>")
def list_requests(fmt: str):
    ids = _list("service_request_id", cases.CASE_NO, "a case number")
    with Session(_engine()) as session:
        if ids:  # the spec: the other filters are ignored
            return _requests_answer(open311.find_requests(session, case_nos=ids, limit=MAX_IDS))
        codes = _list("service_code", cases.CATEGORY_CODE, "a 5-digit service code")
        statuses = _list("status", re.compile("|".join(open311.STATUS_GROUPS)), "open or closed")
        start, end = _time("start_date"), _time("end_date")
        page_size = _int("page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        page = _int("page", 1, MAX_PAGE)
        if start is not None and end is not None and end < start:
            raise Open311Error(400, "end_date is before start_date")
        if start is None:
            start = (end or clock.utcnow()) - MAX_SPAN
        if end is None:
            end = start + MAX_SPAN
        if end - start > MAX_SPAN:
            raise Open311Error(400, f"start_date and end_date at most {MAX_SPAN.days} days apart")
        if codes:
            _known_codes(session, codes)
        rows = open311.find_requests(session, service_codes=codes, start=start, end=end, statuses=statuses,
                                     limit=page_size, offset=(page - 1) * page_size)
    return _requests_answer(rows)


@bp.get("/requests/<request_id>.<fmt>")
def one_request(request_id: str, fmt: str):
    row = None
    if cases.CASE_NO.fullmatch(request_id):
        with Session(_engine()) as session:
            row = open311.find_request(session, request_id)
    if row is None:
        raise Open311Error(404, f"no service request {cases.quote(request_id)}")
    return _requests_answer([row])


def _coordinate(name: str, limit: int) -> float:
    text = _param(name, limit=40)
    if text is None:
        raise Open311Error(400, "lat and long required (this server does not geocode address_string)")
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > limit:
        raise Open311Error(400, f"{name}: WGS-84 degrees within ±{limit}, not {cases.quote(text)}")
    return number


def _reporter_name() -> str | None:
    name = "".join(part for part in (_param("last_name", 32), _param("first_name", 32)) if part)
    return name or None  # a Chinese name reads family name first


def _description() -> str:
    description = _param("description", 2000)
    if description is None:
        raise Open311Error(400, "description required")
    media_url = _param("media_url", MAX_MEDIA_URL)
    if media_url is not None:
        if not re.fullmatch(r"https?://\S+", media_url):
            raise Open311Error(400, f"media_url: an http(s) URL, not {cases.quote(media_url)}")
        description = f"{description}\n{media_url}"
    return description


# the ingest fields' names in Open311, for error messages
PARAMS = {"category_code": "service_code", "lon": "long", "address": "address_string",
          "reporter_name": "first_name/last_name", "reporter_phone": "phone"}


@bp.post("/requests.<fmt>")
def create_request(fmt: str):
    codes = _list("service_code", cases.CATEGORY_CODE, "a 5-digit service code")
    if not codes or len(codes) != 1:
        raise Open311Error(400, "service_code required: one code from services.json")
    with Session(_engine()) as session:
        _known_codes(session, codes)
    payload = {
        "category_code": codes[0], "source": "public", "lat": _coordinate("lat", 90),
        "lon": _coordinate("long", 180), "description": _description(),
        "address": _param("address_string", 200) or "",
        "reporter_name": _reporter_name(), "reporter_phone": _param("phone", 20),
        "reported_at": _iso(clock.utcnow()),
    }
    _param("email", 200)  # checked, never stored
    try:
        case_no, _created = cases.ingest_case(_engine(), payload)
    except cases.CaseInputError as exc:
        status = 422 if set(exc.errors) <= {"location", "reported_at"} else 400
        raise Open311Error(status, *(f"{PARAMS.get(field, field)}: {text}" for field, text in exc.errors.items())) from None
    except NoResultFound as exc:
        raise Open311Error(422, cases.quote(str(exc))) from None
    notice = {"zh": f"已受理，案件编号 {case_no}，状态：待立案",
              "en": f"Received as case {case_no}; status: to file"}[_language()]
    return _answer("service_requests", "request",
                   [{"service_request_id": case_no, "service_notice": notice, "account_id": None}], 201)
