"""Browser test helpers: serve an app in a thread, drive Chromium, watch what a page does.

    with serve(create_app(settings).server) as base_url, open_page(browser, base_url) as page:
        page.goto("/status")
        assert page.console_errors == [] and page.external_requests == []
        assert page.fits()

`browser` is the session fixture in conftest.py (it uses `launch_chromium`).
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server

HOST = "127.0.0.1"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENS = {"1080p": (1920, 1080), "4k": (3840, 2160)}
# Every wait (navigation, selector, function) holds this long: tests wait for a state, and a
# loaded CI machine may take many times longer than a quiet one to reach it.
WAIT_MS = int(float(os.environ.get("BROWSER_WAIT_SECONDS", "120")) * 1000)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@contextmanager
def serve(wsgi_app):
    """Serve a WSGI app on a free local port in a thread; yields its base URL."""
    server = make_server(HOST, 0, wsgi_app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def launch_chromium(executable_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable_path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class WatchedPage:
    """A Playwright page that records console errors and requests to other hosts."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.external_requests: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.console_errors.append(f"uncaught: {exc}"))
        page.on("request", self._record)

    def _record(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != HOST:
            self.external_requests.append(request.url)

    def goto(self, path: str, ready: str = ".cockpit-header"):
        """Open `path` and wait until `ready` (a CSS selector) is visible."""
        self.page.goto(self.base_url + path)
        self.page.wait_for_selector(ready)
        return self.page

    def follow(self, click, pattern: str, attempts: int = 3):
        """Click `click` (a locator, or a function that clicks) until the address matches `pattern`
        (a regular expression). Panels and grids redraw on their timers, and a click that lands on
        what is being replaced is lost on a busy machine; a person would click again."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        for attempt in range(attempts):
            click() if callable(click) else click.click()
            try:
                self.page.wait_for_function("(p) => new RegExp(p).test(location.href)", arg=pattern,
                                            timeout=WAIT_MS // attempts)
                return
            except PlaywrightTimeout:
                if attempt == attempts - 1:
                    raise AssertionError(f"{pattern} never opened; at {self.page.url}") from None

    def open_first_row(self, pattern: str, grid: str = ""):
        """Wait until the grid (a CSS selector, or any grid) shows a loaded row, click it, and wait
        until the address matches `pattern`. A row still loading has no row-id and opens nothing."""
        cell = f"{grid} .ag-center-cols-container .ag-row[row-id] .ag-cell".strip()
        self.page.wait_for_selector(cell)
        self.follow(self.page.locator(cell).first, pattern)

    def settle(self):
        """Wait until the browser has painted twice more: what a map or chart redraws after a
        view change (Leaflet's canvas redraws on the next animation frame) is on screen then."""
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def overflow(self) -> dict:
        """Document scroll size against the viewport."""
        return self.page.evaluate("""() => ({
            scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
            scrollHeight: document.documentElement.scrollHeight, innerHeight: window.innerHeight})""")

    def fits(self) -> bool:
        size = self.overflow()
        return size["scrollWidth"] <= size["innerWidth"] and size["scrollHeight"] <= size["innerHeight"]

    def screenshot(self, directory: str | Path | None, name: str):
        """Save a PNG when `directory` is set (e.g. from the SHOTS_DIR environment variable)."""
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(directory) / f"{name}.png"))


# Every panel of a board (or a single-panel page) has drawn: no loading placeholder, every
# Plotly chart laid out, every panel body filled.
BOARD_DRAWN = """() => document.querySelectorAll('.panel').length > 0
    && document.querySelectorAll('.panel-loading, .dash-graph--pending').length === 0
    && [...document.querySelectorAll('.js-plotly-plot')].every(p => p._fullData)
    && [...document.querySelectorAll('.panel-body')].every(b => b.children.length > 0)"""


def open_board(page: WatchedPage, path: str):
    """Open a board or panel page and wait until every panel is drawn."""
    page.goto(path, ready=".board-grid")
    page.page.wait_for_function(BOARD_DRAWN)


@contextmanager
def open_page(browser, base_url: str, size: tuple[int, int] = SCREENS["1080p"], **context_options):
    """A fresh browser context with a viewport of `size`; yields a WatchedPage."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1,
                                  **context_options)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    try:
        yield WatchedPage(context.new_page(), base_url)
    finally:
        context.close()
