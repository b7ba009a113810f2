"""The one clock: seed, simulator, boards, lists, alarms and tests all read "now" here.

By default it is the system clock. `pin(at)` (the PINNED_CLOCK setting) sets it to an instant
from which it runs on at real speed, so a demo or a test suite sees the same calendar and the
same hour of the Dongguan day whenever it runs, while live pages still tick.
Times are naive UTC, like every timestamp in the database; statistics count days in UTC+8.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

LOCAL_HOURS = 8  # China Standard Time: the day boundary of every statistic
LOCAL_OFFSET = timedelta(hours=LOCAL_HOURS)

_pinned: tuple[datetime, float] | None = None  # (pinned instant, monotonic time of pinning)


def pin(at: datetime | None) -> None:
    """Run the clock from `at` (aware, or naive UTC) on; None returns to the system clock."""
    global _pinned
    if at is None:
        _pinned = None
        return
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    _pinned = (at, time.monotonic())


def pinned() -> datetime | None:
    """The instant the clock was pinned to, or None when it is the system clock."""
    return _pinned[0] if _pinned else None


def utcnow() -> datetime:
    """Now, as naive UTC."""
    if _pinned is None:
        return datetime.now(timezone.utc).replace(tzinfo=None)
    at, since = _pinned
    return at + timedelta(seconds=time.monotonic() - since)


def local_now() -> datetime:
    """Now in China Standard Time, naive."""
    return utcnow() + LOCAL_OFFSET


def today() -> date:
    """Today's date in UTC+8, the day every board and list counts by."""
    return local_now().date()
