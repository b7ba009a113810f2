"""Shared pieces for panel builders: the Plotly theme in rem, graphs that drill down, KPI tiles.

Plotly sizes fonts in pixels, so every size here is a multiple of the panel's rem (View.rem: the
browser's rem on a board, larger on a full-screen single panel), which keeps charts crisp and
proportional at 1080p, 4K and on video walls.
A point drills down through its `customdata`: the /cases link it opens.

Readable from across the hall: no chart text is smaller than MIN_TEXT rem (14 px at 1080p,
28 px at 4K). `figure` sets every size at or above it, and `graph` raises any font a builder
set smaller, so a new panel is readable without thinking about it. Text Plotly would have to
shrink below it to fit (a thin slice, a short bar) is hidden (uniformtext), never drawn tiny.
"""
from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc, html

from dashboard.i18n import plotly_config, plotly_layout
from dashboard.panels import View

TEXT = "#dcebff"
MUTED = "#7f9cc6"
GRIDLINE = "rgba(120, 170, 230, 0.14)"
SERIES = ["#00d4ff", "#19e3c1", "#1a7dff", "#ffb547", "#a78bfa", "#ff5a6e", "#3ee08f", "#f472b6"]
LAMP_COLORS = {"green": "#3ee08f", "yellow": "#ffb547", "red": "#ff5a6e"}
TOPOJSON_URL = "/assets/vendor/topojson/"  # geo charts load their world outline from here, not a CDN
# Fixed grade colours (A green … E red), the same on every chart, table and map: never a scale
# fitted to the data, so an A is green even when every area in view is an A.
GRADE_COLORS = {"A": "#3ee08f", "B": "#19e3c1", "C": "#ffb547", "D": "#ff8a4c", "E": "#ff5a6e"}
NO_GRADE_COLOR = "#3b5478"  # an area without cases in the range: no score, no grade
MIN_TEXT = 0.875  # rem; the smallest text on any board, map or panel
TICK = 0.9  # rem; axis ticks, legends, value labels
BASE = 1.0  # rem; everything else


def _floor_fonts(node, floor: float):
    """Raise every font size under `node` (a figure's JSON) to at least `floor` pixels."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict) and key.endswith("font") and isinstance(value.get("size"), (int, float, list)):
                size = value["size"]
                value["size"] = [max(v, floor) for v in size] if isinstance(size, list) else max(size, floor)
            elif key == "uniformtext" and isinstance(value, dict):
                value["minsize"] = max(value.get("minsize") or 0, floor)
            _floor_fonts(value, floor)
    elif isinstance(node, list):
        for item in node:
            _floor_fonts(item, floor)


def figure(view: View, *, legend: bool = False, margin=(0.6, 0.6, 0.5, 1.6), **layout) -> go.Figure:
    """An empty themed figure; margin is (left, right, top, bottom) in rem."""
    rem = view.rem
    left, right, top, bottom = (m * rem for m in margin)
    fig = go.Figure()
    fig.update_layout(
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"family": '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif',
              "color": TEXT, "size": BASE * rem},
        margin={"l": left, "r": right, "t": top, "b": bottom, "pad": 0},
        showlegend=legend,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font": {"size": TICK * rem, "color": MUTED}},
        hoverlabel={"font": {"size": BASE * rem}},
        uniformtext={"minsize": MIN_TEXT * rem, "mode": "hide"},
        colorway=SERIES,
        xaxis={"gridcolor": GRIDLINE, "zeroline": False, "tickfont": {"size": TICK * rem, "color": MUTED},
               "title": {"font": {"size": TICK * rem, "color": MUTED}}, "automargin": True},
        yaxis={"gridcolor": GRIDLINE, "zeroline": False, "tickfont": {"size": TICK * rem, "color": MUTED},
               "title": {"font": {"size": TICK * rem, "color": MUTED}}, "automargin": True},
        **layout,
    )
    # Numbers in the page's language: no k/M suffixes on Chinese axes (12,000, not 12k).
    fig.update_layout(plotly_layout(view.language))
    fig._cockpit_rem = rem  # graph() keeps every font of this figure at or above MIN_TEXT rem
    fig._cockpit_language = view.language  # graph() passes Plotly's locale for it
    return fig


def outline_map(view: View, shapes: dict) -> go.Figure:
    """A map figure whose basemap is the town outlines of `shapes` (GeoJSON with properties.code),
    for panels that draw points over the city."""
    fig = figure(view, legend=True, margin=(0, 0, 0, 0))
    codes = [f["properties"]["code"] for f in shapes["features"]]
    fig.add_choropleth(geojson=shapes, locations=codes, z=[0] * len(codes), featureidkey="properties.code",
                       colorscale=[[0, "rgba(0, 120, 200, 0.16)"], [1, "rgba(0, 120, 200, 0.16)"]], showscale=False,
                       marker={"line": {"color": "rgba(0, 212, 255, 0.45)", "width": 0.05 * view.rem}},
                       hoverinfo="skip", showlegend=False)
    return fig


def graph(panel_id: str, fig: go.Figure) -> dcc.Graph:
    """A chart whose clicks drill down (callbacks/panels.py reads the point's customdata).

    Fonts a builder set below MIN_TEXT rem are raised to it (figures made by `figure`)."""
    rem = getattr(fig, "_cockpit_rem", None)
    language = getattr(fig, "_cockpit_language", None) or _language()
    if rem:
        fig = fig.to_plotly_json()
        _floor_fonts(fig, MIN_TEXT * rem)
    return dcc.Graph(
        id={"type": "panel-graph", "id": panel_id}, figure=fig, responsive=True,
        config={"displayModeBar": False, "displaylogo": False, "topojsonURL": TOPOJSON_URL,
                **plotly_config(language)},
        className="panel-graph",
    )


def _language() -> str:
    """The app's language, for a figure not made by `figure` (Plotly's locale follows it)."""
    try:
        from dashboard.app import current_settings

        return current_settings().language
    except RuntimeError:  # outside a request (a unit test building a panel)
        return "zh"


def empty(view: View, zh: str = "暂无数据", en: str = "No data") -> html.Div:
    return html.Div(view.zh(zh, en), className="panel-empty")


def percent(value) -> str:
    return "—" if value is None or value != value else f"{100 * value:.1f}%"


def kpi(label: str, value: str, href: str, *, tone: str = "", note: str | None = None) -> dcc.Link:
    """A headline number that opens the cases behind it."""
    return dcc.Link([
        html.Div(label, className="kpi-label"),
        html.Div(value, className="kpi-value"),
        html.Div(note or "\u00a0", className="kpi-note"),
    ], href=href, className=f"kpi {tone}".strip())


def donut(panel_id: str, labels, values, links, view: View, centre: str | None = None) -> dcc.Graph:
    """A ring chart whose slices drill to `links` (None: no drill for that slice)."""
    fig = figure(view, legend=True, margin=(0.2, 0.2, 0.2, 0.2))
    fig.add_pie(labels=labels, values=values, hole=0.6, sort=False, textinfo="percent", textposition="inside",
                textfont={"size": TICK * view.rem, "color": "#021022"}, marker={"colors": SERIES}, customdata=links,
                hovertemplate="%{label} %{value}<extra></extra>", domain={"x": [0, 0.6]})
    fig.update_layout(legend={"orientation": "v", "x": 1, "xanchor": "right", "y": 0.5, "yanchor": "middle"})
    if centre:
        fig.add_annotation(text=centre, x=0.31, y=0.5, xref="paper", yref="paper", showarrow=False,
                           font={"size": 1.1 * view.rem, "color": "#eaf4ff"})
    return graph(panel_id, fig)


GRADE_RANGES = {"A": "≥ 90", "B": "75–90", "C": "60–75", "D": "40–60", "E": "< 40"}


def grade_color(grade) -> str:
    return GRADE_COLORS.get(grade, NO_GRADE_COLOR) if isinstance(grade, str) else NO_GRADE_COLOR


def rank_list(rows, view: View, *, per_column: int = 16, unit: str | None = None, note: str | None = None):
    """A ranking read at a glance: one bar per area from 0 to 100 on a labelled scale, coloured by
    its fixed grade colour, each row a link to the cases behind it.

    `rows` are (name, score, grade, href), best first. Up to 2 × `per_column` rows are shown in
    one or two columns; beyond that the best and the worst `per_column` are shown and `note`
    says how many are left out. Drawn in HTML so names and values keep the board's text size.
    """
    rows = list(rows)
    total = len(rows)
    scale = view.zh(f"{unit or '指标值'} 0–100", f"{unit or 'Score'} 0–100")
    note = f"{scale} · {note}" if note else scale
    if total > 2 * per_column:
        columns = [list(enumerate(rows[:per_column], 1)), list(enumerate(rows, 1))[-per_column:]]
        gap = view.zh(f"第 {per_column + 1}–{total - per_column} 名略", f"ranks {per_column + 1}–{total - per_column} left out")
        note = f"{note} · {gap}" if note else gap
    else:
        ranked = list(enumerate(rows, 1))
        height = -(-total // 2) if total > per_column else total
        columns = [ranked[:height], ranked[height:]] if total > per_column else [ranked]
    lines = max(len(c) for c in columns)

    def row(rank, name, score, grade, href):
        return dcc.Link([
            html.Span(str(rank), className="rank-no"),
            html.Span(name, className="rank-name", title=name),
            html.Span(html.Span(className="rank-fill", style={"width": f"{max(0.0, min(score, 100.0)):.1f}%",
                                                                "background": grade_color(grade)}),
                      className="rank-track"),
            html.Span(f"{score:.1f}", className="rank-value"),
            html.Span(grade or "—", className="rank-grade", style={"background": grade_color(grade)}),
        ], href=href, className="rank-row")

    def axis():
        return html.Div([
            html.Span(className="rank-axis-name"),
            html.Span([html.Span(str(t), className="rank-tick", style={"left": f"{t}%"}) for t in (0, 50, 100)],
                      className="rank-axis-track"),
        ], className="rank-row rank-axis")

    return html.Div([
        html.Div([html.Div([row(rank, *r) for rank, r in column] + [axis()], className="rank-col",
                           style={"gridTemplateRows": f"repeat({lines}, minmax(0, 1fr)) auto"})
                  for column in columns], className="rank-cols", style={"--rank-columns": str(len(columns))}),
        html.Div(note, className="rank-note") if note else None,
    ], className="rank")


def grade_key(view: View, note: str | None = None) -> html.Div:
    """The fixed grade colours as a key: all five grades and "no cases", whatever is in view."""
    items = [html.Span([html.Span(className="key-swatch", style={"background": GRADE_COLORS[g]}), f"{g} {r}"],
                       className="key-item") for g, r in GRADE_RANGES.items()]
    items.append(html.Span([html.Span(className="key-swatch", style={"background": NO_GRADE_COLOR}),
                            view.zh("无案件", "no cases")], className="key-item"))
    return html.Div([html.Span(note, className="key-note") if note else None, *items], className="grade-key")
