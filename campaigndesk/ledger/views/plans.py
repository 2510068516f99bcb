"""Work plan screens: the list, a plan's page, its measures, its workflow, its versions.

draft → submitted (liaison) → endorsed (unit head) → approved | returned (office);
returned → draft. Every change goes through `campaigns.plans`; a refusal comes back
on the page (status 400) next to the button that asked for it. Plans outside the
person's units are 404.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms import BaseForm, Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaigndesk.campaigns import plans
from campaigndesk.campaigns.models import (
    Campaign,
    KeyTask,
    PlanMeasure,
    PlanStatus,
    WorkPlan,
    WorkPlanVersion,
)
from campaigndesk.campaigns.queries import current_campaign
from campaigndesk.core.actionviews import show_errors
from campaigndesk.core.paging import paginate
from campaigndesk.org import access

from ..forms import (
    DecisionForm,
    MeasureForm,
    MilestoneFormSet,
    PlanFilterForm,
    PlanStartForm,
    PlanSummaryForm,
    milestones_initial,
    milestones_json,
)

GET_POST = ["GET", "POST"]
COMPARED_FIELDS = ("key_task", "title", "description", "owner_name", "deadline", "milestones")


def get_plan_for_user(user: Any, pk: Any) -> WorkPlan:
    """The plan, or 404 when it does not exist or lies outside the person's units."""
    try:
        plan = WorkPlan.objects.select_related("campaign", "unit").get(pk=pk)
    except (WorkPlan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not access.can(user, "plans.view", plan):
        raise Http404
    return plan


def get_measure_for_user(user: Any, pk: Any) -> PlanMeasure:
    try:
        measure = PlanMeasure.objects.select_related("plan__campaign", "plan__unit").get(pk=pk)
    except (PlanMeasure.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not access.can(user, "plans.view", measure.plan):
        raise Http404
    return measure


def _plan_url(plan: WorkPlan) -> str:
    return reverse("ledger:plan", args=[plan.pk])


# --- the list -------------------------------------------------------------------------------


@require_safe
@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """The office sees every unit's plan for the campaign; a unit its own and those below."""
    access.require(request.user, "plans.view")
    filters = PlanFilterForm(request.GET or None)
    chosen: dict[str, Any] = filters.cleaned_data if filters.is_valid() else {}
    campaign: Campaign | None = chosen.get("campaign") or current_campaign()
    page = None
    start_form = None
    if campaign is not None:
        plans_qs = (
            WorkPlan.objects.filter(campaign=campaign)
            .filter(access.unit_filter(request.user, "unit"))
            .select_related("unit")
            .annotate(measure_count=Count("measures"))
            .order_by("unit__path")
        )
        if chosen.get("status"):
            plans_qs = plans_qs.filter(status=chosen["status"])
        page = paginate(request, plans_qs)
        if access.grants(request.user).has(*access.UNIT_ROLES):
            start_form = PlanStartForm(user=request.user, campaign=campaign)
            if not start_form.fields["unit"].queryset.exists():
                start_form = None  # every unit of theirs has its plan already
    context = {
        "filters": filters,
        "campaign": campaign,
        "page": page,
        "start_form": start_form,
    }
    return render(request, "ledger/plans/list.html", context)


@require_POST
@login_required
def plan_start(request: HttpRequest) -> HttpResponse:
    campaign_id = request.POST.get("campaign")
    campaign = Campaign.objects.filter(pk=campaign_id).first() if campaign_id else None
    campaign = campaign or current_campaign()
    if campaign is None:
        raise Http404
    form = PlanStartForm(request.POST, user=request.user, campaign=campaign)
    if not form.is_valid():
        messages.error(request, _("Choose one of your units that has no plan yet."))
        return redirect(reverse("ledger:plan_list"))
    plan = plans.start_plan(request.user, campaign, form.cleaned_data["unit"])
    messages.success(request, _("The work plan was started. Add its measures."))
    return redirect(_plan_url(plan))


# --- a plan's page ----------------------------------------------------------------------------


def _offers(user: Any, plan: WorkPlan, measure_count: int) -> dict[str, bool]:
    edit = access.can(user, "plans.edit", plan)
    endorse = access.can(user, "plans.endorse", plan)
    decide = access.can(user, "plans.decide", plan)
    status = plan.status
    return {
        "edit": edit and plan.is_editable,
        "submit": edit and status in (PlanStatus.DRAFT, PlanStatus.RETURNED) and measure_count > 0,
        "endorse": endorse and status == PlanStatus.SUBMITTED,
        "approve": decide and status == PlanStatus.ENDORSED,
        "return": (decide and status in (PlanStatus.SUBMITTED, PlanStatus.ENDORSED))
        or (endorse and status == PlanStatus.SUBMITTED),
    }


def _key_task_groups(measures: list[PlanMeasure]) -> list[dict[str, Any]]:
    """Measures grouped by key task, in key-task order; measures without one come last."""
    groups: dict[Any, list[PlanMeasure]] = defaultdict(list)
    for m in measures:
        groups[m.key_task].append(m)
    ordered = sorted(groups, key=lambda kt: (kt is None, kt.number if kt else 0))
    return [{"key_task": kt, "measures": groups[kt]} for kt in ordered]


def _detail(
    request: HttpRequest,
    plan: WorkPlan,
    bound: dict[str, BaseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    measures = list(plan.measures.select_related("key_task").order_by("number"))
    offers = _offers(request.user, plan, len(measures))
    forms: dict[str, BaseForm] = {}
    if offers["approve"]:
        forms["approve"] = DecisionForm(prefix="approve")
    if offers["return"]:
        forms["return"] = DecisionForm(prefix="return")
    forms.update(bound or {})
    context = {
        "plan": plan,
        "tab": "plan",
        "groups": _key_task_groups(measures),
        "measure_count": len(measures),
        "offers": offers,
        "forms": forms,
        "open_form": next(iter(bound or {}), ""),
    }
    return render(request, "ledger/plans/detail.html", context, status=status)


@require_safe
@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_plan_for_user(request.user, pk))


def _transition(
    request: HttpRequest, pk: int, key: str, run: Any, with_comment: bool = False
) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    form: BaseForm = (
        DecisionForm(request.POST, prefix=key) if with_comment else Form(data={}, prefix=key)
    )
    form.is_valid()
    try:
        notice = run(plan, form.cleaned_data.get("comment", ""))
    except ValidationError as exc:
        show_errors(form, exc)
        return _detail(request, get_plan_for_user(request.user, pk), {key: form}, status=400)
    messages.success(request, notice)
    return redirect(_plan_url(plan))


@require_POST
@login_required
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    def run(plan: WorkPlan, _comment: str) -> str:
        version = plans.submit_plan(request.user, plan)
        return _("Version %(number)s of the plan was submitted to the unit head.") % {
            "number": version.number
        }

    return _transition(request, pk, "submit", run)


@require_POST
@login_required
def plan_endorse(request: HttpRequest, pk: int) -> HttpResponse:
    def run(plan: WorkPlan, _comment: str) -> str:
        plans.endorse_plan(request.user, plan)
        return _("You endorsed the plan; it goes to the office for approval.")

    return _transition(request, pk, "endorse", run)


@require_POST
@login_required
def plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    def run(plan: WorkPlan, comment: str) -> str:
        plans.approve_plan(request.user, plan, comment)
        return _("The plan was approved. Its measures are now tasks on the ledger.")

    return _transition(request, pk, "approve", run, with_comment=True)


@require_POST
@login_required
def plan_return(request: HttpRequest, pk: int) -> HttpResponse:
    def run(plan: WorkPlan, comment: str) -> str:
        plans.return_plan(request.user, plan, comment)
        return _("The plan was returned to the unit with your comment.")

    return _transition(request, pk, "return", run, with_comment=True)


# --- editing ------------------------------------------------------------------------------------


def _require_edit(user: Any, plan: WorkPlan) -> None:
    access.require(user, "plans.edit", plan)


@require_http_methods(GET_POST)
@login_required
def plan_summary(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    _require_edit(request.user, plan)
    form = PlanSummaryForm(
        request.POST if request.method == "POST" else None, initial={"summary": plan.summary}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                plans.update_plan_summary(request.user, plan, form.cleaned_data["summary"])
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                messages.success(request, _("The summary was saved."))
                return redirect(_plan_url(plan))
    context = {"plan": plan, "form": form}
    return render(request, "ledger/plans/summary_form.html", context, status=status)


def _measure_form(
    request: HttpRequest, plan: WorkPlan, measure: PlanMeasure | None
) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    if measure is not None:
        initial = {
            "key_task": measure.key_task_id,
            "title": measure.title,
            "description": measure.description,
            "owner_name": measure.owner_name,
            "deadline": measure.deadline,
        }
        rows = milestones_initial(measure.milestones)
    form = MeasureForm(data, campaign=plan.campaign, initial=initial)
    # Initial rows only to draw the form: a posted row that equals its initial value
    # would otherwise count as untouched and be dropped.
    milestones = MilestoneFormSet(data, prefix="milestones", initial=None if data else rows)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and milestones.is_valid():
            fields = {**form.cleaned_data, "milestones": milestones_json(milestones)}
            try:
                if measure is None:
                    plans.add_measure(request.user, plan, **fields)
                else:
                    plans.update_measure(request.user, measure, fields)
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                messages.success(request, _("The measure was saved."))
                return redirect(_plan_url(plan) + "#measures")
    context = {"plan": plan, "measure": measure, "form": form, "milestones": milestones}
    return render(request, "ledger/plans/measure_form.html", context, status=status)


@require_http_methods(GET_POST)
@login_required
def measure_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    _require_edit(request.user, plan)
    return _measure_form(request, plan, None)


@require_http_methods(GET_POST)
@login_required
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_measure_for_user(request.user, pk)
    _require_edit(request.user, measure.plan)
    return _measure_form(request, measure.plan, measure)


@require_POST
@login_required
def measure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_measure_for_user(request.user, pk)
    plan = measure.plan
    _require_edit(request.user, plan)
    try:
        plans.delete_measure(request.user, measure)
    except ValidationError as exc:
        form = Form(data={}, prefix="delete")
        form.is_valid()
        show_errors(form, exc)
        return _detail(request, get_plan_for_user(request.user, plan.pk), {"delete": form}, 400)
    messages.success(request, _("The measure “%(title)s” was deleted.") % {"title": measure.title})
    return redirect(_plan_url(plan) + "#measures")


# --- versions -----------------------------------------------------------------------------------


@require_safe
@login_required
def plan_versions(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    versions = WorkPlanVersion.objects.filter(plan=plan).select_related("submitted_by")
    page = paginate(request, versions.order_by("-number"))
    return render(
        request, "ledger/plans/versions.html", {"plan": plan, "page": page, "tab": "versions"}
    )


def _milestones_text(value: Any) -> str:
    if not value:
        return "—"
    return "; ".join(f"{m.get('title', '')} ({m.get('due', '')})" for m in value)


def _measure_rows(
    measures: list[dict[str, Any]], key_tasks: dict[int, KeyTask]
) -> list[dict[str, Any]]:
    return [
        {
            **m,
            "key_task_label": _value("key_task", m.get("key_task"), key_tasks),
            "milestones_text": _milestones_text(m.get("milestones")),
        }
        for m in measures
    ]


def _value(field: str, value: Any, key_tasks: dict[int, KeyTask]) -> str:
    if field == "key_task":
        kt = key_tasks.get(value) if value else None
        return f"{kt.number}. {kt.title}" if kt else "—"
    if field == "milestones":
        return _milestones_text(value)
    return str(value) if value not in (None, "") else "—"


@require_safe
@login_required
def plan_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest submitted version against the last approved one, measure by measure."""
    plan = get_plan_for_user(request.user, pk)
    diff = plans.compare_versions(plan)
    snapshots = [*diff["added"], *diff["removed"]]
    ids = {m.get("key_task") for m in snapshots}
    for _number, field, old, new in diff["changed"]:
        if field == "key_task":
            ids |= {old, new}
    key_tasks = KeyTask.objects.in_bulk([i for i in ids if i])
    labels = {name: PlanMeasure._meta.get_field(name).verbose_name for name in COMPARED_FIELDS}
    titles = {}
    if diff["submitted"] is not None:
        titles = {m["number"]: m.get("title", "") for m in diff["submitted"].measures}
    changed = [
        {
            "number": number,
            "title": titles.get(number, ""),
            "field": labels.get(field, field),
            "old": _value(field, old, key_tasks),
            "new": _value(field, new, key_tasks),
        }
        for number, field, old, new in diff["changed"]
    ]
    context = {
        "plan": plan,
        "tab": "compare",
        "submitted": diff["submitted"],
        "approved": diff["approved"],
        "added": _measure_rows(diff["added"], key_tasks),
        "removed": _measure_rows(diff["removed"], key_tasks),
        "changed": changed,
    }
    return render(request, "ledger/plans/compare.html", context)
