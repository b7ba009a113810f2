"""Panels of the 城管执法 (enforcement) board. Every figure opens the records behind it in the
object list (/objects/<kind>) with the same named filters its data function counts by."""
from __future__ import annotations


from dash import dcc, html
from plotly.subplots import make_subplots

from dashboard.i18n import compact, number
from dashboard.panels import Panel, View, register
from data_access import enforcement as enf

from .charts import LAMP_COLORS, MUTED, SERIES, TEXT, donut, empty, figure, graph, kpi, percent

F = 0.9  # rem: every chart text on these boards (the boards' floor is 0.875 rem)
ROWS = 6  # bars a third-height panel shows with every label readable at 1080p
SIDE_LEGEND = {"orientation": "v", "x": 1, "xanchor": "right", "y": 0, "yanchor": "bottom"}  # the board filters an object list understands


def label(table: dict, code, view: View) -> str:
    entry = table.get(code)
    return code if entry is None else (entry[0] if view.language == "zh" else entry[1])


def short_town(name: str) -> str:
    return name.removesuffix("街道").removesuffix("镇")


def money(value: float, view: View) -> str:
    return "¥" + compact(value, view.language)


def hbar(fig, view: View, y, x, links, *, color=SERIES[0], name=None, text=None, hover="%{y} %{x}"):
    fig.add_bar(y=y, x=x, orientation="h", name=name, marker={"color": color, "line": {"width": 0}},
                text=text, textposition="outside", textfont={"size": F * view.rem, "color": TEXT}, cliponaxis=False,
                constraintext="none",
                customdata=links, hovertemplate=hover + "<extra></extra>")


def small_axes(fig, view: View, *, x_ticks=False):
    fig.update_yaxes(tickfont={"size": F * view.rem, "color": TEXT}, showgrid=False, dtick=1)
    fig.update_xaxes(showticklabels=x_ticks, showgrid=x_ticks, tickfont={"size": F * view.rem, "color": MUTED})


def kpi_row(tiles, count: int) -> html.Div:
    return html.Div(tiles, className="kpi-row kpi-row-ei", style={"gridTemplateColumns": f"repeat({count}, minmax(0, 1fr))"})


# ---- panels ----

def kpis(data: dict, view: View):
    ec = "enforcement_cases"
    days = data["avg_days"]
    tiles = [
        kpi(view.zh("立案", "Filed"), number(data["filed"]), view.drill_objects(ec)),
        kpi(view.zh("已结案", "Closed"), number(data["closed"]), view.drill_objects(ec, status="closed"),
            note=percent(data["closed"] / data["filed"]) if data["filed"] else None),
        kpi(view.zh("在办", "Open"), number(data["open"]), view.drill_objects(ec, open="1")),
        kpi(view.zh("超期", "Overdue"), number(data["overdue"]), view.drill_objects(ec, overdue="1"),
            tone="alarm" if data["overdue"] else ""),
        kpi(view.zh("平均办案时长", "Average duration"),
            "—" if days is None else view.zh(f"{days:.1f} 天", f"{days:.1f} d"), view.drill_objects(ec, status="closed"),
            note=view.zh("立案至结案", "filed to closed")),
        kpi(view.zh("罚款决定", "Fines decided"), money(data["fines_decided"], view), view.drill_objects(ec, penalty="fine"),
            note=view.zh(f"{number(data['fined'])} 件", f"{number(data['fined'])} cases")),
        kpi(view.zh("罚款收缴", "Fines collected"), money(data["fines_paid"], view), view.drill_objects(ec, paid="1"),
            note=view.zh("收缴率 ", "collected ") + percent(data["fines_paid"] / data["fines_decided"])
            if data["fines_decided"] else None),
    ]
    return kpi_row(tiles, len(tiles))


def procedure(df, view: View):
    open_df = df[df["status"].isin(enf.OPEN_STATUSES)]
    statuses = list(enf.OPEN_STATUSES)[::-1]
    names = [label(enf.STATUS_LABELS, s, view) for s in statuses]
    fig = figure(view, margin=(0.4, 3.6, 0.2, 0.4), barmode="stack")
    colors = {"simple": SERIES[1], "ordinary": SERIES[0]}
    for proc, color in colors.items():
        part = open_df[open_df["procedure"] == proc].set_index("status")
        counts = [int(part["cases"].get(s, 0)) for s in statuses]
        pname = label(enf.PROCEDURES, proc, view)
        hbar(fig, view, names, counts, [view.drill_objects("enforcement_cases", status=s, procedure=proc)
                                        for s in statuses], color=color, name=pname, hover=f"%{{y}} {pname} %{{x}}")
    overdue = [int(open_df.loc[open_df["status"] == s, "overdue"].sum()) for s in statuses]
    fig.add_scatter(y=names, x=[int(open_df.loc[open_df["status"] == s, "cases"].sum()) for s in statuses],
                    mode="text", text=[view.zh(f"  超期 {o}", f"  overdue {o}") if o else "" for o in overdue],
                    textposition="middle right", textfont={"size": F * view.rem, "color": LAMP_COLORS["red"]},
                    customdata=[view.drill_objects("enforcement_cases", status=s, overdue="1") for s in statuses],
                    showlegend=False, hovertemplate="%{y} %{text}<extra></extra>", cliponaxis=False)
    small_axes(fig, view)
    final = {s: int(df.loc[df["status"] == s, "cases"].sum()) for s in enf.FINAL_STATUSES}
    stat = html.Div([
        dcc.Link([html.Span(number(final["closed"]), className="stat-value"),
                  html.Span(view.zh(" 已结案  ", " closed  "))], href=view.drill_objects("enforcement_cases", status="closed")),
        dcc.Link([html.Span(number(final["revoked"]), className="stat-value"),
                  html.Span(view.zh(" 撤销立案", " revoked"))], href=view.drill_objects("enforcement_cases", status="revoked")),
        *[html.Span([html.Span("■ ", style={"color": colors[p]}), label(enf.PROCEDURES, p, view), " "])
          for p in ("ordinary", "simple")],
    ], className="stat-line")
    return html.Div([stat, graph("enforcement.procedure", fig)], className="panel-stack")


def fines_by_violation(df, view: View):
    df = df[df["fines_decided"] > 0].sort_values("fines_decided").tail(ROWS - 1)
    if df.empty:
        return empty(view)
    names = [label(enf.VIOLATIONS, v, view) for v in df["violation"]]
    fig = figure(view, legend=True, margin=(0.4, 3.2, 1.8, 0.4), barmode="group")
    hbar(fig, view, names, df["fines_decided"],
         [view.drill_objects("enforcement_cases", violation=v, penalty="fine") for v in df["violation"]],
         name=view.zh("决定", "Decided"), text=[money(v, view) for v in df["fines_decided"]],
         hover="%{y} " + view.zh("决定", "decided") + " ¥%{x:,.0f}")
    hbar(fig, view, names, df["fines_paid"],
         [view.drill_objects("enforcement_cases", violation=v, paid="1") for v in df["violation"]], color=SERIES[1],
         name=view.zh("收缴", "Collected"), hover="%{y} " + view.zh("收缴", "collected") + " ¥%{x:,.0f}")
    small_axes(fig, view)
    fig.update_layout(bargap=0.25, legend={**SIDE_LEGEND, "font": {"size": F * view.rem}}, margin={"t": 0.2 * view.rem})
    return graph("enforcement.fines_by_violation", fig)


def penalty_kinds(df, view: View):
    totals = {p: int(df[p].sum()) for p in enf.PENALTIES}
    kinds = [p for p, n in totals.items() if n]
    if not kinds:
        return empty(view)
    return donut("enforcement.penalty_kinds", [label(enf.PENALTIES, p, view) for p in kinds], [totals[p] for p in kinds],
                 [view.drill_objects("enforcement_cases", penalty=p) for p in kinds], view,
                 centre=number(sum(totals.values())))


def offsite(data: dict, view: View):
    steps = [("events", view.zh("视频发现违法", "Video events"), view.drill_objects("video_events", enforceable="1")),
             ("notices", view.zh("告知立案", "Notices"), view.drill_objects("enforcement_cases", origin="video")),
             ("penalties", view.zh("作出处罚", "Penalties"),
              view.drill_objects("enforcement_cases", origin="video", sanction="1"))]
    if not data["events"]:
        return empty(view)
    values = [data[k] for k, _, _ in steps]
    rates = ["", *[percent(b / a) if a else "—" for a, b in zip(values, values[1:])]]
    fig = figure(view, margin=(0.4, 0.4, 0.2, 0.2))
    fig.add_funnel(y=[n for _, n, _ in steps], x=values, customdata=[link for _, _, link in steps],
                   text=[f"{number(v)}" + (view.zh(f"  转化 {r}", f"  {r} of previous") if r else "")
                         for v, r in zip(values, rates)],
                   texttemplate="%{text}", textposition="inside", constraintext="none",
                   textfont={"size": F * view.rem, "color": "#021022"},
                   marker={"color": [SERIES[0], SERIES[2], SERIES[1]], "line": {"width": 0}},
                   connector={"fillcolor": "rgba(0,212,255,0.07)"}, hovertemplate="%{y} %{x}<extra></extra>")
    fig.update_yaxes(tickfont={"size": F * view.rem, "color": TEXT})
    return graph("enforcement.offsite", fig)


def top_violations(df, view: View):
    df = df[df["cases"] > 0].sort_values("cases").tail(ROWS + 2)
    if df.empty:
        return empty(view)
    names = [f"{label(enf.VIOLATIONS, v, view)} {enf.VIOLATIONS[v][2][0]}" for v in df["violation"]]
    fig = figure(view, margin=(0.4, 2.2, 0.2, 0.4))
    hbar(fig, view, names, df["cases"], [view.drill_objects("enforcement_cases", violation=v) for v in df["violation"]],
         text=[number(v) for v in df["cases"]],
         hover="%{y} %{x} " + view.zh("件", "cases") + "<br>%{meta}")
    fig.data[-1].meta = None
    fig.data[-1].hovertext = [view.zh("大类小类 ", "codes ") + "/".join(enf.VIOLATIONS[v][2]) for v in df["violation"]]
    fig.data[-1].hovertemplate = "%{y} %{x}<br>%{hovertext}<extra></extra>"
    small_axes(fig, view)
    return graph("enforcement.top_violations", fig)


def fines_by_region(df, view: View):
    df = df[df["fines_decided"] > 0].sort_values("fines_decided").tail(ROWS)
    if df.empty:
        return empty(view)
    regions = view.names["regions"]
    fig = figure(view, margin=(0.4, 3.2, 0.2, 0.4))
    hbar(fig, view, [short_town(regions.get(r, r)) for r in df["region_code"]], df["fines_decided"],
         [view.drill_objects("enforcement_cases", region=r, penalty="fine") for r in df["region_code"]],
         color=SERIES[3], text=[money(v, view) for v in df["fines_decided"]], hover="%{y} ¥%{x:,.0f}")
    small_axes(fig, view)
    return graph("enforcement.fines_by_region", fig)


def duty(df, view: View):
    if df.empty:
        return empty(view)
    day = df.attrs.get("day") or view.scope.day_to
    total_on, total = int(df["on_duty"].sum()), int(df["officers"].sum())
    top = df.head(ROWS).iloc[::-1]
    regions = view.names["regions"]
    link = {"range": "custom", "from": str(day), "to": str(day)}
    fig = figure(view, margin=(0.4, 2.4, 0.2, 0.4), barmode="overlay")
    names = [short_town(regions.get(r, r)) for r in top["region_code"]]
    hbar(fig, view, names, top["officers"], [view.drill_objects("officers", region=r, range=None) for r in top["region_code"]],
         color="rgba(26, 125, 255, 0.25)", name=view.zh("编制", "Officers"), hover="%{y} " + view.zh("队员", "officers") + " %{x}")
    hbar(fig, view, names, top["on_duty"], [view.drill_objects("officer_duties", region=r, **link) for r in top["region_code"]],
         color=SERIES[1], name=view.zh("在岗", "On duty"), text=[f"{a}/{b}" for a, b in zip(top["on_duty"], top["officers"])],
         hover="%{y} " + view.zh("在岗", "on duty") + " %{x}")
    fig.data[0].text = None
    small_axes(fig, view)
    stat = html.Div(dcc.Link([html.Span(number(total_on), className="stat-value"),
                              html.Span(view.zh(f" / {number(total)} 名队员今日在岗", f" of {number(total)} officers on duty today"))],
                             href=view.drill_objects("officer_duties", **link)), className="stat-line")
    return html.Div([stat, graph("enforcement.duty", fig)], className="panel-stack")


def work_split(df, view: View):
    if not df["minutes"].sum():
        return empty(view)
    fig = figure(view, legend=True, margin=(0.4, 0.6, 1.8, 0.4), barmode="stack")
    rows = [view.zh("目标 721", "Target 721"), view.zh("实测", "Measured")]
    for i, row in df.iterrows():
        name = label(enf.WORK_KINDS, row["kind"], view)
        fig.add_bar(y=rows, x=[row["target"], row["share"]], orientation="h", name=name,
                    marker={"color": [SERIES[i % len(SERIES)]] * 2, "opacity": 1, "line": {"width": 0}},
                    text=[f"{name} {100 * row['target']:.0f}%", f"{name} {100 * row['share']:.1f}%"],
                    textposition="inside", insidetextanchor="middle", constraintext="none",
                    textfont={"size": F * view.rem, "color": "#021022"},
                    customdata=[None, view.drill_objects("officer_work", type=row["kind"])],
                    hovertemplate="%{y} " + name + " %{x:.1%}<extra></extra>")
    small_axes(fig, view)
    fig.update_xaxes(range=[0, 1])
    fig.update_layout(bargap=0.35, legend={"font": {"size": F * view.rem}, "traceorder": "normal"})
    hours = df["minutes"].sum() / 60
    stat = html.Div([html.Span(compact(hours, view.language), className="stat-value"),
                     html.Span(view.zh(f" 工时 · {number(int(df['records'].sum()))} 条工作记录",
                                       f" hours · {number(int(df['records'].sum()))} work records"))], className="stat-line")
    return html.Div([stat, graph("enforcement.work_split", fig)], className="panel-stack")


def equipment(data: dict, view: View):
    if not data["cameras"]:
        return empty(view)
    rate = data["online"] / data["cameras"]
    subjects = data["subjects"].sort_values("complaints")
    from data_access.image import FEEDBACK_SUBJECTS

    fig = make_subplots(rows=1, cols=2, specs=[[{"type": "domain"}, {"type": "xy"}]], column_widths=[0.42, 0.58],
                        horizontal_spacing=0.12)
    base = figure(view, margin=(0.2, 2.2, 1.8, 0.2))
    fig.update_layout(base.layout)
    fig.add_pie(labels=[view.zh("在线", "Online"), view.zh("离线", "Offline")],
                values=[data["online"], data["cameras"] - data["online"]], hole=0.68, sort=False, textinfo="none",
                marker={"colors": [LAMP_COLORS["green"], "#3b5478"]},
                customdata=[view.drill_objects("body_cameras", status="online", range=None),
                            view.drill_objects("body_cameras", status="offline", range=None)],
                hovertemplate="%{label} %{value}<extra></extra>", row=1, col=1)
    fig.add_annotation(text=f"{100 * rate:.1f}%", x=0.18, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 1.3 * view.rem, "color": "#eaf4ff"})
    fig.add_bar(y=[label(FEEDBACK_SUBJECTS, s, view) for s in subjects["subject"]], x=subjects["complaints"],
                orientation="h", marker={"color": LAMP_COLORS["red"], "line": {"width": 0}},
                text=subjects["complaints"], textposition="outside", cliponaxis=False, constraintext="none",
                textfont={"size": F * view.rem, "color": TEXT},
                customdata=[view.drill_objects("service_feedback", type="complaint", about_officer="1", subject=s)
                            for s in subjects["subject"]],
                hovertemplate="%{y} %{x}<extra></extra>", row=1, col=2)
    fig.update_yaxes(tickfont={"size": F * view.rem, "color": TEXT}, showgrid=False, row=1, col=2)
    fig.update_xaxes(showticklabels=False, showgrid=False, row=1, col=2)
    fig.update_layout(showlegend=False)
    fig._cockpit_rem = view.rem
    stat = html.Div([
        dcc.Link([html.Span(f"{number(data['online'])}/{number(data['cameras'])}", className="stat-value"),
                  html.Span(view.zh(" 执法记录仪在线  ", " body cameras online  "))],
                 href=view.drill_objects("body_cameras", status="online", range=None)),
        dcc.Link([html.Span(number(data["complaints"]), className="stat-value alarm"),
                  html.Span(view.zh(" 起对执法人员的投诉", " complaints about officers"))],
                 href=view.drill_objects("service_feedback", type="complaint", about_officer="1")),
    ], className="stat-line")
    return html.Div([stat, graph("enforcement.equipment", fig)], className="panel-stack")


register(
    Panel("enforcement.kpis", "执法核心指标", "Enforcement headline", enf.headline, kpis, refresh_seconds=30),
    Panel("enforcement.procedure", "办案程序与环节", "Procedure and stage", enf.stages, procedure),
    Panel("enforcement.fines_by_violation", "罚没款（按违法类型）", "Fines by violation", enf.by_violation,
          fines_by_violation),
    Panel("enforcement.penalty_kinds", "处罚种类", "Penalty kinds", enf.by_violation, penalty_kinds),
    Panel("enforcement.offsite", "非现场执法", "Off-site enforcement", enf.offsite, offsite),
    Panel("enforcement.top_violations", "高发违法行为", "Top violations", enf.by_violation, top_violations),
    Panel("enforcement.fines_by_region", "罚款决定（按镇街）", "Fines by town", enf.by_region, fines_by_region),
    Panel("enforcement.duty", "今日在岗队员", "Officers on duty today", enf.duty, duty, refresh_seconds=120),
    Panel("enforcement.work_split", "721 工作法", "The 721 split of work", enf.work_split, work_split,
          refresh_seconds=300),
    Panel("enforcement.equipment", "执法记录仪与投诉", "Body cameras and complaints", enf.equipment, equipment),
)
