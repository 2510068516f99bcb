"""Plug duplicate detection and hot topics into the rest of CampaignDesk.

Imported once from `TriageConfig.ready()` ("dup_hooks" in its tuple of parts). Each
new suggestion's search is queued by the intake hook of hooks.py, in one job with its
routing guess (`dup_jobs.after_intake`: the submission writes one task row). It:

- appends `duplicate_hints` to `suggestions.hints.HINT_PROVIDERS`: the triage queue shows
  the stored near-duplicates of a whole page in one indexed query;
- registers the nightly topic job of `topic_jobs.SCHEDULE` with the scheduler (which by
  itself only reads `<app>.jobs.SCHEDULE`).
"""

from __future__ import annotations

from campaigndesk.core import scheduler
from campaigndesk.suggestions import hints
from campaigndesk.suggestions.models import Suggestion

from . import dedupe, topic_jobs


def duplicate_hints(suggestions: list[Suggestion]) -> dict[int, hints.Hint]:
    """The stored near-duplicates of a queue page: one indexed query for the page, no
    MinHash lookup (they were searched once after each suggestion arrived)."""
    found = dedupe.stored_duplicates(suggestions)
    return {
        pk: hints.Hint(duplicates=[hints.DuplicateGuess(m.suggestion, m.similarity) for m in ms])
        for pk, ms in found.items()
    }


if duplicate_hints not in hints.HINT_PROVIDERS:
    hints.HINT_PROVIDERS.append(duplicate_hints)
for periodic in topic_jobs.SCHEDULE:
    scheduler.register(periodic)
