"""Work plans: /plans, their measures, their workflow and the comparison of versions.

draft → submitted (liaison) → endorsed (unit head) → approved | returned (office).
Every change calls `campaigns.plans`, as the desk's plan screens do. A plan outside the
caller's units is a 404; a step the caller may not take is a 403; a step the plan's
state does not allow is a 422 with the reason.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import StringConstraints

from campaigndesk.campaigns import plans
from campaigndesk.campaigns.models import (
    Campaign,
    KeyTask,
    PlanMeasure,
    PlanStatus,
    WorkPlan,
    WorkPlanVersion,
)
from campaigndesk.org import access

from .auth import person
from .common import (
    Id,
    Page,
    PageQuery,
    StrictQuery,
    keyset_page,
    responses,
    run_step,
    step_post,
)
from .org import UnitRef

router = Router(tags=["work plans"])

PlanStatusCode = Literal[tuple(PlanStatus.values)]  # type: ignore[valid-type]
NO_NUL = r"^[^\x00]*$"
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
]
Text = Annotated[str, StringConstraints(max_length=10000, pattern=NO_NUL)]
OwnerName = Annotated[str, StringConstraints(max_length=80, pattern=NO_NUL)]
Comment = Annotated[str, StringConstraints(max_length=2000, pattern=NO_NUL)]

NO_SUCH_CAMPAIGN = _("There is no such campaign.")
NO_SUCH_UNIT = _("There is no such unit among the units you can see.")
OTHER_CAMPAIGN = _("This belongs to another campaign.")


# --- output -------------------------------------------------------------------------------------


class CampaignRef(Schema):
    id: int
    code: str
    title: str
    title_zh: str
    title_en: str


class KeyTaskRef(Schema):
    id: int
    number: int
    title: str
    title_zh: str
    title_en: str


class Milestone(Schema):
    model_config = {"extra": "forbid"}

    title: Title  # type: ignore[valid-type]
    due: dt.date


def _milestones(value: Any) -> list[dict[str, Any]]:
    """Stored milestones as {title, due}; entries without a valid date are left out."""
    rows = []
    for m in value if isinstance(value, list) else []:
        try:
            due = dt.date.fromisoformat(str(m.get("due")))
        except (AttributeError, TypeError, ValueError):
            continue
        rows.append({"title": str(m.get("title", "")), "due": due})
    return rows


class MilestoneOut(Schema):
    title: str
    due: dt.date


class MeasureOut(Schema):
    id: int
    plan_id: int
    number: int
    key_task: KeyTaskRef | None
    title: str
    description: str
    owner_name: str = Field(description="The responsible person.")
    deadline: dt.date
    milestones: list[MilestoneOut]

    @staticmethod
    def resolve_milestones(obj: PlanMeasure) -> list[dict[str, Any]]:
        return _milestones(obj.milestones)


class MeasureSnapshot(Schema):
    """A measure as it stood in a submitted version."""

    number: int
    key_task: int | None = Field(description="The key task's id.")
    title: str
    description: str
    owner_name: str
    deadline: dt.date | None
    milestones: list[MilestoneOut]

    @staticmethod
    def resolve_milestones(obj: dict[str, Any]) -> list[dict[str, Any]]:
        return _milestones(obj.get("milestones"))


class PersonRef(Schema):
    id: int
    username: str
    display_name: str


class VersionOut(Schema):
    number: int
    summary: str
    submitted_by: PersonRef | None
    submitted_at: dt.datetime
    outcome: PlanStatusCode  # type: ignore[valid-type]
    outcome_label: str
    comment: str = Field(description="The decision's comment.")
    measures: list[MeasureSnapshot]

    @staticmethod
    def resolve_outcome_label(obj: WorkPlanVersion) -> str:
        return str(obj.get_outcome_display())


class PlanRow(Schema):
    id: int
    url: str = Field(description="The plan's page on the desk.")
    campaign: CampaignRef
    unit: UnitRef
    status: PlanStatusCode  # type: ignore[valid-type]
    status_label: str
    summary: str
    submitted_at: dt.datetime | None
    endorsed_at: dt.datetime | None
    decided_at: dt.datetime | None
    office_comment: str
    approved_version: int | None
    measure_count: int

    @staticmethod
    def resolve_url(obj: WorkPlan) -> str:
        return reverse("ledger:plan", args=[obj.pk])

    @staticmethod
    def resolve_status_label(obj: WorkPlan) -> str:
        return str(obj.get_status_display())


class PlanPage(Page[PlanRow]):
    pass


PlanAction = Literal["edit", "submit", "endorse", "approve", "return"]


class PlanOut(PlanRow):
    measures: list[MeasureOut]
    versions: list[VersionOut] = Field(description="Every submitted version, latest first.")
    actions: list[PlanAction] = Field(description="What the caller may do to the plan now.")

    @staticmethod
    def resolve_measure_count(obj: WorkPlan) -> int:
        return len(obj.api_detail["measures"])  # type: ignore[attr-defined]

    @staticmethod
    def resolve_measures(obj: WorkPlan) -> list[PlanMeasure]:
        return obj.api_detail["measures"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_versions(obj: WorkPlan) -> list[WorkPlanVersion]:
        return obj.api_detail["versions"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_actions(obj: WorkPlan) -> list[str]:
        return obj.api_detail["actions"]  # type: ignore[attr-defined]


# --- reading --------------------------------------------------------------------------------


def _get_plan(user: Any, pk: int) -> WorkPlan:
    """The plan, or 404 when it does not exist or lies outside the caller's units."""
    plan = WorkPlan.objects.select_related("campaign", "unit").filter(pk=pk).first()
    if plan is None or not access.can(user, "plans.view", plan):
        raise Http404
    return plan


def _get_measure(user: Any, pk: int) -> PlanMeasure:
    measure = (
        PlanMeasure.objects.select_related("plan__campaign", "plan__unit").filter(pk=pk).first()
    )
    if measure is None or not access.can(user, "plans.view", measure.plan):
        raise Http404
    return measure


def _actions(user: Any, plan: WorkPlan, measure_count: int) -> list[str]:
    """The plan page's buttons for the caller (the plan functions check again)."""
    edit = access.can(user, "plans.edit", plan)
    endorse = access.can(user, "plans.endorse", plan)
    decide = access.can(user, "plans.decide", plan)
    status = plan.status
    offers = {
        "edit": edit and plan.is_editable,
        "submit": edit and status in (PlanStatus.DRAFT, PlanStatus.RETURNED) and measure_count > 0,
        "endorse": endorse and status == PlanStatus.SUBMITTED,
        "approve": decide and status == PlanStatus.ENDORSED,
        "return": (decide and status in (PlanStatus.SUBMITTED, PlanStatus.ENDORSED))
        or (endorse and status == PlanStatus.SUBMITTED),
    }
    return [name for name, allowed in offers.items() if allowed]


def _detail(user: Any, plan_id: int) -> WorkPlan:
    """The plan read afresh, with its measures, versions and the caller's actions."""
    plan = _get_plan(user, plan_id)
    measures = list(plan.measures.select_related("key_task").order_by("number"))
    plan.api_detail = {  # type: ignore[attr-defined]
        "measures": measures,
        "versions": list(plan.versions.select_related("submitted_by").order_by("-number")),
        "actions": _actions(user, plan, len(measures)),
    }
    return plan


class PlanFilters(PageQuery):
    campaign: Id | None = None
    unit: Id | None = Field(None, description="Only this unit's plan (not those below it).")
    status: PlanStatusCode | None = None  # type: ignore[valid-type]


@router.get("/plans", response=responses(PlanPage, 403), summary="List work plans")
def list_plans(request: HttpRequest, filters: Query[PlanFilters]) -> Any:
    """The plans the caller sees: the office every unit's, a unit its own and those of the
    units below it. By campaign, then in unit-tree order."""
    user = person(request)
    access.require(user, "plans.view")
    found = (
        WorkPlan.objects.filter(access.unit_filter(user, "unit"))
        .select_related("campaign", "unit")
        .annotate(measure_count=Count("measures"))
    )
    if filters.campaign is not None:
        found = found.filter(campaign_id=filters.campaign)
    if filters.unit is not None:
        found = found.filter(unit_id=filters.unit)
    if filters.status:
        found = found.filter(status=filters.status)
    # One plan per unit and campaign: (campaign, unit path) is unique.
    return keyset_page(request, found, filters, order=["campaign_id", "unit__path"])


@router.get("/plans/{plan_id}", response=responses(PlanOut, 403, 404), summary="Get a work plan")
def get_plan(request: HttpRequest, plan_id: Id, query: Query[StrictQuery]) -> Any:
    """A plan with its measures (by number), its versions and what the caller may do."""
    return _detail(person(request), plan_id)


class ChangedField(Schema):
    number: int = Field(description="The measure's number.")
    field: str
    old: Any = Field(description="In the approved version.")
    new: Any = Field(description="In the submitted version.")


class ComparisonOut(Schema):
    submitted: VersionOut | None = Field(description="The latest submitted version.")
    approved: VersionOut | None = Field(
        description="The last approved version; null when none, or when it is the latest."
    )
    added: list[MeasureSnapshot]
    removed: list[MeasureSnapshot]
    changed: list[ChangedField]


@router.get(
    "/plans/{plan_id}/compare",
    response=responses(ComparisonOut, 403, 404),
    summary="Compare the submitted version with the approved one",
)
def compare_plan(request: HttpRequest, plan_id: Id, query: Query[StrictQuery]) -> Any:
    """The latest submitted version against the last approved one, measure by measure
    (matched by number): added, removed and changed fields."""
    diff = plans.compare_versions(_get_plan(person(request), plan_id))
    changed = [
        {"number": number, "field": field, "old": old, "new": new}
        for number, field, old, new in diff["changed"]
    ]
    return {**diff, "changed": changed}


# --- writing --------------------------------------------------------------------------------


class PlanIn(Schema):
    model_config = {"extra": "forbid"}

    campaign: Id
    unit: Id = Field(description="One of the caller's units (as liaison or head).")


@router.post(
    "/plans",
    response={**responses(PlanOut, 400, 403, ok_status=201), 200: PlanOut},
    summary="Start a unit's work plan",
)
def start_plan(request: HttpRequest, payload: PlanIn, query: Query[StrictQuery]) -> Any:
    """The unit's plan for the campaign: 201 with a new draft, or 200 with the plan the
    unit already has (one plan per unit and campaign)."""
    actor = person(request)
    access.require(actor, "plans.view")
    campaign = Campaign.objects.filter(pk=payload.campaign).first()
    if campaign is None:
        raise ValidationError({"campaign": NO_SUCH_CAMPAIGN})
    unit = access.visible_units(actor).filter(pk=payload.unit, is_active=True).first()
    if unit is None:
        raise ValidationError({"unit": NO_SUCH_UNIT})
    existed = WorkPlan.objects.filter(campaign=campaign, unit=unit).exists()
    plan = plans.start_plan(actor, campaign, unit)
    return Status(200 if existed else 201, _detail(actor, plan.pk))


class SummaryIn(Schema):
    model_config = {"extra": "forbid"}

    summary: Text  # type: ignore[valid-type]


@router.patch(
    "/plans/{plan_id}",
    response=responses(PlanOut, 400, 403, 404),
    summary="Change a work plan's summary",
)
def update_plan(
    request: HttpRequest, plan_id: Id, payload: SummaryIn, query: Query[StrictQuery]
) -> Any:
    """Editing an approved plan starts a revision: it goes back to draft."""
    actor = person(request)
    plan = _get_plan(actor, plan_id)
    access.require(actor, "plans.edit", plan)
    plans.update_plan_summary(actor, plan, payload.summary)
    return _detail(actor, plan.pk)


class MeasureIn(Schema):
    model_config = {"extra": "forbid"}

    key_task: Id | None = Field(None, description="A key task of the plan's campaign.")
    number: int | None = Field(None, ge=1, le=32767, description="Default: the next number.")
    title: Title  # type: ignore[valid-type]
    description: Text = ""  # type: ignore[valid-type]
    owner_name: OwnerName = ""  # type: ignore[valid-type]
    deadline: dt.date = Field(description="Within the campaign.")
    milestones: list[Milestone] = Field([], max_length=12)


class MeasurePatch(Schema):
    """Only the fields sent change; only `key_task` may be null (it clears it)."""

    model_config = {"extra": "forbid"}

    key_task: Id | None = None
    number: int = Field(None, ge=1, le=32767)  # type: ignore[assignment]
    title: Title = None  # type: ignore[valid-type,assignment]
    description: Text = None  # type: ignore[valid-type,assignment]
    owner_name: OwnerName = None  # type: ignore[valid-type,assignment]
    deadline: dt.date = None  # type: ignore[assignment]
    milestones: list[Milestone] = Field(None, max_length=12)  # type: ignore[assignment]


def _key_task(pk: int | None, plan: WorkPlan) -> KeyTask | None:
    if pk is None:
        return None
    key_task = KeyTask.objects.filter(pk=pk, campaign_id=plan.campaign_id).first()
    if key_task is None:
        raise ValidationError({"key_task": OTHER_CAMPAIGN})
    return key_task


def _measure_fields(payload: Schema, fields: set[str], plan: WorkPlan) -> dict[str, Any]:
    values = {name: getattr(payload, name) for name in fields}
    if "key_task" in values:
        values["key_task"] = _key_task(values["key_task"], plan)
    if "milestones" in values:
        rows = sorted(values["milestones"], key=lambda m: m.due)
        values["milestones"] = [{"title": m.title, "due": m.due.isoformat()} for m in rows]
    return values


@router.post(
    "/plans/{plan_id}/measures",
    response=responses(MeasureOut, 400, 403, 404, ok_status=201),
    summary="Add a measure to a work plan",
)
def add_measure(
    request: HttpRequest, plan_id: Id, payload: MeasureIn, query: Query[StrictQuery]
) -> Any:
    actor = person(request)
    plan = _get_plan(actor, plan_id)
    access.require(actor, "plans.edit", plan)
    fields = _measure_fields(payload, set(MeasureIn.model_fields), plan)
    measure = plans.add_measure(actor, plan, **fields)
    return Status(201, measure)


@router.patch(
    "/measures/{measure_id}",
    response=responses(MeasureOut, 400, 403, 404),
    summary="Change a measure",
)
def update_measure(
    request: HttpRequest, measure_id: Id, payload: MeasurePatch, query: Query[StrictQuery]
) -> Any:
    actor = person(request)
    measure = _get_measure(actor, measure_id)
    access.require(actor, "plans.edit", measure.plan)
    changes = _measure_fields(payload, payload.model_fields_set, measure.plan)
    return plans.update_measure(actor, measure, changes)


@router.delete(
    "/measures/{measure_id}",
    response=responses(PlanOut, 403, 404),
    summary="Delete a measure",
)
def delete_measure(request: HttpRequest, measure_id: Id, query: Query[StrictQuery]) -> Any:
    """The answer is the plan without the measure."""
    actor = person(request)
    measure = _get_measure(actor, measure_id)
    access.require(actor, "plans.edit", measure.plan)
    plans.delete_measure(actor, measure)
    return _detail(actor, measure.plan_id)


class CommentIn(Schema):
    model_config = {"extra": "forbid"}

    comment: Comment = ""  # type: ignore[valid-type]


_post = step_post(router, "/plans/{plan_id}", PlanOut)
_step = functools.partial(run_step, find=_get_plan, answer=_detail)


@_post("submit", "Submit a work plan")
def submit_plan(request: HttpRequest, plan_id: Id, query: Query[StrictQuery]) -> Any:
    """The unit's liaison submits the plan to its head; the version is frozen."""
    return _step(request, plan_id, plans.submit_plan)


@_post("endorse", "Endorse a work plan")
def endorse_plan(request: HttpRequest, plan_id: Id, query: Query[StrictQuery]) -> Any:
    """The unit head endorses a submitted plan; it goes to the office."""
    return _step(request, plan_id, plans.endorse_plan)


@_post("approve", "Approve a work plan", 400)
def approve_plan(
    request: HttpRequest, plan_id: Id, payload: CommentIn, query: Query[StrictQuery]
) -> Any:
    """The office approves an endorsed plan; its measures become tasks on the ledger."""
    return _step(request, plan_id, lambda a, p: plans.approve_plan(a, p, payload.comment))


@_post("return", "Return a work plan with comments", 400)
def return_plan(
    request: HttpRequest, plan_id: Id, payload: CommentIn, query: Query[StrictQuery]
) -> Any:
    """The office (or the unit head, before endorsing) returns the plan: say what to change."""
    return _step(request, plan_id, lambda a, p: plans.return_plan(a, p, payload.comment))


# --- versions -------------------------------------------------------------------------------


class VersionRow(VersionOut):
    id: int


class VersionPage(Page[VersionRow]):
    pass


@router.get(
    "/plans/{plan_id}/versions",
    response=responses(VersionPage, 403, 404),
    summary="List a work plan's submitted versions",
)
def list_versions(request: HttpRequest, plan_id: Id, filters: Query[PageQuery]) -> Any:
    """Every version the plan was submitted in, latest first, with its measures as they
    stood and the decision on it (the desk's versions tab)."""
    plan = _get_plan(person(request), plan_id)
    versions = WorkPlanVersion.objects.filter(plan=plan).select_related("submitted_by")
    return keyset_page(request, versions, filters, order=["-number", "-id"])
