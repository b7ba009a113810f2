"""Open311 GeoReport v2: services, requests and their filters, POST through the ingest path,
errors in the spec's format for every bad input, and no personal data in any answer."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy import func, select

from data_access import api_keys, clock, db, open311
from data_access.models import Case, Category

# The fields of a service request in the GeoReport v2 spec.
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
INSIDE = {"lat": "23.025", "long": "113.755"}  # factories.SQUARE
PERSON = {"first_name": "小明", "last_name": "王", "phone": "13812345678", "email": "wang@example.cn"}


def open311_app(settings) -> Flask:
    """A bare Flask server carrying the settings and the blueprint, as create_app would."""
    from dashboard import open311 as blueprint
    from dashboard.app import SETTINGS_KEY

    server = Flask(__name__)
    server.config[SETTINGS_KEY] = settings
    blueprint.register(server)
    return server


@pytest.fixture
def geo(mini_city, make_settings):
    client = open311_app(make_settings(mini_city.url)).test_client()
    with db.session_scope(mini_city.engine) as session:
        key = api_keys.create_key(session, "open311")

    class Api:
        engine = mini_city.engine

        def get(self, path, **params):
            return client.get(f"/open311/v2/{path}", query_string={"api_key": key, **params})

        def post(self, fmt="json", **form):
            return client.post(f"/open311/v2/requests.{fmt}", data={"api_key": key, **form})

    Api.key, Api.client = key, client
    return Api()


def report(**kw) -> dict:
    return {"service_code": "01001", **INSIDE, "description": "井盖缺失", "address_string": "东门路12号", **kw}


def assert_error(response, status: int, words: str = ""):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body, list) and body and all(set(e) == {"code", "description"} for e in body), body
    assert body[0]["code"] == status and words in " ".join(e["description"] for e in body), body


def count_cases(eng) -> int:
    with eng.connect() as conn:
        return conn.execute(select(func.count()).select_from(Case)).scalar_one()


def test_services(geo):
    response = geo.get("services.json")
    assert response.status_code == 200
    (service,) = response.get_json()
    assert set(service) == SERVICE_FIELDS
    assert service == {"service_code": "01001", "service_name": "供水井盖异常", "description": "供水井盖异常",
                       "metadata": False, "type": "realtime", "keywords": "市政公用", "group": "市政公用"}
    root = ET.fromstring(geo.get("services.xml").data)
    assert root.tag == "services" and root.find("service/service_code").text == "01001"
    assert root.find("service/metadata").text == "false"


def test_requests_map_cases(geo):
    response = geo.get("requests.json")
    assert response.status_code == 200
    rows = response.get_json()
    assert [r["service_request_id"] for r in rows] == [f"MINI-{i:04d}" for i in reversed(range(7))]
    assert all(set(r) == REQUEST_FIELDS for r in rows)
    by_id = {r["service_request_id"]: r for r in rows}
    closed, dispatched, rejected = by_id["MINI-0000"], by_id["MINI-0003"], by_id["MINI-0006"]
    assert closed["status"] == "closed" and closed["status_notes"] == "已结案"
    assert rejected["status"] == "closed" and rejected["status_notes"] == "不予立案"
    assert dispatched["status"] == "open" and dispatched["agency_responsible"] == "市市政设施管理中心"
    assert closed["requested_datetime"] == "2026-05-01T16:00:00+08:00"  # factories.T0 in UTC+8
    assert closed["service_code"] == "01001" and closed["service_name"] == "供水井盖异常"
    assert (closed["lat"], closed["long"]) == (23.025, 113.755)
    assert by_id["MINI-0005"]["agency_responsible"] is None  # not dispatched yet
    one = geo.get("requests/MINI-0003.json")
    assert one.status_code == 200 and one.get_json() == [dispatched]
    root = ET.fromstring(geo.get("requests/MINI-0003.xml").data)
    assert root.tag == "service_requests" and root.find("request/status").text == "open"


@pytest.mark.parametrize("params, ids", [
    ({"status": "open"}, [5, 4, 3]),
    ({"status": "closed"}, [6, 2, 1, 0]),
    ({"status": "open,closed"}, [6, 5, 4, 3, 2, 1, 0]),
    ({"service_request_id": "MINI-0001,MINI-0004", "status": "closed"}, [4, 1]),  # ids ignore the rest
    ({"start_date": "2026-05-01T17:00:00+08:00", "end_date": "2026-05-01T18:00:00+08:00"}, [4, 3, 2]),
    ({"start_date": "2026-05-01T09:00:00Z"}, [6, 5, 4, 3, 2]),
    ({"end_date": "2026-05-01 17:00:00"}, [2, 1, 0]),  # no offset: China time
    ({"page_size": "3"}, [6, 5, 4]),
    ({"page_size": "3", "page": "3"}, [0]),
    ({"page_size": "3", "page": "9"}, []),
    ({"service_code": "01001", "status": "open"}, [5, 4, 3]),
])
def test_filters(geo, params, ids):
    response = geo.get("requests.json", **params)
    assert response.status_code == 200, response.get_json()
    assert [r["service_request_id"] for r in response.get_json()] == [f"MINI-{i:04d}" for i in ids]


def test_default_range_is_the_last_90_days(geo):
    old = (clock.utcnow() - timedelta(days=91)).replace(tzinfo=timezone.utc).isoformat()
    assert geo.get("requests.json", start_date=old, end_date=old).get_json() == []
    with db.session_scope(geo.engine) as session:  # move every case back 100 days
        for case in session.execute(select(Case)).scalars():
            case.reported_at -= timedelta(days=100)
    assert geo.get("requests.json").get_json() == []


@pytest.mark.parametrize("params, status, words", [
    ({"start_date": "yesterday"}, 400, "start_date"),
    ({"end_date": "2026-13-40"}, 400, "end_date"),
    ({"start_date": "1900-01-01T00:00:00Z"}, 400, "start_date"),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400, "90 days"),
    ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, 400, "before"),
    ({"page_size": str(10**9)}, 400, "page_size"),
    ({"page_size": "0"}, 400, "page_size"),
    ({"page": "-1"}, 400, "page"),
    ({"page": "x" * 500}, 400, "page"),
    ({"service_code": "99999"}, 400, "no service"),
    ({"service_code": "abc"}, 400, "service_code"),
    ({"service_code": "\x00"}, 400, "NUL"),
    ({"status": "pending"}, 400, "open or closed"),
    ({"status": "open\x00"}, 400, "NUL"),
    ({"service_request_id": "'; drop table cases; --"}, 400, "case number"),
    ({"service_request_id": ",".join(["MINI-0001"] * 101)}, 400, "at most"),
])
def test_bad_filters(geo, params, status, words):
    assert_error(geo.get("requests.json", **params), status, words)


def test_errors_in_xml_and_unknown_things(geo):
    root = ET.fromstring(geo.get("requests.xml", page_size="0").data)
    assert root.tag == "errors" and root.find("error/code").text == "400"
    assert_error(geo.get("requests/NOPE-1.json"), 404, "no service request")
    assert_error(geo.get("requests/%00.json"), 404)
    assert_error(geo.get("requests.html"), 404, "format")


def test_key_required(geo):
    assert_error(geo.client.get("/open311/v2/services.json"), 403, "api_key required")
    assert_error(geo.client.get("/open311/v2/requests.json", query_string={"api_key": "ck_deadbeef_wrong"}), 403)
    headers = {"X-API-Key": geo.key}
    assert geo.client.get("/open311/v2/services.json", headers=headers).status_code == 200
    before = count_cases(geo.engine)
    assert_error(geo.client.post("/open311/v2/requests.json", data=report()), 403)
    with db.session_scope(geo.engine) as session:
        api_keys.revoke(session, geo.key.split("_")[1])
    assert_error(geo.get("services.json"), 403, "not valid")
    assert count_cases(geo.engine) == before


def test_post_creates_a_public_case(geo):
    response = geo.post(**report(media_url="https://img.example.cn/1.jpg"), **PERSON)
    assert response.status_code == 201, response.get_json()
    (answer,) = response.get_json()
    case_no = answer["service_request_id"]
    assert case_no.startswith("DG20260715") and case_no in answer["service_notice"]
    with db.session_scope(geo.engine) as session:
        case = session.execute(select(Case).where(Case.case_no == case_no)).scalar_one()
        category = session.get(Category, case.category_id)
        assert (case.source, case.status, category.code) == ("public", "reported", "01001")
        assert (case.reporter_name, case.reporter_phone) == ("王小明", "13812345678")
        assert case.description == "井盖缺失\nhttps://img.example.cn/1.jpg"
        assert abs(case.reported_at - clock.utcnow()) < timedelta(minutes=1)
    (row,) = geo.get(f"requests/{case_no}.json").get_json()
    assert row["status"] == "open" and row["address"] == "东门路**号"
    for path in (f"requests/{case_no}.json", f"requests/{case_no}.xml", "requests.json", "requests.xml"):
        text = geo.get(path).get_data(as_text=True)
        assert case_no in text
        assert not any(value in text for value in ("王小明", "小明", "13812345678", "5678", "wang@"))
    xml = ET.fromstring(geo.post("xml", **report()).data)
    assert xml.tag == "service_requests" and xml.find("request/service_request_id").text.startswith("DG")


@pytest.mark.parametrize("form, status, words", [
    (report(service_code="99999"), 400, "no service"),
    (report(service_code=""), 400, "service_code required"),
    (report(service_code="01001,01002"), 400, "one code"),
    ({**report(), "lat": ""}, 400, "lat and long required"),
    ({k: v for k, v in report().items() if k not in INSIDE}, 400, "lat and long required"),
    (report(lat="north"), 400, "lat"),
    (report(long="nan"), 400, "long"),
    (report(lat="91"), 400, "lat"),
    (report(lat="22.0", long="113.0"), 422, "outside the jurisdiction"),
    (report(description=""), 400, "description required"),
    (report(description="井盖\x00缺失"), 400, "NUL"),
    (report(description="x" * 2001), 400, "description"),
    (report(first_name="小" * 30, last_name="王" * 5), 400, "first_name/last_name"),
    (report(phone="1" * 21), 400, "phone"),
    (report(media_url="javascript:alert(1)"), 400, "media_url"),
    (report(address_string="\x00"), 400, "address_string"),
])
def test_bad_posts(geo, form, status, words):
    before = count_cases(geo.engine)
    assert_error(geo.post(**form), status, words)
    assert count_cases(geo.engine) == before


def test_body_too_large(geo):
    before = count_cases(geo.engine)
    assert_error(geo.post(**report(description="x" * 200_000)), 413)
    assert count_cases(geo.engine) == before


def test_queries_on_the_seeded_city(seeded):
    """Status and code filters count what the raw table counts."""
    with db.session_scope(seeded) as session:
        services = open311.services(session)
        assert len(services) == session.execute(select(func.count()).select_from(Category)
                                                .where(Category.kind == "event")).scalar_one()
        end = clock.utcnow()
        start = end - timedelta(days=90)
        code = "06010"
        rows = open311.find_requests(session, service_codes=[code], start=start, end=end, statuses=["closed"],
                                     limit=100_000)
        raw = session.execute(select(func.count()).select_from(Case).join(Category, Category.id == Case.category_id)
                              .where(Category.code == code, Case.reported_at.between(start, end),
                                     Case.status.in_(("closed", "rejected", "voided")))).scalar_one()
        assert len(rows) == raw > 0 and all(r.open311_status == "closed" for r in rows)
        assert [r.requested_at for r in rows] == sorted((r.requested_at for r in rows), reverse=True)
        assert open311.unknown_service_codes(session, [code, "99999"]) == ["99999"]


def test_database_down(make_settings, tmp_path):
    """A key of the right form reaches the database: down, it is 503 in the GeoReport format."""
    server = open311_app(make_settings(f"sqlite:///{tmp_path / 'missing' / 'cockpit.sqlite'}"))
    key = "ck_deadbeef_" + "a" * 32
    assert_error(server.test_client().get("/open311/v2/services.json", query_string={"api_key": key}), 503)
