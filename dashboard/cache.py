"""The shared cache: Redis when REDIS_URL is set, else files in DATA_DIR/cache.

Both are shared by all gunicorn workers on a host. The Cache object lives in
data_access.cache so query modules can memoize without importing the shell. When Redis is
down the cache degrades to no cache (data_access.cache.FallbackRedisCache): every call gives
up after REDIS_TIMEOUT, and for a few seconds after a failure no call tries at all.
"""
from __future__ import annotations

from flask import Flask
from redis.backoff import NoBackoff
from redis.retry import Retry

from dashboard.settings import Settings
from data_access.cache import cache

DEFAULT_TIMEOUT = 60  # seconds, for cached values that name no timeout
REDIS_TIMEOUT = 0.2  # seconds to connect or answer before a call falls through to the database
REDIS_TYPE = "data_access.cache.FallbackRedisCache"


def cache_config(settings: Settings) -> dict:
    config = {"CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT, "CACHE_KEY_PREFIX": "cockpit:"}
    if settings.redis_url:
        return config | {
            "CACHE_TYPE": REDIS_TYPE,
            "CACHE_REDIS_URL": settings.redis_url,
            # One try per call: the breaker, not redis-py's retries, decides when to ask again.
            "CACHE_OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT,
                              "retry": Retry(NoBackoff(), 0)},
        }
    return config | {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(settings.cache_dir)}


def init_cache(server: Flask, settings: Settings):
    """Bind the shared Cache to `server`; returns it."""
    if not settings.redis_url:
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
    cache.init_app(server, config=cache_config(settings))
    return cache
