"""Who may draft, endorse and decide work plans."""

from __future__ import annotations

from typing import Any

from campaigndesk.org.access import ALL_ROLES, grants, rule
from campaigndesk.org.models import Role


@rule("plans.view")
def _plans_view(user: Any, plan: Any) -> bool:
    if plan is None:
        return grants(user).has(*ALL_ROLES)
    return grants(user).covers(plan.unit)


@rule("plans.edit")
def _plans_edit(user: Any, plan: Any) -> bool:
    return grants(user).covers(plan.unit, [Role.LIAISON, Role.UNIT_HEAD])


@rule("plans.endorse")
def _plans_endorse(user: Any, plan: Any) -> bool:
    return grants(user).covers(plan.unit, [Role.UNIT_HEAD])


@rule("plans.decide")
def _plans_decide(user: Any, _plan: Any) -> bool:
    return grants(user).has(Role.OFFICE)
