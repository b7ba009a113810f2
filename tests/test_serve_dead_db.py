"""`cockpit serve` against a dead database: it says so on stderr, keeps serving (pages show the
database-down state, /health answers 503), and says when the database comes back."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from test_cli import free_port, pinned_clock_env

from dashboard import cli

DEAD_URL = "postgresql+psycopg://cockpit:secret@127.0.0.1:1/cockpit"  # nothing listens on port 1
WAIT_SECONDS = 60


def health_status(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None  # not listening yet


def test_serve_says_the_database_is_down_and_keeps_serving(tmp_path):
    port = free_port()
    env = {**os.environ, **pinned_clock_env(), "DATABASE_URL": DEAD_URL, "DATA_DIR": str(tmp_path), "LOGIN": "off"}
    env.pop("REDIS_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve", "--port", str(port), "--workers", "1"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        warning = server.stderr.readline()
        assert "database postgresql+psycopg://cockpit:***@127.0.0.1:1/cockpit is unreachable" in warning
        assert "serving anyway" in warning and "secret" not in warning
        deadline = time.monotonic() + WAIT_SECONDS
        while (code := health_status(port)) is None:
            assert server.poll() is None, f"serve exited: {server.stderr.read()}"
            assert time.monotonic() < deadline, "serve never answered"
            time.sleep(0.3)
        assert code == 503
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/board/overview", timeout=10) as response:
            assert response.status == 200
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\nserve on a dead database said: {warning.strip()}")


class Stop(Exception):
    pass


def test_the_watch_says_when_the_database_goes_and_comes_back(monkeypatch, capsys, tmp_path):
    from dashboard.settings import load_settings

    answers = iter([None, None, "connection refused", "connection refused", None])

    def next_answer(_settings):
        try:
            return next(answers)
        except StopIteration:
            raise Stop from None

    monkeypatch.setattr(cli, "database_problem", next_answer)
    settings = load_settings({"DATABASE_URL": DEAD_URL, "DATA_DIR": str(tmp_path)})
    with pytest.raises(Stop):
        cli.watch_database(settings, "connection refused", every=0)
    said = capsys.readouterr().err.splitlines()
    assert said == ["cockpit: database postgresql+psycopg://cockpit:***@127.0.0.1:1/cockpit is reachable again",
                    "cockpit: database postgresql+psycopg://cockpit:***@127.0.0.1:1/cockpit is unreachable: "
                    "connection refused",
                    "cockpit: database postgresql+psycopg://cockpit:***@127.0.0.1:1/cockpit is reachable again"]
