"""Panels of the 市容环卫 (sanitation) board: vehicles, waste, facilities and 市容 problems.

Vehicles, waste, stations and toilets drill to their object lists (/objects/<kind>, with the
same named filters the figure counted with); the 市容 problems are cases and drill to /cases.
"""
from __future__ import annotations

import pandas as pd
from dash import html

from dashboard.i18n import compact, number
from dashboard.panels import Panel, View, register
from data_access import sanitation as san
from data_access.filters import area_code
from data_access.geo_layers import region_bounds

from .charts import LAMP_COLORS, SERIES, TICK, empty, figure, graph, kpi, percent

KIND_COLORS = {"sweeper": SERIES[0], "washer": SERIES[1], "compactor": SERIES[3], "kitchen": SERIES[4]}
STATUS_COLORS = {"working": "#3ee08f", "idle": "#00d4ff", "offline": "#5b6f8f"}
CLASS_COLORS = {"recyclable": "#1a7dff", "kitchen": "#3ee08f", "hazardous": "#ff5a6e", "other": "#8a9bb5"}
BAND_COLORS = {"low": "#5b8fd6", "normal": "#3ee08f", "high": "#ffb547", "over": "#ff5a6e"}
TOILET_COLORS = {"open": "#3ee08f", "cleaning": "#00d4ff", "fault": "#ff5a6e"}
PROBLEM_BARS = 4  # rows that fit at every screen size (text scales with the screen)
REGION_BARS = 5


def tonne(view) -> str:
    """The unit of waste in the page's language."""
    return view.zh("吨", "t")


def _pick(pair, view: View) -> str:
    return pair[0] if view.language == "zh" else pair[1]


def _day_range(day) -> dict:
    return {"range": "custom", "from": str(day), "to": str(day)}


def load_day(view: View):
    """The day station loads are shown for: the range's last full day (yesterday while today runs)."""
    from datetime import timedelta

    return min(view.scope.day_to, view.today - timedelta(days=1))


# ---------------------------------------------------------------- data (one call per panel)

def kpi_data(url: str, scope):
    from dataclasses import replace
    from datetime import timedelta

    from data_access.clock import today

    day = min(scope.day_to, today() - timedelta(days=1))
    return {"states": san.vehicle_states(url, scope), "work": san.vehicle_work(url, scope),
            "waste": san.waste(url, scope), "toilets": san.toilets(url, scope),
            "stations": san.stations(url, replace(scope, day_to=day)), "problems": san.problems(url, scope)}


def station_data(url: str, scope):
    from dataclasses import replace
    from datetime import timedelta

    from data_access.clock import today

    return san.stations(url, replace(scope, day_to=min(scope.day_to, today() - timedelta(days=1))))


# ---------------------------------------------------------------- builders

def kpis(data: dict, view: View):
    states, work, waste, toilets = data["states"], data["work"], data["waste"], data["toilets"]
    stations, problems = data["stations"], data["problems"]
    total = int(states["n"].sum())
    online = int(states.loc[states["status"] != "offline", "n"].sum())
    working = int(states.loc[states["status"] == "working", "n"].sum())
    busy = int((stations["band"].isin(["high", "over"])).sum())
    reported, closed, on_time = (int(problems[c].sum()) for c in ("reported", "closed", "on_time"))
    day = stations.attrs.get("day")
    codes = ",".join(san.PROBLEM_CATEGORIES)
    return html.Div([
        kpi(view.zh("在线车辆", "Vehicles online"), f"{number(online)}", view.drill_objects("vehicles", online=1),
            note=view.zh(f"共 {number(total)} 辆", f"of {number(total)}")),
        kpi(view.zh("作业中", "Working"), number(working), view.drill_objects("vehicles", status="working"),
            note=view.zh("实时", "now")),
        kpi(view.zh("机械化清扫率", "Mechanised sweeping"), percent(work["mech_rate"]),
            view.drill_objects("vehicle_days", sweeping=1),
            note=view.zh(f"道路 {compact(work['road_area'], 'zh')} m²/日", f"roads {compact(work['road_area'], 'en')} m²/day")),
        kpi(view.zh("日均清运量", "Collected per day"), f"{waste['total'] / max(waste['days'], 1):,.0f} {tonne(view)}",
            view.drill_objects("waste_days"), note=view.zh(f"合计 {compact(waste['total'], 'zh')} 吨",
                                                           f"total {compact(waste['total'], 'en')} t")),
        kpi(view.zh("回收利用率", "Recycling rate"), percent(waste["recycling_rate"]),
            view.drill_objects("waste_days"), note=view.zh(f"目标 ≥ {san.RECYCLING_TARGET:.0%}",
                                                           f"target ≥ {san.RECYCLING_TARGET:.0%}"),
            tone="" if (waste["recycling_rate"] or 0) >= san.RECYCLING_TARGET else "warn"),
        kpi(view.zh("无害化处理率", "Safely treated"), percent(waste["harmless_rate"]),
            view.drill_objects("waste_days"), note=view.zh("目标 100%", "target 100%"),
            tone="" if (waste["harmless_rate"] or 0) >= san.HARMLESS_TARGET - 1e-9 else "warn"),
        kpi(view.zh("转运站高负荷", "Stations ≥ 90 %"), number(busy),
            view.drill_objects("station_days", **_day_range(day), load="busy") if day else "#",
            note=view.zh(f"{day:%m-%d} 负荷≥90%", f"{day:%m-%d} load ≥ 90 %") if day else None,
            tone="alarm" if busy else ""),
        kpi(view.zh("公厕故障", "Toilets in fault"), number(toilets["states"]["fault"]),
            view.drill_objects("toilets", status="fault"), tone="alarm" if toilets["states"]["fault"] else "",
            note=view.zh(f"共 {number(sum(toilets['states'].values()))} 座", f"of {number(sum(toilets['states'].values()))}")),
        kpi(view.zh("市容问题", "Street problems"), number(reported), view.drill(category=codes),
            note=view.zh(f"按期结案 {percent(on_time / closed if closed else None)}",
                         f"closed on time {percent(on_time / closed if closed else None)}")),
    ], className="kpi-row san-kpis")


def fleet(df: pd.DataFrame, view: View):
    """Vehicles by type and state now: a count per cell, each opening the vehicles it counts."""
    if df["n"].sum() == 0:
        return empty(view)
    table = df.pivot(index="kind", columns="status", values="n").reindex(list(san.VEHICLE_KINDS)).fillna(0).astype(int)
    head = html.Div([html.Span(view.zh("车型", "Type"), className="san-name"),
                     *[html.Span(_pick(pair, view), className="san-cell", style={"color": STATUS_COLORS[st]})
                       for st, pair in san.VEHICLE_STATUS.items()],
                     html.Span(view.zh("在线率", "Online"), className="san-cell")], className="san-grid san-head")
    rows = []
    for kind, row in table.iterrows():
        total = int(row.sum())
        online = total - int(row.get("offline", 0))
        rows.append(html.Div([
            html.A(_pick(san.VEHICLE_KINDS[kind], view), href=view.drill_objects("vehicles", kind=kind),
                   className="san-name"),
            *[html.A(number(int(row.get(st, 0))), href=view.drill_objects("vehicles", kind=kind, status=st),
                     className="san-cell") for st in san.VEHICLE_STATUS],
            html.A(percent(online / total if total else None), href=view.drill_objects("vehicles", kind=kind, online=1),
                   className="san-cell san-rate"),
        ], className="san-grid"))
    return html.Div([head, *rows], className="san-table san-grow san-fleet")


def work(data: dict, view: View):
    """km and swept area against plan by vehicle type, and 机械化清扫率 over the range."""
    kinds = data["kinds"]
    if kinds["plan_km"].sum() == 0:
        return empty(view)
    rate = data["mech_rate"]
    rows = [html.Div([
        html.Span(_pick(san.VEHICLE_KINDS[k], view), className="san-name"),
        html.A(f"{compact(km, view.language)} / {compact(plan, view.language)} km",
               href=view.drill_objects("vehicle_days", kind=k), className="san-value"),
        html.Span(percent(km / plan if plan else None), className="san-rate"),
    ], className="san-row") for k, km, plan in zip(kinds["kind"], kinds["km"], kinds["plan_km"])]
    area = html.Div([
        html.Span(view.zh("清扫面积 / 计划", "Area swept / plan"), className="san-name"),
        html.A(f"{compact(data['area'], view.language)} / {compact(data['plan_area'], view.language)} m²",
               href=view.drill_objects("vehicle_days", sweeping=1), className="san-value"),
        html.Span(percent(data["area"] / data["plan_area"] if data["plan_area"] else None), className="san-rate"),
    ], className="san-row")
    return html.Div([
        html.Div([html.Span(percent(rate), className="stat-value"),
                  html.Span(view.zh(" 机械化清扫率（清扫面积/道路清扫保洁面积）", " mechanised / road area to clean"),
                            className="stat-unit")], className="stat-line"),
        html.Div([*rows, area], className="san-table san-grow"),
    ], className="panel-stack")


def waste_trend(data: dict, view: View):
    """Tonnes per day by class, stacked; a day opens that day's rows."""
    df = data["by_day"]
    if df.empty:
        return empty(view)
    grid = df.pivot_table(index="day", columns="waste_class", values="tonnes", aggfunc="sum").fillna(0)
    fig = figure(view, legend=True, margin=(0.4, 0.6, 1.8, 0.4))
    for cls in ("other", "kitchen", "recyclable", "hazardous"):
        if cls not in grid:
            continue
        name = _pick(san.WASTE_CLASSES[cls], view)
        fig.add_scatter(x=list(grid.index), y=grid[cls], name=name, mode="lines", stackgroup="waste",
                        line={"color": CLASS_COLORS[cls], "width": 0.08 * view.rem},
                        customdata=[view.drill_objects("waste_days", waste_class=cls, **_day_range(d)) for d in grid.index],
                        hovertemplate="%{x|%m-%d} " + name + " %{y:,.0f} " + tonne(view) + "<extra></extra>")
    fig.update_xaxes(tickformat="%m-%d")
    fig.update_yaxes(title={"text": view.zh("吨/日", "t/day"), "font": {"size": TICK * view.rem}}, rangemode="tozero")
    return graph("sanitation.waste_trend", fig)


def waste_mix(data: dict, view: View):
    """The four classes' tonnes and share, and the two rates against their targets."""
    by_class = data["by_class"]
    total = data["total"]
    if total == 0:
        return empty(view)

    def gauge(label, value, target, href):
        met = value is not None and value >= target - 1e-9
        return html.A([html.Span([label, html.Span(className="san-lamp", title=view.zh(
                           "达标" if met else "未达标", "met" if met else "not met"),
                           style={"background": LAMP_COLORS["green" if met else "red"]})], className="san-name"),
                       html.Span(percent(value), className="san-value"),
                       html.Span(view.zh(f"目标{target:.0%}", f"≥{target:.0%}"), className="san-target")],
                      href=href, className="san-gauge san-gauge-line")

    rows = [html.A([html.Span([html.Span(className="san-swatch", style={"background": CLASS_COLORS[c]}),
                               _pick(san.WASTE_CLASSES[c], view)], className="san-name"),
                    html.Span(className="san-bar", children=html.Span(style={
                        "width": f"{100 * t / total:.1f}%", "background": CLASS_COLORS[c]})),
                    html.Span(f"{compact(t, view.language)} {tonne(view)} · {percent(t / total)}", className="san-value")],
                   href=view.drill_objects("waste_days", waste_class=c), className="san-row")
            for c, t in zip(by_class["waste_class"], by_class["tonnes"])]
    return html.Div([
        html.Div([gauge(view.zh("回收利用率", "Recycling"), data["recycling_rate"], san.RECYCLING_TARGET,
                        view.drill_objects("waste_days")),
                  gauge(view.zh("无害化处理率", "Safely treated"), data["harmless_rate"], san.HARMLESS_TARGET,
                        view.drill_objects("waste_days"))], className="san-gauges"),
        html.Div(rows, className="san-table san-grow"),
    ], className="panel-stack")


def waste_regions(data: dict, view: View):
    """Tonnes by region (the largest REGION_BARS), stacked by class."""
    df = data["by_region"]
    if df.empty:
        return empty(view)
    names = view.names["regions"]
    grid = df.pivot_table(index="region_code", columns="waste_class", values="tonnes", aggfunc="sum").fillna(0)
    grid["total"] = grid.sum(axis=1)
    grid = grid.sort_values("total", ascending=False).head(REGION_BARS)
    top = float(grid["total"].max()) or 1.0
    rows = [html.A([html.Span(names.get(r, r), className="san-name"),
                    html.Span(className="san-bar san-stack", children=[
                        html.Span(style={"width": f"{100 * grid.at[r, c] / top:.1f}%", "background": CLASS_COLORS[c]},
                                  title=_pick(san.WASTE_CLASSES[c], view))
                        for c in ("other", "kitchen", "recyclable", "hazardous") if c in grid]),
                    html.Span(f"{compact(grid.at[r, 'total'], view.language)} {tonne(view)}", className="san-value")],
                   href=view.drill_objects("waste_days", region=r), className="san-row")
            for r in grid.index]
    key = html.Div([html.Span([html.Span(className="san-swatch", style={"background": CLASS_COLORS[c]}),
                               _pick(san.WASTE_CLASSES[c], view)]) for c in ("other", "kitchen", "recyclable")],
                   className="san-key")
    return html.Div([key, html.Div(rows, className="san-table san-grow")], className="panel-stack")


def station_load(df: pd.DataFrame, view: View):
    """Transfer stations by load band on the last full day, and the busiest ones."""
    if df.empty:
        return empty(view)
    day = df.attrs.get("day")
    counts = df["band"].value_counts().reindex(list(san.LOAD_BANDS), fill_value=0)
    bands = html.Div([html.A([html.Span(_pick(pair, view), className="san-name"),
                              html.Span(number(int(counts[band])), className="san-value",
                                        style={"color": BAND_COLORS[band]})],
                             href=view.drill_objects("station_days", load=band, **_day_range(day)), className="san-band")
                      for band, pair in san.LOAD_BANDS.items()], className="san-bands")
    top = df.sort_values("load", ascending=False).head(3)
    rows = [html.A([html.Span(name, className="san-name"),
                    html.Span(className="san-bar", children=html.Span(style={
                        "width": f"{min(load, 1.2) / 1.2 * 100:.0f}%", "background": BAND_COLORS[band]})),
                    html.Span(f"{t:,.0f}/{cap:,.0f} {tonne(view)}", className="san-value")],
                   href=f"/object/transfer_stations/{code}", className="san-row")
            for code, name, t, cap, load, band in zip(top["code"], top["name"], top["tonnes"], top["capacity"],
                                                       top["load"], top["band"])]
    return html.Div([
        html.Div([html.Span(f"{df['tonnes'].sum():,.0f}", className="stat-value"),
                  html.Span(view.zh(f" 吨 转运量 / 设计 {df['capacity'].sum():,.0f} 吨 · {day:%m-%d}",
                                    f" t through / capacity {df['capacity'].sum():,.0f} t · {day:%m-%d}"),
                            className="stat-unit")], className="stat-line"),
        bands, html.Div(rows, className="san-table san-grow"),
    ], className="panel-stack")


def toilet_state(data: dict, view: View):
    states = data["states"]
    if not sum(states.values()):
        return empty(view)
    tiles = [html.A([html.Span(_pick(pair, view), className="san-name"),
                     html.Span(number(states[s]), className="san-big", style={"color": TOILET_COLORS[s]})],
                    href=view.drill_objects("toilets", status=s), className="san-tile")
             for s, pair in san.TOILET_STATUS.items()]
    return html.Div([
        html.Div(tiles, className="san-tiles"),
        html.Div([
            html.A([html.Span(view.zh("公厕案件 (03001)", "Toilet cases (03001)"), className="san-name"),
                    html.Span(number(data["cases"]), className="san-value")],
                   href=view.drill(category=san.TOILET_CATEGORY), className="san-row"),
            html.Div([html.Span(view.zh("其中在公厕 100 m 内", "of which at a toilet"), className="san-name"),
                      html.Span(number(data["at_toilets"]), className="san-value")], className="san-row"),
            html.A([html.Span(view.zh("有03001案件的公厕（累计）", "Toilets with 03001 cases (ever)"), className="san-name"),
                    html.Span(number(data["with_cases"]), className="san-value")],
                   href=view.drill_objects("toilets", with_cases=1), className="san-row"),
        ], className="san-table"),
    ], className="panel-stack")


def problems(df: pd.DataFrame, view: View):
    """市容 events by category: reported, found by video AI (share) and closed on time."""
    df = df[df["reported"] > 0].sort_values("reported", ascending=False)
    if df.empty:
        return empty(view)
    reported, video = int(df["reported"].sum()), int(df["video"].sum())
    closed, on_time = int(df["closed"].sum()), int(df["on_time"].sum())
    codes = ",".join(san.PROBLEM_CATEGORIES)
    top = int(df["reported"].max()) or 1
    rows = [html.Div([
        html.A(name, href=view.drill(category=code), className="san-name"),
        html.Span(className="san-bar san-stack", children=[
            html.Span(style={"width": f"{100 * v / top:.1f}%", "background": SERIES[0]},
                      title=view.zh("视频智能发现", "Video AI")),
            html.Span(style={"width": f"{100 * (n - v) / top:.1f}%", "background": SERIES[2]})]),
        html.A(number(int(n)), href=view.drill(category=code), className="san-value"),
        html.A(number(int(v)), href=view.drill(category=code, source="video_ai"), className="san-rate san-video"),
    ], className="san-row san-problem") for code, name, n, v in zip(df["code"], df["name"], df["reported"], df["video"])]
    return html.Div([
        html.Div([
            html.A([html.Span(view.zh("视频发现占比 ", "Video AI "), className="stat-unit"),
                    html.Span(percent(video / reported if reported else None), className="stat-value")],
                   href=view.drill(category=codes, source="video_ai"), className="san-stat"),
            html.A([html.Span(view.zh("按期结案率 ", "Closed on time "), className="stat-unit"),
                    html.Span(percent(on_time / closed if closed else None), className="stat-value")],
                   href=view.drill(category=codes, measure="closed_on_time"), className="san-stat"),
        ], className="stat-line san-stats"),
        html.Div(rows[:PROBLEM_BARS], className="san-table san-grow"),
    ], className="panel-stack")


def vehicle_map(data: dict, view: View):
    from layouts import sanitation_map

    return sanitation_map.board_map(data, view)


register(
    Panel("sanitation.kpis", "市容环卫概览", "Sanitation at a glance", kpi_data, kpis, refresh_seconds=30),
    Panel("sanitation.map", "车辆实时位置与环卫设施", "Vehicles now and facilities",
          lambda url, scope: {"region": area_code(scope), "bounds": region_bounds(url, area_code(scope))}, vehicle_map,
          refresh_seconds=30),
    Panel("sanitation.fleet", "车辆状态", "Fleet status", san.vehicle_states, fleet, refresh_seconds=30),
    Panel("sanitation.work", "作业里程与机械化清扫率", "Work against plan", san.vehicle_work, work, refresh_seconds=60),
    Panel("sanitation.waste_trend", "垃圾清运量趋势（四分类）", "Waste collected per day", san.waste, waste_trend,
          refresh_seconds=120),
    Panel("sanitation.waste_mix", "分类占比与处理率", "Class mix and treatment", san.waste, waste_mix,
          refresh_seconds=120),
    Panel("sanitation.waste_regions", "镇街清运量", "Waste by town", san.waste, waste_regions, refresh_seconds=120),
    Panel("sanitation.stations", "转运站负荷", "Transfer station load", station_data, station_load,
          refresh_seconds=120),
    Panel("sanitation.toilets", "公厕状态", "Public toilets", san.toilets, toilet_state, refresh_seconds=30),
    Panel("sanitation.problems", "市容问题", "Street cleanliness problems", san.problems, problems,
          refresh_seconds=60),
)
