"""The ingest API: how cases reach the cockpit from the case-handling system.

    POST /api/v1/cases                          create a case (idempotent by external_id)
    POST /api/v1/cases/<case_no>/transitions    move a case one step through the closed loop

Both need an API key (`cockpit apikey create`) in `Authorization: Bearer <key>` or
`X-API-Key: <key>`: none gives 401, a wrong or revoked one 403. Bad input gets 422 with
{"errors": {field: problem}}, an illegal step 409, an unknown case 404. Each request is one
transaction, written through data_access.cases (the function the simulator uses too).
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import NoResultFound, SQLAlchemyError
from sqlalchemy.orm import Session

from data_access import api_keys, cases, db
from data_access.lifecycle import STATUS_LABELS, TransitionError

log = logging.getLogger(__name__)
api = Blueprint("ingest_api", __name__, url_prefix="/api/v1")


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
    key = _presented_key()
    if key is None:
        response, status = _error(401, "API key required: send 'Authorization: Bearer <key>' or 'X-API-Key'")
        response.headers["WWW-Authenticate"] = 'Bearer realm="cockpit"'
        return response, status
    with Session(_engine()) as session:
        row = api_keys.verify(session, key)
    if row is None:
        return _error(403, "API key not valid")
    request.environ["cockpit.api_key"] = row.name
    return None


def _json_body():
    body = request.get_json(silent=True)
    if body is None:
        raise cases.CaseInputError({"body": "send a JSON object with Content-Type: application/json"})
    return body


def _case_json(case) -> dict:
    return {"case_no": case.case_no, "status": case.status, "status_label": STATUS_LABELS.get(case.status),
            "deadline_at": case.deadline_at.isoformat() + "Z" if case.deadline_at else None}


@api.post("/cases")
def create_case():
    try:
        case_no, created = cases.ingest_case(_engine(), _json_body(), actor=None)
    except cases.CaseInputError as exc:
        return _error(422, "invalid case", exc.errors)
    except NoResultFound as exc:
        return _error(422, "invalid case", {"reference": str(exc)})
    except SQLAlchemyError:
        log.exception("ingest failed")
        return _error(503, "database unavailable, nothing was stored; retry later")
    return jsonify({"case_no": case_no, "created": created, "url": f"/case/{case_no}"}), 201 if created else 200


@api.post("/cases/<case_no>/transitions")
def transition(case_no: str):
    try:
        case = cases.ingest_transition(_engine(), case_no, _json_body())
    except cases.CaseNotFound:
        return _error(404, f"no case {case_no}")
    except cases.CaseInputError as exc:
        return _error(422, "invalid transition", exc.errors)
    except TransitionError as exc:
        return _error(409, "illegal transition", {"action": str(exc)})
    except NoResultFound:
        return _error(422, "invalid transition", {"department_id": "no responsible department for this case; send department_id"})
    except SQLAlchemyError:
        log.exception("transition failed")
        return _error(503, "database unavailable, nothing was stored; retry later")
    return jsonify(_case_json(case)), 200
