"""The daily digest: one email a person a day, listing only their own items.

"Own" means the tasks led by the units the person works for (their liaison and
unit-head grants, those units exactly, as reminders go), in four sections (to
accept, overdue, due within the campaign's warning window, progress reports
missing for the latest period already due), plus their unread notifications of
the last day. The office's own items reach it as notifications (its escalations).
Nothing is queued for a person with nothing to show, or without an email address.

`queue_digests()` runs once a day (jobs.queue_digests) and only queues: one
Delivery per person per day (key "digest:<person>:<date>", so a second run queues
nothing), sent by `delivery.deliver_due` like every other message.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign, CampaignStatus
from campaigndesk.org.access import UNIT_ROLES
from campaigndesk.org.models import RoleGrant, User

from .models import Delivery, Notification, Task, TaskStatus
from .periods import missing_reports
from .scan import NOT_DONE
from .workdays import for_campaign

ITEMS_PER_SECTION = 20
SECTIONS = ("to_accept", "overdue", "due_soon", "missing_reports")


def _rows(qs: QuerySet[Task]) -> tuple[list[dict[str, Any]], bool]:
    found = list(
        qs.order_by("deadline", "id").values("id", "title", "deadline")[: ITEMS_PER_SECTION + 1]
    )
    items = [
        {
            "id": r["id"],
            "title": r["title"],
            "deadline": r["deadline"].isoformat(),
            "url": reverse("ledger:task", args=[r["id"]]),
        }
        for r in found[:ITEMS_PER_SECTION]
    ]
    return items, len(found) > ITEMS_PER_SECTION


class _Sections:
    """Each unit's four sections, computed once however many people work for the unit."""

    def __init__(self, campaigns: list[Campaign], today: dt.date):
        self.today = today
        self.tasks = Task.objects.filter(campaign__in=campaigns)
        due_soon = Q(pk__in=[])
        self.periods = []
        for c in campaigns:
            end = for_campaign(c).add(today, c.warning_window_days)
            due_soon |= Q(campaign=c, deadline__gte=today, deadline__lte=end)
            period = c.reporting_periods.filter(due_on__lt=today).order_by("-ends_on").first()
            if period is not None:
                self.periods.append((c, period))
        self.due_soon = due_soon
        self._cache: dict[int, dict[str, tuple[list[dict[str, Any]], bool]]] = {}

    def of(self, unit_id: int) -> dict[str, tuple[list[dict[str, Any]], bool]]:
        if unit_id not in self._cache:
            mine = self.tasks.filter(lead_unit_id=unit_id)
            missing = [
                _rows(missing_reports(campaign, period).filter(lead_unit_id=unit_id))
                for campaign, period in self.periods
            ]
            self._cache[unit_id] = {
                "to_accept": _rows(mine.filter(status=TaskStatus.ASSIGNED)),
                "overdue": _rows(mine.filter(status__in=NOT_DONE, deadline__lt=self.today)),
                "due_soon": _rows(mine.filter(self.due_soon, status__in=NOT_DONE)),
                "missing_reports": _merge(missing),
            }
        return self._cache[unit_id]


def _merge(parts: list[tuple[list[dict[str, Any]], bool]]) -> tuple[list[dict[str, Any]], bool]:
    seen: set[int] = set()
    items: list[dict[str, Any]] = []
    more = any(p[1] for p in parts)
    for part, _more in parts:
        for item in part:
            if item["id"] not in seen:
                seen.add(item["id"])
                items.append(item)
    items.sort(key=lambda i: (i["deadline"], i["id"]))
    return items[:ITEMS_PER_SECTION], more or len(items) > ITEMS_PER_SECTION


def digest_for(
    person: User,
    unit_ids: set[int],
    sections: _Sections,
    notifications: list[dict[str, Any]],
    today: dt.date,
) -> dict[str, Any] | None:
    """The digest's payload for one person, or None when there is nothing to tell."""
    payload: dict[str, Any] = {
        "date": today.isoformat(),
        "name": person.full_name or person.get_username(),
        "inbox_url": reverse("ledger:inbox"),
        "sections": {},
        "more": {},
        "notifications": notifications,
    }
    for name in SECTIONS:
        items, more = _merge([sections.of(u)[name] for u in sorted(unit_ids)])
        payload["sections"][name] = items
        payload["more"][name] = more
    if not notifications and not any(payload["sections"].values()):
        return None
    return payload


def queue_digests(today: dt.date | None = None) -> int:
    """Queue today's digest for everyone with something to tell; returns how many were queued."""
    today = today or clock.today()
    now = clock.now()
    campaigns = list(
        Campaign.objects.filter(status=CampaignStatus.ACTIVE).select_related("calendar")
    )

    units_of: dict[int, set[int]] = defaultdict(set)
    grants = RoleGrant.objects.filter(role__in=UNIT_ROLES, unit__is_active=True)
    for user_id, unit_id in grants.values_list("user_id", "unit_id"):
        units_of[user_id].add(unit_id)
    if not campaigns:
        units_of.clear()

    notes_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    unread = Notification.objects.filter(
        read_at__isnull=True, created_at__gt=now - dt.timedelta(days=1), created_at__lte=now
    ).order_by("recipient_id", "-created_at", "-id")
    for n in unread.values("recipient_id", "title", "url", "created_at"):
        if len(notes_of[n["recipient_id"]]) < ITEMS_PER_SECTION:
            notes_of[n["recipient_id"]].append(
                {"title": n["title"], "url": n["url"], "at": n["created_at"].isoformat()}
            )

    people = (
        User.objects.filter(pk__in=set(units_of) | set(notes_of), is_active=True)
        .exclude(email="")
        .order_by("pk")
    )
    keys = {p.pk: f"digest:{p.pk}:{today.isoformat()}" for p in people}
    done = set(Delivery.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    sections = _Sections(campaigns, today)
    new = []
    for person in people:
        if keys[person.pk] in done:
            continue
        payload = digest_for(
            person, units_of.get(person.pk, set()), sections, notes_of.get(person.pk, []), today
        )
        if payload is not None:
            new.append(
                Delivery(
                    channel=Delivery.Channel.DIGEST,
                    key=keys[person.pk],
                    recipient=person,
                    payload=payload,
                    next_attempt_at=now,
                )
            )
    Delivery.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
