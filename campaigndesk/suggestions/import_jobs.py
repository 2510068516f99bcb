"""Offline imports as jobs: a small file is taken in during the request; a long one in
the background (django-tasks), with a progress bar the page polls (htmx).

The pattern is the ledger's (`campaigndesk/ledger/import_jobs.py`); its job model names
ledger kinds, so suggestions keep a small parallel one (`SuggestionImportJob`). Still
all or nothing: every row is checked first (`importing.check_rows`), then every row is
taken in within one transaction (`importing.write`), and the job's report keeps every
problem by row and column, or how many were taken in.

The counters of the progress bar: while rows are checked (no transaction open) they
are plain updates; while rows are written, inside the one transaction, no other
connection could see such an update, so on PostgreSQL they go through a second
connection, and on SQLite (one writer at a time) the count shows when the job ends.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from campaigndesk import clock
from campaigndesk.core.import_meter import ImportMeter as _Meter
from campaigndesk.org import access

from . import importing
from .models import ImportStatus, SuggestionImportJob

logger = logging.getLogger(__name__)

INLINE_ROWS = 200  # more rows than this are taken in in the background, with a progress bar


def _finish(job: SuggestionImportJob, status: str, report: dict[str, Any]) -> None:
    job.status, job.report, job.finished_at = status, report, clock.now()
    if status == ImportStatus.DONE:
        job.done_rows = job.total_rows
    SuggestionImportJob.objects.filter(pk=job.pk).update(
        status=status, report=report, finished_at=job.finished_at, done_rows=job.done_rows
    )
    if job.file:
        # It holds citizens' names and phone numbers: kept no longer than needed.
        job.file.delete(save=False)
        SuggestionImportJob.objects.filter(pk=job.pk).update(file="")


def _report(report: importing.ImportReport, written: int = 0) -> dict[str, Any]:
    return {**report.as_dict(), "written": written}


def start_import(
    user: Any, upload: UploadedFile, campaign: Any, *, language: str = ""
) -> int | importing.ImportReport | SuggestionImportJob:
    """Check the file and take it in now (a small one: the count, or the report of its
    problems, as `importing.import_rows`) or queue it (a long one: the job, whose page
    shows the progress and then the report). PermissionDenied for anyone but the office."""
    access.require(user, "suggestions.triage")
    report, sheet = importing.read(upload, campaign)
    if sheet is None:
        return report
    if len(sheet.rows) <= INLINE_ROWS:
        importing.check_rows(report, sheet, campaign)
        if not report.ok:
            return report
        return importing.write(user, report, campaign, importing._file_name(upload))
    job = SuggestionImportJob.objects.create(
        created_by=user,
        campaign=campaign,
        file_name=importing._file_name(upload)[:200],
        language=language or translation.get_language() or "zh-hans",
        total_rows=len(sheet.rows),
        created_at=clock.now(),
    )
    upload.seek(0)
    job.file.save(f"{job.pk}.xlsx", upload, save=False)
    SuggestionImportJob.objects.filter(pk=job.pk).update(file=job.file.name)
    transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


def run(job: SuggestionImportJob) -> SuggestionImportJob:
    """Read, check and take in the job's file, all or nothing; the job holds the outcome."""
    meter = _Meter(job)
    actor = job.created_by
    access.forget_grants(actor)
    try:
        meter.phase(ImportStatus.CHECKING)
        with job.file.open("rb") as fileobj:
            report, sheet = importing.read(fileobj, job.campaign)
            if sheet is not None:
                importing.check_rows(report, sheet, job.campaign, meter.tick)
        if not report.ok:
            _finish(job, ImportStatus.REFUSED, _report(report))
            return job
        meter.phase(ImportStatus.WRITING)
        result = importing.write(actor, report, job.campaign, job.file_name, meter.tick)
    except PermissionDenied:
        report = importing.ImportReport()
        report.problems.append(importing.Problem(None, "", _("You may not import suggestions.")))
        _finish(job, ImportStatus.REFUSED, _report(report))
        return job
    finally:
        meter.close()
    if isinstance(result, int):
        _finish(job, ImportStatus.DONE, _report(report, result))
    else:
        _finish(job, ImportStatus.REFUSED, _report(result))
    return job


@task()
def run_import_job(job_id: int) -> str:
    """The background half of a long import. Safe when two workers get the same job:
    only the one whose conditional update claims it goes on."""
    claimed = SuggestionImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.CHECKING, started_at=clock.now()
    )
    if claimed != 1:
        return "not claimed"
    job = SuggestionImportJob.objects.select_related("created_by", "campaign").get(pk=job_id)
    with translation.override(job.language):
        try:
            run(job)
        except Exception:
            logger.exception("suggestion import job %s failed", job_id)
            report = {
                "ok": False,
                "rows": job.total_rows,
                "problems": [],
                "written": 0,
                "notice": _("The import stopped on an error. Nothing was imported."),
            }
            _finish(job, ImportStatus.FAILED, report)
    return job.status


def get_job_for_user(user: Any, pk: Any) -> SuggestionImportJob:
    """The person's own import job, or 404 (another's is not found, not forbidden)."""
    try:
        return SuggestionImportJob.objects.select_related("campaign").get(
            pk=pk, created_by_id=user.pk
        )
    except (SuggestionImportJob.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
