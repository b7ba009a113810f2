"""燃气安全 board data: every headline figure against an independent computation from the raw
tables (the gas map's and the board's own), and figure = list count for every drill link."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from data_access import boards, clock, geo_layers, objects
from data_access import gas_safety as gas
from data_access.filters import CaseQuery, Scope, case_conditions, report_bounds
from data_access.models import Case, GasEvent, GasPipeline, MapFeature, Sensor
from data_access.models import SensorReading as SensorValue
from data_access.models_gas import (
    GasAlarmHandling,
    GasUser,
    GasUserInspection,
    LpgCylinder,
)


def url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def scopes(engine) -> list[Scope]:
    today = clock.today()
    with engine.connect() as conn:
        # a town that has pipes and alarms, picked by property
        region = conn.execute(select(GasPipeline.region_code).join(GasEvent, GasEvent.pipeline_id == GasPipeline.id)
                              .where(GasEvent.kind == "alarm").group_by(GasPipeline.region_code)
                              .order_by(func.count().desc(), GasPipeline.region_code)).scalars().first()
    return [Scope(today - timedelta(days=29), today), Scope(today - timedelta(days=89), today, region=region)]


def params(scope: Scope, **extra) -> dict:
    out = {"range": "custom", "from": str(scope.day_from), "to": str(scope.day_to)}
    if scope.region:
        out["region"] = scope.region
    return {**out, **{k: str(v) for k, v in extra.items()}}


def events(engine, scope: Scope, kind: str) -> pd.DataFrame:
    start, end = report_bounds(scope.day_from, scope.day_to)
    with engine.connect() as conn:
        rows = conn.execute(select(GasEvent.id, GasEvent.level, GasEvent.status, GasEvent.occurred_at,
                                   GasPipeline.region_code, GasAlarmHandling.handled_at)
                            .join(GasPipeline, GasPipeline.id == GasEvent.pipeline_id)
                            .outerjoin(GasAlarmHandling, GasAlarmHandling.event_id == GasEvent.id)
                            .where(GasEvent.kind == kind, GasEvent.occurred_at >= start, GasEvent.occurred_at < end)).all()
    df = pd.DataFrame(rows, columns=["id", "level", "status", "at", "region", "handled_at"])
    return df[df["region"] == scope.region] if scope.region else df


def test_network_equals_the_gas_map_tables(seeded):
    u = url(seeded)
    for scope in scopes(seeded):
        data = gas.network(u, scope)
        with seeded.connect() as conn:
            pipes = pd.DataFrame(conn.execute(select(GasPipeline.region_code, GasPipeline.pressure, GasPipeline.material,
                                                     GasPipeline.length_m)).all(),
                                 columns=["region", "pressure", "material", "m"])
            features = pd.DataFrame(conn.execute(select(MapFeature.region_code, MapFeature.kind)
                                                 .where(MapFeature.layer.in_(("gas_station", "gas_valve")))).all(),
                                    columns=["region", "kind"])
            sensors = pd.DataFrame(conn.execute(select(Sensor.region_code).where(Sensor.kind == "gas")).all(),
                                   columns=["region"])
        if scope.region:
            pipes, features, sensors = (d[d["region"] == scope.region] for d in (pipes, features, sensors))
        km = dict(data["summary"].length_by_pressure)
        for code, label in geo_layers.PRESSURES.items():
            part = pipes[pipes["pressure"] == code]
            assert km[label] == pytest.approx(round(part["m"].sum() / 1000, 1))
            assert data["pipes_by_pressure"][code] == len(part) == objects.count(u, "gas_pipelines", params(scope, pressure=code))
        for material, value in data["km_by_material"]:
            part = pipes[pipes["material"] == material]
            assert value == pytest.approx(round(part["m"].sum() / 1000, 1))
            assert len(part) == objects.count(u, "gas_pipelines", params(scope, material=material))
        for kind, n in data["stations"].items():
            assert n == (features["kind"] == kind).sum()
        assert data["sensors"] == len(sensors)


def test_alarms_and_time_to_handle_equal_raw_events(seeded):
    u = url(seeded)
    for scope in scopes(seeded):
        data = gas.alarms(u, scope)
        raw = events(seeded, scope, "alarm")
        assert data["total"] == len(raw) == objects.count(u, "gas_events", params(scope, event="alarm"))
        assert data["open"] == (raw["status"] == "open").sum()
        for level in gas.LEVELS:
            part = raw[raw["level"] == level]
            info = data["levels"][level]
            assert info["alarms"] == len(part) == objects.count(u, "gas_events", params(scope, event="alarm", level=level))
            handled = part.dropna(subset=["handled_at"])
            minutes = ((handled["handled_at"] - handled["at"]).dt.total_seconds() / 60).mean() if len(handled) else None
            assert info["minutes"] == (None if minutes is None else pytest.approx(minutes, rel=1e-6))
        assert data["daily"]["alarms"].sum() == len(raw)
        busiest = data["daily"].groupby("day")["alarms"].sum().idxmax()
        one_day = Scope(busiest, busiest, region=scope.region)
        assert data["daily"][data["daily"]["day"] == busiest]["alarms"].sum() == objects.count(
            u, "gas_events", params(one_day, event="alarm"))


def test_every_closed_alarm_has_a_handling_time_after_it(seeded):
    with seeded.connect() as conn:
        rows = conn.execute(select(GasEvent.status, GasEvent.occurred_at, GasAlarmHandling.handled_at)
                            .outerjoin(GasAlarmHandling, GasAlarmHandling.event_id == GasEvent.id)
                            .where(GasEvent.kind == "alarm")).all()
    assert rows
    for status, at, handled in rows:
        assert (handled is not None) == (status == "closed")
        assert handled is None or handled >= at


def test_hazards_equal_raw_events_and_open_onto_the_map(seeded):
    u = url(seeded)
    for scope in scopes(seeded):
        data = gas.hazards(u, scope)
        raw = events(seeded, scope, "hazard")
        for status in gas.HAZARD_STATUS:
            n = (raw["status"] == status).sum()
            assert data["by_status"][status] == n == objects.count(u, "gas_events", params(scope, event="hazard", status=status))
        for h in data["open"]:
            assert geo_layers.feature_position(u, "pipe", h["pipe"]) is not None  # /map/gas-pipelines?focus= finds it


def test_sensors_and_stations_open_their_place_on_the_gas_map(seeded):
    u = url(seeded)
    scope = scopes(seeded)[0]
    sensors = gas.sensors(u, scope)
    with seeded.connect() as conn:
        assert len(sensors) == conn.execute(select(func.count()).select_from(Sensor).where(Sensor.kind == "gas")).scalar()
        readings = pd.DataFrame(conn.execute(select(Sensor.code, SensorValue.measured_at, SensorValue.value)
                                             .join(SensorValue, SensorValue.sensor_id == Sensor.id)
                                             .where(Sensor.kind == "gas")).all(), columns=["code", "at", "value"])
    newest = readings.sort_values("at").groupby("code")["value"].last().to_dict()
    for row in sensors.itertuples():
        assert row.value == pytest.approx(newest[row.code])
        assert row.level == geo_layers.gas_level(row.value)
        assert row.pipe and geo_layers.feature_position(u, "pipe", row.pipe) is not None
    stations = gas.stations(u, scope)
    assert len(stations) and stations["pipe"].notna().all()


def test_users_equal_raw_users_and_their_lists(seeded):
    u = url(seeded)
    for scope in scopes(seeded):
        df = gas.users(u, scope)
        with seeded.connect() as conn:
            raw = pd.DataFrame(conn.execute(select(GasUser.region_code, GasUser.kind, GasUser.opened_on)).all(),
                               columns=["region", "kind", "opened"])
        raw = raw[raw["opened"] <= scope.day_to]
        if scope.region:
            raw = raw[raw["region"] == scope.region]
        assert df["users"].sum() == len(raw)
        top = df.groupby(["region_code", "kind"])["users"].sum().sort_values(ascending=False).head(3)
        for (region, kind), n in top.items():
            assert n == ((raw["region"] == region) & (raw["kind"] == kind)).sum()
            assert n == objects.count(u, "gas_users", {"region": region, "type": kind, "opened_by": str(scope.day_to)})


def test_annual_inspection_coverage_equals_raw_visits(seeded):
    u = url(seeded)
    for scope in scopes(seeded):
        data = gas.inspections(u, scope)
        with seeded.connect() as conn:
            users = pd.DataFrame(conn.execute(select(GasUser.id, GasUser.region_code, GasUser.opened_on)).all(),
                                 columns=["id", "region", "opened"])
            visits = pd.DataFrame(conn.execute(select(GasUserInspection.user_id, GasUserInspection.region_code,
                                                      GasUserInspection.inspected_at, GasUserInspection.result,
                                                      GasUserInspection.fixed_at)).all(),
                                  columns=["user", "region", "at", "result", "fixed"])
        if scope.region:
            users, visits = users[users["region"] == scope.region], visits[visits["region"] == scope.region]
        users = users[users["opened"] <= scope.day_to]
        local = visits["at"] + pd.Timedelta(hours=8)
        this_year = visits[(local.dt.date >= scope.day_to.replace(month=1, day=1)) & (local.dt.date <= scope.day_to)
                           & (visits["result"] != "absent")]
        covered = users["id"].isin(this_year["user"]).sum()
        assert data["users"] == len(users)
        assert data["covered"] == covered == objects.count(
            u, "gas_users", {"region": scope.region or "", "inspected_by": str(scope.day_to), "opened_by": str(scope.day_to)})
        assert data["coverage"] == pytest.approx(covered / len(users))
        in_range = visits[(local.dt.date >= scope.day_from) & (local.dt.date <= scope.day_to)]
        assert data["visits"] == len(in_range) == objects.count(u, "gas_inspections", params(scope))
        defects = in_range[in_range["result"] == "defect"]
        assert data["defects"] == len(defects) == objects.count(u, "gas_inspections", params(scope, result="defect"))
        assert data["fixed"] == defects["fixed"].notna().sum() == objects.count(
            u, "gas_inspections", params(scope, result="defect", fixed=1))
        assert data["absent"] == (in_range["result"] == "absent").sum()
        # Every user once a year: last year's visits cover nearly everyone, this year's are on their way.
        assert 0.3 < data["coverage"] <= 1


def test_cylinders_equal_raw_rows_and_their_lists(seeded):
    u = url(seeded)
    for scope in scopes(seeded):
        data = gas.cylinders(u, scope)
        with seeded.connect() as conn:
            raw = pd.DataFrame(conn.execute(select(LpgCylinder.region_code, LpgCylinder.status,
                                                   LpgCylinder.next_test_on)).all(), columns=["region", "status", "test"])
        if scope.region:
            raw = raw[raw["region"] == scope.region]
        for status, n in data["by_status"].items():
            assert n == (raw["status"] == status).sum() == objects.count(
                u, "lpg_cylinders", {"region": scope.region or "", "status": status})
        overdue = ((raw["test"] < scope.day_to) & (raw["status"] != "scrapped")).sum()
        assert data["overdue"] == overdue == objects.count(
            u, "lpg_cylinders", {"region": scope.region or "", "overdue": str(scope.day_to)})


def test_gas_cases_equal_raw_cases_and_the_list_of_all_of_them(seeded):
    u = url(seeded)
    scope = Scope(clock.today() - timedelta(days=364), clock.today())
    table = gas.case_table(u, scope)
    now = boards.utcnow()
    with seeded.connect() as conn:
        for row in table.itertuples():
            for measure, column in (("reported", row.reported), ("handled", row.handled),
                                    ("handled_on_time", row.handled_on_time)):
                q = CaseQuery.of(scope, category=row.code, measure=None if measure == "reported" else measure)
                assert column == conn.execute(select(func.count()).select_from(Case)
                                              .where(*case_conditions(q, now))).scalar()
        total = conn.execute(select(func.count()).select_from(Case).where(*case_conditions(
            CaseQuery.of(scope, category=",".join(gas.CASE_CATEGORIES)), now))).scalar()
    assert table["reported"].sum() == total > 0


def test_simulator_tick_raises_handles_and_inspects(engine):
    """The live hooks on an empty city do nothing and do not fail."""
    import numpy as np
    from sqlalchemy.orm import Session

    from seeds import gas_safety as gas_seed
    from seeds import landscaping as land_seed

    with Session(engine) as session:
        rng = np.random.default_rng(1)
        assert gas_seed.tick(session, rng, clock.utcnow(), 60) == {"raised": 0, "handled": 0, "visits": 0, "fixed": 0}
        assert land_seed.tick(session, rng, clock.utcnow(), 60) == 0
        session.commit()

