"""Hot-topics jobs: one period's refresh on demand, and the nightly refresh (registered
with the scheduler by dup_hooks.py).

`refresh_run` is queued by a request that found a period's stored run missing or stale,
or by the office's "compute again" (see topics.request_refresh: at most one per campaign,
period and stored run). The nightly job recomputes, for every campaign open today, the
default period's topics (the last 30 days) so the first page view of the day reads a
fresh run, and signs any suggestions that have no duplicate signature yet (rows loaded
in bulk, or before the triage app), then searches and stores the near-duplicates of
open suggestions never searched (the queue reads only stored ones).

Arguments are JSON (dates as ISO strings), as the database queue stores them.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from campaigndesk.core.scheduler import DAY, Periodic


@task()
def refresh_run(campaign_id: int, start: str, end: str, replaces: str) -> dict[str, object]:
    """Cluster one campaign's period and store the run, unless the stored run is no longer
    the one this refresh was queued to replace (`replaces`: its version; the nightly job
    or an earlier refresh stored a newer one meanwhile)."""
    from campaigndesk.campaigns.models import Campaign

    from . import topics

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return {"skipped": "no such campaign"}
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    if topics.run_version(topics.stored_run(campaign, first, last)) != replaces:
        return {"skipped": "already refreshed"}
    run = topics.compute_run(campaign, first, last)
    return {"topics": len(run.result), "clustered": run.size, "seconds": run.seconds}


@task()
def refresh_topics() -> dict[str, int]:
    from campaigndesk.campaigns.models import Campaign

    from . import dedupe, topics

    start, end = topics.default_period()
    runs = 0
    for campaign in Campaign.objects.filter(starts_on__lte=end, ends_on__gte=start):
        topics.compute_run(campaign, start, end)
        runs += 1
    signed = dedupe.backfill_signatures()
    return {"topic_runs": runs, "signed": signed, "searched": dedupe.backfill_duplicates()}


SCHEDULE = [Periodic("campaigndesk.triage.topic_jobs.refresh_topics", DAY, at="02:30")]
