"""WGS-84 ↔ GCJ-02 against published vectors, round trips over Dongguan, and GeoJSON geometries."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from data_access.geo import gcj02_to_wgs84, transform_geometry, wgs84_to_gcj02


def metres(lon1, lat1, lon2, lat2):
    """Equirectangular distance, plenty for offsets of a few hundred metres."""
    r = 6371008.8
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return r * math.hypot(x, math.radians(lat2 - lat1))


# (WGS-84 lon, lat), (GCJ-02 lon, lat), where the pair is published
REFERENCE = [
    # googollee/eviltransform test suite (Shanghai, Shenzhen, Beijing)
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    # wandergis/coordtransform README example
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    # the commonly quoted Tiananmen vector, published to 6 decimals (about 0.1 m)
    ((116.397128, 39.916527), (116.403373, 39.917929)),
]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_wgs84_to_gcj02_matches_published_vectors(wgs, gcj):
    got = wgs84_to_gcj02(*wgs)
    assert metres(*got, *gcj) < 0.5
    # the offset itself is hundreds of metres, so the check above is meaningful
    assert 100 < metres(*wgs, *gcj) < 1000


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_gcj02_to_wgs84_matches_published_vectors(wgs, gcj):
    assert metres(*gcj02_to_wgs84(*gcj), *wgs) < 0.5


def test_gcj02_to_wgs84_matches_gcoord():
    # hujiulong/gcoord unit test: GCJ02 (123, 45) → WGS84, checked to 5 decimals there
    lon, lat = gcj02_to_wgs84(123, 45)
    assert lon == pytest.approx(122.99395597, abs=1e-5)
    assert lat == pytest.approx(44.99804071, abs=1e-5)


def test_scalars_come_back_as_floats():
    for fn in (wgs84_to_gcj02, gcj02_to_wgs84):
        lon, lat = fn(113.75, 23.02)
        assert type(lon) is float and type(lat) is float


DONGGUAN = np.meshgrid(np.linspace(113.5, 114.3, 81), np.linspace(22.6, 23.2, 61))


def test_round_trips_over_dongguan_vectorised():
    lon, lat = DONGGUAN
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert glon.shape == lon.shape == glat.shape
    # a real shift everywhere: about 500 m east and 280 m south in Dongguan
    assert (np.abs(glon - lon) > 3e-3).all() and (np.abs(glat - lat) > 1e-3).all()
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert max(np.abs(wlon - lon).max(), np.abs(wlat - lat).max()) < 1e-7  # documented: below 1e-7 degrees
    # and the other way round
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    glon, glat = wgs84_to_gcj02(wlon, wlat)
    assert max(np.abs(glon - lon).max(), np.abs(glat - lat).max()) < 1e-7


def test_vectorised_equals_scalar():
    lon, lat = DONGGUAN[0].ravel()[::97], DONGGUAN[1].ravel()[::97]
    for fn in (wgs84_to_gcj02, gcj02_to_wgs84):
        vlon, vlat = fn(lon, lat)
        scalar = np.array([fn(float(x), float(y)) for x, y in zip(lon, lat)])
        np.testing.assert_allclose(np.c_[vlon, vlat], scalar, rtol=0, atol=1e-12)


def test_lists_are_accepted():
    lon, lat = wgs84_to_gcj02([113.75, 113.8], [23.02, 23.05])
    assert lon.shape == (2,) and lon[0] == wgs84_to_gcj02(113.75, 23.02)[0]


OUTSIDE = [(-0.1276, 51.5072), (-74.006, 40.7128), (151.2093, -33.8688), (139.6917, 35.6895), (0.0, 0.0),
           (37.6173, 55.7558), (70.0, 30.0), (116.4, 56.0)]


@pytest.mark.parametrize(("lon", "lat"), OUTSIDE)
def test_outside_china_is_unchanged(lon, lat):
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_mixed_arrays_shift_only_the_points_in_china():
    lon = np.array([113.75, -0.1276, 116.404, 151.2093])
    lat = np.array([23.02, 51.5072, 39.915, -33.8688])
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert (glon != lon).tolist() == [True, False, True, False]
    assert (glat != lat).tolist() == [True, False, True, False]


POLYGON = {"type": "Polygon", "coordinates": [
    [[113.70, 22.95], [113.80, 22.95], [113.80, 23.05], [113.70, 23.05], [113.70, 22.95]],
    [[113.74, 22.99], [113.76, 22.99], [113.76, 23.01], [113.74, 22.99]],  # a hole
]}
MULTI = {"type": "MultiPolygon", "coordinates": [
    POLYGON["coordinates"],
    [[[114.10, 22.70], [114.20, 22.70], [114.15, 22.80], [114.10, 22.70]]],
]}
SHAPES = {"Polygon": POLYGON, "MultiPolygon": MULTI,
          "Point": {"type": "Point", "coordinates": [113.75, 23.02]},
          "LineString": {"type": "LineString", "coordinates": [[113.7, 23.0], [113.8, 23.1]]}}


def positions(coords):
    if isinstance(coords[0], (int, float)):
        return [tuple(coords)]
    return [p for c in coords for p in positions(c)]


def shape_of(coords):
    return None if isinstance(coords[0], (int, float)) else [shape_of(c) for c in coords]


@pytest.mark.parametrize("kind", SHAPES)
def test_transform_geometry(kind):
    geometry = SHAPES[kind]
    original = copy.deepcopy(geometry)
    out = transform_geometry(geometry, wgs84_to_gcj02)
    assert geometry == original  # the input is not touched
    assert out["type"] == kind
    assert shape_of(out["coordinates"]) == shape_of(geometry["coordinates"])
    for (lon, lat), (glon, glat) in zip(positions(geometry["coordinates"]), positions(out["coordinates"])):
        elon, elat = wgs84_to_gcj02(lon, lat)
        assert (glon, glat) == (round(elon, 6), round(elat, 6))  # rounded to 6 decimals, about 0.1 m
    back = transform_geometry(out, gcj02_to_wgs84)
    for (lon, lat), (wlon, wlat) in zip(positions(geometry["coordinates"]), positions(back["coordinates"])):
        assert abs(wlon - lon) < 2e-6 and abs(wlat - lat) < 2e-6  # two roundings to 6 decimals


def test_transform_geometry_keeps_rings_closed():
    out = transform_geometry(MULTI, wgs84_to_gcj02)
    for polygon in out["coordinates"]:
        for ring in polygon:
            assert ring[0] == ring[-1]
