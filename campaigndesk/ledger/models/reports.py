"""Progress reports on the campaign's reporting cycle, and their evidence."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigndesk.campaigns.models import Campaign

from .tasks import Task


class ReportingPeriod(models.Model):
    """One period of the campaign's reporting cycle (a week, a fortnight, a month)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="reporting_periods"
    )
    number = models.PositiveIntegerField(_("period"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    due_on = models.DateField(_("reports due on"))
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="unique_period_number"),
        ]
        indexes = [models.Index(fields=["campaign", "ends_on"], name="period_campaign_end")]

    def __str__(self) -> str:
        return f"{self.starts_on:%Y-%m-%d} – {self.ends_on:%Y-%m-%d}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class ProgressReport(models.Model):
    """What a unit reports on a task for one period. Written once, at the lowest level;
    parents' figures are rolled up from their children, never typed again."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="reports")
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    text = models.TextField(_("progress"))
    problems = models.TextField(_("problems and next steps"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported at"))
    is_late = models.BooleanField(_("late"), default=False)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["task", "-period__number"]
        constraints = [
            models.UniqueConstraint(fields=["task", "period"], name="one_report_per_period")
        ]
        indexes = [models.Index(fields=["period", "task"], name="report_period_task")]

    def __str__(self) -> str:
        return f"{self.task_id} · {self.period_id} · {self.progress}%"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"ledger/{instance.task_id}/{filename}"


class Attachment(models.Model):
    """Evidence: a file attached to a task, its completion report or a progress report."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attachments")
    report = models.ForeignKey(
        ProgressReport, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["task", "uploaded_at"]

    def __str__(self) -> str:
        return self.name
