"""Panels of the 园林绿化 (landscaping) board: GB/T 50563 indicators with lamps, the green inventory,
古树名木 on a map, maintenance work and the landscaping cases.

Inventory and work drill to their object lists with the same named filters the figure counted
with; cases drill to /cases; a town on the map narrows this board to that town.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pandas as pd
from dash import html

from dashboard.i18n import compact, number
from dashboard.panels import Panel, View, register
from data_access import boards
from data_access import landscaping as land

from .charts import (
    LAMP_COLORS,
    MUTED,
    SERIES,
    TICK,
    donut,
    empty,
    figure,
    graph,
    kpi,
    outline_map,
    percent,
)

GRADE_COLORS = {1: SERIES[0], 2: SERIES[1], 3: SERIES[2], 0: SERIES[3]}  # the grade donut's colours, in its order


def _pick(pair, view: View) -> str:
    return pair[0] if view.language == "zh" else pair[1]


def _value(name: str, value) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{value:.1f} ㎡" if name == "park_per_capita" else percent(value)


def _target(name: str) -> str:
    target = land.TARGETS[name]
    return f"≥ {target:g} ㎡" if name == "park_per_capita" else f"≥ {100 * target:g}%"


def board_link(view: View, **params) -> str:
    """This board narrowed by params (a town clicked on the map)."""
    merged = dict(parse_qsl(view.search.lstrip("?")))
    merged.update({k: str(v) for k, v in params.items()})
    return "/board/landscaping?" + urlencode(merged)


def indicators(row: dict, view: View):
    year = view.scope.day_to.year
    tiles = []
    for name, pair in land.INDICATORS.items():
        met = bool(row.get(f"{name}_met"))
        lamp = html.Span("●", className="lamp", style={"color": LAMP_COLORS["green" if met else "red"]})
        state = view.zh("达标", "met") if met else view.zh("未达标", "not met")
        kind = "park" if name in ("park_per_capita", "service_rate") else None
        tiles.append(kpi([lamp, " ", _pick(pair, view)], _value(name, row.get(name)),
                         view.drill_objects("green_spaces", type=kind, opened_by=year),
                         tone="" if met else "alarm", note=f"{view.zh('目标', 'target')} {_target(name)} · {state}"))
    where = row.get("name") if row.get("region_code") != "city" else view.zh("全市", "Whole city")
    tiles.append(kpi(view.zh("常住人口", "Population"), compact(row.get("population", 0), view.language),
                     view.drill_objects("green_spaces", type="park", opened_by=year),
                     note=f"{where} · {view.zh('建成区', 'built-up')} {row.get('built_m2', 0) / 1e6:,.0f} km²"))
    return html.Div(tiles, className="kpi-row")


def region_map(data, view: View):
    table, shapes = data
    table = table[table["region_code"] != "city"]
    if table.empty:
        return empty(view)
    fig = figure(view, margin=(0, 0, 0, 0))
    texts = [f"{n}<br>{view.zh('绿化覆盖率', 'cover')} {percent(c)} · {view.zh('绿地率', 'green')} {percent(g)}<br>"
             f"{view.zh('人均公园绿地', 'park/person')} {p:.1f}㎡ · {view.zh('服务半径覆盖', 'served')} {percent(s)}"
             for n, c, g, p, s in zip(table["name"], table["cover_rate"], table["green_rate"],
                                      table["park_per_capita"], table["service_rate"])]
    fig.add_choropleth(
        geojson=shapes, locations=table["region_code"], z=table["met"], featureidkey="properties.code",
        zmin=0, zmax=4, colorscale=[[0, "#ff5a6e"], [0.5, "#ffb547"], [1, "#3ee08f"]],
        marker={"line": {"color": "rgba(0, 212, 255, 0.65)", "width": 0.06 * view.rem}},
        colorbar={"thickness": 0.6 * view.rem, "len": 0.7, "x": 0.98, "tickvals": [0, 1, 2, 3, 4],
                  "tickfont": {"size": TICK * view.rem, "color": MUTED},
                  "title": {"text": view.zh("达标项", "Met"), "font": {"size": TICK * view.rem, "color": MUTED}}},
        text=texts, customdata=[board_link(view, region=r) for r in table["region_code"]],
        hovertemplate="%{text}<extra></extra>",
    )
    fig.update_geos(fitbounds="locations", visible=False, bgcolor="rgba(0,0,0,0)", projection_type="mercator")
    return graph("landscaping.region_map", fig)


def inventory(data: dict, view: View):
    year = data["year"]
    spaces = data["spaces"]

    def space(kind, label):
        s = spaces[kind]
        return kpi(label, number(s["count"]), view.drill_objects("green_spaces", type=kind, opened_by=year),
                   note=f"{s['area_m2'] / 1e4:,.0f} {view.zh('公顷', 'ha')}")

    return html.Div([
        space("park", view.zh("公园绿地", "Parks")),
        space("attached", view.zh("附属绿地", "Attached green")),
        space("protective", view.zh("防护绿地", "Protective green")),
        space("regional", view.zh("区域绿地", "Regional green")),
        kpi(view.zh("行道树", "Street trees"), number(data["trees"]),
            view.drill_objects("street_trees", planted_by=year), note=view.zh("株", "trees")),
        kpi(view.zh("古树名木", "Ancient trees"), number(data["ancient"]), view.drill_objects("ancient_trees"),
            note=view.zh("株", "trees")),
    ], className="kpi-row")


def tree_species(df, view: View):
    if df.empty:
        return empty(view)
    df = df.head(8).iloc[::-1]
    year = view.scope.day_to.year
    fig = figure(view, margin=(0.4, 2.6, 0.2, 0.4))
    fig.add_bar(y=df["species"], x=df["trees"], orientation="h", marker={"color": SERIES[6], "line": {"width": 0}},
                text=[number(v) for v in df["trees"]], textposition="outside", cliponaxis=False,
                textfont={"size": TICK * view.rem, "color": MUTED},
                customdata=[view.drill_objects("street_trees", species=s, planted_by=year) for s in df["species"]],
                hovertemplate="%{y} %{x}<extra></extra>")
    fig.update_xaxes(showgrid=False, showticklabels=False)
    return graph("landscaping.tree_species", fig)


def ancient_map(data, view: View):
    df, shapes = data
    fig = outline_map(view, shapes)
    for grade in (3, 2, 1, 0):
        part = df[df["grade"] == grade]
        if part.empty:
            continue
        name = _pick(land.GRADES[grade], view)
        fig.add_scattergeo(
            lon=part["lon"], lat=part["lat"], mode="markers", name=f"{name} {len(part)}",
            marker={"size": (0.55 if grade == 3 else 0.75) * view.rem, "color": GRADE_COLORS[grade],
                    "line": {"width": 0}, "opacity": 0.9},
            text=[f"{s} · {a}{view.zh('年', ' yrs')} · {_pick(land.PROTECTION.get(p, (p, p)), view)}"
                  for s, a, p in zip(part["species"], part["age_years"], part["protection"])],
            customdata=[f"/object/ancient_trees/{c}" for c in part["code"]],
            hovertemplate=f"{name} %{{text}}<extra></extra>")
    fig.update_geos(fitbounds="locations", visible=False, bgcolor="rgba(0,0,0,0)", projection_type="mercator")
    fig.update_layout(legend={"orientation": "v", "x": 0, "y": 0, "yanchor": "bottom"})
    return graph("landscaping.ancient_map", fig)


def ancient_grades(df, view: View):
    if df.empty:
        return empty(view)
    counts = df.groupby("grade").size()
    grades = [g for g in (1, 2, 3, 0) if counts.get(g, 0)]
    return donut("landscaping.ancient_grades", [_pick(land.GRADES[g], view) for g in grades],
                 [int(counts[g]) for g in grades], [view.drill_objects("ancient_trees", grade=g) for g in grades],
                 view, centre=number(int(counts.sum())))


def work(data: dict, view: View):
    done_rate = data["done"] / data["planned"] if data["planned"] else None
    return html.Div([
        kpi(view.zh("计划作业", "Planned"), number(data["planned"]), view.drill_objects("green_inspections"),
            note=view.zh("全部作业", "all work")),
        kpi(view.zh("已完成", "Done"), number(data["done"]), view.drill_objects("green_inspections", done=1),
            note=f"{view.zh('完成率', 'rate')} {percent(done_rate)}"),
        kpi(view.zh("发现问题", "Found problems"), number(data["with_problems"]),
            view.drill_objects("green_inspections", problems=1), tone="alarm" if data["with_problems"] else "",
            note=f"{number(data['problems'])} {view.zh('处问题', 'problems')}"),
        kpi(view.zh("防台加固", "Typhoon work"), number(data["by_work"]["typhoon"]["planned"]),
            view.drill_objects("green_inspections", work="typhoon"),
            note=f"{view.zh('修剪', 'pruning')} {number(data['by_work']['pruning']['planned'])}"),
    ], className="kpi-row")


def work_trend(df, view: View):
    if df.empty:
        return empty(view)
    fig = figure(view, legend=True, margin=(0.4, 0.6, 1.8, 0.4))
    day_link = lambda d, **p: view.drill_objects("green_inspections", range="custom", **{"from": str(d), "to": str(d)}, **p)
    fig.add_bar(x=df["day"], y=df["problems"], name=view.zh("发现问题", "Problems"), marker={"color": SERIES[5]},
                opacity=0.75, customdata=[day_link(d, problems=1) for d in df["day"]],
                hovertemplate="%{x|%m-%d} " + view.zh("发现问题", "problems") + " %{y}<extra></extra>")
    for column, name, color, extra in (("planned", view.zh("计划", "Planned"), SERIES[0], {}),
                                       ("done", view.zh("完成", "Done"), SERIES[6], {"done": 1}),
                                       ("tree_work", view.zh("树木作业", "Tree work"), SERIES[3], {})):
        fig.add_scatter(x=df["day"], y=df[column], name=name, mode="lines",
                        line={"color": color, "width": 0.15 * view.rem, "shape": "spline", "smoothing": 0.5},
                        customdata=[day_link(d, **extra) for d in df["day"]],
                        hovertemplate="%{x|%m-%d} " + name + " %{y}<extra></extra>")
    fig.update_xaxes(tickformat="%m-%d")
    return graph("landscaping.work_trend", fig)


def cases(df, view: View):
    if df.empty:
        return empty(view)
    events = df[df["code"].isin(land.CASE_CATEGORIES)]
    parts = [(f"{r.name}", int(r.reported), int(r.closed_on_time), int(r.closed), view.drill(category=r.code))
             for r in events.itertuples()]
    comp = df[df["major"] == land.COMPONENT_MAJOR]
    if len(comp):
        parts.append((view.zh("园林绿化设施(04)", "Green facilities (04)"), int(comp["reported"].sum()),
                      int(comp["closed_on_time"].sum()), int(comp["closed"].sum()), view.drill(major=land.COMPONENT_MAJOR)))
    parts = parts[::-1]
    fig = figure(view, margin=(0.4, 7.5, 0.2, 0.4))
    fig.add_bar(y=[p[0] for p in parts], x=[p[1] for p in parts], orientation="h",
                marker={"color": SERIES[1], "line": {"width": 0}},
                text=[f"{p[1]} · {view.zh('按期', 'on time')} {percent(p[2] / p[3]) if p[3] else '—'}" for p in parts],
                textposition="outside", cliponaxis=False, textfont={"size": TICK * view.rem, "color": MUTED},
                customdata=[p[4] for p in parts], hovertemplate="%{y} %{x}<extra></extra>")
    fig.update_xaxes(showgrid=False, showticklabels=False)
    return graph("landscaping.cases", fig)


register(
    Panel("landscaping.indicators", "园林绿化指标（GB/T 50563）", "Green indicators (GB/T 50563)",
          land.headline_indicators, indicators, refresh_seconds=600),
    Panel("landscaping.region_map", "镇街达标情况", "Towns meeting the targets",
          lambda url, scope: (land.indicators(url, scope), boards.region_shapes(url, scope.city)), region_map, refresh_seconds=600),
    Panel("landscaping.inventory", "绿地资源", "Green inventory", land.inventory, inventory, refresh_seconds=300),
    Panel("landscaping.tree_species", "行道树树种 TOP8", "Street trees top 8 species", land.tree_species, tree_species,
          refresh_seconds=300),
    Panel("landscaping.ancient_map", "古树名木分布", "Ancient trees map", land.ancient_map, ancient_map,
          refresh_seconds=600),
    Panel("landscaping.ancient_grades", "古树名木保护级别", "Ancient trees by grade", land.ancient_trees, ancient_grades,
          refresh_seconds=600),
    Panel("landscaping.work", "养护作业", "Maintenance work", land.work_summary, work, refresh_seconds=60),
    Panel("landscaping.work_trend", "养护作业趋势", "Maintenance trend", land.work_daily, work_trend, refresh_seconds=60),
    Panel("landscaping.cases", "园林绿化案件", "Landscaping cases", land.case_table, cases, refresh_seconds=60),
)
