"""create_app: the Dash app with its pages, callbacks, cache and /health route.

Importing this module does nothing; the pages, layouts and callbacks are bound inside
create_app. Layouts and callbacks find the app's settings with current_settings().
"""
from __future__ import annotations

import functools
import logging
from datetime import timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import dash
from flask import current_app, jsonify, request

from dashboard.auth import init_auth
from dashboard.cache import init_cache
from dashboard.i18n import t
from dashboard.settings import Settings, load_settings

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SETTINGS_KEY = "COCKPIT_SETTINGS"
RETRY_AFTER_SECONDS = 5  # what a 503 for a database that is down asks clients to wait
log = logging.getLogger(__name__)

try:
    VERSION = version("smart-city-cockpit")
except PackageNotFoundError:
    VERSION = "0.1.0"


def current_settings() -> Settings:
    """The settings of the app serving the current request."""
    return current_app.config[SETTINGS_KEY]


class CockpitDash(dash.Dash):
    """Dash whose page config names no internet host (the renderer's version-check URL)."""

    def _config(self):
        return {**super()._config(), "dash_version_url": ""}


def _guarded(layout):
    """A page layout that shows the database-down page instead of raising when the database fails."""
    from data_access.status import DB_ERRORS, describe_error
    from layouts import shell

    @functools.wraps(layout)
    def draw(**query):
        try:
            return layout(**query)
        except DB_ERRORS as exc:
            log.warning("page not drawn, database unavailable: %s", describe_error(exc))
            return shell.database_down(describe_error(exc))

    return draw


def _register_pages():
    from dashboard.pages import PAGES
    from layouts import shell

    dash.page_registry.clear()  # one app per process; a new app starts from PAGES
    for order, page in enumerate(PAGES):
        dash.register_page(page.module, path=page.path, path_template=page.path_template, name=page.title,
                           order=order, layout=_guarded(page.layout),
                           title=lambda _page=page, **_: _page.label(current_settings().language))
    dash.register_page("not_found_404", path="/404", order=len(PAGES), layout=shell.not_found,
                       title=lambda **_: t("notfound.title", current_settings().language))


def _add_health_route(server, settings: Settings):
    from data_access.status import health

    @server.get("/health")
    def health_route():
        report = health(settings.database_url)
        newest = report.newest_case_at
        body = {
            "status": "ok" if report.ok else "error",
            "database": report.database,
            "newest_case_at": newest.replace(tzinfo=timezone.utc).isoformat() if newest else None,
            "version": VERSION,
            "schema": report.schema,
            "cache": report.cache,
        }
        if report.error:
            body["error"] = report.error
        return jsonify(body), 200 if report.ok else 503


def _add_database_errors(server):
    """Any database error a view or callback lets through answers 503, never 500: a JSON body
    naming the cause and Retry-After."""
    from sqlalchemy.exc import SQLAlchemyError

    from data_access.status import describe_error

    @server.errorhandler(SQLAlchemyError)
    def database_unavailable(exc):
        log.warning("%s %s: database unavailable: %s", request.method, request.path, describe_error(exc))
        response = jsonify({"error": f"database unavailable: {describe_error(exc)}"})
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response, 503


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the app; reads the environment when no settings are given."""
    from callbacks import cases as cases_callbacks
    from callbacks import live as live_callbacks
    from callbacks import maps as map_callbacks
    from callbacks import objects as object_callbacks
    from callbacks import panels as panel_callbacks
    from callbacks import shell as shell_callbacks
    from callbacks import video as video_callbacks
    from dashboard import geo_api, open311
    from dashboard.api import api as ingest_api
    from data_access import clock, indicators
    from layouts import shell

    settings = settings or load_settings()
    app = CockpitDash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        assets_ignore=r"^(hls\.min|mpegts)\.js$",  # video players: assets/video.js loads them on first need
        serve_locally=True,
        include_pages_meta=False,
        suppress_callback_exceptions=True,  # pages come and go; don't render them all to validate
        title=t("app.title", settings.language),
        update_title=None,
    )
    server = app.server
    server.config[SETTINGS_KEY] = settings
    indicators.use_weights(settings.score_weights)
    if settings.pinned_clock and settings.pinned_clock != clock.pinned():
        clock.pin(settings.pinned_clock)
    init_auth(server, settings)  # the guard runs before every view
    init_cache(server, settings)
    _register_pages()
    app.layout = shell.layout
    shell_callbacks.register(app)
    cases_callbacks.register(app)
    object_callbacks.register(app)
    panel_callbacks.register()
    live_callbacks.register()
    map_callbacks.register(app)
    video_callbacks.register(app)
    geo_api.register(server)
    server.register_blueprint(ingest_api)
    open311.register(server)
    _add_health_route(server, settings)
    _add_database_errors(server)
    # Run Dash's first-request setup (callback map, page router) now, in one thread: on a fresh
    # gunicorn worker, concurrent first requests otherwise race it and answer 500.
    server.test_client().get("/_dash-dependencies")
    return app
