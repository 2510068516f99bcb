"""The one clock of the application.

Domain code asks `clock.now()` and `clock.today()` instead of the system clock,
so tests can move time (deadlines passing, warnings turning red) without sleeping.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


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
