"""Memoization for data_access queries, backed by the app's flask-caching Cache.

`dashboard.cache.init_cache` binds `cache` to the Flask server (Redis or filesystem). Outside
an initialised app (CLI, tests, scripts) a memoized function simply runs. Keys come from
repr() of the arguments, so memoized functions take plain values: a database URL string,
dates, strings, numbers; never engines, sessions or DataFrames.
"""
from __future__ import annotations

import functools
import threading

from flask import current_app, has_app_context
from flask_caching import Cache

cache = Cache()


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
