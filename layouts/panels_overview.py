"""Panels of the 综合首页 (overview) board."""
from __future__ import annotations

import pandas as pd
from dash import dcc, html

from dashboard import urlstate
from dashboard.i18n import number
from dashboard.panels import Panel, View, register
from data_access import boards
from data_access.clock import LOCAL_OFFSET
from data_access.lifecycle import status_label
from data_access.vocabulary import SOURCES, label

from .charts import (BASE, GRADE_COLORS, GRADE_RANGES, MUTED, NO_GRADE_COLOR, SERIES, TICK, donut, empty, figure,
                     grade_key, graph, kpi, percent, rank_list)


def range_label(view: View) -> str:
    """The board's range in words: 近30天, 本月 … or the dates of a custom range."""
    name = urlstate.range_name_of(view.search)
    if name == "custom":
        scope = view.scope
        return f"{scope.day_from:%m-%d}–{scope.day_to:%m-%d}"
    return urlstate.RANGES[name][0 if view.language == "zh" else 1]


def kpis(data: dict, view: View):
    """Three tiles of the range's last day, two rates over the board's range, and open cases
    now; each label names the range it counts, so a changed range reads on the strip."""
    day, ranged, year = data["day"], data["range"], data["year"]
    last = view.scope.day_to
    on_day = view.zh("今日", "Today") if last == view.today else f"{last:%m-%d}"
    over = range_label(view)
    sep = "" if view.language == "zh" else " "
    day_range = {"range": "custom", "from": str(day["day_from"]), "to": str(last)}
    year_range = {"range": "custom", "from": str(year["day_from"]), "to": str(last)}
    return html.Div([
        kpi(f"{on_day}{sep}{view.zh('上报', 'reported')}", number(day["reported"]), view.drill(**day_range)),
        kpi(f"{on_day}{sep}{view.zh('立案', 'filed')}", number(day["filed"]), view.drill(**day_range, measure="filed")),
        kpi(f"{on_day}{sep}{view.zh('结案', 'closed')}", number(day["closed"]), view.drill(**day_range, measure="closed")),
        kpi(f"{over}{sep}{view.zh('结案率', 'closing rate')}", percent(ranged["closing_rate"]),
            view.drill(measure="closed"), note=f"{number(ranged['closed'])} / {number(ranged['due_closing'])}"),
        kpi(f"{over}{sep}{view.zh('按期结案率', 'on-time closing')}", percent(ranged["on_time_closing_rate"]),
            view.drill(measure="closed_on_time"),
            note=f"{number(ranged['closed_on_time'])} / {number(ranged['due_closing'])}"),
        kpi(view.zh("在办", "Open"), number(year["open"]), view.drill(**year_range, measure="open"),
            note=view.zh("近一年上报", "reported in the last year")),
        kpi(view.zh("超期", "Overdue"), number(year["overdue"]), view.drill(**year_range, measure="overdue"),
            tone="alarm" if year["overdue"] else "", note=view.zh("当前处置超时", "handling late now")),
    ], className="kpi-row")


TREND_COLORS = {"reported": SERIES[0], "closed": SERIES[4]}  # cyan and violet: two clearly different series


def case_trend(df, view: View):
    unit = view.zh("件", "cases")
    fig = figure(view, legend=True, margin=(0.4, 0.6, 1.6, 0.4))
    for measure, name, symbol in (("reported", view.zh("上报", "Reported"), "circle"),
                                  ("closed", view.zh("结案", "Closed"), "diamond")):
        color = TREND_COLORS[measure]
        fig.add_scatter(x=df["day"], y=df[measure], name=name, mode="lines+markers",
                        line={"color": color, "width": 0.15 * view.rem, "shape": "spline", "smoothing": 0.6,
                              "dash": "solid" if measure == "reported" else "dot"},
                        marker={"size": 0.4 * view.rem, "symbol": symbol}, fill="tozeroy" if measure == "reported" else None,
                        fillcolor="rgba(0, 212, 255, 0.08)",
                        customdata=[view.drill_day(d, measure=measure) for d in df["day"]],
                        hovertemplate="%{x|%m-%d} " + name + " %{y} " + unit + "<extra></extra>")
    fig.update_xaxes(tickformat="%m-%d")
    fig.update_yaxes(title={"text": view.zh("件/日", "cases per day"), "standoff": 0.3 * view.rem},
                     rangemode="tozero")
    return graph("overview.case_trend", fig)


FUNNEL = ("reported", "filed", "dispatched", "handled", "fed_back", "verified", "closed")
FUNNEL_LABELS = {"reported": ("上报", "Reported"), "filed": ("立案", "Filed"), "dispatched": ("派遣", "Dispatched"),
                 "handled": ("处置", "Handled"), "fed_back": ("反馈", "Fed back"), "verified": ("核查", "Verified"),
                 "closed": ("结案", "Closed")}


def funnel(df, view: View):
    row = df.iloc[0]
    fig = figure(view, margin=(0.4, 0.4, 0.2, 0.2))
    fig.add_funnel(
        y=[view.zh(*FUNNEL_LABELS[m]) for m in FUNNEL], x=[int(row[m]) for m in FUNNEL],
        texttemplate="%{value:,}  (%{percentInitial:.1%})", textposition="inside", constraintext="none",
        textfont={"size": TICK * view.rem, "color": "#021022"}, connector={"fillcolor": "rgba(0,212,255,0.07)"},
        marker={"color": ["#00d4ff", "#00c2f0", "#0aaee0", "#1496d4", "#1a7dff", "#19c6b0", "#19e3c1"],
                "line": {"width": 0}},
        customdata=[view.drill(measure=m) for m in FUNNEL], hovertemplate="%{y} %{x}<extra></extra>",
    )
    fig.update_layout(funnelgap=0.12)
    fig.update_yaxes(tickfont={"size": BASE * view.rem, "color": "#dcebff"})
    return graph("overview.funnel", fig)


def source_mix(df, view: View):
    df = df[df["reported"] > 0].sort_values("reported", ascending=False)
    if df.empty:
        return empty(view)
    return donut("overview.source_mix", [label(SOURCES, s, view.language) for s in df["source"]], df["reported"],
                 [view.drill(source=s) for s in df["source"]], view)


def top_categories(df, view: View):
    categories = view.names["categories"]
    df = df[df["reported"] > 0].nlargest(10, "reported").iloc[::-1]
    if df.empty:
        return empty(view)
    fig = figure(view, margin=(0.4, 1.6, 0.2, 0.4))
    fig.add_bar(y=[categories[c][1] for c in df["category_id"]], x=df["reported"], orientation="h",
                marker={"color": SERIES[0], "line": {"width": 0}}, text=df["reported"], textposition="outside",
                textfont={"size": TICK * view.rem, "color": MUTED}, cliponaxis=False, constraintext="none",
                customdata=[view.drill(category=categories[c][0]) for c in df["category_id"]],
                hovertemplate="%{y} %{x}<extra></extra>")
    fig.update_yaxes(tickfont={"size": TICK * view.rem, "color": "#dcebff"}, dtick=1)
    fig.update_xaxes(showgrid=False, showticklabels=False)
    return graph("overview.top_categories", fig)


def _area_drill(view: View, level: str, code: str) -> str:
    return view.drill(community=code) if level == "community" else view.drill(region=code)


def _short(name: str) -> str:
    for suffix in ("街道", "镇", "社区", "村"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


def _area_note(table, view: View, idle: bool = True) -> str:
    """Which areas a ranking or map shows: the 镇街, or one 镇街's 社区, and those without cases."""
    scored = int(table["score"].notna().sum())
    idle = len(table) - scored if idle else 0
    if view.scope.region:
        town = view.names["regions"].get(view.scope.region, view.scope.region)
        text = view.zh(f"{town} · {scored} 个社区", f"{town} · {scored} communities")
    else:
        text = view.zh(f"{scored} 个镇街", f"{scored} towns")
    if idle:
        text += view.zh(f"（{idle} 个无案件）", f" ({idle} without cases)")
    return text


def region_ranking(df, view: View):
    """Towns, or one town's communities, on bars from 0 to 100 in their grade colours."""
    scored = df.dropna(subset=["score"])
    if scored.empty:
        return empty(view)
    rows = [(_short(name), score, grade, _area_drill(view, level, code))
            for name, score, grade, level, code in zip(scored["name"], scored["score"], scored["grade"],
                                                       scored["level"], scored["code"])]
    return rank_list(rows, view, note=_area_note(df, view, idle=False))


def region_map(data, view: View):
    """Towns, or one town's communities, filled with their fixed grade colours."""
    table, shapes = data
    if not shapes["features"]:
        return empty(view)
    fig = figure(view, margin=(0, 0, 0, 0))
    level = table["level"].iloc[0] if len(table) else "region"
    groups = [(g, f"{g} {GRADE_RANGES[g]}", GRADE_COLORS[g], table[table["grade"] == g]) for g in GRADE_COLORS]
    groups.append((None, view.zh("无案件", "no cases"), NO_GRADE_COLOR, table[table["score"].isna()]))
    for grade, name, color, part in groups:
        # One trace per grade with a one-colour scale: the legend is the grade key, always all five.
        fig.add_choropleth(
            geojson=shapes, locations=list(part["code"]), z=[1] * len(part), featureidkey="properties.code",
            colorscale=[[0, color], [1, color]], showscale=False, name=name,
            marker={"line": {"color": "rgba(0, 212, 255, 0.65)", "width": 0.06 * view.rem}},
            text=[f"{n} {s:.1f} {grade}" if grade else f"{n}" for n, s in zip(part["name"], part["score"])],
            customdata=[_area_drill(view, level, c) for c in part["code"]],
            hovertemplate="%{text}<extra></extra>",
        )
    lons, lats, texts = _map_labels(table, shapes)
    fig.add_scattergeo(lon=lons, lat=lats, text=texts, mode="text", hoverinfo="skip", showlegend=False,
                       textfont={"size": TICK * view.rem, "color": "#eaf4ff"})
    fig.update_geos(fitbounds="locations", visible=False, bgcolor="rgba(0,0,0,0)", projection_type="mercator")
    return html.Div([graph("overview.region_map", fig), grade_key(view, _area_note(table, view))],
                    className="panel-stack")


MAP_REM = (40.0, 14.5)  # the map's drawing box on its board, in rem (at every resolution)


def _map_labels(table, shapes, box=MAP_REM):
    """Names to write on the map, at the shapes' centres: only where a name at TICK rem fits in its
    shape's box and overlaps no larger shape's name, so labels stay readable and never pile up
    (every shape still names itself on hover and in the ranking)."""
    features = {f["properties"]["code"]: f for f in shapes["features"]}
    rings = {code: _outer_ring(features[code]["geometry"]) for code in table["code"] if code in features}
    if not rings:
        return [], [], []
    points = [p for ring in rings.values() for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    scale = min(box[0] / max(east - west, 1e-9), box[1] / max(north - south, 1e-9))  # rem per degree
    placed, lons, lats, texts = [], [], [], []
    names = dict(zip(table["code"], table["name"]))
    by_size = sorted(rings, key=lambda c: -(max(p[0] for p in rings[c]) - min(p[0] for p in rings[c]))
                     * (max(p[1] for p in rings[c]) - min(p[1] for p in rings[c])))
    for code in by_size:
        ring = rings[code]
        text = _short(names[code])
        width, height = TICK * (len(text) + 0.4), TICK * 1.3
        shape_w = (max(p[0] for p in ring) - min(p[0] for p in ring)) * scale
        shape_h = (max(p[1] for p in ring) - min(p[1] for p in ring)) * scale
        lon, lat = sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)
        x, y = (lon - west) * scale, (north - lat) * scale
        label = (x - width / 2, y - height / 2, x + width / 2, y + height / 2)
        if shape_w < 0.8 * width or shape_h < height:
            continue
        if any(label[0] < o[2] and o[0] < label[2] and label[1] < o[3] and o[1] < label[3] for o in placed):
            continue
        placed.append(label)
        lons.append(lon)
        lats.append(lat)
        texts.append(text)
    return lons, lats, texts


def _outer_ring(geometry: dict) -> list:
    """The outer ring of a Polygon, or of a MultiPolygon's largest part (by point count)."""
    if geometry["type"] == "MultiPolygon":
        return max((poly[0] for poly in geometry["coordinates"]), key=len)
    return geometry["coordinates"][0]


def latest_cases(df, view: View):
    if df.empty:
        return empty(view)
    regions, categories = view.names["regions"], view.names["categories"]
    rows = [dcc.Link([
        html.Span(t.strftime("%H:%M"), className="feed-time"),
        html.Span(regions.get(r, r).removesuffix("街道").removesuffix("镇"), className="feed-region"),
        html.Span(categories[c][1], className="feed-category"),
        html.Span(status_label(s, view.language), className=f"feed-status status-{s}"),
    ], href=f"/case/{no}", className="feed-row" + (" urgent" if u == "urgent" else ""))
        for no, t, r, c, s, u in zip(df["case_no"], pd.to_datetime(df["reported_at"]) + LOCAL_OFFSET,
                                     df["region_code"], df["category_id"],
                                     df["status"], df["urgency"])]
    return html.Div(html.Div(rows + rows, className="feed-track"), className="feed")


register(
    Panel("overview.kpis", "核心指标", "Headline figures", boards.headline, kpis, refresh_seconds=30),
    Panel("overview.case_trend", "案件趋势", "Case trend", boards.daily, case_trend),
    Panel("overview.funnel", "七步闭环", "Seven-step loop", lambda url, scope: boards.counts(url, scope), funnel),
    Panel("overview.source_mix", "案件来源", "Case sources", lambda url, scope: boards.counts(url, scope, ("source",)),
          source_mix),
    Panel("overview.top_categories", "高发问题 TOP10", "Top 10 problems",
          lambda url, scope: boards.counts(url, scope, ("category_id",)), top_categories),
    Panel("overview.region_ranking", "综合排名", "Score ranking", boards.area_scores, region_ranking,
          refresh_seconds=120),
    Panel("overview.region_map", "综合指标分布", "Score map",
          lambda url, scope: (boards.area_scores(url, scope), boards.area_shapes(url, scope.region, scope.city)), region_map,
          refresh_seconds=120),
    Panel("overview.latest_cases", "最新案件", "Latest cases", boards.latest_cases, latest_cases, refresh_seconds=15),
)
