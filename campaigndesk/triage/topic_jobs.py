"""The nightly hot-topics refresh (registered with the scheduler by dup_hooks.py).

For every campaign open today, recompute the default period's topics (the last 30 days)
so the first page view of the day reads a fresh cache, and sign any suggestions that
have no duplicate signature yet (rows loaded in bulk, or before the triage app), then
search and store the near-duplicates of open suggestions never searched (the queue reads
only stored ones).
"""

from __future__ import annotations

from django_tasks import task

from campaigndesk.core.scheduler import DAY, Periodic


@task()
def refresh_topics() -> dict[str, int]:
    from campaigndesk.campaigns.models import Campaign

    from . import dedupe, topics

    start, end = topics.default_period()
    runs = 0
    for campaign in Campaign.objects.filter(starts_on__lte=end, ends_on__gte=start):
        topics.topic_run(campaign, start, end, refresh=True)
        runs += 1
    signed = dedupe.backfill_signatures()
    return {"topic_runs": runs, "signed": signed, "searched": dedupe.backfill_duplicates()}


SCHEDULE = [Periodic("campaigndesk.triage.topic_jobs.refresh_topics", DAY, at="02:30")]
