"""The province view (/board/province) in headless Chromium, over three seeded cities: every panel
draws at 1080p and 4K without console errors, outside requests or scrollbars; a city's row and
its map shape open that city's board; its case count opens its cases; single panel and kiosk."""
from __future__ import annotations

import os
import re

import pytest
from browser import SCREENS, open_board, open_page, serve
from test_province import CITIES, seed_province

pytestmark = pytest.mark.browser

PANELS = ("province.kpis", "province.city_map", "province.city_table", "province.city_ranking")
SHOTS = os.environ.get("SHOTS_DIR")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """The app over Dongguan and two further cities (SQLite): the shared demo city has one."""
    from dashboard.app import create_app
    from dashboard.settings import load_settings

    eng = seed_province(f"sqlite:///{tmp_path_factory.mktemp('province-app') / 'cockpit.sqlite'}")
    settings = load_settings({"LOGIN": "off", "DATABASE_URL": eng.url.render_as_string(hide_password=False),
                              "DATA_DIR": str(tmp_path_factory.mktemp("province-data"))})
    with serve(create_app(settings).server) as url:
        yield url


@pytest.mark.parametrize("size", SCREENS.values(), ids=lambda s: f"{s[0]}x{s[1]}")
def test_province_view_draws_every_panel_and_fits(browser, base_url, size):
    with open_page(browser, base_url, size) as page:
        open_board(page, "/board/province")
        assert set(page.page.eval_on_selector_all("[data-panel]", "els => els.map(e => e.dataset.panel)")) == set(PANELS)
        for pid in PANELS:
            body = page.page.locator(f'[data-panel="{pid}"] .panel-body')
            assert body.locator(".js-plotly-plot .main-svg, .kpi, table.league, .rank-row").count() > 0, pid
            assert "数据暂不可用" not in body.inner_text()
        assert page.page.locator("tr.city-row").count() == CITIES
        # All 21 cities on the map: the connected ones by grade, the rest as 未接入.
        drawn = page.page.evaluate("""() => document.querySelector('[data-panel="province.city_map"] .js-plotly-plot')
            ._fullData.filter(t => t.type === 'choropleth').reduce((n, t) => n + t.locations.length, 0)""")
        assert drawn == 21
        assert page.fits(), page.overflow()
        assert page.console_errors == []
        assert page.external_requests == []
        page.settle()
        page.screenshot(SHOTS, f"province-{size[0]}x{size[1]}")


def test_a_city_row_opens_that_citys_board(browser, base_url):
    with open_page(browser, base_url) as page:
        open_board(page, "/board/province?range=7d")
        row = page.page.locator("tr.city-row").nth(1)
        code = row.get_attribute("data-city")
        page.follow(row.locator("td").nth(2).locator("a"), rf"/board/overview\?city={code}&range=7d$")
        assert page.console_errors == []


def test_a_citys_case_count_opens_its_cases(browser, base_url):
    with open_page(browser, base_url) as page:
        open_board(page, "/board/province")
        row = page.page.locator("tr.city-row").first
        code = row.get_attribute("data-city")
        shown = int(re.sub(r"\D", "", row.locator("td").nth(1).inner_text()))
        page.follow(row.locator("td").nth(1).locator("a"), rf"/cases\?.*city={code}")
        page.page.wait_for_selector("#cases-count strong")
        assert int(re.sub(r"\D", "", page.page.inner_text("#cases-count strong"))) == shown


# A point inside the largest drawn shape of a connected city: sampled on a grid over the shape's
# box until it is inside the shape's fill (outlines are not convex) and no other shape covers it.
POINT_IN_CITY = """(codes) => {
    const all = [...document.querySelectorAll('[data-panel="province.city_map"] path.choroplethlocation')];
    const paths = all.filter(p => p.__data__ && codes.includes(p.__data__.loc));
    const area = p => { const r = p.getBoundingClientRect(); return r.width * r.height; };
    paths.sort((a, b) => area(b) - area(a));
    const inside = (p, x, y) => p.isPointInFill(new DOMPoint(x, y).matrixTransform(p.getScreenCTM().inverse()));
    for (const path of paths) {
        const r = path.getBoundingClientRect();
        for (let i = 1; i < 10; i++) for (let j = 1; j < 10; j++) {
            const x = r.left + r.width * i / 10, y = r.top + r.height * j / 10;
            if (inside(path, x, y) && all.every(p => p === path || !inside(p, x, y))) {
                return {x, y, code: path.__data__.loc};
            }
        }
    }
    return null;
}"""


def test_a_click_on_a_city_on_the_map_opens_its_board(browser, base_url):
    with open_page(browser, base_url) as page:
        open_board(page, "/board/province")
        codes = page.page.eval_on_selector_all("tr.city-row", "rows => rows.map(r => r.dataset.city)")
        point = page.page.evaluate(POINT_IN_CITY, codes)
        assert point, "no connected city could be clicked"
        page.follow(lambda: page.page.mouse.click(point["x"], point["y"]), rf"/board/overview\?city={point['code']}")
        assert page.console_errors == []


@pytest.mark.parametrize("path", ["/panel/province.city_map", "/panel/province.city_table",
                                  "/board/province?kiosk=1"])
def test_single_panels_and_kiosk(browser, base_url, path):
    with open_page(browser, base_url) as page:
        open_board(page, path)
        assert page.fits(), page.overflow()
        assert page.console_errors == []
