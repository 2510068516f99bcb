"""Hints for the triage queue: which unit should answer a suggestion, and what it duplicates.

The learned routing and duplicate detection of the triage app plug in here: a hint
provider takes the suggestions of one queue page and returns, for the ones it has
something to say about, a `Hint` of guessed units (with a confidence) and possible
duplicates (with a similarity). The queue calls every provider once per page, so a
provider must answer for the whole batch in a fixed number of queries, never one
per suggestion.

`HINT_PROVIDERS` starts with one cold-start provider, the category's default unit
(shown as "by category" instead of a figure). The triage app appends its own
providers (and may remove this one) when it is ready.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from campaigndesk.org.models import Unit

from .models import Category, Suggestion

logger = logging.getLogger(__name__)

TOP_UNITS = 3
TOP_DUPLICATES = 5

BY_CATEGORY = _("by category")
FIGURES = (int, float)  # a confidence that is a probability (a tuple: isinstance is faster)


class UnitGuess(NamedTuple):
    """A unit that may answer the suggestion. `confidence` is a probability (0–1), or a
    short text saying what the guess rests on when there is no figure ("by category")."""

    unit: Unit
    confidence: float | str | Promise

    @property
    def percent(self) -> int | None:
        if isinstance(self.confidence, FIGURES):
            return round(100 * self.confidence)
        return None

    @property
    def basis(self) -> str:
        return "" if self.percent is not None else str(self.confidence)


class DuplicateGuess(NamedTuple):
    """A suggestion, earlier or later, that this one may repeat; `similarity` is between 0
    and 1."""

    suggestion: Suggestion
    similarity: float

    @property
    def percent(self) -> int:
        return round(100 * self.similarity)


@dataclass(slots=True)  # no __dict__: a page makes a few of these per row
class Hint:
    units: list[UnitGuess] = field(default_factory=list)
    duplicates: list[DuplicateGuess] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.units or self.duplicates)


Provider = Callable[[list[Suggestion]], dict[int, Hint]]

# The active units a caller of `hints_for` has read already (the queue reads every unit
# for its unit lists), by id: providers name their units through `active_units`, which
# then needs no query of its own.
_known_units: ContextVar[Mapping[int, Unit] | None] = ContextVar("known_units", default=None)


def active_units(ids: Iterable[int]) -> dict[int, Unit]:
    """The active units among `ids`, by id (code and names at least): from the units the
    caller of `hints_for` passed, else one query."""
    wanted = set(ids)
    if not wanted:
        return {}
    known = _known_units.get()
    if known is not None:
        return {pk: known[pk] for pk in wanted if pk in known}
    return (
        Unit.objects.filter(pk__in=wanted, is_active=True)
        .only("pk", "code", "name_zh", "name_en")
        .in_bulk()
    )


def by_category(suggestions: list[Suggestion]) -> dict[int, Hint]:
    """The citizen's category names the unit that usually answers it: no query when the
    categories came with their default units or the caller passed the active units (the
    queue does), else one for the default units of the page's categories."""
    categories: dict[int, Category] = {}
    wanted: dict[int, int] = {}
    for s in suggestions:
        category_id = s.category_id
        if category_id is None:
            continue
        category = categories.get(category_id)
        if category is None:
            category = categories[category_id] = s.category
        if category.default_unit_id is not None:
            wanted[s.pk] = category.default_unit_id
    if not wanted:
        return {}
    cached = Category.default_unit.is_cached
    if all(cached(c) for c in categories.values()):
        units = {
            c.default_unit_id: c.default_unit
            for c in categories.values()
            if c.default_unit_id is not None and c.default_unit.is_active
        }
    else:
        units = active_units(wanted.values())
    guesses = {unit_id: UnitGuess(unit, BY_CATEGORY) for unit_id, unit in units.items()}
    return {
        pk: Hint(units=[guesses[unit_id]]) for pk, unit_id in wanted.items() if unit_id in guesses
    }


HINT_PROVIDERS: list[Provider] = [by_category]


def _rank(value: float | str | Promise) -> tuple[int, float]:
    # Figures before plain bases, higher figures first.
    return (0, -float(value)) if isinstance(value, FIGURES) else (1, 0.0)


def _unit_rank(guess: UnitGuess) -> tuple[int, float]:
    value = guess[1]
    return (0, -float(value)) if isinstance(value, FIGURES) else (1, 0.0)


def _merge(into: Hint, other: Hint) -> None:
    if other.units:
        into.units = _merged(
            into.units,
            other.units,
            key=lambda g: g.unit.pk,
            better=lambda g, kept: _rank(g.confidence) < _rank(kept.confidence),
            order=_unit_rank,
        )
    if other.duplicates:
        into.duplicates = _merged(
            into.duplicates,
            other.duplicates,
            key=lambda g: g.suggestion.pk,
            better=lambda g, kept: g.similarity > kept.similarity,
            order=lambda g: -g.similarity,
        )


def _merged(
    current: list[Any], incoming: list[Any], *, key: Any, better: Any, order: Any
) -> list[Any]:
    """`current` with `incoming` added, one per `key` (the `better` of two), in `order`.
    A first single guess (each row's category hint, most duplicate lists) is taken as it
    is: merging it into nothing changes nothing."""
    if not current and len(incoming) == 1:
        return [incoming[0]]
    found = {key(g): g for g in current}
    for guess in incoming:
        kept = found.get(key(guess))
        if kept is None or better(guess, kept):
            found[key(guess)] = guess
    return sorted(found.values(), key=order)


def hints_for(
    suggestions: Iterable[Suggestion],
    providers: Iterable[Provider] | None = None,
    units: Mapping[int, Unit] | None = None,
) -> dict[int, Hint]:
    """Every provider's hints for a page of suggestions, merged per suggestion: at most
    three units (figures first, highest first) and five duplicates (most similar first).

    `units`: every active unit by id, when the caller has read them (providers then name
    their units without a query). A provider that fails is logged and skipped: the queue
    works without hints.
    """
    page = list(suggestions)
    merged: dict[int, Hint] = {}
    if not page:
        return merged
    ids = {s.pk for s in page}
    token = _known_units.set(units)
    try:
        for provider in HINT_PROVIDERS if providers is None else providers:
            try:
                found = provider(page)
            except Exception:
                logger.exception("suggestion hint provider %r failed", provider)
                continue
            for pk, hint in (found or {}).items():
                if pk in ids and hint:
                    into = merged.get(pk)
                    if into is None:
                        into = merged[pk] = Hint()
                    _merge(into, hint)
    finally:
        _known_units.reset(token)
    for pk, hint in merged.items():
        hint.units = hint.units[:TOP_UNITS]
        hint.duplicates = [d for d in hint.duplicates if d.suggestion.pk != pk][:TOP_DUPLICATES]
    return {pk: hint for pk, hint in merged.items() if hint}


def has_providers() -> bool:
    return bool(HINT_PROVIDERS)


__all__ = [
    "BY_CATEGORY",
    "HINT_PROVIDERS",
    "DuplicateGuess",
    "Hint",
    "UnitGuess",
    "active_units",
    "by_category",
    "hints_for",
]
