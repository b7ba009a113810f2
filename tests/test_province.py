"""Several demo cities (`cockpit seed --jurisdictions N`) and the province view's figures, on
SQLite and PostgreSQL: every city's cases, 结案率, 按期结案率, score and grade equal a computation
straight from the cases table; the seed is deterministic and case numbers stay unique."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from dashboard import cli
from data_access import clock, db, province
from data_access.clock import LOCAL_OFFSET
from data_access.filters import Scope
from data_access.indicators import DEFAULT_WEIGHTS, grade
from seeds import province as province_seed
from seeds.demo import seed_demo

PROVINCE_CASES = 400  # Dongguan's; the further cities get theirs in proportion to population
PROVINCE_SEED = 3
CITIES = 3


def seed_province(url: str):
    eng = db.get_engine(url)
    db.upgrade(eng)
    seed_demo(eng, cases=PROVINCE_CASES, seed=PROVINCE_SEED, progress=False, jurisdictions=CITIES)
    return eng


@pytest.fixture(scope="module")
def province_sqlite(tmp_path_factory):
    return seed_province(f"sqlite:///{tmp_path_factory.mktemp('province') / 'cockpit.sqlite'}")


@pytest.fixture(scope="module")
def province_postgresql(pg_server):
    return seed_province(pg_server.create())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def three_cities(request):
    """Dongguan and two further cities, seeded once per module and backend; read only."""
    return request.getfixturevalue(f"province_{request.param}")


def frame(engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        df = pd.read_sql_query(text(sql), conn)
    for column in df.columns[df.columns.str.endswith("_at")]:
        df[column] = pd.to_datetime(df[column], format="ISO8601")
    return df


def raw_city_figures(engine, scope: Scope) -> pd.DataFrame:
    """Every city's figures from the raw cases, in pandas: the definitions written out again."""
    cases = frame(engine, """SELECT r.jurisdiction_code AS code, c.reported_at, c.status, c.handled_at,
                                    c.deadline_at, c.suspended_at, c.rework_count
                             FROM cases c JOIN regions r ON r.code = c.region_code""")
    day = (cases["reported_at"] + LOCAL_OFFSET).dt.date
    cases = cases[(day >= scope.day_from) & (day <= scope.day_to)].copy()
    now = pd.Timestamp(clock.utcnow())
    late = cases["deadline_at"] < now
    handled = cases["handled_at"].notna()
    on_time = handled & (cases["handled_at"] <= cases["deadline_at"])
    closed = cases["status"] == "closed"
    overdue = ((cases["status"] == "dispatched") & late) | (
        (cases["status"] == "suspended") & (cases["deadline_at"] < cases["suspended_at"]))
    unclosed = overdue | (cases["status"].isin(["handled", "fed_back", "verified"]) & late)
    cases = cases.assign(reported=1, handled=handled, handled_on_time=on_time, closed=closed,
                         closed_on_time=closed & on_time, overdue=overdue, unclosed=unclosed,
                         reworked=cases["rework_count"] > 0)
    sums = cases.groupby("code")[["reported", "handled", "handled_on_time", "closed", "closed_on_time",
                                  "overdue", "unclosed", "reworked"]].sum()
    due_closing = sums["closed"] + sums["unclosed"]
    due_handling = sums["handled"] + sums["overdue"]
    rates = pd.DataFrame({
        "closing_rate": sums["closed"] / due_closing, "on_time_closing_rate": sums["closed_on_time"] / due_closing,
        "handling_rate": sums["handled"] / due_handling, "on_time_handling_rate": sums["handled_on_time"] / due_handling,
        "rework_rate": sums["reworked"] / due_closing})
    value = rates.assign(rework_rate=1 - rates["rework_rate"])
    weights = pd.Series(DEFAULT_WEIGHTS)
    score = 100 * (value[weights.index] * weights).sum(axis=1) / value[weights.index].notna().mul(weights).sum(axis=1)
    return sums.assign(**rates, score=score, grade=score.map(grade))


@pytest.mark.parametrize("days", [30, 365])
def test_city_figures_equal_the_raw_cases(three_cities, days):
    url = three_cities.url.render_as_string(hide_password=False)
    today = clock.today()
    scope = Scope(today - timedelta(days=days - 1), today)
    shown = province.city_scores(url, scope).set_index("code")
    raw = raw_city_figures(three_cities, scope)
    assert list(shown.index.sort_values()) == sorted(["441900", *[c.code for c in province_seed.further_cities(2)]])
    assert raw["reported"].min() > 0  # every city has cases in the range
    for code, row in raw.iterrows():
        assert shown.loc[code, "reported"] == row["reported"], code
        assert shown.loc[code, "closed"] == row["closed"], code
        for rate in ("closing_rate", "on_time_closing_rate", "score"):
            assert shown.loc[code, rate] == pytest.approx(row[rate]), (code, rate)
        assert shown.loc[code, "grade"] == row["grade"], code
    totals = province.province_headline(url, scope)
    assert totals["cities"] == CITIES and totals["reported"] == raw["reported"].sum()
    assert totals["closing_rate"] == pytest.approx(raw["closed"].sum() / (raw["closed"] + raw["unclosed"]).sum())


def test_a_region_or_city_filter_does_not_narrow_the_province(three_cities):
    url = three_cities.url.render_as_string(hide_password=False)
    today = clock.today()
    everywhere = Scope(today - timedelta(days=364), today)
    narrowed = Scope(today - timedelta(days=364), today, region="441900003", city="441900")
    pd.testing.assert_frame_equal(province.city_scores(url, everywhere), province.city_scores(url, narrowed))


def test_cases_follow_population_and_numbers_are_unique(three_cities):
    cases = frame(three_cities, """SELECT r.jurisdiction_code AS code, c.case_no FROM cases c
                                   JOIN regions r ON r.code = c.region_code""")
    assert cases["case_no"].is_unique
    counts = cases.groupby("code").size()
    assert counts["441900"] == PROVINCE_CASES
    for city in province_seed.further_cities(CITIES - 1):
        assert counts[city.code] == province_seed.case_count(PROVINCE_CASES, city)
        assert cases.loc[cases["code"] == city.code, "case_no"].str.match(rf"^{city.case_prefix}\d{{14}}$").all()
    assert cases.loc[cases["code"] == "441900", "case_no"].str.match(r"^DG\d{14}$").all()


def test_further_cities_have_demo_areas_communities_grids_and_departments(three_cities):
    regions = frame(three_cities, "SELECT code, jurisdiction_code, name, name_en FROM regions")
    for city in province_seed.further_cities(CITIES - 1):
        mine = regions[regions["jurisdiction_code"] == city.code]
        assert len(mine) >= province_seed.MIN_AREAS
        assert mine["code"].str.match(rf"^{city.code}\d{{3}}$").all()
        assert mine["name"].str.fullmatch(r"演示\d区").all() and mine["name_en"].str.startswith("Demo area ").all()
        grids = frame(three_cities, f"SELECT region_code, count(*) AS n FROM grids WHERE region_code LIKE '{city.code}%'"
                                    " GROUP BY region_code")
        assert set(grids["region_code"]) == set(mine["code"])
        departments = frame(three_cities, f"SELECT code, name FROM departments WHERE code LIKE '%{city.code}%'")
        assert len(departments) > len(mine)  # its professional departments and one per area
        assert not departments["name"].str.contains("东莞").any()
    # Board-specific tables stay Dongguan's: no camera outside it.
    cameras = frame(three_cities, "SELECT region_code FROM cameras")
    assert cameras["region_code"].str.startswith("441900").all()


def test_seed_is_deterministic(province_sqlite, tmp_path):
    again = seed_province(f"sqlite:///{tmp_path / 'again.sqlite'}")
    for sql in ("SELECT * FROM cases ORDER BY id", "SELECT * FROM regions ORDER BY code",
                "SELECT * FROM grids ORDER BY code", "SELECT * FROM departments ORDER BY id",
                "SELECT case_id, seq, stage, started_at, ended_at FROM case_stages ORDER BY case_id, seq"):
        pd.testing.assert_frame_equal(frame(province_sqlite, sql), frame(again, sql))
    again.dispose()


def test_demo_areas_split_the_city_outline():
    city = province_seed.further_cities(1)[0]
    towns = province_seed.demo_towns(np.random.default_rng(1), city)
    assert sum(t.polygon.area for t in towns) == pytest.approx(city.outline.area, rel=1e-6)
    for a in towns:
        for b in towns:
            if a is not b:
                assert a.polygon.intersection(b.polygon).area < 1e-9


@pytest.mark.parametrize("value, message", [
    ("0", "--jurisdictions must be 1 to 21, got 0"),
    ("22", "--jurisdictions must be 1 to 21, got 22"),
])
def test_bad_jurisdiction_counts_are_one_line_errors(value, message, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'c.sqlite'}")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert cli.main(["seed", "--no-progress", "--jurisdictions", value]) == 2
    assert capsys.readouterr().err == f"cockpit: error: {message}\n"


def test_a_jurisdiction_count_that_is_no_number_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["seed", "--jurisdictions", "three"])
    assert exit_.value.code == 2
    assert "argument --jurisdictions: invalid int value: 'three'" in capsys.readouterr().err
