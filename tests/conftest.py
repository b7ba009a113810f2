"""Shared fixtures: the database on both backends, external services, and the demo city.

PostgreSQL comes from TEST_DATABASE_URL, or 127.0.0.1:5432 when it answers; every test
session gets fresh databases. Missing PostgreSQL, Redis or Chromium skips the tests that
need them and says why; with CI=true it fails instead.
"""
from __future__ import annotations

import os
import shutil
import socket
import uuid
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data_access import clock, db

# Every test runs on one pinned clock (data_access/clock.py), so the seeded calendar, "today"
# and the hour of the Dongguan day are the same whenever the suite runs. Subprocesses (the CLI,
# gunicorn) read the same instant from the PINNED_CLOCK setting.
TEST_NOW = "2026-07-15T10:30:00+08:00"  # a Wednesday morning in the rainy season
os.environ["PINNED_CLOCK"] = TEST_NOW
clock.pin(datetime.fromisoformat(TEST_NOW))

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TEST_SEED_CASES = 20000


def missing(what: str, why: str):
    """Skip a test whose service is missing, or fail under CI."""
    message = f"{what} unavailable: {why}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true requires it)", pytrace=False)
    pytest.skip(message)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _admin_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if _port_open("127.0.0.1", 5432):
        return "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    return None


class PostgresServer:
    """Creates throwaway databases on one server and drops them at the end."""

    def __init__(self, admin_url: str):
        self.admin_url = make_url(admin_url).set(database="postgres")
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"cockpit_test_{uuid.uuid4().hex[:8]}"
        self.created: list[str] = []

    def create(self, template: str | None = None) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as conn:
            if template:  # a template may have no other sessions: engines dropped from a cache still hold some
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": template})
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self):
        with self.admin.connect() as conn:
            for name in reversed(self.created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_server():
    url = _admin_url()
    if url is None:
        missing("PostgreSQL", "set TEST_DATABASE_URL or run a server on 127.0.0.1:5432")
    try:
        server = PostgresServer(url)
        with server.admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "missing"
        missing("PostgreSQL", f"{url}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def pg_template(pg_server):
    """A migrated, empty database to copy fresh test databases from."""
    url = pg_server.create()
    engine = create_engine(url)
    db.upgrade(engine)
    engine.dispose()
    return make_url(url).database


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    """A freshly migrated, empty database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cockpit.sqlite'}"
        eng = db.get_engine(url)
        db.upgrade(eng)
    else:
        server = request.getfixturevalue("pg_server")
        template = request.getfixturevalue("pg_template")
        url = server.create(template=template)
        eng = db.get_engine(url)
    yield eng
    eng.dispose()
    db.get_engine.cache_clear()


def _seed_demo(url: str):
    from seeds.demo import seed_demo

    eng = db.get_engine(url)
    db.upgrade(eng)
    seed_demo(eng, cases=TEST_SEED_CASES, seed=7, progress=False)
    return eng


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory):
    return _seed_demo(f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'cockpit.sqlite'}")


@pytest.fixture(scope="session")
def seeded_postgresql(pg_server):
    return _seed_demo(pg_server.create())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded(request):
    """The demo city, seeded once per session and backend; tests must not write to it."""
    return request.getfixturevalue(f"seeded_{request.param}")


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        missing("Redis", f"{url}: {exc}")
    return url


@pytest.fixture(scope="session")
def chromium_path():
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        missing("Chromium", "install it with `apt-get install -y chromium` or set CHROMIUM")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing("Playwright", "pip install -e '.[test]'")
    return path


# ---- the app shell: a tiny city, settings and a browser (helpers in tests/browser.py) ----

# (status, source, minutes after factories.T0) of the mini city's cases.
MINI_CASES = [("closed", "inspector", 0), ("closed", "inspector", 30), ("closed", "hotline", 60),
              ("dispatched", "inspector", 90), ("dispatched", "video_ai", 120), ("reported", "public", 150),
              ("rejected", "hotline", 180)]
MINI_META = {"seed": "7", "seed_cases": str(len(MINI_CASES))}


def add_mini_city(eng):
    """One city (factories.add_city), MINI_CASES and MINI_META; returns what was written."""
    from datetime import timedelta
    from types import SimpleNamespace

    from factories import PATH_TO, T0, add_city, drive, new_case

    from data_access.models import Meta

    with db.session_scope(eng) as session:
        city = add_city(session)
        for i, (status, source, minutes) in enumerate(MINI_CASES):
            case = new_case(f"MINI-{i:04d}", city=city, source=source)
            drive(case, PATH_TO[status], T0 + timedelta(minutes=minutes), department_id=city.department.id)
            session.add(case)
        session.add_all(Meta(key=k, value=v) for k, v in MINI_META.items())
    return SimpleNamespace(
        engine=eng,
        url=eng.url.render_as_string(hide_password=False),
        cases=MINI_CASES,
        meta=MINI_META,
        newest_reported_at=T0 + timedelta(minutes=max(m for _, _, m in MINI_CASES)),
    )


@pytest.fixture
def mini_city(engine):
    """`engine` (both backends) holding the mini city."""
    return add_mini_city(engine)


@pytest.fixture(scope="session")
def mini_city_sqlite(tmp_path_factory):
    """A SQLite file with the mini city, shared by a session; tests must not write to it."""
    eng = db.get_engine(f"sqlite:///{tmp_path_factory.mktemp('mini') / 'cockpit.sqlite'}")
    db.upgrade(eng)
    return add_mini_city(eng)


@pytest.fixture
def make_settings(tmp_path):
    """make_settings(database_url, **env) -> Settings with DATA_DIR in tmp_path."""
    from dashboard.settings import load_settings

    def make(database_url: str, **env):
        return load_settings({"LOGIN": "off", "DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data"), **env})

    return make


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Headless Chromium (Playwright) for the whole session."""
    from browser import launch_chromium

    with launch_chromium(chromium_path) as chromium:
        yield chromium


@pytest.fixture(scope="session")
def seeded_app_url(seeded_sqlite, tmp_path_factory):
    """The app serving the seeded demo city (SQLite) on a local port, for browser tests."""
    from browser import serve

    from dashboard.app import create_app
    from dashboard.settings import load_settings

    settings = load_settings({"LOGIN": "off", "DATABASE_URL": seeded_sqlite.url.render_as_string(hide_password=False),
                              "DATA_DIR": str(tmp_path_factory.mktemp("seeded-app"))})
    with serve(create_app(settings).server) as url:
        yield url


def pytest_collection_modifyitems(items):
    """Mark every test that drives Chromium, so `-m "not browser"` is the fast subset."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
