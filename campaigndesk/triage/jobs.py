"""The routing model's background job: retrain nightly, city-wide and per running campaign."""

from __future__ import annotations

import logging

from django_tasks import task

from campaigndesk.audit import trail
from campaigndesk.core.scheduler import DAY, Periodic

from . import training

logger = logging.getLogger(__name__)


@task()
def retrain_routing(trained_by: str = "nightly job") -> str:
    """Train a new city-wide unit model; a scope without enough history is skipped."""
    with trail.source("job:triage.retrain"):
        try:
            model = training.train(trained_by=trained_by)
        except training.NotEnoughData as e:
            logger.info("routing not retrained: %s", e)
            return "skipped"
    return f"v{model.version}"


SCHEDULE = [Periodic("campaigndesk.triage.jobs.retrain_routing", DAY, at="02:30")]
