"""Shared pieces for panel builders: the Plotly theme in rem, graphs that drill down, KPI tiles.

Plotly sizes fonts in pixels, so every size here is a multiple of the browser's rem (View.rem),
which keeps charts crisp and proportional at 1080p, 4K and on video walls.
A point drills down through its `customdata`: the /cases link it opens.
"""
from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc, html

from dashboard.panels import View

TEXT = "#dcebff"
MUTED = "#7f9cc6"
GRIDLINE = "rgba(120, 170, 230, 0.14)"
SERIES = ["#00d4ff", "#19e3c1", "#1a7dff", "#ffb547", "#a78bfa", "#ff5a6e", "#3ee08f", "#f472b6"]
LAMP_COLORS = {"green": "#3ee08f", "yellow": "#ffb547", "red": "#ff5a6e"}
TOPOJSON_URL = "/assets/vendor/topojson/"  # geo charts load their world outline from here, not a CDN
GRADE_COLORS = {"A": "#3ee08f", "B": "#19e3c1", "C": "#ffb547", "D": "#ff8a4c", "E": "#ff5a6e"}


def figure(view: View, *, legend: bool = False, margin=(0.6, 0.6, 0.5, 1.6), **layout) -> go.Figure:
    """An empty themed figure; margin is (left, right, top, bottom) in rem."""
    rem = view.rem
    left, right, top, bottom = (m * rem for m in margin)
    fig = go.Figure()
    fig.update_layout(
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"family": '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif',
              "color": TEXT, "size": 0.8 * rem},
        margin={"l": left, "r": right, "t": top, "b": bottom, "pad": 0},
        showlegend=legend,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font": {"size": 0.75 * rem, "color": MUTED}},
        hoverlabel={"font": {"size": 0.8 * rem}},
        colorway=SERIES,
        xaxis={"gridcolor": GRIDLINE, "zeroline": False, "tickfont": {"size": 0.7 * rem, "color": MUTED},
               "automargin": True},
        yaxis={"gridcolor": GRIDLINE, "zeroline": False, "tickfont": {"size": 0.7 * rem, "color": MUTED},
               "automargin": True},
        **layout,
    )
    return fig


def graph(panel_id: str, fig: go.Figure) -> dcc.Graph:
    """A chart whose clicks drill down (callbacks/panels.py reads the point's customdata)."""
    return dcc.Graph(
        id={"type": "panel-graph", "id": panel_id}, figure=fig, responsive=True,
        config={"displayModeBar": False, "displaylogo": False, "topojsonURL": TOPOJSON_URL},
        className="panel-graph",
    )


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
                textfont={"size": 0.68 * view.rem, "color": "#021022"}, marker={"colors": SERIES}, customdata=links,
                hovertemplate="%{label} %{value}<extra></extra>", domain={"x": [0, 0.6]})
    fig.update_layout(legend={"orientation": "v", "x": 1, "xanchor": "right", "y": 0.5, "yanchor": "middle"},
                      uniformtext={"minsize": 0.6 * view.rem, "mode": "hide"})
    if centre:
        fig.add_annotation(text=centre, x=0.31, y=0.5, xref="paper", yref="paper", showarrow=False,
                           font={"size": 1.1 * view.rem, "color": "#eaf4ff"})
    return graph(panel_id, fig)
