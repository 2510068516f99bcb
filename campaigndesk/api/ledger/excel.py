"""Excel in and out of the ledger: the export of any filtered list, the import templates,
uploads and the import jobs.

The same functions as the desk's Excel screens (`ledger.excel`, `ledger.import_jobs`).
An import checks every row before writing any and writes all or none: a small file is
imported in the request (201, or 422 with the report row by row); a long one is queued
(202) and its job is followed at /imports/{job_id}.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.decorators import decorate_view
from ninja.responses import Response, Status

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign
from campaigndesk.campaigns.queries import current_campaign
from campaigndesk.ledger.excel import (
    MAX_IMPORT_BYTES,
    XLSX_CONTENT_TYPE,
    export_heading,
    write_ledger,
    write_template,
)
from campaigndesk.ledger.import_jobs import get_job_for_user, import_kinds_for, start_import
from campaigndesk.ledger.models import ImportJob, ImportKind, ImportStatus
from campaigndesk.org import access

from ..auth import person
from ..common import Id, Page, PageQuery, StrictQuery, keyset_page, limit_body, responses
from .lists import query_error
from .schemas import NO_SUCH_CAMPAIGN
from .tasks import TaskFilterParams, filter_form, form_errors

router = Router(tags=["ledger"])

# Workbooks up to this size stay in memory; bigger ones spill to a temporary file.
SPOOL_BYTES = 4 * 1024 * 1024
BLOCK_BYTES = 64 * 1024

ImportKindCode = Literal[tuple(ImportKind.values)]  # type: ignore[valid-type]
ImportStatusCode = Literal[tuple(ImportStatus.values)]  # type: ignore[valid-type]


def _xlsx(description: str) -> dict[str, Any]:
    """The 200 of an operation that answers with a workbook, for the OpenAPI document."""
    content = {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}
    return {"responses": {200: {"description": description, "content": content}}}


def _streamed(write: Any, filename: str) -> FileResponse:
    """The workbook `write(out)` builds, in a spooled temporary file streamed in blocks."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
    try:
        write(spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    response = FileResponse(
        spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
    response.block_size = BLOCK_BYTES
    return response


# --- the export -------------------------------------------------------------------------------


@router.get(
    "/tasks/export",
    response=responses(None, 403),
    summary="Export the filtered ledger (.xlsx)",
    openapi_extra=_xlsx("The tasks as an .xlsx workbook."),
)
def export_tasks(request: HttpRequest, filters: Query[TaskFilterParams]) -> Any:
    """Every task GET /tasks lists with the same parameters (not only one page), in the
    offices' layout and the request's language, streamed as it is written."""
    user = person(request)
    access.require(user, "ledger.view")
    form = filter_form(filters, user)
    if not form.is_valid():
        return form_errors(form)
    heading = export_heading(form.cleaned_data.get("campaign"))

    def write(out: Any) -> None:
        write_ledger(out, form.queryset(), sort=form.sort_order, heading=heading)

    return _streamed(write, _("ledger-%(date)s.xlsx") % {"date": clock.today().isoformat()})


# --- templates --------------------------------------------------------------------------------


class TemplateQuery(StrictQuery):
    campaign: Id | None = Field(
        None, description="tasks: the campaign whose key tasks and phases the template lists."
    )


@router.get(
    "/imports/templates/{kind}",
    response=responses(None, 403, 404),
    summary="Download an import template (.xlsx)",
    openapi_extra=_xlsx("The template as an .xlsx workbook."),
)
def import_template(request: HttpRequest, kind: str, query: Query[TemplateQuery]) -> Any:
    """`tasks`: the empty template for new tasks (the office); `progress`: one row per
    task the caller reports on (a unit's liaison or head)."""
    user = person(request)
    if kind not in ImportKind.values:
        raise Http404
    if kind not in import_kinds_for(user):
        raise PermissionDenied
    campaign = None
    if kind == ImportKind.TASKS:
        campaign = current_campaign()
        if query.campaign is not None:
            campaign = Campaign.objects.filter(pk=query.campaign).first()
            if campaign is None:
                return query_error("campaign", NO_SUCH_CAMPAIGN)
    names = {
        ImportKind.TASKS: _("tasks-template.xlsx"),
        ImportKind.PROGRESS: _("progress-template.xlsx"),
    }
    return _streamed(lambda out: write_template(out, kind, user, campaign), names[kind])


# --- imports ----------------------------------------------------------------------------------


class ProblemOut(Schema):
    row: int = Field(description="The sheet's row number (0: the file as a whole).")
    column: str = Field(description="The column's heading, empty for the whole row.")
    message: str


class ImportReportOut(Schema):
    errors: list[ProblemOut] = Field(description="Row by row, at most 2,000.")
    error_count: int = 0
    written: int = Field(0, description="Rows written to the ledger.")
    rows: int = 0
    skipped: int = Field(0, description="Empty rows passed over.")
    sheet: str = ""
    notice: str = Field("", description="Why the whole file stopped, if it did.")


class ImportJobRow(Schema):
    """An import in the list (its report is at /imports/{id})."""

    id: int
    kind: ImportKindCode  # type: ignore[valid-type]
    kind_label: str
    campaign_id: int | None
    file_name: str
    status: ImportStatusCode  # type: ignore[valid-type]
    status_label: str
    finished: bool = Field(description="done, refused or failed: the status stays.")
    total_rows: int
    done_rows: int = Field(description="Rows checked or written so far.")
    percent: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    url: str = Field(description="The job's page on the desk.")

    @staticmethod
    def resolve_kind_label(obj: ImportJob) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: ImportJob) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_finished(obj: ImportJob) -> bool:
        return obj.is_finished

    @staticmethod
    def resolve_url(obj: ImportJob) -> str:
        return reverse("ledger:import_job", args=[obj.pk])


class ImportJobOut(ImportJobRow):
    """An import with its report."""

    report: ImportReportOut | None = Field(description="null until the job has finished.")

    @staticmethod
    def resolve_report(obj: ImportJob) -> dict[str, Any] | None:
        if not obj.is_finished or not isinstance(obj.report, dict):
            return None
        return {"errors": [], **obj.report}


class ImportJobPage(Page[ImportJobRow]):
    pass


def _refusal(job: ImportJob) -> dict[str, Any]:
    """A refused import as the API's error: every problem in `errors`, its `loc` being
    ["file", row, column] (row 0 and no column for the file as a whole)."""
    report = job.report if isinstance(job.report, dict) else {}
    problems = report.get("errors") or []
    errors = [
        {
            "loc": ["file", *(x for x in (p.get("row"), p.get("column")) if x not in (None, ""))],
            "msg": (
                _("Row %(row)s, %(column)s: %(message)s") % {**p}
                if p.get("column")
                else _("Row %(row)s: %(message)s") % {**p}
            )
            if p.get("row")
            else p.get("message", ""),
            "type": "import",
        }
        for p in problems
    ]
    notice = report.get("notice") or ""
    if not errors and notice:
        errors = [{"loc": ["file"], "msg": notice, "type": "import"}]
    detail = _("Nothing was imported: %(count)s problems. %(first)s") % {
        "count": report.get("error_count", len(errors)),
        "first": errors[0]["msg"] if errors else "",
    }
    return {"detail": detail.strip(), "errors": errors, "job": job.pk}


@router.post(
    "/imports",
    response={
        **responses(ImportJobOut, 400, 403, 413, ok_status=201),
        202: ImportJobOut,
    },
    summary="Import new tasks or progress reports (.xlsx)",
)
@decorate_view(limit_body(MAX_IMPORT_BYTES))
def create_import(
    request: HttpRequest,
    file: File[UploadedFile],
    kind: Form[ImportKindCode],  # type: ignore[valid-type]
    query: Query[StrictQuery],
    campaign: Form[Id | None] = None,
) -> Any:
    """Upload a filled-in template (multipart: `file`, `kind`, and for `tasks` the
    `campaign`). Every row is checked before any is written, and then all are written or
    none. Up to 200 rows: 201 with the finished job, or 422 with nothing written and each
    problem in `errors` (`loc` is ["file", row, column]). Longer files: 202 with the queued
    job; follow GET /imports/{id} until `finished`. At most 20,000 rows and 10 MB."""
    user = person(request)
    kinds = import_kinds_for(user)
    if not kinds or kind not in kinds:
        raise PermissionDenied
    target = None
    if kind == ImportKind.TASKS:
        if campaign is None:
            raise ValidationError({"campaign": _("Choose the campaign the tasks belong to.")})
        target = Campaign.objects.filter(pk=campaign).first()
        if target is None:
            raise ValidationError({"campaign": NO_SUCH_CAMPAIGN})
    try:
        job = start_import(
            user, kind, file, campaign=target, language=getattr(request, "LANGUAGE_CODE", "")
        )
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    if job.status in (ImportStatus.REFUSED, ImportStatus.FAILED):
        # Response, not Status: the error schema would drop `job`.
        return Response(_refusal(job), status=422, json_dumps_params={"ensure_ascii": False})
    return Status(201 if job.is_finished else 202, job)


@router.get("/imports", response=responses(ImportJobPage), summary="List my imports")
def list_imports(request: HttpRequest, filters: Query[PageQuery]) -> Any:
    """The caller's own imports, newest first, each with its status and report."""
    user = person(request)
    jobs = ImportJob.objects.filter(created_by_id=user.pk).defer("report")
    return keyset_page(request, jobs, filters, order=["-created_at", "-id"])


@router.get(
    "/imports/{job_id}", response=responses(ImportJobOut, 404), summary="Get an import's status"
)
def get_import(request: HttpRequest, job_id: Id, query: Query[StrictQuery]) -> Any:
    """One of the caller's imports: its progress while it runs, then its report. Anyone
    else's is a 404."""
    return get_job_for_user(person(request), job_id)
