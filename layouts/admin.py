"""/admin/audit: who saw which case, exported which list, acknowledged which alarm, and logins.
Only admins reach it (dashboard/auth.py)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from dash import dcc, html
from sqlalchemy.orm import Session

from dashboard.app import current_settings
from dashboard.i18n import say
from data_access import access, db, status
from data_access.case_list import local_text
from data_access.clock import LOCAL_OFFSET

ACTIONS = ("case.view", "cases.csv", "case.action", "alarm.ack", "api.case", "api.transition", "login", "login.failed")


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "")[:10]) if text else None
    except ValueError:
        return None


def audit_layout(user: str = "", action: str = "", target: str = "", day: str = "", **_query):
    lang = current_settings().language
    picked = _day(day if isinstance(day, str) else "")
    start = datetime.combine(picked, datetime.min.time()) - LOCAL_OFFSET if picked else None
    try:
        with Session(db.get_engine(current_settings().database_url)) as s:
            rows = access.audit_entries(s, str(user)[:64], str(action)[:32], str(target)[:128],
                                        start, start + timedelta(days=1) if start else None)
    except status.DB_ERRORS as exc:
        return html.Div(className="page page-message", children=[html.H2(say(lang, "数据库不可用", "Database unavailable")),
                                                                  html.P(status.describe_error(exc))])
    field = lambda name, label, value: html.Label([label, dcc.Input(name=name, value=value, type="text")])  # noqa: E731
    return html.Div(className="page audit-page", children=[
        html.H1(say(lang, "审计日志", "Audit log"), className="board-title"),
        html.Form(method="get", action="/admin/audit", className="audit-form", children=[
            field("user", say(lang, "用户 ", "User "), user),
            html.Label([say(lang, "操作 ", "Action "), html.Select(name="action", children=[
                html.Option(say(lang, "全部", "all"), value=""),
                *[html.Option(a, value=a, selected="selected" if a == action else None) for a in ACTIONS]])]),
            field("target", say(lang, "对象 ", "Target "), target),
            html.Label([say(lang, "日期 ", "Day "), dcc.Input(name="day", type="date", value=picked.isoformat() if picked else "")]),
            html.Button(say(lang, "查询", "Search"), type="submit", className="button"),
        ]),
        html.P(say(lang, f"最近 {len(rows)} 条", f"Newest {len(rows)} entries"), className="audit-count"),
        html.Table(className="audit-table", children=[
            html.Thead(html.Tr([html.Th(h) for h in (say(lang, "时间", "Time"), say(lang, "用户", "User"),
                                                     say(lang, "操作", "Action"), say(lang, "对象", "Target"),
                                                     say(lang, "来源地址", "Address"))])),
            html.Tbody([html.Tr([html.Td(local_text(r.at, "%Y-%m-%d %H:%M:%S")), html.Td(r.username), html.Td(r.action),
                                 html.Td(r.target), html.Td(r.address)]) for r in rows]),
        ]),
    ])
