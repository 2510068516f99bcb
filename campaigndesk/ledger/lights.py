"""The warning light of a task: one function, used by lists, dashboard, API and reminders.

green   on track (or reported done, waiting for verification)
yellow  the deadline is within the warning window (working days) and it is not done,
        or progress lags the time elapsed by the campaign's yellow threshold
red     overdue, or progress lags by the red threshold
grey    not accepted past its time limit
none    closed or cancelled

The light is stored on the task so lists filter and count it from an index. It is
recomputed whenever the task changes, and every night by `refresh_lights` because
time alone moves it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from .figures import ledger_changed
from .models import LIGHT_SEVERITY, OPEN_STATUSES, Light, Task, TaskStatus
from .workdays import Workdays, for_campaign


def expected_progress(starts_on: dt.date, deadline: dt.date, today: dt.date) -> int:
    """Percent of the task's time that has elapsed (序时进度)."""
    if today <= starts_on:
        return 0
    if today >= deadline:
        return 100
    total = (deadline - starts_on).days or 1
    return round(100 * (today - starts_on).days / total)


def compute_light(
    *,
    status: str,
    deadline: dt.date,
    starts_on: dt.date,
    progress: int,
    accept_by: dt.date | None,
    today: dt.date,
    workdays: Workdays,
    window: int,
    lag_yellow: int,
    lag_red: int,
) -> str:
    if status in (TaskStatus.CLOSED, TaskStatus.CANCELLED):
        return Light.NONE
    if status == TaskStatus.REPORTED:
        return Light.GREEN
    if status in (TaskStatus.ASSIGNED, TaskStatus.RETURNED) and accept_by and today > accept_by:
        return Light.GREY
    if today > deadline:
        return Light.RED
    lag = expected_progress(starts_on, deadline, today) - progress
    if lag >= lag_red:
        return Light.RED
    if workdays.count_between(today, deadline) <= window or lag >= lag_yellow:
        return Light.YELLOW
    return Light.GREEN


def light_of(task: Task, today: dt.date, workdays: Workdays | None = None) -> str:
    campaign = task.campaign
    return compute_light(
        status=task.status,
        deadline=task.deadline,
        starts_on=task.starts_on,
        progress=task.progress,
        accept_by=task.accept_by,
        today=today,
        workdays=workdays or for_campaign(campaign),
        window=campaign.warning_window_days,
        lag_yellow=campaign.lag_yellow_points,
        lag_red=campaign.lag_red_points,
    )


def worst(lights: Iterable[str]) -> str:
    return max(lights, key=lambda light: LIGHT_SEVERITY[light], default=Light.NONE)


_FIELDS = (
    "id",
    "parent_id",
    "status",
    "deadline",
    "starts_on",
    "progress",
    "accept_by",
    "light",
    "depth",
)


def refresh_lights(campaign: Any, today: dt.date, batch_size: int = 2000) -> int:
    """Recompute every open task's light in one campaign; returns how many changed.

    A parent shows the worst light among itself and its open children, so the
    pass goes from the deepest level up. Writes only rows whose light changed.
    """
    workdays = for_campaign(campaign)
    rows = list(
        Task.objects.filter(campaign=campaign, status__in=OPEN_STATUSES).values_list(*_FIELDS)
    )
    own: dict[int, str] = {}
    for row in rows:
        pk, _parent, status, deadline, starts_on, progress, accept_by, _light, _depth = row
        own[pk] = compute_light(
            status=status,
            deadline=deadline,
            starts_on=starts_on,
            progress=progress,
            accept_by=accept_by,
            today=today,
            workdays=workdays,
            window=campaign.warning_window_days,
            lag_yellow=campaign.lag_yellow_points,
            lag_red=campaign.lag_red_points,
        )
    final = dict(own)
    for row in sorted(rows, key=lambda r: -r[8]):  # deepest first
        pk, parent = row[0], row[1]
        if parent in final:
            final[parent] = worst((final[parent], final[pk]))
    changed = [
        Task(pk=row[0], light=final[row[0]], light_since=today)
        for row in rows
        if row[7] != final[row[0]]
    ]
    with transaction.atomic():
        Task.objects.bulk_update(changed, ["light", "light_since"], batch_size=batch_size)
        if changed:  # a bulk update sends no signals: mark the dashboard's figures stale
            ledger_changed(campaign.pk)
    return len(changed)
