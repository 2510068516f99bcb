"""The one clock of the application.

Domain code asks `clock.now()` and `clock.today()` instead of the system clock,
so tests can move time (deadlines passing, warnings turning red) without sleeping.

The demo of a past campaign sets CAMPAIGNDESK_TODAY=YYYY-MM-DD: the clock then
runs from that day (time of day and the passing of time stay real), so deadlines,
lights and reminders behave as they did while the campaign was under way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

_frozen: dt.datetime | None = None


def _offset_from_env() -> dt.timedelta:
    raw = os.environ.get("CAMPAIGNDESK_TODAY", "").strip()
    if not raw:
        return dt.timedelta(0)
    try:
        target = dt.date.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"CAMPAIGNDESK_TODAY must be a date like 2018-12-20, not {raw!r}."
        ) from None
    return dt.timedelta(days=(target - dt.date.today()).days)


_offset = _offset_from_env()


def now() -> dt.datetime:
    if _frozen is not None:
        return _frozen
    return timezone.now() + _offset


def today() -> dt.date:
    return timezone.localdate(now())


@contextlib.contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    """Hold the clock at `moment` (an aware datetime) for the duration of the block."""
    global _frozen
    if timezone.is_naive(moment):
        raise ValueError("frozen_at needs an aware datetime")
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous
