"""WGS-84 ↔ GCJ-02 conversion: the one place where coordinates change datum.

The database stores WGS-84. Chinese web tiles (and the reference boundaries) use GCJ-02,
so conversion happens at the edges: when seeding, and when a map is set to TILE_CRS=GCJ02.
Functions take floats or NumPy arrays.
"""
from __future__ import annotations

import numpy as np

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323


def _in_china(lon, lat):
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _delta(lon, lat):
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = _in_china(lon, lat)
    return dlon * inside, dlat * inside


def wgs84_to_gcj02(lon, lat):
    dlon, dlat = _delta(np.asarray(lon, float), np.asarray(lat, float))
    return _unwrap(lon + dlon, lat + dlat)


def gcj02_to_wgs84(lon, lat, iterations: int = 6):
    """Inverse by fixed-point iteration; error below 1e-7 degrees (about 1 cm)."""
    lon_a, lat_a = np.asarray(lon, float), np.asarray(lat, float)
    wlon, wlat = lon_a.copy(), lat_a.copy()
    for _ in range(iterations):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        wlon, wlat = wlon - (glon - lon_a), wlat - (glat - lat_a)
    return _unwrap(wlon, wlat)


def _unwrap(lon, lat):
    if np.ndim(lon) == 0:
        return float(lon), float(lat)
    return lon, lat


def transform_geometry(geometry: dict, fn) -> dict:
    """Apply a (lon, lat) → (lon, lat) function to every position of a GeoJSON geometry."""
    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            lon, lat = fn(coords[0], coords[1])
            return [round(lon, 6), round(lat, 6)]
        return [walk(c) for c in coords]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}
