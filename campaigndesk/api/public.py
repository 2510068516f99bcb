"""The public API: submit a suggestion, track it, rate or withdraw it, read published ones.

No account and no token: these operations take no authentication and need no CSRF
token (there is no ambient credential to forge). They keep the portal's limits: the
same intake (length limits, text cleaning, rate limits per client address and per
contact), and the same signed arithmetic challenge, fetched from GET
/public/challenge since an API cannot show a question. The client address is
REMOTE_ADDR (see campaigndesk.portal.queries.client_address). Request bodies are
limited to 64 KB. A wrong number or code is one generic 404, whichever was wrong.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status
from pydantic import StringConstraints

from campaigndesk.campaigns.models import Campaign
from campaigndesk.core import generation
from campaigndesk.portal import queries as portal
from campaigndesk.suggestions import actions, intake
from campaigndesk.suggestions.models import Channel, Outcome, Verdict
from campaigndesk.suggestions.queries import public_view

from .common import Error, Page, PageQuery, SearchText, StrictQuery, keyset_page, requested_language

router = Router(tags=["public"], auth=None)

MAX_BODY_BYTES = 64 * 1024

NO_MATCH = _("No suggestion has this number and code.")
TOO_LARGE = _("The request body is larger than %(max)s KB.")
NO_CAMPAIGN = _("There is no public campaign with this code.")
NO_CATEGORY = _("This campaign has no subject with this code.")
NO_DISTRICT = _("There is no district, county or zone with this code in the campaign's city.")
NO_KEY_TASK = _("This campaign has no key task with this number.")

TrackingNumber = Annotated[
    str, StringConstraints(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9-]+$")
]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
VerdictCode = Literal[tuple(Verdict.values)]  # type: ignore[valid-type]
OutcomeCode = Literal[tuple(Outcome.values)]  # type: ignore[valid-type]


def public_responses(ok: Any, *codes: int, ok_status: int = 200) -> dict[int, Any]:
    """Like common.responses, without the 401: these operations need no sign-in."""
    result: dict[int, Any] = {ok_status: ok}
    for code in sorted({422, *codes}):
        result[code] = Error
    return result


def _json(status: int, detail: Any, **headers: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps({"detail": str(detail)}, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )
    for name, value in headers.items():
        response[name] = value
    return response


def limit_body(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """413 before the body is read when it is larger than MAX_BODY_BYTES."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            with translation.override(requested_language(request)):
                return _json(413, TOO_LARGE % {"max": MAX_BODY_BYTES // 1024})
        return run(request, *args, **kwargs)

    return wrapper


def _throttled(exc: intake.Throttled) -> HttpResponse:
    return _json(429, exc, **{"Retry-After": str(exc.retry_after)})


def _client(request: HttpRequest) -> str:
    return intake.client_hash(portal.client_address(request))


# --- schemas ----------------------------------------------------------------------------------


class ChallengeOut(Schema):
    question: str = Field(description="A small sum, in the request's language.")
    token: str = Field(
        description="Send it back as `challenge_token`, with the sum as `challenge_answer`, "
        f"no sooner than {intake.CHALLENGE_MIN_SECONDS} seconds and within "
        f"{intake.CHALLENGE_MAX_AGE // 3600} hours."
    )


class SuggestionIn(Schema):
    model_config = {"extra": "forbid"}

    campaign: Slug = Field(description="The campaign's code, e.g. dalian-2018.")  # type: ignore[valid-type]
    title: str = Field(min_length=1, max_length=intake.MAX_TITLE)
    body: str = Field(min_length=1, max_length=intake.MAX_BODY)
    category: Slug | None = Field(None, description="The code of one of the campaign's subjects.")  # type: ignore[valid-type]
    key_task: int | None = Field(None, ge=1, le=32767, description="A key task's number.")
    district: Slug | None = Field(  # type: ignore[valid-type]
        None, description="The code of a district, county or zone of the campaign's city."
    )
    name: str = Field("", max_length=60)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    challenge_token: str = Field(min_length=1, max_length=500)
    challenge_answer: int = Field(ge=0, le=1000)


class ReceiptOut(Schema):
    tracking_number: str
    secret_code: str = Field(
        description="Shown this once; with the number it tracks, rates and withdraws."
    )
    status: str
    private_link: str = Field(
        description="The portal page of the suggestion. It carries the code: keep it private."
    )


class TaskProgressOut(Schema):
    status: str
    status_label: str
    progress: int = Field(description="Percent done.")
    light: str
    light_label: str
    deadline: dt.date


class OriginalOut(Schema):
    """The suggestion a duplicate follows: its state and answer, not its text."""

    tracking_number: str
    status: str
    status_label: str
    unit: str
    answer_due: dt.date | None
    answered_at: dt.datetime | None
    outcome: str
    outcome_label: str
    answer: str
    task: TaskProgressOut | None


class TrackOut(Schema):
    tracking_number: str
    campaign: str
    title: str
    body: str
    category: str
    key_task: str
    district: str
    status: str
    status_label: str
    status_text: str = Field(description="Where it stands, in a plain sentence.")
    note: str = Field(description="The office's note when it is outside the campaign's remit.")
    received_at: dt.datetime
    routed_at: dt.datetime | None
    answer_due: dt.date | None
    unit: str = Field(description="The answering unit.")
    answered_at: dt.datetime | None
    outcome: str
    outcome_label: str
    answer: str = Field(description="Empty until the unit head has endorsed the answer.")
    task: TaskProgressOut | None = Field(description="The task an adoption opened.")
    verdict: str
    verdict_label: str
    verdict_comment: str
    can_rate: bool
    can_withdraw: bool
    duplicate_of: OriginalOut | None


class TrackQuery(StrictQuery):
    code: Code = Field(description="The secret code from the receipt.")  # type: ignore[valid-type]


class CodeIn(Schema):
    model_config = {"extra": "forbid"}

    code: Code  # type: ignore[valid-type]


class RatingIn(CodeIn):
    verdict: VerdictCode  # type: ignore[valid-type]
    comment: str = Field("", max_length=1000)


class PublishedOut(Schema):
    tracking_number: str
    title: str
    body: str
    category: str
    district: str
    outcome: str = Field(description="The outcome, in words.")
    answer: str
    unit: str
    answered_at: dt.datetime | None
    is_outstanding: bool = Field(description="Picked as an outstanding suggestion (优秀建议).")


class PublishedPage(Page[PublishedOut]):
    pass


class PublishedQuery(PageQuery):
    campaign: Slug | None = Field(None, description="A public campaign's code; default: all.")  # type: ignore[valid-type]
    q: SearchText | None = Field(None, description="Part of the title or text.")
    category: Slug | None = Field(None, description="A subject's code.")  # type: ignore[valid-type]
    outcome: OutcomeCode | None = None  # type: ignore[valid-type]
    outstanding: bool | None = Field(None, description="Only outstanding suggestions.")


# --- operations ---------------------------------------------------------------------------------


@router.get(
    "/public/challenge", response=public_responses(ChallengeOut), summary="Get a check question"
)
def get_challenge(request: HttpRequest, query: Query[StrictQuery]) -> Any:
    """The arithmetic check a submission must answer (it needs no outside service)."""
    question, token = intake.make_challenge()
    return {"question": question, "token": token}


_CODE = "\x00campaign-code"  # stands for the code in the query compiled once


@functools.cache
def _public_campaign_sql(vendor: str) -> tuple[str, list[Any], int, list[str]]:
    """`Campaign.objects.public().filter(code=...)` compiled once per process: the SQL,
    its parameters, where the code goes among them, and the columns it reads."""
    names = [f.attname for f in Campaign._meta.concrete_fields]
    query = Campaign.objects.public().filter(code=_CODE).values_list(*names).query
    sql, params = query.sql_with_params()
    return sql, list(params), list(params).index(_CODE), names


def _public_campaign(code: str) -> Campaign | None:
    """A public campaign by its code, as the portal finds it: kept in the process until
    a watched table (campaigns among them) changes, so a submission reads the reference
    stamp instead of the row. Shared between requests: read it, never change it."""
    return generation.cached("api.public_campaign", code, lambda: _read_public_campaign(code))


def _read_public_campaign(code: str) -> Campaign | None:
    """The row, without building the ORM query each time (that cost more than the read)."""
    sql, params, at, names = _public_campaign_sql(connection.vendor)
    params = [*params[:at], code, *params[at + 1 :]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else Campaign.from_db(connection.alias, names, row)


def _lookups(payload: SuggestionIn) -> dict[str, Any]:
    try:
        if payload.district:  # the city's districts are found from the campaign's units
            campaign = portal.get_public_campaign(payload.campaign)
        else:  # the same campaigns, without the units and ordering the portal's pages use
            campaign = _public_campaign(payload.campaign)
    except Http404:
        campaign = None
    if campaign is None:
        raise ValidationError({"campaign": NO_CAMPAIGN})
    found: dict[str, Any] = {"campaign": campaign}
    if payload.category:
        found["category"] = portal.categories_of(campaign).filter(code=payload.category).first()
        if found["category"] is None:
            raise ValidationError({"category": NO_CATEGORY})
    if payload.key_task:
        found["key_task"] = portal.key_tasks_of(campaign).filter(number=payload.key_task).first()
        if found["key_task"] is None:
            raise ValidationError({"key_task": NO_KEY_TASK})
    if payload.district:
        found["district"] = portal.districts_of(campaign).filter(code=payload.district).first()
        if found["district"] is None:
            raise ValidationError({"district": NO_DISTRICT})
    if payload.email:
        try:
            validate_email(payload.email)
        except ValidationError as exc:
            raise ValidationError({"email": exc.messages}) from None
    return found


@router.post(
    "/public/suggestions",
    response=public_responses(ReceiptOut, 400, 413, 429, ok_status=201),
    summary="Submit a suggestion",
)
@decorate_view(limit_body)
def submit_suggestion(
    request: HttpRequest, payload: SuggestionIn, query: Query[StrictQuery]
) -> Any:
    """Take in a suggestion: 201 with the tracking number and the secret code (shown this
    once). 422 when a field is refused (the first error in `detail`), 429 with
    Retry-After when too many came from the same address or contact."""
    # Checked here without a query; spent in the submission's one transaction (a token
    # already spent is refused there), so a refused submission leaves it unspent.
    spend = intake.check_challenge(
        payload.challenge_token, payload.challenge_answer, consume=False, look_up=False
    )
    found = _lookups(payload)
    try:
        receipt = intake.submit(
            title=payload.title,
            body=payload.body,
            name=payload.name,
            phone=payload.phone,
            email=payload.email,
            client=_client(request),
            channel=Channel.API,
            challenge_key=spend,
            **found,
        )
    except intake.Throttled as exc:
        return _throttled(exc)
    number = receipt.tracking_number
    link = reverse("portal:track_status", args=[number]) + f"?code={receipt.secret_code}"
    return Status(
        201,
        {
            "tracking_number": number,
            "secret_code": receipt.secret_code,
            "status": receipt.suggestion.status,
            "private_link": request.build_absolute_uri(link),
        },
    )


def _tracked(request: HttpRequest, number: str, code: str) -> Any:
    """The suggestion for number and code, with what `citizen_view` reads, or the response
    to send instead (404, 429)."""
    try:
        found = intake.track(number, code, _client(request), read=portal.get_for_citizen)
    except intake.Throttled as exc:
        return _throttled(exc)
    if found is None:
        return _json(404, NO_MATCH)
    return found


@router.get(
    "/public/suggestions/{number}",
    response=public_responses(TrackOut, 404, 429),
    summary="Track a suggestion",
)
def track_suggestion(
    request: HttpRequest,
    number: TrackingNumber,  # type: ignore[valid-type]
    query: Query[TrackQuery],
) -> Any:
    """Its status, dates, answering unit, the endorsed answer and the progress of the task
    an adoption opened. Never contact details. A wrong number or code is the same 404."""
    found = _tracked(request, number, query.code)
    if isinstance(found, HttpResponse):
        return found
    return portal.citizen_view(found)


@router.post(
    "/public/suggestions/{number}/rating",
    response=public_responses(TrackOut, 400, 404, 413, 429),
    summary="Rate the answer",
)
@decorate_view(limit_body)
def rate_answer(
    request: HttpRequest,
    number: TrackingNumber,  # type: ignore[valid-type]
    payload: RatingIn,
    query: Query[StrictQuery],
) -> Any:  # type: ignore[valid-type]
    """Satisfied, basically satisfied or not satisfied (which reopens it for the office).
    Only an answered suggestion can be rated, once (422 otherwise)."""
    found = _tracked(request, number, payload.code)
    if isinstance(found, HttpResponse):
        return found
    comment = intake.clean_text(payload.comment, field="comment", max_length=1000)
    actions.rate(found, payload.verdict, comment)
    return portal.citizen_view(portal.get_for_citizen(found.tracking_number))


@router.post(
    "/public/suggestions/{number}/withdraw",
    response=public_responses(TrackOut, 400, 404, 413, 429),
    summary="Withdraw a suggestion",
)
@decorate_view(limit_body)
def withdraw_suggestion(
    request: HttpRequest,
    number: TrackingNumber,  # type: ignore[valid-type]
    payload: CodeIn,
    query: Query[StrictQuery],
) -> Any:
    """Take the suggestion back before it is answered (422 once it is)."""
    found = _tracked(request, number, payload.code)
    if isinstance(found, HttpResponse):
        return found
    actions.withdraw(found)
    return portal.citizen_view(portal.get_for_citizen(found.tracking_number))


@router.get(
    "/public/published",
    response=public_responses(PublishedPage),
    summary="List published suggestions",
)
def list_published(request: HttpRequest, filters: Query[PublishedQuery]) -> Any:
    """Suggestions the office published, with their answers, newest first; no contact
    details. Pages by key: follow `next`."""
    campaign = None
    if filters.campaign:
        try:
            campaign = portal.get_public_campaign(filters.campaign)
        except Http404:
            raise ValidationError({"campaign": NO_CAMPAIGN}) from None
    rows = portal.filter_published(
        portal.published(campaign),
        q=filters.q or "",
        category=filters.category or "",
        outcome=filters.outcome or "",
        outstanding=bool(filters.outstanding),
    )
    page = keyset_page(request, rows, filters, order=["-published_at", "-id"])
    page["items"] = [public_view(s) for s in page["items"]]
    return page
