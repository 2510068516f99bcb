"""Ledger filters a person keeps under a name: save, replace and delete them, audited.

A saved filter is the list's query string, cleaned to the parameters the ledger
filter knows (no cursor: a saved filter always opens on the first page).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from campaigndesk.core import generation, writes
from campaigndesk.org import access

from .filters import LedgerFilter
from .models import SavedFilter

# The ledger filter's parameters and the page size; anything else is dropped.
KEPT_PARAMETERS = (*LedgerFilter.base_fields, "size")
MAX_SAVED = 50  # per person: the list of saved filters stays a short menu


def clean_query(query: str | QueryDict) -> str:
    """The query string with only the filter's own, non-empty parameters, in a stable order."""
    params = query if isinstance(query, QueryDict) else QueryDict(query.lstrip("?"))
    kept = QueryDict(mutable=True)
    for name in KEPT_PARAMETERS:
        values = [v for v in params.getlist(name) if v.strip()]
        if values:
            kept.setlist(name, values)
        elif name == "campaign" and name in params:
            kept[name] = ""  # chosen on purpose: every campaign, not the current one
    return kept.urlencode()


def filters_of(person: Any) -> list[SavedFilter]:
    """The person's own saved filters, by name: read once, then kept per process until
    a saved filter (or another watched table) changes (core/generation.py)."""
    pk = getattr(person, "pk", None)
    if not pk:
        return []
    names = [f.attname for f in SavedFilter._meta.concrete_fields]

    def read() -> tuple[tuple[Any, ...], ...]:
        rows = SavedFilter.objects.filter(owner_id=pk).order_by("name").values_list(*names)
        return tuple(rows[:MAX_SAVED])

    rows = generation.cached("ledger.saved_filters", pk, read)
    return [SavedFilter.from_db("default", names, list(row)) for row in rows]


def get_filter_for_owner(person: Any, pk: Any) -> SavedFilter:
    """One of the person's own saved filters; 404 for anyone else's."""
    from django.http import Http404

    try:
        return SavedFilter.objects.get(pk=pk, owner_id=getattr(person, "pk", None))
    except (SavedFilter.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def save_filter(actor: Any, *, name: str, query: str) -> SavedFilter:
    """Keep the filter under `name`; a filter of the same name is replaced."""
    access.require(actor, "ledger.view")
    name = " ".join(name.split())
    query = clean_query(query)
    max_name = SavedFilter._meta.get_field("name").max_length
    max_query = SavedFilter._meta.get_field("query").max_length
    if not name:
        raise ValidationError({"name": _("Give the filter a name.")})
    if len(name) > max_name:
        raise ValidationError(
            {"name": _("Keep the name to %(max)s characters.") % {"max": max_name}}
        )
    if not query:
        raise ValidationError(_("Choose at least one filter before saving it."))
    if len(query) > max_query:
        raise ValidationError(_("This filter is too long to save; simplify it."))
    with transaction.atomic():
        existing = SavedFilter.objects.select_for_update().filter(owner=actor, name=name).first()
        if existing is not None:
            return writes.update(actor, existing, {"query": query}, action="ledger.save_filter")
        if SavedFilter.objects.filter(owner=actor).count() >= MAX_SAVED:
            raise ValidationError(
                _("You can keep %(max)s filters. Delete one you no longer use.")
                % {"max": MAX_SAVED}
            )
        return writes.create(
            actor, SavedFilter(owner=actor, name=name, query=query), action="ledger.save_filter"
        )


def delete_filter(actor: Any, saved: SavedFilter) -> None:
    """Delete one of the person's own saved filters."""
    if saved.owner_id != getattr(actor, "pk", None):
        raise PermissionDenied("ledger.delete_filter")
    with transaction.atomic():
        writes.delete(actor, saved, action="ledger.delete_filter")
