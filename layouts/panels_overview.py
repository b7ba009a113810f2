"""Panels of the 综合首页 (overview) board."""
from __future__ import annotations

import pandas as pd
from dash import dcc, html

from dashboard.i18n import number
from dashboard.panels import Panel, View, register
from data_access import boards
from data_access.clock import LOCAL_OFFSET
from data_access.lifecycle import STATUS_LABELS
from data_access.vocabulary import SOURCES, label

from .charts import GRADE_COLORS, MUTED, SERIES, donut, empty, figure, graph, kpi, percent


def kpis(data: dict, view: View):
    day, month, year = data["day"], data["month"], data["year"]
    today = view.zh("今日", "Today")
    this_month = view.zh("本月", "Month")
    day_range = {"range": "custom", "from": str(day["day_from"]), "to": str(view.scope.day_to)}
    month_range = {"range": "custom", "from": str(month["day_from"]), "to": str(view.scope.day_to)}
    year_range = {"range": "custom", "from": str(year["day_from"]), "to": str(view.scope.day_to)}
    return html.Div([
        kpi(f"{today}{view.zh('上报', ' reported')}", number(day["reported"]), view.drill(**day_range)),
        kpi(f"{today}{view.zh('立案', ' filed')}", number(day["filed"]), view.drill(**day_range, measure="filed")),
        kpi(f"{today}{view.zh('结案', ' closed')}", number(day["closed"]), view.drill(**day_range, measure="closed")),
        kpi(f"{this_month}{view.zh('结案率', ' closing rate')}", percent(month["closing_rate"]),
            view.drill(**month_range, measure="closed"), note=f"{number(month['closed'])} / {number(month['due_closing'])}"),
        kpi(f"{this_month}{view.zh('按期结案率', ' on-time closing')}", percent(month["on_time_closing_rate"]),
            view.drill(**month_range, measure="closed_on_time"),
            note=f"{number(month['closed_on_time'])} / {number(month['due_closing'])}"),
        kpi(view.zh("在办", "Open"), number(year["open"]), view.drill(**year_range, measure="open")),
        kpi(view.zh("超期", "Overdue"), number(year["overdue"]), view.drill(**year_range, measure="overdue"),
            tone="alarm" if year["overdue"] else ""),
    ], className="kpi-row")


def case_trend(df, view: View):
    fig = figure(view, legend=True, margin=(0.4, 0.6, 1.6, 0.4))
    for measure, name, color in (("reported", view.zh("上报", "Reported"), SERIES[0]),
                                 ("closed", view.zh("结案", "Closed"), SERIES[1])):
        fig.add_scatter(x=df["day"], y=df[measure], name=name, mode="lines+markers",
                        line={"color": color, "width": 0.15 * view.rem, "shape": "spline", "smoothing": 0.6},
                        marker={"size": 0.35 * view.rem}, fill="tozeroy" if measure == "reported" else None,
                        fillcolor="rgba(0, 212, 255, 0.08)",
                        customdata=[view.drill_day(d, measure=measure) for d in df["day"]],
                        hovertemplate="%{x|%m-%d} " + name + " %{y}<extra></extra>")
    fig.update_xaxes(tickformat="%m-%d")
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
        textfont={"size": 0.72 * view.rem, "color": "#021022"}, connector={"fillcolor": "rgba(0,212,255,0.07)"},
        marker={"color": ["#00d4ff", "#00c2f0", "#0aaee0", "#1496d4", "#1a7dff", "#19c6b0", "#19e3c1"],
                "line": {"width": 0}},
        customdata=[view.drill(measure=m) for m in FUNNEL], hovertemplate="%{y} %{x}<extra></extra>",
    )
    fig.update_layout(funnelgap=0.12)
    fig.update_yaxes(tickfont={"size": 0.8 * view.rem, "color": "#dcebff"})
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
                textfont={"size": 0.7 * view.rem, "color": MUTED}, cliponaxis=False,
                customdata=[view.drill(category=categories[c][0]) for c in df["category_id"]],
                hovertemplate="%{y} %{x}<extra></extra>")
    fig.update_yaxes(tickfont={"size": 0.75 * view.rem, "color": "#dcebff"})
    fig.update_xaxes(showgrid=False, showticklabels=False)
    return graph("overview.top_categories", fig)


def region_ranking(df, view: View):
    df = df.dropna(subset=["score"]).iloc[::-1]
    if df.empty:
        return empty(view)
    fig = figure(view, margin=(0.4, 2.4, 0.2, 0.4))
    fig.add_bar(y=df["name"], x=df["score"], orientation="h",
                marker={"color": [GRADE_COLORS[g] for g in df["grade"]], "line": {"width": 0}},
                text=[f"{s:.1f} {g}" for s, g in zip(df["score"], df["grade"])], textposition="outside",
                textfont={"size": 0.65 * view.rem, "color": "#dcebff"}, cliponaxis=False,
                customdata=[view.drill(region=r) for r in df["region_code"]],
                hovertemplate="%{y} " + view.zh("综合指标值", "score") + " %{x:.1f}<extra></extra>")
    low = max(0.0, float(df["score"].min()) - 5)
    fig.update_xaxes(range=[low, 100], showgrid=False, showticklabels=False)
    fig.update_yaxes(tickfont={"size": 0.62 * view.rem, "color": "#dcebff"})
    fig.update_layout(bargap=0.25)
    return graph("overview.region_ranking", fig)


def region_map(data, view: View):
    table, shapes = data
    table = table.dropna(subset=["score"])
    fig = figure(view, margin=(0, 0, 0, 0))
    fig.add_choropleth(
        geojson=shapes, locations=table["region_code"], z=table["score"], featureidkey="properties.code",
        colorscale=[[0, "#ff5a6e"], [0.5, "#ffb547"], [1, "#19e3c1"]], zmin=max(40.0, table["score"].min()),
        zmax=100, marker={"line": {"color": "rgba(0, 212, 255, 0.65)", "width": 0.06 * view.rem}},
        colorbar={"thickness": 0.5 * view.rem, "len": 0.6, "x": 0.98, "tickfont": {"size": 0.65 * view.rem, "color": MUTED},
                  "title": {"text": view.zh("综合指标值", "Score"), "font": {"size": 0.65 * view.rem, "color": MUTED}}},
        text=table["name"], customdata=[view.drill(region=r) for r in table["region_code"]],
        hovertemplate="%{text} %{z:.1f}<extra></extra>",
    )
    labels = {f["properties"]["code"]: f for f in shapes["features"]}
    lons, lats, texts = [], [], []
    for code, name in zip(table["region_code"], table["name"]):
        ring = labels[code]["geometry"]["coordinates"][0]
        lons.append(sum(p[0] for p in ring) / len(ring))
        lats.append(sum(p[1] for p in ring) / len(ring))
        texts.append(name.removesuffix("街道").removesuffix("镇"))
    fig.add_scattergeo(lon=lons, lat=lats, text=texts, mode="text", hoverinfo="skip",
                       textfont={"size": 0.6 * view.rem, "color": "#eaf4ff"})
    fig.update_geos(fitbounds="locations", visible=False, bgcolor="rgba(0,0,0,0)", projection_type="mercator")
    return graph("overview.region_map", fig)


def latest_cases(df, view: View):
    if df.empty:
        return empty(view)
    regions, categories = view.names["regions"], view.names["categories"]
    rows = [dcc.Link([
        html.Span(t.strftime("%H:%M"), className="feed-time"),
        html.Span(regions.get(r, r).removesuffix("街道").removesuffix("镇"), className="feed-region"),
        html.Span(categories[c][1], className="feed-category"),
        html.Span(STATUS_LABELS.get(s, s), className=f"feed-status status-{s}"),
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
    Panel("overview.region_ranking", "镇街综合排名", "Town ranking", boards.region_scores, region_ranking, refresh_seconds=120),
    Panel("overview.region_map", "镇街综合指标分布", "Town scores map",
          lambda url, scope: (boards.region_scores(url, scope), boards.region_shapes(url)), region_map, refresh_seconds=120),
    Panel("overview.latest_cases", "最新案件", "Latest cases", boards.latest_cases, latest_cases, refresh_seconds=15),
)
