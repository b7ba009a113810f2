"""/video: the region picker and camera-map clicks rewrite the wall's URL; the media routes."""
from __future__ import annotations

from dash import Input, Output, State, no_update

from dashboard.video_media import add_camera_geojson_routes, add_video_media_routes
from layouts import video as page


def register(app):
    @app.callback(Output(page.URL, "href"), Input(page.REGION, "value"), State(page.STATE, "data"),
                  prevent_initial_call=True)
    def pick_region(region, state):
        if not state or region == state.get("region"):
            return no_update
        return page.href(state["layout"], [], region)

    @app.callback(Output(page.URL, "href", allow_duplicate=True), Input(page.MAP_LAYER, "clickData"),
                  State(page.STATE, "data"), prevent_initial_call=True)
    def map_click(feature, state):
        code = ((feature or {}).get("properties") or {}).get("code")
        if not code or not state:
            return no_update
        layout, codes = page.add_camera(state["layout"], state["cameras"], code)
        return page.href(layout, codes, state.get("region"))

    add_video_media_routes(app.server)
    add_camera_geojson_routes(app.server)
