"""The suggestions' background jobs and when the scheduler starts them (core/scheduler.py).

The answer scan is safe to run twice or on two workers at once: lights are computed
from the same data, and reminders are unique per (suggestion, key).
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from campaigndesk import clock
from campaigndesk.core.scheduler import HOUR, Periodic

from . import intake, scan


@task()
def scan_answers(today: str | None = None) -> dict[str, int]:
    """Refresh the answer lights and remind units of answers falling due or overdue."""
    day = dt.date.fromisoformat(today) if today else clock.today()
    return scan.run_suggestion_scan(day)


@task()
def prune_challenges() -> int:
    """Forget spent check-question tokens that have expired anyway (safe to run twice)."""
    return intake.prune_challenges()


SCHEDULE = [
    Periodic("campaigndesk.suggestions.jobs.scan_answers", HOUR),
    Periodic("campaigndesk.suggestions.jobs.prune_challenges", HOUR),
]
