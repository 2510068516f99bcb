"""Showing the audit trail on any page.

`{% load audit %}{% object_history obj %}` renders the last changes of any model
instance: who, when, what, and each changed field as before -> after. The page
that uses it has already decided the person may see `obj`; fields registered as
private (a person's phone and e-mail) are masked unless the access rule named for
them allows the viewer to see them on that object.

Records of related objects can be merged in, matched on a field of their snapshot:
`{% object_history person include="org.rolegrant:user_id" %}` also lists the role
grants given to and taken from that person.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import template
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigndesk.audit.models import AuditRecord, Verb
from campaigndesk.core import generation
from campaigndesk.org import access

register = template.Library()

HISTORY_LIMIT = 20

# Fields whose values in the trail only some people may read: model label ->
# (attnames, access rule asked with the object). Apps add theirs at import time.
PRIVATE_FIELDS: dict[str, tuple[frozenset[str], str]] = {
    "org.user": (frozenset({"email", "phone"}), "org.view_contact"),
}


def register_private_fields(label: str, fields: set[str] | frozenset[str], perm: str) -> None:
    """Mask `fields` of `label` ("app.model") records for people `perm` does not allow."""
    PRIVATE_FIELDS[label] = (frozenset(fields), perm)


def type_label(ct: ContentType) -> str:
    return f"{ct.app_label}.{ct.model}"


def trail_url(list_url: str | None = None, **params: Any) -> str:
    """The trail filtered by `params`; pass `list_url` to save a reverse() per row."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return (list_url or reverse("audit:list")) + (f"?{query}" if query else "")


def hidden_fields(viewer: Any, record: AuditRecord, obj: models.Model | None) -> frozenset[str]:
    """The private fields of the record that the viewer may not read.

    `obj` is the object the record is about when the caller has it (None: unknown or
    gone; then private fields are masked).
    """
    spec = PRIVATE_FIELDS.get(type_label(record.content_type))
    if spec is None:
        return frozenset()
    fields, perm = spec
    if obj is not None and str(obj.pk) == record.object_id and access.can(viewer, perm, obj):
        return frozenset()
    return fields


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: str
    after: str
    hidden: bool


def _model_fields(record: AuditRecord) -> dict[str, models.Field]:
    model = record.content_type.model_class()
    if model is None:
        return {}
    return {f.attname: f for f in model._meta.concrete_fields}


def _display(value: Any, field: models.Field | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        with contextlib.suppress(ValueError):
            moment = dt.datetime.fromisoformat(value)
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return moment.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _touched(record: AuditRecord) -> list[str]:
    """The attnames a record shows: set on creation, held on deletion, changed otherwise."""
    before, after = record.before or {}, record.after or {}
    if record.verb == Verb.CREATE:
        return [k for k, v in after.items() if k != "id" and v not in (None, "", [], {})]
    if record.verb == Verb.DELETE:
        return [k for k, v in before.items() if k != "id" and v not in (None, "", [], {})]
    return [name for name, _b, _a in record.changes()]


RelatedNames = dict[tuple[type[models.Model], str], str]


def related_names(records: list[AuditRecord]) -> RelatedNames:
    """Current names of the objects the records' foreign keys point at: one query per
    related model, however many records there are."""
    wanted: dict[type[models.Model], set[Any]] = {}
    for record in records:
        by_attname = _model_fields(record)
        for name in _touched(record):
            field = by_attname.get(name)
            if field is None or not field.is_relation or field.related_model is None:
                continue
            for value in ((record.before or {}).get(name), (record.after or {}).get(name)):
                if value is not None:
                    wanted.setdefault(field.related_model, set()).add(value)
    names: RelatedNames = {}
    for model, pks in wanted.items():
        if model._meta.label in generation.WATCHED_MODELS:
            # Units, people, campaigns...: kept until one of them changes, as the names
            # on a task's history are asked for on every view of it.
            key = (model._meta.label, frozenset(pks), translation.get_language())
            found = generation.cached(
                "audit.related_names", key, lambda m=model, p=pks: _names_of(m, p), limit=2000
            )
        else:
            found = _names_of(model, pks)
        names.update(found)
    return names


def _names_of(model: type[models.Model], pks: set[Any]) -> tuple[tuple[Any, str], ...]:
    return tuple(
        ((model, str(obj.pk)), str(obj)) for obj in model._default_manager.filter(pk__in=pks)
    )


def _shown(value: Any, field: models.Field | None, names: RelatedNames) -> str:
    if value is not None and field is not None and field.is_relation and field.related_model:
        # A deleted object keeps its id, so the change still says which one it was.
        return names.get((field.related_model, str(value)), f"#{value}")
    return _display(value, field)


def field_changes(
    record: AuditRecord, hidden: frozenset[str] = frozenset(), names: RelatedNames | None = None
) -> list[FieldChange]:
    """Each field the record touches, labelled and shown for people.

    A creation lists the fields that were set; a change the fields that differ; a
    deletion what the object held. Foreign keys show the names in `names`
    (see `related_names`).
    """
    by_attname = _model_fields(record)
    before, after = record.before or {}, record.after or {}
    names = names or {}
    changes = []
    for name in _touched(record):
        field = by_attname.get(name)
        label = str(field.verbose_name) if field is not None else name
        secret = name in hidden
        if secret:
            shown_before = shown_after = _("(hidden)")
        else:
            shown_before = _shown(before.get(name), field, names)
            shown_after = _shown(after.get(name), field, names)
        changes.append(FieldChange(name, label, shown_before, shown_after, secret))
    return changes


def field_labels(record: AuditRecord, cache: dict[int, dict[str, str]] | None = None) -> list[str]:
    """Names of the fields a change touched, without their values (for long lists).

    A list passes one `cache` for all its records, so each type's labels are
    translated once per page.
    """
    if record.verb != Verb.UPDATE:
        return []
    cache = {} if cache is None else cache
    labels = cache.get(record.content_type_id)
    if labels is None:
        labels = {name: str(f.verbose_name) for name, f in _model_fields(record).items()}
        cache[record.content_type_id] = labels
    return [labels.get(name, name) for name, _b, _a in record.changes()]


def _include_filter(spec: str, pk: Any) -> Q:
    """`app.model:field[,app.model:field]` -> records of those types naming pk in `field`."""
    q = Q(pk__in=[])
    for part in filter(None, (p.strip() for p in spec.split(","))):
        label, _sep, field = part.partition(":")
        app_label, _dot, model = label.partition(".")
        if not (app_label and model and field.isidentifier()):
            raise template.TemplateSyntaxError(
                f"object_history include= wants 'app.model:field', got {part!r}"
            )
        ct = ContentType.objects.get_by_natural_key(app_label, model)
        q |= Q(content_type=ct, **{f"after__{field}": pk})
        q |= Q(content_type=ct, **{f"before__{field}": pk})
    return q


@register.inclusion_tag("audit/_history.html", takes_context=True)
def object_history(
    context: template.Context, obj: models.Model, include: str = "", limit: int = HISTORY_LIMIT
) -> dict[str, Any]:
    """The last `limit` records about `obj` (and, with include=, about related objects)."""
    request = context.get("request")
    viewer = getattr(request, "user", None) or context.get("user")
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    where = Q(content_type=ct, object_id=str(obj.pk))
    if include:
        where |= _include_filter(include, obj.pk)
    records = list(
        AuditRecord.objects.filter(where).select_related("content_type").order_by("-pk")[:limit]
    )
    names = related_names(records)
    entries = [
        {"record": r, "changes": field_changes(r, hidden_fields(viewer, r, obj), names)}
        for r in records
    ]
    may_see_trail = viewer is not None and access.can(viewer, "audit.view_trail")
    return {
        "entries": entries,
        "limit": limit,
        "trail_url": trail_url(type=type_label(ct), object_id=obj.pk) if may_see_trail else "",
    }


@register.simple_tag
def changed_field_labels(record: AuditRecord) -> list[str]:
    return field_labels(record)
