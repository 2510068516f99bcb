"""Reads of suggestions shared by views, API, exports and jobs."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404

from campaigndesk.org import access
from campaigndesk.org.access import OVERSIGHT_ROLES

from .models import Suggestion


def visible_suggestions(user: Any):
    """City-level oversight sees all; a unit sees what was routed to it (and below) or shared."""
    if access.sees_whole_city(user, OVERSIGHT_ROLES):
        return Suggestion.objects.all()
    paths = access.grants(user).paths()
    if not paths:
        return Suggestion.objects.none()
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(unit_path__startswith=p)
    shared = Suggestion.co_units.through.objects.filter(access.unit_filter(user, "unit")).values(
        "suggestion_id"
    )
    return Suggestion.objects.filter(q | Q(pk__in=shared))


def get_suggestion_for_user(user: Any, pk: Any) -> Suggestion:
    try:
        return (
            visible_suggestions(user)
            .select_related("campaign", "category", "district", "unit", "key_task")
            .get(pk=pk)
        )
    except (Suggestion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def public_view(s: Suggestion) -> dict[str, Any]:
    """What anyone may read of a published suggestion: no contact details, no internal notes."""
    return {
        "tracking_number": s.tracking_number,
        "title": s.title,
        "body": s.body,
        "category": s.category.name if s.category_id else "",
        "district": s.district.name if s.district_id else "",
        "outcome": s.get_outcome_display() if s.outcome else "",
        "answer": s.answer,
        "unit": s.unit.name if s.unit_id else "",
        "answered_at": s.answered_at,
        "is_outstanding": s.is_outstanding,
    }
