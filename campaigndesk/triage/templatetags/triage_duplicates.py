"""`{% near_duplicates s %}`: the duplicates panel of a suggestion's page (the office only)."""

from __future__ import annotations

from typing import Any

from django import template

from campaigndesk.org import access
from campaigndesk.suggestions.models import OPEN_STATUSES

from .. import dedupe

register = template.Library()


@register.inclusion_tag("triage/topics/_duplicates.html", takes_context=True)
def near_duplicates(context: dict[str, Any], suggestion: Any) -> dict[str, Any]:
    """Near-duplicates of an open suggestion for people who triage (two queries); nothing
    for anyone else, or when the suggestion is already closed or marked a duplicate."""
    user = context["request"].user
    show = (
        suggestion.status in OPEN_STATUSES
        and not suggestion.duplicate_of_id
        and access.can(user, "suggestions.triage")
    )
    return {
        "show": show,
        "suggestion": suggestion,
        "matches": dedupe.duplicates_of(suggestion) if show else [],
        "csrf_token": context.get("csrf_token"),
    }
