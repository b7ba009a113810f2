"""The 市容环卫 board, the object pages and the header navigation in headless Chromium.

The board is served from a copy of the seeded city, because the test moves the fleet with the
live hook (the simulator's call) and watches the markers move on the map.
"""
from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta

import numpy as np
import pytest
from browser import open_board as browser_open_board
from browser import open_page, serve
from sqlalchemy import create_engine

from data_access import clock
from data_access import sanitation as san

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SHOTS_DIR")
PATH = "/board/sanitation"
PANELS = 10
BOARD_ORDER = ["综合首页", "智慧城管", "市容环卫", "园林绿化", "燃气安全", "城管执法", "城管形象", "全省一张网"]


@pytest.fixture(scope="module")
def live_city(seeded_sqlite, tmp_path_factory):
    """(base URL, engine) of the app on a writable copy of the seeded city."""
    from dashboard.app import create_app
    from dashboard.settings import load_settings

    directory = tmp_path_factory.mktemp("sanitation-live")
    copy = directory / "cockpit.sqlite"
    shutil.copy(seeded_sqlite.url.database, copy)
    settings = load_settings({"LOGIN": "off", "DATABASE_URL": f"sqlite:///{copy}", "DATA_DIR": str(directory / "data")})
    engine = create_engine(f"sqlite:///{copy}")
    with serve(create_app(settings).server) as url:
        yield url, engine
    engine.dispose()


def open_board(page, path: str = PATH):
    browser_open_board(page, path)
    page.page.wait_for_function(
        "() => Object.keys(window.cockpitSanitation.positions()).length > 100")


def digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)], ids=["1080p", "4k"])
def test_board_draws_every_panel_and_fits(browser, live_city, size):
    base_url, _engine = live_city
    with open_page(browser, base_url, size) as page:
        open_board(page)
        ids = page.page.eval_on_selector_all("[data-panel]", "els => els.map(e => e.dataset.panel)")
        assert len(ids) == PANELS
        for pid in ids:
            body = page.page.locator(f'[data-panel="{pid}"] .panel-body')
            drawn = body.locator(".js-plotly-plot .main-svg, .kpi, .san-row, .san-grid, .san-tile, "
                                 ".leaflet-container, .panel-empty").count()
            assert drawn > 0, f"{pid} drew nothing: {body.inner_text()[:80]}"
            assert "数据暂不可用" not in body.inner_text()
        assert page.fits(), page.overflow()
        outside = page.page.evaluate("""() => [...document.querySelectorAll('.panel, .board-header, .cockpit-header')]
            .map(e => e.getBoundingClientRect())
            .filter(r => r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5).length""")
        assert outside == 0
        smallest = page.page.evaluate("""() => Math.min(...[...document.querySelectorAll('.board-grid *')]
            .filter(e => e.childNodes.length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
                         && e.getClientRects().length)
            .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
        rem = page.page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert smallest >= 0.875 * rem - 0.01
        assert page.console_errors == []
        assert page.external_requests == []
        page.screenshot(SHOTS, f"sanitation-{size[0]}x{size[1]}")


def test_vehicles_move_on_the_map_within_a_minute(browser, live_city):
    base_url, engine = live_city
    with open_page(browser, base_url) as page:
        open_board(page)
        before = page.page.evaluate("window.cockpitSanitation.positions()")
        rng = np.random.default_rng(3)
        now = clock.utcnow().replace(microsecond=0)
        with engine.begin() as conn:  # what the simulator does every tick: a GPS fix every 30 s
            san.live_tick(conn, rng, now, force=True)
        with engine.begin() as conn:
            assert san.live_tick(conn, rng, now + timedelta(seconds=san.FIX_SECONDS), force=True) > 0
        # The map panel redraws every 30 s with the next slot's vehicle URL: within a minute they moved.
        page.page.wait_for_function(
            """(before) => {
                const now = window.cockpitSanitation.positions();
                return Object.keys(now).filter(k => before[k] &&
                    (before[k][0] !== now[k][0] || before[k][1] !== now[k][1])).length > 20;
            }""", arg=before)
        assert page.console_errors == []


def test_a_figure_opens_its_list_with_the_same_count_and_a_row_opens_the_object(browser, live_city):
    base_url, _engine = live_city
    with open_page(browser, base_url) as page:
        open_board(page, PATH + "?range=7d")
        kpi = page.page.locator('[data-panel="sanitation.kpis"] a.kpi').nth(7)  # 公厕故障
        shown = digits(kpi.locator(".kpi-value").inner_text())
        page.follow(kpi, r"/objects/toilets\?.*status=fault")
        page.page.wait_for_selector("#objects-count strong")
        assert digits(page.page.inner_text("#objects-count strong")) == shown
        page.open_first_row(r"/object/toilets/GC-\d{5}$", ".objects-grid")
        page.page.wait_for_selector(".object-page .case-fields")
        assert "故障" in page.page.inner_text(".object-page .case-fields")

        page.page.go_back()
        page.page.go_back()
        open_board(page, PATH + "?range=7d")
        cell = page.page.locator('[data-panel="sanitation.fleet"] .san-grid:not(.san-head) a.san-cell').first
        shown = digits(cell.inner_text())
        page.follow(cell, r"/objects/vehicles\?.*kind=sweeper.*status=working")
        page.page.wait_for_selector("#objects-count strong")
        assert digits(page.page.inner_text("#objects-count strong")) == shown
        assert page.console_errors == []
        assert page.external_requests == []


def test_problems_open_the_cases_behind_them(browser, live_city):
    base_url, _engine = live_city
    with open_page(browser, base_url) as page:
        open_board(page)
        kpi = page.page.locator('[data-panel="sanitation.kpis"] a.kpi').nth(8)  # 市容问题
        shown = digits(kpi.locator(".kpi-value").inner_text())
        page.follow(kpi, r"/cases\?.*category=06010")
        page.page.wait_for_selector("#cases-count strong")
        assert digits(page.page.inner_text("#cases-count strong")) == shown


def test_navigation_fits_in_one_line_with_the_boards_in_order(browser, live_city):
    base_url, _engine = live_city
    with open_page(browser, base_url, (1920, 1080)) as page:
        page.goto(PATH)
        nav = page.page.locator(".cockpit-nav")
        box = nav.bounding_box()
        one_line = page.page.evaluate("""() => {
            const items = [...document.querySelectorAll('.cockpit-nav > *')].map(e => e.getBoundingClientRect());
            return new Set(items.map(r => Math.round(r.top))).size === 1
                && items.every(r => r.height < 3.5 * parseFloat(getComputedStyle(document.documentElement).fontSize));
        }""")
        assert one_line
        assert page.page.evaluate("(() => { const n = document.querySelector('.cockpit-nav'); "
                                  "return n.scrollWidth <= n.clientWidth + 1; })()")
        header = page.page.locator(".cockpit-header").bounding_box()
        assert box["x"] >= header["x"] and box["x"] + box["width"] <= header["x"] + header["width"]
        labels = page.page.eval_on_selector_all(".cockpit-nav > *", "els => els.map(e => e.innerText.trim())")
        assert labels[0].startswith("版面") and labels[1:].count("值班监控") == 1 and "视频监控" in labels
        assert any(label.startswith("一张图") for label in labels)
        boards = page.page.eval_on_selector_all(".nav-menu-boards .nav-link", "els => els.map(e => e.textContent)")
        assert boards == [b for b in BOARD_ORDER if b in boards] and {"综合首页", "智慧城管", "市容环卫"} <= set(boards)
        maps = page.page.eval_on_selector_all(".nav-menu-maps .nav-link", "els => els.map(e => e.textContent)")
        assert len(maps) == 3
        # The menu holding the page shown names it; the keyboard opens, walks and closes the menus.
        assert "市容环卫" in page.page.inner_text(".nav-group[data-group=boards] summary")
        summary = page.page.locator(".nav-group[data-group=maps] summary")
        summary.focus()
        page.page.keyboard.press("Enter")
        page.page.wait_for_selector(".nav-menu-maps .nav-link", state="visible")
        page.page.keyboard.press("Tab")
        assert page.page.evaluate("document.activeElement.closest('.nav-menu-maps') !== null")
        page.page.keyboard.press("Escape")
        page.page.wait_for_selector(".nav-menu-maps .nav-link", state="hidden")
        assert page.page.evaluate("document.activeElement.matches('.nav-group[data-group=maps] summary')")
        summary.click()
        page.follow(page.page.locator(".nav-menu-maps .nav-link").first, r"/map/")
        page.page.wait_for_selector(".nav-menu-maps .nav-link", state="hidden")
        assert page.console_errors == []
