"""Reads of campaigns shared by views, API and commands."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from campaigndesk import clock
from campaigndesk.core import generation
from campaigndesk.org import access

from .models import CalendarDay, Campaign, CampaignStatus, KeyTask, Phase, WorkCalendar


def current_campaign() -> Campaign | None:
    """The campaign under way today, else the most recent one.

    Most pages ask; the answer is kept per process until a campaign changes
    (core/generation.py), and each caller gets its own instance."""
    today = clock.today()
    names = _campaign_attnames()
    values = generation.cached("current_campaign", today, lambda: _current_values(today, names))
    return None if values is None else Campaign.from_db("default", list(names), list(values))


@functools.cache
def _campaign_attnames() -> tuple[str, ...]:
    return tuple(f.attname for f in Campaign._meta.concrete_fields)


def _current_values(today: dt.date, names: tuple[str, ...]) -> tuple[Any, ...] | None:
    running = (
        Campaign.objects.filter(status=CampaignStatus.ACTIVE, starts_on__lte=today)
        .order_by("-starts_on")
        .values_list(*names)
        .first()
    )
    return running or Campaign.objects.order_by("-starts_on").values_list(*names).first()


def _count_of(model: type[Phase] | type[KeyTask]) -> Coalesce:
    # A correlated COUNT per row: two joins with Count() would multiply each other.
    counted = (
        model.objects.filter(campaign=OuterRef("pk"))
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def campaigns_for_listing() -> QuerySet[Campaign]:
    """Every campaign, newest first, with its phase and key-task counts (one query)."""
    return Campaign.objects.annotate(
        phase_count=_count_of(Phase), key_task_count=_count_of(KeyTask)
    ).order_by("-starts_on", "-pk")


def campaign_for_page() -> QuerySet[Campaign]:
    """Campaigns with what their page shows: units, calendar, phases, key tasks."""
    return Campaign.objects.select_related("calendar", "lead_unit", "office_unit").prefetch_related(
        Prefetch("phases", queryset=Phase.objects.order_by("number")),
        Prefetch("key_tasks", queryset=KeyTask.objects.select_related("lead_unit")),
    )


def phases_of(campaign: Campaign) -> QuerySet[Phase]:
    return Phase.objects.filter(campaign=campaign).order_by("number")


def key_tasks_of(campaign: Campaign) -> QuerySet[KeyTask]:
    return KeyTask.objects.filter(campaign=campaign).select_related("lead_unit").order_by("number")


def calendar_days(calendar: WorkCalendar) -> QuerySet[CalendarDay]:
    return CalendarDay.objects.filter(calendar=calendar).order_by("-date")


def campaigns_using(calendar: WorkCalendar) -> QuerySet[Campaign]:
    return Campaign.objects.filter(calendar=calendar)


# --- checks the actions (and forms) share ------------------------------------------------


def code_taken(code: str, *, exclude_pk: int | None = None) -> bool:
    return Campaign.objects.filter(code=code).exclude(pk=exclude_pk).exists()


def phase_number_taken(campaign: Campaign, number: int, *, exclude_pk: int | None = None) -> bool:
    return Phase.objects.filter(campaign=campaign, number=number).exclude(pk=exclude_pk).exists()


def key_task_number_taken(
    campaign: Campaign, number: int, *, exclude_pk: int | None = None
) -> bool:
    return KeyTask.objects.filter(campaign=campaign, number=number).exclude(pk=exclude_pk).exists()


def phases_outside(campaign: Campaign, starts_on: dt.date, ends_on: dt.date) -> dict[str, list]:
    """Phases that would no longer fit if the campaign ran from `starts_on` to `ends_on`.

    Keyed by the date that pushes them out: "starts_on" (they begin too early) and
    "ends_on" (they end too late).
    """
    phases = list(phases_of(campaign))
    return {
        "starts_on": [p for p in phases if p.starts_on < starts_on],
        "ends_on": [p for p in phases if p.ends_on > ends_on],
    }


def next_phase_defaults(campaign: Campaign) -> dict[str, Any]:
    """A sensible first guess for a new phase: the next number, right after the last one."""
    last = phases_of(campaign).last()
    if last is None:
        return {"number": 1, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on}
    start = last.ends_on + dt.timedelta(days=1)
    if start > campaign.ends_on:
        start = campaign.ends_on
    return {"number": last.number + 1, "starts_on": start, "ends_on": campaign.ends_on}


def next_key_task_number(campaign: Campaign) -> int:
    last = key_tasks_of(campaign).values_list("number", flat=True).last()
    return (last or 0) + 1


# --- access to one campaign ------------------------------------------------------------------


def _get(queryset: QuerySet, pk: Any):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_campaign_for_user(user: Any, pk: Any, queryset: QuerySet | None = None) -> Campaign:
    """The campaign, or 404 when there is none; PermissionDenied when the person may not read."""
    campaign = _get(queryset if queryset is not None else Campaign.objects.all(), pk)
    access.require(user, "campaigns.view", campaign)
    return campaign


def get_campaign_for_edit(user: Any, pk: Any) -> Campaign:
    campaign = _get(Campaign.objects.select_related("calendar"), pk)
    access.require(user, "campaigns.manage", campaign)
    return campaign


def get_phase_for_edit(user: Any, pk: Any) -> Phase:
    phase = _get(Phase.objects.select_related("campaign"), pk)
    access.require(user, "campaigns.manage", phase.campaign)
    return phase


def get_key_task_for_edit(user: Any, pk: Any) -> KeyTask:
    key_task = _get(KeyTask.objects.select_related("campaign", "lead_unit"), pk)
    access.require(user, "campaigns.manage", key_task.campaign)
    return key_task


def can_manage(user: Any, campaign: Campaign | None = None) -> bool:
    return access.can(user, "campaigns.manage", campaign)
