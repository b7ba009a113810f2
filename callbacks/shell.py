"""Shell callbacks: the active navigation link, data freshness and the status page refresh."""
from __future__ import annotations

from datetime import datetime, timedelta

from dash import ALL, ClientsideFunction, Input, Output, State, html

from dashboard.app import current_settings
from dashboard.i18n import ago, local_time, t
from data_access import clock, status
from layouts import shell
from layouts import status as status_page

from .validation import Ticks, accepts, guard_dispatch

STALE_AFTER = timedelta(minutes=15)  # older newest case: the freshness line turns amber
PAGES_LOCATION = "_pages_location"  # the dcc.Location inside dash.page_container


def freshness(database_url: str, language: str, tz, now: datetime) -> tuple[list, str]:
    """The freshness line and its CSS class, for `now` in naive UTC."""
    try:
        newest = status.newest_case_at(database_url)
    except status.DB_ERRORS:
        return [t("fresh.down", language)], "freshness down"
    if newest is None:
        return [t("fresh.none", language)], "freshness stale"
    text = [f"{t('fresh.label', language)} {local_time(newest, tz)} ",
            html.Span(f"({ago(newest, now, language)})", className="ago")]
    return text, "freshness stale" if now - newest > STALE_AFTER else "freshness"


def register(app):
    guard_dispatch(app)  # every callback request's envelope, before any callback runs
    app.clientside_callback(
        ClientsideFunction("cockpit", "activeNav"),
        Output(shell.nav_id(ALL), "className"),
        Input(PAGES_LOCATION, "pathname"),
        State(shell.nav_id(ALL), "id"),
    )

    @app.callback(Output(shell.FRESHNESS, "children"), Output(shell.FRESHNESS, "className"),
                  Input(shell.FRESHNESS_TIMER, "n_intervals"))
    @accepts(Ticks)
    def update_freshness(_n):
        settings = current_settings()
        now = clock.utcnow()
        return freshness(settings.database_url, settings.language, settings.tz, now)

    @app.callback(Output(status_page.BODY, "children"), Input(status_page.REFRESH_TIMER, "n_intervals"),
                  prevent_initial_call=True)
    @accepts(Ticks)
    def refresh_status(_n):
        return status_page.body(current_settings())
