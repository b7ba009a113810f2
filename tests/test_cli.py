"""The `cockpit` command: one-line errors, init-db, seed, simulate, serve and demo."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from types import SimpleNamespace

import pytest

from dashboard import cli
from data_access import db
from factories import pinned_clock_env


def run_cli(*args, timeout=60, **env):
    """Run `python -m dashboard.cli` with `env` added to the environment."""
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **pinned_clock_env(), **env})


@pytest.mark.parametrize("env, setting", [
    ({"DATABASE_URL": "mysql://root@localhost/cockpit"}, "DATABASE_URL"),
    ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
    ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/cockpit"}, "DATABASE_URL"),  # nothing listens
    ({"DATABASE_URL": "sqlite:////proc/no-such-dir/cockpit.sqlite"}, "DATABASE_URL"),  # cannot be made
])
def test_errors_are_one_line_and_exit_2(env, setting, tmp_path):
    result = run_cli("init-db", DATA_DIR=str(tmp_path), **env)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cockpit: error: {setting}: "), result.stderr


def use_database(monkeypatch, tmp_path, url: str):
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_init_db_on_a_new_sqlite_file(monkeypatch, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'new' / 'cockpit.sqlite'}"
    use_database(monkeypatch, tmp_path, url)
    assert cli.main(["init-db"]) == 0
    revision = db.schema_revision(db.get_engine(url))
    assert revision and capsys.readouterr().out.strip().endswith(f"schema revision {revision}")


def test_init_db_is_idempotent(engine, monkeypatch, tmp_path, capsys):
    use_database(monkeypatch, tmp_path, url_of(engine))
    assert cli.main(["init-db"]) == 0
    assert db.schema_revision(engine) in capsys.readouterr().out


class FakeSeed:
    """Stands in for seeds.demo.seed_demo and records its arguments."""

    def __init__(self):
        self.calls = []

    def __call__(self, engine, cases, seed, progress, **kwargs):
        self.calls.append(dict(cases=cases, seed=seed, progress=progress, **kwargs))
        return SimpleNamespace(cases=cases, rows=cases * 10, seconds=2.0)


@pytest.fixture
def fake_seed(monkeypatch):
    fake = FakeSeed()
    monkeypatch.setattr("seeds.demo.seed_demo", fake)
    return fake


def test_seed(engine, monkeypatch, tmp_path, capsys, fake_seed):
    from seeds.demo import DEFAULT_CASES

    use_database(monkeypatch, tmp_path, url_of(engine))
    assert cli.main(["seed", "--cases", "30", "--seed", "5", "--no-progress"]) == 0
    assert capsys.readouterr().out.strip() == "seeded 30 cases, 300 rows in 2.0 s (150 rows/s)"
    assert cli.main(["seed"]) == 0
    assert fake_seed.calls == [dict(cases=30, seed=5, progress=False, reset=False, jurisdictions=1),
                               dict(cases=DEFAULT_CASES, seed=42, progress=True, reset=False, jurisdictions=1)]


def test_seed_refusal_is_one_line(monkeypatch, tmp_path, capsys):
    from seeds import demo

    refusal = "the database already holds 7 cases; pass --reset to replace all data"

    def refuse(*_args, **_kwargs):
        raise demo.SeedError(refusal)

    monkeypatch.setattr(demo, "seed_demo", refuse)
    use_database(monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'c.sqlite'}")
    assert cli.main(["seed", "--no-progress"]) == 2
    assert capsys.readouterr().err == f"cockpit: error: {refusal}\n"


def test_simulate_passes_its_options(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr("seeds.simulator.run", lambda engine, **kw: calls.append(kw))
    use_database(monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'c.sqlite'}")
    assert cli.main(["simulate", "--rate", "12", "--speed", "60", "--duration", "5"]) == 0
    assert cli.main(["simulate"]) == 0
    assert calls == [dict(rate_per_minute=12.0, speed=60.0, duration=5.0),
                     dict(rate_per_minute=6.0, speed=1.0, duration=None)]


@pytest.fixture
def fake_server(monkeypatch):
    served = []
    monkeypatch.setattr(cli, "serve_gunicorn", lambda host, port, workers: served.append((host, port, workers)))
    return served


def test_serve_options(monkeypatch, tmp_path, fake_server):
    use_database(monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'c.sqlite'}")
    assert cli.main(["serve"]) == 0
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "9000", "--workers", "4"]) == 0
    assert fake_server == [("127.0.0.1", 8050, 2), ("0.0.0.0", 9000, 4)]


def test_dev_server_listens_on_loopback_only(monkeypatch, tmp_path, capsys):
    from dash import Dash

    ran = []
    monkeypatch.setattr(Dash, "run", lambda self, **kw: ran.append(kw["host"]))
    use_database(monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'c.sqlite'}")
    for host in ("0.0.0.0", "192.168.1.20", "::", "cockpit.example"):
        assert cli.main(["serve", "--dev", "--host", host]) == 2
        assert "loopback only" in capsys.readouterr().err
    for host in ("127.0.0.1", "localhost", "::1"):
        assert cli.main(["serve", "--dev", "--host", host]) == 0
    assert ran == ["127.0.0.1", "localhost", "::1"]


class FakeProcess:
    def __init__(self):
        self.terminated = False

    def terminate(self):
        self.terminated = True

    def wait(self, timeout=None):
        return 0


@pytest.mark.parametrize("has_cases", [False, True])
def test_demo(has_cases, monkeypatch, tmp_path, capsys, fake_seed, fake_server, mini_city_sqlite):
    url = mini_city_sqlite.url if has_cases else f"sqlite:///{tmp_path / 'demo.sqlite'}"
    use_database(monkeypatch, tmp_path, url)
    simulator = FakeProcess()
    monkeypatch.setattr(cli, "start_simulator", lambda: simulator)
    assert cli.main(["demo", "--port", "8123"]) == 0
    assert db.schema_revision(db.get_engine(url)) is not None
    assert len(fake_seed.calls) == (0 if has_cases else 1)
    assert fake_server == [("127.0.0.1", 8123, cli.DEFAULT_WORKERS)]
    assert simulator.terminated


def test_demo_starts_the_simulator_as_a_child(monkeypatch):
    started = []
    monkeypatch.setattr(cli.subprocess, "Popen", lambda args: started.append(args))
    cli.start_simulator()
    assert started == [[sys.executable, "-m", "dashboard.cli", "simulate", "--speed", "20"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_with_gunicorn(mini_city_sqlite, tmp_path):
    port = free_port()
    env = {**os.environ, **pinned_clock_env(), "DATABASE_URL": mini_city_sqlite.url, "DATA_DIR": str(tmp_path)}
    env.pop("REDIS_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve", "--port", str(port), "--workers", "1"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stdout.read()
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=10) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
