"""Memoization for data_access queries, backed by the app's flask-caching Cache.

`dashboard.cache.init_cache` binds `cache` to the Flask server (Redis or filesystem). Outside
an initialised app (CLI, tests, scripts) a memoized function simply runs. Keys come from
repr() of the arguments, so memoized functions take plain values: a database URL string,
dates, strings, numbers; never engines, sessions or DataFrames.

Redis is optional at run time: when it stops answering, FallbackRedisCache behaves as an
empty cache (every value is computed) and skips Redis for BREAKER_SECONDS before trying again.
"""
from __future__ import annotations

import functools
import logging
import threading
import time

from flask import current_app, has_app_context
from flask_caching import Cache
from flask_caching.backends.rediscache import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
cache = Cache()
BREAKER_SECONDS = 5.0  # after a failed call, Redis is skipped this long

# What each cache method answers while Redis is away: an empty cache that stores nothing.
_OFFLINE = {
    "get": lambda keys: None, "has": lambda keys: False, "get_many": lambda keys: [None] * len(keys),
    "set": lambda keys: False, "add": lambda keys: False, "set_many": lambda keys: [],
    "delete": lambda keys: False, "delete_many": lambda keys: [], "unlink": lambda keys: None,
    "inc": lambda keys: None, "dec": lambda keys: None, "clear": lambda keys: False,
}


class FallbackRedisCache(RedisCache):
    """A RedisCache that never raises: while Redis is down it answers like an empty cache.

    A failed call opens a circuit breaker: for BREAKER_SECONDS no call reaches Redis (so no
    request waits for its timeout); the first call after that tries again. The outage and the
    recovery are logged once each.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._skip_until = 0.0
        self._down = False
        self._state_lock = threading.Lock()

    def available(self) -> bool:
        """False while the breaker is open (Redis failed less than BREAKER_SECONDS ago)."""
        return time.monotonic() >= self._skip_until

    def _failed(self, exc: Exception):
        with self._state_lock:
            self._skip_until = time.monotonic() + BREAKER_SECONDS
            if not self._down:
                self._down = True
                log.warning("Redis unavailable (%s): caching is off, retrying every %g s", exc, BREAKER_SECONDS)

    def _answered(self):
        if self._down:
            with self._state_lock:
                if self._down:
                    self._down = False
                    log.warning("Redis is back: caching is on again")

    def ping(self) -> bool:
        """Whether Redis answers now (a closed breaker asks it; an open one says no)."""
        if not self.available():
            return False
        try:
            self._read_client.ping()
        except RedisError as exc:
            self._failed(exc)
            return False
        self._answered()
        return True


def _guarded(name: str, offline):
    base = getattr(RedisCache, name)

    @functools.wraps(base)
    def method(self, *args, **kwargs):
        if not self.available():
            return offline(args)
        try:
            result = base(self, *args, **kwargs)
        except RedisError as exc:
            self._failed(exc)
            return offline(args)
        self._answered()
        return result

    return method


for _name, _offline in _OFFLINE.items():
    setattr(FallbackRedisCache, _name, _guarded(_name, _offline))


def state() -> str:
    """The cache of the current app for /health: "ok" or "down" (Redis), "filesystem", "simple"
    or "none" (no cache, also outside an app)."""
    if not _active():
        return "none"
    backend = cache.cache
    if isinstance(backend, FallbackRedisCache):
        return "ok" if backend.ping() else "down"
    return {"FileSystemCache": "filesystem", "SimpleCache": "simple"}.get(type(backend).__name__, "none")


def _active() -> bool:
    return has_app_context() and cache in current_app.extensions.get("cache", {})


# Calls with the same arguments in one process wait for each other, so the panels of a board
# that ask for one expensive value at once compute it once. One lock per key (never a shared
# stripe, which could deadlock nested memoized calls); the table is emptied when it grows large,
# which at worst lets two threads compute the same value.
_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()
MAX_LOCKS = 10_000


def _lock_for(fn, args, kwargs):
    key = f"{fn.__module__}.{fn.__qualname__}{args!r}{sorted(kwargs.items())!r}"
    with _LOCKS_GUARD:
        if len(_LOCKS) > MAX_LOCKS:
            _LOCKS.clear()
        return _LOCKS.setdefault(key, threading.RLock())


def memoize(timeout: int):
    """Cache a function's result for `timeout` seconds when a cache is bound to the app."""

    def decorate(fn):
        cached = cache.memoize(timeout=timeout)(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if not _active():
                return fn(*args, **kwargs)
            with _lock_for(fn, args, kwargs):
                return cached(*args, **kwargs)

        wrapper.uncached = fn
        return wrapper

    return decorate
