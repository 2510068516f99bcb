"""The office's other suggestion screens under /api/v1/: overdue answers, publication
(publish, take off, pick the outstanding ones 优秀建议), the figures, and the offline
import with its jobs and template.

Each calls what its screen calls: the screens' filter forms (`suggestions.forms`), the
keyset pager (`suggestions.queries.keyset_page`: no COUNT, a deep page costs what the
first does), `stats.figures`, `actions.publish` and `import_jobs.start_import`. A bad
filter is a 422 with the form's message; only the office (`suggestions.triage`; the
figures: `suggestions.view_figures`) gets past the door.

This router is added before the suggestions router: its fixed paths
(/suggestions/overdue, ...) must be matched before /suggestions/{suggestion_id}.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.decorators import decorate_view
from ninja.responses import Response
from ninja.responses import Status as Reply
from pydantic import StringConstraints

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign
from campaigndesk.campaigns.queries import current_campaign
from campaigndesk.core.uploads import XLSX
from campaigndesk.ledger.workdays import for_campaign
from campaigndesk.org import access
from campaigndesk.suggestions import actions, import_jobs, importing, stats
from campaigndesk.suggestions import queries as suggestion_queries
from campaigndesk.suggestions.forms import (
    PUBLISHABLE,
    FiguresForm,
    OverdueFilter,
    PublicationFilter,
)
from campaigndesk.suggestions.models import ImportStatus, SuggestionImportJob
from campaigndesk.suggestions.scan import escalated_to_office

from .auth import person
from .common import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Id,
    Page,
    PageQuery,
    SearchText,
    StrictQuery,
    form_refusal,
    keyset_page,
    limit_body,
    responses,
)
from .org import UnitRef
from .suggestions import (
    NO_SUCH_UNIT,
    SuggestionRow,
    _refusal,
    json_page,
    row_values,
    suggestion_rows,
)

router = Router(tags=["suggestions"])

Cursor = Annotated[str, StringConstraints(max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]
YesNo = Literal["yes", "no"]
PublicationOp = Literal["publish", "unpublish", "outstanding", "not_outstanding"]
ImportStatusCode = Literal[tuple(ImportStatus.values)]  # type: ignore[valid-type]

BAD_CURSOR = gettext_lazy("This is not a cursor of this list: follow `next` from the last page.")
NO_SUCH_SUGGESTION = gettext_lazy("There is no such suggestion among those you can see.")
NO_CAMPAIGN = gettext_lazy("No campaign is under way: choose one.")
NO_SUCH_CAMPAIGN = gettext_lazy("There is no such campaign taking suggestions.")


# --- what the lists share ---------------------------------------------------------------------


def _page(
    request: HttpRequest, qs: Any, sort: str, cursor: str | None, limit: int
) -> suggestion_queries.KeysetPage:
    """One page by the screens' keyset pager; a cursor of another list is a 422 (the
    screens start again from the first page instead)."""
    field, _desc = suggestion_queries.SORTS[sort]
    if cursor and suggestion_queries._decode(cursor, field) is None:
        raise ValidationError({"cursor": BAD_CURSOR})
    return suggestion_queries.keyset_page(qs, sort, cursor, limit)


def _next(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params = request.GET.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


class ListQuery(StrictQuery):
    cursor: Cursor | None = Field(None, description="Where the page starts: follow `next`.")  # type: ignore[valid-type]
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}."
    )


# --- overdue answers --------------------------------------------------------------------------


class OverdueQuery(ListQuery):
    campaign: Id | None = Field(None, description="Leave out for every campaign.")
    unit: Id | None = Field(None, description="Answered by this unit or a unit below it.")


class OverdueRow(SuggestionRow):
    days_late: int = Field(description="Working days past the answer's deadline, today.")
    escalated: bool = Field(description="Whether the office was told it is overdue.")


class OverduePage(Schema):
    items: list[OverdueRow]
    count: None = Field(None, description="Always null: the list is not counted.")
    next: str | None = Field(description="The address of the next page; null on the last.")


@router.get(
    "/suggestions/overdue",
    response=responses(OverduePage, 403),
    summary="List overdue answers",
)
def list_overdue(request: HttpRequest, filters: Query[OverdueQuery]) -> Any:
    """Answers past their deadline (routed, accepted or awaiting the unit head), the most
    overdue first, with how many working days late and whether the office was told: the
    desk's overdue list. Pages by key: follow `next`."""
    user = person(request)
    access.require(user, "suggestions.triage")
    data: dict[str, Any] = {}
    if filters.campaign is not None:
        data["campaign"] = filters.campaign
    if filters.unit is not None:
        unit = access.visible_units(user).filter(pk=filters.unit, is_active=True).first()
        if unit is None:
            raise ValidationError({"unit": NO_SUCH_UNIT})
        data["unit"] = unit.code  # the screen's unit field takes the code
    form = OverdueFilter(data, user)
    if not form.is_valid():
        raise form_refusal(form)
    today = clock.today()
    qs = (
        form.queryset(today)
        .select_related("category", "key_task", "district", "unit", "campaign__calendar")
        .annotate(escalated=escalated_to_office())
    )
    page = _page(request, qs, "due", filters.cursor, filters.limit)
    calendars: dict[int, Any] = {}
    items = suggestion_rows([row_values(s) for s in page.items])
    for s, item in zip(page.items, items, strict=True):
        if s.campaign_id not in calendars:
            calendars[s.campaign_id] = for_campaign(s.campaign)
        item["days_late"] = calendars[s.campaign_id].count_between(s.answer_due, today)
        item["escalated"] = bool(s.escalated)  # type: ignore[attr-defined]
    body = {"items": items, "count": None, "next": _next(request, page.next_cursor)}
    return json_page(request, body)


# --- publication ------------------------------------------------------------------------------


class PublicationQuery(ListQuery):
    campaign: Id | None = Field(None, description="Leave out for every campaign.")
    status: Literal["answered", "closed"] | None = Field(
        None, description="Leave out for answered or closed."
    )
    published: YesNo | None = None  # type: ignore[valid-type]
    outstanding: YesNo | None = None  # type: ignore[valid-type]
    q: SearchText | None = Field(None, description="Part of the title or text, or the number.")


class PublicationPage(Schema):
    items: list[SuggestionRow]
    count: None = Field(None, description="Always null: the list is not counted.")
    next: str | None = Field(description="The address of the next page; null on the last.")


@router.get(
    "/suggestions/publication",
    response=responses(PublicationPage, 403),
    summary="List answered suggestions to publish",
)
def list_publication(request: HttpRequest, filters: Query[PublicationQuery]) -> Any:
    """Answered and closed suggestions, newest first, to publish on the portal and to pick
    the outstanding ones (优秀建议): the desk's publication list."""
    user = person(request)
    access.require(user, "suggestions.triage")
    data = {
        name: getattr(filters, name)
        for name in ("campaign", "status", "published", "outstanding", "q")
        if getattr(filters, name) is not None
    }
    form = PublicationFilter(data, user)
    if not form.is_valid():
        raise form_refusal(form)
    qs = form.queryset().select_related("category", "key_task", "district", "unit")
    page = _page(request, qs, "-received", filters.cursor, filters.limit)
    items = suggestion_rows([row_values(s) for s in page.items])
    return json_page(
        request, {"items": items, "count": None, "next": _next(request, page.next_cursor)}
    )


class PublicationIn(Schema):
    model_config = {"extra": "forbid"}

    suggestions: list[Id] = Field(min_length=1, max_length=actions.MAX_BATCH)
    op: PublicationOp = Field(  # type: ignore[valid-type]
        description="publish, unpublish (take off the portal), outstanding or not_outstanding."
    )


class ChangedOut(Schema):
    changed: int


@router.post(
    "/suggestions/publication",
    response=responses(ChangedOut, 400, 403),
    summary="Publish, take off or pick outstanding suggestions",
)
def apply_publication(
    request: HttpRequest, payload: PublicationIn, query: Query[StrictQuery]
) -> Any:
    """Up to 500 suggestions at once, all or none: publish them on the portal (without
    contact details), take them off, or mark (or unmark) them as outstanding. One at a
    time: POST /suggestions/{id}/publish."""
    user = person(request)
    access.require(user, "suggestions.triage")
    wanted = set(payload.suggestions)
    chosen = list(suggestion_queries.visible_suggestions(user).filter(pk__in=wanted))
    if len(chosen) != len(wanted):
        raise ValidationError({"suggestions": NO_SUCH_SUGGESTION})
    op = payload.op
    with transaction.atomic():
        for s in chosen:
            if op in ("publish", "unpublish"):
                actions.publish(user, s, published=op == "publish")
            elif s.status not in PUBLISHABLE:
                raise ValidationError(
                    _("%(number)s is not answered, so it cannot be marked as outstanding.")
                    % {"number": s.tracking_number}
                )
            else:
                actions.publish(user, s, published=s.is_published, outstanding=op == "outstanding")
    return {"changed": len(chosen)}


# --- figures ------------------------------------------------------------------------------------


class FiguresQuery(StrictQuery):
    campaign: Id | None = Field(None, description="Leave out for the campaign under way.")
    start: dt.date | None = Field(None, description="First day (default: 30 days to `end`).")
    end: dt.date | None = Field(None, description="Last day (default: today).")


class DayOut(Schema):
    day: dt.date
    count: int


class TallyOut(Schema):
    id: int | None = Field(description="The category's or district's id; null: none given.")
    label: str
    count: int


class UnitFiguresOut(Schema):
    unit: UnitRef
    routed: int
    answered: int
    on_time: int
    late: int
    overdue: int = Field(description="Awaiting an answer past its deadline, today.")
    rated: int
    satisfied: int
    basic: int
    not_satisfied: int
    on_time_rate: int | None = Field(description="Percent answered on time; null before any.")
    satisfaction_rate: int | None = Field(
        description="Percent of rated answers found satisfying or basically so."
    )


class FiguresOut(Schema):
    campaign_id: int
    start: dt.date
    end: dt.date
    total: int
    days: list[DayOut]
    categories: list[TallyOut]
    districts: list[TallyOut]
    units: list[UnitFiguresOut]
    not_routed: int = Field(description="Received in the range and not (or no longer) routed.")


def _tallies(rows: list[stats.Tally]) -> list[dict[str, Any]]:
    return [{"id": getattr(r.key, "pk", None), "label": r.label, "count": r.count} for r in rows]


@router.get(
    "/suggestions/figures",
    response=responses(FiguresOut, 403),
    summary="Suggestion figures",
)
def suggestion_figures(request: HttpRequest, filters: Query[FiguresQuery]) -> Any:
    """The figures page: suggestions by day, category and district; by answering unit how
    many were answered on time, late or are overdue now, and the citizens' verdicts. At
    most 400 days; with one end only, 30 days from or up to it. Spam is left out."""
    user = person(request)
    access.require(user, "suggestions.view_figures")
    data = {
        name: getattr(filters, name)
        for name in ("campaign", "start", "end")
        if getattr(filters, name) is not None
    }
    form = FiguresForm(data)
    if not form.is_valid():
        raise form_refusal(form)
    today = clock.today()
    start, end = stats.default_range(today)
    span = dt.timedelta(days=stats.DEFAULT_DAYS - 1)
    first, last = form.cleaned_data["start"], form.cleaned_data["end"]
    if first and last:
        start, end = first, last
    elif first:
        start, end = first, first + span
    elif last:
        start, end = last - span, last
    campaign = form.cleaned_data["campaign"] or current_campaign()
    if campaign is None:
        raise ValidationError({"campaign": NO_CAMPAIGN})
    found = stats.figures(campaign, start, end, today)
    units = [
        {
            **{k: getattr(f, k) for k in UnitFiguresOut.model_fields if k != "unit"},
            "unit": f.unit,
        }
        for f in found.units.units
    ]
    return {
        "campaign_id": campaign.pk,
        "start": start,
        "end": end,
        "total": found.total,
        "days": [{"day": d.day, "count": d.count} for d in found.days],
        "categories": _tallies(found.categories),
        "districts": _tallies(found.districts),
        "units": units,
        "not_routed": found.units.not_routed,
    }


# --- offline import -------------------------------------------------------------------------------


class ProblemOut(Schema):
    row: int | None = Field(description="The sheet's row; null for the file as a whole.")
    column: str = Field(description="The column's heading, empty for the whole row.")
    field: str = Field("", description="The column's key (title, body, ...).")
    message: str


class ImportReportOut(Schema):
    ok: bool = False
    rows: int = 0
    written: int = Field(0, description="Suggestions taken in.")
    problems: list[ProblemOut] = []
    notice: str = Field("", description="Why the whole file stopped, if it did.")


class SuggestionImportJobOut(Schema):
    """An import: finished at once (201, `id` null: a short file leaves no job) or queued
    (202: follow GET /suggestions/imports/{id} until `finished`)."""

    id: int | None
    campaign_id: int
    file_name: str
    status: ImportStatusCode  # type: ignore[valid-type]
    status_label: str
    finished: bool
    total_rows: int
    done_rows: int
    created_at: dt.datetime | None
    finished_at: dt.datetime | None
    url: str | None = Field(description="The job's page on the desk.")
    report: ImportReportOut | None = Field(description="null until the job has finished.")


class SuggestionImportJobRow(Schema):
    id: int
    campaign_id: int
    file_name: str
    status: ImportStatusCode  # type: ignore[valid-type]
    status_label: str
    finished: bool
    total_rows: int
    done_rows: int
    created_at: dt.datetime
    finished_at: dt.datetime | None


class SuggestionImportJobPage(Page[SuggestionImportJobRow]):
    pass


def _job(job: SuggestionImportJob, report: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": job.pk,
        "campaign_id": job.campaign_id,
        "file_name": job.file_name,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "finished": job.is_finished,
        "total_rows": job.total_rows,
        "done_rows": job.done_rows,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }
    if report:
        out["url"] = reverse("suggestions_import:job", args=[job.pk])
        finished = job.is_finished and isinstance(job.report, dict)
        out["report"] = job.report if finished else None
    return out


@router.post(
    "/suggestions/imports",
    response={
        **responses(SuggestionImportJobOut, 400, 403, 413, ok_status=201),
        202: SuggestionImportJobOut,
    },
    summary="Import suggestions gathered offline, as a job (.xlsx)",
)
@decorate_view(limit_body(importing.MAX_IMPORT_BYTES))
def start_suggestion_import(
    request: HttpRequest,
    file: File[UploadedFile],
    campaign: Form[Id],
    query: Query[StrictQuery],
) -> Any:
    """The desk's upload page (multipart: `file`, `campaign`). Every row is checked
    before any is taken in, then all or none. Up to 200 rows: 201 with the finished import,
    or 422 with nothing written and each problem in `errors` (`loc` is ["file", row,
    column key]). Longer files: 202 with the queued job; follow
    GET /suggestions/imports/{id} until `finished`. At most 20,000 rows and 10 MB."""
    user = person(request)
    access.require(user, "suggestions.triage")
    target = Campaign.objects.filter(pk=campaign, accepts_suggestions=True).first()
    if target is None:
        raise ValidationError({"campaign": NO_SUCH_CAMPAIGN})
    result = import_jobs.start_import(
        user, file, target, language=getattr(request, "LANGUAGE_CODE", "")
    )
    if isinstance(result, importing.ImportReport):
        return Response(_refusal(result), status=422, json_dumps_params={"ensure_ascii": False})
    if isinstance(result, SuggestionImportJob):
        return Reply(202, _job(result))
    return Reply(
        201,
        {
            "id": None,
            "campaign_id": target.pk,
            "file_name": importing._file_name(file)[:200],
            "status": ImportStatus.DONE,
            "status_label": str(ImportStatus.DONE.label),
            "finished": True,
            "total_rows": result,
            "done_rows": result,
            "created_at": None,
            "finished_at": clock.now(),
            "url": None,
            "report": {"ok": True, "rows": result, "written": result},
        },
    )


@router.get(
    "/suggestions/imports",
    response=responses(SuggestionImportJobPage, 403),
    summary="List my long suggestion imports",
)
def list_suggestion_imports(request: HttpRequest, filters: Query[PageQuery]) -> Any:
    """The caller's own queued imports (long files), newest first; reports at
    /suggestions/imports/{id}."""
    user = person(request)
    access.require(user, "suggestions.triage")
    jobs = SuggestionImportJob.objects.filter(created_by_id=user.pk).defer("report")
    page = keyset_page(request, jobs, filters, order=["-created_at", "-id"])
    page["items"] = [_job(j, report=False) for j in page["items"]]
    return page


class TemplateQuery(StrictQuery):
    campaign: Id | None = Field(
        None, description="Whose categories and districts the drop-down lists offer."
    )


@router.get(
    "/suggestions/imports/template",
    response=responses(None, 403),
    summary="Download the suggestion import template (.xlsx)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The template as an .xlsx workbook.",
                "content": {XLSX.content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def suggestion_import_template(request: HttpRequest, query: Query[TemplateQuery]) -> Any:
    """The template with the drop-down lists of the chosen (or the current) campaign."""
    user = person(request)
    access.require(user, "suggestions.triage")
    campaign = None
    if query.campaign is not None:
        campaign = Campaign.objects.filter(pk=query.campaign).first()
        if campaign is None:
            raise ValidationError({"campaign": NO_SUCH_CAMPAIGN})
    campaign = campaign or current_campaign()
    return FileResponse(
        io.BytesIO(importing.build_template(campaign)),
        as_attachment=True,
        filename=importing.TEMPLATE_NAME,
        content_type=XLSX.content_type,
    )


@router.get(
    "/suggestions/imports/{job_id}",
    response=responses(SuggestionImportJobOut, 403, 404),
    summary="Get a suggestion import's status",
)
def get_suggestion_import(request: HttpRequest, job_id: Id, query: Query[StrictQuery]) -> Any:
    """One of the caller's imports: its progress while it runs, then its report. Anyone
    else's is a 404."""
    user = person(request)
    access.require(user, "suggestions.triage")
    return _job(import_jobs.get_job_for_user(user, job_id))
