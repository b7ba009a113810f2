"""The ingest API: keys, idempotent create, per-field errors, transitions, concurrency."""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta, timezone

import pytest
from sqlalchemy import func, select

from data_access import api_keys, clock, db, rollups
from data_access.models import ApiKey, Case, CaseStage

INSIDE = {"lon": 113.755, "lat": 23.025}  # factories.SQUARE


def now_local_iso(minutes: int = 0) -> str:
    return (clock.utcnow() + timedelta(minutes=minutes)).replace(tzinfo=timezone.utc).isoformat()


def body(**kw) -> dict:
    return {"external_id": "EXT-1", "category_code": "01001", "source": "hotline", **INSIDE,
            "reported_at": now_local_iso(-5), "description": "井盖缺失", "address": "主山社区", **kw}


def new_key(eng, name="test") -> str:
    with db.session_scope(eng) as session:
        return api_keys.create_key(session, name)


@pytest.fixture
def api(mini_city, make_settings):
    from dashboard.app import create_app

    client = create_app(make_settings(mini_city.url)).server.test_client()
    key = new_key(mini_city.engine)

    def post(path, payload, key=key):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return client.post(path, json=payload, headers=headers)

    post.engine, post.client, post.key = mini_city.engine, client, key
    return post


def count_cases(eng) -> int:
    with eng.connect() as conn:
        return conn.execute(select(func.count()).select_from(Case)).scalar_one()


def test_key_is_stored_hashed(engine):
    key = new_key(engine, "hall")
    with db.session_scope(engine) as session:
        row = session.execute(select(ApiKey)).scalar_one()
        assert key.split("_")[2] not in (row.key_hash, row.salt) and len(row.salt) == 32
        assert api_keys.verify(session, key).name == "hall"
        assert api_keys.verify(session, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
        assert api_keys.verify(session, "nonsense") is None


def test_missing_or_wrong_key(api):
    before = count_cases(api.engine)
    response = api("/api/v1/cases", body(), key=None)
    assert response.status_code == 401 and "API key required" in response.get_json()["error"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert api("/api/v1/cases", body(), key="ck_deadbeef_wrong").status_code == 403
    assert api("/api/v1/cases", body(), key="not-a-key").status_code == 403
    assert count_cases(api.engine) == before


def test_create_is_idempotent_by_external_id(api):
    before = count_cases(api.engine)
    first = api("/api/v1/cases", body())
    assert first.status_code == 201, first.get_json()
    case_no = first.get_json()["case_no"]
    assert case_no.startswith("DG") and first.get_json()["created"] is True
    again = api("/api/v1/cases", body(description="changed"))
    assert again.status_code == 200 and again.get_json() == {**first.get_json(), "created": False}
    assert count_cases(api.engine) == before + 1
    other = api("/api/v1/cases", body(external_id="EXT-2"))
    assert other.status_code == 201 and other.get_json()["case_no"] != case_no
    assert int(other.get_json()["case_no"][-6:]) == int(case_no[-6:]) + 1


@pytest.mark.parametrize("change, field, message", [
    ({"category_code": "99999"}, "category_code", "unknown event category '99999'"),
    ({"lon": 100.0, "lat": 40.0}, "location", "outside the jurisdiction"),
    ({"reported_at": "2099-01-01T08:00:00+08:00"}, "reported_at", "is in the future"),
    ({"reported_at": "yesterday"}, "reported_at", "not an ISO 8601 timestamp"),
    ({"source": "pigeon"}, "source", "unknown source 'pigeon'"),
    ({"lat": "north"}, "lat", "a number"),
    ({"description": ""}, "description", "required"),
    ({"urgency": "panic"}, "urgency", "unknown urgency"),
    # Out-of-range values are field errors too, never a 500.
    ({"lon": 10**400}, "lon", "a number"),
    ({"lat": 91.5}, "lat", "within ±90"),
    ({"reported_at": "0001-01-01T00:00:00"}, "reported_at", "between 2000 and 2100"),
    ({"reported_at": "0001-01-01T00:00:00+08:00"}, "reported_at", "between 2000 and 2100"),
    ({"camera_id": 10**30}, "camera_id", "camera id"),
    ({"photos": ["../../etc/passwd"]}, "photos", "relative media paths"),
    ({"photos": ["a.jpg"] * 21}, "photos", "at most 20"),
])
def test_each_field_error(api, change, field, message):
    before = count_cases(api.engine)
    response = api("/api/v1/cases", body(**change))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert message in errors[field], errors
    assert count_cases(api.engine) == before


def test_several_errors_are_listed_together(api):
    response = api("/api/v1/cases", body(category_code="99999", lon=0.0, lat=0.0, source="x"))
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"category_code", "location", "source"}
    assert api("/api/v1/cases", ["not", "an", "object"]).status_code == 422


def test_transitions_and_illegal_step(api, mini_city):
    case_no = api("/api/v1/cases", body()).get_json()["case_no"]
    filed = api(f"/api/v1/cases/{case_no}/transitions", {"action": "file", "actor": "值班长"})
    assert filed.status_code == 200 and filed.get_json()["status"] == "filed"
    illegal = api(f"/api/v1/cases/{case_no}/transitions", {"action": "close"})
    assert illegal.status_code == 409
    assert "cannot close a case that is filed" in illegal.get_json()["errors"]["action"]
    assert api(f"/api/v1/cases/{case_no}/transitions", {"action": "fly"}).status_code == 422
    bad_dept = api(f"/api/v1/cases/{case_no}/transitions", {"action": "dispatch", "department_id": 999})
    assert bad_dept.status_code == 422 and "unknown department" in bad_dept.get_json()["errors"]["department_id"]
    future = api(f"/api/v1/cases/{case_no}/transitions", {"action": "void", "at": "2099-01-01T00:00:00Z"})
    assert future.status_code == 422 and "future" in future.get_json()["errors"]["at"]
    assert api("/api/v1/cases/DG00000000000000/transitions", {"action": "file"}).status_code == 404
    with db.session_scope(api.engine) as session:
        stages = session.execute(select(CaseStage.stage).join(Case).where(Case.case_no == case_no)
                                 .order_by(CaseStage.seq)).scalars().all()
    assert stages == ["report", "file", "dispatch"]  # nothing half-written by the failures


def test_cli_apikey_create(mini_city, monkeypatch, capsys, tmp_path):
    from dashboard import cli

    monkeypatch.setenv("DATABASE_URL", mini_city.url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    assert cli.main(["apikey", "create", "--name", "12345平台"]) == 0
    out = capsys.readouterr()
    key = out.out.strip()
    assert "shown only this once" in out.err
    with db.session_scope(mini_city.engine) as session:
        assert api_keys.verify(session, key).name == "12345平台"


@pytest.fixture
def pg_city(pg_server, pg_template):
    from conftest import add_mini_city

    eng = db.get_engine(pg_server.create(template=pg_template))
    city = add_mini_city(eng)
    with eng.begin() as conn:
        rollups.rebuild(conn)
    yield city
    eng.dispose()


@pytest.mark.postgres
def test_concurrent_posts_on_postgresql(pg_city, make_settings):
    from browser import serve
    from test_rollups import assert_rollups_match_raw

    from dashboard.app import create_app

    key = new_key(pg_city.engine)
    before = count_cases(pg_city.engine)
    results, lock = [], threading.Lock()

    def post(base, payload):
        request = urllib.request.Request(base + "/api/v1/cases", data=json.dumps(payload).encode(), method="POST",
                                         headers={"Content-Type": "application/json", "X-API-Key": key})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                result = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as exc:
            result = (exc.code, json.loads(exc.read()))
        with lock:
            results.append((payload["external_id"], *result))

    with serve(create_app(make_settings(pg_city.url)).server) as base:
        start = threading.Barrier(25)

        def worker(payload):
            start.wait()
            post(base, payload)

        payloads = [body(external_id=f"C-{i}", source=["hotline", "public", "video_ai"][i % 3]) for i in range(20)]
        payloads += [body(external_id="SAME")] * 5  # the same case sent five times at once
        threads = [threading.Thread(target=worker, args=(p,)) for p in payloads]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)

    assert len(results) == 25
    assert all(status in (200, 201) for _, status, _ in results), results
    distinct = {r["case_no"] for ext, _, r in results if ext != "SAME"}
    same = {r["case_no"] for ext, _, r in results if ext == "SAME"}
    assert len(distinct) == 20 and len(same) == 1 and not distinct & same
    assert sum(status == 201 for ext, status, _ in results if ext == "SAME") == 1
    assert count_cases(pg_city.engine) == before + 21
    assert_rollups_match_raw(pg_city.engine)


def test_out_of_range_transition_fields_are_422(api):
    case_no = api("/api/v1/cases", body()).get_json()["case_no"]
    for payload, field in (({"action": "dispatch", "department_id": 10**30}, "department_id"),
                           ({"action": "extend", "minutes": 10**15}, "minutes"),
                           ({"action": "file", "at": "0001-01-01T00:00:00Z"}, "at")):
        response = api(f"/api/v1/cases/{case_no}/transitions", payload)
        assert response.status_code == 422, (payload, response.get_json())
        assert field in response.get_json()["errors"]


# ---- limits: size, depth, types, NUL, echo (issue 14) ----

def raw_post(api, path, data: bytes, content_type="application/json"):
    return api.client.post(path, data=data, headers={"Authorization": f"Bearer {api.key}",
                                                     "Content-Type": content_type})


def test_body_over_the_limit_is_413(api):
    from dashboard.api import MAX_BODY_BYTES

    big = body(description="x" * (MAX_BODY_BYTES + 10))
    response = api("/api/v1/cases", big)
    assert response.status_code == 413 and "larger than" in response.get_json()["error"]
    case_no = api("/api/v1/cases", body()).get_json()["case_no"]
    assert api(f"/api/v1/cases/{case_no}/transitions", {"action": "file", "opinion": "y" * 2_000_000}).status_code == 413


@pytest.mark.parametrize("data", [b"[" * 1000 + b"]" * 1000, b"[" * 1000, b'{"a":' * 500 + b"1" + b"}" * 500,
                                  b"[" * 100_000, b"not json", b"\xff\xfe{", b"1" * 5000, b"", b"null"])
def test_deep_or_broken_json_is_422(api, data):
    response = raw_post(api, "/api/v1/cases", data)
    assert response.status_code == 422, response.get_data()[:200]
    assert "body" in response.get_json()["errors"]


def test_brackets_inside_strings_are_not_nesting(api):
    from dashboard.api import json_depth

    assert json_depth(b'{"a": [1, {"b": "[[[[[[\\"]]]"}]}') == 3
    response = api("/api/v1/cases", body(description="[" * 100 + "{" * 100))
    assert response.status_code == 201, response.get_json()


def test_not_json_content_type_is_422(api):
    response = raw_post(api, "/api/v1/cases", json.dumps(body()).encode(), "text/plain")
    assert response.status_code == 422 and "Content-Type" in response.get_json()["errors"]["body"]


@pytest.mark.parametrize("change, field", [
    ({"category_code": 1001}, "category_code"), ({"category_code": ["01001"]}, "category_code"),
    ({"lon": "113.755"}, "lon"), ({"lat": [23.0]}, "lat"), ({"lat": True}, "lat"), ({"lon": 1e308}, "lon"),
    ({"lon": -181}, "lon"), ({"description": 5}, "description"), ({"description": {"a": 1}}, "description"),
    ({"photos": "a.jpg"}, "photos"), ({"photos": [1]}, "photos"), ({"camera_id": "1"}, "camera_id"),
    ({"camera_id": 1.5}, "camera_id"), ({"external_id": []}, "external_id"), ({"reported_at": 1.5}, "reported_at"),
    ({"reported_at": "9999-12-31T23:59:59+14:00"}, "reported_at"), ({"urgency": ["urgent"]}, "urgency"),
    ({"source": None}, "source"), ({"description": "a" * 2001}, "description"),
    # NUL anywhere in text: 422, never a database error (503 on PostgreSQL)
    ({"description": "井盖\x00缺失"}, "description"), ({"external_id": "E\x00"}, "external_id"),
    ({"address": "\x00"}, "address"), ({"reporter_name": "张\x00"}, "reporter_name"),
    ({"category_code": "01\x00001"}, "category_code"), ({"photos": ["a\x00.jpg"]}, "photos"),
    ({"source": "hot\x00line"}, "source"),
])
def test_wrong_types_and_nul_are_field_errors(api, change, field):
    before = count_cases(api.engine)
    response = api("/api/v1/cases", body(**change))
    assert response.status_code == 422, (change, response.get_json())
    assert field in response.get_json()["errors"]
    assert count_cases(api.engine) == before


@pytest.mark.parametrize("payload, field", [
    ({"action": ["file"]}, "action"), ({"action": {"file": 1}}, "action"), ({"action": 5}, "action"),
    ({"action": None}, "action"), ({"action": "fi\x00le"}, "action"),
    ({"action": "dispatch", "department_id": "1"}, "department_id"),
    ({"action": "dispatch", "department_id": [1]}, "department_id"),
    ({"action": "dispatch", "department_id": 1e300}, "department_id"),
    ({"action": "extend", "minutes": "10"}, "minutes"), ({"action": "file", "at": 5}, "at"),
    ({"action": "file", "at": ["2026-07-15T10:00:00"]}, "at"), ({"action": "file", "actor": 7}, "actor"),
    ({"action": "file", "actor": "值\x00班"}, "actor"), ({"action": "file", "opinion": "ok\x00"}, "opinion"),
    ({"action": "file", "opinion": "o" * 2001}, "opinion"),
])
def test_transition_wrong_types_and_nul_are_422(api, payload, field):
    case_no = api("/api/v1/cases", body()).get_json()["case_no"]
    response = api(f"/api/v1/cases/{case_no}/transitions", payload)
    assert response.status_code == 422, (payload, response.get_json())
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("case_no", ["DG%00", "x" * 300, "DG..", "%E4%B8%AD"])
def test_odd_case_numbers_are_404(api, case_no):
    response = api(f"/api/v1/cases/{case_no}/transitions", {"action": "file"})
    assert response.status_code == 404 and len(response.get_json()["error"]) < 200


def test_errors_never_echo_a_huge_value(api):
    case_no = api("/api/v1/cases", body()).get_json()["case_no"]
    for path, payload in (("/api/v1/cases", body(source="s" * 200_000, urgency="u" * 200_000, reported_at="r" * 200_000,
                                                  description="d" * 200_000)),
                          (f"/api/v1/cases/{case_no}/transitions", {"action": "a" * 400_000, "at": "t" * 400_000})):
        response = api(path, payload)
        assert response.status_code == 422 and len(response.get_data()) < 2000, response.get_data()[:300]


def test_malformed_keys_cost_no_hash(engine, monkeypatch):
    key = new_key(engine)
    calls = []
    real = api_keys._hash
    monkeypatch.setattr(api_keys, "_hash", lambda *a: calls.append(a) or real(*a))
    with db.session_scope(engine) as session:
        for bad in ("nonsense", "ck_deadbeef_wrong", "ck_DEADBEEF_" + "a" * 32, key + "x", key[:-1] + "\x00",
                    "ck_" + "0" * 8 + "_" + "a" * 10_000, None, 5):
            assert api_keys.verify(session, bad) is None
        assert not calls
        assert api_keys.verify(session, key[:12] + "a" * 32) is None and len(calls) == 1  # well formed: hashed
        assert api_keys.verify(session, key) is not None


def test_nul_or_huge_key_header_is_403(api):
    assert api("/api/v1/cases", body(), key="ck_0000000\x00_" + "a" * 32).status_code == 403
    assert api("/api/v1/cases", body(), key="k" * 100_000).status_code == 403


# ---- concurrency: one case, twenty transitions at once ----

def test_concurrent_transitions_on_one_case(mini_city, make_settings):
    from browser import serve

    from dashboard.app import create_app

    key = new_key(mini_city.engine)

    def post(base, path, payload):
        request = urllib.request.Request(base + path, data=json.dumps(payload).encode(), method="POST",
                                         headers={"Content-Type": "application/json", "X-API-Key": key})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    results, lock = [], threading.Lock()
    with serve(create_app(make_settings(mini_city.url)).server) as base:
        status, created = post(base, "/api/v1/cases", body())
        assert status == 201, created
        path = f"/api/v1/cases/{created['case_no']}/transitions"
        start = threading.Barrier(20)

        def worker(i):
            start.wait()
            result = post(base, path, {"action": "file", "actor": f"值班员{i}"})
            with lock:
                results.append(result)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(150)

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 19, results
    for status, answer in results:
        if status == 409:  # the loser is told what the case is now
            assert "cannot file a case that is filed" in answer["errors"]["action"] and "待派遣" in answer["errors"]["action"]
    with db.session_scope(mini_city.engine) as session:
        stages = session.execute(select(CaseStage.stage).join(Case).where(Case.case_no == created["case_no"])
                                 .order_by(CaseStage.seq)).scalars().all()
    assert stages == ["report", "file", "dispatch"]
