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

    post.engine = mini_city.engine
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
