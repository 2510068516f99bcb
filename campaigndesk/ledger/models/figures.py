"""The dashboard's figures, kept in the database between requests.

`LedgerStamp` is a campaign's ledger version: every write to its tasks, their co-units,
its phases or its reporting periods adds one, in the writing transaction (see
`ledger/figures.py`). `LedgerFigures` holds the dashboard's figures for one campaign,
one reader's scope (what they may see) and one day, as computed at a version; a row
whose version is not the stamp's is out of date and is computed again. Both live in
the database, so every app server sees the same figures, never a stale copy.
"""

from __future__ import annotations

from django.db import models

from campaigndesk.campaigns.models import Campaign


class LedgerStamp(models.Model):
    campaign = models.OneToOneField(
        Campaign, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.campaign_id}@{self.version}"


class LedgerFigures(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    # "all" for people who see the whole ledger, else a digest of their unit paths.
    scope = models.CharField(max_length=64)
    day = models.DateField()
    version = models.BigIntegerField()
    figures = models.JSONField()
    made_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "scope", "day"], name="unique_ledger_figures"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.scope}/{self.day}@{self.version}"
