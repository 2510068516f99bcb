"""The audit trail screens: the list (newest first) and one record with its diff.

The trail only grows, so the list never counts it: it pages by key on `seq`
(`?before=<seq>` shows the records older than that one), each page is one
indexed range scan, however long the trail has become.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from typing import Any
from urllib.parse import quote_plus

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Case, F, Q, QuerySet, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from campaigndesk.core.compiled import STAND_IN_INT, compile_shape, fetch
from campaigndesk.core.paging import per_page
from campaigndesk.core.widgets import PlainDateInput, PlainHiddenInput, PlainTextInput
from campaigndesk.org import access
from campaigndesk.org.forms import PlainSelect

from . import trail
from .models import AuditRecord, Verb
from .templatetags.audit import (
    field_changes,
    field_labels,
    hidden_fields,
    related_names,
    trail_url,
    type_label,
)

PER_PAGE = 50


def _project_types() -> list[tuple[str, str]]:
    """(app_label.model, "Model name") for every model of the project's own apps.

    Content types change only with a deploy (migrate), so the list is built once per
    process and language instead of one query and ~40 translations per page.
    """
    return list(_project_types_in(get_language()))


@functools.lru_cache(maxsize=8)
def _project_types_in(language: str | None) -> tuple[tuple[str, str], ...]:
    labels = [
        c.label
        for c in apps.get_app_configs()
        if c.name.startswith("campaigndesk.") and c.label != "audit"
    ]
    choices = []
    for ct in ContentType.objects.filter(app_label__in=labels).order_by("app_label", "model"):
        model = ct.model_class()
        if model is not None:
            choices.append((type_label(ct), str(model._meta.verbose_name).capitalize()))
    return tuple(choices)


class TrailFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("Who (user name)"), required=False, max_length=150, widget=PlainTextInput
    )
    type = forms.ChoiceField(label=_("Type of record"), required=False, widget=PlainSelect)
    object_id = forms.CharField(
        label=_("Record id"), required=False, max_length=64, widget=PlainHiddenInput
    )
    action = forms.CharField(
        label=_("Action"), required=False, max_length=80, widget=PlainTextInput
    )
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=PlainDateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=_("To"),
        required=False,
        widget=PlainDateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("All types")), *_project_types()]
        self.fields["action"].widget.attrs["placeholder"] = _("e.g. org.update_unit")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise ValidationError(_("The start date is after the end date."), code="range")
        return data

    def apply(self, records: QuerySet[AuditRecord]) -> QuerySet[AuditRecord]:
        data = self.cleaned_data
        if data.get("actor"):
            name = data["actor"].strip()
            # Commands and jobs are labelled "system (command:demo)": "system" finds them all.
            records = records.filter(Q(actor_label=name) | Q(actor_label__startswith=f"{name} ("))
        if data.get("type"):
            app_label, model = data["type"].split(".", 1)
            records = records.filter(
                content_type=ContentType.objects.get_by_natural_key(app_label, model)
            )
        if data.get("object_id"):
            records = records.filter(object_id=data["object_id"].strip())
        if data.get("action"):
            records = records.filter(action__startswith=data["action"].strip())
        if data.get("since"):
            records = records.filter(at__gte=_start_of(data["since"]))
        if data.get("until"):
            records = records.filter(at__lt=_start_of(data["until"] + dt.timedelta(days=1)))
        return records


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _before(request: HttpRequest) -> int | None:
    try:
        value = int(request.GET.get("before", ""))
    except ValueError:
        return None
    return value if value > 0 else None


@require_GET
@login_required
def record_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "audit.view_trail")
    trail.seal()  # the trail shows every committed change, chained
    form = TrailFilterForm(request.GET)
    limit = per_page(request, PER_PAGE)
    records: list[TrailRow] = []
    has_older = False
    before = _before(request)
    if form.is_valid():
        # One row more than shown tells whether there is an older page, without a COUNT.
        records = _page(form, before, limit + 1)
        has_older = len(records) > limit
        records = records[:limit]
    rows = _rows(records)
    context = {
        "form": form,
        "filters_html": _filters_html(form),
        "rows": rows,
        "rows_html": _rows_html(rows),
        "older_seq": records[-1].seq if has_older else None,
        "is_first_page": before is None,
        "object_filter": form.is_valid() and bool(form.cleaned_data.get("object_id")),
    }
    return render(request, "audit/record_list.html", context)


# What a row of the list reads: no hashes, source or actor id, and no model instance.
# The values before and after only for a change, whose row names the fields it touched:
# a created record's values (often a kilobyte of JSON) are not shown.
ROW_VALUES = (
    "seq",
    "at",
    "actor_label",
    "verb",
    "action",
    "content_type_id",
    "content_type__app_label",
    "content_type__model",
    "object_id",
    "object_repr",
    "changed_before",
    "changed_after",
)


class TrailRow:
    """The part of an AuditRecord a list row shows, read as plain values: fifty
    Model.from_db() calls (and as many for their content types) cost more than the
    database took to find them."""

    __slots__ = (
        "action",
        "actor_label",
        "after",
        "at",
        "before",
        "content_type",
        "content_type_id",
        "object_id",
        "object_repr",
        "seq",
        "verb",
    )

    changes = AuditRecord.changes


def _trail_rows(values: list[tuple[Any, ...]]) -> list[TrailRow]:
    types: dict[int, ContentType] = {}
    rows = []
    for seq, at, actor, verb, action, ct_id, app_label, model, oid, orepr, bef, aft in values:
        row = TrailRow()
        row.seq, row.at, row.actor_label, row.verb, row.action = seq, at, actor, verb, action
        row.object_id, row.object_repr, row.before, row.after = oid, orepr, bef, aft
        row.content_type_id = ct_id
        content_type = types.get(ct_id)
        if content_type is None:
            content_type = types[ct_id] = ContentType(id=ct_id, app_label=app_label, model=model)
        row.content_type = content_type
        rows.append(row)
    return rows


def _page_query(form: TrailFilterForm, before: int | None, count: int) -> QuerySet[Any]:
    qs = form.apply(AuditRecord.objects.all()).filter(seq__isnull=False).order_by("-seq")
    if before is not None:
        qs = qs.filter(seq__lt=before)
    qs = qs.annotate(
        changed_before=Case(When(verb=Verb.UPDATE, then=F("before"))),
        changed_after=Case(When(verb=Verb.UPDATE, then=F("after"))),
    )
    return qs.values_list(*ROW_VALUES)[:count]


def _page(form: TrailFilterForm, before: int | None, count: int) -> list[TrailRow]:
    """`count` records, newest first, older than `before` when given. The unfiltered
    trail (the page everyone opens) runs SQL compiled once per shape (whether older
    than, how many): building the query cost more than PostgreSQL took to answer it."""
    if any(form.cleaned_data.values()):
        return _trail_rows(list(_page_query(form, before, count)))
    stand_ins = [] if before is None else [STAND_IN_INT]
    compiled = compile_shape(
        ("audit.trail", before is not None, count),
        lambda: _page_query(form, stand_ins[0] if stand_ins else None, count),
        stand_ins,
    )
    if compiled is None:
        return _trail_rows(list(_page_query(form, before, count)))
    return _trail_rows(fetch(compiled, [] if before is None else [before]))


def _filters_html(form: TrailFilterForm) -> SafeString:
    """The filter bar, rendered once per language and filter values: its widgets (forty
    types to choose from) cost as much as the page's fifty rows. What it shows depends on
    nothing else: the values, their errors and the types, which change only with a deploy
    (see `_project_types`)."""
    data = form.data
    key = (
        get_language(),
        get_script_prefix(),
        tuple(tuple(data.getlist(name)) for name in form.fields),
    )
    found = _filters_rendered.get(key)
    if found is None:
        found = render_to_string("audit/_trail_filters.html", {"form": form})
        while len(_filters_rendered) >= FILTERS_KEPT:
            _filters_rendered.pop(next(iter(_filters_rendered)), None)
        _filters_rendered[key] = found
    return found


FILTERS_KEPT = 256  # a few kB each
_filters_rendered: dict[tuple[Any, ...], SafeString] = {}


ROW_HTML = (
    '<tr><td><a href="{url}">#{seq}</a></td>'
    '<td><time datetime="{at_iso}">{at}</time></td>'
    "<td>{actor}</td>"
    '<td>{verb} <span class="badge grey">{action}</span></td>'
    '<td><a href="{object_url}">{object_repr}</a> <span class="muted">{type} #{object_id}</span></td>'
    "<td>{fields}</td></tr>\n"
)


def _rows(records: list[TrailRow]) -> list[dict[str, Any]]:
    """What each row shows, worked out once per page: the two URLs are reversed once,
    verbs and field names translated once, times converted here."""
    list_url = reverse("audit:list")
    marker = "2147483647"
    head, _sep, tail = reverse("audit:detail", args=[int(marker)]).partition(marker)
    verbs = {value: str(label) for value, label in Verb.choices}
    labels: dict[int, dict[str, str]] = {}
    rows = []
    types: dict[int, tuple[str, str]] = {}  # content type id -> (label, its list URL)
    for r in records:
        at = timezone.localtime(r.at)
        found = types.get(r.content_type_id)
        if found is None:
            label = type_label(r.content_type)
            found = types[r.content_type_id] = (label, trail_url(list_url, type=label))
        rows.append(
            {
                "record": r,
                "url": f"{head}{r.seq}{tail}",
                "at_iso": at.isoformat(),
                "at": at.strftime("%Y-%m-%d %H:%M:%S"),
                "verb": verbs.get(r.verb, r.verb),
                "type": found[0],
                "fields": ", ".join(field_labels(r, labels)),
                # The same URL trail_url(type=..., object_id=...) gives, one urlencode less.
                "object_url": (
                    f"{found[1]}&object_id={quote_plus(r.object_id)}" if r.object_id else found[1]
                ),
            }
        )
    return rows


def _rows_html(rows: list[dict[str, Any]]) -> SafeString:
    """The table's rows rendered in Python: 50 rows through the template engine cost
    about as much as the rest of the page. Every value is escaped (all are plain text)."""
    e = html.escape
    return mark_safe(  # noqa: S308 - every value below is escaped
        "".join(
            ROW_HTML.format(
                url=e(row["url"]),
                seq=row["record"].seq,
                at_iso=e(row["at_iso"]),
                at=e(row["at"]),
                actor=e(row["record"].actor_label),
                verb=e(row["verb"]),
                action=e(row["record"].action),
                object_url=e(row["object_url"]),
                object_repr=e(row["record"].object_repr),
                type=e(row["type"]),
                object_id=e(row["record"].object_id),
                fields=e(row["fields"]),
            )
            for row in rows
        )
    )


@require_GET
@login_required
def record_detail(request: HttpRequest, seq: int) -> HttpResponse:
    access.require(request.user, "audit.view_trail")
    trail.seal()
    record = get_object_or_404(AuditRecord.objects.select_related("content_type"), seq=seq)
    model = record.content_type.model_class()
    obj, model_name = None, type_label(record.content_type)
    if model is not None:
        # The object as it is now decides who may read its private fields.
        obj = model._default_manager.filter(pk=record.object_id).first()
        model_name = model._meta.verbose_name
    context = {
        "record": record,
        "model_name": model_name,
        "changes": field_changes(
            record, hidden_fields(request.user, record, obj), related_names([record])
        ),
        "object_url": trail_url(type=type_label(record.content_type), object_id=record.object_id),
        "older_seq": record.seq - 1 if record.seq > 1 else None,
        "newer_seq": (
            record.seq + 1 if AuditRecord.objects.filter(seq=record.seq + 1).exists() else None
        ),
    }
    return render(request, "audit/record_detail.html", context)
