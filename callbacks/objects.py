"""/objects/<kind> and /object/<kind>/<key>: grid paging, row clicks, the CSV export and the 404s."""
from __future__ import annotations

import re

from dash import Input, Output, State, no_update
from flask import Response, jsonify, request

from dashboard.app import current_settings
from data_access import case_list, clock, objects, status
from layouts import grid as grid_kit
from layouts import objects as page

from .validation import CellClick, GridRequest, ObjectsState, accepts

LIST_PATH = re.compile(r"/objects/([^/.]*)/?")
DETAIL_PATH = re.compile(r"/object/([^/]*)(?:/([^/]*))?/?")


def _selection(state: ObjectsState | None) -> objects.Selection | None:
    """The page's selection from its store; None for an unknown kind."""
    if state is None:
        return None
    try:
        selection, _problems = objects.parse(state.kind, state.search, clock.today())
    except objects.UnknownKind:
        return None
    return selection


def register(app):
    server = app.server
    objects.load()

    @app.callback(Output(page.GRID, "getRowsResponse"), Output(page.FILTERED, "children"),
                  Input(page.GRID, "getRowsRequest"), State(page.STATE, "data"), prevent_initial_call=True)
    @accepts(GridRequest | None, ObjectsState | None)
    def rows(req, state):
        selection = _selection(state)
        if req is None or selection is None:
            return no_update, no_update
        settings = current_settings()
        url, language = settings.database_url, settings.language
        kind = objects.get(selection.kind)
        filters = objects.column_filters(kind.id, req.filterModel)
        total = objects.count_selection(url, selection, filters)
        data = objects.page(url, selection, req.startRow, req.endRow, objects.sort_keys(kind.id, req.sort()),
                            filters, language)
        note = grid_kit.filtered_text(total, kind.unit, language, "records") if filters else ""
        return grid_kit.grid_response(data, total), note

    @app.callback(Output(page.NAV, "href"), Input(page.GRID, "cellClicked"), State(page.STATE, "data"),
                  prevent_initial_call=True)
    @accepts(CellClick | None, ObjectsState | None)
    def open_object(cell, state):
        key = cell.rowId if cell else None
        selection = _selection(state)
        if selection is None or not isinstance(key, str) or not objects.valid_key(key):
            return no_update
        return page.object_path(selection.kind, key)

    app.clientside_callback(
        """function (n) {
            if (n) {
                if (window.history.length > 1) { window.history.back(); } else { window.location.href = '/'; }
            }
            return window.dash_clientside.no_update;
        }""",
        Output(page.BACK, "n_clicks"), Input(page.BACK, "n_clicks"), prevent_initial_call=True)

    @server.get("/objects/<kind_id>.csv")
    def objects_csv(kind_id: str):
        try:
            selection, problems = objects.parse(kind_id, request.args.to_dict(flat=False), clock.today())
        except objects.UnknownKind:
            return jsonify({"errors": [f"unknown kind {kind_id!r}; kinds: {', '.join(objects.load())}"]}), 404
        if problems:
            return jsonify({"errors": problems}), 400
        url = current_settings().database_url
        name = f"{kind_id}-{case_list.local_text(clock.utcnow(), '%Y%m%d-%H%M')}.csv"
        return Response(objects.csv_chunks(url, selection, current_settings().language),
                        content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @server.before_request
    def missing_object():
        """An unknown kind, or an unknown or malformed key, answers the app page with status 404."""
        if request.method != "GET":
            return None
        listed = LIST_PATH.fullmatch(request.path)
        shown = DETAIL_PATH.fullmatch(request.path)
        if not listed and not shown:
            return None
        kind_id = (listed or shown).group(1)
        if kind_id not in objects.load():
            return app.index(), 404
        if shown:
            try:
                if not objects.exists(current_settings().database_url, kind_id, shown.group(2) or ""):
                    return app.index(), 404
            except status.DB_ERRORS:
                return None  # the page itself says the database is down
        return None
