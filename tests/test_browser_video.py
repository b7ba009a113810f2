"""/video in Chromium: every stream type plays or refreshes, a dead stream shows its offline
state, the 1/4/9/16 walls fit 1080p and 4K, AI events open their case, and case pages show
the nearest cameras."""
from __future__ import annotations

import os
import re
import shutil
import time
from datetime import datetime

import pytest
from browser import SCREENS, open_board, open_page
from sqlalchemy import select

from data_access import clock, video
from data_access.models import Case

SHOTS = os.environ.get("SHOTS_DIR")
PROTOCOLS = re.compile(r"HLS|FLV|MJPEG|MP4|RTSP|RTMP|快照")
PLAYER_SCRIPTS = re.compile(r"/assets/vendor/(hls\.js|mpegts\.js)/")

pytestmark = pytest.mark.browser

# naturalWidth + a hash of the pixels, to tell image frames apart
FRAME_HASH = """(img) => { const c = document.createElement('canvas'); c.width = 64; c.height = 36;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0, 64, 36); const d = g.getImageData(0, 0, 64, 36).data;
  let h = 0; for (let i = 0; i < d.length; i += 4) { h = (h * 31 + d[i] + d[i + 1] * 3 + d[i + 2] * 7) | 0; }
  return img.naturalWidth + ':' + h; }"""


@pytest.fixture(scope="module")
def cams(seeded_sqlite):
    everything = video.all_cameras.uncached(seeded_sqlite.url.render_as_string(hide_password=False))
    by_type = {}
    for c in everything:
        if c.status == "online" and "/gateway/" not in (c.stream_url or ""):
            by_type.setdefault(c.stream_type, c)
    dead = next(c for c in everything if "/gateway/" in (c.stream_url or ""))
    offline = next(c for c in everything if c.status == "offline")
    return {"types": by_type, "dead": dead, "offline": offline, "all": everything}


def _state(page, code):
    return page.get_attribute(f'.vt[data-code="{code}"]', "data-state")


def _wait_state(page, code, state):
    page.wait_for_selector(f'.vt[data-code="{code}"][data-state="{state}"]')


def test_every_stream_type_plays_and_dead_streams_go_offline(browser, seeded_app_url, cams):
    types = cams["types"]
    wanted = ["mp4", "hls", "flv"] if shutil.which("ffmpeg") else []
    codes = [types[t].code for t in wanted] + [types["mjpeg"].code, types["snapshot"].code,
                                               cams["dead"].code, cams["offline"].code]
    with open_page(browser, seeded_app_url) as watched:
        page = watched.goto(f"/video?layout=9&cameras={','.join(codes)}", ".vt[data-code]")
        for t in wanted:  # the video element's clock advances
            code = types[t].code
            _wait_state(page, code, "playing")
            sel = f'.vt[data-code="{code}"] video'
            first = page.eval_on_selector(sel, "v => v.currentTime")
            time.sleep(1.2)
            second = page.eval_on_selector(sel, "v => v.currentTime")
            assert second != first and not page.eval_on_selector(sel, "v => v.paused"), t
            # a looping clip carries no clock of its own: the tile shows the real time over it
            osd = page.locator(f'.vt[data-code="{code}"] .vt-osd')
            assert osd.is_visible() and types[t].name in osd.inner_text()
            shown = datetime.strptime(osd.locator(".vt-clock").inner_text(), "%Y-%m-%d %H:%M:%S")
            assert abs((shown - clock.local_now()).total_seconds()) < 5
        # MJPEG: the multipart image's pixels change
        mjpeg = f'.vt[data-code="{types["mjpeg"].code}"] img'
        _wait_state(page, types["mjpeg"].code, "playing")
        time.sleep(0.5)
        a = page.eval_on_selector(mjpeg, FRAME_HASH)
        time.sleep(1.0)
        b = page.eval_on_selector(mjpeg, FRAME_HASH)
        assert a.split(":")[0] == "640" and a != b
        # snapshot: a new JPEG every few seconds
        snap = f'.vt[data-code="{types["snapshot"].code}"] img'
        _wait_state(page, types["snapshot"].code, "playing")
        src = page.get_attribute(snap, "src")
        page.wait_for_function(f"() => document.querySelector('{snap}').getAttribute('src') !== {src!r}")
        assert page.eval_on_selector(snap, "i => i.naturalWidth") == 640
        # the dead URL and the offline camera: name and last-seen time, no player left behind
        for cam in (cams["dead"], cams["offline"]):
            _wait_state(page, cam.code, "offline")
            tile = page.locator(f'.vt[data-code="{cam.code}"]')
            text = tile.locator(".vt-offline").inner_text()
            assert cam.name in text and "最后在线" in text
            assert tile.locator(".vt-offline").is_visible() and tile.locator("video").count() == 0
        errors = [e for e in watched.console_errors if "404" not in e]  # the dead stream's 404 is expected
        assert errors == [] and watched.external_requests == []


MAP_FILL = """() => { const box = document.querySelector('.video-map-box').getBoundingClientRect();
    const paths = [...document.querySelectorAll('.video-map .leaflet-overlay-pane path')].map(p => p.getBoundingClientRect());
    if (!paths.length) return 0;
    const w = Math.max(...paths.map(r => r.right)) - Math.min(...paths.map(r => r.left));
    const h = Math.max(...paths.map(r => r.bottom)) - Math.min(...paths.map(r => r.top));
    return Math.max(w / box.width, h / box.height); }"""


@pytest.mark.parametrize("screen", ["1080p", "4k"])
def test_layouts_fit_without_scrollbars(browser, seeded_app_url, screen):
    width, height = SCREENS[screen]
    with open_page(browser, seeded_app_url, SCREENS[screen]) as watched:
        for n in (1, 4, 9, 16):
            page = watched.goto(f"/video?layout={n}", f".wall-{n}")
            assert page.locator(".video-wall > .vt").count() == n
            assert page.locator(".video-wall > .vt[data-code]").count() == n  # every window has a camera
            assert watched.fits(), (n, watched.overflow())
            box = page.locator(".video-wall").bounding_box()
            assert box["y"] + box["height"] <= height
            if n in (4, 9, 16):
                page.wait_for_function(f"() => document.querySelectorAll('.video-wall .vt[data-state]').length === {n}")
                # the whole city fills the small camera map, at 1080p and at 4K
                page.wait_for_function(f"() => ({MAP_FILL})() > 0.85")
                page.wait_for_timeout(1500)  # let the players draw a frame
                watched.screenshot(SHOTS, f"video-wall-{n}-{width}x{height}")


def test_walls_fill_every_window_and_keep_protocols_off_the_tiles(browser, seeded_app_url, cams):
    """A town with fewer cameras than windows borrows the nearest from its neighbours and says
    so; the tiles show names, kinds and times, never a stream protocol (that is in the hover title)."""
    counts = {}
    for c in cams["all"]:
        counts[c.region_code] = counts.get(c.region_code, 0) + 1
    small = min(sorted(counts), key=counts.get)
    assert counts[small] < 16
    with open_page(browser, seeded_app_url) as watched:
        page = watched.goto(f"/video?layout=16&region={small}", ".wall-16")
        tiles = page.locator(".video-wall > .vt[data-code]")
        assert tiles.count() == 16
        info = page.inner_text(".video-info")
        assert f"共 {counts[small]} 路" in info and f"另 {16 - counts[small]} 路" in info
        by_code = {c.code: c for c in cams["all"]}
        codes = [tiles.nth(i).get_attribute("data-code") for i in range(16)]
        assert [by_code[c].region_code == small for c in codes] == [True] * counts[small] + [False] * (16 - counts[small])
        for code in codes[counts[small]:]:  # borrowed tiles name their town
            assert by_code[code].region_name in page.inner_text(f'.vt[data-code="{code}"] .vt-bar')
        page.wait_for_function("() => document.querySelectorAll('.video-wall .vt[data-state]').length === 16")
        visible = page.inner_text(".video-wall")
        assert not PROTOCOLS.search(visible), PROTOCOLS.findall(visible)
        assert not PROTOCOLS.search(page.inner_text(".vw-list"))
        title = page.get_attribute(f'.vt[data-code="{codes[0]}"] .vt-name', "title")
        assert "接入协议" in title and video.STREAM_TYPES[by_code[codes[0]].stream_type] in title
        assert watched.fits() and watched.external_requests == []


def test_unknown_codes_are_named_and_maximize(browser, seeded_app_url, cams):
    known = cams["types"]["snapshot"].code
    with open_page(browser, seeded_app_url) as watched:
        page = watched.goto(f"/video?layout=x&cameras={known},CAM-NOPE-999", ".video-warnings")
        warning = page.locator(".video-warnings").inner_text()
        assert "CAM-NOPE-999" in warning and "布局" in warning
        assert page.locator(".video-wall > .vt[data-code]").count() == 1
        page.click(f'.vt[data-code="{known}"] .vt-max')
        box = page.locator(f'.vt[data-code="{known}"]').bounding_box()
        assert box["width"] == 1920 and box["height"] == 1080
        assert page.locator(f'.vt[data-code="{known}"] .vt-type').is_visible()  # the protocol, for engineers
        assert "快照" in page.inner_text(f'.vt[data-code="{known}"] .vt-type')
        page.keyboard.press("Escape")
        assert page.locator(f'.vt[data-code="{known}"]').bounding_box()["width"] < 1920


def test_list_click_adds_camera_to_wall_and_url(browser, seeded_app_url, cams):
    with open_page(browser, seeded_app_url) as watched:
        page = watched.goto("/video?layout=1&cameras=" + cams["types"]["snapshot"].code, ".wall-1")
        other = next(c for c in cams["all"] if c.code != cams["types"]["snapshot"].code)
        page.click(f'.vw-cam[id*="{other.code}"]')
        page.wait_for_selector(".wall-4")
        assert other.code in page.url and "layout=4" in page.url
        assert page.locator(f'.video-wall .vt[data-code="{other.code}"]').count() == 1


def test_ai_event_click_opens_its_case(browser, seeded_app_url, seeded_sqlite, cams):
    ai = next(c for c in cams["all"] if c.kind == "ai")
    with open_page(browser, seeded_app_url) as watched:
        page = watched.goto(f"/video?layout=1&cameras={ai.code}", ".vt-event")
        href = page.get_attribute(".vt-event", "href")
        case_no = href.rsplit("/", 1)[1]
        with seeded_sqlite.connect() as conn:
            source, camera_id = conn.execute(select(Case.source, Case.camera_id).where(Case.case_no == case_no)).one()
        assert source == "video_ai" and camera_id == ai.id
        page.click(".vt-event")
        page.wait_for_selector(".case-title")
        assert page.inner_text(".case-title") == case_no and page.url.endswith(f"/case/{case_no}")
        # the case page shows the camera that found it first
        page.wait_for_selector(".case-videos .vt")
        assert page.get_attribute(".case-videos .vt", "data-code") == ai.code
        assert "发现本案" in page.locator(".case-videos .vt").first.inner_text()
        assert watched.fits()
        page.wait_for_function("() => [...document.querySelectorAll('.case-videos .vt')].every(t => t.dataset.state)")
        watched.screenshot(SHOTS, "case-video-1920x1080")


def test_player_scripts_load_only_for_tiles_that_need_them(browser, seeded_app_url, cams):
    """hls.js and mpegts.js (0.9 MB) are not page scripts: a board never asks for them, nor does a
    wall of MP4/MJPEG/snapshot tiles; HLS and FLV tiles load each once, however many tiles play."""
    types = cams["types"]
    with open_page(browser, seeded_app_url) as watched:
        page = watched.page
        asked = []
        page.on("request", lambda r: PLAYER_SCRIPTS.search(r.url) and asked.append(r.url.split("?")[0]))
        open_board(watched, "/board/overview")
        page.wait_for_timeout(500)
        assert asked == [] and page.evaluate("() => !window.Hls && !window.mpegts")
        watched.console_errors.clear()  # from here on the video pages'
        native = [types[t].code for t in ("mp4", "mjpeg", "snapshot") if t in types]
        watched.goto(f"/video?layout=4&cameras={','.join(native)}", ".vt[data-code]")
        for code in native:
            _wait_state(page, code, "playing")
        assert asked == []
        if not shutil.which("ffmpeg"):
            pytest.skip("ffmpeg missing: no HLS or FLV clips were seeded")
        playable = [c for c in cams["all"] if c.status == "online" and "/gateway/" not in (c.stream_url or "")]
        by_kind = {kind: [c.code for c in playable if c.stream_type == kind][:2] for kind in ("hls", "flv")}
        streams = by_kind["hls"] + by_kind["flv"]
        assert len(streams) == 4
        watched.goto(f"/video?layout=4&cameras={','.join(streams)}", ".vt[data-code]")
        for code in streams:
            _wait_state(page, code, "playing")
        assert sorted(url.rsplit("/", 1)[1] for url in asked) == ["hls.min.js", "mpegts.js"]
        assert watched.console_errors == [] and watched.external_requests == []
