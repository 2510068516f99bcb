"""Learned routing: model versions, what they predicted, and what the office chose."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign
from campaigndesk.org.models import Unit

__all__ = [
    "RoutingDecision",
    "RoutingModel",
    "RoutingPrediction",
    "Target",
    "TriageSettings",
    "UnitKeyword",
]


class Target(models.TextChoices):
    UNIT = "unit", _("answering unit")
    CATEGORY = "category", _("category")


class RoutingModel(models.Model):
    """One trained version of the routing model; one active per (campaign, target)."""

    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("trained at"), default=clock.now)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty for a city-wide model."),
    )
    target = models.CharField(_("target"), max_length=10, choices=Target, default=Target.UNIT)
    trained_on = models.PositiveIntegerField(_("training rows"), default=0)
    classes = models.JSONField(_("classes"), default=list, blank=True)
    metrics = models.JSONField(_("measured quality"), default=dict, blank=True)
    blob = models.BinaryField(_("model"), editable=False)
    is_active = models.BooleanField(_("active"), default=False)
    trained_by = models.CharField(_("trained by"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "target", "version"], name="unique_routing_model_version"
            )
        ]
        indexes = [models.Index(fields=["target", "is_active"], name="routing_active_idx")]

    def __str__(self) -> str:
        return f"v{self.version} ({self.target})"

    @property
    def macro_f1(self) -> float | None:
        return (self.metrics or {}).get("macro_f1")

    @property
    def accuracy(self) -> float | None:
        return (self.metrics or {}).get("accuracy")


class RoutingPrediction(models.Model):
    """The last top-3 guess shown for a suggestion (stored when a suggestion arrives)."""

    suggestion = models.OneToOneField(
        "suggestions.Suggestion", on_delete=models.CASCADE, related_name="routing_prediction"
    )
    model = models.ForeignKey(RoutingModel, on_delete=models.CASCADE, related_name="+")
    top = models.JSONField(default=list)  # [[unit_id, confidence], ...] best first
    at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("routing prediction")
        verbose_name_plural = _("routing predictions")

    def __str__(self) -> str:
        return f"prediction for {self.suggestion_id}"


class RoutingDecision(models.Model):
    """The office routed a suggestion that had a prediction: did it follow the top guess?"""

    suggestion = models.ForeignKey(
        "suggestions.Suggestion",
        verbose_name=_("suggestion"),
        on_delete=models.CASCADE,
        related_name="routing_decisions",
    )
    model = models.ForeignKey(
        RoutingModel,
        verbose_name=_("model version"),
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    top = models.JSONField(_("top predictions"), default=list)
    chosen_unit = models.ForeignKey(
        Unit, verbose_name=_("chosen unit"), on_delete=models.PROTECT, related_name="+"
    )
    accepted = models.BooleanField(_("top guess accepted"))
    at = models.DateTimeField(_("at"), default=clock.now)

    class Meta:
        verbose_name = _("routing decision")
        verbose_name_plural = _("routing decisions")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"decision on {self.suggestion_id}"


class UnitKeyword(models.Model):
    """A word the office says belongs to a unit (cold start, before a model is trained)."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="routing_keywords"
    )
    keyword = models.CharField(_("keyword"), max_length=60)

    class Meta:
        verbose_name = _("unit keyword")
        verbose_name_plural = _("unit keywords")
        ordering = ["keyword"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "keyword"], name="unique_unit_keyword")
        ]

    def __str__(self) -> str:
        return self.keyword


class TriageSettings(models.Model):
    """Per campaign: the confidence above which new suggestions are routed automatically."""

    campaign = models.OneToOneField(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+"
    )
    auto_route_threshold = models.FloatField(
        _("auto-route threshold"),
        null=True,
        blank=True,
        help_text=_("Between 0 and 1; empty means suggestions are never routed automatically."),
    )

    class Meta:
        verbose_name = _("triage settings")
        verbose_name_plural = _("triage settings")

    def __str__(self) -> str:
        return f"triage settings of {self.campaign_id}"
