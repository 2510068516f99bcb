"""Every change to campaigns, phases, key tasks and calendars."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from campaigndesk.core import writes
from campaigndesk.org import access

from .models import CalendarDay, Campaign, KeyTask, Phase, WorkCalendar


def create_campaign(actor: Any, **fields: Any) -> Campaign:
    access.require(actor, "campaigns.manage")
    with transaction.atomic():
        return writes.create(actor, Campaign(**fields), action="campaigns.create_campaign")


def update_campaign(actor: Any, campaign: Campaign, changes: dict[str, Any]) -> Campaign:
    access.require(actor, "campaigns.manage", campaign)
    with transaction.atomic():
        return writes.update(actor, campaign, changes, action="campaigns.update_campaign")


def create_phase(actor: Any, campaign: Campaign, **fields: Any) -> Phase:
    access.require(actor, "campaigns.manage", campaign)
    with transaction.atomic():
        return writes.create(
            actor, Phase(campaign=campaign, **fields), action="campaigns.create_phase"
        )


def update_phase(actor: Any, phase: Phase, changes: dict[str, Any]) -> Phase:
    access.require(actor, "campaigns.manage", phase.campaign)
    with transaction.atomic():
        return writes.update(actor, phase, changes, action="campaigns.update_phase")


def delete_phase(actor: Any, phase: Phase) -> None:
    access.require(actor, "campaigns.manage", phase.campaign)
    with transaction.atomic():
        writes.delete(actor, phase, action="campaigns.delete_phase")


def create_key_task(actor: Any, campaign: Campaign, **fields: Any) -> KeyTask:
    access.require(actor, "campaigns.manage", campaign)
    with transaction.atomic():
        return writes.create(
            actor, KeyTask(campaign=campaign, **fields), action="campaigns.create_key_task"
        )


def update_key_task(actor: Any, key_task: KeyTask, changes: dict[str, Any]) -> KeyTask:
    access.require(actor, "campaigns.manage", key_task.campaign)
    with transaction.atomic():
        return writes.update(actor, key_task, changes, action="campaigns.update_key_task")


def delete_key_task(actor: Any, key_task: KeyTask) -> None:
    access.require(actor, "campaigns.manage", key_task.campaign)
    with transaction.atomic():
        writes.delete(actor, key_task, action="campaigns.delete_key_task")


def create_calendar(actor: Any, **fields: Any) -> WorkCalendar:
    access.require(actor, "campaigns.manage")
    with transaction.atomic():
        return writes.create(actor, WorkCalendar(**fields), action="campaigns.create_calendar")


def set_calendar_day(
    actor: Any, calendar: WorkCalendar, date: Any, *, is_workday: bool, note: str = ""
) -> CalendarDay:
    """Make `date` a working day or a day off on this calendar, whatever the package says."""
    access.require(actor, "campaigns.manage")
    with transaction.atomic():
        day = CalendarDay.objects.filter(calendar=calendar, date=date).first()
        if day is None:
            return writes.create(
                actor,
                CalendarDay(calendar=calendar, date=date, is_workday=is_workday, note=note),
                action="campaigns.set_calendar_day",
            )
        return writes.update(
            actor,
            day,
            {"is_workday": is_workday, "note": note},
            action="campaigns.set_calendar_day",
        )
