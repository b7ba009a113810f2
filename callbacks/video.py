"""/video: the region picker and camera-map clicks rewrite the wall's URL; the media routes."""
from __future__ import annotations

from dash import Input, Output, State, no_update

from dashboard.video_media import add_camera_geojson_routes, add_video_media_routes
from layouts import video as page

from .validation import Code, FeatureClick, VideoState, accepts


def register(app):
    @app.callback(Output(page.URL, "href"), Input(page.REGION, "value"), State(page.STATE, "data"),
                  prevent_initial_call=True)
    @accepts(Code | None, VideoState | None)
    def pick_region(region, state):
        if state is None or region == state.region:
            return no_update
        return page.href(state.layout, [], region)

    @app.callback(Output(page.URL, "href", allow_duplicate=True), Input(page.MAP_LAYER, "clickData"),
                  State(page.STATE, "data"), prevent_initial_call=True)
    @accepts(FeatureClick | None, VideoState | None)
    def map_click(feature, state):
        code = feature.code() if feature else None
        if not code or state is None:
            return no_update
        layout, codes = page.add_camera(state.layout, list(state.cameras), code)
        return page.href(layout, codes, state.region)

    add_video_media_routes(app.server)
    add_camera_geojson_routes(app.server)
