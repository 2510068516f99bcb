"""Reminders (催办), the in-app inbox, and deliveries by email and webhook."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigndesk.org.models import Unit

from .tasks import Task


class ReminderKind(models.TextChoices):
    BEFORE_DEADLINE = "before_deadline", _("Deadline approaching")
    OVERDUE = "overdue", _("Overdue")
    NOT_ACCEPTED = "not_accepted", _("Not accepted in time")
    LATE_REPORT = "late_report", _("Progress report missing")
    MANUAL = "manual", _("Reminder from the office")


class Escalation(models.TextChoices):
    LIAISON = "liaison", _("Unit liaison")
    UNIT_HEAD = "unit_head", _("Unit head")
    OFFICE = "office", _("Office overdue list")


class Reminder(models.Model):
    """One reminder about one task. `key` makes automatic reminders idempotent:
    the same (task, key) is never created twice, whichever worker gets there first."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    level = models.CharField(_("escalated to"), max_length=10, choices=Escalation.choices)
    key = models.CharField(max_length=80)
    message = models.TextField(_("message"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["task", "key"], name="unique_reminder_key")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.task_id}"


class Notification(models.Model):
    """An item in a person's in-app inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    reminder = models.ForeignKey(
        Reminder, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("received at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"], name="inbox_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "reminder"], name="one_notice_per_reminder"
            )
        ]

    def __str__(self) -> str:
        return self.title


class UnitWebhook(models.Model):
    """A unit's chat robot: reminders for the unit are POSTed to it as JSON."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit webhook")
        verbose_name_plural = _("unit webhooks")

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One message to send outside the app (an email, a webhook call). Claimed by a
    conditional update so two workers never send it twice; retried with back-off."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Webhook")
        DIGEST = "digest", _("Daily digest")

    channel = models.CharField(max_length=8, choices=Channel.choices)
    key = models.CharField(max_length=120, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    webhook = models.ForeignKey(
        UnitWebhook, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return self.key
