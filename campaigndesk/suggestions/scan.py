"""Overdue answers warn and escalate like tasks: the answer lights and their reminders.

For every suggestion a unit owes an answer to (routed, accepted, or awaiting the unit
head), counted in working days on the campaign's calendar:

green   more than the campaign's warning window before `answer_due`
yellow  within the warning window (`warning_window_days`), up to the due day itself
red     past `answer_due`

Reminders go out once per occasion, as in-app notifications:

liaison     when the light turns yellow: the answering unit's liaisons
unit_head   when it turns red: the answering unit's heads
office      red for 5 working days or more: the leading group office

Each reminder's key names the level and the answer deadline ("unit_head:2018-12-24")
and `SuggestionReminder` makes (suggestion, key) unique, so running the scan twice,
or on two workers at once, reminds nobody twice; routing a suggestion again gives a
new deadline, which is a new occasion. A scan that finds a suggestion already far
gone (it was not running) issues the level reached, not the ones skipped, as the
ledger's scan does.

Lights are three UPDATEs per campaign on the (status, answer_due) index that touch only
rows whose light changes; the reminders read only suggestions within the warning
window or overdue that have not reached the office yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils.translation import gettext as _

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.campaigns.models import Campaign, CampaignStatus
from campaigndesk.core import writes
from campaigndesk.ledger.models import Notification
from campaigndesk.ledger.workdays import Workdays, for_campaign
from campaigndesk.org import access
from campaigndesk.org.models import Role, RoleGrant

from .models import AWAITING_ANSWER, Suggestion, SuggestionReminder

GREEN, YELLOW, RED, NONE = "green", "yellow", "red", "none"
LIAISON, UNIT_HEAD, OFFICE = "liaison", "unit_head", "office"
LEVELS = (LIAISON, UNIT_HEAD, OFFICE)  # lowest first
OFFICE_AFTER_DAYS = 5  # working days past the deadline before the office is told
CHUNK = 500

ROLE_FOR_LEVEL = {LIAISON: Role.LIAISON, UNIT_HEAD: Role.UNIT_HEAD, OFFICE: Role.OFFICE}


def awaiting(campaign: Campaign) -> Any:
    return Suggestion.objects.filter(
        campaign=campaign, status__in=AWAITING_ANSWER, answer_due__isnull=False
    )


def window_end(campaign: Campaign, today: dt.date, workdays: Workdays) -> dt.date:
    """The first day beyond the warning window: a deadline before it is yellow.

    A deadline `d` is within the window when the working days in (today, d] are at most
    `warning_window_days`, i.e. when d comes before the (window + 1)-th working day.
    """
    return workdays.add(today, campaign.warning_window_days + 1)


def light_of(answer_due: dt.date | None, today: dt.date, window_ends: dt.date) -> str:
    """The light of an answer due on `answer_due` (for one suggestion; the scan uses SQL)."""
    if answer_due is None:
        return NONE
    if answer_due < today:
        return RED
    if answer_due < window_ends:
        return YELLOW
    return GREEN


def refresh_lights(campaign: Campaign, today: dt.date, workdays: Workdays | None = None) -> int:
    """Recompute the answer lights of one campaign; returns how many rows changed."""
    workdays = workdays or for_campaign(campaign)
    ends = window_end(campaign, today, workdays)
    rows = awaiting(campaign)
    changed = 0
    with transaction.atomic():
        changed += rows.filter(answer_due__lt=today).exclude(light=RED).update(light=RED)
        changed += (
            rows.filter(answer_due__gte=today, answer_due__lt=ends)
            .exclude(light=YELLOW)
            .update(light=YELLOW)
        )
        changed += rows.filter(answer_due__gte=ends).exclude(light=GREEN).update(light=GREEN)
    return changed


# --- reminders ----------------------------------------------------------------------------------


def _key(level: str, answer_due: dt.date) -> str:
    return f"{level}:{answer_due.isoformat()}"


def _key_in_sql(level: str) -> Concat:
    """The key built in SQL from the suggestion's own deadline, e.g. office:2018-12-24."""
    return Concat(
        Value(f"{level}:"), Cast(OuterRef("answer_due"), CharField()), output_field=CharField()
    )


def escalated_to_office() -> Exists:
    """True for a suggestion whose overdue answer has been reported to the office."""
    return Exists(
        SuggestionReminder.objects.filter(suggestion=OuterRef("pk"), key=_key_in_sql(OFFICE))
    )


def level_of(answer_due: dt.date, today: dt.date, window_ends: dt.date, workdays: Workdays):
    """The highest reminder level a deadline has reached today, or None."""
    if answer_due < today:
        if workdays.count_between(answer_due, today) >= OFFICE_AFTER_DAYS:
            return OFFICE
        return UNIT_HEAD
    if answer_due < window_ends:
        return LIAISON
    return None


def _wanted(campaign: Campaign, today: dt.date, workdays: Workdays) -> Iterator[tuple[int, str]]:
    """(suggestion id, key) of the reminders due now, before checking which exist."""
    ends = window_end(campaign, today, workdays)
    rows = (
        awaiting(campaign)
        .filter(answer_due__lt=ends)
        .exclude(escalated_to_office())
        .values_list("pk", "answer_due")
    )
    for pk, answer_due in list(rows):
        level = level_of(answer_due, today, ends, workdays)
        if level is not None:
            yield pk, _key(level, answer_due)


def _reached(existing: set[str], key: str) -> bool:
    """True when this level, or a higher one for the same deadline, was already issued."""
    level, _sep, due = key.partition(":")
    higher = LEVELS[LEVELS.index(level) :]
    return any(f"{lvl}:{due}" in existing for lvl in higher)


def _title(level: str, s: Suggestion, days: int) -> str:
    values = {"date": s.answer_due.isoformat(), "number": s.tracking_number, "title": s.title[:120]}
    if level == LIAISON:
        return _("Answer due on %(date)s: %(number)s %(title)s") % values
    if level == UNIT_HEAD:
        return _("Answer overdue since %(date)s: %(number)s %(title)s") % values
    return _("Answer overdue by %(days)s working days (due on %(date)s): %(number)s %(title)s") % {
        **values,
        "days": days,
    }


def _body(level: str, s: Suggestion) -> str:
    unit = s.unit.name if s.unit_id else ""
    if level == LIAISON:
        return _("%(unit)s is to answer this citizen's suggestion soon.") % {"unit": unit}
    if level == UNIT_HEAD:
        return _("%(unit)s has not answered this citizen's suggestion in time.") % {"unit": unit}
    return _("%(unit)s has still not answered this citizen's suggestion.") % {"unit": unit}


class Recipients:
    """Who each level reaches, read once per chunk: the unit's own liaisons or heads,
    or the office (its grants at the campaign's office unit, else any office grant)."""

    def __init__(self, campaign: Campaign, unit_ids: set[int]):
        self.by_unit: dict[tuple[int, str], list[int]] = {}
        for unit_id, role, user_id in RoleGrant.objects.filter(
            unit_id__in=unit_ids,
            role__in=[Role.LIAISON, Role.UNIT_HEAD],
            user__is_active=True,
        ).values_list("unit_id", "role", "user_id"):
            self.by_unit.setdefault((unit_id, role), []).append(user_id)
        self.campaign = campaign
        self._office: list[int] | None = None

    def office(self) -> list[int]:
        if self._office is None:
            grants = RoleGrant.objects.filter(role=Role.OFFICE, user__is_active=True)
            at_office = grants.filter(unit_id=self.campaign.office_unit_id)
            if self.campaign.office_unit_id and at_office.exists():
                grants = at_office
            self._office = sorted(set(grants.values_list("user_id", flat=True)))
        return self._office

    def of(self, level: str, s: Suggestion) -> list[int]:
        if level == OFFICE:
            return self.office()
        return sorted(set(self.by_unit.get((s.unit_id, ROLE_FOR_LEVEL[level]), [])))


def _issue_one(s: Suggestion, key: str, people: list[int], days: int) -> bool:
    level = key.partition(":")[0]
    now = clock.now()
    try:
        with transaction.atomic():
            writes.create(
                access.SYSTEM,
                SuggestionReminder(suggestion=s, key=key, level=level, created_at=now),
                action=f"suggestions.remind.{level}",
            )
            # The count is derived from the reminders; kept on the suggestion to list it.
            Suggestion.objects.filter(pk=s.pk).update(reminder_count=F("reminder_count") + 1)
            url = reverse("suggestions:detail", args=[s.pk])
            title, body = _title(level, s, days), _body(level, s)
            Notification.objects.bulk_create(
                Notification(
                    recipient_id=person,
                    title=title,
                    body=body,
                    url=url,
                    created_at=now,
                    task=None,
                    reminder=None,
                )
                for person in people
            )
    except (IntegrityError, ValidationError):  # issued a moment ago by another worker
        return False
    return True


def issue_reminders(
    campaign: Campaign, today: dt.date, workdays: Workdays | None = None
) -> dict[str, int]:
    """Issue the reminders due today in one campaign; returns how many per level."""
    workdays = workdays or for_campaign(campaign)
    counts = dict.fromkeys(LEVELS, 0)
    wanted = list(_wanted(campaign, today, workdays))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        pks = {pk for pk, _key in chunk}
        existing: dict[int, set[str]] = {}
        for pk, key in SuggestionReminder.objects.filter(suggestion_id__in=pks).values_list(
            "suggestion_id", "key"
        ):
            existing.setdefault(pk, set()).add(key)
        todo = [(pk, key) for pk, key in chunk if not _reached(existing.get(pk, set()), key)]
        if not todo:
            continue
        suggestions = Suggestion.objects.select_related("unit").in_bulk({pk for pk, _k in todo})
        people = Recipients(campaign, {s.unit_id for s in suggestions.values() if s.unit_id})
        for pk, key in todo:
            s = suggestions.get(pk)
            if s is None or s.answer_due is None:
                continue
            level = key.partition(":")[0]
            days = workdays.count_between(s.answer_due, today)
            if _issue_one(s, key, people.of(level, s), days):
                counts[level] += 1
    return counts


def run_suggestion_scan(today: dt.date | None = None) -> dict[str, int]:
    """Refresh the answer lights and issue the reminders of every active campaign.

    Returns the number of lights changed and of reminders issued per level.
    """
    today = today or clock.today()
    result = {"lights": 0, **dict.fromkeys(LEVELS, 0)}
    campaigns = Campaign.objects.filter(status=CampaignStatus.ACTIVE).select_related("calendar")
    with trail.source("job:suggestion_reminders"):
        for campaign in campaigns:
            workdays = for_campaign(campaign)
            result["lights"] += refresh_lights(campaign, today, workdays)
            for level, n in issue_reminders(campaign, today, workdays).items():
                result[level] += n
    return result
