"""The office's triage queue and its actions, and the office's list of overdue answers.

The queue lists new and reopened suggestions in order of arrival, oldest first, and
pages by key (`?cursor=`): a deep page costs what the first does, and nothing counts
the whole queue (the count reads at most `COUNT_CAP + 1` rows). The hints of
`hints.py` are computed once per page. Ticked suggestions are routed to a unit (with
co-units) or marked as spam at once; each row can be routed, marked as a duplicate or
as out of scope on its own. Every action goes back to the same filtered page with a
message saying what happened or why it was refused.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign, KeyTask
from campaigndesk.core import generation
from campaigndesk.core.bilingual import current_is_english
from campaigndesk.ledger.workdays import for_campaign
from campaigndesk.org import access
from campaigndesk.org.forms import PlainSelect
from campaigndesk.org.models import Unit

from .. import actions
from ..forms import (
    BulkRouteForm,
    BulkSpamForm,
    OverdueFilter,
    QueueDuplicateForm,
    QueueFilter,
    QueueNoteForm,
    share_choices,
)
from ..hints import has_providers, hints_for
from ..models import Category, Status, Suggestion
from ..queries import CompiledRead, KeysetPage, keyset_merge, keyset_page, keyset_reads
from ..scan import escalated_to_office
from .common import (
    clean_query,
    is_htmx,
    page_size,
    report_errors,
    url_with,
    with_current_campaign,
    with_params,
)
from .queue_rows import (
    UnitLists,
    bilingual_name,
    e,
    filter_fields,
    fixed_parts,
    rows_html,
    unit_controls,
    unit_lists,
    use_plain_widgets_of,
)

COUNT_CAP = 1000


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


LISTED = ("campaign", "category", "key_task", "district")


class ListedQueueFilter(QueueFilter):
    """The queue's filter with its model selects (campaign, category, key task, district)
    as choices among rows already read as plain values: the same labels, order, errors
    and autosubmit, but a chosen value is checked against the list instead of read again
    (the campaign was read a third time so), and comes out as its id (the filter's
    querysets take either). Made once per process: each form copies these fields, not
    four querysets, and its template-drawn widgets are the plain ones of queue_rows."""


def _listed_field(old: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label=old.label,
        widget=PlainSelect(attrs={"data-autosubmit": ""}),
        error_messages={"invalid_choice": old.error_messages["invalid_choice"]},
    )


class _ListedFields(dict):
    """ListedQueueFilter's fields. Form.__init__ deep-copies its class's fields for each
    form, so that a form may change its own (nine fields, their widgets, validators and
    choices: 0.2 ms a page); the queue's form changes only the listed fields' choices
    (`_listed`), so those are copied with their widgets (which hold the choices too),
    the others shared and only read."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return {name: _own(f) if name in LISTED else f for name, f in self.items()}


def _own(field: forms.Field) -> forms.Field:
    field = copy.copy(field)
    field.widget = copy.copy(field.widget)
    return field


def _make_listed_filter() -> None:
    fields = _ListedFields(ListedQueueFilter.base_fields)
    for name, old in list(fields.items()):
        if name in LISTED:
            fields[name] = _listed_field(old)
        else:
            fields[name] = copy.deepcopy(old)  # QueueFilter's own stay as they are
    use_plain_widgets_of(fields.values())
    fields["channel"].widget.attrs["data-autosubmit"] = ""
    fields["q"].widget.attrs["placeholder"] = gettext_lazy("Tracking number or words")
    ListedQueueFilter.base_fields = fields


_make_listed_filter()
EMPTY_LABELS = {"campaign": gettext_lazy("All campaigns")}


class ReadyChoices(BaseChoiceIterator):
    """Choices already as (value, label) pairs, which a choice field takes as they are:
    a list is normalised again at each assignment, pair by pair."""

    def __init__(self, choices: list[tuple[Any, Any]]):
        self.choices = choices

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.choices)


def _choices(name: str, choices: list[tuple[int, str]]) -> ReadyChoices:
    return ReadyChoices([("", EMPTY_LABELS.get(name, "---------")), *choices])


def _listed(form: QueueFilter, name: str, choices: ReadyChoices) -> None:
    form.fields[name].choices = choices


CATEGORY_COLUMNS = ("id", "campaign_id", "name_zh", "name_en", "default_unit_id")
KEY_TASK_COLUMNS = ("id", "number", "title_zh", "title_en")


def _campaign_rows() -> tuple[tuple[Any, ...], ...]:
    return tuple(Campaign.objects.values_list("id", "title_zh", "title_en"))


def _key_task_rows(campaign_id: int | None) -> tuple[tuple[Any, ...], ...]:
    key_tasks = KeyTask.objects.all()
    if campaign_id is not None:
        # One campaign: its own order within it (no join to order by campaign).
        key_tasks = key_tasks.filter(campaign_id=campaign_id).order_by("number")
    return tuple(key_tasks.values_list(*KEY_TASK_COLUMNS))


def _categories_read(campaign_id: int | None) -> CompiledRead:
    categories = Category.objects.all()
    if campaign_id is not None:
        # One campaign: its own order within it (no join to order by campaign).
        categories = categories.filter(campaign_id=campaign_id).order_by("sort_order", "code")
    return CompiledRead.of(categories.values_list(*CATEGORY_COLUMNS))


def _prepare(
    form: QueueFilter, campaign_id: int | None, units: UnitLists, english: bool
) -> dict[str, dict[int, tuple[Any, ...]]]:
    """The filter bar's lists as plain values (choices of the chosen campaign only),
    turned into selects that submit on change; returns the listed categories and key
    tasks by id, which also name the page's rows. Campaigns, key tasks and units are
    kept per process until one of them changes (core/generation.py); the categories
    are read each time (their table has no trigger)."""
    # Read each time (their table has no trigger); compiled once per campaign.
    categories = tuple(
        generation.cached(
            "suggestions.queue.categories_read", campaign_id, lambda: _categories_read(campaign_id)
        ).rows()
    )
    campaigns = generation.cached("suggestions.queue.campaigns", None, _campaign_rows)
    key_tasks = generation.cached(
        "suggestions.queue.key_tasks", campaign_id, lambda: _key_task_rows(campaign_id)
    )
    listed = {
        "category": {row[0]: row for row in categories},
        "key_task": {row[0]: row for row in key_tasks},
    }
    # The select's choices, named in the page's language, made once per list read.
    _listed(
        form,
        "campaign",
        generation.cached(
            "suggestions.queue.campaign_choices",
            english,
            lambda: _choices(
                "campaign", [(pk, bilingual_name(zh, en, english)) for pk, zh, en in campaigns]
            ),
        ),
    )
    _listed(
        form,
        "category",
        generation.cached(
            "suggestions.queue.category_choices",
            (english, categories),
            lambda: _choices(
                "category",
                [(pk, bilingual_name(r[2], r[3], english)) for pk, r in listed["category"].items()],
            ),
            limit=200,
        ),
    )
    _listed(
        form,
        "key_task",
        generation.cached(
            "suggestions.queue.key_task_choices",
            (english, campaign_id),
            lambda: _choices(
                "key_task",
                [(pk, bilingual_name(r[2], r[3], english)) for pk, r in listed["key_task"].items()],
            ),
        ),
    )
    _listed(
        form,
        "district",
        generation.cached(
            "suggestions.queue.district_choices",
            english,
            lambda: _choices("district", units.districts(english)),
        ),
    )
    return listed


def _filter_key(form: QueueFilter) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The filter as given: each field's values."""
    data = form.data
    return tuple((name, tuple(data.getlist(name))) for name in form.fields)


def _filter_bar(form: QueueFilter, listed: dict[str, dict[int, tuple[Any, ...]]]) -> str:
    """The filter bar's fields, drawn once per language, filter and list of categories
    until a campaign, key task or unit changes (the other lists follow the stamp of
    core/generation.py; the categories, read each time, are part of the key)."""
    key = (get_language(), _filter_key(form), tuple(listed["category"].values()))
    return generation.cached(
        "suggestions.queue.filter_bar", key, lambda: filter_fields(form), limit=200
    )


# What a queue row shows (queue_rows.py) and the hint providers read (title and text, the
# campaign, the category): the answer and the other long texts stay in the database.
ROW_FIELDS = (
    "id", "campaign_id", "tracking_number", "title", "body", "category_id", "key_task_id",
    "district_id", "channel", "status", "status_note", "created_at",
)  # fmt: skip


def _where(
    items: list[Suggestion],
    listed: dict[str, dict[int, tuple[Any, ...]]],
    units: UnitLists,
    english: bool,
) -> dict[str, dict[int, str]]:
    """The names of the page's categories, key tasks and districts by id, from the lists
    already read (one query per kind only for ids they lack), instead of joining them in
    the page query: joins made PostgreSQL hash every waiting suggestion of the campaign
    when its statistics were stale (1.5 s at city scale) where the index alone reads 51
    rows. Each row also gets its category (with its default unit's id) for the
    category hint. The names come escaped, as the rows write them (queue_rows.py)."""
    categories = listed["category"]
    key_tasks = listed["key_task"]
    # Each row's three ids, read once (a foreign key's id is read through its descriptor).
    ids = [(s, s.category_id, s.key_task_id, s.district_id) for s in items]
    missing = {c for _s, c, _k, _d in ids} - set(categories) - {None}
    if missing:
        found = Category.objects.filter(pk__in=missing).values_list(*CATEGORY_COLUMNS)
        categories = {**categories, **{row[0]: row for row in found}}
    missing = {k for _s, _c, k, _d in ids} - set(key_tasks) - {None}
    if missing:
        found = KeyTask.objects.filter(pk__in=missing).values_list(*KEY_TASK_COLUMNS)
        key_tasks = {**key_tasks, **{row[0]: row for row in found}}
    category_names: dict[int, str] = {}
    key_task_names: dict[int, str] = {}
    district_names: dict[int, str] = {}
    field = Suggestion._meta.get_field("category")
    made: dict[int, Category] = {}
    for s, category_id, key_task_id, district_id in ids:
        if category_id is not None:
            category = made.get(category_id)
            if category is None:
                row = categories[category_id]
                category = made[category_id] = Category.from_db(None, CATEGORY_COLUMNS, row)
                category_names[category_id] = e(bilingual_name(row[2], row[3], english))
            field.set_cached_value(s, category)
        if key_task_id is not None and key_task_id not in key_task_names:
            _pk, number, zh, en = key_tasks[key_task_id]
            key_task_names[key_task_id] = e(f"{number}. {bilingual_name(zh, en, english)}")
        if district_id is not None and district_id not in district_names:
            district_names[district_id] = e(units.name(district_id, english) or "")
    return {"category": category_names, "key_task": key_task_names, "district": district_names}


def page_suggestions(db: str, rows: list[tuple[Any, ...]]) -> list[Suggestion]:
    """The page's rows (values of ROW_FIELDS) as Suggestion instances, equal to what
    `Suggestion.from_db` makes: the fields read set, the others deferred, the row marked
    as read from `db`. Made directly (a fresh state and the values as attributes):
    `from_db` matched each of the model's 43 fields against the names read and ran
    `Model.__init__` over them, 59 instances a page. Falls back to it when a signal
    listens to the model's creation."""
    if pre_init.has_listeners(Suggestion) or post_init.has_listeners(Suggestion):
        return [Suggestion.from_db(db, ROW_FIELDS, row) for row in rows]
    new = Suggestion.__new__
    items = []
    for row in rows:
        s = new(Suggestion)
        state = s._state = ModelState()
        state.adding = False
        state.db = db
        s.__dict__.update(zip(ROW_FIELDS, row, strict=True))
        items.append(s)
    return items


def capped_count(qs: Any, cap: int | None = None) -> tuple[int, bool]:
    """How many rows match, reading at most cap + 1 of them: (count, more than cap)."""
    cap = COUNT_CAP if cap is None else cap
    n = qs.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


# (person, filter) -> until when its queue is known to hold more than COUNT_CAP. The
# count reads cap + 1 index entries, and for each the row itself: the waiting
# suggestions are the newest and most changed rows, whose pages are seldom all-visible
# (20 ms a page at city scale; 1,000 heap fetches). "More than 1,000 are waiting" stays
# true that long unless the office routes hundreds at once (its own actions forget it).
CAPPED_SECONDS = 30
_over_cap: dict[tuple[int, str], float] = {}


def queue_count(user: Any, query: str, qs: Any) -> tuple[int, bool]:
    """`qs`: the queryset, or a callable saying how many of its rows there are up to
    COUNT_CAP + 1 (run only when the queue is not known to be over the cap)."""
    key = (user.pk, query)
    now = time.monotonic()
    if _over_cap.get(key, 0.0) > now:
        return COUNT_CAP, True
    if callable(qs):
        n = qs()
        count = (min(n, COUNT_CAP), n > COUNT_CAP)
    else:
        count = capped_count(qs)
    if count[1]:
        if len(_over_cap) >= 1000:
            _over_cap.clear()
        _over_cap[key] = now + CAPPED_SECONDS
    else:
        _over_cap.pop(key, None)
    return count


@dataclass(frozen=True)
class _Reads:
    page: list[CompiledRead]
    count: CompiledRead


def _compile(form: QueueFilter, cursor: str | None, size: int) -> _Reads:
    reads = keyset_reads(form.parts(), "received", cursor, size, ROW_FIELDS)
    counted = form.queryset().order_by().values("pk")[: COUNT_CAP + 1]
    return _Reads([CompiledRead.of(r) for r in reads], CompiledRead.of(counted))


def _reads(form: QueueFilter, user: Any, cursor: str | None, size: int) -> _Reads:
    """The page's reads and the capped count, compiled by the ORM once per person,
    filter, cursor and page size until a watched table changes (core/generation.py:
    what the person sees follows their grants and units): building and compiling the
    filter's querysets cost more than running them."""
    key = (user.pk, _filter_key(form), cursor, size, COUNT_CAP)
    return generation.cached(
        "suggestions.queue.reads", key, lambda: _compile(form, cursor, size), limit=500
    )


def _back(request: HttpRequest, name: str = "suggestions:queue") -> HttpResponse:
    _over_cap.clear()  # an action may have brought the queue under the cap
    return redirect(url_with(name, clean_query(request.POST.get("query", ""))))


@require_safe
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(user, "suggestions.triage")
    data = with_current_campaign(request.GET)
    form = ListedQueueFilter(data, user)
    english = current_is_english()
    units = unit_lists()
    listed = _prepare(form, _int(data.get("campaign")), units, english)
    size = page_size(request.GET)
    query = clean_query(data)
    count: tuple[int, bool] | None = None
    if form.is_valid():
        cursor = request.GET.get("cursor")
        reads = _reads(form, user, cursor, size)
        read = keyset_merge([r.rows() for r in reads.page], "received", cursor, size, ROW_FIELDS)
        # Model rows for the page only (the hint providers and the tests read them),
        # not for the extra rows each status part read.
        items = page_suggestions(Suggestion.objects.db, read.rows)
        page = KeysetPage(items=items, next_cursor=read.next_cursor, has_previous=read.has_previous)
        count = queue_count(user, query, reads.count.count)
    else:
        page = KeysetPage(items=[], next_cursor=None, has_previous=False)
    where = _where(page.items, listed, units, english)
    hints = hints_for(page.items, units=units.active) if page.items else {}
    list_url = url_with("suggestions:queue", query)
    rows = [{"s": s, "hint": hints.get(s.pk)} for s in page.items]
    shows_hints = has_providers()
    context = {
        "form": form,
        "filter_fields": _filter_bar(form, listed),
        "page": page,
        "rows": rows,
        "rows_html": rows_html(request, rows, query, shows_hints, where),
        "count": count[0] if count else None,
        "capped": count[1] if count else False,
        "cap": COUNT_CAP,
        "shows_hints": shows_hints,
        "unit_controls": unit_controls(lambda: BulkRouteForm(None, user), units),
        "query": query,
        "list_url": list_url,
        "next_url": url_with("suggestions:queue", with_params(query, cursor=page.next_cursor))
        if page.next_cursor
        else None,
        "max_batch": actions.MAX_BATCH,
        "fixed": fixed_parts(shows_hints, actions.MAX_BATCH),
    }
    template = "suggestions/queue.html"
    if is_htmx(request):
        template += "#results"
    return render(request, template, context)


@require_POST
@login_required
def route(request: HttpRequest) -> HttpResponse:
    """Route the ticked suggestions (or one row's) to a unit, with co-units."""
    user = request.user
    access.require(user, "suggestions.triage")
    form = BulkRouteForm(request.POST, user)
    if not form.is_valid():
        report_errors(request, form)
        return _back(request)
    unit = form.cleaned_data["unit"]
    try:
        n = actions.route(
            user,
            list(form.cleaned_data["suggestion"]),
            unit,
            list(form.cleaned_data["co_units"]),
            form.cleaned_data["note"],
        )
    except ValidationError as exc:
        report_errors(request, exc=exc)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s suggestion was sent to %(unit)s.",
                "%(count)s suggestions were sent to %(unit)s.",
                n,
            )
            % {"count": n, "unit": unit.name},
        )
    return _back(request)


@require_POST
@login_required
def spam(request: HttpRequest) -> HttpResponse:
    """Mark the ticked suggestions as spam (all or none)."""
    user = request.user
    access.require(user, "suggestions.triage")
    form = BulkSpamForm(request.POST, user)
    if not form.is_valid():
        report_errors(request, form)
        return _back(request)
    chosen = list(form.cleaned_data["suggestion"])
    if len(chosen) > actions.MAX_BATCH:
        messages.error(
            request,
            _("Mark at most %(max)s suggestions at once.") % {"max": actions.MAX_BATCH},
        )
        return _back(request)
    try:
        with transaction.atomic():
            for s in chosen:
                actions.dismiss(user, s, Status.SPAM, "")
    except ValidationError as exc:
        report_errors(request, exc=exc)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s suggestion was marked as spam.",
                "%(count)s suggestions were marked as spam.",
                len(chosen),
            )
            % {"count": len(chosen)},
        )
    return _back(request)


@require_POST
@login_required
def duplicate(request: HttpRequest) -> HttpResponse:
    """Mark one row as a duplicate of another suggestion (by its tracking number)."""
    user = request.user
    access.require(user, "suggestions.triage")
    form = QueueDuplicateForm(request.POST, user)
    if not form.is_valid():
        report_errors(request, form)
        return _back(request)
    s: Suggestion = form.cleaned_data["suggestion"]
    original: Suggestion = form.cleaned_data["original"]
    try:
        actions.mark_duplicate(user, s, original)
    except ValidationError as exc:
        report_errors(request, exc=exc)
    else:
        messages.success(
            request,
            _("%(number)s was marked as a duplicate of %(original)s.")
            % {"number": s.tracking_number, "original": original.tracking_number},
        )
    return _back(request)


@require_POST
@login_required
def out_of_scope(request: HttpRequest) -> HttpResponse:
    """Close one row as outside the campaign's remit, with a note the citizen reads."""
    user = request.user
    access.require(user, "suggestions.triage")
    form = QueueNoteForm(request.POST, user)
    if not form.is_valid():
        report_errors(request, form)
        return _back(request)
    s: Suggestion = form.cleaned_data["suggestion"]
    try:
        actions.dismiss(user, s, Status.OUT_OF_SCOPE, form.cleaned_data["note"])
    except ValidationError as exc:
        report_errors(request, exc=exc)
    else:
        messages.success(
            request,
            _("%(number)s was closed as outside the campaign's remit.")
            % {"number": s.tracking_number},
        )
    return _back(request)


# --- overdue answers ------------------------------------------------------------------------------


@require_safe
@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    """Answers past their deadline (routed, accepted or awaiting the unit head), the most
    overdue first, with how many working days late and whether the office was told."""
    user = request.user
    access.require(user, "suggestions.triage")
    data = with_current_campaign(request.GET)
    form = OverdueFilter(data, user)
    form.fields["campaign"].empty_label = _("All campaigns")
    form.fields["campaign"].widget.attrs["data-autosubmit"] = ""
    units = list(Unit.objects.filter(is_active=True).order_by("path"))
    share_choices([form.fields["unit"]], units)
    today = clock.today()
    query = clean_query(data)
    if form.is_valid():
        qs = (
            form.queryset(today)
            .select_related("unit", "category", "campaign__calendar")
            .annotate(escalated=escalated_to_office())
        )
        page = keyset_page(qs, "due", request.GET.get("cursor"), page_size(request.GET))
    else:
        page = KeysetPage(items=[], next_cursor=None, has_previous=False)
    calendars: dict[int, Any] = {}
    rows = []
    for s in page.items:
        if s.campaign_id not in calendars:
            calendars[s.campaign_id] = for_campaign(s.campaign)
        rows.append({"s": s, "days": calendars[s.campaign_id].count_between(s.answer_due, today)})
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "today": today,
        "query": query,
        "list_url": url_with("suggestions:overdue", query),
        "next_url": url_with("suggestions:overdue", with_params(query, cursor=page.next_cursor))
        if page.next_cursor
        else None,
    }
    return render(request, "suggestions/overdue.html", context)
