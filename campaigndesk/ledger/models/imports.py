"""Imports of tasks and progress reports from Excel, and their reports.

An import job records who uploaded which file, how far the import has come (for
the progress bar of a long import) and its row-by-row report. The ledger rows an
import writes are audited by the actions it calls; the job itself is bookkeeping.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigndesk.campaigns.models import Campaign


class ImportKind(models.TextChoices):
    TASKS = "tasks", _("New tasks")
    PROGRESS = "progress", _("Progress reports")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    CHECKING = "checking", _("Checking the rows")
    WRITING = "writing", _("Writing to the ledger")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Refused: nothing was written")
    FAILED = "failed", _("Stopped by an error: nothing was written")


FINISHED_STATUSES = (ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED)


def import_file_path(instance: ImportJob, filename: str) -> str:
    return f"ledger/imports/{instance.created_by_id}/{filename}"


class ImportJob(models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ImportKind.choices)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept only for imports that run in the background: the worker reads it there.
    file = models.FileField(_("file"), upload_to=import_file_path, max_length=255, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    # The report is written in the language of the person who uploaded the file.
    language = models.CharField(max_length=16)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    done_rows = models.PositiveIntegerField(_("rows done"), default=0)
    # {"errors": [{"row": 5, "column": "...", "message": "..."}], "error_count": n,
    #  "written": n, "notice": "..."}
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="import_owner_created")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.done_rows / self.total_rows))
