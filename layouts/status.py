"""系统状态: what the database holds, read live from it."""
from __future__ import annotations

from dash import dcc, html

from dashboard.app import VERSION, current_settings
from dashboard.i18n import local_time, number, t, t_or
from data_access import status
from data_access.lifecycle import FINAL_STATUSES, OPEN_STATUSES, STATUS_LABELS
from data_access.vocabulary import SOURCES, label

BODY = "status-body"
REFRESH_TIMER = "status-refresh"
REFRESH_MS = 60_000
BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _status_label(code: str, language: str) -> str:
    return STATUS_LABELS.get(code, code) if language == "zh" else code.replace("_", " ")


def kpi(title: str, value: str, note: str = "", tone: str = "") -> html.Div:
    return html.Div(className=f"kpi {tone}".strip(), children=[
        html.Div(title, className="kpi-title"),
        html.Div(value, className="kpi-value"),
        html.Div(note, className="kpi-note"),
    ])


def panel(title: str, body, extra_class: str = "") -> html.Section:
    return html.Section(className=f"panel {extra_class}".strip(), children=[
        html.H2(title, className="panel-title"),
        html.Div(body, className="panel-body"),
    ])


def bars(rows: list[tuple[str, int, str]], empty_text: str):
    """Horizontal bars (label, value, tone) scaled to the largest value."""
    if not rows:
        return html.Div(empty_text, className="empty")
    top = max(value for _, value, _ in rows) or 1
    return html.Div(className="bars", children=[
        html.Div(className=f"bar-row {tone}".strip(), children=[
            html.Span(name, className="bar-label"),
            html.Div(html.Div(className="bar-fill", style={"width": f"{100 * value / top:.1f}%"}),
                     className="bar-track"),
            html.Span(number(value), className="bar-value"),
        ])
        for name, value, tone in rows
    ])


def _tone(code: str) -> str:
    return "done" if code in FINAL_STATUSES else ""


def message(text: str, detail: str = "") -> html.Div:
    return html.Div(className="page-message", children=[html.H2(text), html.P(detail)])


def body(settings) -> list:
    """The page content; also what the refresh callback returns."""
    lang = settings.language
    try:
        st = status.database_status(settings.database_url)
    except status.DB_ERRORS as exc:
        where = status.safe_url(settings.database_url)
        health = status.health(settings.database_url)
        if health.database and health.schema is None:
            return [message(t("status.unmigrated", lang), where)]
        return [message(t("status.down", lang), f"{where}: {status.describe_error(exc)}")]

    by_status = st.cases_by_status
    open_count = sum(by_status.get(code, 0) for code in OPEN_STATUSES)
    newest = st.newest_case_at
    kpis = html.Div(className="kpis", children=[
        kpi(t("status.total", lang), number(st.cases_total)),
        kpi(t("status.open", lang), number(open_count), tone="accent"),
        kpi(t("status.closed", lang), number(by_status.get("closed", 0)), tone="good"),
        kpi(t("status.newest", lang),
            local_time(newest, settings.tz, "%H:%M") if newest else "—",
            local_time(newest, settings.tz, "%Y-%m-%d") if newest else ""),
        kpi(t("status.database", lang), BACKENDS.get(st.backend, st.backend),
            f"{t('status.revision', lang)} {st.revision or '—'} · {t('status.version', lang)} {VERSION}"),
    ])

    sources = {code: 0 for code in SOURCES} | st.cases_by_source  # known sources show even at zero
    status_rows, source_rows = [], []
    if st.cases_total:
        status_rows = [(_status_label(code, lang), n, _tone(code)) for code, n in by_status.items()]
        source_rows = [(label(SOURCES, code, lang), n, "")
                       for code, n in sorted(sources.items(), key=lambda item: -item[1])]
    tiles = html.Div(className="tiles", children=[
        html.Div(className="tile", children=[html.Div(number(n), className="tile-value"),
                                             html.Div(t(f"table.{name}", lang), className="tile-label")])
        for name, n in st.reference_counts.items()
    ])
    facts = [
        (t("status.database", lang), f"{BACKENDS.get(st.backend, st.backend)} · {st.database}"),
        (t("status.timezone", lang), settings.timezone),
        (t("status.cache", lang), t("cache.redis" if settings.redis_url else "cache.files", lang)),
    ] + [(t_or(f"meta.{key}", key, lang), value) for key, value in st.meta.items()]
    meta = html.Dl(className="meta", children=[part for key, value in facts
                                               for part in (html.Dt(key), html.Dd(value, title=value))])

    return [
        kpis,
        html.Div(className="status-grid", children=[
            panel(t("status.by_status", lang), bars(status_rows, t("status.no_cases", lang))),
            panel(t("status.by_source", lang), bars(source_rows, t("status.no_cases", lang))),
            html.Div(className="stack", children=[
                panel(t("status.reference", lang), tiles),
                panel(t("status.meta", lang), meta, "grow"),
            ]),
        ]),
    ]


def layout(**_query):
    settings = current_settings()
    return html.Div(className="page status-page", children=[
        html.Div(body(settings), id=BODY, className="status-body"),
        dcc.Interval(id=REFRESH_TIMER, interval=REFRESH_MS),
    ])
