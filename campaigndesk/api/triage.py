"""Learned triage under /api/v1/: a suggestion's hints and near-duplicates, the routing
model's versions with their live precision, roll back, training on demand, the
auto-routing threshold, units' keywords (cold start) and a period's hot topics.

The same functions as the desk's triage pages: `hints.hints_for` (the queue's top three
units with their confidence), `dedupe.duplicates_of`, `predict.live_precision`,
`training.activate/add_keyword/remove_keyword/set_threshold` (each audited),
`jobs.retrain_routing`, and `topics.read_topics`/`topics.request_refresh` (hot topics are
read as stored; computing them is queued, never done in a request). The office and the
leading group read (`triage.view`); only the office changes (`triage.manage`,
`triage.train`).
Merging a duplicate is POST /suggestions/{id}/duplicate with the original's id.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import StringConstraints

from campaigndesk.campaigns.models import Campaign
from campaigndesk.org import access
from campaigndesk.suggestions.hints import hints_for
from campaigndesk.suggestions.queries import get_suggestion_for_user
from campaigndesk.triage import dedupe, jobs, predict, topics, training
from campaigndesk.triage.models import RoutingModel, Target, TriageSettings, UnitKeyword
from campaigndesk.triage.topic_views import ORDER_CHOICES, PeriodForm

from .auth import person
from .common import Id, Page, PageQuery, StrictQuery, form_refusal, keyset_page, responses
from .org import UnitRef
from .suggestions import NO_SUCH_UNIT

router = Router(tags=["triage"])

TargetCode = Literal[tuple(Target.values)]  # type: ignore[valid-type]
OrderCode = Literal[tuple(code for code, _label in ORDER_CHOICES)]  # type: ignore[valid-type]
Keyword = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[^\x00]*$")]

NO_SUCH_CAMPAIGN = gettext_lazy("There is no such campaign.")


# --- a suggestion's hints and duplicates ------------------------------------------------------


class UnitGuessOut(Schema):
    unit: UnitRef
    confidence: float | None = Field(description="0–1; null when the guess has no figure.")
    percent: int | None
    basis: str = Field(description='What a guess without a figure rests on, e.g. "by category".')


class SuggestionRef(Schema):
    id: int
    tracking_number: str
    title: str
    status: str
    created_at: dt.datetime


class DuplicateOut(Schema):
    suggestion: SuggestionRef
    similarity: float = Field(description="0–1: the share of text the two have in common.")
    percent: int


class HintsOut(Schema):
    units: list[UnitGuessOut] = Field(description="At most three, the surest first.")
    duplicates: list[DuplicateOut] = Field(description="At most five, the most similar first.")


def _office_suggestion(request: HttpRequest, suggestion_id: int) -> tuple[Any, Any]:
    user = person(request)
    s = get_suggestion_for_user(user, suggestion_id)
    access.require(user, "suggestions.triage", s)
    return user, s


@router.get(
    "/suggestions/{suggestion_id}/hints",
    response=responses(HintsOut, 403, 404),
    summary="Which unit should answer, and what it may repeat",
)
def suggestion_hints(request: HttpRequest, suggestion_id: Id, query: Query[StrictQuery]) -> Any:
    """The triage queue's hints for one suggestion: the top three units with the routing
    model's confidence (or the category's default unit, `basis` "by category"), and
    possible duplicates. For the office."""
    _user, s = _office_suggestion(request, suggestion_id)
    hint = hints_for([s]).get(s.pk)
    if hint is None:
        return {"units": [], "duplicates": []}
    return {
        "units": [
            {
                "unit": g.unit,
                "confidence": float(g.confidence) if g.percent is not None else None,
                "percent": g.percent,
                "basis": g.basis,
            }
            for g in hint.units
        ],
        "duplicates": [
            {"suggestion": d.suggestion, "similarity": d.similarity, "percent": d.percent}
            for d in hint.duplicates
        ],
    }


class DuplicatesQuery(StrictQuery):
    limit: int = Field(5, ge=1, le=20, description="At most this many, the most similar first.")


class DuplicatesOut(Schema):
    items: list[DuplicateOut]


@router.get(
    "/suggestions/{suggestion_id}/duplicates",
    response=responses(DuplicatesOut, 403, 404),
    summary="Near-duplicates of a suggestion",
)
def suggestion_duplicates(
    request: HttpRequest, suggestion_id: Id, filters: Query[DuplicatesQuery]
) -> Any:
    """Open and recent suggestions of the same campaign whose text is near this one's,
    the most similar first. To merge, mark this one as a duplicate of the original:
    POST /suggestions/{suggestion_id}/duplicate with `{"original": id}`."""
    _user, s = _office_suggestion(request, suggestion_id)
    found = dedupe.duplicates_of(s, limit=filters.limit)
    return {
        "items": [
            {
                "suggestion": m.suggestion,
                "similarity": m.similarity,
                "percent": round(100 * m.similarity),
            }
            for m in found
        ]
    }


# --- the routing model --------------------------------------------------------------------------


class ModelOut(Schema):
    id: int
    version: int
    campaign_id: int | None = Field(description="null for a city-wide model.")
    target: TargetCode  # type: ignore[valid-type]
    created_at: dt.datetime
    trained_on: int = Field(description="Answered suggestions it learned from.")
    trained_by: str
    is_active: bool
    macro_f1: float | None = Field(description="Measured on a 20 % hold-out when trained.")
    accuracy: float | None
    metrics: dict[str, Any]
    decisions: int = Field(description="Live: suggestions routed while it was consulted.")
    accepted: int = Field(description="Live: of those, routed to its top guess.")
    live_precision: float | None = Field(description="accepted / decisions; null before any.")

    # `decisions` is also the model's reverse relation: the figures ride on `live`.
    @staticmethod
    def resolve_decisions(obj: RoutingModel) -> int:
        return obj.live[0]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_accepted(obj: RoutingModel) -> int:
        return obj.live[1]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_live_precision(obj: RoutingModel) -> float | None:
        return obj.live[2]  # type: ignore[attr-defined]


class ModelPage(Page[ModelOut]):
    pass


@router.get("/triage/models", response=responses(ModelPage, 403), summary="List routing models")
def list_models(request: HttpRequest, filters: Query[PageQuery]) -> Any:
    """Every trained version, newest first, with its measured quality and its live
    precision (how often the office routed to its top guess)."""
    access.require(person(request), "triage.view")
    models = RoutingModel.objects.defer("blob")
    page = keyset_page(request, models, filters, order=["-created_at", "-id"])
    live = predict.live_precision(page["items"])
    for m in page["items"]:
        m.live = live[m.pk]
    return page


def _model(pk: int) -> RoutingModel:
    found = RoutingModel.objects.defer("blob").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _with_live(model: RoutingModel) -> RoutingModel:
    model.live = predict.live_precision([model])[model.pk]  # type: ignore[attr-defined]
    return model


@router.post(
    "/triage/models/{model_id}/activate",
    response=responses(ModelOut, 403, 404),
    summary="Make a version the active one (roll back)",
)
def activate_model(request: HttpRequest, model_id: Id, query: Query[StrictQuery]) -> Any:
    """The office makes this version the active one of its scope: a roll back when it is
    older than the active one. Audited."""
    user = person(request)
    access.require(user, "triage.view")
    model = training.activate(user, _model(model_id))
    return _with_live(model)


class TrainOut(Schema):
    queued: bool
    detail: str


@router.post(
    "/triage/train",
    response=responses(TrainOut, 403, ok_status=202),
    summary="Train a new version now",
)
def train_now(request: HttpRequest, query: Query[StrictQuery]) -> Any:
    """Queue the training of a new city-wide version (as the nightly job does); it shows
    in GET /triage/models, active, when done. A history too small is skipped."""
    user = person(request)
    access.require(user, "triage.train")
    jobs.retrain_routing.enqueue(trained_by=user.get_username())
    detail = gettext_lazy("Training has started; the new version appears when it is done.")
    return Status(202, {"queued": True, "detail": str(detail)})


# --- the auto-routing threshold -----------------------------------------------------------------


class SettingsOut(Schema):
    campaign_id: int
    auto_route_threshold: float | None = Field(
        description="Route automatically at this confidence or above; null: never."
    )


class SettingsPage(Page[SettingsOut]):
    pass


class ThresholdIn(Schema):
    model_config = {"extra": "forbid"}

    auto_route_threshold: float | None = Field(
        ge=0.01, le=1.0, description="Between 0.01 and 1; null turns automatic routing off."
    )


@router.get(
    "/triage/settings", response=responses(SettingsPage, 403), summary="List auto-routing settings"
)
def list_settings(request: HttpRequest, filters: Query[PageQuery]) -> Any:
    """Each campaign's auto-routing threshold (campaigns without a row never auto-route)."""
    access.require(person(request), "triage.view")
    return keyset_page(request, TriageSettings.objects.all(), filters, order=["id"])


@router.put(
    "/triage/settings/{campaign_id}",
    response=responses(SettingsOut, 400, 403, 404),
    summary="Set a campaign's auto-routing threshold",
)
def set_threshold(
    request: HttpRequest, campaign_id: Id, payload: ThresholdIn, query: Query[StrictQuery]
) -> Any:
    """New suggestions whose top guess is at least this sure are routed at once. Audited."""
    user = person(request)
    access.require(user, "triage.manage")
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    return training.set_threshold(user, campaign, payload.auto_route_threshold)


# --- keywords (cold start) ---------------------------------------------------------------------


class KeywordOut(Schema):
    id: int
    unit: UnitRef
    keyword: str


class KeywordPage(Page[KeywordOut]):
    pass


class KeywordQuery(PageQuery):
    unit: Id | None = Field(None, description="Only this unit's keywords.")


class KeywordIn(Schema):
    model_config = {"extra": "forbid"}

    unit: Id = Field(description="The unit a suggestion naming the keyword goes to.")
    keyword: Keyword  # type: ignore[valid-type]


@router.get(
    "/triage/keywords", response=responses(KeywordPage, 403), summary="List units' keywords"
)
def list_keywords(request: HttpRequest, filters: Query[KeywordQuery]) -> Any:
    """Words that send a suggestion to a unit before the model has learned (cold start)."""
    user = person(request)
    access.require(user, "triage.view")
    keywords = UnitKeyword.objects.filter(
        unit__in=access.visible_units(user).values("pk")
    ).select_related("unit")
    if filters.unit is not None:
        keywords = keywords.filter(unit_id=filters.unit)
    return keyset_page(request, keywords, filters, order=["id"])


@router.post(
    "/triage/keywords",
    response=responses(KeywordOut, 400, 403, ok_status=201),
    summary="Add a keyword for a unit",
)
def add_keyword(request: HttpRequest, payload: KeywordIn, query: Query[StrictQuery]) -> Any:
    """Lower-cased, spaces squeezed; a unit's keyword once only. Audited."""
    user = person(request)
    access.require(user, "triage.manage")
    unit = access.visible_units(user).filter(pk=payload.unit, is_active=True).first()
    if unit is None:
        raise ValidationError({"unit": NO_SUCH_UNIT})
    return Status(201, training.add_keyword(user, unit, payload.keyword))


@router.delete(
    "/triage/keywords/{keyword_id}",
    response=responses(KeywordOut, 403, 404),
    summary="Remove a unit's keyword",
)
def remove_keyword(request: HttpRequest, keyword_id: Id, query: Query[StrictQuery]) -> Any:
    """Audited. The answer is the keyword as it was."""
    user = person(request)
    access.require(user, "triage.manage")
    kw = (
        UnitKeyword.objects.filter(pk=keyword_id, unit__in=access.visible_units(user).values("pk"))
        .select_related("unit")
        .first()
    )
    if kw is None:
        raise Http404
    gone = copy.copy(kw)  # deleting clears the instance's pk
    training.remove_keyword(user, kw)
    return gone


# --- hot topics -------------------------------------------------------------------------------


class TopicQuery(StrictQuery):
    campaign: Id | None = Field(None, description="Leave out for the latest campaign.")
    start: dt.date | None = Field(None, description="First day (default: 30 days to today).")
    end: dt.date | None = Field(None, description="Last day (default: today).")
    order: OrderCode = Field("hot", description="hot, size, growth or support.")  # type: ignore[valid-type]
    limit: int = Field(20, ge=1, le=200, description="At most this many topics, at most 200.")


class RepresentativeOut(Schema):
    id: int
    tracking_number: str
    title: str


class TopicOut(Schema):
    label: str
    terms: list[str]
    size: int = Field(description="Suggestions of the period.")
    previous: int = Field(description="Suggestions of the equal period before.")
    growth_percent: int | None
    support: int
    representatives: list[RepresentativeOut]


class TopicsOut(Schema):
    campaign_id: int
    start: dt.date
    end: dt.date
    order: str
    computed_at: dt.datetime | None = Field(
        description="When the stored topics were computed; null before the first computation."
    )
    clustered: int = Field(description="Suggestions clustered (this period and the one before).")
    stale: bool = Field(description="Missing or older than an hour.")
    refreshing: bool = Field(
        description="A computation of the period is queued or running: read again in a minute."
    )
    items: list[TopicOut]


def _period(filters: TopicQuery) -> dict[str, Any]:
    """The hot-topics page's period form, filled like the page fills it."""
    start, end = topics.default_period()
    campaign = filters.campaign
    if campaign is None:
        latest = Campaign.objects.order_by("-starts_on").first()
        if latest is None:
            raise ValidationError({"campaign": NO_SUCH_CAMPAIGN})
        campaign = latest.pk
    form = PeriodForm(
        {
            "campaign": campaign,
            "start": filters.start or (filters.end - (end - start) if filters.end else start),
            "end": filters.end or (filters.start + (end - start) if filters.start else end),
            "order": filters.order,
        }
    )
    if not form.is_valid():
        raise form_refusal(form)
    return form.cleaned_data


def _topics(
    period: dict[str, Any], shown: topics.StoredTopics, order: str, limit: int
) -> dict[str, Any]:
    run = shown.run
    return {
        "campaign_id": period["campaign"].pk,
        "start": period["start"],
        "end": period["end"],
        "order": order,
        "computed_at": run.computed_at if run else None,
        "clustered": run.size if run else 0,
        "stale": shown.stale,
        "refreshing": shown.refreshing,
        "items": topics.topics_of(run, limit=limit, order=order) if run else [],
    }


@router.get("/triage/topics", response=responses(TopicsOut, 403), summary="Hot topics")
def hot_topics(request: HttpRequest, filters: Query[TopicQuery]) -> Any:
    """The period's hot topics: clusters of the campaign's suggestions with their key
    terms, size, growth over the equal period before and support. Read as stored, never
    computed here: when missing or older than an hour, one computation is queued and the
    stored topics (none before the first) come back with `refreshing`. At most a year."""
    access.require(person(request), "triage.view")
    period = _period(filters)
    shown = topics.read_topics(period["campaign"], period["start"], period["end"])
    return _topics(period, shown, filters.order, filters.limit)


@router.post(
    "/triage/topics/refresh",
    response=responses(TopicsOut, 403, ok_status=202),
    summary="Compute a period's hot topics again",
)
def refresh_topics(request: HttpRequest, filters: Query[TopicQuery]) -> Any:
    """The office has the period's topics computed again in the background (one
    computation per period at a time; the stored run, not a record: nothing to audit).
    Answers with the topics stored so far; read GET /triage/topics again in a minute."""
    access.require(person(request), "triage.manage")
    period = _period(filters)
    campaign, start, end = period["campaign"], period["start"], period["end"]
    result = topics.request_refresh(campaign, start, end, topics.stored_run(campaign, start, end))
    run = topics.stored_run(campaign, start, end)
    # The task has run already only on the immediate backend (TASKS_IMMEDIATE=1).
    refreshing = result is None or not result.is_finished
    shown = topics.StoredTopics(run=run, stale=topics.is_stale(run), refreshing=refreshing)
    return Status(202, _topics(period, shown, filters.order, filters.limit))
