"""The ingest API: how cases reach the cockpit from the case-handling system.

    POST /api/v1/cases                          create a case (idempotent by external_id)
    POST /api/v1/cases/<case_no>/transitions    move a case one step through the closed loop

Both need an API key (`cockpit apikey create`) in `Authorization: Bearer <key>` or
`X-API-Key: <key>`: none gives 401, a wrong or revoked one 403. Bad input gets 422 with
{"errors": {field: problem}}, an illegal step (or a step lost to a concurrent one) 409, an
unknown case 404, a body over MAX_BODY_BYTES 413. Each request is one transaction, written
through data_access.cases (the function the simulator uses too).
"""
from __future__ import annotations

import json
import logging
import re
import time

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy.exc import NoResultFound, SQLAlchemyError
from sqlalchemy.orm import Session

from dashboard import ratelimit
from dashboard.auth import Viewer, record
from data_access import api_keys, cases, db
from data_access.lifecycle import STATUS_LABELS, TransitionError

log = logging.getLogger(__name__)
api = Blueprint("ingest_api", __name__, url_prefix="/api/v1")

MAX_BODY_BYTES = 1_000_000
RATE_WINDOW = 60  # seconds
REQUESTS_PER_KEY = 600  # a minute; a 12345 platform posting in bursts stays well below it
REQUESTS_PER_ADDRESS = 1200  # a minute, also counting requests with no key or a wrong one
MAX_DEPTH = 20  # nesting of JSON arrays and objects; a case body needs 2
_TOKENS = re.compile(rb'\\.|["\[\]{}]', re.DOTALL)  # an escape pair, a quote or a bracket


class BodyTooLarge(ValueError):
    """A request body over MAX_BODY_BYTES."""


def _engine():
    from dashboard.app import SETTINGS_KEY

    return db.get_engine(current_app.config[SETTINGS_KEY].database_url)


def _error(status: int, message: str, errors: dict | None = None):
    body = {"error": message}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("X-API-Key") or None


@api.before_request
def authenticate():
    if ratelimit.hit(f"api:addr:{request.remote_addr}", RATE_WINDOW) > REQUESTS_PER_ADDRESS:
        return _too_many("this address")
    key = _presented_key()
    if key is None:
        response, status = _error(401, "API key required: send 'Authorization: Bearer <key>' or 'X-API-Key'")
        response.headers["WWW-Authenticate"] = 'Bearer realm="cockpit"'
        return response, status
    try:
        with Session(_engine()) as session:
            row = api_keys.verify(session, key)
    except SQLAlchemyError:
        log.exception("API key lookup failed")
        return _error(503, "database unavailable, nothing was stored; retry later")
    if row is None:
        return _error(403, "API key not valid")
    if ratelimit.hit(f"api:key:{row.prefix}", RATE_WINDOW) > REQUESTS_PER_KEY:
        return _too_many("this key")
    request.environ["cockpit.api_key"] = row.name
    g.cockpit_viewer = Viewer(f"apikey:{row.name}", "api")  # whom the audit log names for its writes
    return None


def _too_many(who: str):
    response, status = _error(429, f"too many requests from {who} this minute; retry after the Retry-After seconds")
    response.headers["Retry-After"] = str(RATE_WINDOW - int(time.time()) % RATE_WINDOW)
    return response, status


def json_depth(data: bytes, stop: int = MAX_DEPTH) -> int:
    """How deeply arrays and objects nest in a JSON text, counted up to just past `stop`
    (brackets inside strings don't count). One pass, no backtracking, whatever the text."""
    depth = deepest = 0
    in_string = False
    for token in _TOKENS.findall(data):
        if token == b'"':
            in_string = not in_string
        elif in_string or len(token) == 2:
            continue
        elif token in b"[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > stop:
                break
        else:
            depth -= 1
    return deepest


def _json_body():
    """The request's JSON, read at most MAX_BODY_BYTES and checked for depth before parsing."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise BodyTooLarge
    data = request.stream.read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        raise BodyTooLarge
    if not request.is_json or not data.strip():
        raise cases.CaseInputError({"body": "send a JSON object with Content-Type: application/json"})
    if json_depth(data) > MAX_DEPTH:
        raise cases.CaseInputError({"body": f"JSON nested deeper than {MAX_DEPTH} levels"})
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise cases.CaseInputError({"body": f"not valid JSON: {cases.quote(str(exc))}"}) from None


def _too_large():
    return _error(413, f"request body larger than {MAX_BODY_BYTES} bytes")


def _case_json(case) -> dict:
    return {"case_no": case.case_no, "status": case.status, "status_label": STATUS_LABELS.get(case.status),
            "deadline_at": case.deadline_at.isoformat() + "Z" if case.deadline_at else None}


@api.post("/cases")
def create_case():
    try:
        case_no, created = cases.ingest_case(_engine(), _json_body(), actor=None)
    except BodyTooLarge:
        return _too_large()
    except cases.CaseInputError as exc:
        return _error(422, "invalid case", exc.errors)
    except NoResultFound as exc:
        return _error(422, "invalid case", {"reference": cases.quote(str(exc))})
    except SQLAlchemyError:
        log.exception("ingest failed")
        return _error(503, "database unavailable, nothing was stored; retry later")
    if created:
        record("api.case", case_no)
    return jsonify({"case_no": case_no, "created": created, "url": f"/case/{case_no}"}), 201 if created else 200


@api.post("/cases/<case_no>/transitions")
def transition(case_no: str):
    try:
        case = cases.ingest_transition(_engine(), case_no, _json_body())
    except BodyTooLarge:
        return _too_large()
    except cases.CaseNotFound:
        return _error(404, f"no case {cases.quote(case_no)}")
    except cases.CaseInputError as exc:
        return _error(422, "invalid transition", exc.errors)
    except TransitionError as exc:
        return _error(409, "illegal transition", {"action": str(exc)})
    except NoResultFound:
        return _error(422, "invalid transition", {"department_id": "no responsible department for this case; send department_id"})
    except SQLAlchemyError:
        log.exception("transition failed")
        return _error(503, "database unavailable, nothing was stored; retry later")
    record("api.transition", f"{case.case_no} {case.status}")
    return jsonify(_case_json(case)), 200
