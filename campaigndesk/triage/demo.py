"""The demo's routing model: trained once from the demo's routed and answered history.

`load_demo()` calls `train_demo_model()` right after the demo's suggestions load, in the
same transaction, so the routing-model page shows a version with its measured quality
and the triage queue shows the top three units for each suggestion. A history too small
to train leaves no model: the page then says why and the queue keeps its cold-start hints
(the category's default unit and the office's keywords).
"""

from __future__ import annotations

import logging

from . import training
from .models import RoutingModel

logger = logging.getLogger(__name__)

TRAINED_BY = "demo"


def train_demo_model() -> RoutingModel | None:
    """Train and activate the city-wide unit model; None (logged) if the history is too
    small. Never trains twice: a demo that already has a model keeps it."""
    existing = RoutingModel.objects.filter(campaign__isnull=True, trained_by=TRAINED_BY)
    if existing.exists():
        return existing.defer("blob").order_by("-version").first()
    try:
        return training.train(trained_by=TRAINED_BY)
    except training.NotEnoughData as e:
        logger.info("demo routing model not trained: %s", e)
        return None
