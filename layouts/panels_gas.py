"""Panels of the 燃气安全 (gas safety) board, on the gas map's data (pipes, stations, sensors, alarms,
hazards) plus gas users, the annual 入户安检, LPG cylinders and gas cases.

A sensor, station or open hazard opens its place on /map/gas-pipelines (?focus=<pipe>); counts
drill to their object lists with the same named filters; cases drill to /cases.
"""
from __future__ import annotations

import pandas as pd
from dash import dcc, html

from dashboard.i18n import compact, number
from dashboard.panels import Panel, View, register
from data_access import boards
from data_access import gas_safety as gas
from data_access.geo_layers import GAS_ALARM_LEL

from .charts import MUTED, SERIES, TICK, donut, empty, figure, graph, kpi, outline_map, percent
from .maps import translate

LEVEL_COLORS = {1: "#ff5a6e", 2: "#ffb547", 3: "#ffe066"}
KIND_COLORS = {"household": SERIES[0], "commercial": SERIES[3], "industrial": SERIES[4]}
HAZARD_COLORS = {"open": "#ff5a6e", "rectifying": "#ffb547", "closed": "#3ee08f"}
MAP = "/map/gas-pipelines"


def _pick(pair, view: View) -> str:
    return pair[0] if view.language == "zh" else pair[1]


def _focus(pipe) -> str:
    return f"{MAP}?focus={pipe}" if pipe else MAP


def kpis(data: dict, view: View):
    net, alarms, hazards, insp, cyl = data["network"], data["alarms"], data["hazards"], data["inspections"], data["cylinders"]
    km = sum(v for _, v in net["summary"].length_by_pressure)
    stations = net["stations"]["gate"] + net["stations"]["regulator"]
    open_hazards = hazards["by_status"]["open"] + hazards["by_status"]["rectifying"]
    minutes = alarms["minutes"]
    return html.Div([
        kpi(view.zh("燃气管线", "Pipelines"), f"{km:,.0f} km", view.drill_objects("gas_pipelines", range=None, **{"from": None, "to": None}),
            note=f"{number(net['summary'].pipes)} {view.zh('段', 'segments')}"),
        kpi(view.zh("门站/调压站", "Stations"), number(stations), MAP,
            note=f"{view.zh('阀门', 'valves')} {number(net['stations']['valve'])} · {view.zh('监测点', 'sensors')} {net['sensors']}"),
        kpi(view.zh("燃气报警", "Gas alarms"), number(alarms["total"]), view.drill_objects("gas_events", event="alarm"),
            tone="alarm" if alarms["open"] else "",
            note=f"{view.zh('未处置', 'open')} {alarms['open']} · {view.zh('平均处置', 'avg')} "
                 f"{'—' if minutes is None else f'{minutes:.0f}'} {view.zh('分钟', 'min')}"),
        kpi(view.zh("管网隐患", "Hazards found"), number(sum(hazards["by_status"].values())),
            view.drill_objects("gas_events", event="hazard"), tone="alarm" if open_hazards else "",
            note=f"{view.zh('未销号', 'open')} {open_hazards} · {view.zh('已整改', 'fixed')} {hazards['by_status']['closed']}"),
        kpi(view.zh("燃气用户", "Gas users"), compact(data["users"], view.language),
            view.drill_objects("gas_users", opened_by=view.scope.day_to, range=None, **{"from": None, "to": None}),
            note=view.zh("户", "users")),
        kpi(f"{insp['year']}{view.zh('年入户安检覆盖率', ' inspection coverage')}", percent(insp["coverage"]),
            view.drill_objects("gas_users", inspected_by=view.scope.day_to, opened_by=view.scope.day_to,
                               range=None, **{"from": None, "to": None}),
            tone="alarm" if insp["coverage"] is not None and insp["coverage"] < insp["pro_rata"] - 0.05 else "",
            note=f"{view.zh('目标 100% · 进度', 'target 100% · pro rata')} {percent(insp['pro_rata'])}"),
        kpi(view.zh("液化气钢瓶", "LPG cylinders"), compact(cyl["total"], view.language),
            view.drill_objects("lpg_cylinders", range=None, **{"from": None, "to": None}),
            tone="alarm" if cyl["overdue"] else "",
            note=f"{view.zh('超期未检', 'test overdue')} {number(cyl['overdue'])}"),
    ], className="kpi-row")


def network(data: dict, view: View):
    s = data["summary"]
    rows = ([(label, km, view.drill_objects("gas_pipelines", pressure=code, range=None, **{"from": None, "to": None}),
              SERIES[0]) for (label, km), code in zip(s.length_by_pressure, gas.geo_layers.PRESSURES)]
            + [(m, km, view.drill_objects("gas_pipelines", material=m, range=None, **{"from": None, "to": None}),
                SERIES[1]) for m, km in data["km_by_material"]]
            + [(label, km, MAP, SERIES[3]) for label, km in s.length_by_age])
    rows = [(translate(r[0], view.language), *r[1:]) for r in rows[::-1]]  # the gas map's words (pressure, age)
    fig = figure(view, margin=(0.4, 2.8, 0.2, 0.4))
    fig.add_bar(y=[r[0] for r in rows], x=[r[1] for r in rows], orientation="h",
                marker={"color": [r[3] for r in rows], "line": {"width": 0}},
                text=[f"{r[1]:,.0f} km" for r in rows], textposition="outside", cliponaxis=False,
                textfont={"size": TICK * view.rem, "color": MUTED}, customdata=[r[2] for r in rows],
                hovertemplate="%{y} %{x:,.1f} km<extra></extra>")
    fig.update_xaxes(showgrid=False, showticklabels=False)
    return graph("gas.network", fig)


def place_map(data, view: View):
    sensors, stations, shapes = data
    fig = outline_map(view, shapes)
    for kind, symbol, color, size in (("gate", "diamond", "#ff8a4c", 1.0), ("regulator", "triangle-up", SERIES[2], 0.7)):
        part = stations[stations["kind"] == kind]
        if len(part):
            fig.add_scattergeo(lon=part["lon"], lat=part["lat"], mode="markers",
                               name=f"{_pick(('门站', 'Gate stations') if kind == 'gate' else ('调压站', 'Regulators'), view)} {len(part)}",
                               marker={"symbol": symbol, "size": size * view.rem, "color": color, "line": {"width": 0}},
                               text=part["name"], customdata=[_focus(p) for p in part["pipe"]],
                               hovertemplate="%{text}<extra></extra>")
    if len(sensors):
        colors = ["#3ee08f" if pd.isna(lv) else LEVEL_COLORS.get(lv, "#3ee08f") for lv in sensors["level"]]
        fig.add_scattergeo(lon=sensors["lon"], lat=sensors["lat"], mode="markers",
                           name=f"{view.zh('燃气监测点', 'Gas sensors')} {len(sensors)}",
                           marker={"size": 0.7 * view.rem, "color": colors, "line": {"width": 0.08 * view.rem, "color": "#021022"}},
                           text=[f"{n} {'—' if pd.isna(v) else f'{v:.2f}'} %LEL" for n, v in zip(sensors["name"], sensors["value"])],
                           customdata=[_focus(p) for p in sensors["pipe"]], hovertemplate="%{text}<extra></extra>")
    fig.update_geos(fitbounds="locations", visible=False, bgcolor="rgba(0,0,0,0)", projection_type="mercator")
    fig.update_layout(legend={"orientation": "v", "x": 0, "y": 0, "yanchor": "bottom"})
    return graph("gas.place_map", fig)


def sensors(df, view: View):
    df = df.dropna(subset=["value"]).head(8).iloc[::-1]
    if df.empty:
        return empty(view)
    fig = figure(view, margin=(0.4, 2.6, 1.4, 0.4))
    fig.add_bar(y=[n.replace("燃气浓度监测点", "#") for n in df["name"]], x=df["value"], orientation="h",
                marker={"color": [SERIES[6] if pd.isna(lv) else LEVEL_COLORS.get(lv, SERIES[6]) for lv in df["level"]],
                        "line": {"width": 0}},
                text=[f"{v:.2f}" for v in df["value"]], textposition="outside", cliponaxis=False,
                textfont={"size": TICK * view.rem, "color": MUTED},
                customdata=[_focus(p) for p in df["pipe"]], hovertemplate="%{y} %{x:.2f} %LEL<extra></extra>")
    top = max(float(df["value"].max()), GAS_ALARM_LEL[-1][0]) * 1.25
    limit = GAS_ALARM_LEL[-1][0]
    fig.add_vline(x=limit, line={"color": LEVEL_COLORS[3], "dash": "dot", "width": 0.1 * view.rem})
    fig.add_annotation(x=limit, y=1, yref="paper", text=f"{view.zh('三级报警', 'L3')} {limit:g}", showarrow=False,
                       xanchor="right", yanchor="bottom", font={"size": TICK * view.rem, "color": LEVEL_COLORS[3]})
    fig.update_xaxes(range=[0, top], showgrid=False, showticklabels=False)
    return graph("gas.sensors", fig)


def alarms(data: dict, view: View):
    daily = data["daily"]
    fig = figure(view, legend=True, margin=(0.4, 0.6, 1.8, 0.4), barmode="stack")
    for level, pair in gas.LEVELS.items():
        part = daily[daily["level"] == level]
        info = data["levels"][level]
        minutes = "—" if info["minutes"] is None else f"{info['minutes']:.0f}"
        name = f"{_pick(pair, view)} · {view.zh('平均', 'avg')}{minutes}{view.zh('分钟处置', ' min')}"
        fig.add_bar(x=part["day"], y=part["alarms"], name=name, marker={"color": LEVEL_COLORS[level], "line": {"width": 0}},
                    customdata=[view.drill_objects("gas_events", event="alarm", level=level, range="custom",
                                                   **{"from": str(d), "to": str(d)}) for d in part["day"]],
                    hovertemplate="%{x|%m-%d} " + _pick(pair, view) + " %{y}<extra></extra>")
    fig.update_xaxes(tickformat="%m-%d")
    fig.update_yaxes(dtick=1 if daily["alarms"].max() <= 5 else None)
    return graph("gas.alarms", fig)


def hazards(data: dict, view: View):
    counts = data["by_status"]
    tiles = [kpi(_pick(gas.HAZARD_STATUS[k], view), number(n), view.drill_objects("gas_events", event="hazard", status=k),
                 tone="alarm" if k == "open" and n else "", note=view.zh("处", "found") if k == "open" else None)
             for k, n in counts.items()]
    rows = [dcc.Link([html.Span(h["pipe"], className="feed-time"), html.Span(h["note"], className="feed-category"),
                      html.Span(_pick(gas.HAZARD_STATUS[h["status"]], view), className=f"feed-status hazard-{h['status']}")],
                     href=_focus(h["pipe"]), className="feed-row") for h in data["open"][:4]]
    return html.Div([html.Div(tiles, className="kpi-row"),
                     html.Div(rows or [html.Div(view.zh("无未整改隐患", "No open hazards"), className="panel-empty")],
                              className="gas-hazard-list")], className="panel-stack")


def users(df, view: View):
    if df.empty:
        return empty(view)
    names = view.names["regions"]
    totals = df.groupby("region_code")["users"].sum().sort_values(ascending=False).head(6)
    regions = list(totals.index[::-1])
    fig = figure(view, legend=True, margin=(0.4, 0.6, 1.6, 0.2), barmode="stack")
    for kind, pair in gas.USER_KINDS.items():
        part = df[df["kind"] == kind].groupby("region_code")["users"].sum().reindex(regions, fill_value=0)
        fig.add_bar(y=[names.get(r, r).removesuffix("街道").removesuffix("镇") for r in regions], x=part.values,
                    orientation="h", name=_pick(pair, view)[:2], marker={"color": KIND_COLORS[kind], "line": {"width": 0}},
                    customdata=[view.drill_objects("gas_users", region=r, type=kind, opened_by=view.scope.day_to,
                                                   range=None, **{"from": None, "to": None}) for r in regions],
                    hovertemplate="%{y} " + _pick(pair, view) + " %{x:,}<extra></extra>")
    fig.update_xaxes(showgrid=False, showticklabels=False)
    labels = [names.get(r, r).removesuffix("街道").removesuffix("镇") for r in regions]
    fig.update_yaxes(tickmode="array", tickvals=labels, ticktext=labels)
    return graph("gas.users", fig)


def inspections(data: dict, view: View):
    months = data["monthly"][-12:]
    fig = figure(view, margin=(0.4, 0.4, 0.4, 1.6))
    fig.add_bar(x=[m for m, _ in months], y=[n for _, n in months], marker={"color": SERIES[0], "line": {"width": 0}},
                customdata=[view.drill_objects("gas_inspections", range="custom", **{"from": f"{m}-01", "to": _month_end(m)})
                            for m, _ in months], hovertemplate="%{x} %{y:,}<extra></extra>")
    fig.update_xaxes(tickangle=0, tickvals=[m for m, _ in months][::3], ticktext=[m[2:] for m, _ in months][::3])
    return html.Div([
        html.Div([
            kpi(view.zh("安检次数", "Visits"), number(data["visits"]), view.drill_objects("gas_inspections"),
                note=f"{view.zh('到访不遇', 'absent')} {number(data['absent'])}"),
            kpi(view.zh("发现隐患", "Defects"), number(data["defects"]),
                view.drill_objects("gas_inspections", result="defect"), tone="alarm" if data["defects"] > data["fixed"] else "",
                note=f"{view.zh('已整改', 'fixed')} {number(data['fixed'])}"),
            kpi(view.zh("本年已安检", "Covered"), number(data["covered"]),
                view.drill_objects("gas_users", inspected_by=view.scope.day_to, opened_by=view.scope.day_to,
                                   range=None, **{"from": None, "to": None}),
                note=f"/ {number(data['users'])} {view.zh('户', 'users')}"),
        ], className="kpi-row"),
        graph("gas.inspections", fig),
    ], className="panel-stack")


def _month_end(month: str) -> str:
    import calendar

    year, m = int(month[:4]), int(month[5:7])
    return f"{month}-{calendar.monthrange(year, m)[1]:02d}"


def cylinders(data: dict, view: View):
    counts = data["by_status"]
    keys = [k for k in counts if counts[k]]
    if not keys:
        return empty(view)
    return donut("gas.cylinders", [_pick(gas.CYLINDER_STATUS[k], view) for k in keys], [counts[k] for k in keys],
                 [view.drill_objects("lpg_cylinders", status=k, range=None, **{"from": None, "to": None}) for k in keys],
                 view, centre=compact(data["total"], view.language))


def cases(df, view: View):
    if df.empty:
        return empty(view)
    rows = df.iloc[::-1]
    fig = figure(view, margin=(0.4, 6.5, 0.2, 0.4))
    fig.add_bar(y=rows["name"], x=rows["reported"], orientation="h", marker={"color": SERIES[3], "line": {"width": 0}},
                text=[f"{r} · {view.zh('按期', 'on time')} {percent(h / d) if d else '—'}"
                      for r, h, d in zip(rows["reported"], rows["handled_on_time"], rows["handled"])],
                textposition="outside", cliponaxis=False, textfont={"size": TICK * view.rem, "color": MUTED},
                customdata=[view.drill(category=c) for c in rows["code"]], hovertemplate="%{y} %{x}<extra></extra>")
    fig.update_xaxes(showgrid=False, showticklabels=False)
    total, handled, on_time = int(df["reported"].sum()), int(df["handled"].sum()), int(df["handled_on_time"].sum())
    return html.Div([
        dcc.Link(f"{view.zh('合计', 'Total')} {number(total)} · {view.zh('按期处置率', 'on-time handling')} "
                 f"{percent(on_time / handled) if handled else '—'}",
                 href=view.drill(category=",".join(gas.CASE_CATEGORIES)), className="gas-case-total"),
        graph("gas.cases", fig),
    ], className="panel-stack")


register(
    Panel("gas.kpis", "燃气安全总览", "Gas safety overview", gas.kpis, kpis, refresh_seconds=30),
    Panel("gas.network", "管网里程（压力级制·管材·管龄）", "Pipeline km", gas.network, network, refresh_seconds=600),
    Panel("gas.place_map", "场站与监测点", "Stations and sensors",
          lambda url, scope: (gas.sensors(url, scope), gas.stations(url, scope), boards.region_shapes(url, scope.city)), place_map,
          refresh_seconds=60),
    Panel("gas.sensors", "实时浓度 TOP8（%LEL）", "Live readings top 8", gas.sensors, sensors, refresh_seconds=30),
    Panel("gas.alarms", "报警趋势与处置时长", "Alarms and time to handle", gas.alarms, alarms, refresh_seconds=30),
    Panel("gas.hazards", "管网隐患整改", "Hazards", gas.hazards, hazards, refresh_seconds=60),
    Panel("gas.users", "燃气用户（镇街 TOP6）", "Gas users by town", gas.users, users, refresh_seconds=600),
    Panel("gas.inspections", "入户安检", "Household inspections", gas.inspections, inspections, refresh_seconds=60),
    Panel("gas.cylinders", "液化气钢瓶追溯", "LPG cylinders", gas.cylinders, cylinders, refresh_seconds=300),
    Panel("gas.cases", "燃气相关案件", "Gas cases", gas.case_table, cases, refresh_seconds=60),
)
