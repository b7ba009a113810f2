"""The schema on both backends: migrations match the models, constraints hold, values round-trip."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Index, MetaData, delete, func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data_access import db
from data_access.lifecycle import apply
from data_access.models import Base, Case, CaseStage, on_dialect
from factories import T0, add_city, category, community, drive, grid, new_case, region


def reported(city, case_no, **kw) -> Case:
    case = new_case(case_no, city=city, **kw)
    apply(case, "report", T0)
    return case


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_object": on_dialect(conn.dialect.name)})
        assert compare_metadata(context, Base.metadata) == []


def test_comparison_notices_drift(engine):
    # guards the test above against comparing nothing
    drifted = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    Index("ix_cases_drift", drifted.tables["cases"].c.address)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": on_dialect(conn.dialect.name)}),
                                drifted)
    assert [d[0] for d in diff] == ["add_index"]


def test_every_model_table_exists(engine):
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}


def test_schema_is_at_head(engine):
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    assert db.schema_revision(engine) == ScriptDirectory.from_config(config).get_current_head()


def test_case_indexes_exist(engine):
    include = on_dialect(engine.dialect.name)
    declared = {ix.name: [c.name for c in ix.columns] for ix in Case.__table_args__
                if isinstance(ix, Index) and include(ix, ix.name, "index", False, None)}
    assert len(declared) == (11 if engine.dialect.name == "postgresql" else 9)  # + trigram address, description
    reflected = {ix["name"]: ix for ix in inspect(engine).get_indexes("cases")}
    assert {name: reflected[name]["column_names"] if name in reflected else None for name in declared} == declared
    if engine.dialect.name == "postgresql":  # GIN with the trigram operator class, as declared
        options = {ix.name: {k: ix.dialect_kwargs[f"postgresql_{k}"] for k in ("using", "ops")}
                   for ix in Case.__table_args__ if isinstance(ix, Index) and ix.dialect_kwargs.get("postgresql_using")}
        assert set(options) == {"ix_cases_address_trgm", "ix_cases_description_trgm"}
        assert {name: {k: reflected[name]["dialect_options"][f"postgresql_{k}"] for k in ("using", "ops")}
                for name in options} == options


def test_stage_seq_index_is_unique(engine):
    found = {ix["name"]: ix for ix in inspect(engine).get_indexes("case_stages")}
    assert found["ix_case_stages_case_seq"]["column_names"] == ["case_id", "seq"]
    assert found["ix_case_stages_case_seq"]["unique"]


def test_sqlite_engine_enforces_foreign_keys(tmp_path):
    engine = db.get_engine(f"sqlite:///{tmp_path / 'fk.sqlite'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()
        db.get_engine.cache_clear()


# Each builder returns rows that break one constraint once the city exists.
DUPLICATES = {
    "case_no": lambda city: [reported(city, "DG-1"), reported(city, "DG-1")],
    "external_id": lambda city: [reported(city, "DG-1", external_id="12345-9"),
                                 reported(city, "DG-2", external_id="12345-9")],
    "category kind+code": lambda city: [category(code=city.category.code, kind=city.category.kind)],
    "region code": lambda city: [region(code=city.region.code)],
}
DANGLING = {
    "region → jurisdiction": lambda city: [region(code="441900999", jurisdiction_code="000000")],
    "community → region": lambda city: [community(region_code="441900999")],
    "grid → community": lambda city: [grid(community_code="441900003999", region_code=city.region.code)],
    "grid → region": lambda city: [grid(code="44190000300102", region_code="441900999")],
    "case → grid": lambda city: [reported(city, "DG-1", grid_code="44190000300199")],
    "case → category": lambda city: [reported(city, "DG-1", category_id=99999)],
    "case → department": lambda city: [reported(city, "DG-1", department_id=99999)],
    "case → camera": lambda city: [reported(city, "DG-1", camera_id=99999)],
    "stage → case": lambda city: [CaseStage(case_id=99999, seq=1, stage="report", started_at=T0)],
}


@pytest.mark.parametrize("rows", list(DUPLICATES.values()) + list(DANGLING.values()),
                         ids=list(DUPLICATES) + list(DANGLING))
def test_constraint_violation_is_refused(engine, rows):
    with Session(engine, expire_on_commit=False) as session:
        city = add_city(session)
        session.commit()
        session.expunge_all()  # let the database, not the identity map, catch duplicates
        session.add_all(rows(city))
        with pytest.raises(IntegrityError):
            session.flush()


def test_null_external_ids_do_not_collide(engine):
    with db.session_scope(engine) as session:
        city = add_city(session)
        session.add_all([reported(city, "DG-1"), reported(city, "DG-2")])
    assert db.count_rows(engine, Case) == 2


def test_duplicate_stage_seq_is_refused(engine):
    with Session(engine) as session:
        city = add_city(session)
        case = reported(city, "DG-1")
        session.add(case)
        session.flush()
        session.add(CaseStage(case_id=case.id, seq=1, stage="report", started_at=T0))
        with pytest.raises(IntegrityError):
            session.flush()


def test_deleting_a_case_deletes_its_stages_in_the_database(engine):
    with db.session_scope(engine) as session:
        city = add_city(session)
        case = new_case("DG-1", city=city)
        drive(case, ["report", "file", "dispatch"], T0, department_id=city.department.id)
        session.add(case)
    assert db.count_rows(engine, CaseStage) == 4
    with db.session_scope(engine) as session:  # a bulk delete: only ON DELETE CASCADE removes the rows
        session.execute(delete(Case).where(Case.case_no == "DG-1"))
    assert db.count_rows(engine, CaseStage) == 0


def columns(obj) -> dict:
    return {attr.key: getattr(obj, attr.key) for attr in inspect(type(obj)).column_attrs}


def test_case_with_stages_round_trips(engine):
    start = datetime(2026, 3, 9, 23, 58, 41)  # naive UTC, seconds matter, crosses midnight
    path = ["report", "file", "dispatch", "extend", "suspend", "resume", "handle", "feedback", "rework",
            "handle", "feedback", "verify", "close"]
    with db.session_scope(engine) as session:
        city = add_city(session)
        case = new_case("DG-2026-000042", city=city, external_id="12345-000042", reporter_name="张三",
                        reporter_phone="13800000000", photos='["media/a.jpg"]', description="井盖缺失，存在安全隐患",
                        lon=113.7518234, lat=23.0205123)
        for i, action in enumerate(path):
            at = start + timedelta(seconds=617 * i)  # odd seconds at every step
            apply(case, action, at, f"操作员{i}", f"意见{i}", department_id=city.department.id, minutes=45)
        session.add(case)
    expected_case = columns(case)
    expected_stages = [columns(row) for row in case.stages]

    with Session(engine) as session:
        loaded = session.scalars(select(Case).where(Case.case_no == "DG-2026-000042")).one()
        assert columns(loaded) == expected_case
        assert [columns(row) for row in loaded.stages] == expected_stages
        assert [row.stage for row in loaded.stages] == [
            "report", "file", "dispatch", "handle", "extend", "suspend", "feedback", "verify", "rework", "handle",
            "feedback", "verify", "close"]
        assert [row.seq for row in loaded.stages] == list(range(1, 14))
        stamps = [v for v in columns(loaded).values() if isinstance(v, datetime)]
        stamps += [row.started_at for row in loaded.stages]
        assert stamps and all(t.tzinfo is None for t in stamps)
        assert loaded.closed_at == start + timedelta(seconds=617 * 12) and loaded.closed_at.second == 5
        assert session.scalar(select(func.count()).select_from(CaseStage).where(CaseStage.case_id == loaded.id)) \
            == len(expected_stages)


def test_open_handle_rows_have_a_partial_index(engine):
    """/live, the alarm feed and the lamps join each case to its open 处置 row: a partial index
    holds only those rows, and its predicate is the one the join condition names."""
    from data_access.lifecycle import open_handle_row

    reflected = {ix["name"]: ix for ix in inspect(engine).get_indexes("case_stages")}
    index = reflected["ix_case_stages_open_handle"]
    assert index["column_names"] == ["case_id"]
    where = str(index["dialect_options"][f"{engine.dialect.name}_where"])
    assert "handle" in where and "ended_at IS NULL" in where.replace("(", "").replace(")", "")
    joined = str(open_handle_row().compile(engine, compile_kwargs={"render_postcompile": True}))
    assert "stage = 'handle'" in joined and "ended_at IS NULL" in joined  # inline, so the planner matches
