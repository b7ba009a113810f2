"""The three maps in headless Chromium: layers drawn, a click shows details, no console
errors, no request outside the app, no scrollbars at 1080p and 4K.

SHOTS_DIR=docs/screenshots writes the 1920×1080 and 3840×2160 screenshots."""
from __future__ import annotations

import json
import os
import urllib.request

import pytest
from browser import SCREENS, open_page

MAPS = {
    "/map/gas-pipelines": ("gas-map-regions", 2000),
    "/map/flood-risk?hour=8": ("flood-map-regions", 100),  # replaying the storm's 9th hour
    "/map/illegal-construction": ("illegal-map-regions", 100),
}


def shot_name(path: str) -> str:
    return path.split("?")[0].strip("/").replace("/", "-")
SHOTS = os.environ.get("SHOTS_DIR")


def fetch(base: str, path: str) -> list[dict]:
    with urllib.request.urlopen(base + path) as response:
        return json.loads(response.read())["features"]


def wait_for_map(page, key: str, minimum: int) -> int:
    """Wait until the map holds at least `minimum` drawn features; returns how many."""
    page.page.wait_for_function(
        """([key, minimum]) => {
            const map = window.cockpitMaps && window.cockpitMaps.maps[key];
            if (!map) return false;
            let n = 0;
            map.eachLayer(l => { if (l.feature && !(l.feature.properties || {}).cluster) n++; });
            return n >= minimum;
        }""", arg=[key, minimum])
    return page.page.evaluate("""(key) => { let n = 0;
        window.cockpitMaps.maps[key].eachLayer(l => { if (l.feature) n++; }); return n; }""", key)


def click_at(page, key: str, lon: float, lat: float, zoom: int):
    """Centre the map on a position and click it there (the map draws on a canvas)."""
    page.page.evaluate("""([key, lat, lon, zoom]) => { window.cockpitMaps.maps[key].setView([lat, lon], zoom,
                          {animate: false}); return null; }""", [key, lat, lon, zoom])
    page.settle()
    x, y = page.page.evaluate("""([key, lat, lon]) => { const map = window.cockpitMaps.maps[key];
        const p = map.latLngToContainerPoint([lat, lon]); const r = map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""", [key, lat, lon])
    page.page.mouse.click(x, y)


@pytest.mark.parametrize("path", list(MAPS))
def test_map_draws_its_layers_offline(browser, seeded_app_url, path):
    key, minimum = MAPS[path]
    with open_page(browser, seeded_app_url) as page:
        answers = []
        page.page.on("response", lambda r: "/api/v1/geo/" in r.url and answers.append((r.url, r.status)))
        page.goto(path, ".cockpit-map")
        drawn = wait_for_map(page, key, minimum)
        assert drawn >= minimum
        assert page.page.locator(f"#{key.replace('-regions', '')} canvas").count() >= 1  # preferCanvas
        assert page.page.locator(".leaflet-control-layers-overlays label").count() >= 2
        assert page.page.locator(".map-legend .legend-item").count() >= 3
        assert answers and all(status == 200 for _, status in answers)
        assert any("bbox=" in url for url, _ in answers)
        if "hour=" in path:  # a permalink to a replayed hour loads the sensor layers at that hour
            assert any("/flood-points" in url and "at=" in url for url, _ in answers)
            assert "暴雨" in page.page.inner_text("#flood-time")
        page.settle()
        assert page.console_errors == []
        assert page.external_requests == []
        assert page.fits(), page.overflow()
        page.screenshot(SHOTS, shot_name(path) + "-1920x1080")


@pytest.mark.parametrize("path", list(MAPS))
def test_map_fits_a_4k_wall(browser, seeded_app_url, path):
    key, minimum = MAPS[path]
    with open_page(browser, seeded_app_url, SCREENS["4k"]) as page:
        page.goto(path, ".cockpit-map")
        wait_for_map(page, key, minimum)
        page.settle()
        assert page.fits(), page.overflow()
        assert page.console_errors == [] and page.external_requests == []
        page.screenshot(SHOTS, shot_name(path) + "-3840x2160")


def test_click_on_a_pipe_shows_its_details(browser, seeded_app_url):
    pipe = next(f for f in fetch(seeded_app_url, "/api/v1/geo/gas-pipelines?pressure=medium")
                if f["properties"]["code"].endswith("7"))
    lon, lat = pipe["geometry"]["coordinates"][1]
    with open_page(browser, seeded_app_url) as page:
        page.goto("/map/gas-pipelines", ".cockpit-map")
        wait_for_map(page, "gas-map-regions", 2000)
        assert "点击地图上的管段" in page.page.inner_text("#gas-detail")
        click_at(page, "gas-map-regions", lon, lat, 18)
        page.page.wait_for_selector(f"#gas-detail .detail-title:has-text('{pipe['properties']['code']}')")
        text = page.page.inner_text("#gas-detail")
        for heading in ("报警", "隐患", "巡检", "沿线燃气案件", "第三方施工"):
            assert heading in text
        assert pipe["properties"]["material"] in text
        assert page.console_errors == [] and page.external_requests == []


def test_click_on_a_waterlogging_point_and_replay_the_storm(browser, seeded_app_url):
    point = fetch(seeded_app_url, "/api/v1/geo/flood-points")[5]
    lon, lat = point["geometry"]["coordinates"]
    with open_page(browser, seeded_app_url) as page:
        urls = []
        page.page.on("request", lambda r: "/api/v1/geo/flood-points" in r.url and urls.append(r.url))
        page.goto("/map/flood-risk", ".cockpit-map")
        wait_for_map(page, "flood-map-regions", 100)
        click_at(page, "flood-map-regions", lon, lat, 16)
        page.page.wait_for_selector(f"#flood-detail .detail-title:has-text('{point['properties']['name']}')")
        page.page.wait_for_selector("#flood-detail .flood-chart .main-svg")
        assert "周边视频" in page.page.inner_text("#flood-detail")
        page.page.click("#flood-play")
        page.page.wait_for_function("() => document.querySelector('#flood-time').innerText.includes('暴雨')")
        page.settle()
        assert any("at=" in u for u in urls)
        page.page.click("#flood-play")  # pause
        assert page.console_errors == [] and page.external_requests == []


def test_click_on_a_site_shows_timeline_images_and_case(browser, seeded_app_url):
    site = fetch(seeded_app_url, "/api/v1/geo/illegal-points")[3]
    lon, lat = site["geometry"]["coordinates"]
    with open_page(browser, seeded_app_url) as page:
        page.goto("/map/illegal-construction", ".cockpit-map")
        wait_for_map(page, "illegal-map-regions", 100)
        click_at(page, "illegal-map-regions", lon, lat, 19)
        page.page.wait_for_selector(f"#illegal-detail .detail-title:has-text('{site['properties']['code']}')")
        assert page.page.locator("#illegal-detail .site-timeline li").count() >= 1
        assert page.page.locator("#illegal-detail img[src^='/map-media/']").count() >= 1
        link = page.page.locator("#illegal-detail a.case-link")
        assert link.count() == 1
        case_href = link.get_attribute("href")
        link.click()
        page.page.wait_for_url(f"**{case_href}")
        page.page.wait_for_selector("a.case-map-link")
        assert page.page.get_attribute("a.case-map-link", "href") == \
            f"/map/illegal-construction?site={site['properties']['code']}"
        assert page.console_errors == [] and page.external_requests == []


def test_focus_link_opens_the_pipe(browser, seeded_app_url):
    pipe = fetch(seeded_app_url, "/api/v1/geo/gas-pipelines?pressure=low")[0]
    code = pipe["properties"]["code"]
    with open_page(browser, seeded_app_url) as page:
        page.goto(f"/map/gas-pipelines?focus={code}", ".cockpit-map")
        page.page.wait_for_selector(f"#gas-detail .detail-title:has-text('{code}')")
        assert page.page.locator(".map-focus").count() == 1
        assert page.console_errors == [] and page.external_requests == []


def test_point_link_opens_the_waterlogging_point_during_the_replay(browser, seeded_app_url):
    point = fetch(seeded_app_url, "/api/v1/geo/flood-points")[2]
    with open_page(browser, seeded_app_url) as page:
        page.goto(f"/map/flood-risk?hour=8&point={point['properties']['code']}", ".cockpit-map")
        page.page.wait_for_selector(f"#flood-detail .detail-title:has-text('{point['properties']['name']}')")
        page.page.wait_for_selector("#flood-detail .flood-chart .main-svg")
        assert page.page.locator(".map-focus").count() == 1
        assert page.page.locator("#flood-detail .flood-chart .shapelayer path").count() >= 4  # classes + hour
        ticks = page.page.locator("#flood-detail .flood-chart .xtick text").evaluate_all(
            "ts => ts.map(t => t.textContent)")
        assert ticks and any("月" in t for t in ticks)  # Chinese dates, never "Jul 15"
        assert not any(m in " ".join(ticks) for m in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                                       "Sep", "Oct", "Nov", "Dec"))
        text = page.page.inner_text("#flood-detail")
        assert "周边视频 (1 公里内)" in text  # the radius is said, and each camera's distance
        cams = page.page.locator("#flood-detail .cam-list li")
        assert all("距 " in cams.nth(i).inner_text() for i in range(cams.count()))
        assert page.console_errors == [] and page.external_requests == []


# ---------------------------------------------------------------- the legend against what is drawn

DRAWN_COLOURS = """(key) => {
    const map = window.cockpitMaps.maps[key];
    const ctx = document.createElement('canvas').getContext('2d');
    const norm = (c) => { ctx.fillStyle = '#000000'; ctx.fillStyle = c; return ctx.fillStyle; };
    const drawn = [], clusters = [];
    map.eachLayer(l => {
        if (!l.feature) return;
        const p = l.feature.properties || {};
        if (p.cluster) {
            const ring = l.getElement && l.getElement() && l.getElement().querySelector('div[style]');
            if (ring) (getComputedStyle(ring).backgroundImage.match(/rgba?\\([^)]*\\)/g) || [])
                .forEach(c => clusters.push(norm(c)));
            return;
        }
        let colour = null, kind = null;
        if (l instanceof L.CircleMarker) {
            const ring = norm(l.options.fillColor) === '#041431';
            colour = ring ? l.options.color : l.options.fillColor; kind = ring ? 'ring' : 'dot';
        } else if (l instanceof L.Polygon) { colour = l.options.fillColor; kind = 'area'; }
        else if (l instanceof L.Polyline) { colour = l.options.color; kind = 'line'; }
        else if (l instanceof L.Marker && l.getElement()) {
            const mk = l.getElement().querySelector('.mk');
            if (mk) { colour = getComputedStyle(mk).backgroundColor; kind = 'shape'; }
        }
        if (colour && p.cls !== undefined) drawn.push([p.cls, norm(colour), kind]);
    });
    const legend = [...document.querySelectorAll('.map-legend .legend-item')].map(item => {
        const sw = item.querySelector('.legend-swatch'), cs = getComputedStyle(sw);
        const ring = sw.classList.contains('legend-ring');
        return [item.dataset.style, norm(ring ? cs.borderTopColor : cs.backgroundColor), item.innerText.trim()];
    });
    return {drawn, clusters, legend};
}"""


@pytest.mark.parametrize("path", list(MAPS))
def test_legend_matches_the_colours_drawn(browser, seeded_app_url, path):
    """Every feature on the map is drawn in the colour of the legend entry of its class, and every
    cluster ring only uses legend colours: the legend explains everything on the map."""
    key, minimum = MAPS[path]
    with open_page(browser, seeded_app_url) as page:
        page.goto(path, ".cockpit-map")
        wait_for_map(page, key, minimum)
        page.settle()
        found = page.page.evaluate(DRAWN_COLOURS, key)
        legend = {colour: style.split(":", 1)[1] for style, colour, _label in found["legend"]}
        assert len(legend) == len(found["legend"])  # one colour per legend entry
        assert found["drawn"], "nothing drawn"
        wrong = {(cls, colour, kind) for cls, colour, kind in found["drawn"] if legend.get(colour) != str(cls)}
        assert not wrong, (wrong, found["legend"])
        assert set(found["clusters"]) <= set(legend), (set(found["clusters"]) - set(legend))
        if "illegal" in path:  # the cluster rings show the stage mix at city zoom
            assert len(set(found["clusters"])) >= 3
        assert page.console_errors == [] and page.external_requests == []


# ---------------------------------------------------------------- clicks at city zoom pick the pipe under the pointer

PIPE_TARGETS = """([key, wanted]) => {
    /* Property-based targets at the current (city) zoom: the middle of a pipe's longest on-screen
       segment where ANOTHER PIPE DRAWN ABOVE IT passes 1.5-3.5 px away (within a click's reach:
       Leaflet's own canvas hit-test gives such a click to the pipe on top), and no marker near. */
    const map = window.cockpitMaps.maps[key];
    const pipes = [], markers = [], order = new Map();
    const size = map.getSize();
    const renderer = map.getRenderer(L.polyline([[0, 0], [1, 1]]));
    let n = 0;
    for (let o = renderer._drawFirst; o; o = o.next) order.set(o.layer, n++);
    map.eachLayer(l => {
        if (!l.feature) return;
        if (l instanceof L.Polyline && !(l instanceof L.Polygon) && l.feature.properties.pressure) pipes.push(l);
        else if (l instanceof L.CircleMarker) markers.push([l._point, l._radius + window.cockpitMaps.tolerance(map) + 1]);
        else if (l instanceof L.Marker && l.getElement()) {
            const r = l.getElement().getBoundingClientRect();
            markers.push([map.latLngToLayerPoint(l.getLatLng()), Math.hypot(r.width, r.height) / 2 + 1]);
        }
    });
    const lineDist = (l, p) => { let d = Infinity;
        l._parts.forEach(part => { for (let i = 1; i < part.length; i++)
            d = Math.min(d, L.LineUtil.pointToSegmentDistance(p, part[i - 1], part[i])); });
        return d; };
    pipes.sort((a, b) => a.feature.properties.code < b.feature.properties.code ? -1 : 1);
    const out = [];
    for (const pipe of pipes) {
        let best = null;
        pipe._parts.forEach(part => { for (let i = 1; i < part.length; i++) {
            const len = part[i - 1].distanceTo(part[i]);
            if (!best || len > best[0]) best = [len, part[i - 1].add(part[i]).divideBy(2)];
        } });
        if (!best || best[0] < 6) continue;
        const m = best[1], c = map.layerPointToContainerPoint(m);
        if (c.x < 40 || c.y < 40 || c.x > size.x - 40 || c.y > size.y - 40) continue;
        if (markers.some(([q, r]) => q.distanceTo(m) < r)) continue;
        let near = Infinity, above = Infinity;
        for (const other of pipes) {
            if (other === pipe) continue;
            const d = lineDist(other, m);
            near = Math.min(near, d);
            if (order.get(other) > order.get(pipe)) above = Math.min(above, d);
        }
        if (near >= 1.5 && above <= 3.5) out.push([pipe.feature.properties.code, c.x, c.y, near]);
        if (out.length >= wanted) break;
    }
    return out;
}"""


def test_pipe_clicks_at_city_zoom_pick_the_pipe_under_the_pointer(browser, seeded_app_url):
    with open_page(browser, seeded_app_url) as page:
        page.goto("/map/gas-pipelines", ".cockpit-map")
        wait_for_map(page, "gas-map-regions", 2000)
        page.settle()
        zoom = page.page.evaluate("() => window.cockpitMaps.maps['gas-map-regions'].getZoom()")
        assert zoom <= 11.5  # the whole city: the zoom where neighbouring pipes are pixels apart
        targets = page.page.evaluate(PIPE_TARGETS, ["gas-map-regions", 8])
        assert len(targets) == 8, targets
        box = page.page.evaluate("() => { const r = document.getElementById('gas-map').getBoundingClientRect();"
                                 " return [r.left, r.top]; }")
        picked = []
        for code, x, y, _near in targets:
            before = page.page.inner_text("#gas-detail")
            page.page.mouse.click(box[0] + x, box[1] + y)
            page.page.wait_for_function(  # the detail panel shows another pipe (targets are distinct)
                "(before) => { const t = document.querySelector('#gas-detail .detail-title');"
                " return t && document.querySelector('#gas-detail').innerText !== before; }",
                arg=before)
            picked.append(page.page.inner_text("#gas-detail .detail-title").replace("管段", "").strip())
        assert picked == [code for code, *_ in targets]
        assert page.console_errors == [] and page.external_requests == []
