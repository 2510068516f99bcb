"""The ledger's side of other apps' events: an approved work plan's measures become tasks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from campaigndesk import clock
from campaigndesk.campaigns.models import WorkPlan, WorkPlanVersion
from campaigndesk.campaigns.plans import PLAN_APPROVED_HOOKS

from . import actions
from .models import OPEN_STATUSES, Source, Task, TaskStatus


def tasks_from_approved_plan(actor: Any, plan: WorkPlan, version: WorkPlanVersion) -> None:
    """New measures open tasks, changed ones update theirs, removed ones cancel theirs.

    The unit wrote the plan itself, so its tasks start accepted.
    """
    measures = {m.number: m for m in plan.measures.select_related("key_task")}
    existing = {
        t.measure_id: t
        for t in Task.objects.filter(measure__plan=plan).select_related("campaign", "parent")
    }
    for number in sorted(measures):
        measure = measures[number]
        deadline = measure.deadline
        task = existing.get(measure.pk)
        if task is None:
            actions.create_task(
                actor,
                campaign=plan.campaign,
                title=measure.title,
                description=measure.description,
                lead_unit=plan.unit,
                deadline=deadline,
                key_task=measure.key_task,
                responsible_leader=measure.owner_name,
                source=Source.WORK_PLAN,
                source_ref=_("Work plan v%(version)s, measure %(number)s")
                % {"version": version.number, "number": number},
                measure=measure,
                milestones=[
                    (m.get("title", ""), dt.date.fromisoformat(m["due"]))
                    for m in measure.milestones
                    if m.get("due")
                ],
                status=TaskStatus.ACCEPTED,
                accepted_at=clock.now(),
            )
        elif task.is_open:
            changes = {
                k: v
                for k, v in {
                    "title": measure.title,
                    "description": measure.description,
                    "deadline": deadline,
                    "key_task": measure.key_task,
                    "responsible_leader": measure.owner_name,
                }.items()
                if getattr(task, k) != v
            }
            if changes:
                actions.update_task(actor, task, changes, expected_version=task.version)
    orphans = Task.objects.filter(
        campaign=plan.campaign,
        lead_unit=plan.unit,
        source=Source.WORK_PLAN,
        measure__isnull=True,
        status__in=OPEN_STATUSES,
    ).select_related("campaign")
    for task in orphans:
        actions.cancel_task(actor, task, _("The measure was removed from the approved work plan."))


PLAN_APPROVED_HOOKS.append(tasks_from_approved_plan)
