"""Files on the ledger: progress and completion reported with attachments (multipart),
and each attachment downloaded, as on the desk's task page.

The uploads take the same fields as their JSON twins (/progress, /report-done) and call
the same actions, which store each file through the audited `ledger.attach`. Every
file is checked by its content before any is stored: a bad one is a 422 and nothing
is written.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, UploadedFile
from ninja.decorators import decorate_view
from pydantic import Field

from campaigndesk.core.uploads import MAX_UPLOAD_BYTES, check_upload
from campaigndesk.ledger import actions
from campaigndesk.ledger.models import Attachment
from campaigndesk.ledger.queries import get_task_for_user

from ..auth import person
from ..common import Id, StrictQuery, limit_body, responses
from .schemas import LongText, ReportOut, TaskOut
from .workflow import UNIT, progress_step, step

router = Router(tags=["ledger"])

MAX_FILES = 10
Percent = Annotated[int, Field(ge=0, le=100, description="Percent done.")]


def _checked(files: list[UploadedFile]) -> list[UploadedFile]:
    """Every file checked by its content before any is stored (422 otherwise)."""
    if len(files) > MAX_FILES:
        raise ValidationError(
            {"files": _("Send at most %(max)s files at once.") % {"max": MAX_FILES}}
        )
    problems = []
    for upload in files:
        try:
            check_upload(upload)
        except ValidationError as exc:
            problems += exc.messages
    if problems:
        raise ValidationError({"files": problems})
    return files


def _download(description: str) -> dict[str, Any]:
    content = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    return {"responses": {200: {"description": description, "content": content}}}


@router.post(
    "/tasks/{task_id}/progress/upload",
    response={**responses(ReportOut, 400, 403, 404, 413, ok_status=201), 200: ReportOut},
    summary="Report progress with attachments",
)
@decorate_view(limit_body(MAX_FILES * MAX_UPLOAD_BYTES))
def report_progress_with_files(
    request: HttpRequest,
    task_id: Id,
    progress: Form[Percent],  # type: ignore[valid-type]
    text: Form[LongText],  # type: ignore[valid-type]
    query: Query[StrictQuery],
    problems: Form[LongText | None] = None,  # type: ignore[valid-type]
    period: Form[Id | None] = None,
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Any:
    """POST /tasks/{task_id}/progress as multipart, with up to ten `files` (PDF, images,
    Word or Excel, at most 20 MB each) attached to the period's report."""
    return progress_step(
        request,
        task_id,
        period_id=period,
        progress=progress,
        text=text,
        problems=problems or "",
        files=_checked(files or []),
    )


@router.post(
    "/tasks/{task_id}/report-done/upload",
    response=responses(TaskOut, 400, 403, 404, 413),
    summary="Report a task done with evidence files",
)
@decorate_view(limit_body(MAX_FILES * MAX_UPLOAD_BYTES))
def report_done_with_files(
    request: HttpRequest,
    task_id: Id,
    note: Form[LongText],  # type: ignore[valid-type]
    query: Query[StrictQuery],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Any:
    """POST /tasks/{task_id}/report-done as multipart, with up to ten evidence `files`
    (PDF, images, Word or Excel, at most 20 MB each) for the office to verify."""
    checked = _checked(files or [])
    return step(request, task_id, UNIT, lambda a, t: actions.report_done(a, t, note, checked))


@router.get(
    "/attachments/{attachment_id}",
    response=responses(None, 403, 404),
    summary="Download an attachment",
    url_name="attachment",
    openapi_extra=_download("The file, as it was uploaded."),
)
def download_attachment(request: HttpRequest, attachment_id: Id, query: Query[StrictQuery]) -> Any:
    """A file attached to a task or a progress report, for whoever sees the task."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    get_task_for_user(person(request), attachment.task_id)  # 404 outside the caller's units
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
