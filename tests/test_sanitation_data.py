"""市容环卫 on both backends: every headline figure against an independent computation from the raw
tables, every clicked figure against the list it opens, plausible seeded magnitudes, and the live hook."""
from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from dash import dcc, html
from sqlalchemy import create_engine, select

from dashboard import urlstate
from dashboard.panels import View
from data_access import boards, case_list, clock, objects
from data_access import sanitation as san
from data_access.filters import Scope
from data_access.models import Case, Category
from data_access.models_sanitation import (
    CleaningArea,
    PublicToilet,
    SanitationVehicle,
    SanitationVehicleDay,
    TransferStation,
    TransferStationDay,
    WasteDay,
)
from layouts import panels_sanitation  # noqa: F401  (registers the board's panels)
from seeds.sanitation import CITY_TONNES, FLEET

LOCAL = timedelta(hours=8)


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def rows(engine, *columns, where=()):
    with engine.connect() as conn:
        return conn.execute(select(*columns).where(*where)).all()


def scopes(engine):
    """The whole city over 30 days, and the busiest region over 7 days (picked by property)."""
    from collections import Counter

    today = clock.today()
    counts = Counter(r for (r,) in rows(engine, SanitationVehicle.region_code))
    region = max(counts, key=lambda r: (counts[r], r))
    return [Scope(today - timedelta(days=29), today), Scope(today - timedelta(days=6), today, region=region)]


def test_vehicle_states_and_work_against_raw_rows(seeded):
    url = url_of(seeded)
    for scope in scopes(seeded):
        vehicles = rows(seeded, SanitationVehicle.id, SanitationVehicle.kind, SanitationVehicle.status,
                        SanitationVehicle.region_code)
        mine = [v for v in vehicles if scope.region in (None, v.region_code)]
        states = san.vehicle_states(url, scope)
        for kind in san.VEHICLE_KINDS:
            for status in san.VEHICLE_STATUS:
                expected = sum(1 for v in mine if v.kind == kind and v.status == status)
                got = int(states[(states["kind"] == kind) & (states["status"] == status)]["n"].iloc[0])
                assert got == expected
        kind_of = {v.id: v.kind for v in vehicles}
        days = rows(seeded, SanitationVehicleDay.vehicle_id, SanitationVehicleDay.region_code, SanitationVehicleDay.day,
                    SanitationVehicleDay.km, SanitationVehicleDay.plan_km, SanitationVehicleDay.area_m2,
                    SanitationVehicleDay.plan_area_m2)
        days = [d for d in days if scope.day_from <= d.day <= scope.day_to and scope.region in (None, d.region_code)]
        road = sum(a for r, a in rows(seeded, CleaningArea.region_code, CleaningArea.road_area_m2)
                   if scope.region in (None, r))
        mech = sum(min(d.area_m2, d.plan_area_m2) for d in days if kind_of[d.vehicle_id] in san.SWEEPING_KINDS)
        n_days = (scope.day_to - scope.day_from).days + 1
        work = san.vehicle_work(url, scope)
        assert work["mech_rate"] == pytest.approx(mech / (road * n_days), rel=1e-9)
        assert work["km"] == pytest.approx(sum(d.km for d in days), rel=1e-9)
        assert work["plan_km"] == pytest.approx(sum(d.plan_km for d in days), rel=1e-9)
        assert work["area"] == pytest.approx(sum(d.area_m2 for d in days if kind_of[d.vehicle_id] in san.SWEEPING_KINDS),
                                             rel=1e-9)


def test_waste_rates_against_raw_rows(seeded):
    url = url_of(seeded)
    for scope in scopes(seeded):
        waste = [w for w in rows(seeded, WasteDay.day, WasteDay.region_code, WasteDay.waste_class, WasteDay.tonnes,
                                 WasteDay.recycled_t, WasteDay.harmless_t)
                 if scope.day_from <= w.day <= scope.day_to and scope.region in (None, w.region_code)]
        total = sum(w.tonnes for w in waste)
        data = san.waste(url, scope)
        assert data["total"] == pytest.approx(total, rel=1e-9)
        assert data["recycling_rate"] == pytest.approx(sum(w.recycled_t for w in waste) / total, rel=1e-9)
        assert data["harmless_rate"] == pytest.approx(sum(w.harmless_t for w in waste) / total, rel=1e-9)
        for cls in san.WASTE_CLASSES:
            got = float(data["by_class"].set_index("waste_class").at[cls, "tonnes"])
            assert got == pytest.approx(sum(w.tonnes for w in waste if w.waste_class == cls), rel=1e-9)


def test_stations_toilets_and_problems_against_raw_rows(seeded):
    url = url_of(seeded)
    today = clock.today()
    cats = {cid: code for cid, code in rows(seeded, Category.id, Category.code, where=[Category.kind == "event"])}
    cases = rows(seeded, Case.category_id, Case.reported_at, Case.region_code, Case.source, Case.status, Case.handled_at,
                 Case.deadline_at, Case.lon, Case.lat)
    toilets = rows(seeded, PublicToilet.status, PublicToilet.region_code, PublicToilet.lon, PublicToilet.lat)
    for scope in scopes(seeded):
        day = today - timedelta(days=1)
        capacity = {i: (c, r) for i, c, r in rows(seeded, TransferStation.id, TransferStation.capacity_t,
                                                  TransferStation.region_code)}
        loads = [(t, capacity[s][0]) for s, d, t in rows(seeded, TransferStationDay.station_id, TransferStationDay.day,
                                                         TransferStationDay.tonnes)
                 if d == day and scope.region in (None, capacity[s][1])]
        stations = san.stations(url, Scope(scope.day_from, day, region=scope.region))
        assert len(stations) == len(loads)
        assert int((stations["band"] == "over").sum()) == sum(1 for t, c in loads if t > c)
        assert int(stations["band"].isin(["high", "over"]).sum()) == sum(1 for t, c in loads if t >= 0.9 * c)

        data = san.toilets(url, scope)
        mine = [t for t in toilets if scope.region in (None, t.region_code)]
        assert data["states"] == {s: sum(1 for t in mine if t.status == s) for s in san.TOILET_STATUS}
        start = date_start(scope.day_from)
        end = date_start(scope.day_to + timedelta(days=1))
        in_scope = [c for c in cases if cats.get(c.category_id) == san.TOILET_CATEGORY and start <= c.reported_at < end
                    and scope.region in (None, c.region_code)]
        assert data["cases"] == len(in_scope)
        assert data["at_toilets"] == sum(1 for c in in_scope if any(
            abs(c.lon - t.lon) <= san.DLON and abs(c.lat - t.lat) <= san.DLAT for t in toilets))

        problems = san.problems(url, scope).set_index("code")
        for code in san.PROBLEM_CATEGORIES:
            mine = [c for c in cases if cats.get(c.category_id) == code and start <= c.reported_at < end
                    and scope.region in (None, c.region_code)]
            assert int(problems.at[code, "reported"]) == len(mine), code
            assert int(problems.at[code, "video"]) == sum(1 for c in mine if c.source == "video_ai")
            assert int(problems.at[code, "closed"]) == sum(1 for c in mine if c.status == "closed")
            assert int(problems.at[code, "on_time"]) == sum(
                1 for c in mine if c.status == "closed" and c.handled_at <= c.deadline_at)


def date_start(day: date):
    from datetime import datetime

    return datetime.combine(day, datetime.min.time()) - LOCAL


def _links(component) -> list[tuple[str, str]]:
    """(href, text) of every link in a built panel whose text is one whole number."""
    out = []

    def text_of(node) -> str:
        if isinstance(node, (str, int, float)):
            return str(node)
        if isinstance(node, (list, tuple)):
            return " ".join(text_of(n) for n in node)
        children = getattr(node, "children", None)
        return text_of(children) if children is not None else ""

    def walk(node):
        if isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
            return
        if isinstance(node, (dcc.Link, html.A)):
            if isinstance(node, dcc.Link):  # a KPI tile: its value is the second line
                value = text_of(node.children[1]) if isinstance(node.children, list) and len(node.children) > 1 else ""
            else:
                parts = node.children if isinstance(node.children, list) else [node.children]
                value = text_of(parts[-1]) if len(parts) > 1 else text_of(node.children)
            if re.fullmatch(r"[\d,]+", value.strip()):
                out.append((node.href, value.strip()))
        children = getattr(node, "children", None)
        if children is not None and not isinstance(children, str):
            walk(children)

    walk(component)
    return out


def count_behind(url: str, href: str) -> int:
    parts = urlsplit(href)
    params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.path == "/cases":
        query, problems = urlstate.parse("?" + parts.query, clock.today())
        assert problems == []
        return case_list.count_cases(url, query, clock.utcnow())
    kind = parts.path.rsplit("/", 1)[-1]
    selection, problems = objects.parse(kind, params, clock.today())
    assert problems == [], href
    return objects.count_selection(url, selection)


@pytest.mark.parametrize("search", ["?range=30d", "?range=7d&region=441900003", "?range=month&source=video_ai"])
def test_a_clicked_figure_and_its_list_agree(seeded, search):
    """Every whole-number figure the board draws as a link opens a list of exactly that many rows."""
    url, today = url_of(seeded), clock.today()
    query, _ = urlstate.parse(search, today)
    scope = boards.Scope(query.day_from, query.day_to, query.region, query.major, query.source)
    view = View(scope=scope, search=search, language="zh", rem=16, names=boards.names(url), today=today)
    checked = 0
    for panel_id in ("sanitation.kpis", "sanitation.fleet", "sanitation.stations", "sanitation.toilets",
                     "sanitation.problems"):
        from dashboard.panels import get

        panel = get(panel_id)
        built = panel.build(panel.data(url, scope), view)
        for href, value in _links(built):
            assert count_behind(url, href) == int(value.replace(",", "")), (panel_id, href)
            checked += 1
    assert checked >= 20


def test_magnitudes_are_plausible(seeded):
    """About 13,000 t a day for 10 million people, the fleet as declared, kitchen waste up at Spring Festival."""
    url = url_of(seeded)
    today = clock.today()
    assert len(rows(seeded, SanitationVehicle.id)) == pytest.approx(sum(FLEET.values()), rel=0.1)
    month = san.waste(url, Scope(today - timedelta(days=30), today - timedelta(days=1)))
    assert month["total"] / 30 == pytest.approx(CITY_TONNES, rel=0.1)
    assert 0.30 < month["recycling_rate"] < 0.40
    assert 0.99 < month["harmless_rate"] <= 1.0
    festival = san.waste(url, Scope(date(2026, 2, 15), date(2026, 2, 21)))
    march = san.waste(url, Scope(date(2026, 3, 9), date(2026, 3, 15)))
    kitchen = lambda d: float(d["by_class"].set_index("waste_class").at["kitchen", "tonnes"])
    assert kitchen(festival) > 1.15 * kitchen(march)
    assert festival["total"] < march["total"]  # the migrant city empties for the holiday
    rate = san.vehicle_work(url, Scope(today - timedelta(days=30), today - timedelta(days=1)))["mech_rate"]
    assert 0.6 < rate < 0.95


def test_live_hook_moves_vehicles_and_grows_today(seeded_sqlite, tmp_path):
    """On a copy of the seeded city: a GPS interval later, working vehicles moved along their routes and
    today's km, waste and station tonnes grew; a fix within the interval changes nothing."""
    source = seeded_sqlite.url.database
    copy = tmp_path / "copy.sqlite"
    shutil.copy(source, copy)
    engine = create_engine(f"sqlite:///{copy}")
    import numpy as np

    rng = np.random.default_rng(1)
    now = clock.utcnow().replace(microsecond=0)
    today = (now + LOCAL).date()

    def snapshot():
        with engine.connect() as conn:
            pos = {i: (lon, lat, s) for i, lon, lat, s in conn.execute(
                select(SanitationVehicle.id, SanitationVehicle.lon, SanitationVehicle.lat, SanitationVehicle.status))}
            km = sum(conn.execute(select(SanitationVehicleDay.km).where(SanitationVehicleDay.day == today)).scalars())
            tonnes = sum(conn.execute(select(WasteDay.tonnes).where(WasteDay.day == today)).scalars())
            station = sum(conn.execute(select(TransferStationDay.tonnes).where(TransferStationDay.day == today)).scalars())
        return pos, km, tonnes, station

    before = snapshot()
    with engine.begin() as conn:
        san.live_tick(conn, rng, now, force=True)
    first = snapshot()
    with engine.begin() as conn:
        assert san.live_tick(conn, rng, now + timedelta(seconds=5)) == 0  # within the GPS interval: nothing
    with engine.begin() as conn:
        moved = san.live_tick(conn, rng, now + timedelta(seconds=san.FIX_SECONDS))
    after = snapshot()
    assert moved > 0
    changed = [i for i in first[0] if first[0][i][:2] != after[0][i][:2]]
    assert len(changed) >= moved * 0.9
    assert after[1] > first[1] > before[1] - 1e-9
    assert after[2] > before[2] and after[3] > before[3]

    # Given the simulator's Session, new toilet faults are reported as 03001 cases at the toilet.
    from sqlalchemy import func
    from sqlalchemy.orm import Session

    def toilet_cases():
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Case).join(Category, Category.id == Case.category_id)
                                .where(Category.code == san.TOILET_CATEGORY)).scalar_one()

    reported = toilet_cases()
    for hour in range(1, 25):
        with Session(engine) as session:
            san.live_tick(session, rng, now + timedelta(hours=hour), force=True)
            session.commit()
    assert toilet_cases() > reported
    with engine.connect() as conn:
        newest = conn.execute(select(Case.description, Case.lon, Case.lat).join(Category, Category.id == Case.category_id)
                              .where(Category.code == san.TOILET_CATEGORY).order_by(Case.id.desc()).limit(1)).one()
        at = conn.execute(select(func.count()).select_from(PublicToilet).where(
            PublicToilet.lon.between(newest.lon - san.DLON, newest.lon + san.DLON),
            PublicToilet.lat.between(newest.lat - san.DLAT, newest.lat + san.DLAT))).scalar_one()
    assert newest.description.startswith("公共厕所故障") and at >= 1
    engine.dispose()
