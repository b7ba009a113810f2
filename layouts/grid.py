"""The server-paged grid and list head shared by every list page (/cases, /objects/<kind>).

dash-ag-grid's infinite row model asks the server for blocks of rows (callbacks page them);
the dark theme is a function string because only the base themes are in scope there.
"""
from __future__ import annotations

import dash_ag_grid as dag
from dash import html

from dashboard.i18n import number

BLOCK = 100  # rows per server request

TEXT_FILTER = {"filter": "agTextColumnFilter",
               "filterParams": {"filterOptions": ["contains", "equals"], "maxNumConditions": 1,
                                "debounceMs": 500, "buttons": ["reset"]}}

# Only the four base themes are in scope of dash-ag-grid's function strings, so the dark colours are params.
GRID_THEME = """themeQuartz.withParams({
    browserColorScheme: 'dark', chromeBackgroundColor: 'rgba(0, 60, 130, 0.25)',
    backgroundColor: 'rgba(4, 18, 42, 0.55)', foregroundColor: '#dcebff', accentColor: '#00d4ff',
    headerBackgroundColor: 'rgba(0, 90, 190, 0.30)', headerTextColor: '#8fe6ff',
    borderColor: 'rgba(120, 170, 230, 0.16)',
    oddRowBackgroundColor: 'rgba(0, 140, 255, 0.05)', rowHoverColor: 'rgba(0, 212, 255, 0.14)',
    fontFamily: 'inherit', fontSize: '1rem', headerFontSize: '1.05rem', spacing: '0.4rem', iconSize: '1.1rem',
    rowHeight: '2.6rem', headerHeight: '2.9rem', wrapperBorder: false, wrapperBorderRadius: 0,
    inputBackgroundColor: '#071a36', menuBackgroundColor: '#071a36'})"""


def locale(no_rows: str, language: str = "zh") -> dict:
    if language != "zh":
        return {"loadingOoo": "Loading…", "noRowsToShow": no_rows, "contains": "Contains", "equals": "Equals",
                "filterOoo": "Filter…", "resetFilter": "Clear", "andCondition": "AND", "orCondition": "OR"}
    return {"loadingOoo": "加载中…", "noRowsToShow": no_rows, "contains": "包含", "equals": "等于",
            "filterOoo": "筛选…", "resetFilter": "清除", "andCondition": "且", "orCondition": "或"}


def server_grid(grid_id: str, column_defs: list[dict], row_id: str, no_rows: str,
                class_name: str = "cases-grid", language: str = "zh") -> dag.AgGrid:
    """An infinite-model grid whose rows come from the server in BLOCK-row requests."""
    return dag.AgGrid(
        id=grid_id, className=class_name, rowModelType="infinite", columnDefs=column_defs,
        getRowId=f"params.data.{row_id}",
        dashGridOptions={"cacheBlockSize": BLOCK, "maxBlocksInCache": 50, "infiniteInitialRowCount": BLOCK,
                         "blockLoadDebounceMillis": 100, "suppressCellFocus": True, "localeText": locale(no_rows, language),
                         "theme": {"function": GRID_THEME}},
        style={"height": "100%", "width": "100%"},
    )


def chip_list(chips: list[tuple[str, str]]) -> html.Div:
    return html.Div(className="chips", children=[
        html.Span([html.Span(name, className="chip-name"), value], className="chip") for name, value in chips])


def count_text(total: int, unit: str = "件", language: str = "zh", unit_en: str = "cases") -> list:
    if language != "zh":
        return [html.Strong(number(total)), f" {unit_en}"]
    return ["共 ", html.Strong(number(total)), f" {unit}"]


def filtered_text(total: int, unit: str = "件", language: str = "zh", unit_en: str = "cases") -> list:
    if language != "zh":
        return ["Column filters: ", html.Strong(number(total)), f" {unit_en}"]
    return ["列筛选后 ", html.Strong(number(total)), f" {unit}"]


def warning_line(problems: list[str], language: str = "zh"):
    if not problems:
        return None
    head = "⚠ 链接参数有误, 已忽略: " if language == "zh" else "⚠ Ignored link parameters: "
    return html.Div(head + "; ".join(problems), className="warning-line")


def grid_response(rows: list[dict], total: int) -> dict:
    return {"rowData": rows, "rowCount": total}
