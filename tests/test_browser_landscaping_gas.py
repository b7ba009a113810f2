"""The 园林绿化 and 燃气安全 boards in headless Chromium at 1080p and 4K: every panel draws, no
console errors, no request outside the app, no scrollbars; a clicked figure opens a list with the
same count; a sensor opens its place on the gas map."""
from __future__ import annotations

import os
import re

import pytest
from browser import SCREENS, open_board, open_page

pytestmark = pytest.mark.browser

BOARDS = {"/board/landscaping": 9, "/board/gas-safety": 10}
SHOTS = os.environ.get("SHOTS_DIR")


@pytest.fixture(scope="module")
def base_url(seeded_app_url):
    return seeded_app_url


def digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


@pytest.mark.parametrize("size", ["1080p", "4k"])
@pytest.mark.parametrize("path", BOARDS)
def test_board_draws_every_panel_and_fits(browser, base_url, path, size):
    with open_page(browser, base_url, SCREENS[size]) as page:
        open_board(page, path)
        ids = page.page.eval_on_selector_all("[data-panel]", "els => els.map(e => e.dataset.panel)")
        assert len(ids) == BOARDS[path]
        for pid in ids:
            body = page.page.locator(f'[data-panel="{pid}"] .panel-body')
            drawn = body.locator(".js-plotly-plot .main-svg, .kpi, .feed-row").count()
            assert drawn > 0, f"{pid} drew nothing: {body.inner_text()[:80]}"
            assert "数据暂不可用" not in body.inner_text()
        assert page.console_errors == []
        assert page.external_requests == []
        assert page.fits(), page.overflow()
        width, height = SCREENS[size]
        page.screenshot(SHOTS, f"{path.rsplit('/', 1)[-1]}-{width}x{height}")


def click_tile_and_compare(page, panel: str, label: str):
    tile = page.page.locator(f'[data-panel="{panel}"] .kpi', has_text=label).first
    value = digits(tile.locator(".kpi-value").inner_text())
    tile.click()
    page.page.wait_for_url(re.compile(r"/objects/"))
    count = page.page.locator("#objects-count")
    count.wait_for()
    assert digits(count.inner_text()) == value, (label, page.page.url)


def test_landscaping_tile_opens_the_list_with_its_count(browser, base_url):
    with open_page(browser, base_url) as page:
        open_board(page, "/board/landscaping?range=year")
        click_tile_and_compare(page, "landscaping.inventory", "古树名木")
        assert "/objects/ancient_trees" in page.page.url


def test_gas_hazard_tile_opens_the_list_with_its_count(browser, base_url):
    with open_page(browser, base_url) as page:
        open_board(page, "/board/gas-safety?range=year")
        click_tile_and_compare(page, "gas.hazards", "整改中")
        assert "event=hazard" in page.page.url and "status=rectifying" in page.page.url


def test_a_sensor_opens_its_place_on_the_gas_map(browser, base_url):
    with open_page(browser, base_url) as page:
        open_board(page, "/board/gas-safety")
        bars = page.page.locator('[data-panel="gas.sensors"] .bars .point path')
        box = bars.nth(bars.count() - 1).bounding_box()
        page.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.page.wait_for_url(re.compile(r"/map/gas-pipelines\?focus=GP\d+"))
        assert page.console_errors == []


@pytest.mark.parametrize("panel", ["landscaping.indicators", "gas.alarms"])
def test_single_panel_page_draws(browser, base_url, panel):
    with open_page(browser, base_url) as page:
        page.goto(f"/panel/{panel}", ready=f'[data-panel="{panel}"]')
        page.page.wait_for_function(
            """(panel) => { const body = document.querySelector(`[data-panel="${panel}"] .panel-body`);
                 return body && !body.querySelector('.panel-loading')
                     && body.querySelector('.kpi, .js-plotly-plot .main-svg'); }""", arg=panel)
        assert page.console_errors == []
        assert page.external_requests == []
        assert page.fits()
