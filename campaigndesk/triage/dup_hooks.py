"""Plug duplicate detection and hot topics into the rest of CampaignDesk.

Imported once from `TriageConfig.ready()` ("dup_hooks" in its tuple of parts). It:

- appends `search_after_intake` to `suggestions.intake.INTAKE_HOOKS`: with its commit,
  each new suggestion enqueues `dup_jobs.find_duplicates`, which stores its band keys
  and then searches its near-duplicates ONCE and stores them (the submission itself
  writes only the task's row);
- appends `duplicate_hints` to `suggestions.hints.HINT_PROVIDERS`: the triage queue shows
  the stored near-duplicates of a whole page in one indexed query;
- registers the nightly topic job of `topic_jobs.SCHEDULE` with the scheduler (which by
  itself only reads `<app>.jobs.SCHEDULE`).
"""

from __future__ import annotations

from campaigndesk.core import scheduler
from campaigndesk.core.background import enqueue_with_commit
from campaigndesk.suggestions import hints, intake
from campaigndesk.suggestions.models import Suggestion

from . import dedupe, dup_jobs, topic_jobs


def search_after_intake(suggestion: Suggestion) -> None:
    """Have the new suggestion signed and its near-duplicates searched by a worker: the
    submission itself writes one task row in its transaction instead of 36 band keys
    into an index of tens of millions of rows at city scale. `dup_jobs.find_duplicates`
    commits the keys before it searches."""
    enqueue_with_commit(dup_jobs.find_duplicates, suggestion.pk)


def duplicate_hints(suggestions: list[Suggestion]) -> dict[int, hints.Hint]:
    """The stored near-duplicates of a queue page: one indexed query for the page, no
    MinHash lookup (they were searched once after each suggestion arrived)."""
    found = dedupe.stored_duplicates(suggestions)
    return {
        pk: hints.Hint(duplicates=[hints.DuplicateGuess(m.suggestion, m.similarity) for m in ms])
        for pk, ms in found.items()
    }


if search_after_intake not in intake.INTAKE_HOOKS:
    intake.INTAKE_HOOKS.append(search_after_intake)
if duplicate_hints not in hints.HINT_PROVIDERS:
    hints.HINT_PROVIDERS.append(duplicate_hints)
for periodic in topic_jobs.SCHEDULE:
    scheduler.register(periodic)
