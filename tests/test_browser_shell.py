"""The shell in headless Chromium: no console errors, a ticking clock, nothing from the internet,
no scrollbars on command-hall screens. SHOTS_DIR=/tmp/shots keeps screenshots."""
from __future__ import annotations

import os
import re

import pytest
from browser import SCREENS, open_page, serve

from dashboard.app import create_app

pytestmark = pytest.mark.browser
SHOTS_DIR = os.environ.get("SHOTS_DIR")
TIME = re.compile(r"^\d{2}:\d{2}:\d{2}$")


@pytest.fixture(scope="module")
def base_url(mini_city_sqlite, tmp_path_factory):
    from dashboard.settings import load_settings

    settings = load_settings({"LOGIN": "off", "DATABASE_URL": mini_city_sqlite.url,
                              "DATA_DIR": str(tmp_path_factory.mktemp("browser-data"))})
    with serve(create_app(settings).server) as url:
        yield url


def test_status_page_clock_and_freshness(browser, base_url):
    with open_page(browser, base_url) as page:
        p = page.goto("/status", ready=".status-body .kpi")
        p.wait_for_selector(".clock-time")
        first = p.inner_text(".clock-time")
        assert TIME.match(first), first
        p.wait_for_function("t => document.querySelector('.clock-time').textContent !== t", arg=first)
        p.wait_for_selector(".cockpit-freshness, #cockpit-freshness:not(:empty)")
        assert "数据更新于" in p.inner_text("#cockpit-freshness")
        assert p.get_attribute(".nav-link[href='/status']", "class").split() == ["nav-link", "active"]
        assert "东莞市" in p.inner_text(".brand-title")
        assert p.title() == "系统状态"
        assert page.console_errors == []
        assert page.external_requests == []


@pytest.mark.parametrize("screen", list(SCREENS))
def test_status_page_fits_the_screen(browser, base_url, screen):
    with open_page(browser, base_url, SCREENS[screen]) as page:
        p = page.goto("/status", ready=".status-body .bar-row")
        p.wait_for_selector("#cockpit-freshness:not(:empty)")
        p.wait_for_selector(".clock-time")
        assert page.fits(), page.overflow()
        # Every panel's content stays inside its panel.
        clipped = p.evaluate("""() => [...document.querySelectorAll('.panel-body')]
            .filter(el => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)
            .map(el => el.parentElement.querySelector('.panel-title').textContent)""")
        assert clipped == []
        page.screenshot(SHOTS_DIR, f"status-{screen}")
        assert page.console_errors == []
        assert page.external_requests == []
