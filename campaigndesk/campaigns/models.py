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
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})


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
