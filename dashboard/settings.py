"""Settings read from the environment, validated once, with one-line errors."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

LANGUAGES = ("zh", "en")
LOGIN_MODES = ("required", "off")
TILE_CRSES = ("WGS84", "GCJ02")


class SettingsError(ValueError):
    """A setting has a bad value; str() is one line naming the setting."""

    def __init__(self, name: str, problem: str):
        super().__init__(f"{name}: {problem}")
        self.name = name


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    tile_url: str | None
    tile_attribution: str
    tile_crs: str
    timezone: str
    language: str
    score_weights: dict
    pinned_clock: datetime | None = None  # naive UTC; see data_access/clock.py
    login: str = "required"  # "off" opens every page to anyone who reaches the port (tests, closed networks)
    cookie_secure: bool = False  # send the session cookie over HTTPS only (set behind TLS)

    @property
    def signing_key(self) -> str:
        """SECRET_KEY, or a random key kept in DATA_DIR/secret_key so that every worker, the CLI
        and restarts share it (sessions, signed embeds and wall links stay valid)."""
        return self.secret_key or _stored_secret(self.data_dir / "secret_key")

    @property
    def login_required(self) -> bool:
        return self.login == "required"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"


@lru_cache(maxsize=8)
def _stored_secret(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
                f.write(key)
        except FileExistsError:  # another worker wrote it first
            return path.read_text().strip()
        return key


def _database_url(value: str | None, data_dir: Path) -> str:
    if not value:
        return f"sqlite:///{data_dir / 'cockpit.sqlite'}"
    try:
        url = make_url(value)
    except ArgumentError:
        raise SettingsError("DATABASE_URL", f"not a database URL: {value!r}") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise SettingsError("DATABASE_URL", f"only sqlite:/// and postgresql+psycopg:// are supported, got {url.drivername!r}")
    if url.get_backend_name() == "postgresql" and url.get_driver_name() not in ("psycopg", "psycopg2", ""):
        raise SettingsError("DATABASE_URL", "use the psycopg driver: postgresql+psycopg://user@host/db")
    if url.get_backend_name() == "postgresql":
        value = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return value


def _redis_url(value: str | None) -> str | None:
    if not value:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError("REDIS_URL", f"must start with redis://, rediss:// or unix://, got {value!r}")
    return value


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    normal = value.strip().upper() if name == "TILE_CRS" else value.strip().lower()
    normal = normal.replace("-", "")
    if normal not in choices:
        raise SettingsError(name, f"must be one of {', '.join(choices)}, got {value!r}")
    return normal


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError("TIMEZONE", f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)") from None
    return value


def _tile_url(value: str | None) -> str | None:
    if not value:
        return None
    if not all(part in value for part in ("{z}", "{x}", "{y}")):
        raise SettingsError("TILE_URL", f"must contain {{z}}, {{x}} and {{y}}, got {value!r}")
    return value


def _score_weights(value: str) -> dict:
    from data_access.indicators import parse_weights

    try:
        return parse_weights(value)
    except ValueError as exc:
        raise SettingsError("SCORE_WEIGHTS", str(exc)) from None


def _pinned_clock(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        at = None
    if at is None or at.tzinfo is None or not 2000 <= at.year <= 2100:
        raise SettingsError("PINNED_CLOCK", f"must be an ISO 8601 time with an offset, such as "
                                            f"2026-06-15T10:00:00+08:00, got {value!r}")
    return at.astimezone(timezone.utc).replace(tzinfo=None)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build Settings from the environment; raises SettingsError on a bad value."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("DATA_DIR") or "data").expanduser().resolve()
    return Settings(
        data_dir=data_dir,
        database_url=_database_url(env.get("DATABASE_URL"), data_dir),
        redis_url=_redis_url(env.get("REDIS_URL")),
        secret_key=env.get("SECRET_KEY") or "",
        tile_url=_tile_url(env.get("TILE_URL")),
        tile_attribution=env.get("TILE_ATTRIBUTION", ""),
        tile_crs=_choice("TILE_CRS", env.get("TILE_CRS") or "WGS84", TILE_CRSES),
        timezone=_timezone(env.get("TIMEZONE") or "Asia/Shanghai"),
        language=_choice("LANGUAGE", env.get("LANGUAGE") or "zh", LANGUAGES),
        score_weights=_score_weights(env.get("SCORE_WEIGHTS") or ""),
        pinned_clock=_pinned_clock(env.get("PINNED_CLOCK")),
        login=_choice("LOGIN", env.get("LOGIN") or "required", LOGIN_MODES),
        cookie_secure=_choice("COOKIE_SECURE", env.get("COOKIE_SECURE") or "false", ("true", "false")) == "true",
    )
