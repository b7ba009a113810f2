"""Logins, roles, masking, the audit log and signed links (issue 13), on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from test_api import body as new_case_body

from dashboard import urlstate
from dashboard.app import create_app
from dashboard.auth import LOGIN_FAILURES_PER_ACCOUNT, guard, viewer
from data_access import access, cases, clock, db
from data_access.models import Case, CaseStage, Category, Department
from data_access.models_access import AuditEntry

PASSWORD = "correct horse"
ROLES = access.ROLES[:-1]  # people; the wall role logs in by a signed link
PAGES = ["/", "/board/overview", "/board/enforcement", "/live", "/map/flood-risk", "/video", "/status", "/cases",
         "/objects/vehicles", "/panel/overview.kpis", "/kiosk/wall", "/admin/audit"]
# Pages each role may not open (everything else is open to every logged-in role).
REFUSED = {"admin": set(), "duty_officer": {"/admin/audit"}, "leader": {"/admin/audit"}, "viewer": {"/admin/audit"},
           "wall": {"/live", "/cases", "/objects/vehicles", "/admin/audit"}}


@pytest.fixture
def city(mini_city, make_settings):
    """The mini city with one user per role and an app that requires logins."""
    with db.session_scope(mini_city.engine) as s:
        for role in ROLES:
            access.add_user(s, role, PASSWORD, role, f"{role} name")
        s.execute(update(Case).where(Case.case_no == "MINI-0000").values(
            reporter_name="王小明", reporter_phone="13812345678", address="东门路12号"))
        reported = s.execute(select(Case.id).where(Case.case_no == "MINI-0000")).scalar_one()
        s.execute(update(CaseStage).where(CaseStage.case_id == reported, CaseStage.stage == "report")
                  .values(actor="王小明"))  # the reporter reported it: the timeline's first actor
    settings = make_settings(mini_city.url, LOGIN="required", SECRET_KEY="s" * 40)
    mini_city.settings = settings
    mini_city.app = create_app(settings)
    return mini_city


def login(app, username: str, password: str = PASSWORD, address: str = "10.0.0.1"):
    client = app.server.test_client()
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf},
                         environ_base={"REMOTE_ADDR": address})
    return client, answer


def route(client, path: str, headers=None):
    """Ask the Dash page router to draw `path`, as the browser does after loading the shell."""
    body = {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path.split("?")[0]},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}
    return client.post("/_dash-update-component", json=body, headers=headers or {})


def test_users_passwords_and_disabling(engine):
    with db.session_scope(engine) as s:
        user = access.add_user(s, "li.ming", PASSWORD, "leader", "李明")
        assert user.password_hash != PASSWORD and PASSWORD not in user.password_hash
        for bad in [("x", PASSWORD, "leader"), ("ok", "short", "leader"), ("ok2", PASSWORD, "king"),
                    ("li.ming", PASSWORD, "viewer")]:
            with pytest.raises(access.AccessError):
                access.add_user(s, *bad)
    with db.session_scope(engine) as s:
        assert access.authenticate(s, "li.ming", PASSWORD).display_name == "李明"
        assert access.authenticate(s, "li.ming", "wrong password") is None
        assert access.authenticate(s, "nobody", PASSWORD) is None
        access.set_disabled(s, "li.ming")
    with db.session_scope(engine) as s:
        assert access.authenticate(s, "li.ming", PASSWORD) is None
        access.set_disabled(s, "li.ming", False)
        access.set_password(s, "li.ming", "a new password")
    with db.session_scope(engine) as s:
        assert access.authenticate(s, "li.ming", "a new password") is not None
        assert [u.username for u in access.list_users(s)] == ["li.ming"]


def test_signed_links_valid_tampered_expired_revoked(engine):
    key = "k" * 40
    with db.session_scope(engine) as s:
        token = access.create_link(s, key, "embed", "overview.kpis", timedelta(hours=1), "region=441900003",
                                   ("https://portal.example",))
        wall = access.create_link(s, key, "wall", "wall", timedelta(days=1))
    with db.session_scope(engine) as s:
        grant = access.check_link(s, key, token, "embed")
        assert (grant.target, grant.filters, grant.origins) == ("overview.kpis", "region=441900003",
                                                               ("https://portal.example",))
        for bad_token, kind, reason in [(token[:-2] + "xx", "embed", "tampered"), (token, "wall", "tampered"),
                                        (wall, "embed", "tampered"), ("", "embed", "tampered"),
                                        (access.create_link(s, "another key", "embed", "x", timedelta(hours=1)),
                                         "embed", "tampered")]:
            with pytest.raises(access.LinkRefused) as refused:
                access.check_link(s, key, bad_token, kind)
            assert refused.value.reason == reason
        start = clock.utcnow()
        clock.pin(start + timedelta(hours=2))
        try:
            with pytest.raises(access.LinkRefused, match="expired"):
                access.check_link(s, key, token, "embed")
        finally:
            clock.pin(start)
        access.revoke_link(s, grant.link_id)
    with db.session_scope(engine) as s:
        with pytest.raises(access.LinkRefused, match="revoked"):
            access.check_link(s, key, token, "embed")
        assert {link.kind for link in access.list_links(s)} == {"embed", "wall"}
        assert [link.target for link in access.list_links(s, "wall")] == ["wall"]


def test_every_role_against_every_page(city):
    anonymous = city.app.server.test_client()
    for path in PAGES:
        answer = anonymous.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next="), path
    assert anonymous.post("/_dash-update-component", json={}).status_code == 401
    assert anonymous.get("/api/v1/cases.csv").status_code == 401
    assert anonymous.get("/api/v1/geo/rain-gauges").status_code == 401
    assert anonymous.get("/health").status_code == 200
    assert anonymous.get("/assets/theme.css").status_code == 200

    for role in ROLES:
        client, answer = login(city.app, role)
        assert answer.status_code == 302, role
        for path in PAGES:
            drawn = route(client, path)
            expected = 403 if path in REFUSED[role] else 200
            assert drawn.status_code == expected, (role, path, drawn.status_code)
            if path in REFUSED[role]:
                assert client.get(path).status_code == 403
        csv = client.get("/api/v1/cases.csv")
        assert csv.status_code == 200, role
        assert client.get("/logout").status_code == 302
        assert client.get("/board/overview").status_code == 302  # logged out


def test_wall_link_logs_a_screen_into_its_playlist_and_nothing_else(city):
    with db.session_scope(city.engine) as s:
        token = access.create_link(s, city.settings.signing_key, "wall", "wall", timedelta(days=1))
    screen = city.app.server.test_client()
    assert screen.get(f"/wall/{token}").headers["Location"] == "/kiosk/wall"
    for path in PAGES:
        drawn = route(screen, path)
        assert drawn.status_code == (403 if path in REFUSED["wall"] else 200), path
    assert screen.get("/api/v1/cases.csv").status_code == 403
    with db.session_scope(city.engine) as s:
        access.revoke_link(s, access.list_links(s, "wall")[0].id)
    assert route(screen, "/board/overview").status_code == 403
    assert screen.get("/board/overview").status_code == 302  # the revoked screen is logged out


def test_personal_data_is_masked_below_duty_officer_and_views_are_audited(city):
    for role, shown in [("duty_officer", True), ("leader", False), ("viewer", False)]:
        client, _ = login(city.app, role)
        page = json.dumps(route(client, "/case/MINI-0000").get_json(), ensure_ascii=False)
        assert ("王小明" in page, "13812345678" in page, "东门路12号" in page) == (shown, shown, shown), role
        if not shown:
            assert "王*" in page and "138****5678" in page and "东门路**号" in page
        csv = client.get("/api/v1/cases.csv?range=custom&from=2026-04-01&to=2026-07-15").get_data(as_text=True)
        assert ("东门路12号" in csv) == shown and ("东门路**号" in csv) == (not shown)
    with db.session_scope(city.engine) as s:
        entries = s.execute(select(AuditEntry.username, AuditEntry.action, AuditEntry.target)).all()
    assert ("leader", "case.view", "MINI-0000") in entries
    assert ("viewer", "cases.csv", "range=custom&from=2026-04-01&to=2026-07-15") in entries
    assert ("duty_officer", "login", "") in entries
    admin, _ = login(city.app, "admin")
    listed = json.dumps(route(admin, "/admin/audit").get_json(), ensure_ascii=False)
    assert "case.view" in listed and "MINI-0000" in listed


def test_login_is_csrf_protected_and_rate_limited(city):
    client = city.app.server.test_client()
    client.get("/login")
    forged = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "forged"})
    assert forged.status_code == 400 and client.get("/board/overview").status_code == 302
    for attempt in range(LOGIN_FAILURES_PER_ACCOUNT):
        assert login(city.app, "viewer", "wrong password", f"10.0.1.{attempt}")[1].status_code == 401
    assert login(city.app, "viewer", PASSWORD, "10.0.2.1")[1].status_code == 429  # the account is locked for now
    assert login(city.app, "leader", PASSWORD, "10.0.2.1")[1].status_code == 302  # others are not
    assert login(city.app, "admin", PASSWORD, "10.0.0.1")[1].headers["Location"] == "/"
    _, answer = login(city.app, "admin")
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_headers_forbid_framing_except_kiosk_items_and_embeds(city):
    client, _ = login(city.app, "viewer")
    page = client.get("/board/overview")
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/board/overview?kiosk=1").headers["X-Frame-Options"] == "SAMEORIGIN"
    with db.session_scope(city.engine) as s:
        token = access.create_link(s, city.settings.signing_key, "embed", "overview.kpis", timedelta(hours=1),
                                   origins=("https://portal.example",))
    embed = city.app.server.test_client().get(f"/embed/overview.kpis?token={token}")
    assert embed.status_code == 200 and "X-Frame-Options" not in embed.headers
    assert embed.headers["Content-Security-Policy"] == "frame-ancestors https://portal.example"


def test_embed_tokens_refuse_tampering_other_panels_and_widening(city):
    key = city.settings.signing_key
    with db.session_scope(city.engine) as s:
        token = access.create_link(s, key, "embed", "overview.kpis", timedelta(hours=1), "region=441900003")
        revoked = access.create_link(s, key, "embed", "overview.kpis", timedelta(hours=1))
        access.revoke_link(s, access.check_link(s, key, revoked, "embed").link_id)
    client = city.app.server.test_client()
    for url, reason in [(f"/embed/overview.kpis?token={token}x", "tampered"),
                        (f"/embed/overview.kpis?token={revoked}", "revoked"),
                        (f"/embed/overview.trend?token={token}", "wrong panel")]:
        answer = client.get(url)
        assert (answer.status_code, answer.headers["X-Link-Refused"]) == (403, reason)
        assert reason.split()[0] in answer.get_data(as_text=True) or "403" in answer.get_data(as_text=True)
    header = {"X-Embed-Token": token}
    assert route(client, "/embed/overview.kpis", header).status_code == 200
    assert route(client, "/cases", header).status_code == 403  # the token opens its panel only
    other_panel = {"output": '..{"id":["MATCH"],"type":"panel-body"}.children..', "inputs": [], "state": [],
                   "outputs": [{"id": {"id": "overview.trend", "type": "panel-body"}, "property": "children"}]}
    assert client.post("/_dash-update-component", json=other_panel, headers=header).status_code == 403
    # Filters in the token win over the URL's: a portal cannot widen its view.
    with city.app.server.test_request_context("/_dash-update-component", headers=header, json={
            "outputs": {"id": {"id": "overview.kpis", "type": "panel-body"}, "property": "children"}}, method="POST"):
        assert guard(city.settings) is None
        assert viewer().locked == {"region": "441900003"}
        query, _ = urlstate.parse("?region=441900001&range=7d", clock.today())
        assert query.region == "441900003"
    start = clock.utcnow()
    clock.pin(start + timedelta(hours=2))
    try:
        expired = client.post("/_dash-update-component", headers=header, json=json.loads(json.dumps(other_panel)))
        assert (expired.status_code, expired.headers["X-Link-Refused"]) == (403, "expired")
    finally:
        clock.pin(start)


def test_logged_in_users_acknowledge_as_themselves(city):
    from callbacks import live  # noqa: F401  (registered by create_app)

    for role, allowed in [("duty_officer", True), ("leader", False)]:
        client, _ = login(city.app, role)
        body = {"output": "..live-ack-version.data...live-ack-msg.children..",
                "outputs": [{"id": "live-ack-version", "property": "data"}, {"id": "live-ack-msg", "property": "children"}],
                "inputs": [[{"id": {"key": "gas:1", "type": "alarm-ack"}, "property": "n_clicks", "value": 1}]],
                "changedPropIds": ['{"key":"gas:1","type":"alarm-ack"}.n_clicks'],
                "state": [{"id": "live-officer", "property": "value", "value": "somebody else"},
                          {"id": "live-ack-version", "property": "data", "value": 0}]}
        answer = client.post("/_dash-update-component", json=body)
        assert answer.status_code in (200, 204), answer.get_data(as_text=True)[:300]
        text = json.dumps(answer.get_json(), ensure_ascii=False) if answer.status_code == 200 else ""
        assert "somebody else" not in text
        assert ("已确认 · duty_officer" in text) == allowed
        assert ("只有值班员可以确认报警" in text) == (not allowed)


def act(client, case_no: str, action: str, department=None, minutes=None, opinion=None):
    body = {"output": "..case-action-message.children...case-action-nav.href..",
            "outputs": [{"id": "case-action-message", "property": "children"},
                        {"id": "case-action-nav", "property": "href"}],
            "inputs": [[{"id": {"action": action, "type": "case-action"}, "property": "n_clicks", "value": 1}]],
            "changedPropIds": [json.dumps({"action": action, "type": "case-action"}, separators=(",", ":")) + ".n_clicks"],
            "state": [{"id": "case-action-case", "property": "data", "value": case_no},
                      {"id": "case-action-department", "property": "value", "value": department},
                      {"id": "case-action-minutes", "property": "value", "value": minutes},
                      {"id": "case-action-opinion", "property": "value", "value": opinion}]}
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.get_json()["response"]


def test_duty_officers_move_cases_and_others_cannot(city):
    leader, _ = login(city.app, "leader")
    assert '"case-action"' not in json.dumps(route(leader, "/case/MINI-0005").get_json())
    assert act(leader, "MINI-0005", "file")["case-action-message"]["children"] == "只有值班员可以办理案件"

    duty, _ = login(city.app, "duty_officer")
    page = json.dumps(route(duty, "/case/MINI-0005").get_json(), ensure_ascii=False)
    assert '"action": "file"' in page and '"action": "reject"' in page and '"action": "close"' not in page
    refused = act(duty, "MINI-0005", "close")["case-action-message"]["children"]
    assert "allowed: file, reject, void" in refused  # an illegal move names the allowed ones
    done = act(duty, "MINI-0005", "file", opinion="属实，立案")
    assert done["case-action-nav"]["href"] == "/case/MINI-0005"
    with db.session_scope(city.engine) as s:
        case = s.execute(select(Case).where(Case.case_no == "MINI-0005")).scalar_one()
        assert case.status == "filed"
        assert (case.stages[-2].stage, case.stages[-2].actor, case.stages[-2].opinion) == ("file", "duty_officer", "属实，立案")
        departments = [d for d, _ in cases.dispatch_choices(city.engine, "MINI-0005")]
    act(duty, "MINI-0005", "dispatch", department=departments[-1])
    with db.session_scope(city.engine) as s:
        case = s.execute(select(Case).where(Case.case_no == "MINI-0005")).scalar_one()
        assert (case.status, case.department_id) == ("dispatched", departments[-1])
        assert ("duty_officer", "case.action", "MINI-0005 dispatch") in s.execute(
            select(AuditEntry.username, AuditEntry.action, AuditEntry.target)).all()


def test_one_click_dispatch_from_live(city):
    with db.session_scope(city.engine) as s:
        s.execute(update(Case).where(Case.case_no == "MINI-0005").values(source="video_ai"))
        case = s.execute(select(Case).where(Case.case_no == "MINI-0005")).scalar_one()
        s.execute(update(Category).where(Category.id == case.category_id).values(
            default_department_id=s.execute(select(Department.id)).scalars().first()))
    duty, _ = login(city.app, "duty_officer")
    body = {"output": "..live-ack-version.data@x...live-ack-msg.children@x..",
            "outputs": [{"id": "live-ack-version", "property": "data"}, {"id": "live-ack-msg", "property": "children"}],
            "inputs": [[{"id": {"case": "MINI-0005", "type": "alarm-dispatch"}, "property": "n_clicks", "value": 1}]],
            "changedPropIds": ['{"case":"MINI-0005","type":"alarm-dispatch"}.n_clicks'],
            "state": [{"id": "live-ack-version", "property": "data", "value": 0}]}
    deps = duty.get("/_dash-dependencies").get_json()
    body["output"] = next(d["output"] for d in deps if "alarm-dispatch" in json.dumps(d["inputs"]))
    answer = duty.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert "已分派 MINI-0005" in json.dumps(answer.get_json(), ensure_ascii=False)
    with db.session_scope(city.engine) as s:
        case = s.execute(select(Case).where(Case.case_no == "MINI-0005")).scalar_one()
        assert case.status == "dispatched" and [r.actor for r in case.stages[-3:-1]] == ["duty_officer"] * 2


def test_the_live_feed_masks_addresses_below_duty_officer(city):
    from flask import g

    from dashboard.auth import Viewer
    from layouts.live import case_row

    row = {"case_no": "MINI-0000", "reported_at": clock.utcnow(), "category": "暴露垃圾", "source": "public",
           "region": "东城街道", "address": "东门路12号", "urgency": "normal", "status": "reported"}
    for role, place in [("duty_officer", "东城街道 东门路12号"), ("leader", "东城街道 东门路**号"),
                        ("wall", "东城街道 东门路**号")]:
        with city.app.server.test_request_context("/live"):
            g.cockpit_viewer = Viewer(role, role)
            assert case_row(row, city.settings.tz, "zh")["place"] == place, role


def test_the_ingest_api_is_rate_limited_per_key_and_per_address(city, monkeypatch):
    from dashboard import api
    from data_access import api_keys

    monkeypatch.setattr(api, "REQUESTS_PER_KEY", 3)
    monkeypatch.setattr(api, "REQUESTS_PER_ADDRESS", 5)
    with db.session_scope(city.engine) as s:
        key, other = api_keys.create_key(s, "12345"), api_keys.create_key(s, "other")
    client = city.app.server.test_client()

    def post(api_key, address):
        return client.post("/api/v1/cases/DG00000000000000/transitions", json={"action": "file"},
                           headers={"X-API-Key": api_key}, environ_base={"REMOTE_ADDR": address})

    assert [post(key, f"10.1.0.{i}").status_code for i in range(4)] == [404, 404, 404, 429]  # per key
    limited = post(key, "10.1.1.1")
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert post(other, "10.1.1.1").status_code == 404  # another key is not limited by it
    created = client.post("/api/v1/cases", headers={"X-API-Key": other}, environ_base={"REMOTE_ADDR": "10.3.0.1"},
                          json=new_case_body())
    assert created.status_code == 201, created.get_json()
    with db.session_scope(city.engine) as s:  # API writes are audited under the key's name
        entries = s.execute(select(AuditEntry.username, AuditEntry.action, AuditEntry.target)).all()
    assert ("apikey:other", "api.case", created.get_json()["case_no"]) in entries
    answers = [post("ck_00000000_" + "x" * 32, "10.2.0.1").status_code for _ in range(6)]
    assert answers == [403] * 5 + [429]  # per address, wrong keys included


def test_a_user_of_some_regions_sees_only_those(city):
    with db.session_scope(city.engine) as s:
        access.add_user(s, "town.leader", PASSWORD, "leader", region_codes=["441900003"])
        access.add_user(s, "two.towns", PASSWORD, "leader", region_codes=["441900003", "441900004"])
    for username, asked, shown in [("town.leader", "441900001", "441900003"), ("town.leader", "", "441900003"),
                                   ("two.towns", "441900004", "441900004"), ("two.towns", "441900001", "441900003"),
                                   ("two.towns", "", "441900003")]:
        client, _ = login(city.app, username)
        cookie = client.get_cookie("session").value
        with city.app.server.test_request_context("/board/overview", headers={"Cookie": f"session={cookie}"}):
            assert guard(city.settings) is None
            query, _ = urlstate.parse(f"?region={asked}" if asked else "", clock.today())
            assert query.region == shown, (username, asked)


def test_without_logins_nobody_opens_the_audit_log(mini_city, make_settings):
    client = create_app(make_settings(mini_city.url)).server.test_client()  # LOGIN=off
    assert client.get("/board/overview").status_code == 200
    assert client.get("/admin/audit").status_code == 403
    assert route(client, "/admin/audit").status_code == 403


@pytest.mark.parametrize("target, lands", [
    ("/cases?range=7d", "/cases?range=7d"), ("https://evil.example/", "/"), ("//evil.example", "/"),
    ("/\\evil.example", "/"), ("javascript:alert(1)", "/"), ("/\nLocation: x", "/"), ("", "/")])
def test_login_goes_back_only_to_a_page_of_this_app(mini_city, make_settings, target, lands):
    with db.session_scope(mini_city.engine) as s:
        access.add_user(s, "viewer", PASSWORD, "viewer")
    app = create_app(make_settings(mini_city.url, LOGIN="required"))
    client = app.server.test_client()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    answer = client.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": csrf,
                                         "next": target})
    assert answer.headers["Location"] == lands
