"""Charts that don't mislead, in headless Chromium: filtered to a town, the map and the ranking
show its communities and a click drills to /cases with the same count; the yellow 预警 bars
drill like the red ones."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from browser import open_board, open_page

from data_access import boards, clock
from data_access.filters import Scope

pytestmark = pytest.mark.browser

def digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def cases_count(page) -> int:
    page.page.wait_for_selector("#cases-count strong")
    return digits(page.page.inner_text("#cases-count strong"))


@pytest.fixture(scope="module")
def town(seeded_sqlite):
    """The town with the most cases in the last 30 days, and its community counts."""
    url = seeded_sqlite.url.render_as_string(hide_password=False)
    today = clock.today()
    scope = Scope(today - timedelta(days=29), today)
    by_region = boards.counts(url, scope, ("region_code",)).sort_values(["reported", "region_code"],
                                                                        ascending=[False, True])
    code = by_region.iloc[0]["region_code"]
    counts = boards.community_counts(url, Scope(scope.day_from, scope.day_to, region=code))
    return code, dict(zip(counts["community_code"], counts["reported"]))


# A point inside the largest drawn community that has cases: sampled on a grid over the shape's
# box until the point is inside the shape's fill (shapes are not convex) and no other shape
# is drawn over it.
POINT_IN_COMMUNITY = """(codes) => {
    const paths = [...document.querySelectorAll('[data-panel="overview.region_map"] path.choroplethlocation')]
        .filter(p => p.__data__ && codes.includes(p.__data__.loc));
    const area = p => { const r = p.getBoundingClientRect(); return r.width * r.height; };
    paths.sort((a, b) => area(b) - area(a));
    for (const path of paths) {
        const r = path.getBoundingClientRect();
        for (let i = 1; i < 10; i++) for (let j = 1; j < 10; j++) {
            const x = r.left + r.width * i / 10, y = r.top + r.height * j / 10;
            const local = new DOMPoint(x, y).matrixTransform(path.getScreenCTM().inverse());
            const others = paths.filter(p => p !== path && p.isPointInFill(
                new DOMPoint(x, y).matrixTransform(p.getScreenCTM().inverse())));
            if (path.isPointInFill(local) && others.length === 0) return {x, y, code: path.__data__.loc};
        }
    }
    return null;
}"""


def test_filtered_to_a_town_the_map_shows_its_communities_and_a_click_drills_to_one(browser, seeded_app_url, town):
    code, counts = town
    with open_page(browser, seeded_app_url) as page:
        open_board(page, f"/board/overview?region={code}")
        shown = page.page.evaluate("""() => [...document.querySelectorAll(
            '[data-panel="overview.region_map"] path.choroplethlocation')].map(p => p.__data__.loc)""")
        assert len(shown) > 1 and all(s.startswith(code) and len(s) == 12 for s in shown)
        ranked = page.page.eval_on_selector_all('[data-panel="overview.region_ranking"] a.rank-row',
                                                "rows => rows.map(r => r.getAttribute('href'))")
        assert len(ranked) > 1 and all(f"region={code}" in h and "community=" in h for h in ranked)

        point = page.page.evaluate(POINT_IN_COMMUNITY, [c for c, n in counts.items() if n > 0])
        assert point, "no community with cases could be clicked"
        page.page.mouse.click(point["x"], point["y"])
        page.page.wait_for_url(re.compile(rf"/cases\?.*community={point['code']}"))
        assert cases_count(page) == counts[point["code"]]
        assert page.console_errors == []


def test_a_ranking_row_drills_to_its_community(browser, seeded_app_url, town):
    code, counts = town
    with open_page(browser, seeded_app_url) as page:
        open_board(page, f"/board/overview?region={code}")
        row = page.page.locator('[data-panel="overview.region_ranking"] a.rank-row').first
        community = re.search(r"community=(\d{12})", row.get_attribute("href")).group(1)
        row.click()
        page.page.wait_for_url(re.compile(rf"/cases\?.*community={community}"))
        assert cases_count(page) == counts[community]


def test_a_yellow_bar_drills_to_the_due_soon_cases(browser, seeded_app_url, seeded_sqlite):
    url = seeded_sqlite.url.render_as_string(hide_password=False)
    today = clock.today()
    lamps = boards.open_lamps(url, Scope(today.replace(month=1, day=1), today))
    if not lamps["yellow"].sum():
        pytest.skip("no case is due soon in the demo city at this instant")
    with open_page(browser, seeded_app_url) as page:
        open_board(page, "/board/city-management?range=year")
        trace = page.page.evaluate("""() => {
            const plot = document.querySelector('[data-panel="city.overdue_by_department"] .js-plotly-plot');
            return plot._fullData.findIndex(t => t.marker.color === '#ffb547'); }""")
        values = page.page.evaluate("""(i) => Array.from(document.querySelector(
            '[data-panel="city.overdue_by_department"] .js-plotly-plot')._fullData[i].x)""", trace)
        index = max(range(len(values)), key=lambda k: values[k])
        bar = page.page.locator(f'[data-panel="city.overdue_by_department"] .trace.bars >> nth={trace}') \
            .locator(".point path").nth(index)
        box = bar.bounding_box()
        page.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.page.wait_for_url(re.compile(r"/cases\?.*measure=due_soon"))
        assert cases_count(page) == values[index]
        assert page.console_errors == []
