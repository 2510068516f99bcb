"""A task's workflow: accept, return, reassign, split, report, close and the rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign
from campaigndesk.ledger import actions, periods, reminders
from campaigndesk.ledger.models import ReportingPeriod, Task
from campaigndesk.ledger.queries import get_task_for_edit

from ..auth import person
from ..common import Id, StrictQuery, responses, step_post
from .schemas import NO_SUCH_PERIOD, LongText, Message, Reason, ReportOut, TaskOut, Title
from .tasks import reports_of, task_detail, unit_for

router = Router(tags=["ledger"])


# --- the workflow ---------------------------------------------------------------------------


class ReasonIn(Schema):
    model_config = {"extra": "forbid"}

    reason: Reason  # type: ignore[valid-type]


class NoteIn(Schema):
    model_config = {"extra": "forbid"}

    note: LongText = Field(  # type: ignore[valid-type]
        description="What was done and where the evidence is."
    )


class ReassignIn(Schema):
    model_config = {"extra": "forbid"}

    unit: Id = Field(description="The new lead unit.")


class SplitIn(Schema):
    model_config = {"extra": "forbid"}

    lead_unit: Id = Field(description="A unit below the task's lead unit.")
    title: Title  # type: ignore[valid-type]
    deadline: dt.date = Field(description="No later than the parent's deadline.")
    description: LongText = ""  # type: ignore[valid-type]
    starts_on: dt.date | None = Field(None, description="Leave out to start today.")


class ProgressIn(Schema):
    model_config = {"extra": "forbid"}

    period: Id | None = Field(None, description="A reporting period; default: the current one.")
    progress: int = Field(ge=0, le=100, description="Percent done.")
    text: LongText  # type: ignore[valid-type]
    problems: LongText = ""  # type: ignore[valid-type]


class RemindIn(Schema):
    model_config = {"extra": "forbid"}

    message: Message = Field(description="What the unit should do.")  # type: ignore[valid-type]


UNIT = "ledger.act_for_unit"  # the lead unit's liaison or head
OFFICE = "ledger.supervise"


def _acting(request: HttpRequest, task_id: int, perm: str) -> tuple[Any, Task]:
    """The caller and the task: 404 when they do not see it, 403 when they may not act."""
    actor = person(request)
    return actor, get_task_for_edit(actor, task_id, perm)


# A step answers the task (or, with 201, a new one).
_post = step_post(router, "/tasks/{task_id}", TaskOut)


def step(request: HttpRequest, task_id: int, perm: str, run: Callable[[Any, Task], Any]) -> Task:
    """Run one ledger action as the caller, then answer the task read afresh."""
    actor, task = _acting(request, task_id, perm)
    run(actor, task)
    return task_detail(request, task.pk)


@_post("accept", "Accept a task (签收)")
def accept_task(request: HttpRequest, task_id: Id, query: Query[StrictQuery]) -> Any:
    """The lead unit's liaison or head accepts an assigned task."""
    return step(request, task_id, UNIT, actions.accept_task)


@_post("return", "Return a task that is not the unit's own", 400)
def return_task(
    request: HttpRequest, task_id: Id, payload: ReasonIn, query: Query[StrictQuery]
) -> Any:
    """Within the campaign's time limit, with a reason; the office then reassigns it."""
    return step(request, task_id, UNIT, lambda a, t: actions.return_task(a, t, payload.reason))


@_post("reassign", "Reassign a task to another unit", 400)
def reassign_task(
    request: HttpRequest, task_id: Id, payload: ReassignIn, query: Query[StrictQuery]
) -> Any:
    """The office gives an assigned or returned task to another lead unit."""

    def run(actor: Any, task: Task) -> None:
        actions.reassign_task(actor, task, unit_for(actor, payload.unit, "unit"))

    return step(request, task_id, OFFICE, run)


@_post("split", "Split a task for a unit below", 400, ok_status=201)
def split_task(
    request: HttpRequest, task_id: Id, payload: SplitIn, query: Query[StrictQuery]
) -> Any:
    """The lead unit presses an accepted task down to a unit below it; the answer is the
    new child task. Progress and lights roll up to the parent."""
    actor, task = _acting(request, task_id, UNIT)
    child = actions.split_task(
        actor,
        task,
        lead_unit=unit_for(actor, payload.lead_unit, "lead_unit"),
        title=payload.title,
        deadline=payload.deadline,
        description=payload.description,
        starts_on=payload.starts_on,
    )
    return Status(201, task_detail(request, child.pk))


def _current_period(campaign: Campaign) -> ReportingPeriod | None:
    period = periods.current_period(campaign)
    if period is None and campaign.starts_on <= clock.today() <= campaign.ends_on:
        periods.ensure_periods(campaign)  # made lazily, the first time one is due
        period = periods.current_period(campaign)
    return period


@router.post(
    "/tasks/{task_id}/progress",
    response={**responses(ReportOut, 400, 403, 404, ok_status=201), 200: ReportOut},
    summary="Report progress for a period",
)
def report_progress(
    request: HttpRequest, task_id: Id, payload: ProgressIn, query: Query[StrictQuery]
) -> Any:
    """The period's report on a task that is not split (a split task's progress rolls up
    from its children). 201 for the period's first report, 200 when it corrects it while
    the period is open. To attach files, send the same as multipart to
    /tasks/{task_id}/progress/upload."""
    return progress_step(
        request,
        task_id,
        period_id=payload.period,
        progress=payload.progress,
        text=payload.text,
        problems=payload.problems,
    )


def progress_step(
    request: HttpRequest,
    task_id: int,
    *,
    period_id: int | None,
    progress: int,
    text: str,
    problems: str,
    files: list[Any] | None = None,
) -> Status:
    """Report progress as the caller (with `files` attached): 201, or 200 for a correction."""
    actor, task = _acting(request, task_id, UNIT)
    if period_id is None:
        period = _current_period(task.campaign)
        if period is None:
            raise ValidationError({"period": _("No reporting period is open today.")})
    else:
        period = ReportingPeriod.objects.filter(pk=period_id, campaign_id=task.campaign_id).first()
        if period is None:
            raise ValidationError({"period": NO_SUCH_PERIOD})
    existed = task.reports.filter(period=period).exists()
    report = actions.report_progress(
        actor, task, period, progress=progress, text=text, problems=problems, files=files or ()
    )
    report = reports_of(task.pk).get(pk=report.pk)
    return Status(200 if existed else 201, report)


@_post("report-done", "Report a task done", 400)
def report_done(
    request: HttpRequest, task_id: Id, payload: NoteIn, query: Query[StrictQuery]
) -> Any:
    """The lead unit reports the task complete, for the office to verify. Every child
    task must be closed first. To attach evidence files, send the same as multipart to
    /tasks/{task_id}/report-done/upload."""
    return step(request, task_id, UNIT, lambda a, t: actions.report_done(a, t, payload.note))


@_post("close", "Verify and close a task (销号)")
def close_task(request: HttpRequest, task_id: Id, query: Query[StrictQuery]) -> Any:
    """The office closes a task reported done. Whoever reported it cannot close it."""
    return step(request, task_id, OFFICE, actions.close_task)


@_post("send-back", "Send a task back (驳回)", 400)
def send_back(
    request: HttpRequest, task_id: Id, payload: ReasonIn, query: Query[StrictQuery]
) -> Any:
    """The office finds the evidence wanting: the task is in progress again."""
    return step(request, task_id, OFFICE, lambda a, t: actions.send_back(a, t, payload.reason))


@_post("reopen", "Reopen a task", 400)
def reopen_task(
    request: HttpRequest, task_id: Id, payload: ReasonIn, query: Query[StrictQuery]
) -> Any:
    """The office reopens a closed task whose problem came back."""
    return step(request, task_id, OFFICE, lambda a, t: actions.reopen_task(a, t, payload.reason))


@_post("cancel", "Cancel a task", 400)
def cancel_task(
    request: HttpRequest, task_id: Id, payload: ReasonIn, query: Query[StrictQuery]
) -> Any:
    """The office cancels an open task and its open children, with a reason."""
    return step(request, task_id, OFFICE, lambda a, t: actions.cancel_task(a, t, payload.reason))


@_post("remind", "Remind the unit (催办)", 400)
def remind(request: HttpRequest, task_id: Id, payload: RemindIn, query: Query[StrictQuery]) -> Any:
    """The office reminds the lead unit's liaisons of an open task: inbox, e-mail and the
    unit's webhook. The same reminder twice in one minute is sent once (422)."""

    def run(actor: Any, task: Task) -> None:
        if not task.is_open:
            raise ValidationError(_("Only an open task can be reminded."))
        if not reminders.send_manual_reminder(actor, [task], payload.message):
            raise ValidationError(_("A reminder about this task was sent a moment ago."))

    return step(request, task_id, OFFICE, run)
