"""Every change to campaigns, phases, key tasks and calendars.

Each action checks permission and the rules that span more than one row (a code
used once, phase numbers used once per campaign, phases inside the campaign's
dates), then writes through `core.writes`, which validates the model and appends
the audit record in the same transaction. Rule breaches come back as
`ValidationError` keyed by field, so a form can show them next to the field.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigndesk.core import writes
from campaigndesk.org import access

from . import queries
from .models import CalendarDay, Campaign, KeyTask, Phase, WorkCalendar


def _editable(model: type, *, besides: tuple[str, ...] = ()) -> frozenset[str]:
    """The fields a person may set on `model` (its parent link and id are not theirs)."""
    return frozenset(
        f.name
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in besides
    )


CAMPAIGN_FIELDS = _editable(Campaign)
PHASE_FIELDS = _editable(Phase, besides=("campaign",))
KEY_TASK_FIELDS = _editable(KeyTask, besides=("campaign",))


def _only(fields: dict[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"{what} cannot set {sorted(unknown)}")


@contextlib.contextmanager
def _lost_race() -> Iterator[None]:
    """Turn a unique-constraint failure into a message.

    The checks below catch duplicates before saving; this only fires when two
    people save the same number at the same moment.
    """
    try:
        yield
    except IntegrityError:
        raise ValidationError(
            _("Someone else saved a change at the same moment. Check the values and save again.")
        ) from None


def _check_code(code: str | None, exclude_pk: int | None = None) -> None:
    if code and queries.code_taken(code, exclude_pk=exclude_pk):
        raise ValidationError(
            {"code": _("Another campaign already uses the code “%(code)s”.") % {"code": code}}
        )


def _check_phases_fit(campaign: Campaign, starts_on: Any, ends_on: Any) -> None:
    """A campaign's dates may move only as long as every phase still lies inside them."""
    if not starts_on or not ends_on or ends_on < starts_on:
        return  # the model's own check names the problem
    outside = queries.phases_outside(campaign, starts_on, ends_on)
    errors: dict[str, str] = {}
    if outside["starts_on"]:
        numbers = ", ".join(str(p.number) for p in outside["starts_on"])
        errors["starts_on"] = ngettext(
            "Phase %(numbers)s would start before the campaign. Change its dates first.",
            "Phases %(numbers)s would start before the campaign. Change their dates first.",
            len(outside["starts_on"]),
        ) % {"numbers": numbers}
    if outside["ends_on"]:
        numbers = ", ".join(str(p.number) for p in outside["ends_on"])
        errors["ends_on"] = ngettext(
            "Phase %(numbers)s would end after the campaign. Change its dates first.",
            "Phases %(numbers)s would end after the campaign. Change their dates first.",
            len(outside["ends_on"]),
        ) % {"numbers": numbers}
    if errors:
        raise ValidationError(errors)


def _check_phase_number(campaign: Campaign, number: Any, exclude_pk: int | None = None) -> None:
    if number and queries.phase_number_taken(campaign, number, exclude_pk=exclude_pk):
        raise ValidationError(
            {"number": _("This campaign already has a phase %(number)s.") % {"number": number}}
        )


def _check_key_task_number(campaign: Campaign, number: Any, exclude_pk: int | None = None) -> None:
    if number and queries.key_task_number_taken(campaign, number, exclude_pk=exclude_pk):
        raise ValidationError(
            {"number": _("This campaign already has a key task %(number)s.") % {"number": number}}
        )


def _default_calendar_for(actor: Any, fields: dict[str, Any]) -> WorkCalendar:
    """A new calendar for a campaign created without one (mainland public holidays)."""
    title_zh = (fields.get("title_zh") or "").strip()
    title_en = (fields.get("title_en") or "").strip()
    return writes.create(
        actor,
        WorkCalendar(
            name_zh=f"{title_zh}工作日历"[:80],
            name_en=f"Working days of {title_en}"[:80] if title_en else "",
            country=WorkCalendar.Country.CN,
        ),
        action="campaigns.create_calendar",
    )


# --- campaigns ------------------------------------------------------------------------------


def create_campaign(actor: Any, **fields: Any) -> Campaign:
    """Create a campaign. Without a calendar it gets a new one of its own."""
    access.require(actor, "campaigns.manage")
    _only(fields, CAMPAIGN_FIELDS, "create_campaign")
    _check_code(fields.get("code"))
    with _lost_race(), transaction.atomic():
        if fields.get("calendar") is None:
            fields["calendar"] = _default_calendar_for(actor, fields)
        return writes.create(actor, Campaign(**fields), action="campaigns.create_campaign")


def update_campaign(actor: Any, campaign: Campaign, changes: dict[str, Any]) -> Campaign:
    access.require(actor, "campaigns.manage", campaign)
    _only(changes, CAMPAIGN_FIELDS, "update_campaign")
    if "code" in changes:
        _check_code(changes["code"], exclude_pk=campaign.pk)
    if "starts_on" in changes or "ends_on" in changes:
        _check_phases_fit(
            campaign,
            changes.get("starts_on", campaign.starts_on),
            changes.get("ends_on", campaign.ends_on),
        )
    with _lost_race(), transaction.atomic():
        return writes.update(actor, campaign, changes, action="campaigns.update_campaign")


# --- phases ----------------------------------------------------------------------------------


def create_phase(actor: Any, campaign: Campaign, **fields: Any) -> Phase:
    """Add a phase. The model checks its dates lie inside the campaign and overlap no other."""
    access.require(actor, "campaigns.manage", campaign)
    _only(fields, PHASE_FIELDS, "create_phase")
    _check_phase_number(campaign, fields.get("number"))
    with _lost_race(), transaction.atomic():
        return writes.create(
            actor, Phase(campaign=campaign, **fields), action="campaigns.create_phase"
        )


def update_phase(actor: Any, phase: Phase, changes: dict[str, Any]) -> Phase:
    access.require(actor, "campaigns.manage", phase.campaign)
    _only(changes, PHASE_FIELDS, "update_phase")
    if "number" in changes:
        _check_phase_number(phase.campaign, changes["number"], exclude_pk=phase.pk)
    with _lost_race(), transaction.atomic():
        return writes.update(actor, phase, changes, action="campaigns.update_phase")


def delete_phase(actor: Any, phase: Phase) -> None:
    access.require(actor, "campaigns.manage", phase.campaign)
    try:
        with transaction.atomic():
            writes.delete(actor, phase, action="campaigns.delete_phase")
    except ProtectedError:
        raise ValidationError(
            _("Other records still refer to this phase, so it cannot be deleted.")
        ) from None


# --- key tasks -------------------------------------------------------------------------------


def create_key_task(actor: Any, campaign: Campaign, **fields: Any) -> KeyTask:
    access.require(actor, "campaigns.manage", campaign)
    _only(fields, KEY_TASK_FIELDS, "create_key_task")
    _check_key_task_number(campaign, fields.get("number"))
    with _lost_race(), transaction.atomic():
        return writes.create(
            actor, KeyTask(campaign=campaign, **fields), action="campaigns.create_key_task"
        )


def update_key_task(actor: Any, key_task: KeyTask, changes: dict[str, Any]) -> KeyTask:
    access.require(actor, "campaigns.manage", key_task.campaign)
    _only(changes, KEY_TASK_FIELDS, "update_key_task")
    if "number" in changes:
        _check_key_task_number(key_task.campaign, changes["number"], exclude_pk=key_task.pk)
    with _lost_race(), transaction.atomic():
        return writes.update(actor, key_task, changes, action="campaigns.update_key_task")


def delete_key_task(actor: Any, key_task: KeyTask) -> None:
    access.require(actor, "campaigns.manage", key_task.campaign)
    try:
        with transaction.atomic():
            writes.delete(actor, key_task, action="campaigns.delete_key_task")
    except ProtectedError:
        raise ValidationError(
            _("Other records still refer to this key task, so it cannot be deleted.")
        ) from None


# --- calendars -------------------------------------------------------------------------------


def create_calendar(actor: Any, **fields: Any) -> WorkCalendar:
    access.require(actor, "campaigns.manage")
    with transaction.atomic():
        return writes.create(actor, WorkCalendar(**fields), action="campaigns.create_calendar")


def set_calendar_day(
    actor: Any, calendar: WorkCalendar, date: Any, *, is_workday: bool, note: str = ""
) -> CalendarDay:
    """Make `date` a working day or a day off on this calendar, whatever the package says."""
    access.require(actor, "campaigns.manage")
    with _lost_race(), transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(calendar=calendar, date=date).first()
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
