"""Kiosk mode, last-good panels and playlists: parsing, and in headless Chromium."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from browser import open_page
from dashboard import playlists

SHOTS = os.environ.get("SHOTS_DIR")
REPO = Path(__file__).resolve().parent.parent

FAST = """
title = "测试轮播"
idle_seconds = 4
[[items]]
board = "overview"
seconds = 5
[[items]]
board = "city-management"
seconds = 5
[[items]]
panel = "overview.kpis"
seconds = 5
"""


# ---- playlist files ----

@pytest.mark.parametrize("name", ["wall", "leaders"])
def test_example_playlists_load(name):
    plist = playlists.load(name, REPO / "playlists")
    assert plist.items and all(item.seconds >= playlists.MIN_SECONDS for item in plist.items)
    assert all("kiosk=1" in item.url for item in plist.items)


def test_item_urls(tmp_path):
    (tmp_path / "fast.toml").write_text(FAST + '[[items]]\nmap = "flood"\nseconds = 9\nquery = "range=7d"\n')
    urls = [i.url for i in playlists.load("fast", tmp_path).items]
    assert urls == ["/board/overview?kiosk=1", "/board/city-management?kiosk=1", "/panel/overview.kpis?kiosk=1",
                    "/map/flood?range=7d&kiosk=1"]


@pytest.mark.parametrize("text, problem", [
    ("title = 'x'\n[[items]]\nboard = 'nope'\nseconds = 5\n", "items[0]: unknown board 'nope'"),
    ("[[items]]\npanel = 'x.y'\nseconds = 5\n", "items[0]: unknown panel 'x.y'"),
    ("[[items]]\nboard = 'overview'\n", "items[0].seconds must be a number"),
    ("[[items]]\nboard = 'overview'\npanel = 'overview.kpis'\nseconds = 5\n", "exactly one of"),
    ("title = 'x'\n", "needs at least one [[items]]"),
    ("[[items]\nboard = 1", "Expected"),
])
def test_malformed_playlist_names_file_and_problem(tmp_path, text, problem):
    (tmp_path / "bad.toml").write_text(text)
    with pytest.raises(playlists.PlaylistError) as err:
        playlists.load("bad", tmp_path)
    assert str(tmp_path / "bad.toml") in str(err.value) and problem in str(err.value)


@pytest.mark.parametrize("text", ["nan", "inf", "-1", "0", "soon", "1e9"])
def test_bad_reload_values_are_refused(text):
    with pytest.raises(ValueError):
        playlists.reload_hours_of(text)
    assert playlists.reload_hours_of("24") == 24.0


def test_unknown_playlist(tmp_path):
    for name in ("nope", "../etc/passwd", ""):
        with pytest.raises(playlists.PlaylistNotFound):
            playlists.load(name, tmp_path)


# ---- in the browser ----

@pytest.fixture
def playlist_dir(tmp_path, monkeypatch):
    (tmp_path / "fast.toml").write_text(FAST)
    (tmp_path / "broken.toml").write_text("[[items]]\nboard = 'nope'\nseconds = 5\n")
    monkeypatch.setenv("PLAYLISTS_DIR", str(tmp_path))
    return tmp_path


def wait_panels(page, frame=None):
    target = frame or page.page
    target.wait_for_function(
        "document.querySelectorAll('.panel').length > 0 && document.querySelectorAll('.panel-loading').length === 0")


@pytest.mark.browser
@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)])
def test_kiosk_board_hides_navigation(browser, seeded_app_url, size):
    with open_page(browser, seeded_app_url, size=size) as page:
        page.goto("/board/overview", ready=".board-grid")
        assert page.page.is_visible(".cockpit-nav") and page.page.is_visible(".filter-bar")
        page.goto("/board/overview?kiosk=1&range=7d", ready=".board-grid")
        wait_panels(page)
        assert not page.page.is_visible(".cockpit-nav")
        assert page.page.locator(".filter-bar").count() == 0
        assert page.page.inner_text(".filter-text") == "全市 · 近7天"
        assert page.page.is_visible(".clock .clock-time") and page.page.is_visible(".freshness")
        assert page.fits() and page.console_errors == [] and page.external_requests == []
        page.screenshot(SHOTS, f"kiosk-overview-{size[0]}x{size[1]}")


@pytest.mark.browser
def test_failing_panel_keeps_last_good_data(browser, seeded_app_url, monkeypatch):
    from dashboard import panels

    real = panels.get("overview.kpis")
    calls = {"n": 0}

    def flaky(url, scope):
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("database went away")
        return real.data(url, scope)

    monkeypatch.setitem(panels.PANELS, "overview.kpis", dataclasses.replace(real, data=flaky, refresh_seconds=2))
    with open_page(browser, seeded_app_url) as page:
        page.goto("/board/overview?kiosk=1", ready=".board-grid")
        wait_panels(page)
        kpis = page.page.locator('[data-panel="overview.kpis"]')
        shown = kpis.locator(".panel-body").inner_text()
        assert kpis.locator(".kpi").count() == 7
        kpis.locator(".panel-stale").filter(has_text="最后更新于").wait_for()
        assert "数据异常 · 最后更新于" in kpis.locator(".panel-stale").inner_text()
        assert kpis.locator(".panel-body").inner_text() == shown  # the last good data stays
        assert page.page.locator(".dash-debug-menu, .dash-fe-error__title").count() == 0
        assert page.console_errors == []
    assert calls["n"] >= 2


def kiosk_state(page):
    return page.page.evaluate("window.cockpitKiosk.state()")


def front_frame(page):
    state = kiosk_state(page)
    return page.page.frame_locator(f"#kiosk-frame-{'ab'[state['front']]}")


@pytest.mark.browser
def test_playlist_rotates_boards_and_keys_move(browser, seeded_app_url, playlist_dir):
    items = 3  # FAST's overview, city-management, overview.kpis
    with open_page(browser, seeded_app_url) as page:
        page.goto("/kiosk/fast", ready=".kiosk-player")
        page.page.wait_for_function("window.cockpitKiosk.state() && window.cockpitKiosk.state().url "
                                    "&& window.cockpitKiosk.state().url.includes('/board/overview')")
        frame = front_frame(page)
        frame.locator('[data-board="overview"]').wait_for()
        assert frame.locator(".cockpit-nav").is_hidden()
        assert frame.locator(".filter-text").is_visible()
        page.screenshot(SHOTS, "kiosk-playlist-1920x1080")
        # Rotation moves on by itself after the item's 5 seconds on screen.
        page.page.wait_for_function("window.cockpitKiosk.state().url.includes('/board/city-management')")
        front_frame(page).locator('[data-board="city-management"]').wait_for()
        assert not page.page.is_visible(".cockpit-header")
        # → moves to the next item and pauses the rotation (relative to where it is: a busy
        # machine may have moved on while the test looked).
        before = kiosk_state(page)["index"]
        page.page.keyboard.press("ArrowRight")
        state = kiosk_state(page)
        assert state["index"] == (before + 1) % items and state["paused"]
        page.page.keyboard.press("PageUp")
        assert kiosk_state(page)["index"] == before
        page.page.keyboard.press("PageDown")
        assert kiosk_state(page)["index"] == (before + 1) % items
        if state["index"] == 2:
            page.page.wait_for_function("window.cockpitKiosk.state().url.includes('/panel/overview.kpis')")
            front_frame(page).locator('[data-panel="overview.kpis"] .kpi').first.wait_for()
        # Paused: no rotation while the idle time (4 s) runs; then it resumes and rotates again.
        paused_at = kiosk_state(page)
        page.page.wait_for_function("!window.cockpitKiosk.state().paused")
        assert page.page.evaluate("window.cockpitKiosk.state().switches") == paused_at["switches"]
        page.page.wait_for_function(f"window.cockpitKiosk.state().index === {(paused_at['index'] + 1) % items}")
        assert page.console_errors == [] and page.external_requests == []


@pytest.mark.browser
def test_unknown_and_malformed_playlists_explain(browser, seeded_app_url, playlist_dir):
    with open_page(browser, seeded_app_url) as page:
        page.goto("/kiosk/nope", ready=".kiosk-message")
        text = page.page.inner_text(".kiosk-message")
        assert "404" in text and "'nope'" in text and "fast" in text
        page.goto("/kiosk/broken", ready=".kiosk-message")
        text = page.page.inner_text(".kiosk-message")
        assert "broken.toml" in text and "unknown board 'nope'" in text
        page.goto("/panel/no.such", ready=".kiosk-message")
        assert "404" in page.page.inner_text(".kiosk-message")
        assert page.console_errors == []
