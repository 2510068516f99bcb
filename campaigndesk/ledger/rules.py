"""Who may do what on the ledger and with work plans."""

from __future__ import annotations

from typing import Any

from campaigndesk.org.access import ALL_ROLES, UNIT_ROLES, grants, rule
from campaigndesk.org.models import Role


def _covers_lead(user: Any, task: Any, roles=None) -> bool:
    return grants(user).covers(task.lead_unit, roles)


@rule("ledger.view")
def _view(user: Any, _obj: Any) -> bool:
    return grants(user).has(*ALL_ROLES)


@rule("ledger.view_task")
def _view_task(user: Any, task: Any) -> bool:
    from .queries import visible_tasks

    return _covers_lead(user, task) or visible_tasks(user).filter(pk=task.pk).exists()


@rule("ledger.create_task")
def _create(user: Any, _obj: Any) -> bool:
    """The office assigns tasks (交办)."""
    return grants(user).has(Role.OFFICE)


@rule("ledger.act_for_unit")
def _act_for_unit(user: Any, task: Any) -> bool:
    """Accept, return, report progress, report done, split: the lead unit's liaison or head."""
    return _covers_lead(user, task, UNIT_ROLES)


@rule("ledger.edit_task")
def _edit(user: Any, task: Any) -> bool:
    """The office edits any task; a unit edits the child tasks it split off."""
    g = grants(user)
    if g.has(Role.OFFICE):
        return True
    return task.parent_id is not None and g.covers(task.parent.lead_unit, UNIT_ROLES)


@rule("ledger.supervise")
def _supervise(user: Any, _task: Any) -> bool:
    """Verify and close, send back, reopen, cancel, reassign, remind, lock periods."""
    return grants(user).has(Role.OFFICE)


@rule("ledger.manage_webhook")
def _manage_webhook(user: Any, unit: Any) -> bool:
    """Set a unit's chat-robot webhook: the office, or the head of the unit (or a unit above)."""
    g = grants(user)
    if g.has(Role.OFFICE):
        return True
    if unit is None:
        return g.has(Role.UNIT_HEAD)
    return g.covers(unit, [Role.UNIT_HEAD])
