"""Access rules for learned triage: the office trains, rolls back and tunes the router."""

from typing import Any

from campaigndesk.org.access import grants, rule
from campaigndesk.org.models import Role


@rule("triage.view")
def _view(user: Any, _obj: Any) -> bool:
    return grants(user).has(Role.OFFICE, Role.LEADER)


@rule("triage.manage")
def _manage(user: Any, _obj: Any) -> bool:
    return grants(user).has(Role.OFFICE)


@rule("triage.train")
def _train(user: Any, _obj: Any) -> bool:
    return grants(user).has(Role.OFFICE)
