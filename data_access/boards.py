"""Data for board panels: counts from the rollups, live states from the open-case index.

Every function takes plain values (a database URL and a frozen Scope) so results memoize,
and returns a DataFrame. Counts by any of the dimensions in DIMENSIONS come from
`case_rollup_daily`; only `overdue` and `overdue_unclosed`, which change as the clock runs,
are counted on the open cases (a small set: the (status, deadline_at) index finds them).
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pandas as pd
from sqlalchemy import case, func, literal, select

from . import lifecycle
from .clock import utcnow
from .cache import memoize
from .cities import city_regions
from .db import get_engine
from .filters import MEASURES, STORED_MEASURES, CaseQuery, Scope, case_conditions, region_conditions
from .indicators import indicators
from .models import Case, Category, Community, DailyRollup, Department, HourlyRollup, Region
from .rollups import DURATIONS, NO_DEPARTMENT
from .sqlfuncs import local_date, minutes_between

LIVE_MEASURES = ("overdue", "overdue_unclosed")
CASE_TYPE = case((Category.major_code <= "05", literal("component")), else_=literal("event"))
# Dimension name: (rollup column, raw case column) — both group the same way.
DIMENSIONS = {
    "day": (DailyRollup.day, local_date(Case.reported_at)),
    "region_code": (DailyRollup.region_code, Case.region_code),
    "category_id": (DailyRollup.category_id, Case.category_id),
    "department_id": (DailyRollup.department_id, func.coalesce(Case.department_id, literal(NO_DEPARTMENT))),
    "source": (DailyRollup.source, Case.source),
    "major_code": (Category.major_code, Category.major_code),
    "case_type": (CASE_TYPE, CASE_TYPE),
}
# Dimensions below the rollups' 镇街 level: grouped on the raw cases of ONE region only, which
# the (region_code, reported_at) index finds (see community_counts).
RAW_DIMENSIONS = {"community_code": Case.community_code}
CACHE_SECONDS = 15


def _rollup_scope(scope: Scope) -> list:
    conditions = [DailyRollup.day >= scope.day_from, DailyRollup.day <= scope.day_to]
    conditions += region_conditions(DailyRollup.region_code, scope)
    if scope.source:
        conditions.append(DailyRollup.source == scope.source)
    if scope.major:
        conditions.append(Category.major_code == scope.major)
    return conditions


@memoize(CACHE_SECONDS)
def counts(url: str, scope: Scope, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every measure (stored and live) and duration sum, grouped by `by` within `scope`."""
    keys = [DIMENSIONS[d][0].label(d) for d in by]
    sums = [func.coalesce(func.sum(getattr(DailyRollup, m)), 0).label(m) for m in [*STORED_MEASURES, *DURATIONS]]
    stored_q = (select(*keys, *sums).join(Category, Category.id == DailyRollup.category_id)
                .where(*_rollup_scope(scope)))
    live_keys = [DIMENSIONS[d][1].label(d) for d in by]
    now = utcnow()
    live_q = (select(*live_keys, *[func.sum(case((MEASURES[m](now), 1), else_=0)).label(m) for m in LIVE_MEASURES])
              .join(Category, Category.id == Case.category_id)
              .where(*case_conditions(CaseQuery.of(scope), now), MEASURES["overdue_unclosed"](now)))
    if by:
        stored_q = stored_q.group_by(*keys)
        live_q = live_q.group_by(*live_keys)
    with get_engine(url).connect() as conn:
        stored = pd.DataFrame(conn.execute(stored_q).mappings().all(), columns=[*by, *STORED_MEASURES, *DURATIONS])
        live = pd.DataFrame(conn.execute(live_q).mappings().all(), columns=[*by, *LIVE_MEASURES])
    if not by:
        stored = stored.fillna(0)
        live = live.fillna(0) if len(live) else pd.DataFrame([{m: 0 for m in LIVE_MEASURES}])
        merged = pd.concat([stored.reset_index(drop=True), live.reset_index(drop=True)], axis=1)
    else:
        merged = stored.merge(live, on=list(by), how="outer")
    return _typed(merged)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """Counts as int and durations as float, also for an empty result (whose columns are object)."""
    df[[*STORED_MEASURES, *LIVE_MEASURES]] = df[[*STORED_MEASURES, *LIVE_MEASURES]].fillna(0).astype(int)
    df[list(DURATIONS)] = df[list(DURATIONS)].fillna(0.0).astype(float)
    return df


def indicator_table(url: str, scope: Scope, by: tuple[str, ...], weights: dict | None = None) -> pd.DataFrame:
    """Counts by `by` with the five rates, the composite score and grade."""
    return indicators(counts(url, scope, by), weights)


@memoize(CACHE_SECONDS)
def reports_by_weekday_hour(url: str, scope: Scope) -> pd.DataFrame:
    """Reports per local weekday (Monday = 0) and hour, from the hourly rollup."""
    conditions = [HourlyRollup.day >= scope.day_from, HourlyRollup.day <= scope.day_to,
                  *region_conditions(HourlyRollup.region_code, scope)]
    for column, value in ((HourlyRollup.major_code, scope.major), (HourlyRollup.source, scope.source)):
        if value:
            conditions.append(column == value)
    q = (select(HourlyRollup.day, HourlyRollup.hour, func.sum(HourlyRollup.reported).label("reported"))
         .where(*conditions).group_by(HourlyRollup.day, HourlyRollup.hour))
    with get_engine(url).connect() as conn:
        df = pd.DataFrame(conn.execute(q).all(), columns=["day", "hour", "reported"])
    df["weekday"] = pd.to_datetime(df["day"]).dt.day_of_week
    grid = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    return df.groupby(["weekday", "hour"])["reported"].sum().reindex(grid, fill_value=0).reset_index()


@memoize(CACHE_SECONDS)
def open_lamps(url: str, scope: Scope) -> pd.DataFrame:
    """Open cases in 处置 by department and lamp: red is the `overdue` measure, yellow the
    `due_soon` measure (the same conditions /cases lists), green the rest."""
    now = utcnow()
    lamp = {m: func.sum(case((MEASURES[m](now), 1), else_=0)).label(m) for m in ("overdue", "due_soon")}
    q = (select(Case.department_id, func.count().label("total"), *lamp.values())
         .where(*case_conditions(CaseQuery.of(scope), now), Case.status.in_(lifecycle.HANDLING_STATUSES))
         .group_by(Case.department_id))
    with get_engine(url).connect() as conn:
        df = pd.DataFrame(conn.execute(q).all(), columns=["department_id", "total", "overdue", "due_soon"])
    df = df.fillna(0).astype(int)
    return pd.DataFrame({"department_id": df["department_id"], "green": df["total"] - df["overdue"] - df["due_soon"],
                         "yellow": df["due_soon"], "red": df["overdue"]}).astype(int)


@memoize(CACHE_SECONDS)
def latest_cases(url: str, scope: Scope, limit: int = 30) -> pd.DataFrame:
    """The newest cases in scope, from the reported_at index."""
    q = (select(Case.case_no, Case.reported_at, Case.region_code, Case.category_id, Case.source,
                Case.status, Case.urgency, Case.address)
         .where(*case_conditions(CaseQuery.of(scope), utcnow()))
         .order_by(Case.reported_at.desc(), Case.id.desc()).limit(limit))
    with get_engine(url).connect() as conn:
        return pd.DataFrame(conn.execute(q).all(), columns=list(q.selected_columns.keys()))


@memoize(300)
def names(url: str) -> dict[str, dict]:
    """Display names of regions, categories and departments, keyed by their codes or ids."""
    with get_engine(url).connect() as conn:
        regions = {r.code: r.name for r in conn.execute(select(Region.code, Region.name))}
        categories = {r.id: (r.code, r.name, r.major_code, r.major_name)
                      for r in conn.execute(select(Category.id, Category.code, Category.name,
                                                   Category.major_code, Category.major_name))}
        departments = {r.id: r.name for r in conn.execute(select(Department.id, Department.name))}
        communities = {r.code: r.name for r in conn.execute(select(Community.code, Community.name))}
    departments[NO_DEPARTMENT] = "未派遣"
    return {"regions": regions, "categories": categories, "departments": departments, "communities": communities}


@memoize(3600)
def region_shapes(url: str, city: str | None = None) -> dict:
    """The regions (of one city, or all) as a GeoJSON FeatureCollection keyed by code (for choropleths)."""
    where = [Region.jurisdiction_code == city] if city else []
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(Region.code, Region.name, Region.geometry).where(*where)
                            .order_by(Region.code)).all()
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": r.code, "properties": {"code": r.code, "name": r.name},
         "geometry": json.loads(r.geometry)} for r in rows]}


@memoize(CACHE_SECONDS)
def open_counts(url: str, scope: Scope) -> dict:
    """`open` and the live measures of the scope, counted on its open cases only (the status
    index finds them): the same numbers as `counts`, without reading a year of rollup rows."""
    now = utcnow()
    measures = ("open", *LIVE_MEASURES)
    q = (select(*[func.coalesce(func.sum(case((MEASURES[m](now), 1), else_=0)), 0).label(m) for m in measures])
         .where(*case_conditions(CaseQuery.of(scope), now), MEASURES["open"](now)))
    with get_engine(url).connect() as conn:
        return {m: int(v) for m, v in conn.execute(q).one()._mapping.items()}


@memoize(CACHE_SECONDS)
def headline(url: str, scope: Scope) -> dict:
    """KPIs for the scope's last day and the whole scope (the board's range), and the cases
    still open (and overdue) from the last year."""
    day = scope.day_to
    windows = {"day": replace(scope, day_from=day), "range": scope}
    year = replace(scope, day_from=day - timedelta(days=364))
    return {name: indicators(counts(url, window)).iloc[0].to_dict() | {"day_from": window.day_from}
            for name, window in windows.items()} | {"year": open_counts(url, year) | {"day_from": year.day_from}}


def daily(url: str, scope: Scope) -> pd.DataFrame:
    """Counts per local day with every day of the scope present."""
    df = counts(url, scope, ("day",))
    df["day"] = pd.to_datetime(df["day"]).dt.date
    days = pd.date_range(scope.day_from, scope.day_to).date
    return df.set_index("day").reindex(days, fill_value=0).rename_axis("day").reset_index()


def region_scores(url: str, scope: Scope, weights: dict | None = None) -> pd.DataFrame:
    """Indicators by region (of the scope's city) with names, best score first; regions without
    cases included."""
    table = indicator_table(url, scope, ("region_code",), weights)
    regions = names(url)["regions"]
    if scope.city:
        regions = {code: regions[code] for code in city_regions(url, scope.city)}
    table = pd.DataFrame({"region_code": list(regions)}).merge(table, on="region_code", how="left")
    table["name"] = table["region_code"].map(regions)
    return table.sort_values(["score", "region_code"], ascending=[False, True], na_position="last")


def counts_from_cases(url: str, scope: Scope, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """The same table as `counts`, aggregated straight from raw cases: the baseline that
    benchmarks compare the rollups with, and the counts below the rollups' region level."""
    now = utcnow()
    keys = [(RAW_DIMENSIONS[d] if d in RAW_DIMENSIONS else DIMENSIONS[d][1]).label(d) for d in by]
    sums = [func.coalesce(func.sum(case((MEASURES[m](now), 1), else_=0)), 0).label(m)
            for m in [*STORED_MEASURES, *LIVE_MEASURES]]
    durations = [func.coalesce(func.sum(case((end.isnot(None), minutes_between(start, end)), else_=0.0)), 0.0).label(name)
                 for name, (start, end) in DURATIONS.items()]
    q = (select(*keys, *sums, *durations).join(Category, Category.id == Case.category_id)
         .where(*case_conditions(CaseQuery.of(scope), now)))
    if by:
        q = q.group_by(*keys)
    with get_engine(url).connect() as conn:
        return _typed(pd.DataFrame(conn.execute(q).mappings().all(),
                                   columns=[*by, *STORED_MEASURES, *LIVE_MEASURES, *DURATIONS]))


@memoize(CACHE_SECONDS)
def community_counts(url: str, scope: Scope) -> pd.DataFrame:
    """Every measure by 社区 of the scope's region, counted on that region's raw cases.

    The rollups stop at 镇街; one 镇街's cases in a board range are a few thousand rows that
    the (region_code, reported_at) index finds, so they are grouped directly (README, Scale)."""
    if not scope.region:
        raise ValueError("community counts need a region")
    return counts_from_cases(url, scope, ("community_code",))


def area_scores(url: str, scope: Scope, weights: dict | None = None) -> pd.DataFrame:
    """Indicators one level below the scope, best first: the 镇街 citywide, or the 社区 of the
    scope's 镇街. Columns `code`, `name`, `level` ("region" or "community") and the indicators;
    areas without cases are included with no score."""
    if not scope.region:
        table = region_scores(url, scope, weights).rename(columns={"region_code": "code"})
        table["level"] = "region"
        return table
    table = indicators(community_counts(url, scope), weights).rename(columns={"community_code": "code"})
    shapes = community_shapes(url, scope.region)
    codes = [f["properties"]["code"] for f in shapes["features"]]
    table = pd.DataFrame({"code": codes}).merge(table, on="code", how="left")
    table["name"] = table["code"].map({f["properties"]["code"]: f["properties"]["name"] for f in shapes["features"]})
    table["level"] = "community"
    return table.sort_values(["score", "code"], ascending=[False, True], na_position="last")


@memoize(3600)
def community_shapes(url: str, region: str) -> dict:
    """The 社区 of one region as a GeoJSON FeatureCollection keyed by code."""
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(Community.code, Community.name, Community.geometry)
                            .where(Community.region_code == region).order_by(Community.code)).all()
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": r.code, "properties": {"code": r.code, "name": r.name},
         "geometry": json.loads(r.geometry)} for r in rows]}


def area_shapes(url: str, region: str | None, city: str | None = None) -> dict:
    """The shapes `area_scores` scores: the 镇街 (of the city), or the 社区 of one 镇街."""
    return community_shapes(url, region) if region else region_shapes(url, city)
