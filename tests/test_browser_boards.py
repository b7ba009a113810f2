"""The boards in headless Chromium: every panel draws, clicks drill down, filters drive every
panel through the URL, and the grid fits every command-hall screen."""
from __future__ import annotations

import os
import re
import time

import pytest

from browser import BOARD_DRAWN, WAIT_MS, open_board, open_page

pytestmark = pytest.mark.browser

BOARDS = {"/board/overview": 8, "/board/city-management": 6}
SHOTS = os.environ.get("SHOTS_DIR")


@pytest.fixture(scope="module")
def base_url(seeded_app_url):
    return seeded_app_url


FINGERPRINT = """(panel) => {
    const root = document.querySelector(`[data-panel="${panel}"] .panel-body`);
    const plot = root.querySelector('.js-plotly-plot');
    if (plot && plot._fullData) {
        return JSON.stringify(plot._fullData.map(t => [t.x, t.y, t.z, t.values, t.locations]
            .map(v => v && v.length !== undefined ? Array.from(v, r => r && r.length !== undefined && typeof r !== 'string' ? Array.from(r) : r) : v)));
    }
    return root.textContent;
}"""


def panel_ids(page) -> list[str]:
    return page.page.eval_on_selector_all("[data-panel]", "els => els.map(e => e.dataset.panel)")


def fingerprints(page) -> dict:
    return {pid: page.page.evaluate(FINGERPRINT, pid) for pid in panel_ids(page)}


def trace_values(page, panel_id: str, axis: str) -> list:
    """The first trace's decoded values (Plotly keeps typed arrays in _fullData)."""
    return page.page.evaluate(
        """([panel, axis]) => {
            const plot = document.querySelector(`[data-panel="${panel}"] .js-plotly-plot`);
            const values = plot._fullData[0][axis];
            return Array.from(values, v => (v && v.length !== undefined && typeof v !== 'string') ? Array.from(v) : v);
        }""", [panel_id, axis])


def digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


@pytest.mark.parametrize("path", BOARDS)
def test_board_draws_every_panel(browser, base_url, path):
    with open_page(browser, base_url) as page:
        open_board(page, path)
        ids = panel_ids(page)
        assert len(ids) == BOARDS[path]
        for pid in ids:
            body = page.page.locator(f'[data-panel="{pid}"] .panel-body')
            # A chart, tiles, rows, a ranking, or an honest empty state (e.g. nothing overdue right now).
            drawn = body.locator(".js-plotly-plot .main-svg, .kpi, .feed-row, table.league, .rank-row, .panel-empty").count()
            assert drawn > 0, f"{pid} drew nothing: {body.inner_text()[:80]}"
            assert "数据暂不可用" not in body.inner_text()
        assert page.console_errors == []
        assert page.external_requests == []
        page.screenshot(SHOTS, path.strip("/").replace("/", "-") + "-1920x1080")


def click_bar(page, panel_id: str, index: int = -1):
    """Click the index-th bar of a bar chart panel like a person would; returns its value."""
    bars = page.page.locator(f'[data-panel="{panel_id}"] .bars .point path')
    box = bars.nth(index if index >= 0 else bars.count() + index).bounding_box()
    page.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_click_on_a_bar_opens_the_cases_behind_it_and_a_row_opens_the_case(browser, base_url):
    with open_page(browser, base_url) as page:
        open_board(page, "/board/overview")
        values = trace_values(page, "overview.top_categories", "x")
        # the top bar: the most reported 小类
        page.follow(lambda: click_bar(page, "overview.top_categories", -1), r"/cases\?.*category=\d{5}")
        page.page.wait_for_selector("#cases-count strong")
        assert digits(page.page.inner_text("#cases-count strong")) == values[-1]
        page.open_first_row(r"/case/DG\d{14}$")
        assert page.console_errors == []


def test_kpi_click_opens_the_cases_with_that_count(browser, base_url):
    with open_page(browser, base_url) as page:
        open_board(page, "/board/overview")
        kpi = page.page.locator('[data-panel="overview.kpis"] a.kpi').nth(2)  # 今日结案
        shown = digits(kpi.locator(".kpi-value").inner_text())
        kpi.click()
        page.page.wait_for_url(re.compile(r"/cases\?.*measure=closed"))
        page.page.wait_for_selector("#cases-count strong")
        assert digits(page.page.inner_text("#cases-count strong")) == shown


def test_heatmap_click_drills_to_weekday_and_hour(browser, base_url):
    with open_page(browser, base_url) as page:
        open_board(page, "/board/city-management")
        plot = page.page.locator('[data-panel="city.weekday_hour"] .nsewdrag').first
        box = plot.bounding_box()
        z = trace_values(page, "city.weekday_hour", "z")
        # The cell of Tuesday 10:00: row 1 of 7 (reversed axis puts Monday on top), column 10 of 24.
        page.page.mouse.click(box["x"] + box["width"] * (10.5 / 24), box["y"] + box["height"] * (1.5 / 7))
        page.page.wait_for_url(re.compile(r"/cases\?.*weekday=1.*hour=10|/cases\?.*hour=10.*weekday=1"))
        page.page.wait_for_selector("#cases-count strong")
        assert digits(page.page.inner_text("#cases-count strong")) == z[1][10]


def test_filter_changes_every_panel_and_the_url_reproduces_the_view(browser, base_url):
    with open_page(browser, base_url) as page:
        open_board(page, "/board/overview")
        citywide = fingerprints(page)
        page.page.click("#filter-region")
        page.page.get_by_role("option", name="东城街道").click()
        page.page.wait_for_url(re.compile(r"region=441900003"))
        deadline = time.monotonic() + WAIT_MS / 1000  # panels redraw one by one: wait for the last
        while True:
            page.page.wait_for_function(BOARD_DRAWN)
            filtered = fingerprints(page)  # a panel caught mid-redraw is empty: not yet changed
            unchanged = [pid for pid in citywide if citywide[pid] == filtered[pid] or not filtered[pid]]
            if not unchanged or time.monotonic() > deadline:
                break
            page.page.wait_for_timeout(500)
        assert unchanged == [], f"panels that ignored the region filter: {unchanged}"

        permalink = page.page.url
        page.page.goto(permalink)
        open_board(page, permalink.removeprefix(base_url))
        assert fingerprints(page) == filtered
        assert page.console_errors == []


def test_bad_filter_values_are_reported_not_fatal(browser, base_url):
    with open_page(browser, base_url) as page:
        open_board(page, "/board/overview?range=fortnight&region=xyz&source=carrier-pigeon")
        problems = page.page.inner_text(".board-problems")
        assert "fortnight" in problems and "xyz" in problems and "carrier-pigeon" in problems
        assert page.page.locator(".panel-body .js-plotly-plot").count() >= 5
        assert page.console_errors == []


SCREENS = [(1920, 1080), (2560, 1440), (3840, 2160)]


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("path", BOARDS)
def test_board_fits_the_screen(browser, base_url, path, size):
    with open_page(browser, base_url, size) as page:
        open_board(page, path)
        assert page.fits(), page.overflow()
        outside = page.page.evaluate("""() => [...document.querySelectorAll('.panel, .board-header, .cockpit-header')]
            .map(e => e.getBoundingClientRect())
            .filter(r => r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5).length""")
        assert outside == 0
        if size == (3840, 2160):
            page.screenshot(SHOTS, path.strip("/").replace("/", "-") + "-3840x2160")


@pytest.mark.parametrize("path", BOARDS)
def test_wide_wall_uses_the_width(browser, base_url, path):
    with open_page(browser, base_url, (7680, 2160)) as page:
        open_board(page, path)
        assert page.fits(), page.overflow()
        columns = page.page.evaluate("getComputedStyle(document.querySelector('.board-grid')).gridTemplateColumns")
        assert len(columns.split()) == 6
        right = page.page.evaluate("Math.max(...[...document.querySelectorAll('.panel')].map(e => e.getBoundingClientRect().right))")
        left = page.page.evaluate("Math.min(...[...document.querySelectorAll('.panel')].map(e => e.getBoundingClientRect().left))")
        assert left < 100 and right > 7680 - 100  # edge to edge, not a letterboxed 16:9 picture
        page.screenshot(SHOTS, path.strip("/").replace("/", "-") + "-7680x2160")
