"""The ledger's background jobs (django-tasks) and when the scheduler starts them.

Each job is safe to run twice or on two workers at once: reminders are unique per
(task, key), deliveries are claimed row by row, digests are one per person per
day, and the light refresh computes the same lights from the same data. A job
that fails is enqueued again for the same day's work after 5, 15 and 45 minutes
(and then waits for its next slot); a failed send is retried by the delivery's own
back-off, never sent twice.

Arguments are JSON (dates as ISO strings), as the database queue stores them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.campaigns.models import Campaign, CampaignStatus
from campaigndesk.core.scheduler import DAY, HOUR, MINUTE, Periodic

from . import delivery, digest, scan
from .lights import refresh_lights

logger = logging.getLogger(__name__)


RETRY_AFTER_MINUTES = (5, 15, 45)


def _day(value: str | None) -> str:
    return value or clock.today().isoformat()


def _retry_later(job: Task, attempt: int, **kwargs: Any) -> None:
    """Enqueue the job again a little later, for the same day's work, a few times at most.

    The immediate backend cannot defer a job: there the next slot is the retry.
    """
    if attempt > len(RETRY_AFTER_MINUTES) or not job.get_backend().supports_defer:
        return
    when = timezone.now() + dt.timedelta(minutes=RETRY_AFTER_MINUTES[attempt - 1])
    job.using(run_after=when).enqueue(attempt=attempt + 1, **kwargs)
    logger.warning("%s failed (attempt %s); tried again at %s", job.name, attempt, when)


def _retrying(job_name: str, attempt: int, work: Callable[[], Any], **kwargs: Any) -> Any:
    try:
        return work()
    except Exception:
        _retry_later(globals()[job_name], attempt, **kwargs)
        raise


@task()
def run_reminders(today: str | None = None, attempt: int = 1) -> dict[str, int]:
    """Issue the automatic reminders due today (see scan.py)."""
    day = _day(today)
    return _retrying(
        "run_reminders",
        attempt,
        lambda: scan.run_reminders(dt.date.fromisoformat(day)),
        today=day,
    )


@task()
def deliver(limit: int = 200) -> dict[str, int]:
    """Send due emails, digests and webhook calls (see delivery.py); runs every minute,
    and each delivery retries on its own back-off."""
    return delivery.deliver_due(limit=limit)


def _refresh(day: dt.date) -> dict[str, int]:
    changed = {}
    with trail.source("job:lights"):
        for campaign in Campaign.objects.filter(status=CampaignStatus.ACTIVE):
            changed[campaign.code] = refresh_lights(campaign, day)
    return changed


@task()
def refresh_all_lights(today: str | None = None, attempt: int = 1) -> dict[str, int]:
    """Recompute the warning lights of every active campaign (time alone changes them)."""
    day = _day(today)
    return _retrying(
        "refresh_all_lights", attempt, lambda: _refresh(dt.date.fromisoformat(day)), today=day
    )


@task()
def queue_digests(today: str | None = None, attempt: int = 1) -> int:
    """Queue today's digest emails (see digest.py); `deliver` sends them."""
    day = _day(today)
    return _retrying(
        "queue_digests",
        attempt,
        lambda: digest.queue_digests(dt.date.fromisoformat(day)),
        today=day,
    )


SCHEDULE = [
    Periodic("campaigndesk.ledger.jobs.deliver", MINUTE),
    Periodic("campaigndesk.ledger.jobs.run_reminders", HOUR),
    Periodic("campaigndesk.ledger.jobs.refresh_all_lights", DAY, at="00:10"),
    Periodic("campaigndesk.ledger.jobs.queue_digests", DAY, at="07:30"),
]
