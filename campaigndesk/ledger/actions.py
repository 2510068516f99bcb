"""Every change to tasks on the ledger.

assigned → accepted (签收) or returned (not the unit's own) → in progress → reported
done → verified and closed (销号) by the office, or sent back; closed → reopened;
any open state → cancelled. Lateness is kept as flags beside the state. A unit
splits its task for the units below it; progress and lights roll up to the parent.

Each action checks permission, validates, bumps the task's version, recomputes
its light and rolls figures up, and writes the audit record, in one transaction.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Max, Min
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.core import writes
from campaigndesk.core.uploads import check_upload
from campaigndesk.org import access
from campaigndesk.org.models import Unit

from .lights import light_of, worst
from .models import (
    Attachment,
    Light,
    ProgressReport,
    ReportingPeriod,
    Source,
    Task,
    TaskCoUnit,
    TaskMilestone,
    TaskStatus,
)
from .workdays import for_campaign

EDITABLE_FIELDS = (
    "title",
    "description",
    "deadline",
    "starts_on",
    "priority",
    "responsible_leader",
    "key_task",
    "phase",
    "source_ref",
)


class ConflictError(Exception):
    """Someone else saved the task since the person opened it.

    `differences` lists (field, value now saved, value this person sent) for the
    fields where the two differ, so the second person sees what changed.
    """

    def __init__(self, task: Task, differences: list[tuple[str, Any, Any]]):
        super().__init__(_("Someone else changed this task while you were editing it."))
        self.task = task
        self.differences = differences


# One whole sentence per action (not "cannot be %(verb)s"), so that every language
# can word it its own way.
_STATUS_ERRORS = {
    "accept": gettext_lazy("A task that is %(status)s cannot be accepted."),
    "return": gettext_lazy("A task that is %(status)s cannot be returned."),
    "reassign": gettext_lazy("A task that is %(status)s cannot be reassigned."),
    "report": gettext_lazy("A task that is %(status)s cannot be reported on."),
    "report_done": gettext_lazy("A task that is %(status)s cannot be reported done."),
    "close": gettext_lazy("A task that is %(status)s cannot be closed."),
    "send_back": gettext_lazy("A task that is %(status)s cannot be sent back."),
    "reopen": gettext_lazy("A task that is %(status)s cannot be reopened."),
    "cancel": gettext_lazy("A task that is %(status)s cannot be cancelled."),
    "edit": gettext_lazy("A task that is %(status)s cannot be edited."),
}


def _status_error(task: Task, action: str) -> ValidationError:
    return ValidationError(_STATUS_ERRORS[action] % {"status": task.get_status_display()})


def _save(actor: Any, task: Task, changes: dict[str, Any], action: str) -> Task:
    """Apply changes, recompute the light, bump the version, audit; then roll up.

    Refused when the task moved on since `task` was read (another person's action
    in the same moment): its status checks were made on what this person saw.
    """
    saved_version = (
        Task.objects.select_for_update(of=("self",))
        .filter(pk=task.pk)
        .values_list("version", flat=True)
        .first()
    )
    if saved_version != task.version:
        raise ValidationError(
            _("Someone else changed this task a moment ago. Reload it and try again.")
        )
    today = clock.today()
    changes = {**changes, "updated_at": clock.now(), "version": task.version + 1}
    probe = copy.copy(task)  # the task as it will be, to light it before saving
    for name, value in changes.items():
        setattr(probe, name, value)
    light = light_of(probe, today)
    if task.children.exists():
        light = worst(
            [light, *task.children.exclude(light=Light.NONE).values_list("light", flat=True)]
        )
    if light != task.light:
        changes.update(light=light, light_since=today)
    writes.update(actor, task, changes, action=action)
    if task.parent_id:
        roll_up(task.parent_id)
    return task


def roll_up(task_id: int | None) -> None:
    """Recompute a parent's progress and light from its children, up to the root.

    Derived figures, so they are not audited: the children's audited reports are
    the record, and these are recomputed from them every time.
    """
    today = clock.today()
    while task_id:
        parent = (
            Task.objects.select_related("campaign").select_for_update(of=("self",)).get(pk=task_id)
        )
        live = parent.children.exclude(status=TaskStatus.CANCELLED)
        avg = live.aggregate(avg=Avg("progress"))["avg"]
        progress = round(avg) if avg is not None else parent.progress
        parent.progress = progress
        light = worst(
            [
                light_of(parent, today),
                *live.exclude(light=Light.NONE).values_list("light", flat=True),
            ]
        )
        Task.objects.filter(pk=parent.pk).update(progress=progress, light=light)
        task_id = parent.parent_id


def _check_dates(campaign: Any, starts_on: dt.date, deadline: dt.date, parent: Task | None) -> None:
    errors: dict[str, str] = {}
    if deadline < starts_on:
        errors["deadline"] = _("The deadline (%(deadline)s) is before the start (%(start)s).") % {
            "deadline": deadline,
            "start": starts_on,
        }
    elif deadline > campaign.ends_on:
        errors["deadline"] = _("The deadline is after the campaign ends (%(end)s).") % {
            "end": campaign.ends_on
        }
    if parent is not None and deadline > parent.deadline:
        errors["deadline"] = _(
            "A child task must be due no later than its parent (%(deadline)s)."
        ) % {"deadline": parent.deadline}
    # A child works within its parent's time: not before the campaign, nor its parent, starts.
    if parent is not None and starts_on < campaign.starts_on:
        errors["starts_on"] = _(
            "A child task cannot start before the campaign starts (%(date)s)."
        ) % {"date": campaign.starts_on}
    elif parent is not None and starts_on < parent.starts_on:
        errors["starts_on"] = _(
            "A child task cannot start before its parent starts (%(date)s)."
        ) % {"date": parent.starts_on}
    if errors:
        raise ValidationError(errors)


def create_task(
    actor: Any,
    *,
    campaign: Any,
    title: str,
    lead_unit: Unit,
    deadline: dt.date,
    starts_on: dt.date | None = None,
    co_units: Iterable[Unit] = (),
    milestones: Sequence[tuple[str, dt.date]] = (),
    parent: Task | None = None,
    perm: str = "ledger.create_task",
    **fields: Any,
) -> Task:
    """Put a task on the ledger for `lead_unit` (the office's 交办, or a split)."""
    access.require(actor, perm, parent)
    now, today = clock.now(), clock.today()
    starts_on = starts_on or max(today, campaign.starts_on)
    _check_dates(campaign, starts_on, deadline, parent)
    co_units = [u for u in co_units if u.pk != lead_unit.pk]
    workdays = for_campaign(campaign)
    with transaction.atomic():
        task = Task(
            campaign=campaign,
            title=title,
            lead_unit=lead_unit,
            unit_path=lead_unit.path,
            deadline=deadline,
            starts_on=starts_on,
            parent=parent,
            depth=parent.depth + 1 if parent else 0,
            accept_by=workdays.add(max(today, starts_on), campaign.accept_limit_days),
            return_by=workdays.add(today, campaign.return_limit_days),
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=now,
            updated_at=now,
            **fields,
        )
        task.light = light_of(task, today, workdays)
        task.light_since = today
        task.full_clean()
        task.save(force_insert=True)
        TaskCoUnit.objects.bulk_create(
            TaskCoUnit(task=task, unit=u, unit_path=u.path) for u in co_units
        )
        TaskMilestone.objects.bulk_create(
            TaskMilestone(task=task, title=t, due=d) for t, d in milestones
        )
        after = trail.snapshot(task)
        after["co_units"] = sorted(u.pk for u in co_units)
        after["milestones"] = [[t, d] for t, d in milestones]
        trail.record(actor, "create", task, action="ledger.create_task", after=after)
        if parent is not None:
            roll_up(parent.pk)
    return task


def split_task(
    actor: Any, parent: Task, *, lead_unit: Unit, title: str, deadline: dt.date, **fields: Any
) -> Task:
    """A unit presses its task down to a unit below it."""
    access.require(actor, "ledger.act_for_unit", parent)
    if parent.status not in (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS):
        raise ValidationError(_("Accept the task before splitting it."))
    if lead_unit.pk == parent.lead_unit_id or not lead_unit.is_within(parent.lead_unit):
        raise ValidationError(
            {
                "lead_unit": _("A child task goes to a unit below %(unit)s.")
                % {"unit": parent.lead_unit}
            }
        )
    fields.setdefault("key_task", parent.key_task)
    fields.setdefault("phase", parent.phase)
    fields.setdefault("source", Source.SPLIT)
    fields.setdefault("responsible_leader", parent.responsible_leader)
    return create_task(
        actor,
        campaign=parent.campaign,
        parent=parent,
        perm="ledger.act_for_unit",
        lead_unit=lead_unit,
        title=title,
        deadline=deadline,
        starts_on=fields.pop("starts_on", None)
        or max(clock.today(), parent.starts_on, parent.campaign.starts_on),
        **fields,
    )


def accept_task(actor: Any, task: Task) -> Task:
    access.require(actor, "ledger.act_for_unit", task)
    if task.status != TaskStatus.ASSIGNED:
        raise _status_error(task, "accept")
    today = clock.today()
    with transaction.atomic():
        return _save(
            actor,
            task,
            {
                "status": TaskStatus.ACCEPTED,
                "accepted_at": clock.now(),
                "accepted_late": bool(task.accept_by and today > task.accept_by),
            },
            "ledger.accept_task",
        )


def return_task(actor: Any, task: Task, reason: str) -> Task:
    """The unit says the task is not its own; the office reassigns it."""
    access.require(actor, "ledger.act_for_unit", task)
    if task.status != TaskStatus.ASSIGNED:
        raise _status_error(task, "return")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the task is not your unit's.")})
    if task.return_by and clock.today() > task.return_by:
        raise ValidationError(
            _("The time to return this task ended on %(date)s. Ask the office to reassign it.")
            % {"date": task.return_by}
        )
    with transaction.atomic():
        return _save(
            actor,
            task,
            {"status": TaskStatus.RETURNED, "status_reason": reason},
            "ledger.return_task",
        )


def reassign_task(actor: Any, task: Task, lead_unit: Unit) -> Task:
    access.require(actor, "ledger.supervise", task)
    if task.status not in (TaskStatus.RETURNED, TaskStatus.ASSIGNED):
        raise _status_error(task, "reassign")
    # The same rule as a split: a child task goes to a unit strictly below its parent's.
    parent_unit = task.parent.lead_unit if task.parent_id else None
    if parent_unit is not None and (
        lead_unit.pk == parent_unit.pk or not lead_unit.is_within(parent_unit)
    ):
        raise ValidationError(
            {"lead_unit": _("A child task goes to a unit below %(unit)s.") % {"unit": parent_unit}}
        )
    workdays = for_campaign(task.campaign)
    today = clock.today()
    with transaction.atomic():
        return _save(
            actor,
            task,
            {
                "status": TaskStatus.ASSIGNED,
                "lead_unit": lead_unit,
                "unit_path": lead_unit.path,
                "accept_by": workdays.add(today, task.campaign.accept_limit_days),
                "return_by": workdays.add(today, task.campaign.return_limit_days),
            },
            "ledger.reassign_task",
        )


def _attach(
    actor: Any, task: Task, files: Iterable[Any], report: ProgressReport | None = None
) -> None:
    for upload in files:
        kind = check_upload(upload)
        attachment = Attachment(
            task=task,
            report=report,
            name=upload.name[:200],
            size=upload.size,
            content_type=kind.content_type,
            uploaded_by=actor,
            uploaded_at=clock.now(),
        )
        attachment.file.save(upload.name, upload, save=False)
        writes.create(actor, attachment, action="ledger.attach")


def report_progress(
    actor: Any,
    task: Task,
    period: ReportingPeriod,
    *,
    progress: int,
    text: str,
    problems: str = "",
    files: Iterable[Any] = (),
) -> ProgressReport:
    """The period's report on a task, written once at the lowest level."""
    access.require(actor, "ledger.act_for_unit", task)
    if task.status not in (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS):
        raise _status_error(task, "report")
    if task.children.exclude(status=TaskStatus.CANCELLED).exists():
        raise ValidationError(
            _("This task is split; its progress is rolled up from its child tasks.")
        )
    if period.campaign_id != task.campaign_id:
        raise ValidationError(_("That period belongs to another campaign."))
    if period.is_locked:
        raise ValidationError(
            _("The period %(period)s is locked by the office.") % {"period": period}
        )
    if not text.strip():
        raise ValidationError({"text": _("Describe the progress made.")})
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is a percentage from 0 to 100.")})
    now = clock.now()
    with transaction.atomic():
        report = ProgressReport.objects.filter(task=task, period=period).first()
        if report is None:
            is_late = clock.today() > period.due_on
            report = writes.create(
                actor,
                ProgressReport(
                    task=task,
                    period=period,
                    progress=progress,
                    text=text,
                    problems=problems,
                    reported_by=actor,
                    reported_at=now,
                    is_late=is_late,
                ),
                action="ledger.report_progress",
            )
            late_count = task.report_late_count + is_late
        else:  # a correction within the same open period
            writes.update(
                actor,
                report,
                {"progress": progress, "text": text, "problems": problems},
                action="ledger.correct_report",
            )
            late_count = task.report_late_count
        _attach(actor, task, files, report)
        _save(
            actor,
            task,
            {
                "status": TaskStatus.IN_PROGRESS,
                "progress": progress,
                "report_late_count": late_count,
            },
            "ledger.update_progress",
        )
    return report


def report_done(actor: Any, task: Task, note: str, files: Iterable[Any] = ()) -> Task:
    """The unit reports the task complete, with evidence, for the office to verify."""
    access.require(actor, "ledger.act_for_unit", task)
    if task.status not in (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS):
        raise _status_error(task, "report_done")
    if not note.strip():
        raise ValidationError({"note": _("Describe what was done and where the evidence is.")})
    if task.children.exclude(status__in=(TaskStatus.CLOSED, TaskStatus.CANCELLED)).exists():
        raise ValidationError(
            _("Every child task must be closed before the task is reported done.")
        )
    with transaction.atomic():
        _attach(actor, task, files)
        return _save(
            actor,
            task,
            {
                "status": TaskStatus.REPORTED,
                "progress": 100,
                "reported_at": clock.now(),
                "reported_by": actor,
                "completion_note": note,
                "finished_late": clock.today() > task.deadline,
            },
            "ledger.report_done",
        )


def close_task(actor: Any, task: Task) -> Task:
    """The office verifies the evidence and closes the task (销号)."""
    access.require(actor, "ledger.supervise", task)
    if task.status != TaskStatus.REPORTED:
        raise _status_error(task, "close")
    if task.reported_by_id and task.reported_by_id == getattr(actor, "pk", None):
        raise ValidationError(_("The person who reported a task done cannot also verify it."))
    with transaction.atomic():
        return _save(
            actor,
            task,
            {"status": TaskStatus.CLOSED, "closed_at": clock.now()},
            "ledger.close_task",
        )


def send_back(actor: Any, task: Task, reason: str) -> Task:
    """The office finds the evidence wanting (驳回重办)."""
    access.require(actor, "ledger.supervise", task)
    if task.status != TaskStatus.REPORTED:
        raise _status_error(task, "send_back")
    if not reason.strip():
        raise ValidationError({"reason": _("Say what is missing.")})
    with transaction.atomic():
        return _save(
            actor,
            task,
            {
                "status": TaskStatus.IN_PROGRESS,
                "status_reason": reason,
                "reopen_count": task.reopen_count + 1,
            },
            "ledger.send_back",
        )


def reopen_task(actor: Any, task: Task, reason: str) -> Task:
    """A closed task whose problem came back."""
    access.require(actor, "ledger.supervise", task)
    if task.status != TaskStatus.CLOSED:
        raise _status_error(task, "reopen")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the task is reopened.")})
    with transaction.atomic():
        return _save(
            actor,
            task,
            {
                "status": TaskStatus.IN_PROGRESS,
                "status_reason": reason,
                "closed_at": None,
                "reopen_count": task.reopen_count + 1,
            },
            "ledger.reopen_task",
        )


def cancel_task(actor: Any, task: Task, reason: str) -> Task:
    """Cancel a task and its open child tasks."""
    access.require(actor, "ledger.supervise", task)
    if task.status in (TaskStatus.CLOSED, TaskStatus.CANCELLED):
        raise _status_error(task, "cancel")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the task is cancelled.")})
    with transaction.atomic():
        for child in task.children.exclude(status__in=(TaskStatus.CLOSED, TaskStatus.CANCELLED)):
            cancel_task(actor, child, reason)
        return _save(
            actor,
            task,
            {"status": TaskStatus.CANCELLED, "status_reason": reason},
            "ledger.cancel_task",
        )


def update_task(actor: Any, task: Task, changes: dict[str, Any], expected_version: int) -> Task:
    """Edit a task's details. Refused with a ConflictError when someone saved it since
    the person loaded version `expected_version`: no update is silently lost."""
    access.require(actor, "ledger.edit_task", task)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"update_task cannot change {sorted(unknown)}")
    with transaction.atomic():
        current = (
            Task.objects.select_for_update(of=("self",))
            .select_related("campaign", "parent")
            .get(pk=task.pk)
        )
        if current.version != expected_version:
            differences = [
                (name, getattr(current, name), value)
                for name, value in changes.items()
                if getattr(current, name) != value
            ]
            raise ConflictError(current, differences)
        if not current.is_open:
            raise _status_error(current, "edit")
        starts_on = changes.get("starts_on", current.starts_on)
        deadline = changes.get("deadline", current.deadline)
        _check_dates(current.campaign, starts_on, deadline, current.parent)
        # The children must stay within the parent's new dates, as they had to when split.
        bounds = current.children.exclude(status=TaskStatus.CANCELLED).aggregate(
            earliest_start=Min("starts_on"), latest_deadline=Max("deadline")
        )
        errors: dict[str, str] = {}
        if bounds["latest_deadline"] and deadline < bounds["latest_deadline"]:
            errors["deadline"] = _("A child task is due on %(date)s, after this deadline.") % {
                "date": bounds["latest_deadline"]
            }
        if bounds["earliest_start"] and starts_on > bounds["earliest_start"]:
            errors["starts_on"] = _("A child task starts on %(date)s, before this start.") % {
                "date": bounds["earliest_start"]
            }
        if errors:
            raise ValidationError(errors)
        return _save(actor, current, changes, "ledger.update_task")


__all__ = [
    "ConflictError",
    "accept_task",
    "cancel_task",
    "close_task",
    "create_task",
    "reassign_task",
    "reopen_task",
    "report_done",
    "report_progress",
    "return_task",
    "roll_up",
    "send_back",
    "split_task",
    "update_task",
]
