"""Reminders (催办): by hand from the office, or automatic before and after deadlines.

A reminder is issued once per (task, key): the key names the occasion, e.g.
"overdue:2018-12-14:unit_head", so a scan that runs twice, or on two workers at
once, never reminds twice. Issuing one puts it in the inbox of the people it
escalates to and queues their email and the unit's webhook (see delivery.py).

Escalation: liaison → unit head → the office's overdue list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from campaigndesk import clock
from campaigndesk.core import writes
from campaigndesk.org import access
from campaigndesk.org.models import Role, RoleGrant, User

from .models import Delivery, Escalation, Notification, Reminder, ReminderKind, Task, UnitWebhook

MAX_MANUAL_BATCH = 500

ROLE_FOR_LEVEL = {
    Escalation.LIAISON: Role.LIAISON,
    Escalation.UNIT_HEAD: Role.UNIT_HEAD,
    Escalation.OFFICE: Role.OFFICE,
}


def recipients(task: Task, level: str) -> list[User]:
    """Who a reminder at `level` reaches: the lead unit's own liaisons or heads, or the office."""
    role = ROLE_FOR_LEVEL[level]
    grants = RoleGrant.objects.filter(role=role, user__is_active=True)
    if level == Escalation.OFFICE:
        office_unit = task.campaign.office_unit_id
        grants = grants.filter(unit_id=office_unit) if office_unit else grants
        if office_unit and not grants.exists():
            grants = RoleGrant.objects.filter(role=role, user__is_active=True)
    else:
        grants = grants.filter(unit_id=task.lead_unit_id)
    return list(User.objects.filter(pk__in=grants.values("user_id")).order_by("pk"))


def reminder_title(kind: str, deadline: Any, task_title: str) -> str:
    """The notification's title in the active language (email renders it in both)."""
    titles = {
        ReminderKind.BEFORE_DEADLINE: _("Due on %(deadline)s: %(task)s"),
        ReminderKind.OVERDUE: _("Overdue since %(deadline)s: %(task)s"),
        ReminderKind.NOT_ACCEPTED: _("Not yet accepted: %(task)s"),
        ReminderKind.LATE_REPORT: _("Progress report missing: %(task)s"),
        ReminderKind.MANUAL: _("Reminder from the office: %(task)s"),
    }
    return titles[kind] % {"deadline": deadline, "task": task_title[:150]}


def _title(kind: str, task: Task) -> str:
    return reminder_title(kind, task.deadline, task.title)


def issue_reminder(
    actor: Any, task: Task, *, kind: str, level: str, key: str, message: str = ""
) -> Reminder | None:
    """Issue the reminder unless one with the same key exists; returns None when it did."""
    if Reminder.objects.filter(task=task, key=key).exists():
        return None
    now = clock.now()
    try:
        with transaction.atomic():
            reminder = writes.create(
                actor,
                Reminder(
                    task=task,
                    kind=kind,
                    level=level,
                    key=key,
                    message=message,
                    sent_by=actor if isinstance(actor, User) else None,
                    created_at=now,
                ),
                action=f"ledger.remind.{kind}",
            )
            # The count is derived from the audited reminders; kept on the task to list it.
            Task.objects.filter(pk=task.pk).update(reminder_count=F("reminder_count") + 1)
            _notify(task, reminder, recipients(task, level))
    except IntegrityError:  # another worker issued the same key a moment earlier
        return None
    return reminder


def _notify(task: Task, reminder: Reminder, people: Iterable[User]) -> None:
    now = clock.now()
    url = reverse("ledger:task", args=[task.pk])
    title = _title(reminder.kind, task)
    people = list(people)
    Notification.objects.bulk_create(
        Notification(
            recipient=p,
            reminder=reminder,
            task=task,
            title=title,
            body=reminder.message,
            url=url,
            created_at=now,
        )
        for p in people
    )
    payload = {
        "reminder": reminder.pk,
        "task": task.pk,
        "kind": reminder.kind,
        "level": reminder.level,
        "title": title,
        "task_title": task.title,
        "message": reminder.message,
        "deadline": task.deadline.isoformat(),
        "unit": task.lead_unit.name_zh,
        "unit_en": task.lead_unit.name_en,
        "url": url,
    }
    deliveries = [
        Delivery(
            channel=Delivery.Channel.EMAIL,
            key=f"email:{reminder.pk}:{p.pk}",
            recipient=p,
            payload=payload,
            next_attempt_at=now,
        )
        for p in people
        if p.email
    ]
    hook = UnitWebhook.objects.filter(unit_id=task.lead_unit_id, is_active=True).first()
    if hook is not None:
        deliveries.append(
            Delivery(
                channel=Delivery.Channel.WEBHOOK,
                key=f"webhook:{reminder.pk}",
                webhook=hook,
                payload=payload,
                next_attempt_at=now,
            )
        )
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)


def send_manual_reminder(actor: Any, tasks: Iterable[Task], message: str) -> int:
    """The office's 催办 by hand, to one task or a selection; returns how many were sent.

    Each goes to the lead unit's liaisons; a second manual reminder the same minute
    about the same task is the same reminder (a double click does not send twice).
    """
    access.require(actor, "ledger.supervise")
    if not message.strip():
        raise ValidationError({"message": _("Write what you want the unit to do.")})
    tasks = list(tasks)
    if len(tasks) > MAX_MANUAL_BATCH:
        raise ValidationError(
            _("Remind at most %(max)s tasks at once; narrow the filter.")
            % {"max": MAX_MANUAL_BATCH}
        )
    stamp = clock.now().strftime("%Y%m%d%H%M")
    sent = 0
    for task in tasks:
        if not task.is_open:
            continue
        reminder = issue_reminder(
            actor,
            task,
            kind=ReminderKind.MANUAL,
            level=Escalation.LIAISON,
            key=f"manual:{stamp}",
            message=message,
        )
        sent += reminder is not None
    return sent


def mark_read(actor: Any, notifications: Iterable[Notification]) -> int:
    """Mark the person's own notifications read (others' are silently skipped)."""
    ids = [n.pk for n in notifications if n.recipient_id == actor.pk]
    return Notification.objects.filter(pk__in=ids, read_at__isnull=True).update(read_at=clock.now())


def mark_all_read(actor: Any) -> int:
    """Mark every unread notification of the person read; returns how many."""
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(
        read_at=clock.now()
    )


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
