"""Access rules for API tokens (registered in the project-wide registry)."""

from __future__ import annotations

from typing import Any

from campaigndesk.org.access import grants, rule
from campaigndesk.org.models import Role


def _is_self(user: Any, person: Any) -> bool:
    return getattr(user, "pk", None) is not None and user.pk == person.pk


def _office_over(user: Any, person: Any) -> bool:
    g = grants(user)
    if g.superuser:
        return True
    return person.unit is not None and g.covers(person.unit, [Role.OFFICE])


@rule("api.issue_token")
def _issue_token(user: Any, person: Any) -> bool:
    """A person issues their own tokens; the office issues them for people in its units."""
    if person is None or not person.is_active:
        return False
    return _is_self(user, person) or _office_over(user, person)


@rule("api.revoke_token")
def _revoke_token(user: Any, token: Any) -> bool:
    """The holder revokes their own token; the office revokes any in its units."""
    return _is_self(user, token.user) or _office_over(user, token.user)
