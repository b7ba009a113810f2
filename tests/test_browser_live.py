"""/live in headless Chromium: a case posted to the ingest API shows within 5 s, added to the
list without rebuilding it; alarms can be heard, switched and acknowledged by a named officer."""
from __future__ import annotations

import json
import os
import time
import urllib.request
from datetime import timezone

import pytest
from sqlalchemy import select

from browser import open_page, serve

from data_access import api_keys, clock, db
from data_access.models import AlarmAck

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS_DIR")


@pytest.fixture(scope="module")
def live_app(tmp_path_factory, chromium_path):
    from conftest import add_mini_city

    from dashboard.app import create_app
    from dashboard.settings import load_settings

    where = tmp_path_factory.mktemp("live")
    eng = db.get_engine(f"sqlite:///{where / 'cockpit.sqlite'}")
    db.upgrade(eng)
    city = add_mini_city(eng)
    with db.session_scope(eng) as session:
        key = api_keys.create_key(session, "browser-test")
    settings = load_settings({"LOGIN": "off", "DATABASE_URL": city.url, "DATA_DIR": str(where / "data")})
    with serve(create_app(settings).server) as url:
        yield url, key, eng


def post_case(base, key, external_id, source="video_ai") -> str:
    payload = {"external_id": external_id, "category_code": "01001", "source": source, "lon": 113.755,
               "lat": 23.025, "reported_at": clock.utcnow().replace(tzinfo=timezone.utc).isoformat(), "description": "井盖缺失",
               "address": "主山社区东门"}
    request = urllib.request.Request(base + "/api/v1/cases", data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 201
        return json.loads(response.read())["case_no"]


def test_ingested_case_appears_without_rebuilding_the_list(browser, live_app):
    base, key, _eng = live_app
    with open_page(browser, base) as page:
        page.goto("/live", ready=".live-row")
        rows_before = page.page.locator(".live-row").count()
        # Mark the current first row: if the list were rebuilt, this node would be gone.
        page.page.evaluate("window.__oldRow = document.querySelector('.live-row')")
        case_no = post_case(base, key, "LIVE-1")
        posted = time.monotonic()
        page.page.wait_for_selector(f'.live-row[title="{case_no}"]')
        print(f"case on screen {time.monotonic() - posted:.1f} s after the post (2 s poll)")
        assert page.page.evaluate("document.body.contains(window.__oldRow)"), "the list was rebuilt"
        assert page.page.locator(".live-row").first.get_attribute("title") == case_no
        assert page.page.locator(".live-row").count() == rows_before + 1
        assert page.fits()
        assert page.console_errors == [] and page.external_requests == []
        page.screenshot(SHOTS, "live-1920x1080")
        page.page.locator(f'.live-row[title="{case_no}"]').click()
        page.page.wait_for_url(f"**/case/{case_no}")


def test_alarm_sound_and_acknowledgement(browser, live_app):
    base, key, eng = live_app
    with open_page(browser, base) as page:
        page.goto("/live", ready=".live-row")
        assert page.page.get_attribute("#live-sound", "data-on") == "0"
        page.page.click("#live-sound")
        assert page.page.get_attribute("#live-sound", "data-on") == "1"
        assert page.page.evaluate("localStorage.getItem('cockpit.live.sound')") == "on"
        beeps = page.page.evaluate("window.cockpitLive.beeps || 0")
        assert beeps >= 1  # the switch plays a test beep

        case_no = post_case(base, key, "LIVE-ALARM")
        alarm = page.page.locator(f'[data-alarm="video:{case_no}"]')
        alarm.wait_for()
        page.page.wait_for_function(f"(window.cockpitLive.beeps || 0) > {beeps}")  # new alarm beeps

        alarm.locator(".alarm-ack").click()  # no officer name yet: refused with a message
        page.page.wait_for_selector("#live-ack-msg:has-text('值班员姓名')")
        page.page.fill("#live-officer", "王值班")
        page.page.press("#live-officer", "Enter")
        alarm.locator(".alarm-ack").click()
        page.page.locator(f'[data-alarm="video:{case_no}"] .alarm-acked').wait_for()
        assert "王值班" in alarm.inner_text()
        assert page.console_errors == []

        page.goto("/live", ready=".live-row")  # the name is kept in localStorage
        assert page.page.input_value("#live-officer") == "王值班"
    with db.session_scope(eng) as session:
        ack = session.get(AlarmAck, f"video:{case_no}")
        assert ack.acked_by == "王值班"
        assert abs((clock.utcnow() - ack.acked_at).total_seconds()) < 60
        assert session.scalars(select(AlarmAck.alarm_key)).all() == [f"video:{case_no}"]


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)])
def test_live_fits_the_screen(browser, live_app, size):
    base, _key, _eng = live_app
    with open_page(browser, base, size=size) as page:
        page.goto("/live?kiosk=1", ready=".live-row")
        assert page.fits()
        assert not page.page.is_visible(".cockpit-nav") and not page.page.is_visible("#live-officer")
        assert page.console_errors == [] and page.external_requests == []
