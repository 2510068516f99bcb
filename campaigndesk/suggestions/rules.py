"""Who may see and handle suggestions. Contact details: the office and the answering unit only."""

from __future__ import annotations

from typing import Any

from campaigndesk.org.access import (
    ALL_ROLES,
    OVERSIGHT_ROLES,
    UNIT_ROLES,
    grants,
    rule,
    sees_whole_city,
)
from campaigndesk.org.models import Role


def _covers_unit(user: Any, suggestion: Any, roles=None) -> bool:
    if suggestion.unit_id is None:
        return False
    return grants(user).covers(suggestion.unit, roles)


@rule("suggestions.view")
def _view(user: Any, _obj: Any) -> bool:
    return grants(user).has(*ALL_ROLES)


@rule("suggestions.view_one")
def _view_one(user: Any, suggestion: Any) -> bool:
    if sees_whole_city(user, OVERSIGHT_ROLES):
        return True
    g = grants(user)
    return _covers_unit(user, suggestion) or any(g.covers(u) for u in suggestion.co_units.all())


@rule("suggestions.view_contact")
def _view_contact(user: Any, suggestion: Any) -> bool:
    """The office and the unit that answers; never the co-units, leaders or auditors."""
    g = grants(user)
    return g.has(Role.OFFICE) or _covers_unit(user, suggestion, UNIT_ROLES)


@rule("suggestions.triage")
def _triage(user: Any, _obj: Any) -> bool:
    """Route, mark duplicate / out of scope / spam, publish, decide reopened ones."""
    return grants(user).has(Role.OFFICE)


@rule("suggestions.handle")
def _handle(user: Any, suggestion: Any) -> bool:
    """Accept, draft the answer, say it is not the unit's remit: the answering unit."""
    return _covers_unit(user, suggestion, UNIT_ROLES)


@rule("suggestions.endorse")
def _endorse(user: Any, suggestion: Any) -> bool:
    return _covers_unit(user, suggestion, [Role.UNIT_HEAD])


@rule("suggestions.answer_inbox")
def _answer_inbox(user: Any, _obj: Any) -> bool:
    """The unit inbox: people who answer for a unit (liaisons and unit heads)."""
    return grants(user).has(*UNIT_ROLES)


@rule("suggestions.view_figures")
def _view_figures(user: Any, _obj: Any) -> bool:
    """City-wide suggestion figures: the leading group, the office, inspectors, auditors."""
    return sees_whole_city(user, OVERSIGHT_ROLES)
