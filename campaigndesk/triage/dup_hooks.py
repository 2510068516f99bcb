"""Plug duplicate detection and hot topics into the rest of CampaignDesk.

Imported once from `TriageConfig.ready()` ("dup_hooks" in its tuple of parts). It:

- appends `sign_at_intake` to `suggestions.intake.INTAKE_HOOKS`: each new suggestion's
  band keys are stored as it arrives, in its transaction, so it is found as a
  near-duplicate from its commit on (a failure is logged; intake goes on); with the
  commit it enqueues `dup_jobs.find_duplicates`, which searches its near-duplicates ONCE
  and stores them (no search in the submission itself, only the enqueue);
- appends `duplicate_hints` to `suggestions.hints.HINT_PROVIDERS`: the triage queue shows
  the stored near-duplicates of a whole page in one indexed query;
- registers the nightly topic job of `topic_jobs.SCHEDULE` with the scheduler (which by
  itself only reads `<app>.jobs.SCHEDULE`).
"""

from __future__ import annotations

import logging

from django.db import DatabaseError

from campaigndesk.core import scheduler
from campaigndesk.core.background import enqueue_with_commit
from campaigndesk.suggestions import hints, intake
from campaigndesk.suggestions.models import Suggestion

from . import dedupe, dup_jobs, topic_jobs

logger = logging.getLogger(__name__)


def sign_at_intake(suggestion: Suggestion) -> None:
    """Store the new suggestion's signature: one INSERT in intake's transaction, with no
    savepoint (two round trips per submission). A failure computing it is logged and
    intake goes on; a database error is not swallowed: the transaction is broken then,
    and its commit would drop the suggestion after all, so the submission fails."""
    try:
        dedupe.index_suggestion(suggestion, new=True)
    except DatabaseError:
        raise
    except Exception:
        logger.exception("could not sign suggestion %s for duplicate search", suggestion.pk)
    enqueue_with_commit(dup_jobs.find_duplicates, suggestion.pk)


def duplicate_hints(suggestions: list[Suggestion]) -> dict[int, hints.Hint]:
    """The stored near-duplicates of a queue page: one indexed query for the page, no
    MinHash lookup (they were searched once after each suggestion arrived)."""
    found = dedupe.stored_duplicates(suggestions)
    return {
        pk: hints.Hint(duplicates=[hints.DuplicateGuess(m.suggestion, m.similarity) for m in ms])
        for pk, ms in found.items()
    }


if sign_at_intake not in intake.INTAKE_HOOKS:
    intake.INTAKE_HOOKS.append(sign_at_intake)
if duplicate_hints not in hints.HINT_PROVIDERS:
    hints.HINT_PROVIDERS.append(duplicate_hints)
for periodic in topic_jobs.SCHEDULE:
    scheduler.register(periodic)
