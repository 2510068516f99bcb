"""Predictions with the active routing model, for a batch of suggestions at a time.

The active model of a campaign is its own unit model, else the city-wide one. A loaded
model is kept per process (by version id), so after the first use a batch costs one
query for the active versions and one `predict_proba` call per model.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Count, Q

from .models import RoutingDecision, RoutingModel, Target, UnitKeyword

TOP = 3
_cache: dict[int, Any] = {}
_lock = threading.Lock()


def pipeline(model: RoutingModel) -> Any:
    pipe = _cache.get(model.pk)
    if pipe is None:
        blob = RoutingModel.objects.values_list("blob", flat=True).get(pk=model.pk)
        from . import routing  # scikit-learn loads on first use, not in every web worker

        pipe = routing.loads(blob)
        with _lock:
            if len(_cache) >= 4:
                _cache.clear()
            _cache[model.pk] = pipe
    return pipe


def active_models(campaign_ids: Iterable[int | None]) -> dict[int | None, RoutingModel]:
    """Active unit models for these campaigns (key None: the city-wide one); one query."""
    ids = {c for c in campaign_ids if c is not None}
    found = (
        RoutingModel.objects.filter(target=Target.UNIT, is_active=True)
        .filter(Q(campaign_id__in=ids) | Q(campaign__isnull=True))
        .defer("blob")
        .order_by("-created_at")
    )
    out: dict[int | None, RoutingModel] = {}
    for m in found:
        out.setdefault(m.campaign_id, m)
    return out


def predict(suggestions: Sequence[Any]) -> dict[int, tuple[RoutingModel, list[tuple[int, float]]]]:
    """suggestion pk → (model, [(unit id, confidence), ...] best first) for those with a model."""
    page = list(suggestions)
    if not page:
        return {}
    models = active_models(s.campaign_id for s in page)
    groups: dict[int, tuple[RoutingModel, list[Any]]] = {}
    for s in page:
        m = models.get(s.campaign_id) or models.get(None)
        if m is not None:
            groups.setdefault(m.pk, (m, []))[1].append(s)
    out: dict[int, tuple[RoutingModel, list[tuple[int, float]]]] = {}
    for m, members in groups.values():
        from . import routing

        rows = [(routing.clean(s.title), routing.clean(s.body)) for s in members]
        for s, guesses in zip(members, routing.top_k(pipeline(m), rows, TOP), strict=True):
            out[s.pk] = (m, [(int(c), round(p, 4)) for c, p in guesses if str(c).isdigit()])
    return out


def keyword_units(suggestions: Sequence[Any]) -> dict[int, list[int]]:
    """Cold start: units whose office-set keywords occur in the text (one query)."""
    keywords = list(
        UnitKeyword.objects.filter(unit__is_active=True).values_list("keyword", "unit_id")
    )
    if not keywords:
        return {}
    out: dict[int, list[int]] = {}
    for s in suggestions:
        text = f"{s.title} {s.body}".lower()
        hits: dict[int, int] = {}
        for kw, unit_id in keywords:
            if kw in text:
                hits[unit_id] = hits.get(unit_id, 0) + 1
        if hits:
            out[s.pk] = sorted(hits, key=lambda u: -hits[u])[:TOP]
    return out


def live_precision(models: Iterable[RoutingModel]) -> dict[int, tuple[int, int, float | None]]:
    """model pk → (decisions, accepted, share accepted); one query."""
    ids = [m.pk for m in models]
    rows = (
        RoutingDecision.objects.filter(model_id__in=ids)
        .values("model_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(accepted=True)))
    )
    out: dict[int, tuple[int, int, float | None]] = {pk: (0, 0, None) for pk in ids}
    for r in rows:
        out[r["model_id"]] = (r["n"], r["ok"], r["ok"] / r["n"] if r["n"] else None)
    return out
