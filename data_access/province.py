"""The province view (全省一张网): every city of the province with its cases and indicators.

A city's counts are its 镇街's rollup counts (`boards.counts` by region) summed, then rated
with the town ranking's definitions (`indicators`), so a city's 结案率 or grade means what a
town's does. The province's outlines are the reference cities of seeds/reference (GCJ-02,
converted to WGS-84); a city without regions in the database is shown as not connected (未接入).
"""
from __future__ import annotations

from dataclasses import replace
from functools import cache

import pandas as pd
from shapely.geometry import mapping
from sqlalchemy import select

from . import boards
from .cache import memoize
from .db import get_engine
from .filters import STORED_MEASURES, Scope
from .indicators import indicators
from .models import Jurisdiction, Region

LIVE_MEASURES = boards.LIVE_MEASURES
COUNT_COLUMNS = [*STORED_MEASURES, *LIVE_MEASURES]
OUTLINE_TOLERANCE = 0.002  # degrees (about 200 m): the outlines drawn at province scale


def province_scope(scope: Scope) -> Scope:
    """The scope across every city: a board's region or city filter does not narrow the province."""
    return replace(scope, region=None, city=None)


@memoize(300)
def region_cities(url: str) -> dict[str, str]:
    """Region code -> its jurisdiction's code."""
    with get_engine(url).connect() as conn:
        return dict(conn.execute(select(Region.code, Region.jurisdiction_code)).all())


@memoize(300)
def connected_cities(url: str) -> pd.DataFrame:
    """The jurisdictions with at least one region: code, name, name_en, regions."""
    q = (select(Jurisdiction.code, Jurisdiction.name, Jurisdiction.name_en, Region.code.label("region"))
         .join(Region, Region.jurisdiction_code == Jurisdiction.code))
    with get_engine(url).connect() as conn:
        rows = pd.DataFrame(conn.execute(q).all(), columns=["code", "name", "name_en", "region"])
    return (rows.groupby(["code", "name", "name_en"], as_index=False)["region"].count()
            .rename(columns={"region": "regions"}).sort_values("code", ignore_index=True))


def city_counts(url: str, scope: Scope) -> pd.DataFrame:
    """Every measure by city (`code`) within the scope's dates and filters, for connected cities."""
    by_region = boards.counts(url, province_scope(scope), ("region_code",))
    by_region["code"] = by_region["region_code"].map(region_cities(url))
    summed = by_region.groupby("code")[COUNT_COLUMNS].sum()
    cities = connected_cities(url)
    return cities.merge(summed, left_on="code", right_index=True, how="left").fillna(
        {m: 0 for m in COUNT_COLUMNS}).astype({m: int for m in COUNT_COLUMNS})


def city_scores(url: str, scope: Scope, weights: dict | None = None) -> pd.DataFrame:
    """Connected cities with counts, the five rates, score and grade, best score first."""
    table = indicators(city_counts(url, scope), weights)
    return table.sort_values(["score", "code"], ascending=[False, True], na_position="last", ignore_index=True)


def province_headline(url: str, scope: Scope, weights: dict | None = None) -> dict:
    """The province's totals rated as one area, with how many cities are connected."""
    counts = city_counts(url, scope)
    totals = indicators(counts[COUNT_COLUMNS].sum().to_frame().T, weights).iloc[0].to_dict()
    return totals | {"cities": len(counts)}


@cache
def province_shapes() -> dict:
    """The province's cities (seeds/reference, WGS-84) as GeoJSON keyed by code, with a label
    point inside each city (`properties.label`, lon/lat)."""
    from seeds.province import guangdong_cities  # reference data the seed also reads

    def rounded(coords):
        return [rounded(c) for c in coords] if isinstance(coords[0], (list, tuple)) else [round(c, 5) for c in coords]

    features = []
    for city in guangdong_cities():
        geometry = mapping(city.outline.simplify(OUTLINE_TOLERANCE))
        label = city.outline.representative_point()
        features.append({"type": "Feature", "id": city.code, "geometry": {
            "type": geometry["type"], "coordinates": rounded(geometry["coordinates"])},
            "properties": {"code": city.code, "name": city.name, "name_en": city.name_en,
                           "label": [round(label.x, 5), round(label.y, 5)]}})
    return {"type": "FeatureCollection", "features": features}


def province_map(url: str, scope: Scope) -> tuple[pd.DataFrame, dict]:
    """The connected cities' scores and the province's outlines."""
    return city_scores(url, scope), province_shapes()
