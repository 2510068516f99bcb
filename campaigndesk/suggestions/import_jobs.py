"""Offline imports as jobs: a small file is taken in during the request; a long one in
the background (django-tasks), with a progress bar the page polls (htmx).

The job row and the steps of a background run are every app's
(`campaigndesk.core.import_jobs`). Still all or nothing: every row is checked first
(`importing.check_rows`), then every row is taken in within one transaction
(`importing.write`), and the job's report keeps every problem by row and column, or how
many were taken in.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django_tasks import task

from campaigndesk.core import import_jobs
from campaigndesk.core.import_jobs import new_job, queue, run_queued
from campaigndesk.core.import_meter import ImportMeter as _Meter
from campaigndesk.org import access

from . import importing
from .models import ImportStatus, SuggestionImportJob

logger = logging.getLogger(__name__)

INLINE_ROWS = 200  # more rows than this are taken in in the background, with a progress bar


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
    job = new_job(
        SuggestionImportJob,
        user,
        importing._file_name(upload),
        len(sheet.rows),
        language,
        campaign=campaign,
    )
    queue(job, upload, run_import_job)
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
            job.finish(ImportStatus.REFUSED, _report(report))
            return job
        meter.phase(ImportStatus.WRITING)
        result = importing.write(actor, report, job.campaign, job.file_name, meter.tick)
    except PermissionDenied:
        report = importing.ImportReport()
        report.problems.append(importing.Problem(None, "", _("You may not import suggestions.")))
        job.finish(ImportStatus.REFUSED, _report(report))
        return job
    finally:
        meter.close()
    if isinstance(result, int):
        job.finish(ImportStatus.DONE, _report(report, result))
    else:
        job.finish(ImportStatus.REFUSED, _report(result))
    return job


def _failure(job: SuggestionImportJob) -> dict[str, Any]:
    return {
        "ok": False,
        "rows": job.total_rows,
        "problems": [],
        "written": 0,
        "notice": _("The import stopped on an error. Nothing was imported."),
    }


@task()
def run_import_job(job_id: int) -> str:
    """The background half of a long import."""
    return run_queued(SuggestionImportJob, job_id, run, _failure)


def get_job_for_user(user: Any, pk: Any) -> SuggestionImportJob:
    """The person's own import job, or 404 (another's is not found, not forbidden)."""
    return import_jobs.get_job_for_user(SuggestionImportJob, user, pk)
