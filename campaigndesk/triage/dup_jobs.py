"""Triage's background work on each new suggestion, run once after its intake commits
(enqueued by the intake hook in hooks.py): its routing guess stored, then its signing and
near-duplicate search, so neither the submission nor the triage queue predicts or
searches (the queue reads the stored guesses and candidates)."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def after_intake(suggestion_id: int, guess: bool = False) -> int:
    """A new suggestion's triage work in one job (one task row in the submission, not one
    per part): with `guess`, store the routing model's guess; then sign it and store its
    near-duplicates. Returns the duplicates stored. A failed guess is logged and the
    search goes on (the nightly backfill stores the guess then)."""
    if guess:
        from . import stored_hints

        try:
            stored_hints.store_missing([suggestion_id])
        except DatabaseError:
            raise
        except Exception:
            logger.exception("could not store the routing guess of suggestion %s", suggestion_id)
    return search(suggestion_id)


@task()
def find_duplicates(suggestion_id: int) -> int:
    """The search alone (jobs queued before `after_intake` existed, and the command)."""
    return search(suggestion_id)


def search(suggestion_id: int) -> int:
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
