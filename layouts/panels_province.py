"""Panels of the province view (全省一张网): every city on a map, in a table and a ranking.

A city's name, row or map shape opens its own overview board (`/board/overview?city=<code>`,
with the view's time range); its case count opens its cases.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pandas as pd
from dash import dcc, html

from dashboard.i18n import number
from dashboard.panels import Panel, View, register
from data_access import province

from .charts import (
    GRADE_COLORS,
    GRADE_RANGES,
    NO_GRADE_COLOR,
    TICK,
    empty,
    figure,
    grade_color,
    grade_key,
    graph,
    kpi,
    percent,
    rank_list,
)
from .panels_overview import range_label

NOT_CONNECTED_COLOR = "#263246"  # a city of the province without data here (未接入)
RANGE_KEYS = ("range", "from", "to")
TABLE_ENDS = 6  # rows at each end of a long city table


def city_board(view: View, code: str) -> str:
    """The city's overview board with this view's time range."""
    kept = [(k, v) for k, v in parse_qsl(view.search.lstrip("?")) if k in RANGE_KEYS]
    return "/board/overview?" + urlencode([("city", code), *kept])


def city_cases(view: View, code: str, **params) -> str:
    return view.drill(city=code, region=None, **params)


def _city_name(view: View, name: str, name_en: str) -> str:
    return view.zh(name.removesuffix("市"), name_en)


def kpis(data: dict, view: View):
    """Connected cities, and the province's cases and rates over the board's range."""
    totals, shapes = data["province"], data["shapes"]
    over = range_label(view)
    sep = "" if view.language == "zh" else " "
    everywhere = {"city": None, "region": None}
    score = totals["score"]
    return html.Div([
        kpi(view.zh("接入城市", "Cities connected"), f"{totals['cities']} / {len(shapes['features'])}",
            view.drill(**everywhere), note=view.zh("未接入的城市显示为灰色", "grey: not connected")),
        kpi(f"{over}{sep}{view.zh('案件数', 'cases')}", number(totals["reported"]), view.drill(**everywhere),
            note=view.zh("全省上报", "reported in the province")),
        kpi(f"{over}{sep}{view.zh('结案率', 'closing rate')}", percent(totals["closing_rate"]),
            view.drill(**everywhere, measure="closed"),
            note=f"{number(totals['closed'])} / {number(totals['due_closing'])}"),
        kpi(f"{over}{sep}{view.zh('按期结案率', 'on-time closing')}", percent(totals["on_time_closing_rate"]),
            view.drill(**everywhere, measure="closed_on_time"),
            note=f"{number(totals['closed_on_time'])} / {number(totals['due_closing'])}"),
        kpi(view.zh("综合指标", "Composite score"), "—" if pd.isna(score) else f"{score:.1f}",
            view.drill(**everywhere), note=view.zh(f"等级 {totals['grade'] or '—'}", f"grade {totals['grade'] or '—'}")),
        kpi(view.zh("超期未结案", "Overdue, not closed"), number(totals["overdue_unclosed"]),
            view.drill(**everywhere, measure="overdue_unclosed"), tone="alarm" if totals["overdue_unclosed"] else "",
            note=view.zh("当前已过处置时限", "past the handling limit now")),
    ], className="kpi-row")


def _headline(url: str, scope):
    return {"province": province.province_headline(url, scope), "shapes": province.province_shapes()}


def city_map(data, view: View):
    """Every city of the province: connected ones in their grade colours, the others grey."""
    table, shapes = data
    fig = figure(view, margin=(0, 0, 0, 0))
    rows = {code: row for code, row in zip(table["code"], table.itertuples())}
    features = shapes["features"]
    groups = [(f"{g} {GRADE_RANGES[g]}", GRADE_COLORS[g], [f for f in features if f["id"] in rows
                                                            and rows[f["id"]].grade == g]) for g in GRADE_COLORS]
    groups.append((view.zh("无案件", "no cases"), NO_GRADE_COLOR,
                   [f for f in features if f["id"] in rows and not isinstance(rows[f["id"]].grade, str)]))
    groups.append((view.zh("未接入", "not connected"), NOT_CONNECTED_COLOR, [f for f in features if f["id"] not in rows]))
    for name, color, part in groups:
        codes = [f["id"] for f in part]
        texts = []
        for f in part:
            row, city = rows.get(f["id"]), _city_name(view, f["properties"]["name"], f["properties"]["name_en"])
            if row is None:
                texts.append(f"{city} · {view.zh('未接入', 'not connected')}")
            elif isinstance(row.grade, str):
                texts.append(f"{city} {row.score:.1f} {row.grade} · {number(row.reported)} {view.zh('件', 'cases')}")
            else:
                texts.append(f"{city} · {view.zh('无案件', 'no cases')}")
        fig.add_choropleth(
            geojson=shapes, locations=codes, z=[1] * len(codes), featureidkey="properties.code",
            colorscale=[[0, color], [1, color]], showscale=False, name=name,
            marker={"line": {"color": "rgba(0, 212, 255, 0.65)", "width": 0.06 * view.rem}},
            text=texts, customdata=[city_board(view, c) if c in rows else None for c in codes],
            hovertemplate="%{text}<extra></extra>",
        )
    fig.add_scattergeo(
        lon=[f["properties"]["label"][0] for f in features], lat=[f["properties"]["label"][1] for f in features],
        text=[_city_name(view, f["properties"]["name"], f["properties"]["name_en"]) for f in features],
        mode="text", hoverinfo="skip", showlegend=False,
        textfont={"size": TICK * view.rem, "color": ["#eaf4ff" if f["id"] in rows else "#8393ab" for f in features]})
    west, south, east, north = _bounds(features)
    fig.update_geos(fitbounds=False, visible=False, bgcolor="rgba(0,0,0,0)", projection_type="mercator",
                    lonaxis_range=[west, east], lataxis_range=[south, north])
    key = grade_key(view, view.zh(f"{len(rows)} 个城市已接入 · {len(features) - len(rows)} 个未接入",
                                  f"{len(rows)} cities connected · {len(features) - len(rows)} not"))
    key.children.append(html.Span([html.Span(className="key-swatch", style={"background": NOT_CONNECTED_COLOR}),
                                   view.zh("未接入", "not connected")], className="key-item"))
    return html.Div([graph("province.city_map", fig), key], className="panel-stack")


def _bounds(features) -> tuple[float, float, float, float]:
    """West, south, east, north of the features' outer rings: the map fills its panel with them."""
    points = [p for f in features for polygon in _polygons(f["geometry"]) for p in polygon[0]]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def _polygons(geometry: dict) -> list:
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def city_table(table, view: View):
    """Per city: cases, 结案率, 按期结案率, composite score and grade; best score first (with many
    cities, the best and the worst TABLE_ENDS; the ranking beside it lists them all)."""
    if table.empty:
        return empty(view)
    truncated = len(table) > 2 * TABLE_ENDS
    if truncated:
        table = pd.concat([table.head(TABLE_ENDS), table.tail(TABLE_ENDS)])
    head = [view.zh("城市", "City"), view.zh("案件数", "Cases"), view.zh("结案率", "Closing"),
            view.zh("按期结案率", "On time"), view.zh("综合指标", "Score"), view.zh("等级", "Grade")]
    rows = []
    for row in table.itertuples():
        board = city_board(view, row.code)
        rows.append(html.Tr([
            html.Td(dcc.Link(_city_name(view, row.name, row.name_en), href=board)),
            html.Td(dcc.Link(number(row.reported), href=city_cases(view, row.code))),
            html.Td(dcc.Link(percent(row.closing_rate), href=board)),
            html.Td(dcc.Link(percent(row.on_time_closing_rate), href=board)),
            html.Td(dcc.Link("—" if pd.isna(row.score) else f"{row.score:.1f}", href=board)),
            html.Td(dcc.Link(row.grade if isinstance(row.grade, str) else "—", href=board, className="grade",
                             style={"background": grade_color(row.grade)})),
        ], className="city-row", **{"data-city": row.code}))
    if truncated:
        rows.insert(TABLE_ENDS, html.Tr(html.Td("⋯", colSpan=len(head), className="league-gap")))
    return html.Div(html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                               className="league league-province"), className="league-wrap")


def city_ranking(table, view: View):
    """The connected cities' composite scores on bars in their grade colours."""
    scored = table.dropna(subset=["score"])
    if scored.empty:
        return empty(view)
    rows = [(_city_name(view, name, name_en), score, grade, city_board(view, code))
            for name, name_en, score, grade, code in zip(scored["name"], scored["name_en"], scored["score"],
                                                         scored["grade"], scored["code"])]
    return rank_list(rows, view, per_column=11, note=view.zh(f"{len(rows)} 个城市", f"{len(rows)} cities"))


register(
    Panel("province.kpis", "全省指标", "Province figures", _headline, kpis, refresh_seconds=60),
    Panel("province.city_map", "全省一张网", "Province map", province.province_map, city_map, refresh_seconds=120),
    Panel("province.city_table", "各市指标", "Cities", province.city_scores, city_table, refresh_seconds=120),
    Panel("province.city_ranking", "各市综合排名", "City ranking", province.city_scores, city_ranking,
          refresh_seconds=120),
)
