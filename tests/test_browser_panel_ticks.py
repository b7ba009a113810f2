"""A panel's refresh timer does not ask again while the panel's last refresh is unanswered: on a
slow start the timers used to fire before the first draw and multiply the server's work."""
from __future__ import annotations

import threading
import time
from dataclasses import replace
from unittest import mock

import pytest
from browser import BOARD_DRAWN, WAIT_MS, open_page, serve

pytestmark = pytest.mark.browser

HELD = "overview.kpis"  # its data waits until the test lets it through
OTHER = "overview.case_trend"


def tick(page, panel: str, n: int):
    """What the panel's dcc.Interval does every refresh period, done now."""
    page.evaluate("([panel, n]) => window.dash_clientside.set_props({type: 'panel-timer', id: panel}, {n_intervals: n})",
                  [panel, n])


def wait_until(page, condition, what: str):
    deadline = time.monotonic() + WAIT_MS / 1000
    while not condition():
        assert time.monotonic() < deadline, f"waited too long for {what}"
        page.wait_for_timeout(50)


@pytest.fixture
def slow_panel_app(seeded_sqlite, tmp_path):
    """The app on the seeded city, with HELD's data held back until `release` is set;
    `calls` counts the data requests of HELD and OTHER."""
    from dashboard import panels
    from dashboard.app import create_app
    from dashboard.settings import load_settings
    from layouts import boards  # noqa: F401  (declares the panels)

    release, calls = threading.Event(), {HELD: 0, OTHER: 0}

    def counted(panel_id, held):
        data = panels.get(panel_id).data

        def fetch(url, scope):
            calls[panel_id] += 1
            if held:
                release.wait(WAIT_MS / 1000)
            return data(url, scope)
        return replace(panels.get(panel_id), data=fetch)

    settings = load_settings({"LOGIN": "off", "DATABASE_URL": seeded_sqlite.url.render_as_string(hide_password=False),
                              "DATA_DIR": str(tmp_path)})
    with mock.patch.dict(panels.PANELS, {HELD: counted(HELD, True), OTHER: counted(OTHER, False)}), \
            serve(create_app(settings).server) as url:
        try:
            yield url, release, calls
        finally:
            release.set()  # a held request must not outlive the test


def test_ticks_wait_for_the_refresh_in_flight(browser, slow_panel_app):
    base_url, release, calls = slow_panel_app
    with open_page(browser, base_url) as watched:
        page = watched.page
        watched.goto("/board/overview", ready=".board-grid")
        body = f'[data-panel="{HELD}"] .panel-body'
        wait_until(page, lambda: calls[HELD] == 1, "the first refresh of the held panel")
        page.wait_for_selector(f"{body}[data-dash-is-loading]", state="attached")
        page.wait_for_selector(f'[data-panel="{OTHER}"] .js-plotly-plot', state="attached")

        # The held panel's timer fires three times while its first draw is on its way; another
        # panel's timer fires too, and that refresh arriving shows the ticks were handled.
        other_before = calls[OTHER]
        for n in (1, 2, 3):
            tick(page, HELD, n)
        tick(page, OTHER, 1)
        wait_until(page, lambda: calls[OTHER] > other_before, "the other panel's refresh")
        page.wait_for_selector(f'[data-panel="{OTHER}"] .panel-body:not([data-dash-is-loading])', state="attached")
        assert calls[HELD] == 1

        # Answered, the panel draws; the next tick refreshes it again.
        release.set()
        page.wait_for_function(BOARD_DRAWN)
        page.wait_for_selector(f"{body}:not([data-dash-is-loading])", state="attached")
        tick(page, HELD, 4)
        wait_until(page, lambda: calls[HELD] == 2, "the refresh after the draw")
        page.wait_for_function(BOARD_DRAWN)
    assert watched.console_errors == []
