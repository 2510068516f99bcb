"""Work plans: every change, and the comparison of versions.

draft → submitted (liaison) → endorsed (unit head) → approved | returned (office);
returned → draft. Editing an approved plan starts a revision (back to draft); its
tasks stay on the ledger until the revision is approved.

Approval runs the hooks in `PLAN_APPROVED_HOOKS` inside the same transaction; the
ledger registers the one that turns measures into tasks, so this module does not
import the ledger (campaigns is a base app others build on).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.core import writes
from campaigndesk.org import access

from .models import Campaign, PlanMeasure, PlanStatus, WorkPlan, WorkPlanVersion

PlanHook = Callable[[Any, WorkPlan, WorkPlanVersion], None]
PLAN_APPROVED_HOOKS: list[PlanHook] = []

MEASURE_FIELDS = (
    "key_task",
    "number",
    "title",
    "description",
    "owner_name",
    "deadline",
    "milestones",
)


def _transition(
    actor: Any, plan: WorkPlan, allowed_from: tuple[str, ...], to: str, **extra: Any
) -> None:
    if plan.status not in allowed_from:
        raise ValidationError(
            _("A plan that is %(status)s cannot be moved to %(target)s.")
            % {"status": plan.get_status_display(), "target": PlanStatus(to).label}
        )
    writes.update(
        actor,
        plan,
        {"status": to, "lock_version": plan.lock_version + 1, **extra},
        action=f"plans.{to}",
    )


def start_plan(actor: Any, campaign: Campaign, unit: Any) -> WorkPlan:
    """The unit's plan for the campaign, created as a draft the first time."""
    existing = WorkPlan.objects.filter(campaign=campaign, unit=unit).first()
    if existing:
        access.require(actor, "plans.view", existing)
        return existing
    access.require(actor, "plans.edit", WorkPlan(campaign=campaign, unit=unit))
    with transaction.atomic():
        return writes.create(actor, WorkPlan(campaign=campaign, unit=unit), action="plans.start")


def _begin_edit(actor: Any, plan: WorkPlan) -> None:
    access.require(actor, "plans.edit", plan)
    if plan.status in (PlanStatus.SUBMITTED, PlanStatus.ENDORSED):
        raise ValidationError(_("The plan is waiting for a decision; it cannot be changed now."))
    if plan.status == PlanStatus.APPROVED:
        _transition(actor, plan, (PlanStatus.APPROVED,), PlanStatus.DRAFT)


def update_plan_summary(actor: Any, plan: WorkPlan, summary: str) -> WorkPlan:
    with transaction.atomic():
        _begin_edit(actor, plan)
        return writes.update(actor, plan, {"summary": summary}, action="plans.update")


def add_measure(actor: Any, plan: WorkPlan, **fields: Any) -> PlanMeasure:
    with transaction.atomic():
        _begin_edit(actor, plan)
        if not fields.get("number"):
            top = plan.measures.aggregate(top=Max("number"))["top"] or 0
            fields["number"] = top + 1
        return writes.create(actor, PlanMeasure(plan=plan, **fields), action="plans.add_measure")


def update_measure(actor: Any, measure: PlanMeasure, changes: dict[str, Any]) -> PlanMeasure:
    unknown = set(changes) - set(MEASURE_FIELDS)
    if unknown:
        raise ValueError(f"update_measure cannot change {sorted(unknown)}")
    with transaction.atomic():
        _begin_edit(actor, measure.plan)
        return writes.update(actor, measure, changes, action="plans.update_measure")


def delete_measure(actor: Any, measure: PlanMeasure) -> None:
    with transaction.atomic():
        _begin_edit(actor, measure.plan)
        writes.delete(actor, measure, action="plans.delete_measure")


def submit_plan(actor: Any, plan: WorkPlan) -> WorkPlanVersion:
    access.require(actor, "plans.edit", plan)
    with transaction.atomic():
        measures = list(plan.measures.order_by("number"))
        if not measures:
            raise ValidationError(_("Add at least one measure before submitting the plan."))
        number = (plan.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        now = clock.now()
        _transition(
            actor,
            plan,
            (PlanStatus.DRAFT, PlanStatus.RETURNED),
            PlanStatus.SUBMITTED,
            submitted_at=now,
        )
        version = writes.create(
            actor,
            WorkPlanVersion(
                plan=plan,
                number=number,
                summary=plan.summary,
                measures=[m.as_snapshot() for m in measures],
                submitted_by=actor if getattr(actor, "pk", None) else None,
                submitted_at=now,
            ),
            action="plans.freeze_version",
        )
    return version


def endorse_plan(actor: Any, plan: WorkPlan) -> WorkPlan:
    access.require(actor, "plans.endorse", plan)
    with transaction.atomic():
        _transition(
            actor, plan, (PlanStatus.SUBMITTED,), PlanStatus.ENDORSED, endorsed_at=clock.now()
        )
    return plan


def _latest_version(plan: WorkPlan) -> WorkPlanVersion:
    version = plan.versions.order_by("-number").first()
    if version is None:
        raise ValidationError(_("The plan has never been submitted."))
    return version


def approve_plan(actor: Any, plan: WorkPlan, comment: str = "") -> WorkPlan:
    access.require(actor, "plans.decide", plan)
    with transaction.atomic():
        version = _latest_version(plan)
        _transition(
            actor,
            plan,
            (PlanStatus.ENDORSED,),
            PlanStatus.APPROVED,
            decided_at=clock.now(),
            office_comment=comment,
            approved_version=version.number,
        )
        writes.update(
            actor,
            version,
            {"outcome": PlanStatus.APPROVED, "comment": comment},
            action="plans.approve_version",
        )
        for hook in PLAN_APPROVED_HOOKS:
            hook(actor, plan, version)
    return plan


def return_plan(actor: Any, plan: WorkPlan, comment: str) -> WorkPlan:
    """The office (or the unit head, before endorsing) sends the plan back with comments."""
    if not comment.strip():
        raise ValidationError({"comment": _("Say what needs to change.")})
    is_office = access.can(actor, "plans.decide", plan)
    if not is_office:
        access.require(actor, "plans.endorse", plan)
    allowed = (PlanStatus.SUBMITTED, PlanStatus.ENDORSED) if is_office else (PlanStatus.SUBMITTED,)
    with transaction.atomic():
        version = _latest_version(plan)
        _transition(
            actor,
            plan,
            allowed,
            PlanStatus.RETURNED,
            decided_at=clock.now(),
            office_comment=comment,
        )
        writes.update(
            actor,
            version,
            {"outcome": PlanStatus.RETURNED, "comment": comment},
            action="plans.return_version",
        )
    return plan


def compare_versions(plan: WorkPlan) -> dict[str, Any]:
    """The latest submitted version against the last approved one, measure by measure.

    Measures are matched by number. Returns {"submitted", "approved", "added",
    "removed", "changed": [(number, field, old, new)]}.
    """
    submitted = plan.versions.order_by("-number").first()
    approved = (
        plan.versions.filter(number=plan.approved_version).first()
        if plan.approved_version
        else None
    )
    new = {m["number"]: m for m in (submitted.measures if submitted else [])}
    old = {
        m["number"]: m for m in (approved.measures if approved and approved != submitted else [])
    }
    changed = [
        (n, field, old[n].get(field), new[n].get(field))
        for n in sorted(set(new) & set(old))
        for field in ("key_task", "title", "description", "owner_name", "deadline", "milestones")
        if old[n].get(field) != new[n].get(field)
    ]
    return {
        "submitted": submitted,
        "approved": approved if approved != submitted else None,
        "added": [new[n] for n in sorted(set(new) - set(old))],
        "removed": [old[n] for n in sorted(set(old) - set(new))],
        "changed": changed,
    }


__all__ = [
    "PLAN_APPROVED_HOOKS",
    "add_measure",
    "approve_plan",
    "compare_versions",
    "delete_measure",
    "endorse_plan",
    "return_plan",
    "start_plan",
    "submit_plan",
    "trail",
    "update_measure",
    "update_plan_summary",
]
