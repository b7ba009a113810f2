"""The live monitor's queries on both backends: the new-case cursor, lamps, alarms, acks."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from data_access import alarms, clock, db, lifecycle, live
from data_access.models import AlarmAck, Case, Sensor, SensorReading

from factories import drive, new_case


def add_handling(eng, city, case_no, dispatched_minutes_ago, now, source="inspector"):
    with db.session_scope(eng) as session:
        case = new_case(case_no, city=city, source=source, time_limit=240)
        drive(case, ["report", "file", "dispatch"], now - timedelta(minutes=dispatched_minutes_ago + 2),
              every=timedelta(minutes=1), department_id=city.department.id)
        session.add(case)


@pytest.fixture
def city(mini_city):
    """The mini city plus `parts`: what factories.new_case needs to place a case in it."""
    from types import SimpleNamespace

    from sqlalchemy.orm import Session

    from data_access.models import Category, Department, Grid

    with Session(mini_city.engine) as s:
        grid = s.execute(select(Grid)).scalar_one()
        mini_city.parts = SimpleNamespace(
            category=s.execute(select(Category)).scalar_one(), department=s.execute(select(Department)).scalar_one(),
            grid=grid, community=SimpleNamespace(code=grid.community_code), region=SimpleNamespace(code=grid.region_code))
    return mini_city


def _city(mini):
    return mini.parts


def test_new_cases_after_cursor(city):
    rows = live.new_cases(city.url, None, limit=3)
    assert len(rows) == 3 and rows[0]["id"] > rows[1]["id"] > rows[2]["id"]
    cursor = live.last_case_id(city.url)
    assert live.new_cases(city.url, cursor) == []
    now = clock.utcnow()
    add_handling(city.engine, _city(city), "NEW-1", 10, now)
    add_handling(city.engine, _city(city), "NEW-2", 5, now)
    assert [r["case_no"] for r in live.new_cases(city.url, cursor)] == ["NEW-2", "NEW-1"]
    assert live.new_cases(city.url, cursor)[0]["category"] == "供水井盖异常"


def test_lamps_come_from_lifecycle(city):
    now = clock.utcnow().replace(microsecond=0)
    c = _city(city)
    add_handling(city.engine, c, "GREEN", 30, now)
    add_handling(city.engine, c, "YELLOW-40", 200, now)
    add_handling(city.engine, c, "YELLOW-20", 220, now)
    add_handling(city.engine, c, "RED", 300, now)
    groups = live.lamp_cases(city.url, now, per_department=50)
    assert len(groups) == 1
    shown = {row["case_no"]: row for row in groups[0]["cases"]}
    assert "GREEN" not in shown and {"YELLOW-40", "YELLOW-20", "RED"} <= set(shown)
    assert list(shown)[:2] == ["YELLOW-20", "YELLOW-40"]  # soonest deadline first
    with db.session_scope(city.engine) as session:
        for case in session.scalars(select(Case).options(selectinload(Case.stages))
                                    .where(Case.status == "dispatched")):
            expected = lifecycle.current_clock(case, now).lamp
            assert shown.get(case.case_no, {"lamp": "green"})["lamp"] == expected, case.case_no
    assert groups[0]["red"] == sum(1 for r in shown.values() if r["lamp"] == "red")
    assert shown["YELLOW-20"]["remaining_minutes"] == pytest.approx(20, abs=1)


def test_alarm_kinds_and_acks(city):
    now = clock.utcnow().replace(microsecond=0, second=0)
    c = _city(city)
    add_handling(city.engine, c, "SOON", 220, now)
    add_handling(city.engine, c, "LATER", 200, now)
    add_handling(city.engine, c, "CAM-1", 1, now, source="video_ai")
    with db.session_scope(city.engine) as session:
        for i, (kind, value) in enumerate([("gas", 35.0), ("gas", 3.0), ("water_level", 31.0), ("water_level", 12.0)]):
            session.add(Sensor(id=100 + i, code=f"S{i}", kind=kind, name=f"传感器{i}", unit="cm", lon=113.755,
                               lat=23.025, region_code=c.region.code, status="online"))
            session.flush()
            session.add(SensorReading(sensor_id=100 + i, measured_at=now - timedelta(minutes=1), value=value))
    found = alarms.current_alarms(city.url, now)
    keys = {a["key"] for a in found}
    assert {a["kind"] for a in found} == {"gas", "water", "video", "overdue"}
    assert any(k.startswith("gas:S0:") for k in keys) and not any(k.startswith("gas:S1:") for k in keys)
    assert any(k.startswith("water:S2:") for k in keys) and not any(k.startswith("water:S3:") for k in keys)
    assert "video:CAM-1" in keys
    assert {a["region_code"] for a in found if a["kind"] in ("gas", "water")} == {c.region.code}
    assert [a["case_no"] for a in found if a["kind"] == "overdue"] == ["SOON"]
    assert all(a["acked_by"] is None for a in found)

    with pytest.raises(alarms.AckError, match="姓名"):
        alarms.acknowledge(city.url, "video:CAM-1", "  ")
    user, at = alarms.acknowledge(city.url, "video:CAM-1", "张值班", now)
    assert (user, at) == ("张值班", now)
    assert alarms.acknowledge(city.url, "video:CAM-1", "李四", now + timedelta(minutes=1)) == ("张值班", now)
    acked = {a["key"]: a for a in alarms.current_alarms(city.url, now)}["video:CAM-1"]
    assert acked["acked_by"] == "张值班" and acked["acked_at"] == now
    with db.session_scope(city.engine) as session:
        assert session.scalars(select(AlarmAck.acked_by)).all() == ["张值班"]


def test_every_screen_shares_one_lamp_answer(city, make_settings):
    """In the app, /live's lamp poll is memoized: screens polling within LAMP_CACHE_SECONDS read
    one answer instead of each scanning the cases in 处置; outside an app it is computed."""
    from dashboard.app import create_app

    now = clock.utcnow()
    app = create_app(make_settings(city.url))
    with app.server.app_context():
        first = live.lamp_cases(city.url)
        add_handling(city.engine, _city(city), "LATE", 300, now)
        assert live.lamp_cases(city.url) == first
    shown = {row["case_no"] for group in live.lamp_cases(city.url) for row in group["cases"]}
    assert "LATE" in shown
