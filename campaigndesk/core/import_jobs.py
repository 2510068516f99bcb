"""What the apps' import jobs share: the job row, its statuses and the steps of its run.

An import job records who uploaded which file, how far the import has come (for the
progress bar of a long import) and its report. A small file is imported in the request;
a long one is queued (django-tasks) and claimed by one worker. Every import is all or
nothing: the rows are checked, then written in one transaction, and the job keeps the
outcome. Each app's job model adds what its rows go into, and words the statuses for
its own people; each app's `import_jobs` module checks and writes its rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from campaigndesk import clock

logger = logging.getLogger(__name__)

PROGRESS_TEMPLATE = "core/_import_progress.html"


class ImportStatus(models.TextChoices):
    """The steps of every import job. Writing has no label here: each job model says what
    its rows are written into (`status_field`), and may word the refusals for its people."""

    QUEUED = "queued", _("Waiting to start")
    CHECKING = "checking", _("Checking the rows")
    WRITING = "writing"
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Refused: nothing was written")
    FAILED = "failed", _("Stopped by an error: nothing was written")


FINISHED_STATUSES = (ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED)


def status_field(**labels: str) -> models.CharField:
    """The status, with the labels a job model words for its own rows (by status value)."""
    choices = [(status.value, labels.get(status.value, status.label)) for status in ImportStatus]
    return models.CharField(
        _("status"), max_length=12, choices=choices, default=ImportStatus.QUEUED
    )


def import_file_path(instance: ImportJobBase, filename: str) -> str:
    return f"{instance._meta.app_label}/imports/{instance.created_by_id}/{filename}"


class ImportJobBase(models.Model):
    """An import job's row. A job model adds its `campaign` (read with every job) and
    words its `status` (`status_field`)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Kept only for imports that run in the background: the worker reads it there.
    file = models.FileField(_("file"), upload_to=import_file_path, max_length=255, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    # The report is written in the language of the person who uploaded the file.
    language = models.CharField(max_length=16)
    status = status_field()
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    done_rows = models.PositiveIntegerField(_("rows done"), default=0)
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    # A model whose files hold personal details deletes the file once the job has finished.
    delete_file_when_finished = False
    # What the job writes in its one transaction, while that gives no count: a lazy plural
    # keyed by "count" (ngettext_lazy), worded by each job model.
    writing_words: Any = ""

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

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

    @property
    def writing_note(self) -> str:
        return self.writing_words % {"count": self.total_rows}

    def finish(self, status: str, report: dict[str, Any]) -> None:
        """Record the outcome. A plain update: the job is bookkeeping, not audited."""
        self.status, self.report, self.finished_at = status, report, clock.now()
        if status == ImportStatus.DONE:
            self.done_rows = self.total_rows
        jobs = type(self).objects.filter(pk=self.pk)
        jobs.update(
            status=status, report=report, finished_at=self.finished_at, done_rows=self.done_rows
        )
        if self.delete_file_when_finished and self.file:
            self.file.delete(save=False)
            jobs.update(file="")


Job = TypeVar("Job", bound=ImportJobBase)


def new_job(
    model: type[Job], user: Any, file_name: str, rows: int, language: str, **fields: Any
) -> Job:
    return model.objects.create(
        created_by=user,
        file_name=file_name[:200],
        language=language or translation.get_language() or "zh-hans",
        total_rows=rows,
        created_at=clock.now(),
        **fields,
    )


def queue(job: ImportJobBase, upload: UploadedFile, run_task: Any) -> None:
    """Keep the file for the worker and queue the job once the request's transaction
    has committed (the worker must find the row)."""
    upload.seek(0)
    job.file.save(f"{job.pk}.xlsx", upload, save=False)
    type(job).objects.filter(pk=job.pk).update(file=job.file.name)
    transaction.on_commit(lambda: run_task.enqueue(job.pk))


def run_queued(
    model: type[Job],
    job_id: int,
    run: Callable[[Job], Any],
    failure: Callable[[Job], dict[str, Any]],
) -> str:
    """The background half of a long import, in the uploader's language. Safe when two
    workers get the same job: only the one whose conditional update claims it goes on.
    An unexpected error fails the job with the report `failure(job)`."""
    claimed = model.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.CHECKING, started_at=clock.now()
    )
    if claimed != 1:
        return "not claimed"
    job = model.objects.select_related("created_by", "campaign").get(pk=job_id)
    with translation.override(job.language):
        try:
            run(job)
        except Exception:
            logger.exception("%s %s failed", model._meta.label, job_id)
            job.finish(ImportStatus.FAILED, failure(job))
    return job.status


def get_job_for_user(model: type[Job], user: Any, pk: Any) -> Job:
    """The person's own import job, or 404 (another's is not found, not forbidden)."""
    try:
        return model.objects.select_related("campaign").get(pk=pk, created_by_id=user.pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def progress_poll(request: HttpRequest, job: ImportJobBase) -> HttpResponse | None:
    """htmx's poll of a job's page: the progress bar while the job runs, and once it has
    finished a refresh, so that the whole page shows the report. None for a plain GET."""
    if not request.headers.get("HX-Request"):
        return None
    if job.is_finished:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, PROGRESS_TEMPLATE, {"job": job})
