"""Training routing model versions from the routed history, and the office's actions on
them (activate/roll back, keywords, auto-route threshold). Every write is audited."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from campaigndesk.audit import trail
from campaigndesk.audit.models import Verb
from campaigndesk.core import writes
from campaigndesk.org import access
from campaigndesk.suggestions.models import Status, Suggestion

from . import pipeline, routing
from .evaluate import EvaluationError, Table, _split
from .models import RoutingModel, Target, TriageSettings, UnitKeyword

logger = logging.getLogger(__name__)

MIN_ROWS = 20
MAX_ROWS = 50_000  # the most recent ones


class NotEnoughData(Exception):
    pass


def training_data(
    campaign: Any = None, target: str = Target.UNIT, max_rows: int = MAX_ROWS
) -> Table:
    """Suggestions the office routed and the unit answered (label: unit id), or, for the
    category target, suggestions with a category that were not spam (label: category code)."""
    qs = Suggestion.objects.all()
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if target == Target.UNIT:
        qs = qs.filter(unit__isnull=False, answered_at__isnull=False)
        label = "unit_id"
    else:
        qs = qs.filter(category__isnull=False).exclude(status=Status.SPAM)
        label = "category__code"
    values = qs.order_by("-created_at", "-id").values_list("title", "body", label)[:max_rows]
    rows, labels = [], []
    for title, body, y in values:
        rows.append((routing.clean(title), routing.clean(body)))
        labels.append(str(y))
    return Table(rows, labels)


def history_size(campaign: Any = None) -> tuple[int, int]:
    """(answered and routed suggestions, distinct units among them): what a unit model
    would train on; one query."""
    from django.db.models import Count

    qs = Suggestion.objects.filter(unit__isnull=False, answered_at__isnull=False)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    agg = qs.aggregate(rows=Count("id"), units=Count("unit_id", distinct=True))
    return min(agg["rows"], MAX_ROWS), agg["units"]


def can_train(rows: int, classes: int) -> bool:
    return rows >= MIN_ROWS and classes >= 2


def _audit_fields(m: RoutingModel) -> dict[str, Any]:
    return {k: v for k, v in trail.snapshot(m).items() if k != "blob"}


def train(
    campaign: Any = None,
    target: str = Target.UNIT,
    actor: Any = access.SYSTEM,
    trained_by: str = "",
    variant: str = pipeline.DEFAULT_VARIANT,
    max_rows: int = MAX_ROWS,
) -> RoutingModel:
    """Train, measure on a 20 % hold-out, refit on everything, store and activate a version."""
    access.require(actor, "triage.train")
    data = training_data(campaign, target, max_rows)
    if not can_train(len(data.rows), len(set(data.labels))):
        raise NotEnoughData(
            _(
                "Not enough history to train: %(rows)s answered suggestions in %(classes)s groups "
                "(need %(min)s in at least two)."
            )
            % {"rows": len(data.rows), "classes": len(set(data.labels)), "min": MIN_ROWS}
        )
    metrics: dict[str, Any] = {}
    try:
        train_t, test_t = _split(data, 0.2, 0)
        held = pipeline.fit(train_t.rows, train_t.labels, variant)
        from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

        pred = list(held.predict(test_t.rows))
        classes = sorted(set(data.labels))
        _p, _r, f, s = precision_recall_fscore_support(
            test_t.labels, pred, labels=classes, zero_division=0
        )
        metrics = {
            "macro_f1": round(float(f1_score(test_t.labels, pred, average="macro")), 4),
            "accuracy": round(float(accuracy_score(test_t.labels, pred)), 4),
            "per_class": {
                c: {"f1": round(float(f[i]), 4), "support": int(s[i])}
                for i, c in enumerate(classes)
            },
            "test_rows": len(test_t.rows),
        }
    except (EvaluationError, ValueError) as e:
        metrics = {"note": f"not measured: {e}"}
    pipe, seconds = pipeline.timed_fit(data.rows, data.labels, variant)
    metrics["train_seconds"] = round(seconds, 2)
    metrics["variant"] = variant
    if getattr(pipe, "selected_", None):
        metrics["C"] = pipe.selected_["C"]
    blob = routing.dumps(pipe)
    label = trained_by or (actor.get_username() if hasattr(actor, "get_username") else "system")
    with transaction.atomic():
        scope = RoutingModel.objects.select_for_update().filter(campaign=campaign, target=target)
        last = scope.aggregate(v=Max("version"))["v"] or 0
        scope.filter(is_active=True).update(is_active=False)
        model = RoutingModel(
            version=last + 1,
            campaign=campaign,
            target=target,
            trained_on=len(data.rows),
            classes=sorted(set(data.labels)),
            metrics=metrics,
            blob=blob,
            is_active=True,
            trained_by=label[:100],
        )
        model.save(force_insert=True)
        trail.record(actor, Verb.CREATE, model, action="triage.train", after=_audit_fields(model))
    return model


def activate(actor: Any, model: RoutingModel) -> RoutingModel:
    """Make this version the active one of its scope (a roll back when it is older)."""
    access.require(actor, "triage.manage", model)
    with transaction.atomic():
        RoutingModel.objects.filter(
            campaign_id=model.campaign_id, target=model.target, is_active=True
        ).exclude(pk=model.pk).update(is_active=False)
        return writes.update(actor, model, {"is_active": True}, action="triage.activate")


def add_keyword(actor: Any, unit: Any, keyword: str) -> UnitKeyword:
    access.require(actor, "triage.manage")
    keyword = " ".join((keyword or "").split()).lower()
    if not keyword:
        raise ValidationError({"keyword": _("Enter a keyword.")})
    if UnitKeyword.objects.filter(unit=unit, keyword=keyword).exists():
        raise ValidationError({"keyword": _("This unit already has that keyword.")})
    with transaction.atomic():
        return writes.create(
            actor, UnitKeyword(unit=unit, keyword=keyword), action="triage.add_keyword"
        )


def remove_keyword(actor: Any, kw: UnitKeyword) -> None:
    access.require(actor, "triage.manage")
    with transaction.atomic():
        writes.delete(actor, kw, action="triage.remove_keyword")


def set_threshold(actor: Any, campaign: Any, threshold: float | None) -> TriageSettings:
    """Route new suggestions automatically when the top guess is at least this sure (0–1);
    None turns automatic routing off."""
    access.require(actor, "triage.manage")
    if threshold is not None and not 0 < threshold <= 1:
        raise ValidationError(
            {"auto_route_threshold": _("Enter a confidence above 0 and at most 1.")}
        )
    with transaction.atomic():
        current = TriageSettings.objects.filter(campaign=campaign).first()
        if current is None:
            return writes.create(
                actor,
                TriageSettings(campaign=campaign, auto_route_threshold=threshold),
                action="triage.settings",
            )
        return writes.update(
            actor, current, {"auto_route_threshold": threshold}, action="triage.settings"
        )
