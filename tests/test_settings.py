"""Settings from the environment: defaults, normalisation and one-line errors."""
from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

import pytest

from dashboard.settings import Settings, SettingsError, load_settings


def test_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings({})
    assert s.data_dir == tmp_path.resolve() / "data"
    assert s.database_url == f"sqlite:///{tmp_path.resolve() / 'data' / 'cockpit.sqlite'}"
    assert s.redis_url is None and s.tile_url is None
    assert (s.timezone, s.tz) == ("Asia/Shanghai", ZoneInfo("Asia/Shanghai"))
    assert (s.language, s.tile_crs, s.tile_attribution) == ("zh", "WGS84", "")
    assert s.login_required
    # Without SECRET_KEY a random key is made once and kept in DATA_DIR for workers and restarts.
    assert s.secret_key == "" and len(s.signing_key) > 40
    assert (s.data_dir / "secret_key").read_text() == s.signing_key
    assert (s.data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_settings({"SECRET_KEY": "k" * 40}).signing_key == "k" * 40
    assert (s.cache_dir, s.media_dir) == (s.data_dir / "cache", s.data_dir / "media")


def test_empty_values_mean_defaults(tmp_path):
    env = {k: "" for k in ("DATABASE_URL", "REDIS_URL", "TIMEZONE", "LANGUAGE", "TILE_CRS", "TILE_URL")}
    s = load_settings({**env, "DATA_DIR": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'cockpit.sqlite'}"
    assert (s.redis_url, s.tile_url, s.timezone, s.language, s.tile_crs) == (None, None, "Asia/Shanghai", "zh", "WGS84")


def test_reads_os_environ(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("LANGUAGE", "en")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TILE_CRS", raising=False)
    monkeypatch.delenv("TIMEZONE", raising=False)
    monkeypatch.delenv("TILE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    s = load_settings()
    assert s.data_dir == tmp_path / "elsewhere"
    assert s.database_url.endswith(str(tmp_path / "elsewhere" / "cockpit.sqlite"))
    assert s.language == "en"


def test_settings_are_frozen(tmp_path):
    with pytest.raises(dataclasses.FrozenInstanceError):
        load_settings({"DATA_DIR": str(tmp_path)}).language = "en"
    assert dataclasses.is_dataclass(Settings)


@pytest.mark.parametrize(("given", "expected"), [
    ("postgresql://cockpit:s3cret@db.local:5432/cockpit", "postgresql+psycopg://cockpit:s3cret@db.local:5432/cockpit"),
    ("postgresql://u:p%40ss@h/db", "postgresql+psycopg://u:p%40ss@h/db"),  # an encoded password survives
    ("postgresql+psycopg2://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:////srv/cockpit/cockpit.sqlite", "sqlite:////srv/cockpit/cockpit.sqlite"),
])
def test_database_url_normalised(given, expected):
    assert load_settings({"DATABASE_URL": given}).database_url == expected


@pytest.mark.parametrize(("name", "given", "expected"), [
    ("LANGUAGE", "EN", "en"), ("LANGUAGE", " zh ", "zh"),
    ("TILE_CRS", "gcj02", "GCJ02"), ("TILE_CRS", "GCJ-02", "GCJ02"), ("TILE_CRS", "wgs-84", "WGS84"),
    ("TIMEZONE", "UTC", "UTC"), ("TIMEZONE", "Asia/Urumqi", "Asia/Urumqi"),
    ("REDIS_URL", "redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("REDIS_URL", "rediss://cache.local:6380/1", "rediss://cache.local:6380/1"),
    ("REDIS_URL", "unix:///run/redis.sock", "unix:///run/redis.sock"),
    ("TILE_URL", "/tiles/{z}/{x}/{y}.png", "/tiles/{z}/{x}/{y}.png"),
    ("LOGIN", "OFF", "off"), ("LOGIN", "required", "required"),
])
def test_good_values(name, given, expected):
    attr = {"LANGUAGE": "language", "TILE_CRS": "tile_crs", "TIMEZONE": "timezone", "REDIS_URL": "redis_url",
            "TILE_URL": "tile_url", "LOGIN": "login"}[name]
    assert getattr(load_settings({name: given}), attr) == expected


@pytest.mark.parametrize(("name", "value"), [
    ("DATABASE_URL", "garbage"),
    ("DATABASE_URL", "not a url\nsecond line"),
    ("DATABASE_URL", "mysql://root@localhost/cockpit"),
    ("DATABASE_URL", "mysql+pymysql://root@localhost/cockpit"),
    ("DATABASE_URL", "postgresql+asyncpg://u@h/db"),
    ("REDIS_URL", "http://127.0.0.1:6379"),
    ("REDIS_URL", "127.0.0.1:6379"),
    ("TIMEZONE", "Mars/Olympus_Mons"),
    ("TIMEZONE", "Beijing"),
    ("TIMEZONE", "../../etc/passwd"),
    ("LANGUAGE", "fr"),
    ("LOGIN", "no"),
    ("LANGUAGE", "zh-TW"),
    ("TILE_CRS", "BD09"),
    ("TILE_CRS", "EPSG:3857"),
    ("TILE_URL", "https://tiles.local/{x}/{y}.png"),
    ("TILE_URL", "https://tiles.local/tile.png"),
    ("SCORE_WEIGHTS", "speed=1"),
    ("SCORE_WEIGHTS", "closing_rate=lots"),
    ("SCORE_WEIGHTS", "closing_rate=0"),
])
def test_bad_value_raises_one_line_naming_the_setting(name, value):
    with pytest.raises(SettingsError) as err:
        load_settings({name: value})
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{name}: ")
    assert err.value.name == name
    assert isinstance(err.value, ValueError)


def test_score_weights_setting():
    assert load_settings({"SCORE_WEIGHTS": "closing_rate=2, rework_rate=1"}).score_weights == {
        "closing_rate": 2.0, "rework_rate": 1.0}
