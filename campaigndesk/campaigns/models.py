"""Campaigns, their phases and key tasks, and the working-day calendar they count on."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigndesk.core.bilingual import bilingual
from campaigndesk.org.models import Unit


class WorkCalendar(models.Model):
    """Which days count as working days. Public holidays come from a maintained package
    for the country; the office edits exceptions (CalendarDay) on top of it."""

    class Country(models.TextChoices):
        CN = "CN", _("China (mainland)")
        NONE = "", _("Weekends only")

    name_zh = models.CharField(_("Chinese name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    country = models.CharField(
        _("public holidays of"), max_length=2, choices=Country.choices, blank=True, default="CN"
    )

    name = bilingual("name")

    class Meta:
        verbose_name = _("working-day calendar")
        verbose_name_plural = _("working-day calendars")

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """An office's correction to the calendar: a day made a holiday or a working day."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="unique_calendar_day")
        ]
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'+' if self.is_workday else '-'}"


class ReportingCycle(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Fortnightly")
    MONTHLY = "monthly", _("Monthly")


class CampaignStatus(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    ACTIVE = "active", _("Under way")
    CLOSED = "closed", _("Summed up")


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def public(self) -> CampaignQuerySet:
        return self.filter(is_public=True).exclude(status=CampaignStatus.PREPARING)


class Campaign(models.Model):
    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Used in addresses, e.g. dalian-2018.")
    )
    title_zh = models.CharField(_("Chinese title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=300, blank=True)
    theme_zh = models.CharField(
        _("Chinese theme"),
        max_length=200,
        blank=True,
        help_text=_("The slogan that sums up the campaign."),
    )
    theme_en = models.CharField(_("English theme"), max_length=400, blank=True)
    summary_zh = models.TextField(_("Chinese summary"), blank=True)
    summary_en = models.TextField(_("English summary"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.PREPARING
    )
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("leading group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    office_unit = models.ForeignKey(
        Unit,
        verbose_name=_("leading group office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("working-day calendar"), on_delete=models.PROTECT
    )
    reporting_cycle = models.CharField(
        _("reporting cycle"),
        max_length=12,
        choices=ReportingCycle.choices,
        default=ReportingCycle.WEEKLY,
    )
    warning_window_days = models.PositiveSmallIntegerField(
        _("warning window (working days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("A task turns yellow this many working days before its deadline."),
    )
    accept_limit_days = models.PositiveSmallIntegerField(
        _("time to accept a task (working days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("A task not accepted within this time turns grey."),
    )
    return_limit_days = models.PositiveSmallIntegerField(
        _("time to return a task as not the unit's own (working days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    lag_yellow_points = models.PositiveSmallIntegerField(
        _("yellow when behind schedule by (points)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Percentage points of progress behind the time elapsed."),
    )
    lag_red_points = models.PositiveSmallIntegerField(
        _("red when behind schedule by (points)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    remind_before_days = models.PositiveSmallIntegerField(
        _("first reminder before the deadline (working days)"),
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(30)],
    )
    answer_limit_days = models.PositiveSmallIntegerField(
        _("time to answer a suggestion (working days)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    accepts_suggestions = models.BooleanField(
        _("accepting suggestions from the public"), default=True
    )
    is_public = models.BooleanField(_("shown on the public portal"), default=True)

    title = bilingual("title")
    theme = bilingual("theme")
    summary = bilingual("summary")

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The campaign cannot end before it starts.")
        if (
            self.lag_red_points is not None
            and self.lag_yellow_points is not None
            and self.lag_red_points <= self.lag_yellow_points
        ):
            errors["lag_red_points"] = _("Red must need a larger lag than yellow.")
        if errors:
            raise ValidationError(errors)


class Phase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    name_zh = models.CharField(_("Chinese name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    aim_zh = models.TextField(_("Chinese aim"), blank=True)
    aim_en = models.TextField(_("English aim"), blank=True)

    name = bilingual("name")
    aim = bilingual("aim")

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="unique_phase_number")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("A phase cannot end before it starts.")
        campaign = self.campaign if self.campaign_id else None
        if campaign and self.starts_on and self.starts_on < campaign.starts_on:
            errors["starts_on"] = _("The phase starts before the campaign does (%(date)s).") % {
                "date": campaign.starts_on
            }
        if campaign and self.ends_on and self.ends_on > campaign.ends_on:
            errors["ends_on"] = _("The phase ends after the campaign does (%(date)s).") % {
                "date": campaign.ends_on
            }
        if campaign and self.starts_on and self.ends_on and not errors:
            overlap = (
                campaign.phases.exclude(pk=self.pk)
                .filter(starts_on__lte=self.ends_on, ends_on__gte=self.starts_on)
                .first()
            )
            if overlap:
                errors["starts_on"] = _("The dates overlap phase %(number)s.") % {
                    "number": overlap.number
                }
        if errors:
            raise ValidationError(errors)


class KeyTask(models.Model):
    """One of the campaign's key tasks (the article's "six key tasks")."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="key_tasks")
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    code = models.CharField(
        _("code"), max_length=20, blank=True, validators=[RegexValidator(r"^[A-Za-z0-9_-]*$")]
    )
    title_zh = models.CharField(_("Chinese title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=300, blank=True)
    content_zh = models.TextField(_("Chinese content"), blank=True)
    content_en = models.TextField(_("English content"), blank=True)
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    title = bilingual("title")
    content = bilingual("content")

    class Meta:
        verbose_name = _("key task")
        verbose_name_plural = _("key tasks")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="unique_key_task_number")
        ]

    def __str__(self) -> str:
        return self.title


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ENDORSED = "endorsed", _("Endorsed by the unit head")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")


class WorkPlan(models.Model):
    """A unit's work plan for a campaign: its measures, grouped by key task.

    Workflow: draft → submitted (liaison) → endorsed (unit head) → approved or
    returned (office); returned goes back to draft. Each submission freezes a
    WorkPlanVersion, so the office compares it with the last approved one.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="work_plans")
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="work_plans"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    summary = models.TextField(_("summary"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    endorsed_at = models.DateTimeField(_("endorsed at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    office_comment = models.TextField(_("office's comment"), blank=True)
    approved_version = models.PositiveIntegerField(_("approved version"), null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("work plan")
        verbose_name_plural = _("work plans")
        ordering = ["campaign", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="one_plan_per_unit")
        ]

    def __str__(self) -> str:
        return _("Work plan of %(unit)s") % {"unit": self.unit}

    @property
    def is_editable(self) -> bool:
        return self.status in (PlanStatus.DRAFT, PlanStatus.RETURNED, PlanStatus.APPROVED)


class PlanMeasure(models.Model):
    """One measure of a work plan; an approved measure becomes a task on the ledger."""

    plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="measures")
    key_task = models.ForeignKey(
        KeyTask,
        verbose_name=_("key task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    title = models.CharField(_("measure"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner_name = models.CharField(_("responsible person"), max_length=80, blank=True)
    deadline = models.DateField(_("deadline"))
    milestones = models.JSONField(
        _("milestones"), default=list, blank=True, help_text=_("A list of {title, due} steps.")
    )

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_measure_number")
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.plan_id and self.deadline:
            campaign = self.plan.campaign
            if not (campaign.starts_on <= self.deadline <= campaign.ends_on):
                raise ValidationError(
                    {
                        "deadline": _(
                            "The deadline must fall within the campaign (%(start)s to %(end)s)."
                        )
                        % {"start": campaign.starts_on, "end": campaign.ends_on}
                    }
                )
        if self.key_task_id and self.plan_id and self.key_task.campaign_id != self.plan.campaign_id:
            raise ValidationError({"key_task": _("That key task belongs to another campaign.")})

    def as_snapshot(self) -> dict:
        return {
            "number": self.number,
            "key_task": self.key_task_id,
            "title": self.title,
            "description": self.description,
            "owner_name": self.owner_name,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "milestones": self.milestones,
        }


class WorkPlanVersion(models.Model):
    """The plan as it stood when submitted (kept for ever, compared by the office)."""

    plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    summary = models.TextField(blank=True)
    measures = models.JSONField(default=list)
    submitted_by = models.ForeignKey(
        "org.User", null=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.SUBMITTED
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("work plan version")
        verbose_name_plural = _("work plan versions")
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_plan_version")
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"
