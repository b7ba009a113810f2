"""/cases and /case/<case_no>: grid paging, row clicks, the CSV export, photos, the 404, and the
duty officer's actions on a case."""
from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask import Response, jsonify, request
from sqlalchemy.exc import NoResultFound, SQLAlchemyError

from dashboard.app import current_settings
from dashboard.auth import record, viewer
from dashboard.i18n import say
from dashboard.media import add_media_route
from data_access import case_list, cases, lifecycle, status
from data_access.db import get_engine
from layouts import case_detail
from layouts import cases as page
from layouts import grid as grid_kit

from .validation import CasesState, CellClick, Code, Count, GridRequest, Text, Ticks, accepts


def act_on_case(case_no: str, action: str, department: int | None, minutes: int | None, opinion: str | None):
    """Move a case for the logged-in duty officer, recorded under their name: (message, href)."""
    lang = current_settings().language
    who = viewer()
    if not who.may_act:
        return say(lang, "只有值班员可以办理案件", "Only duty officers act on cases"), no_update
    payload = {"action": action, "actor": who.name, "opinion": (opinion or "").strip() or None}
    if action == "dispatch":
        payload["department_id"] = department
    if action == "extend":
        payload["minutes"] = minutes
    try:
        cases.ingest_transition(get_engine(current_settings().database_url), case_no, payload)
    except cases.CaseNotFound:
        return say(lang, f"案件 {case_no} 不存在", f"No case {case_no}"), no_update
    except cases.CaseInputError as exc:
        return "; ".join(f"{field}: {problem}" for field, problem in exc.errors.items()), no_update
    except lifecycle.TransitionError as exc:
        return str(exc), no_update  # names the case's state and the actions allowed from it
    except NoResultFound:
        return say(lang, "没有责任部门，请选择派遣部门", "No responsible department; choose one"), no_update
    except SQLAlchemyError:
        return say(lang, "数据库不可用，未办理", "Database unavailable; nothing was done"), no_update
    record("case.action", f"{case_no} {action}")
    return say(lang, f"已{lifecycle.STEP_LABELS[action]}", f"Done: {action}"), f"/case/{case_no}"


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

    @app.callback(Output(case_detail.ACTION_MESSAGE, "children"), Output(case_detail.ACTION_NAV, "href"),
                  Input({"type": case_detail.ACTION, "action": ALL}, "n_clicks"),
                  State(case_detail.ACTION_CASE, "data"), State(case_detail.ACTION_DEPARTMENT, "value"),
                  State(case_detail.ACTION_MINUTES, "value"), State(case_detail.ACTION_OPINION, "value"),
                  prevent_initial_call=True)
    @accepts(list[Ticks], Code | None, Count | None, Count | None, Text | None)
    def act(_clicks, case_no, department, minutes, opinion):
        action = ctx.triggered_id.get("action") if isinstance(ctx.triggered_id, dict) else None
        if not ctx.triggered or not ctx.triggered[0]["value"] or action not in lifecycle.TRANSITIONS or not case_no:
            raise PreventUpdate
        return act_on_case(case_no, action, department, minutes, opinion)

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
