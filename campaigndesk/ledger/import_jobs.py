"""Import jobs: writing checked rows to the ledger all or nothing, in the request for a
small file or as a background task (django-tasks) for a long one. The job row, its
progress meter and the steps of a background run are every app's
(`campaigndesk.core.import_jobs`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.core import import_jobs
from campaigndesk.core.import_jobs import new_job, queue, run_queued
from campaigndesk.core.import_meter import ImportMeter as _Meter
from campaigndesk.org import access
from campaigndesk.org.access import UNIT_ROLES

from . import actions
from .importing import (
    FileProblem,
    ProgressRow,
    Report,
    Sheet,
    TaskRow,
    Tick,
    check_file,
    check_progress_rows,
    check_task_rows,
    no_tick,
    read_sheet,
)
from .models import ImportJob, ImportKind, ImportStatus

logger = logging.getLogger(__name__)

INLINE_ROWS = 200  # more rows than this run in the background, with a progress bar


# --- writing ---------------------------------------------------------------------------------


class _Abort(Exception):
    pass


def _messages(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    if isinstance(exc, PermissionDenied):
        return _("You may not do this.")
    return str(exc)


def write_rows(
    actor: Any,
    kind: str,
    campaign: Any,
    rows: Sequence[TaskRow] | Sequence[ProgressRow],
    report: Report,
    tick: Tick = no_tick,
) -> int:
    """Write every checked row in one transaction; on any refusal, write none. Returns
    how many rows were written (0 when rolled back, with the reason in the report)."""
    current: int | None = None
    try:
        with transaction.atomic():
            for done, row in enumerate(rows, start=1):
                current = row.number
                try:
                    if kind == ImportKind.TASKS:
                        assert isinstance(row, TaskRow)
                        actions.create_task(actor, campaign=campaign, **row.fields)
                    else:
                        assert isinstance(row, ProgressRow)
                        actions.report_progress(
                            actor,
                            row.task,
                            row.period,
                            progress=row.progress,
                            text=row.text,
                            problems=row.problems,
                        )
                except (ValidationError, PermissionDenied) as exc:
                    report.add(row.number, None, _messages(exc))
                    raise _Abort from exc
                if done % 50 == 0:
                    tick(done)
    except _Abort:
        return 0
    except Exception:  # anything else is rolled back too, and the row is named
        logger.exception("import stopped at row %s", current)
        report.add(
            current or 0,
            None,
            _("An unexpected error stopped the import at this row. Nothing was written."),
        )
        return 0
    tick(len(rows))
    return len(rows)


# --- jobs --------------------------------------------------------------------------------------


def import_kinds_for(user: Any) -> list[str]:
    """What the person may import: the office new tasks; a unit's people their progress."""
    kinds = []
    if access.can(user, "ledger.create_task"):
        kinds.append(ImportKind.TASKS)
    if access.grants(user).has(*UNIT_ROLES):
        kinds.append(ImportKind.PROGRESS)
    return kinds


def _run(job: ImportJob, sheet: Sheet, *, live: bool) -> ImportJob:
    """Check every row, then write them all or none; the job holds the outcome."""
    actor = job.created_by
    access.forget_grants(actor)
    meter = _Meter(job, live)
    report = Report(sheet)
    try:
        with trail.source(f"import:{job.pk}"):
            meter.phase(ImportStatus.CHECKING)
            rows: list[Any]
            if job.kind == ImportKind.TASKS:
                if not access.can(actor, "ledger.create_task"):
                    raise PermissionDenied
                rows = check_task_rows(actor, job.campaign, sheet, report, meter.tick)
            else:
                rows = check_progress_rows(actor, sheet, report, meter.tick)
            if report.error_count:
                job.finish(ImportStatus.REFUSED, report.as_dict())
                return job
            meter.phase(ImportStatus.WRITING)
            written = write_rows(actor, job.kind, job.campaign, rows, report, meter.tick)
    except PermissionDenied:
        report.add(0, None, _("You may not import this kind of file."))
        job.finish(ImportStatus.REFUSED, report.as_dict())
        return job
    finally:
        meter.close()
    job.finish(ImportStatus.DONE if written else ImportStatus.REFUSED, report.as_dict(written))
    return job


def start_import(
    user: Any, kind: str, upload: UploadedFile, *, campaign: Any = None, language: str = ""
) -> ImportJob:
    """Check the file, then import it now (small) or queue it (long). Raises
    ValidationError for a file that cannot be imported at all; nothing is kept then."""
    if kind not in import_kinds_for(user):
        raise PermissionDenied
    if kind == ImportKind.TASKS and campaign is None:
        raise ValidationError(_("Choose the campaign the tasks belong to."))
    check_file(upload)
    try:
        sheet = read_sheet(upload, kind)
    except FileProblem as exc:
        raise ValidationError(exc.messages) from exc
    job = new_job(
        ImportJob,
        user,
        upload.name or "upload.xlsx",
        len(sheet.rows),
        language,
        kind=kind,
        campaign=campaign if kind == ImportKind.TASKS else None,
    )
    if len(sheet.rows) <= INLINE_ROWS:
        job.started_at = clock.now()
        return _run(job, sheet, live=False)
    queue(job, upload, run_import_job)
    return job


def _run_queued(job: ImportJob) -> None:
    try:
        with job.file.open("rb") as fileobj:
            sheet = read_sheet(fileobj, job.kind)
        _run(job, sheet, live=True)
    except FileProblem as exc:
        job.finish(ImportStatus.REFUSED, {"errors": [], "notice": " ".join(exc.messages)})


def _failure(job: ImportJob) -> dict[str, Any]:
    return {"errors": [], "notice": _("The import stopped on an error. Nothing was written.")}


@task()
def run_import_job(job_id: int) -> str:
    """The background half of a long import."""
    return run_queued(ImportJob, job_id, _run_queued, _failure)


def get_job_for_user(user: Any, pk: Any) -> ImportJob:
    """The person's own import job, or 404."""
    return import_jobs.get_job_for_user(ImportJob, user, pk)
