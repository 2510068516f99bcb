"""Signing and near-duplicate search in the background: run once for each new suggestion
after its intake commits (enqueued by dup_hooks.py), so neither the submission nor the
triage queue searches (the queue reads the stored candidates, dedupe.stored_duplicates)."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def find_duplicates(suggestion_id: int) -> int:
    """Search and store the near-duplicates of one suggestion; the rows stored (0 for a
    suggestion deleted meanwhile). Safe to run twice: the stored rows are replaced."""
    from campaigndesk.suggestions.models import Suggestion

    from . import dedupe

    s = Suggestion.objects.filter(pk=suggestion_id).first()
    if s is None:
        return 0
    # The keys are committed before the search: of two copies arriving together, the one
    # whose search runs second then sees the other's keys, so the pair is never missed.
    try:
        dedupe.index_suggestion(s)
    except DatabaseError:
        raise
    except Exception:
        # A text the signature cannot take is logged; the nightly backfill retries it.
        logger.exception("could not sign suggestion %s for duplicate search", s.pk)
        return 0
    return dedupe.store_duplicates(s)
