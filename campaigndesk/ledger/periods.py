"""Reporting periods on the campaign's cycle, their locks, and missing reports."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from campaigndesk import clock
from campaigndesk.campaigns.models import ReportingCycle
from campaigndesk.core import writes
from campaigndesk.org import access

from .models import ReportingPeriod, Task, TaskStatus
from .workdays import for_campaign


def _period_bounds(campaign: Any) -> list[tuple[dt.date, dt.date]]:
    bounds, start = [], campaign.starts_on
    while start <= campaign.ends_on:
        if campaign.reporting_cycle == ReportingCycle.MONTHLY:
            last = pycalendar.monthrange(start.year, start.month)[1]
            end = dt.date(start.year, start.month, last)
        else:
            days = 14 if campaign.reporting_cycle == ReportingCycle.FORTNIGHTLY else 7
            # Periods end on a Sunday so reports describe whole working weeks.
            end = start + dt.timedelta(days=(6 - start.weekday()) + days - 7)
        end = min(end, campaign.ends_on)
        bounds.append((start, end))
        start = end + dt.timedelta(days=1)
    return bounds


def ensure_periods(campaign: Any) -> int:
    """Create the campaign's reporting periods that do not exist yet; returns how many."""
    existing = set(campaign.reporting_periods.values_list("number", flat=True))
    workdays = for_campaign(campaign)
    new = [
        ReportingPeriod(
            campaign=campaign, number=n, starts_on=start, ends_on=end, due_on=workdays.add(end, 1)
        )
        for n, (start, end) in enumerate(_period_bounds(campaign), start=1)
        if n not in existing
    ]
    # Derived from the campaign's audited cycle and dates, so created in bulk.
    ReportingPeriod.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def period_on(campaign: Any, day: dt.date) -> ReportingPeriod | None:
    return campaign.reporting_periods.filter(starts_on__lte=day, ends_on__gte=day).first()


def current_period(campaign: Any) -> ReportingPeriod | None:
    return period_on(campaign, clock.today())


def lock_period(actor: Any, period: ReportingPeriod) -> ReportingPeriod:
    """The office freezes a past period: its reports can no longer change."""
    access.require(actor, "ledger.supervise", period)
    if period.ends_on >= clock.today():
        from django.core.exceptions import ValidationError

        raise ValidationError(_("Only a period that has ended can be locked."))
    with transaction.atomic():
        return writes.update(actor, period, {"locked_at": clock.now()}, action="ledger.lock_period")


def tasks_due_a_report(campaign: Any, period: ReportingPeriod):
    """Leaf tasks being worked on during the period: each owes one report for it."""
    return Task.objects.filter(
        campaign=campaign,
        status__in=(TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS),
        starts_on__lte=period.ends_on,
    ).exclude(
        children__status__in=(
            TaskStatus.ASSIGNED,
            TaskStatus.ACCEPTED,
            TaskStatus.IN_PROGRESS,
            TaskStatus.REPORTED,
            TaskStatus.CLOSED,
        )
    )


def missing_reports(campaign: Any, period: ReportingPeriod):
    """Tasks that owe a report for the period and have none."""
    return tasks_due_a_report(campaign, period).exclude(reports__period=period)
