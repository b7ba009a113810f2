"""A signed embed in another portal: a page on a second local port frames one panel, which draws
and refreshes with its token; an origin the token does not name is refused; so is a revoked token.
Also the login page, at 1080p and 4K."""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from datetime import timedelta

import pytest
from browser import SCREENS, open_page, serve
from sqlalchemy import create_engine

from data_access import access, db

SHOTS = os.environ.get("SHOTS_DIR")
PANEL = "overview.kpis"


@pytest.fixture(scope="module")
def guarded_city(seeded_sqlite, tmp_path_factory):
    """(base URL, engine, settings) of the app requiring logins, on a writable copy of the seeded city."""
    from dashboard.app import create_app
    from dashboard.settings import load_settings

    directory = tmp_path_factory.mktemp("embed")
    copy = directory / "cockpit.sqlite"
    shutil.copy(seeded_sqlite.url.database, copy)
    settings = load_settings({"LOGIN": "required", "DATABASE_URL": f"sqlite:///{copy}", "DATA_DIR": str(directory)})
    engine = create_engine(f"sqlite:///{copy}")
    with serve(create_app(settings).server) as url:
        yield url, engine, settings
    engine.dispose()


@contextmanager
def portal(city, origins: tuple[str, ...] | None = None):
    """Another site on its own port: a plain page that frames the panel with a token naming
    `origins` (default: the portal's own origin). Yields the portal's URL."""
    base, engine, settings = city
    page = {}

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [f'<!doctype html><title>portal</title><h1>portal</h1>'
                f'<iframe id="panel" src="{page["embed"]}" width="960" height="540"></iframe>'.encode()]

    with serve(app) as portal_url:
        page["embed"] = f"{base}/embed/{PANEL}?token={embed_token(engine, settings, origins or (portal_url,))}"
        yield portal_url


def embed_token(engine, settings, origins, expires=timedelta(hours=1)) -> str:
    with db.session_scope(engine) as s:
        return access.create_link(s, settings.signing_key, "embed", PANEL, expires, "range=7d", origins)


def panel_frame(page):
    return page.page.frame_locator("#panel")


def test_a_portal_frames_a_panel_that_draws_and_refreshes(browser, guarded_city):
    _base, engine, _settings = guarded_city
    with portal(guarded_city) as portal_url, open_page(browser, portal_url) as page:
        updates = []
        page.page.on("response", lambda r: "/_dash-update-component" in r.url and r.status == 200
                     and updates.append(r.url))
        page.page.goto(portal_url)
        frame = panel_frame(page)
        frame.locator(f'[data-panel="{PANEL}"] .kpi').first.wait_for()
        assert frame.locator(".cockpit-header").count() == 0  # the panel only
        assert frame.locator(f'[data-panel="{PANEL}"] .kpi').count() >= 4
        # The panel refreshes on its timer (30 s), with the token: another update answers 200.
        drawn = len(updates)
        page.page.wait_for_event("response", lambda r: "/_dash-update-component" in r.url
                                 and r.status == 200)
        assert len(updates) > drawn
        assert page.console_errors == [] and page.external_requests == []
        page.screenshot(SHOTS, "embed-portal-1920x1080")

        # Revoked while open: on its next refresh the panel says so instead of erroring.
        with db.session_scope(engine) as s:
            for link in access.list_links(s, "embed"):
                access.revoke_link(s, link.id)
        frame.locator('.embed-refused[data-refused="revoked"]').wait_for()


def test_an_origin_the_token_does_not_name_cannot_frame_it(browser, guarded_city):
    with portal(guarded_city, ("https://portal.example",)) as portal_url, open_page(browser, portal_url) as page:
        with page.page.expect_event("console", lambda m: "frame-ancestors" in m.text):
            page.page.goto(portal_url)
        # Chromium refused to render it: the frame holds no panel.
        assert panel_frame(page).locator(f'[data-panel="{PANEL}"]').count() == 0


@pytest.mark.parametrize("screen", list(SCREENS))
def test_login_page_fits_every_screen(browser, guarded_city, screen):
    base, _engine, _settings = guarded_city
    with open_page(browser, base, SCREENS[screen]) as page:
        page.goto("/board/overview", ready="form[action='/login']")
        assert "/login?next=%2Fboard%2Foverview" in page.page.url
        assert page.fits() and page.console_errors == [] and page.external_requests == []
        page.screenshot(SHOTS, f"login-{screen}")
