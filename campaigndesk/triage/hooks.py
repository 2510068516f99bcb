"""Plug the routing model into the suggestion workflow (imported by TriageConfig.ready()).

- a hint provider: the top three units with a confidence for a page of the triage queue
  (stored per suggestion, see stored_hints.py), or, before any model is trained, the
  units whose keywords the office set occur in the text ("by keyword"); the category's
  default unit stays as the built-in provider;
- an intake hook: queues the new suggestion's triage job (`dup_jobs.after_intake`: its
  guess stored when a model is active and no threshold is set, then its duplicate
  search), and routes it automatically when the campaign has a threshold and the top
  guess reaches it (off by default);
- a route hook: when the office routes a suggestion the model had a guess for, records
  whether it followed the top guess (live precision).

Every hook catches its own failures: intake and routing never break because of triage.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from campaigndesk.core import generation, scheduler
from campaigndesk.core.background import enqueue_with_commit
from campaigndesk.org import access
from campaigndesk.org.models import Unit
from campaigndesk.suggestions import actions as suggestion_actions
from campaigndesk.suggestions import hints, intake
from campaigndesk.suggestions.models import Status, Suggestion

from . import dup_jobs, predict, stored_hints
from .models import RoutingDecision, RoutingModel, RoutingPrediction, Target, TriageSettings

logger = logging.getLogger(__name__)

BY_KEYWORD = _("by keyword")


def routing_hints(suggestions: list[Suggestion]) -> dict[int, hints.Hint]:
    """The stored guesses of the active version (computed and stored for rows without
    one); keywords for suggestions no model covers. The units are named by
    `hints.active_units`: no query when the queue passed its units."""
    found, cold = stored_hints.routing_units(suggestions)
    keyword = predict.keyword_units(cold) if cold else {}
    unit_ids = {u for guesses in found.values() for u, _p in guesses}
    unit_ids |= {u for units in keyword.values() for u in units}
    if not unit_ids:
        return {}
    units = hints.active_units(unit_ids)
    out: dict[int, hints.Hint] = {}
    for pk, guesses in found.items():
        out[pk] = hints.Hint(units=[hints.UnitGuess(units[u], p) for u, p in guesses if u in units])
    for pk, ids in keyword.items():
        out[pk] = hints.Hint(
            units=[hints.UnitGuess(units[u], BY_KEYWORD) for u in ids if u in units]
        )
    return out


def _threshold(campaign_id: int) -> tuple[float | None, bool]:
    """The campaign's auto-route threshold and whether a unit model is active for it.

    Kept in the process until a watched table changes (the triage settings and the
    routing models are watched, see TriageConfig.ready): every submission asks, and the
    request has read the reference stamp already (its campaign is kept the same way)."""
    return generation.cached("triage.threshold", campaign_id, lambda: _read_threshold(campaign_id))


def _read_threshold(campaign_id: int) -> tuple[float | None, bool]:
    """One plain read of two indexed lookups."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            # Names come from the models; the values are parameters.
            f"SELECT (SELECT {qn('auto_route_threshold')} "  # noqa: S608
            f"FROM {qn(TriageSettings._meta.db_table)} WHERE {qn('campaign_id')} = %s), "
            f"EXISTS (SELECT 1 FROM {qn(RoutingModel._meta.db_table)} "
            f"WHERE {qn('is_active')} AND {qn('target')} = %s "
            f"AND ({qn('campaign_id')} = %s OR {qn('campaign_id')} IS NULL))",
            [campaign_id, Target.UNIT.value, campaign_id],
        )
        threshold, has_model = cursor.fetchone()
    return threshold, bool(has_model)


def auto_route(suggestion: Suggestion) -> Callable[[], None] | None:
    """An intake hook: queue the suggestion's triage job, and route it when its
    campaign's threshold is set and reached.

    Every submission pays one indexed read (threshold and model) and one enqueue: the
    job stores the guess (with a model but no threshold: the queue would otherwise
    predict it on the page) and searches its duplicates. A database error here is not
    swallowed: the transaction is broken then, and its commit would drop the suggestion
    after all. With a threshold, the routing (audited itself, storing the guess) is
    returned, for intake to run after the suggestion's audit record.
    """
    threshold, has_model = _threshold(suggestion.campaign_id)
    guess = has_model and threshold is None
    enqueue_with_commit(dup_jobs.after_intake, suggestion.pk, guess)
    if threshold is None:
        return None
    return functools.partial(_auto_route, suggestion, threshold)


def _auto_route(suggestion: Suggestion, threshold: float) -> None:
    """The model runs in a savepoint: a failure there is logged and intake goes on."""
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves intake's work intact
            found = predict.predict([suggestion]).get(suggestion.pk)
            if not found or not found[1]:
                return
            model, guesses = found
            unit_id, confidence = guesses[0]
            RoutingPrediction.objects.update_or_create(
                suggestion=suggestion, defaults={"model": model, "top": guesses}
            )
            if confidence < threshold or suggestion.status != Status.RECEIVED:
                return
            unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
            if unit is None:
                return
            suggestion_actions.route(
                access.SYSTEM,
                [suggestion],
                unit,
                note=str(
                    _("Routed automatically (confidence %(p)s %%).")
                    % {"p": round(100 * confidence)}
                ),
            )
    except Exception:
        logger.exception("triage auto-routing failed for suggestion %s", suggestion.pk)


def record_decisions(actor: Any, suggestions: list[Suggestion], unit: Unit) -> None:
    """The office routed: store, per suggestion the model had a guess for, whether the
    chosen unit was its top guess. Automatic routes are not decisions."""
    if actor is access.SYSTEM or not suggestions:
        return
    try:
        with transaction.atomic():
            found = predict.predict(suggestions)
            RoutingDecision.objects.bulk_create(
                RoutingDecision(
                    suggestion=s,
                    model=found[s.pk][0],
                    top=found[s.pk][1],
                    chosen_unit=unit,
                    accepted=bool(found[s.pk][1]) and found[s.pk][1][0][0] == unit.pk,
                )
                for s in suggestions
                if s.pk in found and found[s.pk][1]
            )
    except Exception:
        logger.exception("triage could not record routing decisions")


def _register(target: list[Any], fn: Any) -> None:
    if fn not in target:
        target.append(fn)


_register(hints.HINT_PROVIDERS, routing_hints)
_register(intake.INTAKE_HOOKS, auto_route)
_register(suggestion_actions.ROUTE_HOOKS, record_decisions)
for periodic in stored_hints.SCHEDULE:
    scheduler.register(periodic)
