"""Panels of the 城管形象 (public image) board: satisfaction, 12345, public opinion, recognition."""
from __future__ import annotations

import pandas as pd
from dash import dcc, html
from plotly.subplots import make_subplots

from dashboard.i18n import compact, number
from dashboard.panels import Panel, View, register
from data_access import image

from .charts import LAMP_COLORS, MUTED, SERIES, TEXT, empty, figure, graph, percent
from .panels_enforcement import F, ROWS, hbar, kpi, kpi_row, label, short_town, small_axes

WEEKLY_AFTER_DAYS = 62  # longer ranges are drawn by week
WEEKLY_SENTIMENT_AFTER_DAYS = 21  # a few reports a day: weekly sooner
SENTIMENT_COLORS = {"positive": LAMP_COLORS["green"], "neutral": "#5f7ea8", "negative": LAMP_COLORS["red"]}


def _rate(a, b) -> str:
    return percent(a / b) if b else "—"


def headline(url, scope) -> dict:
    """Everything the KPI row shows, from the same data functions as the panels."""
    return {"visits": image.visits(url, scope), "tickets": image.tickets(url, scope),
            "media": image.media(url, scope), "feedback": image.feedback(url, scope)}


def kpis(data: dict, view: View):
    v = data["visits"].iloc[0]
    t = data["tickets"].iloc[0]
    media = data["media"].set_index("sentiment")["reports"]
    fb = data["feedback"].groupby("kind")["count"].sum()
    rv, tk = "return_visits", "hotline_tickets"
    tiles = [
        kpi(view.zh("回访", "Visited"), number(int(v["visited"])), view.drill_objects(rv),
            note=view.zh("接通 ", "reached ") + _rate(v["reached"], v["visited"])),
        kpi(view.zh("回访满意率", "Satisfaction"), percent(v["rate"]), view.drill_objects(rv, satisfied="1"),
            note=f"{number(int(v['satisfied']))} / {number(int(v['reached']))}"),
        kpi(view.zh("12345 受理", "12345 received"), number(int(t["received"])), view.drill_objects(tk)),
        kpi(view.zh("响应率", "Answered in time"), percent(t["response_rate"]), view.drill_objects(tk, responded="1"),
            note=number(int(t["responded"]))),
        kpi(view.zh("办结率", "Closing rate"), percent(t["closing_rate"]), view.drill_objects(tk, closed="1"),
            note=number(int(t["closed"]))),
        kpi(view.zh("12345 满意率", "12345 satisfaction"), percent(t["satisfaction"]),
            view.drill_objects(tk, satisfied="1"), note=f"{number(int(t['satisfied']))} / {number(int(t['rated']))}"),
        kpi(view.zh("负面舆情", "Negative reports"), number(int(media.get("negative", 0))),
            view.drill_objects("media_reports", sentiment="negative"),
            tone="alarm" if media.get("negative", 0) else "",
            note=view.zh("正面 ", "positive ") + number(int(media.get("positive", 0)))),
        kpi(view.zh("表扬 / 投诉", "Praise / complaints"),
            f"{number(int(fb.get('praise', 0)))} / {number(int(fb.get('complaint', 0)))}",
            view.drill_objects("service_feedback")),
    ]
    return kpi_row(tiles, len(tiles))


def _by_week(df: pd.DataFrame, day_from, day_to) -> pd.DataFrame:
    """Daily rows summed into weeks that end on `day_to` (the first one may be short), with each
    week's first and last local date in `start` and `end`."""
    df = df.copy()
    days = pd.to_datetime(df["day"])
    back = (pd.Timestamp(day_to) - days).dt.days // 7
    df["end"] = pd.Timestamp(day_to) - pd.to_timedelta(back * 7, unit="D")
    df["start"] = (df["end"] - pd.Timedelta(days=6)).clip(lower=pd.Timestamp(day_from))
    return df.drop(columns=["day"]).groupby(["start", "end"], as_index=False).sum(numeric_only=True)


def _periods(df: pd.DataFrame, view: View, weekly: bool) -> pd.DataFrame:
    """Rows by day, or by week when `weekly`, with the `start` and `end` date of each point."""
    if weekly:
        return _by_week(df, view.scope.day_from, view.scope.day_to)
    df = df.copy()
    df["start"] = df["end"] = pd.to_datetime(df["day"])
    return df.drop(columns=["day"]).sort_values("start").reset_index(drop=True)


def _span(start, end) -> dict:
    return {"range": "custom", "from": str(start.date()), "to": str(end.date())}


def satisfaction_trend(df, view: View):
    if df.empty or not df["reached"].sum():
        return empty(view)
    df = _periods(df, view, (view.scope.day_to - view.scope.day_from).days > WEEKLY_AFTER_DAYS)
    df["rate"] = df["satisfied"] / df["reached"].where(df["reached"] > 0)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.update_layout(figure(view, legend=True, margin=(0.4, 0.4, 1.8, 0.4)).layout)
    fig.add_bar(x=df["end"], y=df["reached"], name=view.zh("接通", "Reached"), marker={"color": "rgba(26,125,255,0.35)"},
                customdata=[view.drill_objects("return_visits", reached="1", **_span(a, b))
                            for a, b in zip(df["start"], df["end"])],
                hovertemplate="%{x|%m-%d} " + view.zh("接通", "reached") + " %{y}<extra></extra>", secondary_y=False)
    fig.add_scatter(x=df["end"], y=df["rate"], name=view.zh("满意率", "Satisfaction"), mode="lines+markers",
                    line={"color": SERIES[1], "width": 0.15 * view.rem}, marker={"size": 0.4 * view.rem},
                    customdata=[view.drill_objects("return_visits", satisfied="1", **_span(a, b))
                                for a, b in zip(df["start"], df["end"])],
                    hovertemplate="%{x|%m-%d} " + view.zh("满意率", "satisfied") + " %{y:.1%}<extra></extra>",
                    secondary_y=True)
    fig.update_yaxes(secondary_y=True, tickformat=".0%", range=[max(0.0, float(df["rate"].min()) - 0.1), 1.0],
                     tickfont={"size": F * view.rem, "color": MUTED}, showgrid=False)
    fig.update_yaxes(secondary_y=False, showgrid=True, gridcolor="rgba(120,170,230,0.14)",
                     tickfont={"size": F * view.rem, "color": MUTED})
    fig.update_xaxes(tickformat="%m-%d", tickfont={"size": F * view.rem, "color": MUTED})
    fig.update_layout(legend={"font": {"size": F * view.rem}})
    fig._cockpit_rem = view.rem
    return graph("image.satisfaction_trend", fig)


def satisfaction_by_department(df, view: View):
    df = df[df["reached"] >= 5].dropna(subset=["department_id"])
    if df.empty:
        return empty(view)
    df = df.nlargest(ROWS, "reached").sort_values("rate")
    departments = view.names["departments"]
    names = [departments.get(int(d), str(d)).replace("综合行政执法办公室", "执法办").replace("城市管理", "城管")
             for d in df["department_id"]]
    fig = figure(view, margin=(0.4, 3.8, 0.2, 0.4))
    colors = [LAMP_COLORS["green"] if r >= 0.9 else LAMP_COLORS["yellow"] if r >= 0.8 else LAMP_COLORS["red"]
              for r in df["rate"]]
    hbar(fig, view, names, df["rate"], [view.drill_objects("return_visits", department=int(d), satisfied="1")
                                        for d in df["department_id"]], color=colors,
         text=[f"{100 * r:.1f}%" for r in df["rate"]], hover="%{y} %{x:.1%}")
    small_axes(fig, view)
    fig.update_xaxes(range=[0, 1])
    return graph("image.satisfaction_by_department", fig)


def hotline_by_category(df, view: View):
    if df.empty:
        return empty(view)
    df = df.nlargest(ROWS - 1, "received")  # a table row is taller than a bar
    head = [view.zh("类别", "Category"), view.zh("受理", "Received"), view.zh("响应率", "In time"),
            view.zh("办结率", "Closed"), view.zh("满意率", "Satisfied")]
    rows = [html.Tr([
        html.Td(dcc.Link(label(image.HOTLINE_CATEGORIES, c, view), href=view.drill_objects("hotline_tickets", category=c))),
        html.Td(dcc.Link(number(int(n)), href=view.drill_objects("hotline_tickets", category=c))),
        html.Td(dcc.Link(percent(r), href=view.drill_objects("hotline_tickets", category=c, responded="1"))),
        html.Td(dcc.Link(percent(cl), href=view.drill_objects("hotline_tickets", category=c, closed="1"))),
        html.Td(dcc.Link(percent(s), href=view.drill_objects("hotline_tickets", category=c, satisfied="1")),
                className="low" if s == s and s is not None and s < 0.8 else ""),
    ]) for c, n, r, cl, s in zip(df["category"], df["received"], df["response_rate"], df["closing_rate"],
                                 df["satisfaction"])]
    return html.Div(html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                               className="league league-ei"), className="league-wrap")


def hotline_by_region(df, view: View):
    if df.empty:
        return empty(view)
    df = df.nlargest(ROWS, "received").iloc[::-1]
    regions = view.names["regions"]
    names = [short_town(regions.get(r, r)) for r in df["region_code"]]
    fig = figure(view, legend=True, margin=(0.4, 3.6, 1.8, 0.4), barmode="overlay")
    hbar(fig, view, names, df["received"], [view.drill_objects("hotline_tickets", region=r) for r in df["region_code"]],
         color="rgba(0, 212, 255, 0.35)", name=view.zh("受理", "Received"), hover="%{y} " + view.zh("受理", "received") + " %{x}")
    hbar(fig, view, names, df["closed"], [view.drill_objects("hotline_tickets", region=r, closed="1") for r in df["region_code"]],
         color=SERIES[1], name=view.zh("办结", "Closed"),
         text=[f"{100 * c:.0f}%" for c in df["closing_rate"]], hover="%{y} " + view.zh("办结", "closed") + " %{x}")
    small_axes(fig, view)
    fig.update_layout(legend={"font": {"size": F * view.rem}})
    return graph("image.hotline_by_region", fig)


def media_outlets(data, view: View):
    outlets, topics = data
    if outlets.empty:
        return empty(view)
    fig = make_subplots(rows=1, cols=2, shared_yaxes=False, horizontal_spacing=0.22)
    fig.update_layout(figure(view, legend=True, margin=(0.4, 0.4, 1.8, 0.4), barmode="stack").layout)
    for col, (frame, key, table) in enumerate(((outlets, "outlet", None), (topics, "topic", image.MEDIA_TOPICS)), start=1):
        order = frame.groupby(key)["reports"].sum().sort_values().index.tolist()[-ROWS:]
        for sentiment in ("negative", "neutral", "positive"):
            part = frame[frame["sentiment"] == sentiment].set_index(key)["reports"]
            name = label(image.SENTIMENTS, sentiment, view)
            fig.add_bar(y=[label(table, k, view) if table else k for k in order], x=[int(part.get(k, 0)) for k in order],
                        orientation="h", name=name, legendgroup=sentiment, showlegend=col == 1,
                        marker={"color": SENTIMENT_COLORS[sentiment], "line": {"width": 0}},
                        customdata=[view.drill_objects("media_reports", **{key: k}, sentiment=sentiment) for k in order],
                        hovertemplate="%{y} " + name + " %{x}<extra></extra>", row=1, col=col)
    fig.update_yaxes(tickfont={"size": F * view.rem, "color": TEXT}, showgrid=False, dtick=1)
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig.update_layout(legend={"font": {"size": F * view.rem}}, bargap=0.25)
    fig._cockpit_rem = view.rem
    return graph("image.media_outlets", fig)


def sentiment_trend(df, view: View):
    if df.empty:
        return empty(view)
    wide = df.pivot_table(index="day", columns="sentiment", values="reports", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=list(image.SENTIMENTS), fill_value=0).reset_index()
    weekly = (view.scope.day_to - view.scope.day_from).days > WEEKLY_SENTIMENT_AFTER_DAYS
    wide = _periods(wide, view, weekly)
    fig = figure(view, legend=True, margin=(0.4, 0.6, 1.8, 0.4))
    for sentiment in ("positive", "negative"):
        name = label(image.SENTIMENTS, sentiment, view)
        fig.add_scatter(x=wide["end"], y=wide[sentiment], name=name, mode="lines+markers",
                        line={"color": SENTIMENT_COLORS[sentiment], "width": 0.15 * view.rem, "shape": "spline",
                              "smoothing": 0.6}, marker={"size": 0.35 * view.rem},
                        customdata=[view.drill_objects("media_reports", sentiment=sentiment, **_span(a, b))
                                    for a, b in zip(wide["start"], wide["end"])],
                        hovertemplate="%{x|%m-%d} " + name + " %{y}<extra></extra>")
    share = wide["negative"].sum() / max(1, wide[list(image.SENTIMENTS)].to_numpy().sum())
    fig.update_xaxes(tickformat="%m-%d")
    fig.update_yaxes(rangemode="tozero")
    fig.update_layout(legend={"font": {"size": F * view.rem}})
    stat = html.Div([html.Span(percent(share), className="stat-value"),
                     html.Span(view.zh(" 负面占比" + ("（按周）" if weekly else "（按日）"),
                                       " negative" + (" (weekly)" if weekly else " (daily)")))], className="stat-line")
    return html.Div([stat, graph("image.sentiment_trend", fig)], className="panel-stack")


def keyword_cloud(df, view: View):
    if df.empty:
        return empty(view)
    top = float(df["count"].max())
    low = float(df["count"].min())
    words = []
    for i, (term, count) in enumerate(zip(df["term"], df["count"])):
        weight = (count - low) / (top - low) if top > low else 1.0
        size = 0.95 + 1.45 * weight ** 0.7  # rem: the rarest term still above the 0.875 rem floor
        words.append(html.Span(term, title=view.zh(f"{term}：{count} 次", f"{term}: {count}"),
                               className=f"kw kw-{i % 5}", style={"fontSize": f"calc({size:.2f} * var(--u, 1rem))"}))
    order = list(range(len(words)))
    # Biggest in the middle: alternate the ranked words to either side.
    arranged = [words[i] for i in order[1::2][::-1]] + [words[i] for i in order[0::2]]
    return html.Div(html.Div(arranged, className="kw-cloud"), className="kw-wrap")


def recognition(df, view: View):
    if df.empty:
        return empty(view)
    subjects = list(image.FEEDBACK_SUBJECTS)
    fig = figure(view, legend=True, margin=(0.4, 1.6, 1.8, 0.4), barmode="group")
    for kind, color in (("praise", LAMP_COLORS["green"]), ("complaint", LAMP_COLORS["red"])):
        part = df[df["kind"] == kind].set_index("subject")["count"]
        name = label(image.FEEDBACK_KINDS, kind, view)
        hbar(fig, view, [label(image.FEEDBACK_SUBJECTS, s, view) for s in subjects], [int(part.get(s, 0)) for s in subjects],
             [view.drill_objects("service_feedback", type=kind, subject=s) for s in subjects], color=color, name=name,
             text=[int(part.get(s, 0)) for s in subjects], hover="%{y} " + name + " %{x}")
    small_axes(fig, view)
    fig.update_layout(legend={"font": {"size": F * view.rem}}, bargap=0.25)
    return graph("image.recognition", fig)


def publicity(df, view: View):
    if df.empty:
        return empty(view)
    df = df.sort_values("reads")
    fig = figure(view, margin=(0.4, 3.4, 0.2, 0.4))
    hbar(fig, view, [label(image.PUBLICITY_CHANNELS, c, view) for c in df["channel"]], df["reads"],
         [view.drill_objects("publicity_articles", channel=c) for c in df["channel"]], color=SERIES[4],
         text=[view.zh(f"{compact(r, 'zh')} 阅读 · {a} 篇", f"{compact(r, 'en')} reads · {a}")
               for r, a in zip(df["reads"], df["articles"])], hover="%{y} %{x:,}")
    small_axes(fig, view)
    stat = html.Div(dcc.Link([html.Span(number(int(df["articles"].sum())), className="stat-value"),
                              html.Span(view.zh(f" 篇发布 · {compact(int(df['reads'].sum()), 'zh')} 阅读",
                                                f" articles · {compact(int(df['reads'].sum()), 'en')} reads"))],
                             href=view.drill_objects("publicity_articles")), className="stat-line")
    return html.Div([stat, graph("image.publicity", fig)], className="panel-stack")


register(
    Panel("image.kpis", "形象核心指标", "Public image headline", headline, kpis, refresh_seconds=60),
    Panel("image.satisfaction_trend", "回访满意率趋势", "Return-visit satisfaction",
          lambda url, scope: image.visits(url, scope, ("day",)), satisfaction_trend),
    Panel("image.satisfaction_by_department", "满意率（按部门）", "Satisfaction by department",
          lambda url, scope: image.visits(url, scope, ("department_id",)), satisfaction_by_department),
    Panel("image.hotline_by_category", "12345 工单（按类别）", "12345 tickets by category",
          lambda url, scope: image.tickets(url, scope, ("category",)), hotline_by_category),
    Panel("image.hotline_by_region", "12345 工单（按镇街）", "12345 tickets by town",
          lambda url, scope: image.tickets(url, scope, ("region_code",)), hotline_by_region),
    Panel("image.media_outlets", "舆情（按媒体 / 话题）", "Media by outlet and topic",
          lambda url, scope: (image.media(url, scope, ("outlet", "sentiment")), image.media(url, scope, ("topic", "sentiment"))),
          media_outlets),
    Panel("image.sentiment_trend", "舆情走势", "Sentiment trend",
          lambda url, scope: image.media(url, scope, ("day", "sentiment")), sentiment_trend),
    Panel("image.keywords", "投诉热词", "Complaint keywords", image.complaint_keywords, keyword_cloud,
          refresh_seconds=600),
    Panel("image.recognition", "表扬与投诉", "Commendations and complaints", image.feedback, recognition),
    Panel("image.publicity", "宣传发布与阅读", "Publicity and readership", image.publicity, publicity,
          refresh_seconds=300),
)
