"""The task page with every action on a task, the create and edit forms, and evidence files.

Every action is a POST to its own address under the task; it calls the ledger action
and, when the action refuses, shows the page again (status 400) with the message in
that action's form. The page offers only the actions the person may take in the
task's current state; the actions check again, so a stale page cannot do more.

Tasks outside the person's units are 404 (`get_task_for_user`); a task they see
but may not act on answers 403 to the action.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaigndesk import clock
from campaigndesk.campaigns.queries import current_campaign
from campaigndesk.core.actionviews import perform, show_errors
from campaigndesk.org import access
from campaigndesk.org.models import Unit

from .. import actions, periods, reminders, task_page
from ..forms import (
    DoneForm,
    MilestoneFormSet,
    ProgressForm,
    ReasonForm,
    ReassignForm,
    RemindForm,
    SplitForm,
    TaskCreateForm,
    TaskEditForm,
    milestone_rows,
)
from ..models import Attachment, Task, TaskStatus
from ..queries import get_task_for_edit, get_task_for_user
from ..workdays import for_campaign

GET_POST = ["GET", "POST"]
WORKING = (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS)
CHILDREN_SHOWN = task_page.CHILDREN_SHOWN
REMINDERS_SHOWN = task_page.REMINDERS_SHOWN


def _task_url(task: Task) -> str:
    return reverse("ledger:task", args=[task.pk])


# --- the page -------------------------------------------------------------------------------


def _current_period(campaign: Any):
    period = periods.current_period(campaign)
    today = clock.today()
    if period is None and campaign.starts_on <= today <= campaign.ends_on:
        periods.ensure_periods(campaign)  # periods are made lazily, the first time one is due
        period = periods.current_period(campaign)
    return period


def _has_units_below(unit: Unit) -> bool:
    return Unit.objects.subtree_of(unit).filter(is_active=True).exclude(pk=unit.pk).exists()


def _offers(user: Any, task: Task, children: list[Any]) -> dict[str, bool]:
    """Which actions the page offers this person, now."""
    act = access.can(user, "ledger.act_for_unit", task)
    supervise = access.can(user, "ledger.supervise", task)
    status = task.status
    live_children = [c for c in children if c.status != TaskStatus.CANCELLED]
    open_children = [c for c in live_children if c.status != TaskStatus.CLOSED]
    today = clock.today()
    working = status in WORKING
    return {
        "accept": act and status == TaskStatus.ASSIGNED,
        "return": act
        and status == TaskStatus.ASSIGNED
        and (task.return_by is None or today <= task.return_by),
        "report": act and working and not live_children,
        "done": act and working and not open_children,
        "split": act and working and _has_units_below(task.lead_unit),
        "close": supervise
        and status == TaskStatus.REPORTED
        and task.reported_by_id != getattr(user, "pk", None),
        "send_back": supervise and status == TaskStatus.REPORTED,
        "reopen": supervise and status == TaskStatus.CLOSED,
        "cancel": supervise and status not in (TaskStatus.CLOSED, TaskStatus.CANCELLED),
        "reassign": supervise and status in (TaskStatus.ASSIGNED, TaskStatus.RETURNED),
        "remind": supervise and task.is_open,
        "edit": task.is_open and access.can(user, "ledger.edit_task", task),
    }


@functools.cache
def _blank_form(form_class: type[BaseForm], prefix: str, language: str | None) -> SafeString:
    # Rendered through the form templates once per language, not on every page.
    return mark_safe(str(form_class(prefix=prefix)))  # noqa: S308 (rendered by Django)


def _blank(form_class: type[BaseForm], prefix: str) -> SafeString:
    """An empty form without choices or initial values, as the page shows it."""
    return _blank_form(form_class, prefix, get_language())


def _action_forms(
    request: HttpRequest, task: Task, offers: dict[str, bool], report: Any
) -> dict[str, BaseForm | SafeString]:
    """The forms the page offers: the empty ones without choices or initial values as
    their HTML; a refused action's bound form replaces its entry (see `_page`)."""
    user = request.user
    made: dict[str, BaseForm | SafeString] = {}
    if offers["return"]:
        made["return"] = _blank(ReasonForm, "return")
    if offers["report"]:
        initial = {"progress": task.progress}
        if report is not None:
            initial = {
                "progress": report.progress,
                "text": report.text,
                "problems": report.problems,
            }
        made["report"] = ProgressForm(prefix="report", initial=initial)
    if offers["done"]:
        made["done"] = _blank(DoneForm, "done")
    if offers["split"]:
        made["split"] = SplitForm(prefix="split", parent=task)
    for key in ("send_back", "reopen", "cancel"):
        if offers[key]:
            made[key] = _blank(ReasonForm, key)
    if offers["reassign"]:
        made["reassign"] = ReassignForm(prefix="reassign", task=task, user=user)
    if offers["remind"]:
        made["remind"] = _blank(RemindForm, "remind")
    return made


def _due(task: Task, today: Any, workdays: Any) -> dict[str, Any]:
    """Whether an open task is due today, ahead (working days left) or overdue (by how many)."""
    if not task.is_open:
        return {"due": None}
    if task.deadline == today:
        return {"due": "today"}
    workdays = workdays or for_campaign(task.campaign)
    if task.deadline > today:
        return {"due": "ahead", "days_left": workdays.count_between(today, task.deadline)}
    return {"due": "overdue", "overdue_days": workdays.count_between(task.deadline, today)}


def _page(
    request: HttpRequest,
    task: Task,
    bound: dict[str, BaseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = clock.today()
    extras = task_page.read(task, today)
    children = extras.children
    period = extras.period if task.status in WORKING else None
    campaign = task.campaign
    if (
        task.status in WORKING
        and period is None
        and campaign.starts_on <= today <= campaign.ends_on
    ):
        period = _current_period(campaign)  # made now, the first time one is due
    period_report = next((r for r in extras.reports if period and r.period_id == period.pk), None)
    offers = _offers(request.user, task, children)
    forms = _action_forms(request, task, offers, period_report)
    forms.update(bound or {})
    shown = children[:CHILDREN_SHOWN]
    context = {
        "task": task,
        "today": today,
        **_due(task, today, extras.workdays),
        "status_badge": task_page.status_badge(task.status),
        "light_badge": task_page.light_badge(task.light),
        "key_task": extras.key_task,
        "phase": extras.phase,
        "parent": extras.parent,
        "co_units": extras.co_units,
        "milestones": extras.milestones,
        "milestone_rows": task_page.milestone_rows(extras.milestones),
        "children": shown,
        "children_rows": task_page.children_rows(shown),
        "more_children": len(children) > CHILDREN_SHOWN,
        "reports": extras.reports,
        "report_rows": task_page.report_rows(extras.reports),
        "evidence": task_page.files_html(extras.evidence),
        "reminders": extras.reminders,
        "reminder_rows": task_page.reminder_rows(extras.reminders),
        "reminders_limit": REMINDERS_SHOWN,
        "plan_id": extras.plan_id,
        "period": period,
        "period_report": period_report,
        "offers": offers,
        "forms": forms,
        "open_form": next(iter(bound or {}), ""),
        "any_action": any(v for k, v in offers.items() if k != "edit"),
        "refusal": _refusal(offers, bound),
    }
    return render(request, "ledger/task/detail.html", context, status=status)


def _refusal(offers: dict[str, bool], bound: dict[str, BaseForm] | None) -> list[str]:
    """The messages of a refused action whose form the page no longer offers (the task
    moved on, e.g. it was accepted meanwhile), so they are shown at the top instead."""
    messages_ = []
    for key, form in (bound or {}).items():
        if not offers.get(key):
            messages_ += [str(m) for errors in form.errors.values() for m in errors]
    return messages_


@require_safe
@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _task_for_page(request.user, pk))


def _task_for_page(user: Any, pk: int) -> Task:
    """The page's task (404 unseen): `task_page.load_task`, named here so that the
    query-count tests see where the view's own reads begin."""
    return task_page.load_task(user, pk)


# --- actions --------------------------------------------------------------------------------


def _act(
    request: HttpRequest,
    pk: int,
    *,
    key: str,
    perm: str,
    form: Callable[[Task], BaseForm] | None,
    run: Callable[[Task, dict[str, Any]], str],
) -> HttpResponse:
    def load() -> Task:
        task = get_task_for_user(request.user, pk)
        access.require(request.user, perm, task)
        return task

    return perform(
        request,
        load=load,
        key=key,
        form=form,
        run=run,
        url=_task_url,
        page=lambda req, task, bound, status: _page(req, task, bound, status=status),
    )


@require_POST
@login_required
def task_accept(request: HttpRequest, pk: int) -> HttpResponse:
    def run(task: Task, _data: dict[str, Any]) -> str:
        actions.accept_task(request.user, task)
        return _("You accepted the task. Report progress on it every period.")

    return _act(request, pk, key="accept", perm="ledger.act_for_unit", form=None, run=run)


@require_POST
@login_required
def task_return(request: HttpRequest, pk: int) -> HttpResponse:
    def run(task: Task, data: dict[str, Any]) -> str:
        actions.return_task(request.user, task, data["reason"])
        return _("The task was returned to the office, which will reassign it.")

    def form(task: Task) -> BaseForm:
        return ReasonForm(request.POST, prefix="return")

    return _act(request, pk, key="return", perm="ledger.act_for_unit", form=form, run=run)


@require_POST
@login_required
def task_report(request: HttpRequest, pk: int) -> HttpResponse:
    def run(task: Task, data: dict[str, Any]) -> str:
        period = _current_period(task.campaign)
        if period is None:
            raise ValidationError(_("No reporting period is open today."))
        actions.report_progress(
            request.user,
            task,
            period,
            progress=data["progress"],
            text=data["text"],
            problems=data["problems"],
            files=data["files"],
        )
        return _("Your progress report for %(period)s was saved.") % {"period": period}

    def form(task: Task) -> BaseForm:
        return ProgressForm(request.POST, request.FILES, prefix="report")

    return _act(request, pk, key="report", perm="ledger.act_for_unit", form=form, run=run)


@require_POST
@login_required
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    def run(task: Task, data: dict[str, Any]) -> str:
        actions.report_done(request.user, task, data["note"], data["files"])
        return _("The task was reported done. The office will verify it.")

    def form(task: Task) -> BaseForm:
        return DoneForm(request.POST, request.FILES, prefix="done")

    return _act(request, pk, key="done", perm="ledger.act_for_unit", form=form, run=run)


@require_POST
@login_required
def task_split(request: HttpRequest, pk: int) -> HttpResponse:
    def run(task: Task, data: dict[str, Any]) -> str:
        child = actions.split_task(
            request.user,
            task,
            lead_unit=data["lead_unit"],
            title=data["title"],
            deadline=data["deadline"],
            description=data["description"],
            starts_on=data["starts_on"],
        )
        return _("The child task “%(title)s” was assigned to %(unit)s.") % {
            "title": child.title,
            "unit": child.lead_unit,
        }

    def form(task: Task) -> BaseForm:
        return SplitForm(request.POST, prefix="split", parent=task)

    return _act(request, pk, key="split", perm="ledger.act_for_unit", form=form, run=run)


@require_POST
@login_required
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    def run(task: Task, _data: dict[str, Any]) -> str:
        actions.close_task(request.user, task)
        return _("The task was verified and closed.")

    return _act(request, pk, key="close", perm="ledger.supervise", form=None, run=run)


@require_POST
@login_required
def task_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    def run(task: Task, data: dict[str, Any]) -> str:
        actions.send_back(request.user, task, data["reason"])
        return _("The task was sent back to the unit.")

    def form(task: Task) -> BaseForm:
        return ReasonForm(request.POST, prefix="send_back")

    return _act(request, pk, key="send_back", perm="ledger.supervise", form=form, run=run)


@require_POST
@login_required
def task_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def run(task: Task, data: dict[str, Any]) -> str:
        actions.reopen_task(request.user, task, data["reason"])
        return _("The task was reopened.")

    def form(task: Task) -> BaseForm:
        return ReasonForm(request.POST, prefix="reopen")

    return _act(request, pk, key="reopen", perm="ledger.supervise", form=form, run=run)


@require_POST
@login_required
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    def run(task: Task, data: dict[str, Any]) -> str:
        actions.cancel_task(request.user, task, data["reason"])
        return _("The task was cancelled.")

    def form(task: Task) -> BaseForm:
        return ReasonForm(request.POST, prefix="cancel")

    return _act(request, pk, key="cancel", perm="ledger.supervise", form=form, run=run)


@require_POST
@login_required
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    def run(task: Task, data: dict[str, Any]) -> str:
        actions.reassign_task(request.user, task, data["lead_unit"])
        return _("The task was reassigned to %(unit)s.") % {"unit": data["lead_unit"]}

    def form(task: Task) -> BaseForm:
        return ReassignForm(request.POST, prefix="reassign", task=task, user=request.user)

    return _act(request, pk, key="reassign", perm="ledger.supervise", form=form, run=run)


@require_POST
@login_required
def task_remind(request: HttpRequest, pk: int) -> HttpResponse:
    def run(task: Task, data: dict[str, Any]) -> str:
        if not task.is_open:
            raise ValidationError(_("Only an open task can be reminded."))
        sent = reminders.send_manual_reminder(request.user, [task], data["message"])
        if not sent:
            raise ValidationError(_("A reminder about this task was sent a moment ago."))
        return _("A reminder was sent to %(unit)s.") % {"unit": task.lead_unit}

    def form(task: Task) -> BaseForm:
        return RemindForm(request.POST, prefix="remind")

    return _act(request, pk, key="remind", perm="ledger.supervise", form=form, run=run)


# --- evidence files -------------------------------------------------------------------------


@require_safe
@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """A file attached to a task, for people who may see the task (files are not public)."""
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    get_task_for_user(request.user, attachment.task_id)  # 404 outside the person's units
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )


# --- create and edit --------------------------------------------------------------------------


@require_http_methods(GET_POST)
@login_required
def task_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "ledger.create_task")
    data = request.POST if request.method == "POST" else None
    initial = {}
    campaign = current_campaign()
    if campaign is not None:
        initial = {"campaign": campaign.pk}
    form = TaskCreateForm(data, user=request.user, initial=initial)
    milestones = MilestoneFormSet(data, prefix="milestones")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and milestones.is_valid():
            fields = dict(form.cleaned_data)
            try:
                task = actions.create_task(
                    request.user,
                    campaign=fields.pop("campaign"),
                    co_units=list(fields.pop("co_units")),
                    starts_on=fields.pop("starts_on") or None,
                    milestones=milestone_rows(milestones),
                    **fields,
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The task was assigned to %(unit)s.") % {"unit": task.lead_unit},
                )
                return redirect(_task_url(task))
    context = {"form": form, "milestones": milestones, "task": None}
    return render(request, "ledger/task/form.html", context, status=status)


def _shown(field: models.Field, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def conflict_rows(differences: list[tuple[str, Any, Any]]) -> list[dict[str, str]]:
    """(field, value now saved, your value) as labels and text a person reads."""
    rows = []
    for name, saved, yours in differences:
        field = Task._meta.get_field(name)
        rows.append(
            {
                "name": name,
                "label": str(field.verbose_name),
                "saved": _shown(field, saved),
                "yours": _shown(field, yours),
            }
        )
    return rows


@require_http_methods(GET_POST)
@login_required
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task_for_edit(request.user, pk, "ledger.edit_task")
    if request.method == "GET":
        form = TaskEditForm(task=task)
        return render(request, "ledger/task/form.html", {"form": form, "task": task})
    form = TaskEditForm(request.POST, task=task)
    context: dict[str, Any] = {"form": form, "task": task}
    if not form.is_valid():
        return render(request, "ledger/task/form.html", context, status=400)
    changes = form.changes()
    expected = form.cleaned_data["version"]
    if not changes:  # what they sent is what is saved: nothing to write, nothing to lose
        messages.info(request, _("Nothing was changed."))
        return redirect(_task_url(task))
    try:
        actions.update_task(request.user, task, changes, expected_version=expected)
    except actions.ConflictError as conflict:
        # Show the task as it is now saved, with the newer version, and what this person
        # sent beside it: they redo their change knowingly, nothing is overwritten.
        current = get_task_for_user(request.user, pk)
        rows = conflict_rows(conflict.differences)
        context = {
            "form": TaskEditForm(task=current),
            "task": current,
            "conflict": rows,
        }
        return render(request, "ledger/task/form.html", context, status=409)
    except ValidationError as exc:
        show_errors(form, exc)
        return render(request, "ledger/task/form.html", context, status=400)
    messages.success(request, _("The task was saved."))
    return redirect(_task_url(task))
