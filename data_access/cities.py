"""The cities (jurisdictions) that have regions, for the `city` filter and its switch.

A database holds one or more cities; each region belongs to one. The home city, shown when a
URL names none and named in the header, is the one app_meta `home_city` names (the demo seed
names Dongguan), else the first by code.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .cache import memoize
from .db import get_engine
from .models import Jurisdiction, Meta, Region

HOME_KEY = "home_city"  # app_meta key


@dataclass(frozen=True)
class City:
    code: str
    name: str
    name_en: str
    center: tuple[float, float]  # lon, lat
    regions: tuple[str, ...]  # its 镇街 codes, in order


@memoize(300)
def cities(url: str) -> tuple[City, ...]:
    """Every jurisdiction with at least one region, by code."""
    J = Jurisdiction
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(J.code, J.name, J.name_en, J.center_lon, J.center_lat, Region.code.label("region"))
                            .join(Region, Region.jurisdiction_code == Jurisdiction.code)
                            .order_by(Jurisdiction.code, Region.code)).all()
    regions: dict[str, list[str]] = {}
    for row in rows:
        regions.setdefault(row.code, []).append(row.region)
    first = {row.code: row for row in rows}
    return tuple(City(code, first[code].name, first[code].name_en, (first[code].center_lon, first[code].center_lat),
                      tuple(codes)) for code, codes in regions.items())


def home_code(conn) -> str | None:
    """The home city's code: app_meta's `home_city` if it is a jurisdiction, else the first by code."""
    named = conn.execute(select(Jurisdiction.code).join(Meta, Meta.value == Jurisdiction.code)
                         .where(Meta.key == HOME_KEY)).scalar()
    return named or conn.execute(select(Jurisdiction.code).order_by(Jurisdiction.code).limit(1)).scalar()


@memoize(300)
def home_city(url: str) -> City | None:
    """The home city among those with regions (the first of them when the home has none)."""
    with get_engine(url).connect() as conn:
        code = home_code(conn)
    known = cities(url)
    return next((c for c in known if c.code == code), known[0] if known else None)


def city_named(url: str, code: str | None) -> City | None:
    return next((c for c in cities(url) if c.code == code), None)


def city_regions(url: str, code: str) -> tuple[str, ...]:
    """The region codes of a city (none for an unknown code)."""
    city = city_named(url, code)
    return city.regions if city else ()


def city_of_region(url: str, region: str) -> str | None:
    return next((c.code for c in cities(url) if region in c.regions), None)
