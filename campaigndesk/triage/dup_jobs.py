"""Near-duplicate search in the background: run once for each new suggestion after its
intake commits (enqueued by dup_hooks.py), so the triage queue only reads the stored
candidates (dedupe.stored_duplicates) instead of searching per page."""

from __future__ import annotations

from django_tasks import task


@task()
def find_duplicates(suggestion_id: int) -> int:
    """Search and store the near-duplicates of one suggestion; the rows stored (0 for a
    suggestion deleted meanwhile). Safe to run twice: the stored rows are replaced."""
    from campaigndesk.suggestions.models import Suggestion

    from . import dedupe

    s = Suggestion.objects.filter(pk=suggestion_id).first()
    if s is None:
        return 0
    return dedupe.store_duplicates(s)
