"""The audit trail under /api/v1/: read-only, for the office, the leading group and
city-level viewers (`audit.view_trail`).

The list is the trail screen's: the same filter form (`audit.views.TrailFilterForm`:
who, type of record, record id, action, days), newest first, paged by key on `seq`
(`before`: follow `next`) and never counted, so a page costs what the first does
however long the trail. A list row names the fields a change touched, without their
values; one record (/audit/{seq}) shows the values as the screen does, private fields
masked for whoever may not read them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from campaigndesk.audit import trail
from campaigndesk.audit.models import AuditRecord, Verb
from campaigndesk.audit.templatetags.audit import (
    field_changes,
    field_labels,
    hidden_fields,
    related_names,
    type_label,
)
from campaigndesk.audit.views import TrailFilterForm
from campaigndesk.org import access

from .auth import person
from .common import DEFAULT_LIMIT, MAX_LIMIT, Id, SearchText, StrictQuery, form_refusal, responses

router = Router(tags=["audit"])

VerbCode = Literal[tuple(Verb.values)]  # type: ignore[valid-type]


class RecordRow(Schema):
    seq: int = Field(description="The record's place in the chain: gapless, increasing.")
    at: dt.datetime
    actor_id: int | None
    actor: str = Field(description="Who, as recorded (a command or job for the system).")
    verb: VerbCode  # type: ignore[valid-type]
    verb_label: str
    action: str = Field(description="The act, e.g. org.update_unit.")
    type: str = Field(description="The kind of record, as app.model.")
    object_id: str
    object_repr: str
    source: str
    fields: list[str] = Field(description="The fields a change touched (labels, no values).")


class ChangeOut(Schema):
    name: str
    label: str
    before: str
    after: str
    hidden: bool = Field(description="A private field the caller may not read: values masked.")


class RecordOut(RecordRow):
    changes: list[ChangeOut]
    hash: str
    prev_hash: str


class RecordPage(Schema):
    items: list[RecordRow]
    count: None = Field(None, description="Always null: the trail is not counted.")
    next: str | None = Field(description="The address of the older page; null on the last.")


class TrailQuery(StrictQuery):
    actor: SearchText | None = Field(None, description="Who: a user name, or `system`.")  # type: ignore[valid-type]
    type: SearchText | None = Field(None, description="The kind of record, as app.model.")  # type: ignore[valid-type]
    object_id: SearchText | None = Field(None, description="One record's id (with `type`).")  # type: ignore[valid-type]
    action: SearchText | None = Field(None, description="Acts starting with this, e.g. org.")  # type: ignore[valid-type]
    since: dt.date | None = Field(None, description="On or after this day.")
    until: dt.date | None = Field(None, description="On or before this day.")
    before: Id | None = Field(None, description="Records older than this seq: follow `next`.")
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}."
    )


def _row(record: AuditRecord, verbs: dict[str, str], cache: dict) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "at": timezone.localtime(record.at),
        "actor_id": record.actor_id,
        "actor": record.actor_label,
        "verb": record.verb,
        "verb_label": verbs.get(record.verb, record.verb),
        "action": record.action,
        "type": type_label(record.content_type),
        "object_id": record.object_id,
        "object_repr": record.object_repr,
        "source": record.source,
        "fields": field_labels(record, cache),
    }


def _verbs() -> dict[str, str]:
    return {value: str(label) for value, label in Verb.choices}


@router.get("/audit", response=responses(RecordPage, 403), summary="List the audit trail")
def list_records(request: HttpRequest, filters: Query[TrailQuery]) -> Any:
    """Every change, newest first, filtered like the trail screen."""
    access.require(person(request), "audit.view_trail")
    data = {
        name: getattr(filters, name)
        for name in ("actor", "type", "object_id", "action", "since", "until")
        if getattr(filters, name) is not None
    }
    form = TrailFilterForm(data)
    if not form.is_valid():
        raise form_refusal(form)
    trail.seal()  # every committed change, chained
    qs = form.apply(AuditRecord.objects.select_related("content_type"))
    qs = qs.filter(seq__isnull=False).order_by("-seq")
    if filters.before is not None:
        qs = qs.filter(seq__lt=filters.before)
    # One row more than shown tells whether there is an older page, without a COUNT.
    records = list(qs[: filters.limit + 1])
    next_url = None
    if len(records) > filters.limit:
        records = records[: filters.limit]
        params = request.GET.copy()
        params["before"] = str(records[-1].seq)
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    verbs, cache = _verbs(), {}
    return {"items": [_row(r, verbs, cache) for r in records], "count": None, "next": next_url}


@router.get("/audit/{seq}", response=responses(RecordOut, 403, 404), summary="Get one audit record")
def get_record(request: HttpRequest, seq: Id, query: Query[StrictQuery]) -> Any:
    """One change with each field before and after, as the trail screen shows it; the
    object as it is now decides who may read its private fields."""
    viewer = person(request)
    access.require(viewer, "audit.view_trail")
    trail.seal()
    record = AuditRecord.objects.select_related("content_type").filter(seq=seq).first()
    if record is None:
        raise Http404
    model = record.content_type.model_class()
    obj = None
    if model is not None:
        try:
            obj = model._default_manager.filter(pk=record.object_id).first()
        except (ValueError, TypeError):  # an id the model's key cannot hold
            obj = None
    changes = field_changes(record, hidden_fields(viewer, record, obj), related_names([record]))
    return {
        **_row(record, _verbs(), {}),
        "changes": [
            {
                "name": c.name,
                "label": str(c.label),
                "before": c.before,
                "after": c.after,
                "hidden": c.hidden,
            }
            for c in changes
        ],
        "hash": record.hash,
        "prev_hash": record.prev_hash,
    }
