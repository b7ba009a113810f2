"""The city switch in headless Chromium: a board of a two-city database shows one city, and
switching the city changes the figures, the towns on offer and the URL."""
from __future__ import annotations

import re

import pytest
from browser import open_board, open_page, serve
from test_city_filter import CITY_B, copy_of_sqlite, split_into_two_cities

from dashboard.app import create_app
from dashboard.settings import load_settings
from data_access import boards

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def two_city_app(seeded_sqlite, tmp_path_factory):
    """(base url, town names of A, town names of B) of the app serving a two-city copy of the demo."""
    url = copy_of_sqlite(seeded_sqlite, tmp_path_factory)
    names = boards.names(url)["regions"]
    regions = [{names[code] for code in codes} for codes in split_into_two_cities(url)]
    settings = load_settings({"LOGIN": "off", "DATABASE_URL": url, "DATA_DIR": str(tmp_path_factory.mktemp("city-app"))})
    with serve(create_app(settings).server) as base_url:
        yield (base_url, *regions)


def kpi_text(page) -> str:
    return page.page.inner_text('[data-panel="overview.kpis"] .panel-body')


def town_options(page) -> list[str]:
    page.page.click("#filter-region")
    options = page.page.get_by_role("option")
    options.first.wait_for()
    names = options.all_inner_texts()
    page.page.keyboard.press("Escape")
    return names


def test_switching_the_city_changes_the_figures_and_the_url(browser, two_city_app):
    base_url, towns_a, towns_b = two_city_app
    with open_page(browser, base_url) as page:
        open_board(page, "/board/overview")
        home = kpi_text(page)
        assert page.fits()  # the switch fits beside the filters: nothing scrolls
        tops = page.page.eval_on_selector_all(".filter-bar > *", "els => els.filter(e => e.getBoundingClientRect().width > 0)"
                                                                ".map(e => e.getBoundingClientRect().top)")
        assert max(tops) - min(tops) < 8, "the filter bar wrapped"
        assert "东莞市" in page.page.inner_text("#filter-city")
        assert set(town_options(page)) & (towns_a | towns_b) == towns_a

        page.page.click("#filter-city")
        page.page.get_by_role("option", name="潮州市").click()
        page.page.wait_for_url(re.compile(rf"city={CITY_B}"))
        open_board(page, page.page.url.removeprefix(base_url))
        page.page.wait_for_function(
            "(before) => { const b = document.querySelector('[data-panel=\"overview.kpis\"] .panel-body');"
            " return b && b.innerText !== before; }", arg=home)
        assert kpi_text(page) != home
        assert set(town_options(page)) & (towns_a | towns_b) == towns_b  # only the chosen city's towns
        assert page.fits()
        assert page.console_errors == []
