"""系统状态: what the database holds and whether it is live, read from it, in one language.

Database, schema (against the program's migration heads), rows in every table, the demo data
set's facts, whether cases and sensor readings are arriving, and the cache. /health keeps the
machine-readable JSON.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from dash import dcc, html

from dashboard.app import VERSION, current_settings
from dashboard.i18n import ago, count, local_time, number, pick, say, t, to_local
from data_access import status
from data_access.lifecycle import FINAL_STATUSES, OPEN_STATUSES, STATUS_LABELS
from data_access.vocabulary import SOURCES, label

BODY = "status-body"
REFRESH_TIMER = "status-refresh"
REFRESH_MS = 60_000
BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _status_label(code: str, language: str) -> str:
    return STATUS_LABELS.get(code, code) if language == "zh" else code.replace("_", " ").capitalize()


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


# Every table of the schema by group, with its name in both languages; tests check that each
# table of the models has one.
TABLE_GROUPS = (
    (("案件", "Cases"), {
        "cases": ("案件", "Cases"), "case_stages": ("案件环节", "Case stages"),
        "case_rollup_daily": ("日汇总", "Daily rollup"), "case_rollup_hourly": ("小时汇总", "Hourly rollup"),
        "case_no_counters": ("案件编号计数", "Case number counters"), "alarm_acks": ("告警确认", "Alarm acks"),
        "case_return_visits": ("回访记录", "Return visits"), "hotline_tickets": ("12345工单", "12345 tickets"),
    }),
    (("基础数据", "Reference data"), {
        "jurisdictions": ("行政区", "Jurisdictions"), "regions": ("镇街", "Towns"),
        "communities": ("社区/村", "Communities"), "grids": ("单元网格", "Unit grids"),
        "departments": ("处置部门", "Departments"), "categories": ("案件小类", "Categories"),
        "region_population": ("镇街人口", "Town population"), "land_zones": ("用地分区", "Land zones"),
    }),
    (("感知与视频", "Sensors and video"), {
        "sensors": ("感知设备", "Sensors"), "sensor_readings": ("传感器读数", "Sensor readings"),
        "cameras": ("视频点位", "Cameras"), "camera_events": ("视频AI事件", "Video AI events"),
        "body_cameras": ("执法记录仪", "Body cameras"),
    }),
    (("一张图", "Maps"), {
        "gas_pipelines": ("燃气管线", "Gas pipelines"), "gas_events": ("管网巡检与报警", "Pipeline events"),
        "map_features": ("地图要素", "Map features"), "illegal_sites": ("违建图斑", "Illegal sites"),
        "illegal_site_events": ("违建处置环节", "Illegal site steps"),
    }),
    (("专题业务", "Topic boards"), {
        "sanitation_vehicles": ("环卫车辆", "Sanitation vehicles"),
        "sanitation_vehicle_days": ("车辆日作业", "Vehicle days"),
        "sanitation_cleaning_areas": ("清扫保洁区域", "Cleaning areas"),
        "transfer_stations": ("垃圾转运站", "Transfer stations"),
        "transfer_station_days": ("转运站日运量", "Transfer station days"), "waste_days": ("垃圾日清运", "Daily waste"),
        "public_toilets": ("公共厕所", "Public toilets"), "green_spaces": ("绿地", "Green spaces"),
        "street_trees": ("行道树", "Street trees"), "ancient_trees": ("古树名木", "Ancient trees"),
        "green_inspections": ("绿化巡查", "Green inspections"), "gas_users": ("燃气用户", "Gas users"),
        "gas_user_inspections": ("入户安检", "Gas safety checks"), "lpg_cylinders": ("液化石油气钢瓶", "Gas cylinders"),
        "gas_alarm_handling": ("燃气报警处置", "Gas alarm handling"), "officers": ("执法队员", "Officers"),
        "officer_duties": ("队员排班", "Officer duties"), "officer_work": ("队员工作记录", "Officer work"),
        "enforcement_cases": ("执法案件", "Enforcement cases"), "enforcement_steps": ("执法环节", "Enforcement steps"),
        "service_feedback": ("表扬与投诉", "Feedback"), "media_reports": ("媒体报道", "Media reports"),
        "publicity_articles": ("宣传稿件", "Publicity articles"),
    }),
    (("系统", "System"), {"app_meta": ("数据集信息", "Data set facts"), "api_keys": ("接入密钥", "API keys"),
                        "users": ("用户", "Users"), "signed_links": ("嵌入与大屏链接", "Embed and wall links"),
                        "audit_log": ("审计日志", "Audit log")}),
)
LIVE_WITHIN = timedelta(minutes=10)  # a case or reading this recent means the simulator or a feed is running


def table_label(name: str, language: str) -> str:
    for _group, labels in TABLE_GROUPS:
        if name in labels:
            return pick(labels[name], language)
    return name


def table_counts_panel(counts: dict, language: str) -> html.Div:
    """Rows per table, grouped; tables the groups don't name come last under their own names."""
    groups = [(title, [name for name in labels if name in counts]) for title, labels in TABLE_GROUPS]
    known = {name for _t, names in groups for name in names}
    extra = [name for name in counts if name not in known]
    if extra:
        groups.append((("其他", "Other"), extra))
    return html.Div(className="table-counts", children=[
        html.Div(className="table-group", children=[
            html.Div(pick(title, language), className="table-group-title"),
            *[html.Div(className="table-row" + (" missing" if counts[name] is None else ""), children=[
                html.Span(table_label(name, language), className="table-name", title=name),
                html.Span("—" if counts[name] is None else number(counts[name]), className="table-count"),
            ]) for name in names],
        ]) for title, names in groups if names
    ])


def facts_list(rows: list[tuple[str, str]], tone: dict | None = None) -> html.Dl:
    tone = tone or {}
    return html.Dl(className="meta", children=[part for key, value in rows for part in (
        html.Dt(key), html.Dd(value, title=value, className=tone.get(key, "")))])


def _utc_offset(settings, now) -> str:
    offset = to_local(now, settings.tz).utcoffset() or timedelta(0)
    hours, minutes = divmod(int(offset.total_seconds()) // 60, 60)
    return f"UTC{'+' if offset >= timedelta(0) else '-'}{abs(hours)}" + (f":{minutes:02d}" if minutes else "")


def _when(moment, now, settings, lang: str) -> str:
    if moment is None:
        return say(lang, "无", "none")
    return f"{local_time(moment, settings.tz, '%Y-%m-%d %H:%M')}（{ago(moment, now, lang)}）" if lang == "zh" else \
        f"{local_time(moment, settings.tz, '%Y-%m-%d %H:%M')} ({ago(moment, now, lang)})"


def runtime_facts(settings, st, live, heads, lang: str) -> tuple[list, dict]:
    now = live.checked_at
    current = st.revision is not None and tuple(sorted(st.revision.split(", "))) == heads
    revision = f"{st.revision or '—'} · " + (say(lang, "已是最新", "up to date") if current
                                              else say(lang, "需迁移: cockpit init-db", "behind: run cockpit init-db"))
    running = any(moment is not None and now - moment <= LIVE_WITHIN
                  for moment in (live.newest_case_at, live.newest_reading_at))
    rows = [
        # The database's file or name is an identifier in Latin letters: shown in English only.
        (say(lang, "数据库", "Database"), BACKENDS.get(st.backend, st.backend) if lang == "zh"
         else f"{BACKENDS.get(st.backend, st.backend)} · {st.database}"),
        (say(lang, "迁移版本", "Schema"), revision),
        (say(lang, "程序版本", "Version"), VERSION),
        (say(lang, "时区", "Time zone"), _utc_offset(settings, now) if lang == "zh"
         else f"{settings.timezone} ({_utc_offset(settings, now)})"),
        (say(lang, "缓存", "Cache"), say(lang, "Redis（各进程共享）", "Redis (shared by workers)") if settings.redis_url
         else say(lang, "文件缓存（各进程共享）", "Files (shared by workers)")),
        (say(lang, "实时数据", "Live data"), say(lang, "运行中", "running") if running
         else say(lang, "未在更新（模拟器未运行）", "not updating (no simulator running)")),
        (say(lang, "最新案件", "Newest case"), _when(live.newest_case_at, now, settings, lang)),
        (say(lang, "最新流转", "Last case step"), _when(live.newest_step_at, now, settings, lang)),
        (say(lang, "最新读数", "Newest reading"), _when(live.newest_reading_at, now, settings, lang)),
        (say(lang, "近1小时新增", "Last hour"), count(live.cases_last_hour, lang)),
    ]
    tone = {rows[1][0]: "good" if current else "warn", rows[5][0]: "good" if running else "muted"}
    return rows, tone


def _meta_value(key: str, value: str, settings, lang: str) -> str:
    if key == "seed_cases" and value.isdigit():
        return count(int(value), lang)
    if key == "seeded_at":
        try:
            return local_time(datetime.fromisoformat(value), settings.tz, "%Y-%m-%d %H:%M")
        except ValueError:
            return value
    if key == "flood_storm":
        try:
            storm = json.loads(value)
            start = local_time(datetime.fromisoformat(storm["start"]), settings.tz, "%Y-%m-%d %H:%M")
            hours = count(int(storm["hours"]), lang, "hour")
            return f"{storm['name']} · {hours}" if lang == "zh" else f"{start}, {hours}"  # the name has the date
        except (ValueError, KeyError, TypeError):
            return value
    return value


META_LABELS = {
    "demo_city": ("演示城市", "Demo city"), "seed": ("随机种子", "Random seed"),
    "seed_cases": ("生成案件数", "Cases generated"), "seeded_at": ("生成时间", "Generated at"),
    "flood_storm": ("历史暴雨（易涝图回放）", "Replayed rainstorm"),
    "home_city": ("主城市代码", "Home city code"), "seed_jurisdictions": ("演示城市数", "Demo cities"),
    "grids_version": ("网格版本", "Grids version"),
}


def seed_facts(meta: dict, settings, lang: str) -> list:
    keys = [k for k in META_LABELS if k in meta] + sorted(k for k in meta if k not in META_LABELS)
    return [(pick(META_LABELS[k], lang) if k in META_LABELS else k, _meta_value(k, meta[k], settings, lang))
            for k in keys]


def body(settings) -> list:
    """The page content; also what the refresh callback returns."""
    lang = settings.language
    try:
        st = status.database_status(settings.database_url)
        live = status.activity(settings.database_url)
        tables = status.table_counts(settings.database_url)
    except status.DB_ERRORS as exc:
        where = status.safe_url(settings.database_url)
        health = status.health(settings.database_url)
        if health.database and health.schema is None:
            return [message(t("status.unmigrated", lang), where)]
        return [message(t("status.down", lang), f"{where}: {status.describe_error(exc)}")]

    by_status = st.cases_by_status
    open_count = sum(by_status.get(code, 0) for code in OPEN_STATUSES)
    newest = st.newest_case_at
    heads = status.code_heads()
    kpis = html.Div(className="kpis", children=[
        kpi(t("status.total", lang), number(st.cases_total),
            say(lang, f"近1小时新增 {number(live.cases_last_hour)} 件", f"{number(live.cases_last_hour)} in the last hour")),
        kpi(t("status.open", lang), number(open_count), tone="accent"),
        kpi(t("status.closed", lang), number(by_status.get("closed", 0)), tone="good"),
        kpi(t("status.newest", lang),
            local_time(newest, settings.tz, "%H:%M") if newest else "—",
            f"{local_time(newest, settings.tz, '%Y-%m-%d')} · {ago(newest, live.checked_at, lang)}" if newest else ""),
        kpi(t("status.database", lang), BACKENDS.get(st.backend, st.backend),
            f"{t('status.revision', lang)} {st.revision or '—'}"),
    ])
    status_rows, source_rows = [], []
    if st.cases_total:
        status_rows = [(_status_label(code, lang), n, _tone(code)) for code, n in by_status.items()]
        sources = {code: 0 for code in SOURCES} | st.cases_by_source  # known sources show even at zero
        source_rows = [(label(SOURCES, code, lang), n, "")
                       for code, n in sorted(sources.items(), key=lambda item: -item[1])]
    runtime, tone = runtime_facts(settings, st, live, heads, lang)
    seed = seed_facts(st.meta, settings, lang)
    return [
        kpis,
        html.Div(className="status-grid", children=[
            html.Div(className="stack", children=[
                panel(say(lang, "运行环境", "Runtime"), facts_list(runtime, tone)),
                panel(say(lang, "演示数据", "Demo data set"),
                      facts_list(seed) if seed else html.Div(t("status.no_cases", lang), className="empty"), "grow"),
            ]),
            html.Div(className="stack even", children=[
                panel(t("status.by_status", lang), bars(status_rows, t("status.no_cases", lang))),
                panel(t("status.by_source", lang), bars(source_rows, t("status.no_cases", lang))),
            ]),
            panel(say(lang, "数据表行数", "Rows per table"), table_counts_panel(tables, lang), "wide"),
        ]),
    ]


def layout(**_query):
    settings = current_settings()
    return html.Div(className="page status-page", children=[
        html.Div(body(settings), id=BODY, className="status-body"),
        dcc.Interval(id=REFRESH_TIMER, interval=REFRESH_MS),
    ])
