"""The routing model's top three units per suggestion, stored instead of predicted per page.

The triage queue ran the model on every page it showed (~60 ms at city scale, a TF-IDF
transform and `predict_proba` for 50 texts). Each suggestion's guess is now stored once
in `RoutingPrediction` (one row per suggestion: the model version and its top three):

- after intake commits, by the suggestion's triage job `dup_jobs.after_intake` (queued
  by hooks.py, asked to guess when a model is active; with an auto-route threshold the
  hook stores it in the submission);
- by the nightly `backfill_hints_job` after the retrain, and `campaigndesk triage hints
  --backfill`, for the queue's suggestions with no guess of the active version;
- by the queue itself for the rows of a page with none of the active version (a new
  version was activated, or the task has not run yet): bounded to the page, stored
  for the next view.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django_tasks import task

from campaigndesk import clock
from campaigndesk.core.scheduler import DAY, Periodic
from campaigndesk.suggestions.models import Status, Suggestion

from . import predict
from .models import RoutingModel, RoutingPrediction, Target

logger = logging.getLogger(__name__)

QUEUE_STATUSES = (Status.RECEIVED, Status.REOPENED)
Top = list[tuple[int, float]]


def active_versions(campaign_ids: Iterable[int | None]) -> dict[int | None, int]:
    """campaign id (None: city-wide) → the active unit model's id; one query of two
    columns (predict.active_models also reads each version's classes and metrics)."""
    ids = {c for c in campaign_ids if c is not None}
    rows = (
        RoutingModel.objects.filter(target=Target.UNIT, is_active=True)
        .filter(Q(campaign_id__in=ids) | Q(campaign__isnull=True))
        .order_by("-created_at")
        .values_list("campaign_id", "pk")
    )
    out: dict[int | None, int] = {}
    for campaign_id, pk in rows:
        out.setdefault(campaign_id, pk)
    return out


def _active(versions: dict[int | None, int], campaign_id: int | None) -> int | None:
    return versions.get(campaign_id) or versions.get(None)


def store(suggestions: Sequence[Any]) -> dict[int, Top]:
    """Predict with the active model and store the guesses (replacing older versions'):
    suggestion pk → [(unit id, confidence), ...] best first. Needs pk, campaign_id, title
    and body. A failed write is logged: the guesses are still returned."""
    found = predict.predict(suggestions)
    if not found:
        return {}
    now = clock.now()
    rows = [
        RoutingPrediction(suggestion_id=pk, model=model, top=[list(g) for g in top], at=now)
        for pk, (model, top) in found.items()
    ]
    try:
        with transaction.atomic():
            RoutingPrediction.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["suggestion"],
                update_fields=["model", "top", "at"],
            )
    except DatabaseError:
        # A suggestion deleted meanwhile, or a lost race: the next view stores it again.
        logger.exception("could not store routing hints")
    return {pk: top for pk, (_model, top) in found.items()}


def _versions_and_stored(
    campaign_ids: set[int], suggestion_ids: list[int]
) -> tuple[dict[int | None, int], dict[int, tuple[int, Any]]]:
    """The active unit models (campaign id, None for city-wide → model id, the newest
    first) and the page's stored guesses of any of them (suggestion id → (model id,
    top)): ONE query, each active model joined to the page's guesses it made.

    Plain SQL: the guess's foreign key has no reverse relation to join from the model,
    and the page pays no ORM compilation for it."""
    qn = connection.ops.quote_name
    models = qn(RoutingModel._meta.db_table)
    stored = qn(RoutingPrediction._meta.db_table)
    campaigns = list(campaign_ids)
    if connection.vendor == "postgresql":
        # One array each: psycopg caches the conversion of a statement with at most 50
        # parameters, and a page has 50 suggestions.
        rows_in, rows_params = "= ANY(%s)", [list(suggestion_ids)]
        campaigns_in, campaign_params = "= ANY(%s)", [campaigns]
    else:
        rows_in = f"IN ({', '.join(['%s'] * len(suggestion_ids))})"
        rows_params = list(suggestion_ids)
        campaigns_in = f"IN ({', '.join(['%s'] * len(campaigns))})"
        campaign_params = campaigns
    sql = (
        # Names come from the models; every value is a parameter.
        f"SELECT m.{qn('campaign_id')}, m.{qn('id')}, p.{qn('suggestion_id')}, "  # noqa: S608
        f"p.{qn('top')} FROM {models} m LEFT JOIN {stored} p "
        f"ON p.{qn('model_id')} = m.{qn('id')} AND p.{qn('suggestion_id')} {rows_in} "
        f"WHERE m.{qn('is_active')} AND m.{qn('target')} = %s "
        f"AND (m.{qn('campaign_id')} {campaigns_in} OR m.{qn('campaign_id')} IS NULL) "
        f"ORDER BY m.{qn('created_at')} DESC, m.{qn('id')} DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*rows_params, Target.UNIT.value, *campaign_params])
        rows = cursor.fetchall()
    versions: dict[int | None, int] = {}
    stored: list[tuple[int, int, Any]] = []
    for campaign_id, model_id, suggestion_id, top in rows:
        versions.setdefault(campaign_id, model_id)
        if suggestion_id is not None:
            stored.append((suggestion_id, model_id, top))
    return versions, {pk: (model_id, top) for pk, model_id, top in _loaded(stored)}


def _loaded(stored: list[tuple[int, int, Any]]) -> list[tuple[int, int, Any]]:
    """The guesses with their JSON read. Both databases hand JSON over as text (Django
    reads it with its own loader): the page's texts are read as one JSON array, one
    parse a page instead of one a row."""
    texts = [top for _pk, _model, top in stored]
    if not texts or not all(isinstance(top, str) for top in texts):
        return [(pk, m, json.loads(t) if isinstance(t, str) else t) for pk, m, t in stored]
    tops = json.loads(f"[{','.join(texts)}]")
    return [(pk, m, top) for (pk, m, _text), top in zip(stored, tops, strict=True)]


def routing_units(suggestions: Sequence[Any]) -> tuple[dict[int, Top], list[Any]]:
    """The active version's stored guesses for a page, computing and storing those
    missing: ({pk: top three}, the suggestions no active model covers).

    One query when every row is stored (the active versions with the page's stored
    guesses); the missing ones add one prediction for them all and one upsert."""
    page = list(suggestions)
    if not page:
        return {}, []
    # Each row's id and campaign, read once.
    rows = [(s, s.pk, s.campaign_id) for s in page]
    versions, stored = _versions_and_stored(
        {c for _s, _pk, c in rows if c is not None}, [pk for _s, pk, _c in rows]
    )
    wanted = {pk: _active(versions, c) for _s, pk, c in rows}
    cold = [s for s, pk, _c in rows if wanted[pk] is None]
    out: dict[int, Top] = {}
    for pk, (model_id, top) in stored.items():
        if wanted.get(pk) == model_id:
            out[pk] = [(int(u), float(p)) for u, p in top]
    missing = [s for s, pk, _c in rows if wanted[pk] is not None and pk not in out]
    if missing:
        out.update(store(missing))
    return out, cold


def _current(ids: Iterable[int], wanted: dict[int, int]) -> set[int]:
    """Those of `ids` whose stored guess is of the version `wanted` for them."""
    rows = RoutingPrediction.objects.filter(suggestion_id__in=list(ids)).values_list(
        "suggestion_id", "model_id"
    )
    return {pk for pk, model_id in rows if wanted.get(pk) == model_id}


def store_missing(ids: Sequence[int]) -> int:
    """Store the guesses of these suggestions that have none of the active version;
    how many were predicted. Three queries when all are current."""
    rows = list(Suggestion.objects.filter(pk__in=list(ids)).values_list("pk", "campaign_id"))
    if not rows:
        return 0
    versions = active_versions({c for _pk, c in rows})
    wanted = {pk: model_id for pk, c in rows if (model_id := _active(versions, c)) is not None}
    todo = set(wanted) - _current(wanted, wanted)
    if not todo:
        return 0
    texts = list(Suggestion.objects.filter(pk__in=todo).only("pk", "campaign_id", "title", "body"))
    return len(store(texts))


@task()
def store_routing_hints(suggestion_ids: list[int]) -> int:
    """Store the routing guesses of these suggestions (jobs queued before intake's one
    job, `dup_jobs.after_intake`, existed). Safe to run twice: a current guess is left
    alone."""
    return store_missing(suggestion_ids)


def backfill_hints(
    batch: int = 200,
    statuses: Iterable[str] = QUEUE_STATUSES,
    limit: int | None = None,
    say: Callable[[str], None] | None = None,
) -> int:
    """Store the guesses of the suggestions in `statuses` (the queue's) that have none of
    the active version, `batch` at a time in id order; how many were predicted. Safe to
    rerun and to run beside the queue (each row is upserted)."""
    statuses = [str(v) for v in statuses]
    qs = Suggestion.objects.filter(status__in=statuses)
    last = 0
    seen = done = 0
    while limit is None or seen < limit:
        size = batch if limit is None else min(batch, limit - seen)
        ids = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            break
        last = ids[-1]
        seen += len(ids)
        done += store_missing(ids)
        if say:
            say(f"checked {seen} suggestions, predicted {done}")
    return done


@task()
def backfill_hints_job() -> int:
    """Nightly, after the retrain: the queue's suggestions get the new version's guesses
    before the office opens the queue."""
    return backfill_hints()


# After triage.jobs.retrain_routing (02:30), in the same queue.
SCHEDULE = [Periodic("campaigndesk.triage.stored_hints.backfill_hints_job", DAY, at="03:00")]
