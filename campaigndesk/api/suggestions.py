"""Suggestions for the desk: the list, one suggestion, every handling step, the .xlsx
import and a campaign's categories: /suggestions/..., /campaigns/{id}/suggestion-categories.

The list shows what the caller sees (`visible_suggestions`: the whole city for the
office, the leading group and inspectors; a unit what was routed to it or below it, or
shared with it) and pages by an opaque `cursor` on (received at, id): it is never
counted, so a deep page over a million suggestions costs what the first does. Contact
details come only in a single suggestion, and only to the office and the answering
unit. Every change calls the same action as the desk's screens: a refusal is a 422
with the action's message, a suggestion outside the caller's units a 404, an action
the caller may not take a 403.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Choices, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.decorators import decorate_view
from ninja.renderers import JSONRenderer
from ninja.responses import Status as Reply
from pydantic import StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from campaigndesk.campaigns import queries as campaign_queries
from campaigndesk.campaigns.models import Campaign
from campaigndesk.core.bilingual import current_is_english
from campaigndesk.org import access
from campaigndesk.suggestions import actions, importing
from campaigndesk.suggestions.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Outcome,
    Status,
    Suggestion,
    Verdict,
)
from campaigndesk.suggestions.queries import after_q, get_suggestion_for_user, visible_suggestions

from .auth import person
from .common import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Id,
    Page,
    PageQuery,
    SearchText,
    StrictQuery,
    keyset_page,
    limit_body,
    responses,
    run_step,
    step_post,
)
from .org import UnitRef

router = Router(tags=["suggestions"])

StatusCode = Literal[tuple(Status.values)]  # type: ignore[valid-type]
OutcomeCode = Literal[tuple(Outcome.values)]  # type: ignore[valid-type]
ChannelCode = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
VerdictCode = Literal[tuple(Verdict.values)]  # type: ignore[valid-type]
DismissCode = Literal[Status.OUT_OF_SCOPE.value, Status.SPAM.value]  # type: ignore[valid-type]
SortCode = Literal["-received", "received"]

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL


def _text(max_length: int) -> Any:
    return Annotated[str, StringConstraints(max_length=max_length, pattern=NO_NUL)]


Note = _text(2000)
AnswerText = _text(5000)
Cursor = Annotated[str, StringConstraints(max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]

NO_SUCH_UNIT = gettext_lazy("There is no such unit among the units you can see.")
NO_SUCH_SUGGESTION = gettext_lazy("There is no such suggestion among those you can see.")
NO_SUCH_CAMPAIGN = gettext_lazy("There is no such campaign.")
BAD_CURSOR = gettext_lazy("This is not a cursor of this list: follow `next` from the last page.")


# --- output ---------------------------------------------------------------------------------


class CategoryRef(Schema):
    id: int
    code: str
    name: str = Field(description="In the request's language (falls back to the other).")
    name_zh: str
    name_en: str


class CategoryOut(CategoryRef):
    sort_order: int
    default_unit: UnitRef | None = Field(description="Where it is routed before triage learns.")


class CategoryPage(Page[CategoryOut]):
    pass


class KeyTaskRef(Schema):
    id: int
    number: int
    title: str
    title_zh: str
    title_en: str


class SuggestionRow(Schema):
    id: int
    campaign_id: int
    tracking_number: str
    title: str
    category: CategoryRef | None
    key_task: KeyTaskRef | None
    district: UnitRef | None
    channel: ChannelCode  # type: ignore[valid-type]
    channel_label: str
    status: StatusCode  # type: ignore[valid-type]
    status_label: str
    unit: UnitRef | None = Field(description="The answering unit.")
    answer_due: dt.date | None
    light: str = Field(description="green, yellow or red while an answer is owed; else none.")
    outcome: OutcomeCode | Literal[""]  # type: ignore[valid-type]
    outcome_label: str
    answered_at: dt.datetime | None
    answered_late: bool
    is_published: bool
    is_outstanding: bool
    duplicate_of_id: int | None
    created_at: dt.datetime = Field(description="When it was received.")

    @staticmethod
    def resolve_channel_label(obj: Suggestion) -> str:
        return str(obj.get_channel_display())

    @staticmethod
    def resolve_status_label(obj: Suggestion) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_outcome_label(obj: Suggestion) -> str:
        return str(obj.get_outcome_display()) if obj.outcome else ""


class SuggestionPage(Schema):
    items: list[SuggestionRow]
    count: int | None = Field(
        description="Always null: a million suggestions are not counted on every request."
    )
    next: str | None = Field(description="The address of the next page; null on the last.")


class ContactOut(Schema):
    name: str
    phone: str
    email: str


class SuggestionOut(SuggestionRow):
    body: str
    source_note: str = Field(description="Where and when an offline suggestion was gathered.")
    co_units: list[UnitRef]
    routed_at: dt.datetime | None
    accepted_at: dt.datetime | None
    answer: str
    task_deadline: dt.date | None
    task_id: int | None = Field(description="The ledger task an adoption opened.")
    answered_by: str | None
    endorsed_by: str | None
    status_note: str
    verdict: VerdictCode | Literal[""]  # type: ignore[valid-type]
    verdict_label: str
    verdict_comment: str
    verdict_at: dt.datetime | None
    published_at: dt.datetime | None
    support_count: int
    updated_at: dt.datetime
    version: int
    contact: ContactOut | None = Field(
        description="Only for the office and the answering unit; null for everyone else."
    )
    actions: list[str] = Field(description="What the caller may do now (the actions check again).")

    @staticmethod
    def resolve_co_units(obj: Suggestion) -> list[Any]:
        return obj.co_units_list  # type: ignore[attr-defined]

    @staticmethod
    def resolve_verdict_label(obj: Suggestion) -> str:
        return str(obj.get_verdict_display()) if obj.verdict else ""

    @staticmethod
    def resolve_answered_by(obj: Suggestion) -> str | None:
        return obj.answered_by.get_username() if obj.answered_by_id else None

    @staticmethod
    def resolve_endorsed_by(obj: Suggestion) -> str | None:
        return obj.endorsed_by.get_username() if obj.endorsed_by_id else None


class ImportOut(Schema):
    imported: int
    rows: int


# --- reading --------------------------------------------------------------------------------


class SuggestionFilters(StrictQuery):
    campaign: Id | None = None
    status: list[str] = Field(
        [],
        description="Repeat for several: `?status=received&status=reopened`.",
        json_schema_extra={"items": {"type": "string", "enum": list(Status.values)}},
    )
    category: Id | None = None
    unit: Id | None = Field(None, description="Answered by this unit or a unit below it.")
    district: Id | None = Field(None, description="The district concerned.")
    channel: ChannelCode | None = None  # type: ignore[valid-type]
    q: SearchText | None = Field(None, description="Part of the title or text, or the number.")
    received_from: dt.date | None = Field(None, description="Received on or after this day.")
    received_to: dt.date | None = Field(None, description="Received on or before this day.")
    sort: SortCode = Field("-received", description="-received (newest first) or received.")
    cursor: Cursor | None = Field(None, description="Where the page starts: follow `next`.")  # type: ignore[valid-type]
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}."
    )

    @field_validator("status")
    @classmethod
    def _known(cls, values: list[str], info: ValidationInfo) -> list[str]:
        if any(value not in Status.values for value in values):
            expected = ", ".join(repr(s) for s in Status.values)
            raise PydanticCustomError(
                "literal_error", "Input should be {expected}", {"expected": expected}
            )
        return values


def _query_error(field: str, message: str) -> Reply:
    msg = _("%(field)s: %(message)s") % {"field": field, "message": message}
    return Reply(
        422, {"detail": msg, "errors": [{"loc": ["query", field], "msg": msg, "type": "invalid"}]}
    )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def encode_cursor(created_at: dt.datetime, pk: int) -> str:
    raw = json.dumps([created_at.isoformat(), pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[dt.datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        value, pk = json.loads(raw)
        moment = dt.datetime.fromisoformat(value)
        if timezone.is_naive(moment) or not isinstance(pk, int) or pk < 1:
            return None
        return moment, pk
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def _rows(qs: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
    return qs.select_related("category", "key_task", "district", "unit")


# What a list row (SuggestionRow) shows, read as plain values with the joined names.
_REFS = {
    "category": ("code", "name"),
    "key_task": ("number", "title"),
    "district": ("code", "name"),
    "unit": ("code", "name"),
}
ROW_VALUES = (
    "id", "campaign_id", "tracking_number", "title", "channel", "status", "answer_due",
    "light", "outcome", "answered_at", "answered_late", "is_published", "is_outstanding",
    "duplicate_of_id", "created_at",
    *(f"{ref}__{col}" for ref, (key, text) in _REFS.items()
      for col in ("id", key, f"{text}_zh", f"{text}_en")),
)  # fmt: skip


@functools.cache
def _labels(choices: type[Choices], language: str | None) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _ref(r: dict[str, Any], ref: str, english: bool) -> dict[str, Any] | None:
    pk = r[f"{ref}__id"]
    if pk is None:
        return None
    key, text = _REFS[ref]
    zh, en = r[f"{ref}__{text}_zh"] or "", r[f"{ref}__{text}_en"] or ""
    return {
        "id": pk,
        key: r[f"{ref}__{key}"],
        text: (en or zh) if english else (zh or en),
        f"{text}_zh": zh,
        f"{text}_en": en,
    }


def suggestion_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SuggestionRow as ninja dumps it, from `ROW_VALUES`: the labels looked up once per
    language (`get_FOO_display()` hashes every lazy label on each call: a third of the
    list's time) and no model instances or schema validation per row (tests/api compare
    the two)."""
    language = get_language()
    english = current_is_english()
    channels, statuses = _labels(Channel, language), _labels(Status, language)
    outcomes = _labels(Outcome, language)
    return [
        {
            "id": r["id"],
            "campaign_id": r["campaign_id"],
            "tracking_number": r["tracking_number"],
            "title": r["title"],
            "category": _ref(r, "category", english),
            "key_task": _ref(r, "key_task", english),
            "district": _ref(r, "district", english),
            "channel": r["channel"],
            "channel_label": channels.get(r["channel"], r["channel"]),
            "status": r["status"],
            "status_label": statuses.get(r["status"], r["status"]),
            "unit": _ref(r, "unit", english),
            "answer_due": r["answer_due"],
            "light": r["light"],
            "outcome": r["outcome"],
            "outcome_label": outcomes.get(r["outcome"], r["outcome"]) if r["outcome"] else "",
            "answered_at": r["answered_at"],
            "answered_late": r["answered_late"],
            "is_published": r["is_published"],
            "is_outstanding": r["is_outstanding"],
            "duplicate_of_id": r["duplicate_of_id"],
            "created_at": r["created_at"],
        }
        for r in rows
    ]


def row_values(s: Suggestion) -> dict[str, Any]:
    """`ROW_VALUES` of a suggestion read as a model row (its references selected with
    it), for the lists that page model rows (overdue answers, publication)."""
    r = {name: getattr(s, name) for name in ROW_VALUES if "__" not in name}
    for ref, (key, text) in _REFS.items():
        o = getattr(s, ref)
        for col in ("id", key, f"{text}_zh", f"{text}_en"):
            r[f"{ref}__{col}"] = None if o is None else getattr(o, col)
    return r


_JSON = JSONRenderer()


def json_page(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    """A page built as its schema dumps it, rendered as ninja renders it, without
    validating again what the database gave."""
    content = _JSON.render(request, body, response_status=200)
    return HttpResponse(content, content_type=f"{_JSON.media_type}; charset={_JSON.charset}")


@router.get("/suggestions", response=responses(SuggestionPage, 403), summary="List suggestions")
def list_suggestions(request: HttpRequest, filters: Query[SuggestionFilters]) -> Any:
    """The suggestions the caller sees, newest first (or oldest first: the triage order),
    filtered by status, category, answering unit (and below), district, channel, text and
    the day received. A unit outside the caller's units is a 422. Pages by key on
    (received at, id): follow `next`; the list is not counted (`count` is null)."""
    user = person(request)
    access.require(user, "suggestions.view")
    qs = visible_suggestions(user)
    if filters.campaign is not None:
        qs = qs.filter(campaign_id=filters.campaign)
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.category is not None:
        qs = qs.filter(category_id=filters.category)
    if filters.unit is not None:
        unit = access.visible_units(user).filter(pk=filters.unit).first()
        if unit is None:
            return _query_error("unit", str(NO_SUCH_UNIT))
        qs = qs.filter(unit_path__startswith=unit.path)
    if filters.district is not None:
        qs = qs.filter(district_id=filters.district)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.q:
        text = filters.q.strip()
        qs = qs.filter(
            Q(title__icontains=text) | Q(body__icontains=text) | Q(tracking_number=text.upper())
        )
    if filters.received_from:
        qs = qs.filter(created_at__gte=_start_of(filters.received_from))
    if filters.received_to:
        qs = qs.filter(created_at__lt=_start_of(filters.received_to + dt.timedelta(days=1)))
    descending = filters.sort == "-received"
    qs = qs.order_by(*(["-created_at", "-id"] if descending else ["created_at", "id"]))
    if filters.cursor:
        after = _decode(filters.cursor)
        if after is None:
            return _query_error("cursor", str(BAD_CURSOR))
        # Bounded on created_at alone too, so the (created_at, id) index range-scans
        # from the cursor instead of testing the OR on every row before it.
        qs = qs.filter(after_q("created_at", *after, descending))
    rows = list(qs.values(*ROW_VALUES)[: filters.limit + 1])
    items = rows[: filters.limit]
    next_url = None
    if len(rows) > filters.limit:
        params = request.GET.copy()
        params["cursor"] = encode_cursor(items[-1]["created_at"], items[-1]["id"])
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return json_page(request, {"items": suggestion_rows(items), "count": None, "next": next_url})


def _offers(user: Any, s: Suggestion) -> list[str]:
    """What the caller may do now: the desk's buttons (the actions check again)."""
    triage = access.can(user, "suggestions.triage", s)
    handle = access.can(user, "suggestions.handle", s)
    endorse = access.can(user, "suggestions.endorse", s)
    status = s.status
    offers = {
        "route": triage and status in (Status.RECEIVED, Status.ROUTED, Status.REOPENED),
        "duplicate": triage and status in OPEN_STATUSES,
        "dismiss": triage and status in OPEN_STATUSES,
        "send-back": handle and status in (Status.ROUTED, Status.ACCEPTED),
        "accept": handle and status == Status.ROUTED,
        "answer": handle and status in (Status.ACCEPTED, Status.PENDING_ENDORSEMENT),
        "endorse": endorse and status == Status.PENDING_ENDORSEMENT,
        "return-answer": endorse and status == Status.PENDING_ENDORSEMENT,
        "close-reopened": triage and status == Status.REOPENED,
        "publish": triage and status in (Status.ANSWERED, Status.CLOSED),
    }
    return [name for name, allowed in offers.items() if allowed]


def _detail(user: Any, s: Suggestion) -> Suggestion:
    """The suggestion with everything its detail shows, for this caller."""
    s.co_units_list = list(s.co_units.order_by("path"))  # type: ignore[attr-defined]
    s.contact = (  # type: ignore[attr-defined]
        {"name": s.name, "phone": s.phone, "email": s.email}
        if access.can(user, "suggestions.view_contact", s)
        else None
    )
    s.actions = _offers(user, s)  # type: ignore[attr-defined]
    return s


DETAIL = ("category", "key_task", "district", "unit", "answered_by", "endorsed_by")


def _reread(user: Any, pk: int) -> Suggestion:
    """The suggestion after an action the caller was allowed to take. Not filtered by
    visibility: a unit that sent it back to the office still gets the answer."""
    return _detail(user, Suggestion.objects.select_related(*DETAIL).get(pk=pk))


def _acting(request: HttpRequest, suggestion_id: int) -> tuple[Any, Suggestion]:
    """The caller and the suggestion: 404 when they do not see it (the action says 403)."""
    user = person(request)
    return user, get_suggestion_for_user(user, suggestion_id)


_step = functools.partial(run_step, find=get_suggestion_for_user, answer=_reread)


def _unit(user: Any, pk: int, field: str) -> Any:
    unit = access.visible_units(user).filter(pk=pk, is_active=True).first()
    if unit is None:
        raise ValidationError({field: NO_SUCH_UNIT})
    return unit


# --- handling ---------------------------------------------------------------------------------


class RouteIn(Schema):
    model_config = {"extra": "forbid"}

    unit: Id = Field(description="The unit that answers.")
    co_units: list[Id] = Field([], max_length=20, description="Co-responsible units.")
    note: Note = ""  # type: ignore[valid-type]


class RouteManyIn(RouteIn):
    suggestions: list[Id] = Field(min_length=1, max_length=actions.MAX_BATCH)


class RoutedOut(Schema):
    routed: int


class DuplicateIn(Schema):
    model_config = {"extra": "forbid"}

    original: Id = Field(description="The suggestion this one repeats.")


class DismissIn(Schema):
    model_config = {"extra": "forbid"}

    status: DismissCode  # type: ignore[valid-type]
    note: Note = Field("", description="Required for out_of_scope: the citizen reads it.")  # type: ignore[valid-type]


class ReasonIn(Schema):
    model_config = {"extra": "forbid"}

    reason: Note  # type: ignore[valid-type]


class AnswerIn(Schema):
    model_config = {"extra": "forbid"}

    outcome: OutcomeCode  # type: ignore[valid-type]
    answer: AnswerText  # type: ignore[valid-type]
    task_deadline: dt.date | None = Field(
        None, description="Required when adopted: the deadline of the ledger task it opens."
    )


class CommentIn(Schema):
    model_config = {"extra": "forbid"}

    comment: Note  # type: ignore[valid-type]


class NoteIn(Schema):
    model_config = {"extra": "forbid"}

    note: Note  # type: ignore[valid-type]


class PublishIn(Schema):
    model_config = {"extra": "forbid"}

    published: bool = True
    outstanding: bool | None = Field(
        None, description="Mark (or unmark) it as an outstanding suggestion (优秀建议)."
    )


def _route_fields(user: Any, payload: RouteIn) -> tuple[Any, list[Any]]:
    unit = _unit(user, payload.unit, "unit")
    wanted = set(payload.co_units)
    co_units = list(access.visible_units(user).filter(pk__in=wanted, is_active=True))
    if len(co_units) != len(wanted):
        raise ValidationError({"co_units": NO_SUCH_UNIT})
    return unit, co_units


@router.post(
    "/suggestions/route",
    response=responses(RoutedOut, 400, 403),
    summary="Route many suggestions to a unit",
)
def route_many(request: HttpRequest, payload: RouteManyIn, query: Query[StrictQuery]) -> Any:
    """The office sends up to 500 suggestions to the unit that answers them, all or none."""
    user = person(request)
    access.require(user, "suggestions.triage")
    unit, co_units = _route_fields(user, payload)
    wanted = set(payload.suggestions)
    found = list(
        visible_suggestions(user).filter(pk__in=wanted).select_related("campaign__calendar")
    )
    if len(found) != len(wanted):
        raise ValidationError({"suggestions": NO_SUCH_SUGGESTION})
    return {"routed": actions.route(user, found, unit, co_units, payload.note)}


_post = step_post(router, "/suggestions/{suggestion_id}", SuggestionOut)


@_post("route", "Route a suggestion to a unit", 400)
def route(
    request: HttpRequest, suggestion_id: Id, payload: RouteIn, query: Query[StrictQuery]
) -> Any:
    """The office names the answering unit (and co-units); the answer deadline starts."""
    user, s = _acting(request, suggestion_id)
    access.require(user, "suggestions.triage")
    unit, co_units = _route_fields(user, payload)
    actions.route(user, [s], unit, co_units, payload.note)
    return _reread(user, s.pk)


@_post("duplicate", "Mark a suggestion as a duplicate", 400)
def duplicate(
    request: HttpRequest, suggestion_id: Id, payload: DuplicateIn, query: Query[StrictQuery]
) -> Any:
    """The citizen then follows the original's answer."""
    user, s = _acting(request, suggestion_id)
    access.require(user, "suggestions.triage")
    original = visible_suggestions(user).filter(pk=payload.original).first()
    if original is None:
        raise ValidationError({"original": NO_SUCH_SUGGESTION})
    actions.mark_duplicate(user, s, original)
    return _reread(user, s.pk)


@_post("dismiss", "Dismiss a suggestion as out of scope or spam", 400)
def dismiss(
    request: HttpRequest, suggestion_id: Id, payload: DismissIn, query: Query[StrictQuery]
) -> Any:
    """Out of scope needs a note the citizen reads; spam needs none."""
    return _step(
        request, suggestion_id, lambda u, s: actions.dismiss(u, s, payload.status, payload.note)
    )


@_post("send-back", "Send a suggestion back to the office", 400)
def send_back(
    request: HttpRequest, suggestion_id: Id, payload: ReasonIn, query: Query[StrictQuery]
) -> Any:
    """The answering unit says it is not its remit, and why; the office routes it again."""
    return _step(
        request, suggestion_id, lambda u, s: actions.send_back_to_office(u, s, payload.reason)
    )


@_post("accept", "Accept a suggestion")
def accept(request: HttpRequest, suggestion_id: Id, query: Query[StrictQuery]) -> Any:
    """The answering unit's liaison or head takes it on."""
    return _step(request, suggestion_id, actions.accept)


@_post("answer", "Draft the answer", 400)
def answer(
    request: HttpRequest, suggestion_id: Id, payload: AnswerIn, query: Query[StrictQuery]
) -> Any:
    """The unit drafts the answer and its outcome; it waits for the unit head. Adopted
    needs the deadline of the ledger task it will open."""
    user, s = _acting(request, suggestion_id)
    actions.draft_answer(
        user, s, outcome=payload.outcome, answer=payload.answer, task_deadline=payload.task_deadline
    )
    return _reread(user, s.pk)


@_post("endorse", "Endorse the answer")
def endorse(request: HttpRequest, suggestion_id: Id, query: Query[StrictQuery]) -> Any:
    """The unit head signs the answer off; the citizen sees it, and an adoption opens a
    ledger task (`task_id`)."""
    return _step(request, suggestion_id, actions.endorse_answer)


@_post("return-answer", "Return the draft answer", 400)
def return_answer(
    request: HttpRequest, suggestion_id: Id, payload: CommentIn, query: Query[StrictQuery]
) -> Any:
    """The unit head sends the draft back to the liaison, saying what it needs."""
    return _step(request, suggestion_id, lambda u, s: actions.return_answer(u, s, payload.comment))


@_post("close-reopened", "Close a reopened suggestion", 400)
def close_reopened(
    request: HttpRequest, suggestion_id: Id, payload: NoteIn, query: Query[StrictQuery]
) -> Any:
    """The office decides a complaint needs no new answer, and records why."""
    return _step(request, suggestion_id, lambda u, s: actions.close_reopened(u, s, payload.note))


@_post("publish", "Publish or unpublish a suggestion", 400)
def publish(
    request: HttpRequest, suggestion_id: Id, payload: PublishIn, query: Query[StrictQuery]
) -> Any:
    """Show it and its answer on the portal, without contact details; optionally mark it
    as an outstanding suggestion."""
    return _step(
        request,
        suggestion_id,
        lambda u, s: actions.publish(
            u, s, published=payload.published, outstanding=payload.outstanding
        ),
    )


# --- importing ------------------------------------------------------------------------------


@router.post(
    "/suggestions/import",
    response=responses(ImportOut, 400, 403, 413, ok_status=201),
    summary="Import suggestions gathered offline (.xlsx)",
)
@decorate_view(limit_body(importing.MAX_IMPORT_BYTES))
def import_suggestions(
    request: HttpRequest,
    file: File[UploadedFile],
    campaign: Form[Id],
    query: Query[StrictQuery],
) -> Any:
    """The office uploads the .xlsx template filled in with suggestions gathered on paper,
    at meetings or by the hotline (multipart: `file`, `campaign`). All or nothing: 201
    with the number imported, or 422 with nothing written and every problem in `errors`
    (`loc` is ["file", row, column key], `msg` names the row and column). At most
    20,000 rows and 10 MB."""
    user = person(request)
    access.require(user, "suggestions.triage")
    target = Campaign.objects.filter(pk=campaign).first()
    if target is None:
        raise ValidationError({"campaign": NO_SUCH_CAMPAIGN})
    result = importing.import_rows(user, file, target)
    if isinstance(result, importing.ImportReport):
        return Reply(422, _refusal(result))
    return Reply(201, {"imported": result, "rows": result})


def _refusal(report: importing.ImportReport) -> dict[str, Any]:
    """The report as the API's error: `errors` holds every problem, its `loc` being
    ["file", row, column key] (row and key left out for the file as a whole)."""
    errors = [
        {
            "loc": ["file", *(x for x in (p.row, p.field) if x not in (None, ""))],
            "msg": str(p),
            "type": "import",
        }
        for p in report.problems
    ]
    detail = _("Nothing was imported: %(count)s problems in %(rows)s rows. %(first)s") % {
        "count": len(errors),
        "rows": report.rows,
        "first": errors[0]["msg"] if errors else "",
    }
    return {"detail": detail.strip(), "errors": errors}


# --- categories -----------------------------------------------------------------------------


@router.get(
    "/campaigns/{campaign_id}/suggestion-categories",
    response=responses(CategoryPage, 403, 404),
    summary="List a campaign's suggestion categories",
)
def list_categories(request: HttpRequest, campaign_id: Id, filters: Query[PageQuery]) -> Any:
    """The subjects a citizen can choose, in order, each with the unit it goes to first."""
    found = campaign_queries.get_campaign_for_user(person(request), campaign_id)
    categories = Category.objects.filter(campaign=found).select_related("default_unit")
    return keyset_page(request, categories, filters, order=["sort_order", "id"])


# Last: "/suggestions/{suggestion_id}" would otherwise take /suggestions/route and /import.


@router.get(
    "/suggestions/{suggestion_id}",
    response=responses(SuggestionOut, 403, 404),
    summary="Get a suggestion",
)
def get_suggestion(request: HttpRequest, suggestion_id: Id, query: Query[StrictQuery]) -> Any:
    """A suggestion with its answer, verdict and the actions the caller may take; contact
    details only for the office and the answering unit. 404 outside the caller's units."""
    user = person(request)
    s = get_suggestion_for_user(user, suggestion_id)
    return _reread(user, s.pk)
