"""The automatic reminder scan (hourly): who is reminded of what, and how far it escalates.

Four rules over the open tasks of every active campaign, counted in working days
on the campaign's calendar:

NOT_ACCEPTED     assigned and not accepted past `accept_by`: 1 working day late → the
                 unit's liaison, 3 → its head, 5 → the office's overdue list.
BEFORE_DEADLINE  once, when the deadline is within `remind_before_days` working days
                 and the task is not reported done → the liaison.
OVERDUE          past the deadline and not reported done: 1 → liaison, 3 → unit head,
                 5 → the office's overdue list.
LATE_REPORT      tasks missing their report for the latest period whose due date has
                 passed: 1 → liaison, 3 more working days → unit head.

Each reminder's key names the occasion and the level ("overdue:2018-12-14:office"),
and `issue_reminder` makes (task, key) unique, so running the scan twice, or on
two workers at once, reminds nobody twice; a changed deadline or acceptance date
is a new occasion. When the scan finds a task already several days late (it was
not running), it issues only the level reached, not the ones skipped.

Each rule queries only its candidates with indexed filters (campaign, status,
date), leaves out tasks whose last level was already issued (an EXISTS on the
(task, key) unique index), and checks the remaining keys in chunks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.campaigns.models import Campaign, CampaignStatus
from campaigndesk.org import access

from .models import Escalation, Reminder, ReminderKind, Task, TaskStatus
from .periods import ensure_periods, missing_reports
from .reminders import issue_reminder
from .workdays import Workdays, for_campaign

# Working days late → the level reached (highest first).
LATE_LADDER = ((5, Escalation.OFFICE), (3, Escalation.UNIT_HEAD), (1, Escalation.LIAISON))
REPORT_LADDER = ((4, Escalation.UNIT_HEAD), (1, Escalation.LIAISON))
# Not reported done, and not returned (a returned task waits for the office to reassign it).
NOT_DONE = (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS)
CHUNK = 500

# (task id, kind, level, key)
Wanted = tuple[int, str, str, str]


def _level(days: int, ladder: tuple[tuple[int, str], ...]) -> str | None:
    for threshold, level in ladder:
        if days >= threshold:
            return level
    return None


def _key_of(prefix: str, date_field: str, suffix: str = "") -> Concat:
    """The reminder key built in SQL from the task's own date, e.g. overdue:2018-12-14:office."""
    parts: list[Any] = [Value(f"{prefix}:"), Cast(OuterRef(date_field), CharField())]
    if suffix:
        parts.append(Value(f":{suffix}"))
    return Concat(*parts, output_field=CharField())


def _reminded(key: Any) -> Exists:
    return Exists(Reminder.objects.filter(task=OuterRef("pk"), key=key))


# --- the rules: each yields the reminders it wants -----------------------------------------


def _not_accepted(campaign: Campaign, today: dt.date, workdays: Workdays) -> Iterator[Wanted]:
    rows = (
        Task.objects.filter(campaign=campaign, status=TaskStatus.ASSIGNED, accept_by__lt=today)
        .exclude(_reminded(_key_of("not_accepted", "accept_by", Escalation.OFFICE)))
        .values_list("pk", "accept_by")
    )
    for pk, accept_by in list(rows):
        level = _level(workdays.count_between(accept_by, today), LATE_LADDER)
        if level:
            key = f"not_accepted:{accept_by.isoformat()}:{level}"
            yield pk, ReminderKind.NOT_ACCEPTED, level, key


def _before_deadline(campaign: Campaign, today: dt.date, workdays: Workdays) -> Iterator[Wanted]:
    last = workdays.add(today, campaign.remind_before_days)
    rows = (
        Task.objects.filter(
            campaign=campaign, status__in=NOT_DONE, deadline__gte=today, deadline__lte=last
        )
        .exclude(_reminded(_key_of("before_deadline", "deadline")))
        .values_list("pk", "deadline")
    )
    for pk, deadline in list(rows):
        key = f"before_deadline:{deadline.isoformat()}"
        yield pk, ReminderKind.BEFORE_DEADLINE, Escalation.LIAISON, key


def _overdue(campaign: Campaign, today: dt.date, workdays: Workdays) -> Iterator[Wanted]:
    rows = (
        Task.objects.filter(campaign=campaign, status__in=NOT_DONE, deadline__lt=today)
        .exclude(_reminded(_key_of("overdue", "deadline", Escalation.OFFICE)))
        .values_list("pk", "deadline")
    )
    for pk, deadline in list(rows):
        level = _level(workdays.count_between(deadline, today), LATE_LADDER)
        if level:
            yield pk, ReminderKind.OVERDUE, level, f"overdue:{deadline.isoformat()}:{level}"


def _late_report(campaign: Campaign, today: dt.date, workdays: Workdays) -> Iterator[Wanted]:
    periods = campaign.reporting_periods.filter(due_on__lt=today).order_by("-ends_on")
    period = periods.first()
    if period is None and not campaign.reporting_periods.exists():
        ensure_periods(campaign)  # periods are made lazily; the scan may be the first to need them
        period = periods.first()
    if period is None:
        return
    level = _level(workdays.count_between(period.due_on, today), REPORT_LADDER)
    if level is None:
        return
    occasion = f"late_report:{period.ends_on.isoformat()}"
    final = f"{occasion}:{REPORT_LADDER[0][1]}"
    rows = (
        missing_reports(campaign, period)
        .exclude(_reminded(Value(final)))
        .values_list("pk", flat=True)
    )
    for pk in list(rows):
        yield pk, ReminderKind.LATE_REPORT, level, f"{occasion}:{level}"


RULES = (
    (ReminderKind.NOT_ACCEPTED, _not_accepted),
    (ReminderKind.BEFORE_DEADLINE, _before_deadline),
    (ReminderKind.OVERDUE, _overdue),
    (ReminderKind.LATE_REPORT, _late_report),
)


# --- issuing --------------------------------------------------------------------------------


def _chunks(items: list[Wanted], size: int) -> Iterator[list[Wanted]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _issue(campaign: Campaign, wanted: Iterable[Wanted]) -> int:
    """Issue the wanted reminders not issued yet: one query per chunk tells which exist."""
    issued = 0
    for chunk in _chunks(list(wanted), CHUNK):
        have = set(
            Reminder.objects.filter(
                task_id__in={w[0] for w in chunk}, key__in={w[3] for w in chunk}
            ).values_list("task_id", "key")
        )
        todo = [w for w in chunk if (w[0], w[3]) not in have]
        if not todo:
            continue
        tasks = Task.objects.select_related("lead_unit").in_bulk({w[0] for w in todo})
        for pk, kind, level, key in todo:
            task = tasks.get(pk)
            if task is None:
                continue
            task.campaign = campaign  # recipients() reads the office unit from it
            if issue_reminder(access.SYSTEM, task, kind=kind, level=level, key=key):
                issued += 1
    return issued


def run_reminders(today: dt.date | None = None) -> dict[str, int]:
    """Run every rule over every active campaign; returns how many reminders each issued."""
    today = today or clock.today()
    counts = {str(kind): 0 for kind, _rule in RULES}
    campaigns = Campaign.objects.filter(status=CampaignStatus.ACTIVE).select_related("calendar")
    with trail.source("job:reminders"):
        for campaign in campaigns:
            workdays = for_campaign(campaign)
            for kind, rule in RULES:
                counts[str(kind)] += _issue(campaign, rule(campaign, today, workdays))
    return counts


# --- the office's overdue list -----------------------------------------------------------------


def office_overdue_list(
    today: dt.date | None = None,
    *,
    campaign: Campaign | None = None,
    tasks: QuerySet[Task] | None = None,
) -> QuerySet[Task]:
    """Open tasks escalated to the office and still late: overdue, or still not accepted.

    `tasks` narrows it to what a person may see (pass `visible_tasks(user)`).
    """
    today = today or clock.today()
    qs = Task.objects.all() if tasks is None else tasks
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    overdue = Q(status__in=NOT_DONE, deadline__lt=today) & _reminded(
        _key_of("overdue", "deadline", Escalation.OFFICE)
    )
    not_accepted = Q(status=TaskStatus.ASSIGNED, accept_by__lt=today) & _reminded(
        _key_of("not_accepted", "accept_by", Escalation.OFFICE)
    )
    return qs.filter(overdue | not_accepted).order_by("deadline", "id")
