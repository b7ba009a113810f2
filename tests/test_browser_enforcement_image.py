"""城管执法 and 城管形象 in headless Chromium at 1080p and 4K: every panel drawn, nothing from
outside, no scrollbars, no console errors, and a clicked figure opens a list of the same count."""
from __future__ import annotations

import os
import re

import pytest

from browser import SCREENS, open_page
from test_browser_boards import digits, open_board, panel_ids, trace_values

pytestmark = pytest.mark.browser

BOARDS = {"/board/enforcement": 10, "/board/image": 10}
SHOTS = os.environ.get("SHOTS_DIR")


@pytest.fixture(scope="module")
def base_url(seeded_app_url):
    return seeded_app_url


@pytest.mark.parametrize("size", ["1080p", "4k"])
@pytest.mark.parametrize("path", BOARDS)
def test_board_draws_every_panel_and_fits(browser, base_url, path, size):
    with open_page(browser, base_url, SCREENS[size]) as page:
        open_board(page, path)
        ids = panel_ids(page)
        assert len(ids) == BOARDS[path]
        for pid in ids:
            body = page.page.locator(f'[data-panel="{pid}"] .panel-body')
            drawn = body.locator(".js-plotly-plot .main-svg, .kpi, table.league, .kw, .panel-empty").count()
            assert drawn > 0, f"{pid} drew nothing: {body.inner_text()[:80]}"
            assert "数据暂不可用" not in body.inner_text(), pid
        # Nothing is cut off inside a panel either.
        clipped = page.page.evaluate("""() => [...document.querySelectorAll('.panel-body')]
            .filter(b => b.scrollHeight > b.clientHeight + 2 || b.scrollWidth > b.clientWidth + 2).map(b => b.id)""")
        assert clipped == []
        assert page.fits(), page.overflow()
        assert page.console_errors == []
        assert page.external_requests == []
        width, height = SCREENS[size]
        page.screenshot(SHOTS, f"{path.rsplit('/', 1)[-1]}-{width}x{height}")


def list_count(page) -> int:
    page.page.wait_for_url(re.compile(r"/objects/[a-z_]+\?"))
    page.page.wait_for_selector("#objects-count strong")
    return digits(page.page.inner_text("#objects-count strong"))


@pytest.mark.parametrize("path, panel, tile, kind", [
    ("/board/enforcement", "enforcement.kpis", 0, "enforcement_cases"),
    ("/board/enforcement", "enforcement.kpis", 2, "enforcement_cases"),
    ("/board/image", "image.kpis", 0, "return_visits"),
    ("/board/image", "image.kpis", 2, "hotline_tickets"),
])
def test_tile_click_opens_the_list_with_that_count(browser, base_url, path, panel, tile, kind):
    with open_page(browser, base_url) as page:
        open_board(page, path)
        link = page.page.locator(f'[data-panel="{panel}"] a.kpi').nth(tile)
        shown = digits(link.locator(".kpi-value").inner_text())
        link.click()
        assert list_count(page) == shown
        assert f"/objects/{kind}?" in page.page.url
        assert page.console_errors == []


@pytest.mark.parametrize("path, panel, kind", [
    ("/board/enforcement", "enforcement.top_violations", "enforcement_cases"),
    ("/board/image", "image.recognition", "service_feedback"),
])
def test_bar_click_opens_the_records_behind_it(browser, base_url, path, panel, kind):
    with open_page(browser, base_url) as page:
        open_board(page, path)
        values = trace_values(page, panel, "x")
        bars = page.page.locator(f'[data-panel="{panel}"] .bars .point path')
        top = bars.nth(len(values) - 1)  # the first trace's last (top) bar

        def click_bar():
            box = top.bounding_box()
            page.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

        page.follow(click_bar, rf"/objects/{kind}\?")
        assert list_count(page) == values[-1]
        page.open_first_row(rf"/object/{kind}/[\w-]+$")
        assert page.console_errors == []
