"""Redis down: the cache degrades to no cache (short timeout, circuit breaker), /health says so,
and once Redis is back it is used again. The test runs its own redis-server on a free port."""
from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest
import redis

from data_access import cache as data_cache
from data_access import status

WAIT_SECONDS = 30  # how long to wait for a server to start or the breaker to let Redis back in


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def redis_server(port: int):
    """A throwaway redis-server on `port` (no persistence), stopped at the end."""
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--daemonize", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    try:
        yield client
    finally:
        proc.terminate()
        proc.wait(10)


def geo_keys(client) -> list:
    return client.keys("cockpit:geo:*")


@pytest.fixture
def redis_port():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server not installed")
    return free_port()


def test_geo_api_and_health_survive_redis_going_away(mini_city_sqlite, make_settings, redis_port,
                                                     monkeypatch, caplog):
    from dashboard.app import create_app

    monkeypatch.setattr(data_cache, "BREAKER_SECONDS", 0.5)
    url = mini_city_sqlite.url
    with redis_server(redis_port) as client:
        app = create_app(make_settings(url, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0"))
        http = app.server.test_client()

        def health():
            with app.server.app_context():
                return status.health(url)

        assert http.get("/api/v1/geo/regions").status_code == 200
        assert geo_keys(client) and health().cache == "ok"
    # Redis is stopped now.
    caplog.set_level(logging.WARNING, logger="data_access.cache")
    started = time.monotonic()
    for _ in range(5):
        response = http.get("/api/v1/geo/regions")
        assert response.status_code == 200 and response.get_json()["features"]
        with app.server.app_context():  # memoized queries run uncached
            assert status.newest_case_at(url) == mini_city_sqlite.newest_reported_at
    report = health()
    assert report.cache == "down" and report.ok  # the database is fine: the app works without a cache
    print(f"5 geo requests and 5 memoized queries without Redis: {time.monotonic() - started:.2f} s")
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "Redis unavailable" in caplog.records[0].message

    with redis_server(redis_port) as client:  # back on the same port, empty
        deadline = time.monotonic() + WAIT_SECONDS
        while not geo_keys(client) and time.monotonic() < deadline:
            assert http.get("/api/v1/geo/regions").status_code == 200
            time.sleep(0.1)
        assert geo_keys(client), "the cache did not use Redis again"
        assert health().cache == "ok"
        assert any("Redis is back" in r.message for r in caplog.records)


def test_health_names_the_cache(mini_city_sqlite, make_settings):
    from dashboard.app import create_app

    assert status.health(mini_city_sqlite.url).cache == "none"  # outside an app
    app = create_app(make_settings(mini_city_sqlite.url))
    with app.server.app_context():
        assert status.health(mini_city_sqlite.url).cache == "filesystem"


def test_a_dead_redis_port_costs_no_exception(mini_city_sqlite, make_settings, redis_port):
    """Configured but never reachable: every call falls through, nothing raises."""
    from dashboard.app import create_app

    app = create_app(make_settings(mini_city_sqlite.url, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0"))
    http = app.server.test_client()
    assert http.get("/api/v1/geo/regions").status_code == 200
    with app.server.app_context():
        backend = data_cache.cache.cache
        assert backend.get("x") is None and backend.set("x", 1) is False and backend.get_many("a", "b") == [None, None]
        assert status.health(mini_city_sqlite.url).cache == "down"
