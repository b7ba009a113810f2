"""GeoJSON layers at /api/v1/geo/<layer>?bbox=minlon,minlat,maxlon,maxlat&region=...&city=...&at=...,
and the demo before/after images of illegal construction sites.

Answers are cached (the app's flask-caching Cache: Redis or files, shared by workers) and
gzip-compressed when the client accepts it. Bad input answers 400 with {"error": ...};
a database that is down answers 503; nothing answers 500 on purpose.
"""
from __future__ import annotations

import gzip
import hashlib
import math
import random
import re
from datetime import datetime, timezone

from flask import Response, abort, jsonify, request

from data_access import geo_layers, status
from data_access.cache import cache
from data_access.geo import gcj02_to_wgs84

CACHE_SECONDS = 60
MAX_BBOX_DEGREES = 20  # a city map never asks for more
GZIP_MIN_BYTES = 1024
REGION = re.compile(r"\d{9}")
CITY = re.compile(r"\d{6}")
SITE_IMAGE = re.compile(r"(WJ\d{5})-(before|after)\.svg")


class BadRequest(ValueError):
    pass


def parse_bbox(text: str | None, crs: str = "WGS84") -> tuple | None:
    """(west, south, east, north) in WGS-84 from 'minlon,minlat,maxlon,maxlat' (in the map's CRS)."""
    if text is None:
        return None
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise BadRequest(f"bbox must be four numbers minlon,minlat,maxlon,maxlat, got {text!r}") from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise BadRequest(f"bbox must be four numbers minlon,minlat,maxlon,maxlat, got {text!r}")
    west, south, east, north = values
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
        raise BadRequest(f"bbox is outside -180..180 / -90..90: {text!r}")
    if west >= east or south >= north:
        raise BadRequest(f"bbox must have minlon < maxlon and minlat < maxlat, got {text!r}")
    if east - west > MAX_BBOX_DEGREES or north - south > MAX_BBOX_DEGREES:
        raise BadRequest(f"bbox is larger than {MAX_BBOX_DEGREES}° on a side: {text!r}")
    if crs == "GCJ02":  # the map speaks GCJ-02; the database WGS-84 (the offset is < 0.01°)
        west, south = gcj02_to_wgs84(west, south)
        east, north = gcj02_to_wgs84(east, north)
        west, south, east, north = west - 0.001, south - 0.001, east + 0.001, north + 0.001
    return round(west, 5), round(south, 5), round(east, 5), round(north, 5)


def parse_params(layer: str, args, crs: str) -> dict:
    if layer not in geo_layers.LAYERS:
        raise BadRequest(f"unknown layer {layer!r}; layers: {', '.join(geo_layers.LAYERS)}")
    unknown = set(args) - {"bbox", "region", "city", "at", "pressure"}
    if unknown:
        raise BadRequest(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    params = {"bbox": parse_bbox(args.get("bbox"), crs), "region": None, "at": None, "pressure": None}
    region = args.get("region")
    if region:
        if not REGION.fullmatch(region):
            raise BadRequest(f"region must be a 9-digit division code, got {region!r}")
        params["region"] = region
    city = args.get("city")
    if city and not region:  # a city's regions; the layers take either code as their area
        if not CITY.fullmatch(city):
            raise BadRequest(f"city must be a 6-digit jurisdiction code, got {city!r}")
        params["region"] = city
    at = args.get("at")
    if at:
        try:
            moment = datetime.fromisoformat(at)
            if not 2000 <= moment.year <= 2100:
                raise ValueError
            # naive times are UTC, like the database; an offset is honoured
            params["at"] = moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
        except (ValueError, OverflowError):
            raise BadRequest(f"at must be an ISO time between 2000 and 2100 such as 2026-06-01T08:00, got {at!r}") from None
    pressure = args.get("pressure")
    if pressure:
        values = tuple(sorted(set(pressure.split(","))))
        bad = [v for v in values if v not in geo_layers.PRESSURES]
        if bad or layer != "gas-pipelines":
            raise BadRequest(f"pressure applies to gas-pipelines and is one of {', '.join(geo_layers.PRESSURES)}, "
                             f"got {pressure!r}")
        params["pressure"] = values
    return params


def _error(message: str, code: int):
    return jsonify({"error": message}), code


def _gzip_ok() -> bool:
    return "gzip" in (request.headers.get("Accept-Encoding") or "").lower()


def _respond(body: bytes, packed: bytes | None):
    if packed is not None and _gzip_ok():
        response = Response(packed, mimetype="application/geo+json")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(body, mimetype="application/geo+json")
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    return response


def site_svg(code: str, which: str) -> str:
    """A drawn demo photo of a site: the shed before, and after (cleared if demolished)."""
    from dashboard import media

    rng = random.Random(code)
    w, h = media.W, media.H
    x = rng.randint(120, 360)
    width = rng.randint(160, 240)
    shed = [media._rect(x, 210, width, 130, "#d9dde2", 'stroke="#7a8590" stroke-width="3"'),
            f'<path d="M{x - 12} 214 L{x + width / 2} 168 L{x + width + 12} 214 z" fill="#2f6fbf"/>',
            media._rect(x + 20, 260, 46, 80, "#7a8590"), media._rect(x + width - 70, 250, 44, 34, "#a9c4de")]
    rubble = [f'<ellipse cx="{x + 40 + i * 45}" cy="{332 - rng.randint(0, 8)}" rx="{rng.randint(14, 26)}" ry="7" '
              f'fill="{rng.choice(["#9b8f80", "#7d756b", "#b3a99b"])}"/>' for i in range(width // 45)]
    caption = f"演示照片 · {code} · {'整治前' if which == 'before' else '整治后'}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}">',
             media._rect(0, 0, w, media.HORIZON, "#a9c8e6"), *media._buildings(rng), *media._street()]
    if which == "before":
        parts += shed + [f'<circle cx="{x + width / 2}" cy="260" r="{width * 0.7:.0f}" fill="none" stroke="#ff2d2d" '
                         'stroke-width="5" stroke-dasharray="14 8"/>']
    else:
        parts += rubble
    parts += [media._rect(0, h - 44, w, 44, "rgba(0,0,0,0.6)"),
              f'<text x="16" y="{h - 15}" font-size="22" fill="#ffffff" font-family="{media.FONT}">{caption}</text>',
              "</svg>"]
    return "".join(parts)


def register(server):
    """Add the /api/v1/geo routes to the Flask server."""
    from dashboard.app import current_settings

    @server.get("/api/v1/geo/<layer>")
    def geo_layer(layer: str):
        settings = current_settings()
        try:
            params = parse_params(layer, request.args, settings.tile_crs)
        except BadRequest as exc:
            return _error(str(exc), 400)
        key = "geo:" + hashlib.sha1(repr((settings.database_url, settings.tile_crs, layer,
                                          sorted(params.items()))).encode()).hexdigest()
        hit = cache.get(key)
        if hit is None:
            try:
                text = geo_layers.layer_geojson(settings.database_url, layer, to_gcj02=settings.tile_crs == "GCJ02",
                                                **params)
            except geo_layers.LayerError as exc:
                return _error(str(exc), 400)
            except status.DB_ERRORS as exc:
                return _error(f"database unavailable: {status.describe_error(exc)}", 503)
            body = text.encode()
            packed = gzip.compress(body, compresslevel=5) if len(body) >= GZIP_MIN_BYTES else None
            hit = (body, packed)
            cache.set(key, hit, timeout=CACHE_SECONDS)
        return _respond(*hit)

    @server.get("/api/v1/geo/")
    @server.get("/api/v1/geo")
    def geo_index():
        return jsonify({"layers": list(geo_layers.LAYERS),
                        "parameters": {"bbox": "minlon,minlat,maxlon,maxlat", "region": "9-digit code", "city": "6-digit code",
                                       "at": "ISO time, UTC unless it has an offset (sensor layers)", "pressure": ",".join(geo_layers.PRESSURES)}})

    @server.get("/map-media/<name>")
    def site_image(name: str):
        match = SITE_IMAGE.fullmatch(name)
        if not match:
            abort(404)
        return Response(site_svg(match.group(1), match.group(2)), mimetype="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})
