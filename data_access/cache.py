"""Memoization for data_access queries, backed by the app's flask-caching Cache.

`dashboard.cache.init_cache` binds `cache` to the Flask server (Redis or filesystem). Outside
an initialised app (CLI, tests, scripts) a memoized function simply runs. Keys come from
repr() of the arguments, so memoized functions take plain values: a database URL string,
dates, strings, numbers; never engines, sessions or DataFrames.
"""
from __future__ import annotations

import functools

from flask import current_app, has_app_context
from flask_caching import Cache

cache = Cache()


def _active() -> bool:
    return has_app_context() and cache in current_app.extensions.get("cache", {})


def memoize(timeout: int):
    """Cache a function's result for `timeout` seconds when a cache is bound to the app."""

    def decorate(fn):
        cached = cache.memoize(timeout=timeout)(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return cached(*args, **kwargs) if _active() else fn(*args, **kwargs)

        wrapper.uncached = fn
        return wrapper

    return decorate
