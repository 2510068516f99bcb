"""What is due from a person and their units: the workspace's groups of tasks.

A unit's liaison or head sees the tasks of their units and below, and those shared
with them as a co-unit: to accept, red, due within a week, owing this period's
report, and reported done (waiting for the office). The office, and those who watch
over the campaign, see what waits for the office: verification, reassignment, the
escalated overdue list, and endorsed work plans.

Each group is one query of at most `limit + 1` rows (the extra row says "there is
more"), so the page costs the same whatever the size of the ledger. The view and the
API use the same groups.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from campaigndesk.campaigns.models import Campaign, PlanStatus, WorkPlan
from campaigndesk.org import access
from campaigndesk.org.access import OVERSIGHT_ROLES, UNIT_ROLES

from .models import Escalation, Light, Reminder, Task, TaskStatus
from .periods import current_period, missing_reports
from .queries import led_by_units_of, visible_tasks

LIMIT = 20
DUE_SOON_DAYS = 7
BEING_WORKED_ON = (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS)


@dataclass
class Group:
    key: str
    title: str | Promise
    empty: str | Promise
    rows: list[Any]
    more: bool  # more rows than shown
    # The ledger list's query string showing the whole group; None when it has no filter.
    list_query: str | None = None


def _query(campaign: Campaign, **params: Any) -> str:
    q = QueryDict(mutable=True)
    q["campaign"] = str(campaign.pk)
    for name, value in params.items():
        if isinstance(value, (list, tuple)):
            q.setlist(name, [str(v) for v in value])
        else:
            q[name] = str(value)
    return q.urlencode()


def _group(
    key: str,
    title: str | Promise,
    empty: str | Promise,
    qs: QuerySet,
    limit: int,
    list_query: str | None = None,
) -> Group:
    rows = list(qs[: limit + 1])
    return Group(key, title, empty, rows[:limit], len(rows) > limit, list_query)


# What a group's row shows (here and in the API's TaskBrief): no long texts, no dates
# nobody reads.
ROW_FIELDS = ("id", "title", "lead_unit", "status", "light", "progress", "deadline")


# What the desk's page shows of a row (views/rows.py workspace_items), as plain values:
# model rows with their lead units were most of the page's CPU.
PLAIN_FIELDS = ("id", "title", "deadline", "light", "lead_unit__name_zh", "lead_unit__name_en")


def _tasks(user: Any, campaign: Campaign, plain: bool = False) -> QuerySet[Task]:
    tasks = visible_tasks(user).filter(campaign=campaign)
    if plain:
        return tasks.values(*PLAIN_FIELDS)
    return tasks.select_related("lead_unit").only(*ROW_FIELDS)


def shows_unit_groups(user: Any) -> bool:
    return access.grants(user).has(*UNIT_ROLES)


def shows_office_groups(user: Any) -> bool:
    return access.grants(user).has(*OVERSIGHT_ROLES)


def unit_groups(
    user: Any, campaign: Campaign, today: dt.date, limit: int | None = None, plain: bool = False
) -> list[Group]:
    """Six queries: five groups and the current reporting period. Rows are tasks, or
    dicts of PLAIN_FIELDS when `plain`."""
    limit = limit or LIMIT
    tasks = _tasks(user, campaign, plain)
    by_deadline = ("deadline", "id")
    week_end = today + dt.timedelta(days=DUE_SOON_DAYS)
    period = current_period(campaign)
    if period is not None:
        # Like acceptance, the report is the lead unit's to write (a co-unit is refused).
        owing = tasks.filter(
            led_by_units_of(user), pk__in=missing_reports(campaign, period).values("pk")
        )
    else:
        owing = tasks.none()
    return [
        # Only the lead unit accepts: a co-unit sees the task but is not asked to.
        _group(
            "to_accept",
            _("To accept"),
            _("No task waits for your acceptance."),
            tasks.filter(led_by_units_of(user), status=TaskStatus.ASSIGNED).order_by(*by_deadline),
            limit,
            _query(campaign, status=TaskStatus.ASSIGNED, led_by_mine="on"),
        ),
        _group(
            "red",
            _("Red light: overdue or far behind"),
            _("No task is red."),
            tasks.filter(light=Light.RED).order_by(*by_deadline),
            limit,
            _query(campaign, light=Light.RED),
        ),
        _group(
            "due_soon",
            _("Due within a week"),
            _("Nothing falls due in the next seven days."),
            tasks.filter(
                status__in=BEING_WORKED_ON, deadline__gte=today, deadline__lte=week_end
            ).order_by(*by_deadline),
            limit,
            _query(
                campaign,
                status=list(BEING_WORKED_ON),
                due_from=today.isoformat(),
                due_to=week_end.isoformat(),
            ),
        ),
        _group(
            "reports_due",
            _("Progress reports due for this period"),
            _("Every report for this period is in.")
            if period is not None
            else _("No reporting period is open today."),
            owing.order_by(*by_deadline),
            limit,
        ),
        _group(
            "reported",
            _("Reported done, waiting for the office"),
            _("No task waits for verification."),
            tasks.filter(status=TaskStatus.REPORTED).order_by(*by_deadline),
            limit,
            _query(campaign, status=TaskStatus.REPORTED),
        ),
    ]


def office_groups(
    user: Any, campaign: Campaign, today: dt.date, limit: int = LIMIT, plain: bool = False
) -> list[Group]:
    """Four queries, one per group. The task groups' rows are tasks, or dicts of
    PLAIN_FIELDS when `plain`; the work plans' are plans."""
    tasks = _tasks(user, campaign, plain)
    escalated = Reminder.objects.filter(task=OuterRef("pk"), level=Escalation.OFFICE)
    plans = (
        WorkPlan.objects.filter(campaign=campaign, status=PlanStatus.ENDORSED)
        .filter(access.unit_filter(user, "unit"))
        .select_related("unit")
        .order_by("endorsed_at", "pk")
    )
    return [
        _group(
            "to_verify",
            _("Reported done, to verify and close"),
            _("No task waits for verification."),
            tasks.filter(status=TaskStatus.REPORTED).order_by("deadline", "id"),
            limit,
            _query(campaign, status=TaskStatus.REPORTED),
        ),
        _group(
            "returned",
            _("Returned by the unit, to reassign"),
            _("No task was returned."),
            tasks.filter(status=TaskStatus.RETURNED).order_by("deadline", "id"),
            limit,
            _query(campaign, status=TaskStatus.RETURNED),
        ),
        # Escalated to the office's overdue list. Such a task is overdue, so red: the
        # (campaign, light) index finds the candidates, the reminder index checks each.
        _group(
            "escalated",
            _("The office's overdue list"),
            _("No overdue task has been escalated to the office."),
            tasks.filter(light=Light.RED).filter(Exists(escalated)).order_by("deadline", "id"),
            limit,
            _query(campaign, light=Light.RED),
        ),
        _group(
            "plans",
            _("Work plans waiting for a decision"),
            _("No endorsed work plan waits for a decision."),
            plans,
            limit,
        ),
    ]
