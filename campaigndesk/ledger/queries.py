"""Reads of the ledger shared by views, API, exports and jobs."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from campaigndesk.org import access
from campaigndesk.org.models import PATH_STEP, subtree_q

from .models import Task, TaskCoUnit


def _paths_q(paths: list[str]) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= subtree_q("unit_path", p)
    return q


def visible_tasks(user: Any):
    """Tasks led by the person's units (and below), and tasks those units share as co-units."""
    g = access.grants(user)
    if g.superuser:
        return Task.objects.all()
    paths = g.paths()
    if not paths:
        return Task.objects.none()
    if any(len(p) == PATH_STEP + 1 for p in paths):  # a city-level grant sees everything
        return Task.objects.all()
    shared = TaskCoUnit.objects.filter(_paths_q(paths), task=OuterRef("pk"))
    return Task.objects.filter(_paths_q(paths) | Exists(shared))


def led_by_units_of(user: Any) -> Q:
    """Tasks whose lead unit is one of the person's units or below, by a liaison or head grant.

    These are the tasks the person acts for (accept, return, report, split: the
    `ledger.act_for_unit` rule); a task their unit shares only as a co-unit is seen
    but not acted on.
    """
    g = access.grants(user)
    if g.superuser:
        return Q()
    return _paths_q(g.paths(access.UNIT_ROLES))


def get_task_for_user(user: Any, pk: Any) -> Task:
    """The task, or 404 when it does not exist or the person may not see it."""
    from django.http import Http404

    try:
        return (
            visible_tasks(user)
            # The calendar too: the task page counts its working days left on it.
            .select_related("campaign__calendar", "lead_unit", "key_task", "phase", "parent")
            .get(pk=pk)
        )
    except (Task.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_task_for_edit(user: Any, pk: Any, perm: str) -> Task:
    """The task when the person may do `perm` to it; 404 if unseen, PermissionDenied if seen only."""
    task = get_task_for_user(user, pk)
    access.require(user, perm, task)
    return task
