"""/live, the duty officers' monitor: new cases as they arrive, yellow and red lamps by
department counting down to their deadlines, and the alarm feed with sound and acks.

New cases are added to the list incrementally: the server sends only the new rows (live-new)
and assets/live.js prepends them, so the page and the list are never rebuilt. Countdowns and the alarm beep run in assets/live.js.
"""
from __future__ import annotations

from datetime import datetime, timezone

from dash import dcc, html

from dashboard.app import current_settings
from dashboard.auth import viewer
from dashboard.i18n import local_time, say
from data_access import alarms, live
from data_access.case_list import mask_address
from data_access.vocabulary import SOURCES, label
from data_access.lifecycle import status_label

# Sensor alarms open the map of their kind (issue 4) in the sensor's region.
MAP_OF_ALARM = {"gas": "/map/gas-pipelines", "water": "/map/flood-risk"}
POLL_MS = 2000  # new cases within 5 s of ingestion
LAMP_MS = 15_000
ALARM_MS = 4000


def epoch_ms(at: datetime) -> int:
    return int(at.replace(tzinfo=timezone.utc).timestamp() * 1000)


def shown_address(address: str | None) -> str:
    """The address as this viewer may see it (house numbers masked below duty officer)."""
    return address or "" if viewer().disclosure.address else mask_address(address)


def case_row(row: dict, tz, language: str) -> dict:
    """One new-case row as plain values; assets/live.js draws it as a link to the case page."""
    return {"case_no": row["case_no"], "time": local_time(row["reported_at"], tz, "%H:%M:%S"),
            "category": row["category"], "source": row["source"], "source_label": label(SOURCES, row["source"], language),
            "place": f"{row['region']} {shown_address(row['address'])}".strip(), "urgent": row["urgency"] == "urgent",
            "status": status_label(row["status"], language)}


def lamp_groups(groups: list[dict], language: str):
    if not groups:
        return html.Div("暂无黄灯、红灯案件" if language == "zh" else "No yellow or red lamps", className="panel-empty")
    return [html.Div(className="lamp-group", children=[
        html.Div([html.Span(g["department"], className="lamp-dept"),
                  html.Span(f"{say(language, '红', 'Red')} {g['red']}", className="lamp-count red"),
                  html.Span(f"{say(language, '黄', 'Yellow')} {g['yellow']}", className="lamp-count yellow")],
                 className="lamp-group-head"),
        *[dcc.Link(href=f"/case/{c['case_no']}", className=f"lamp-row lamp-{c['lamp']}", children=[
            html.Span(className=f"lamp lamp-{c['lamp']}"),
            html.Span(c["case_no"], className="live-no"),
            html.Span(c["category"], className="lamp-cat"),
            # assets/live.js rewrites the countdown every second from data-deadline.
            html.Span(className="countdown", **{"data-deadline": str(epoch_ms(c["deadline_at"])),
                                                "data-paused": "1" if c["suspended"] else "0"}),
        ]) for c in g["cases"]],
    ]) for g in groups]


# A video-AI case still waiting for these steps can be filed and dispatched in one click.
DISPATCHABLE = ("reported", "filed")


def alarm_items(items: list[dict], tz, language: str):
    if not items:
        return html.Div("暂无告警" if language == "zh" else "No alarms", className="panel-empty")
    rows = []
    for a in items:
        kind = alarms.KINDS[a["kind"]][0 if language == "zh" else 1]
        body = [html.Span(kind, className=f"alarm-kind kind-{a['kind']}"),
                html.Span(local_time(a["at"], tz, "%H:%M"), className="alarm-time"),
                html.Span(a["title"], className="alarm-title"),
                html.Span(shown_address(a["detail"]) if a["case_no"] else a["detail"], className="alarm-detail")]
        if a["case_no"]:
            main = dcc.Link(body, href=f"/case/{a['case_no']}", className="alarm-main")
        elif a["kind"] in MAP_OF_ALARM:
            main = dcc.Link(body, href=f"{MAP_OF_ALARM[a['kind']]}?region={a.get('region_code') or ''}",
                            className="alarm-main")
        else:
            main = html.Div(body, className="alarm-main")
        if a["acked_by"]:
            side = html.Span(f"✓ {a['acked_by']} {local_time(a['acked_at'], tz, '%H:%M')}", className="alarm-acked")
        else:
            side = html.Button("确认" if language == "zh" else "Ack", className="alarm-ack",
                               id={"type": "alarm-ack", "key": a["key"]}, n_clicks=0)
        if a.get("status") in DISPATCHABLE and viewer().may_act:
            side = html.Div([html.Button("一键分派" if language == "zh" else "Dispatch", className="alarm-dispatch",
                                         id={"type": "alarm-dispatch", "case": a["case_no"]}, n_clicks=0), side],
                            className="alarm-actions")
        rows.append(html.Div([main, side], className=f"alarm-row sev-{a['severity']}"
                             + (" acked" if a["acked_by"] else ""), **{"data-alarm": a["key"]}))
    return rows


def alarm_state(items: list[dict]) -> list:
    """What the browser compares to notice new unacknowledged alarms (and to skip re-rendering)."""
    return [[a["key"], bool(a["acked_by"]), a.get("status")] for a in items]


def _panel(title, body_id, body, extra=None):
    return html.Section([html.H2([title, extra], className="panel-title"),
                         html.Div(body, id=body_id, className="panel-body live-body")], className="panel")


def officer_input(zh: bool):
    """Who acknowledges: the logged-in user (fixed), or with LOGIN=off a name typed once per screen
    (persistence keeps it in localStorage)."""
    who = viewer()
    if who.acts_as_user:
        return dcc.Input(id="live-officer", type="text", value=who.name, disabled=True, className="live-officer")
    return dcc.Input(id="live-officer", type="text", maxLength=32, debounce=True, persistence=True,
                     persistence_type="local", placeholder="姓名" if zh else "Name", className="live-officer")


def layout(**_query):
    settings = current_settings()
    lang, tz, url = settings.language, settings.tz, settings.database_url
    zh = lang == "zh"
    rows = live.new_cases(url)
    items = alarms.current_alarms(url)
    # data-lang: assets/live.js writes countdowns (剩余/Left, 超期/Overdue, 挂账/Suspended) in this language.
    return html.Div(className="live", **{"data-lang": lang}, children=[
        dcc.Store(id="live-cursor", data={"last_id": max((r["id"] for r in rows), default=live.last_case_id(url)),
                                          "recent": [r["id"] for r in rows], "count": len(rows)}),
        dcc.Store(id="live-new", data=[case_row(r, tz, lang) for r in reversed(rows)]),  # oldest first
        dcc.Store(id="live-alarm-state", data=alarm_state(items)),
        dcc.Store(id="live-ack-version", data=0),
        dcc.Interval(id="live-timer", interval=POLL_MS),
        dcc.Interval(id="live-lamp-timer", interval=LAMP_MS),
        dcc.Interval(id="live-alarm-timer", interval=ALARM_MS),
        html.Div(className="live-header", children=[
            html.H1("值班监控" if zh else "Live monitor", className="board-title"),
            html.Div(className="live-controls", children=[
                html.Label("值班员" if zh else "Duty officer", htmlFor="live-officer"),
                officer_input(zh),
                html.Button(id="live-sound", className="live-sound", n_clicks=0, **{"data-on": "0"},
                            children="声音：关" if zh else "Sound: off"),
                html.Span(id="live-ack-msg", className="live-ack-msg", role="status"),
            ]),
        ]),
        html.Div(className="live-grid", children=[
            # The rows are added by assets/live.js from live-new: Dash never re-renders this list.
            _panel("新案件" if zh else "New cases", "live-feed", html.Div(id="live-feed-list", className="live-list"),
                   html.Span(id="live-count", className="live-badge")),
            _panel("黄灯 / 红灯 · 按部门" if zh else "Yellow / red lamps by department", "live-lamps",
                   lamp_groups(live.lamp_cases(url), lang)),
            _panel("告警" if zh else "Alarms", "live-alarms", alarm_items(items, tz, lang)),
        ]),
    ])
