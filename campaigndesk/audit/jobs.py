"""The audit trail's periodic job: seal what no writer sealed (see `trail.seal`)."""

from __future__ import annotations

from campaigndesk.core.scheduler import MINUTE, Periodic

from . import trail


def seal_waiting() -> int:
    """Chain records left waiting by a process that stopped between a commit and its seal.

    A plain function, run in the scheduler: a few statements, nothing for a worker."""
    return trail.seal()


SCHEDULE = [Periodic("campaigndesk.audit.jobs.seal_waiting", MINUTE)]
