"""Imports of tasks and progress reports from Excel, and their reports.

The job row and its statuses are every app's (`campaigndesk.core.import_jobs`). The
ledger rows an import writes are audited by the actions it calls; the job itself is
bookkeeping.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from campaigndesk.campaigns.models import Campaign
from campaigndesk.core.import_jobs import (
    FINISHED_STATUSES,
    ImportJobBase,
    ImportStatus,
    status_field,
)

__all__ = ["FINISHED_STATUSES", "ImportJob", "ImportKind", "ImportStatus"]


class ImportKind(models.TextChoices):
    TASKS = "tasks", _("New tasks")
    PROGRESS = "progress", _("Progress reports")


class ImportJob(ImportJobBase):
    """An import of new tasks or of progress reports. Its report:
    {"errors": [{"row": 5, "column": "...", "message": "..."}], "error_count": n,
    "written": n, "notice": "..."}."""

    kind = models.CharField(_("kind"), max_length=12, choices=ImportKind.choices)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = status_field(writing=_("Writing to the ledger"))
    writing_words = ngettext_lazy(
        "Writing %(count)s row to the ledger in one transaction.",
        "Writing %(count)s rows to the ledger in one transaction.",
        "count",
    )

    class Meta(ImportJobBase.Meta):
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="import_owner_created")]
