"""Panels of the 智慧城管 (case handling) board."""
from __future__ import annotations

import pandas as pd
from dash import dcc, html

from dashboard.i18n import number
from dashboard.panels import Panel, View, register
from data_access import boards
from data_access.vocabulary import CASE_TYPES, label

from .charts import LAMP_COLORS, MUTED, SERIES, TICK, donut, empty, figure, graph, grade_color, percent

LEAGUE_ENDS = 8  # rows shown at each end of the department league
BENCHMARK_MINUTES = 3  # 受理 → 立案 → 派遣 target of the seeds and typical city rules


def dispatch_speed(df, view: View):
    df = df[df["dispatched"] > 0]
    if df.empty:
        return empty(view)
    total = df["dispatch_minutes"].sum() / df["dispatched"].sum()
    minutes = view.zh("分钟", "min")
    fig = figure(view, legend=True, margin=(0.4, 0.6, 1.6, 0.4))
    for column, count, name, color in (
            ("file_minutes", "filed", view.zh("受理→立案", "Report→file"), SERIES[4]),
            ("dispatch_minutes", "dispatched", view.zh("受理→派遣", "Report→dispatch"), SERIES[0])):
        fig.add_scatter(x=df["day"], y=df[column] / df[count].where(df[count] > 0), name=name, mode="lines",
                        line={"color": color, "width": 0.15 * view.rem},
                        customdata=[view.drill_day(d, measure="dispatched") for d in df["day"]],
                        hovertemplate="%{x|%m-%d} " + name + " %{y:.1f} " + minutes + "<extra></extra>")
    fig.add_hline(y=BENCHMARK_MINUTES, line={"color": LAMP_COLORS["yellow"], "dash": "dot", "width": 0.1 * view.rem},
                  annotation_text=view.zh(f"目标 {BENCHMARK_MINUTES} 分钟", f"target {BENCHMARK_MINUTES} min"),
                  annotation_position="top left", annotation_bgcolor="rgba(3, 11, 28, 0.75)",
                  annotation_font={"size": TICK * view.rem, "color": LAMP_COLORS["yellow"]})
    fig.update_xaxes(tickformat="%m-%d")
    fig.update_yaxes(title={"text": minutes}, rangemode="tozero")
    return html.Div([
        html.Div([html.Span(f"{total:.1f}", className="stat-value"),
                  html.Span(view.zh(" 分钟 平均受理至派遣", " min average report to dispatch"), className="stat-unit")],
                 className="stat-line"),
        graph("city.dispatch_speed", fig),
    ], className="panel-stack")


def department_league(df, view: View):
    df = df[(df["due_handling"] > 0) & (df["department_id"] != 0)].sort_values("score", ascending=False)
    if df.empty:
        return empty(view)
    truncated = len(df) > 2 * LEAGUE_ENDS  # then show the best and the worst ends
    if truncated:
        df = pd.concat([df.head(LEAGUE_ENDS), df.tail(LEAGUE_ENDS)])
    departments = view.names["departments"]
    head = [view.zh("部门", "Department"), view.zh("处置数", "Handled"), view.zh("处置率", "Handling"),
            view.zh("按期处置率", "On time"), view.zh("返工率", "Rework"), view.zh("等级", "Grade")]
    rows = [html.Tr([
        html.Td(dcc.Link(departments.get(d, d), href=view.drill(department=d, measure="handled"))),
        html.Td(number(h)), html.Td(percent(hr)), html.Td(percent(ot)), html.Td(percent(rw)),
        html.Td(html.Span(g or "—", className="grade", style={"background": grade_color(g)})),
    ]) for d, h, hr, ot, rw, g in zip(df["department_id"], df["handled"], df["handling_rate"],
                                       df["on_time_handling_rate"], df["rework_rate"], df["grade"])]
    if truncated:
        rows.insert(LEAGUE_ENDS, html.Tr(html.Td("⋯", colSpan=len(head), className="league-gap")))
    return html.Div(html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                               className="league"), className="league-wrap")


def overdue_by_department(df, view: View):
    df = df[(df["red"] + df["yellow"]) > 0].sort_values(["red", "yellow"], ascending=False).head(12).iloc[::-1]
    if df.empty:
        return empty(view, "当前无超期或预警案件", "Nothing overdue or due soon")
    departments = view.names["departments"]
    names = [departments.get(d, d).replace("综合行政执法办公室", "执法办") for d in df["department_id"]]
    fig = figure(view, legend=True, margin=(0.4, 1.2, 1.6, 0.4), barmode="stack")
    # Both lamps drill to the cases behind them: red is the `overdue` measure, yellow `due_soon`.
    for lamp, measure, name in (("red", "overdue", view.zh("超期", "Overdue")),
                                ("yellow", "due_soon", view.zh("预警", "Due soon"))):
        fig.add_bar(y=names, x=df[lamp], orientation="h", name=name, marker={"color": LAMP_COLORS[lamp]},
                    customdata=[view.drill(department=d, measure=measure) for d in df["department_id"]],
                    hovertemplate="%{y} " + name + " %{x} " + view.zh("件", "cases") + "<extra></extra>")
    fig.update_yaxes(tickfont={"size": TICK * view.rem, "color": "#dcebff"}, dtick=1)
    fig.update_xaxes(dtick=1 if df[["red", "yellow"]].sum(axis=1).max() < 10 else None)
    return graph("city.overdue_by_department", fig)


def case_types(df, view: View):
    df = df[df["reported"] > 0].sort_values("case_type")
    if df.empty:
        return empty(view)
    return donut("city.case_types", [label(CASE_TYPES, t, view.language) for t in df["case_type"]], df["reported"],
                 [view.drill(type=t) for t in df["case_type"]], view)


def video_share(df, view: View):
    total = int(df["reported"].sum())
    if not total:
        return empty(view)
    video = int(df.loc[df["source"] == "video_ai", "reported"].sum())
    return donut("city.video_share", [view.zh("视频智能发现", "Video AI"), view.zh("其他来源", "Other sources")],
                 [video, total - video], [view.drill(source="video_ai"), None], view,
                 centre=f"{100 * video / total:.1f}%")


WEEKDAYS = {"zh": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
            "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}


def weekday_hour(df, view: View):
    grid = df.pivot(index="weekday", columns="hour", values="reported")
    links = [[view.drill(weekday=w, hour=h) for h in grid.columns] for w in grid.index]
    unit = view.zh("件", "cases")
    fig = figure(view, margin=(0.4, 0.4, 0.2, 0.4))
    fig.add_heatmap(z=grid.values, x=[f"{h:02d}" for h in grid.columns], y=WEEKDAYS[view.language],
                    colorscale=[[0, "rgba(10, 40, 80, 0.6)"], [0.5, "#1a7dff"], [1, "#00d4ff"]], customdata=links,
                    xgap=0.12 * view.rem, ygap=0.12 * view.rem, zmin=0, showscale=True,
                    colorbar={"thickness": 0.6 * view.rem, "len": 1, "x": 1.01, "xpad": 0.3 * view.rem,
                              "ypad": 0, "outlinewidth": 0, "tickfont": {"size": TICK * view.rem, "color": MUTED},
                              "title": {"text": view.zh("上报 件", "Reports"), "side": "top",
                                        "font": {"size": TICK * view.rem, "color": MUTED}}},
                    hovertemplate="%{y} %{x}:00 %{z} " + unit + "<extra></extra>")
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(showgrid=False, dtick=2)
    return graph("city.weekday_hour", fig)


register(
    Panel("city.dispatch_speed", "受理→立案→派遣用时", "Report to dispatch time", boards.daily, dispatch_speed),
    Panel("city.department_league", "部门处置排名", "Department league",
          lambda url, scope: boards.indicator_table(url, scope, ("department_id",)), department_league,
          refresh_seconds=120),
    Panel("city.overdue_by_department", "超期与预警（按部门）", "Overdue by department", boards.open_lamps,
          overdue_by_department, refresh_seconds=30),
    Panel("city.case_types", "部件与事件", "Components and events",
          lambda url, scope: boards.counts(url, scope, ("case_type",)), case_types),
    Panel("city.video_share", "视频智能发现占比", "Share found by video AI",
          lambda url, scope: boards.counts(url, scope, ("source",)), video_share),
    Panel("city.weekday_hour", "上报时段分布", "Reports by weekday and hour", boards.reports_by_weekday_hour,
          weekday_hour),
)
