"""Duplicates and hot topics: MinHash band keys per suggestion, and cached topic runs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigndesk.campaigns.models import Campaign
from campaigndesk.suggestions.models import Suggestion


class SuggestionSignature(models.Model):
    """One LSH band key of a suggestion's MinHash (see triage/dedupe.py).

    `bucket` hashes the band number with the band's MinHash values, so a lookup is one
    indexed `bucket IN (...)` over the new text's band keys.
    """

    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, related_name="signatures", db_index=True
    )
    bucket = models.BigIntegerField()

    class Meta:
        verbose_name = _("duplicate signature")
        verbose_name_plural = _("duplicate signatures")
        indexes = [models.Index(fields=["bucket", "suggestion"], name="triage_sig_bucket_idx")]

    def __str__(self) -> str:
        return f"{self.suggestion_id}:{self.bucket}"


class DuplicateCandidate(models.Model):
    """A stored near-duplicate of a suggestion, found once after it arrived (or by the
    nightly backfill), so the triage queue reads a page's candidates in one indexed
    query instead of running the MinHash lookup per page (see triage/dedupe.py)."""

    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, related_name="duplicate_candidates"
    )
    candidate = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField(_("similarity"))
    found_at = models.DateTimeField(_("found at"))

    class Meta:
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "candidate"], name="unique_duplicate_candidate"
            )
        ]
        indexes = [
            models.Index(fields=["suggestion", "-similarity"], name="triage_dupcand_sim_idx")
        ]

    def __str__(self) -> str:
        return f"{self.suggestion_id}~{self.candidate_id}"


class DuplicateScan(models.Model):
    """When a suggestion's candidates were last searched for: a suggestion with no
    near-duplicate has no `DuplicateCandidate` row, and this row tells the backfill it
    need not be searched again."""

    suggestion = models.OneToOneField(
        Suggestion, on_delete=models.CASCADE, primary_key=True, related_name="duplicate_scan"
    )
    scanned_at = models.DateTimeField(_("searched at"))

    class Meta:
        verbose_name = _("duplicate search")
        verbose_name_plural = _("duplicate searches")

    def __str__(self) -> str:
        return f"{self.suggestion_id} @ {self.scanned_at}"


class TopicRun(models.Model):
    """Hot topics computed for one campaign and period, kept so pages do not recluster."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="topic_runs")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    result = models.JSONField(default=list)
    size = models.PositiveIntegerField(_("suggestions clustered"), default=0)
    seconds = models.FloatField(_("seconds to compute"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("topic run")
        verbose_name_plural = _("topic runs")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "start", "end"], name="unique_topic_run_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.start}–{self.end}"


__all__ = ["DuplicateCandidate", "DuplicateScan", "SuggestionSignature", "TopicRun"]
