"""对象清单 /objects/<kind> and 对象详情 /object/<kind>/<key>: one list and one detail page for every
record kind declared in data_access.objects (vehicles, toilets, stations, trees, gas users...).

The list works like /cases: the URL is the filter (region, range/from/to and the kind's own
named filters, shown as chips), the grid pages from the server (callbacks/objects.py), the
CSV export streams the same rows. Unknown kinds and keys answer 404.
"""
from __future__ import annotations

from urllib.parse import quote, unquote

from dash import dcc, html

from dashboard import urlstate
from dashboard.app import current_settings
from dashboard.i18n import say
from data_access import clock, objects, status
from layouts import grid as grid_kit

GRID = "objects-grid"
COUNT = "objects-count"
FILTERED = "objects-filtered"
STATE = "objects-state"
NAV = "objects-nav"
BACK = "object-back"
MAP = "object-map"


def csv_href(kind_id: str, search: str) -> str:
    return f"/objects/{kind_id}.csv{search}"


def column_defs(kind: objects.Kind, language: str = "zh") -> list[dict]:
    defs = []
    for column in kind.columns:
        if not column.grid:
            continue
        col = {"field": column.name, "headerName": column.label(language), "flex": column.flex,
               "sortable": column.sortable}
        if column.filterable:
            col.update(grid_kit.TEXT_FILTER)
        defs.append(col)
    for name, desc in kind.order[:1]:
        next(d for d in defs if d["field"] == name)["sort"] = "desc" if desc else "asc"
    return defs


def chips(kind: objects.Kind, selection: objects.Selection, database_url: str,
          language: str = "zh") -> list[tuple[str, str]]:
    zh = language == "zh"
    out = [(say(language, "对象", "Records"), kind.label(language))]
    if kind.is_dated:
        days = f"{selection.day_from:%Y-%m-%d} {say(language, '至', 'to')} {selection.day_to:%Y-%m-%d}"
        out.append((say(language, "时间", "Time"), f"{urlstate.RANGES[selection.range_name][0 if zh else 1]} {days}"))
    if selection.region:
        regions = objects.lookups(database_url).regions
        out.append((say(language, "镇街", "Town"),
                    regions.get(selection.region, f"{selection.region} ({say(language, '未知', 'unknown')})")))
    for name, value in selection.filters:
        column = next((c for c in kind.columns if c.name == name and isinstance(c.labels, dict)), None)
        pair = column.labels.get(value) if column else None
        shown = (pair[0] if zh else pair[1]) if isinstance(pair, tuple) and len(pair) > 1 else (pair or value)
        column_of = next((c for c in kind.columns if c.name == name), None)
        title = kind.filter_labels.get(name, name) if zh else (column_of.en if column_of else name)
        out.append((title, str(shown)))
    return out


def _message(title: str, text: str, back: tuple[str, str] | None = None) -> html.Div:
    back = back or (say(_lang(), "返回首页", "Back to the start page"), "/")
    return html.Div(className="page", children=html.Div(className="page-message case-missing", children=[
        html.H2(title), html.P(text), dcc.Link(back[0], href=back[1], className="nav-link")]))


def _lang() -> str:
    return current_settings().language


def unknown_kind(kind_id) -> html.Div:
    lang = _lang()
    return _message(say(lang, "对象类型不存在", "No such record kind"),
                    say(lang, f"没有名为 {kind_id or '(空)'} 的对象类型", f"There is no record kind {kind_id or '(empty)'!r}"))


def list_layout(object_kind: str | None = None, **params):
    """The path variable is not called `kind`: a kind's own ?kind= filter would overwrite it."""
    settings = current_settings()
    lang = settings.language
    try:
        kind_decl = objects.get(object_kind)
    except objects.UnknownKind:
        return unknown_kind(object_kind)
    selection, problems = objects.parse(kind_decl.id, params, clock.today())
    search = selection.search()
    try:
        total = objects.count_selection(settings.database_url, selection)
        shown = chips(kind_decl, selection, settings.database_url, lang)
    except status.DB_ERRORS as exc:
        return html.Div(className="page page-message", children=[
            html.H2(say(lang, "数据库不可用", "Database unavailable")), html.P(status.describe_error(exc))])
    return html.Div(className="page cases-page objects-page", **{"data-kind": kind_decl.id}, children=[
        html.Div(className="cases-head", children=[
            html.H2(say(lang, f"{kind_decl.zh}清单", kind_decl.en), className="cases-title"),
            grid_kit.chip_list(shown),
            html.Div(grid_kit.count_text(total, kind_decl.unit, lang, "records"), id=COUNT, className="cases-count"),
            html.Span(id=FILTERED, className="cases-filtered"),
            html.A(say(lang, "导出表格", "Export CSV"), href=csv_href(kind_decl.id, search), className="button",
                   id="objects-export"),
        ]),
        grid_kit.warning_line(problems, lang),
        html.Section(grid_kit.server_grid(GRID, column_defs(kind_decl, lang), "_key",
                                          say(lang, f"没有符合条件的{kind_decl.zh}", "No records match"),
                                          "cases-grid objects-grid", lang), className="panel cases-panel"),
        dcc.Store(id=STATE, data={"kind": kind_decl.id, "search": search}),
        dcc.Location(id=NAV, refresh="callback-nav"),
    ])


def _position_map(detail: objects.Detail, settings):
    from layouts import maps  # the shared map shell: region outlines as basemap, tiles only if configured

    return maps.map_shell(MAP, settings, None, [], [], focus=detail.position)


def _related(section: objects.Related) -> html.Section:
    head = html.Thead(html.Tr([html.Th(h) for h in section.headers]))
    rows = []
    for cells, href in section.rows:
        first = dcc.Link(cells[0], href=href, className="case-link") if href else cells[0]
        rows.append(html.Tr([html.Td(first), *[html.Td(c) for c in cells[1:]]]))
    body = html.Table([head, html.Tbody(rows)], className="object-related") if rows else \
        html.Div(say(_lang(), "无记录", "None"), className="empty")
    more = dcc.Link(section.more[0], href=section.more[1], className="object-more") if section.more else None
    return html.Section(className="panel object-related-panel", children=[
        html.H2(section.title, className="panel-title"),
        html.Div([body, more], className="panel-body")])


def detail_layout(object_kind: str | None = None, object_key: str | None = None, **_query):
    settings = current_settings()
    lang = settings.language
    key = unquote(object_key or "")  # the router hands the path's variables over still percent-encoded
    try:
        kind_decl = objects.get(object_kind)
    except objects.UnknownKind:
        return unknown_kind(object_kind)
    list_link = (say(lang, f"返回{kind_decl.zh}清单", f"All {kind_decl.en.lower()}"), f"/objects/{kind_decl.id}")
    try:
        detail = objects.detail(settings.database_url, kind_decl.id, key or "", lang)
    except status.DB_ERRORS as exc:
        return html.Div(className="page page-message", children=[
            html.H2(say(lang, "数据库不可用", "Database unavailable")), html.P(status.describe_error(exc))])
    if detail is None:
        return _message(say(lang, f"{kind_decl.zh}不存在", f"No such record: {kind_decl.en}"),
                        say(lang, f"{kind_decl.zh} {key or '(空)'} 不存在或格式有误",
                            f"{kind_decl.en} {key or '(empty)'} does not exist"), list_link)
    return html.Div(className="page case-page object-page", **{"data-kind": kind_decl.id}, children=[
        html.Div(className="case-head", children=[
            html.Button(say(lang, "← 返回", "← Back"), id=BACK, className="button"),
            html.H2(f"{kind_decl.label(lang)} {detail.key}", className="case-title"),
            *[dcc.Link(text, href=href, className="button") for text, href in detail.links],
            dcc.Link(list_link[0], href=list_link[1], className="button"),
        ]),
        html.Div(className="case-body object-body", children=[
            html.Section(className="panel case-info", children=[
                html.H2(say(lang, f"{kind_decl.zh}信息", kind_decl.en), className="panel-title"),
                html.Div(html.Dl([part for label, value in detail.fields
                                  for part in (html.Dt(label), html.Dd(value or "—", title=value))],
                                 className="meta case-fields"), className="panel-body")]),
            html.Div(className="stack", children=[_related(s) for s in detail.related] or [
                html.Div(say(lang, "无关联记录", "No related records"), className="empty")]),
            html.Div(className="stack", children=[
                html.Section(className="panel grow case-map-panel", children=[
                    html.H2(say(lang, "位置", "Location"), className="panel-title"),
                    html.Div(_position_map(detail, settings) if detail.position else
                             html.Div(say(lang, "无坐标", "No coordinates"), className="empty"),
                             className="panel-body")]),
            ]),
        ]),
    ])


def object_path(kind_id: str, key: str) -> str:
    return f"/object/{kind_id}/{quote(key, safe='')}"
