"""Plug the routing model into the suggestion workflow (imported by TriageConfig.ready()).

- a hint provider: the top three units with a confidence for a page of the triage queue
  (one batch prediction), or, before any model is trained, the units whose keywords the
  office set occur in the text ("by keyword"); the category's default unit stays as the
  built-in provider;
- an intake hook: routes a new suggestion automatically when the campaign has a
  threshold and the top guess reaches it (off by default);
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

from campaigndesk.org import access
from campaigndesk.org.models import Unit
from campaigndesk.suggestions import actions as suggestion_actions
from campaigndesk.suggestions import hints, intake
from campaigndesk.suggestions.models import Status, Suggestion

from . import predict
from .models import RoutingDecision, RoutingPrediction, TriageSettings

logger = logging.getLogger(__name__)

BY_KEYWORD = _("by keyword")


def routing_hints(suggestions: list[Suggestion]) -> dict[int, hints.Hint]:
    found = predict.predict(suggestions)
    cold = [s for s in suggestions if s.pk not in found]
    keyword = predict.keyword_units(cold) if cold else {}
    unit_ids = {u for _m, guesses in found.values() for u, _p in guesses}
    unit_ids |= {u for units in keyword.values() for u in units}
    if not unit_ids:
        return {}
    units = Unit.objects.filter(pk__in=unit_ids, is_active=True).in_bulk()
    out: dict[int, hints.Hint] = {}
    for pk, (_m, guesses) in found.items():
        out[pk] = hints.Hint(units=[hints.UnitGuess(units[u], p) for u, p in guesses if u in units])
    for pk, ids in keyword.items():
        out[pk] = hints.Hint(
            units=[hints.UnitGuess(units[u], BY_KEYWORD) for u in ids if u in units]
        )
    return out


def _threshold(campaign_id: int) -> float | None:
    """The campaign's auto-route threshold: one plain indexed read (campaign is unique),
    as every submission makes it."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            # Names come from the model; the value is a parameter.
            f"SELECT {qn('auto_route_threshold')} FROM {qn(TriageSettings._meta.db_table)} "  # noqa: S608
            f"WHERE {qn('campaign_id')} = %s",
            [campaign_id],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def auto_route(suggestion: Suggestion) -> Callable[[], None] | None:
    """An intake hook: route a new suggestion when its campaign's threshold is set and
    reached.

    Every submission pays one indexed read of the threshold (off by default: nothing
    more). A database error there is not swallowed: the transaction is broken then, and
    its commit would drop the suggestion after all. With a threshold, the routing
    (audited itself) is returned, for intake to run after the suggestion's audit record.
    """
    threshold = _threshold(suggestion.campaign_id)
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
