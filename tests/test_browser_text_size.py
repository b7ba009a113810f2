"""Readable from across the hall: no text on any board or map is smaller than 0.875 rem (14 px at
1080p, 28 px at 4K), chart ticks, values, legends and table cells included; a panel shown full
screen on /panel/<id> draws its text larger than on its board.

Every board in layouts.boards.BOARDS is measured, so a new board is covered when it is declared.
Text is measured as drawn: HTML text nodes by their computed font size, Plotly's SVG <text> by
its computed font size times the scale of its screen transform.
"""
from __future__ import annotations

import pytest
from browser import open_board, open_page

from layouts.boards import BOARDS

pytestmark = pytest.mark.browser

FLOOR_REM = 0.875
SCREENS = [(1920, 1080), (3840, 2160)]
MAPS = {"/map/gas-pipelines": "gas-map-regions", "/map/illegal-construction": "illegal-map-regions",
        "/map/flood-risk": "flood-map-regions"}

MEASURE = """(within) => {
    const shown = (el) => {
        for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
            const s = getComputedStyle(e);
            if (s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) === 0) return false;
        }
        return true;
    };
    const where = (el) => {
        const panel = el.closest('[data-panel]');
        if (panel) return panel.dataset.panel;
        const named = el.closest('[id], [class]');
        return named ? (named.id || String(named.className).split(' ')[0]) : 'page';
    };
    const root = within ? document.querySelector(within) : document.body;
    const texts = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const text = node.textContent.trim();
        const el = node.parentElement;
        if (!text || !el || el.closest('svg, script, style, noscript, template')) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const box = range.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || !shown(el)) continue;
        texts.push({px: parseFloat(getComputedStyle(el).fontSize), text: text.slice(0, 40), where: where(el), kind: 'html'});
    }
    for (const t of root.querySelectorAll('svg text')) {
        const text = t.textContent.trim();
        const box = t.getBoundingClientRect();
        if (!text || box.width === 0 || box.height === 0 || !shown(t)) continue;
        const m = t.getScreenCTM();
        const scale = m ? Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)) : 1;
        texts.push({px: parseFloat(getComputedStyle(t).fontSize) * scale, text: text.slice(0, 40), where: where(t), kind: 'svg'});
    }
    return {rem: parseFloat(getComputedStyle(document.documentElement).fontSize), texts};
}"""

@pytest.fixture(scope="module")
def base_url(seeded_app_url):
    return seeded_app_url


def open_drawn(page, path: str):
    """Open a board or panel page and wait until every panel is drawn."""
    open_board(page, path)
    page.page.wait_for_function("document.fonts.status === 'loaded'")


def measure(page, within: str | None = None) -> tuple[float, list[dict]]:
    result = page.page.evaluate(MEASURE, within)
    return result["rem"], result["texts"]


def too_small(rem: float, texts: list[dict]) -> list[str]:
    floor = FLOOR_REM * rem - 0.05
    seen, out = set(), []
    for t in sorted(texts, key=lambda t: t["px"]):
        key = (t["where"], round(t["px"], 1))
        if t["px"] < floor and key not in seen:
            seen.add(key)
            out.append(f"{t['where']}: {t['px']:.1f}px {t['kind']} {t['text']!r}")
    return out


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("board", list(BOARDS))
def test_no_text_on_a_board_is_smaller_than_0875rem(browser, base_url, board, size):
    with open_page(browser, base_url, size) as page:
        open_drawn(page, BOARDS[board].path)
        rem, texts = measure(page)
        assert rem == pytest.approx(size[0] / 120, rel=0.01)  # 16 px at 1080p, 32 px at 4K
        panels = {t["where"] for t in texts}
        assert set(BOARDS[board].panels.values()) <= panels, "a panel drew no text to measure"
        failed = {t["where"] for t in texts if "数据暂不可用" in t["text"] or "Data unavailable" in t["text"]}
        assert not failed, f"panels without data measure nothing real: {sorted(failed)}"
        assert any(t["kind"] == "svg" for t in texts), "no chart text was measured"
        assert too_small(rem, texts) == [], f"text below {FLOOR_REM} rem = {FLOOR_REM * rem:.1f}px"
        assert page.console_errors == []


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("path", list(MAPS))
def test_no_text_on_a_map_is_smaller_than_0875rem(browser, base_url, path, size):
    with open_page(browser, base_url, size) as page:
        page.goto(path, ready=".cockpit-map")
        page.page.wait_for_function(
            """(key) => { const map = window.cockpitMaps && window.cockpitMaps.maps[key];
                          if (!map) return false; let n = 0; map.eachLayer(l => { if (l.feature) n++; }); return n > 0; }""",
            arg=MAPS[path])
        page.page.wait_for_function("document.fonts.status === 'loaded'")
        rem, texts = measure(page)
        assert texts
        assert too_small(rem, texts) == [], f"text below {FLOOR_REM} rem = {FLOOR_REM * rem:.1f}px"


# One panel of each kind: HTML bars, a heatmap with its colour scale, KPI tiles, a table, a donut.
FULL_SCREEN = ["overview.region_ranking", "city.weekday_hour", "overview.kpis", "city.department_league",
               "overview.source_mix"]


def smallest(texts: list[dict]) -> float:
    return min(t["px"] for t in texts)


@pytest.mark.parametrize("panel_id", FULL_SCREEN)
def test_a_full_screen_panel_draws_its_text_larger_than_the_board(browser, base_url, panel_id):
    board = next(b for b in BOARDS.values() if panel_id in b.panels.values())
    inside = f'[data-panel="{panel_id}"]'
    with open_page(browser, base_url) as page:
        open_drawn(page, board.path)
        rem, on_board = measure(page, inside)
        open_drawn(page, f"/panel/{panel_id}")
        full_rem, full_screen = measure(page, inside)
        assert full_rem == rem
        assert on_board and full_screen
        assert too_small(rem, full_screen) == []
        assert smallest(full_screen) > 1.2 * smallest(on_board)
        # The same kind of text grows too: the largest is larger, not only the smallest.
        assert max(t["px"] for t in full_screen) > max(t["px"] for t in on_board)
        assert page.console_errors == []
