"""/cases and /case/<case_no>: grid paging, row clicks, the CSV export, photos and the 404."""
from __future__ import annotations

from dash import Input, Output, State, no_update
from flask import Response, jsonify, request

from dashboard.app import current_settings
from dashboard.auth import record, viewer
from dashboard.media import add_media_route
from data_access import case_list, status
from layouts import case_detail
from layouts import cases as page
from layouts import grid as grid_kit

from .validation import CasesState, CellClick, GridRequest, accepts


def _case_path_no(path: str) -> str | None:
    """The case number of a /case/... path ("" for /case itself), None for other paths."""
    if path == "/case" or path == "/case/":
        return ""
    return path[len("/case/"):] if path.startswith("/case/") else None


def register(app):
    server = app.server

    @app.callback(Output(page.GRID, "getRowsResponse"), Output(page.FILTERED, "children"),
                  Input(page.GRID, "getRowsRequest"), State(page.STATE, "data"), prevent_initial_call=True)
    @accepts(GridRequest | None, CasesState | None)
    def rows(req, state):
        if req is None or state is None:
            return no_update, no_update
        settings = current_settings()
        now = state.now
        query, _problems = page.parse(state.search, now, settings.tz)
        filters = case_list.column_filters(req.filterModel)
        total = case_list.count_cases(settings.database_url, query, now, filters)
        data = case_list.case_page(settings.database_url, query, now, req.startRow, req.endRow,
                                   case_list.sort_keys(req.sort()), filters, settings.language, viewer().disclosure)
        note = grid_kit.filtered_text(total, language=settings.language) if filters else ""
        return grid_kit.grid_response(data, total), note

    @app.callback(Output(page.NAV, "href"), Input(page.GRID, "cellClicked"), prevent_initial_call=True)
    @accepts(CellClick | None)
    def open_case(cell):
        case_no = cell.rowId if cell else None
        return f"/case/{case_no}" if case_list.valid_case_no(case_no) else no_update

    app.clientside_callback(
        """function (n) {
            if (n) {
                if (window.history.length > 1) { window.history.back(); } else { window.location.href = '/cases'; }
            }
            return window.dash_clientside.no_update;
        }""",
        Output(case_detail.BACK, "n_clicks"), Input(case_detail.BACK, "n_clicks"), prevent_initial_call=True)

    @server.get(page.CSV_ROUTE)
    def cases_csv():
        settings = current_settings()
        now = page.now_utc()
        # Errors of an API answer name the parameters in English, like the ingest API's.
        query, problems = page.parse(request.query_string.decode("utf-8", "replace"), now, settings.tz, "en")
        if problems:
            return jsonify({"errors": problems}), 400
        name = f"cases-{case_list.local_text(now, '%Y%m%d-%H%M')}.csv"
        record("cases.csv", request.query_string.decode("utf-8", "replace"))
        return Response(case_list.csv_chunks(settings.database_url, query, now, settings.language, viewer().disclosure),
                        mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'},
                        content_type="text/csv; charset=utf-8")

    @server.before_request
    def missing_case():
        """/case/<unknown or malformed> answers the app page with status 404."""
        case_no = _case_path_no(request.path)
        if case_no is None or request.method != "GET":
            return None
        try:
            exists = case_list.case_exists(current_settings().database_url, case_no)
        except status.DB_ERRORS:
            return None  # the page itself says the database is down
        return None if exists else (app.index(), 404)

    add_media_route(server)
