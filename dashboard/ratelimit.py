"""Fixed-window counters in the shared cache (Redis or files, shared by every worker): failed
logins and API requests. When the cache is down nothing is counted and nothing is refused."""
from __future__ import annotations

import logging
import time

from data_access.cache import cache

log = logging.getLogger(__name__)


def _key(name: str, window: int) -> str:
    return f"rate:{name}:{int(time.time()) // window}"


def count(name: str, window: int) -> int:
    """How many hits `name` has in the current window of `window` seconds."""
    try:
        return int(cache.get(_key(name, window)) or 0)
    except Exception:  # noqa: BLE001 - a cache outage must not lock everybody out
        return 0


def hit(name: str, window: int) -> int:
    """Count one hit of `name`; returns the count in this window with it."""
    key = _key(name, window)
    try:
        total = int(cache.get(key) or 0) + 1
        cache.set(key, total, timeout=window)
        return total
    except Exception:  # noqa: BLE001
        log.warning("rate counter %s not kept (cache unavailable)", name)
        return 0
