"""Callbacks of /live: new cases sent as rows to add, lamps and alarms refreshed, acks stored."""
from __future__ import annotations

import logging

from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import NoResultFound, SQLAlchemyError

from dashboard.app import current_settings
from dashboard.auth import record, viewer
from dashboard.i18n import say
from data_access import alarms, cases, lifecycle, live
from data_access.db import get_engine
from layouts import live as page

from .validation import AlarmAckId, AlarmState, Count, LiveCursor, Text, Ticks, accepts, checked

log = logging.getLogger(__name__)
MAX_ROWS = live.FEED_LIMIT
LATE_COMMITS = 50  # ids below the cursor still checked for cases committed late


def register():
    @callback(Output("live-new", "data"), Output("live-cursor", "data"),
              Input("live-timer", "n_intervals"), State("live-cursor", "data"), prevent_initial_call=True)
    @accepts(Ticks, LiveCursor)
    def new_cases(_n, cursor):
        """Only the cases after the cursor travel; assets/live.js prepends them to the list."""
        settings = current_settings()
        last_id = cursor.last_id
        recent = set(cursor.recent)
        try:
            # Ids are taken at insert and committed in any order, so look back a little for late commits.
            rows = live.new_cases(settings.database_url, last_id - LATE_COMMITS)
        except Exception:  # noqa: BLE001 - keep the list; try again next tick
            log.exception("live feed failed")
            raise PreventUpdate from None
        rows = [row for row in rows if row["id"] not in recent]
        if not rows:
            raise PreventUpdate
        new = [page.case_row(row, settings.tz, settings.language) for row in reversed(rows)]  # oldest first
        last_id = max(last_id, rows[0]["id"])
        recent = sorted(i for i in recent | {row["id"] for row in rows} if i > last_id - LATE_COMMITS)
        return new, {"last_id": last_id, "recent": recent, "count": min(MAX_ROWS, cursor.count + len(rows))}

    clientside_callback(
        "function(rows) { return window.cockpitLive ? window.cockpitLive.addRows(rows) : ''; }",
        Output("live-count", "children"), Input("live-new", "data"),
    )

    @callback(Output("live-lamps", "children"), Input("live-lamp-timer", "n_intervals"), prevent_initial_call=True)
    @accepts(Ticks)
    def lamps(_n):
        settings = current_settings()
        try:
            return page.lamp_groups(live.lamp_cases(settings.database_url), settings.language)
        except Exception:  # noqa: BLE001
            log.exception("live lamps failed")
            raise PreventUpdate from None

    @callback(Output("live-alarms", "children"), Output("live-alarm-state", "data"),
              Input("live-alarm-timer", "n_intervals"), Input("live-ack-version", "data"),
              State("live-alarm-state", "data"), prevent_initial_call=True)
    @accepts(Ticks, Count | None, AlarmState)
    def alarm_feed(_n, _version, state):
        settings = current_settings()
        try:
            items = alarms.current_alarms(settings.database_url)
        except Exception:  # noqa: BLE001
            log.exception("live alarms failed")
            raise PreventUpdate from None
        new_state = page.alarm_state(items)
        if new_state == state:
            return no_update, no_update
        return page.alarm_items(items, settings.tz, settings.language), new_state

    @callback(Output("live-ack-version", "data"), Output("live-ack-msg", "children"),
              Input({"type": "alarm-ack", "key": ALL}, "n_clicks"),
              State("live-officer", "value"), State("live-ack-version", "data"), prevent_initial_call=True)
    @accepts(list[Ticks], Text | None, Count | None)
    def acknowledge(clicks, officer, version):
        if not ctx.triggered_id or not any(clicks) or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        alarm = checked(AlarmAckId, ctx.triggered_id)
        language = current_settings().language
        who = viewer()
        if who.acts_as_user:  # a logged-in user acknowledges as themselves, never as a typed name
            if not who.may_act:
                return no_update, say(language, "只有值班员可以确认报警", "Only duty officers acknowledge alarms")
            officer = who.name
        try:
            user, _at = alarms.acknowledge(current_settings().database_url, alarm.key, officer or "")
            record("alarm.ack", alarm.key)
        except alarms.AckError as exc:
            return no_update, exc.message(language)
        return (version or 0) + 1, f"{say(language, '已确认', 'Acknowledged')} · {user}"

    @callback(Output("live-ack-version", "data", allow_duplicate=True), Output("live-ack-msg", "children", allow_duplicate=True),
              Input({"type": "alarm-dispatch", "case": ALL}, "n_clicks"), State("live-ack-version", "data"),
              prevent_initial_call=True)
    @accepts(list[Ticks], Count | None)
    def dispatch(_clicks, version):
        case_no = ctx.triggered_id.get("case") if isinstance(ctx.triggered_id, dict) else None
        if not ctx.triggered or not ctx.triggered[0]["value"] or not isinstance(case_no, str):
            raise PreventUpdate
        language = current_settings().language
        if not viewer().may_act:
            return no_update, say(language, "只有值班员可以分派", "Only duty officers dispatch")
        try:
            case = cases.file_and_dispatch(get_engine(current_settings().database_url), case_no, viewer().name)
        except cases.CaseNotFound:
            return no_update, say(language, f"案件 {case_no} 不存在", f"No case {case_no}")
        except lifecycle.TransitionError as exc:
            return (version or 0) + 1, str(exc)
        except NoResultFound:
            return no_update, say(language, f"案件 {case_no} 没有责任部门，请在案件页选择派遣部门",
                                  f"Case {case_no} has no responsible department; dispatch it from its page")
        except SQLAlchemyError:
            return no_update, say(language, "数据库不可用，未分派", "Database unavailable; not dispatched")
        record("case.action", f"{case_no} dispatch")
        return (version or 0) + 1, say(language, f"已分派 {case.case_no}", f"Dispatched {case.case_no}")

    # New unacknowledged alarms beep (assets/live.js decides, from the sound switch).
    clientside_callback(
        "function(state) { return window.cockpitLive ? window.cockpitLive.onAlarms(state) : ''; }",
        Output("live-sound", "title"), Input("live-alarm-state", "data"),
    )
