"""The office's ledger list (with bulk reminders and saved filters) and the unit workspace.

The list reads the shared `LedgerFilter` from the query string and pages by key
(`?cursor=`), so a deep page costs the same as the first and nothing counts the whole
ledger: the counts strip reads at most `COUNT_CAP + 1` matching tasks. Filtering and
paging swap only the results part with htmx and push the address; without JavaScript
the same links and forms load the whole page.
"""

from __future__ import annotations

import functools
import html
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db.models import CharField, Value
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign, KeyTask, Phase
from campaigndesk.campaigns.queries import current_campaign, get_campaign_for_user
from campaigndesk.core import generation
from campaigndesk.core.bilingual import current_is_english
from campaigndesk.core.compiled import compile_shape, fetch
from campaigndesk.org import access

from .. import figures, reminders, saved_filters, stats, workspace
from ..filters import SORTS, LedgerFilter, compiled_page, keyset_page, shaped
from ..models import Light, Task
from ..queries import visible_tasks
from .rows import ledger_rows, ledger_values, workspace_group

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
COUNT_CAP = 1000  # the counts strip gives exact figures up to this many matching tasks

SORT_LABELS = {
    "deadline": gettext_lazy("Deadline, earliest first"),
    "-deadline": gettext_lazy("Deadline, latest first"),
    "updated": gettext_lazy("Recently updated"),
    "priority": gettext_lazy("Priority"),
    "created": gettext_lazy("Newest"),
}


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request for a part of the page (not a boosted page, not a history restore)."""
    h = request.headers
    return (
        h.get("HX-Request") == "true"
        and not h.get("HX-Boosted")
        and not h.get("HX-History-Restore-Request")
    )


def campaign_for_request(request: HttpRequest) -> Campaign | None:
    """The campaign named by ?campaign= (404 if there is none such), else the current one."""
    pk = request.GET.get("campaign")
    if pk:
        return get_campaign_for_user(request.user, pk)
    return current_campaign()


def campaign_choices() -> list[Campaign]:
    return list(Campaign.objects.order_by("-starts_on", "-pk")[:50])


def campaign_options() -> tuple[dict[str, Any], ...]:
    """campaign_choices() as the campaign switch reads them (pk, title in the active
    language), from plain values instead of campaigns with all their fields; kept per
    process and language until a campaign changes (core/generation.py)."""
    english = current_is_english()
    return generation.cached("ledger.campaign_options", english, lambda: _campaign_options(english))


def _campaign_options(english: bool) -> tuple[dict[str, Any], ...]:
    rows = Campaign.objects.order_by("-starts_on", "-pk").values_list("pk", "title_zh", "title_en")
    return tuple(
        {"pk": pk, "title": (en or zh) if english else (zh or en)} for pk, zh, en in rows[:50]
    )


# --- the ledger list -------------------------------------------------------------------------


def _page_size(params: QueryDict) -> int:
    try:
        size = int(params.get("size", PAGE_SIZE))
    except ValueError:
        return PAGE_SIZE
    return max(1, min(size, MAX_PAGE_SIZE))


def _filter_data(params: QueryDict) -> tuple[QueryDict, Campaign | None]:
    """The filter as the page applies it: without a campaign, the one under way (also
    returned, so that the filter need not read it again)."""
    data = params.copy()
    campaign = None
    if "campaign" not in data:
        campaign = current_campaign()
        if campaign is not None:
            data["campaign"] = str(campaign.pk)
    return data, campaign


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _prepare(form: LedgerFilter, campaign_id: int | None) -> None:
    """Only the key tasks and phases of the chosen campaign; "all campaigns" by name."""
    if campaign_id is not None:
        # By number within the campaign: their default order joins the campaigns. Built
        # when first read: a valid page reads neither (see LazyModelChoiceField).
        form.fields["key_task"].make_queryset(
            lambda: KeyTask.objects.filter(campaign_id=campaign_id).order_by("number", "pk")
        )
        form.fields["phase"].make_queryset(
            lambda: Phase.objects.filter(campaign_id=campaign_id).order_by("number", "pk")
        )
    form.parts_of = campaign_id  # type: ignore[attr-defined]  (see filter_bar)
    form.fields["campaign"].empty_label = _("All campaigns")


Parts = dict[str, list[tuple[int, str, str]]]


def _campaign_parts(campaign_id: int) -> Parts:
    """The campaign's key tasks and phases as (pk, Chinese, English) in the order of
    `_prepare`'s querysets (number, then pk): one query, then kept per process until a
    campaign, phase or key task changes (core/generation.py)."""
    return generation.cached("ledger.campaign_parts", campaign_id, lambda: _read_parts(campaign_id))


def _read_parts(campaign_id: int) -> Parts:
    text = CharField()
    key_tasks = (
        KeyTask.objects.filter(campaign_id=campaign_id)
        .order_by()
        .values_list(Value("key_task", output_field=text), "number", "pk", "title_zh", "title_en")
    )
    phases = (
        Phase.objects.filter(campaign_id=campaign_id)
        .order_by()
        .values_list(Value("phase", output_field=text), "number", "pk", "name_zh", "name_en")
    )
    found: Parts = {"key_task": [], "phase": []}
    for kind, _number, pk, zh, en in sorted(key_tasks.union(phases, all=True)):
        found[kind].append((pk, zh, en))
    return found


SELECTS = ("campaign", "unit", "key_task", "phase", "source")
CHECKBOXES = ("status", "light")
INPUTS = {"due_from": "date", "due_to": "date", "q": "search"}
_SELECTED = mark_safe(" selected")
_CHECKED = mark_safe(" checked")


def _chosen(bound: Any) -> set[str]:
    value = bound.value()
    if value is None or value == "":
        return set()
    if isinstance(value, (list, tuple)):
        return {str(v) for v in value}
    return {str(value)}


def _unit_choices(field: Any, rows: list[Any] | None = None) -> list[tuple[str, str, int | None]]:
    """The unit field's choices from plain values: hundreds of units per page, where
    ModelChoiceField would make a model instance of each."""
    english = current_is_english()
    found: list[tuple[str, str, int | None]] = []
    if field.empty_label is not None:
        found.append(("", str(field.empty_label), None))
    if rows is None:
        rows = list(field.queryset.values_list("pk", "name_zh", "name_en", "depth"))
    for pk, zh, en, depth in rows:
        found.append((str(pk), (en or zh) if english else (zh or en), depth))
    return found


# Model choices read as plain values, (Chinese, English) label fields in the list's order.
_LABELS = {
    "campaign": ("title_zh", "title_en"),
    "key_task": ("title_zh", "title_en"),
    "phase": ("name_zh", "name_en"),
}


def _model_choices(
    field: Any, zh: str, en: str, rows: list[tuple[int, str, str]] | None = None
) -> list[tuple[str, str, int | None]]:
    """A campaign, key task or phase field's choices from one plain query (or the `rows`
    read already): ModelChoiceField makes an instance of each through a server-side
    cursor (three round trips each)."""
    english = current_is_english()
    found: list[tuple[str, str, int | None]] = []
    if field.empty_label is not None:
        found.append(("", str(field.empty_label), None))
    if rows is None:
        rows = list(field.queryset.values_list("pk", zh, en))
    for pk, zh_label, en_label in rows:
        label = (en_label or zh_label) if english else (zh_label or en_label)
        found.append((str(pk), label, None))
    return found


def _choices(bound: Any, parts: Parts | None = None) -> list[tuple[str, str]]:
    """(value, label) of a choice field; units indented by their depth below the first."""
    if bound.name == "unit":
        found = _unit_choices(bound.field)
    elif bound.name == "campaign":
        # LedgerFilter offers every campaign, the same for everyone: kept until a
        # campaign changes.
        field = bound.field
        rows = generation.cached(
            "ledger.campaign_rows",
            None,
            lambda: list(field.queryset.values_list("pk", *_LABELS["campaign"])),
        )
        found = _model_choices(field, *_LABELS["campaign"], rows)
    elif bound.name in _LABELS:
        found = _model_choices(bound.field, *_LABELS[bound.name], (parts or {}).get(bound.name))
    else:
        found = [
            ("" if value is None else str(value), str(label), None)
            for value, label in bound.field.choices
        ]
    return _indented(found)


def _indented(found: list[tuple[str, str, int | None]]) -> list[tuple[str, str]]:
    top = min((d for _v, _l, d in found if d is not None), default=0)
    return [(v, "\u00a0\u00a0" * (d - top) + lab if d else lab) for v, lab, d in found]


def _options(pairs: Any) -> list[str]:
    # Hundreds of units: escaped with the standard library's html.escape (what Django's
    # escape() does, without its lazy-string wrapper on every call).
    return [f'<option value="{html.escape(v)}">{html.escape(lab)}</option>' for v, lab in pairs]


def _unit_options(bound: Any) -> list[str]:
    """The unit select's <option>s, unselected: the units a person may filter by follow
    from their grants, so they are read and escaped once per person, form and language
    until a unit or grant changes (core/generation.py); 300 units escaped on every page
    cost more than reading them."""
    field = bound.field
    user = getattr(bound.form, "user", None)
    key = (
        type(bound.form).__name__,
        getattr(user, "pk", None),
        translation.get_language(),
        str(field.empty_label),
    )

    def build() -> list[str]:
        rows = list(field.queryset.values_list("pk", "name_zh", "name_en", "depth"))
        return _options(_indented(_unit_choices(field, rows)))

    return generation.cached("ledger.unit_options", key, build)


def _select(bound: Any, parts: Parts | None = None) -> str:
    chosen = _chosen(bound)
    options = _unit_options(bound) if bound.name == "unit" else _options(_choices(bound, parts))
    joined = "".join(options)
    # A value is a pk, a code or "" (escaped): its option starts with `<option value="v">`,
    # found once in the joined options (labels are escaped: no "<" in them), not by
    # looking at each of hundreds of units.
    for value in chosen:
        mark = f'<option value="{html.escape(value)}">'
        joined = joined.replace(mark, f"{mark[:-1]} selected>", 1)
    return joined


def _errors(bound: Any) -> str:
    # An empty ErrorList still renders through a template: skip it.
    return str(bound.errors) if bound.errors else ""


def filter_bar(form: LedgerFilter) -> SafeString:
    """The filter bar's fields as HTML, built here: Django's widgets render every
    <option> through a template, too slow for hundreds of units per page, and the
    template's loop over a dozen fields cost more than the rows."""
    esc = html.escape
    campaign_id = getattr(form, "parts_of", None)
    campaign_parts = _campaign_parts(campaign_id) if campaign_id is not None else None
    parts = []
    for name in form.fields:
        if name == "sort":
            continue
        bound = form[name]
        label, errors = esc(str(bound.label)), _errors(bound)
        invalid = ' aria-invalid="true"' if errors else ""
        if name in SELECTS:
            parts.append(
                f'<div class="field"><label for="id_{name}">{label}</label>'
                f'<select id="id_{name}" name="{name}" data-autosubmit{invalid}>'
                f"{_select(bound, campaign_parts)}</select>{errors}</div>"
            )
        elif name in CHECKBOXES:
            chosen = _chosen(bound)
            boxes = "".join(
                f'<label><input type="checkbox" name="{name}" value="{esc(v)}"'
                f"{_CHECKED if v in chosen else ''}> {esc(lab)}</label>"
                for v, lab in _choices(bound)
            )
            parts.append(
                f'<fieldset class="field"><legend>{label}</legend>{boxes}{errors}</fieldset>'
            )
        elif name in INPUTS:
            value = esc(str(bound.value() or ""))
            maxlength = getattr(bound.field, "max_length", None)
            extra = f' maxlength="{maxlength}"' if maxlength else ""
            if name == "q":
                extra += f' placeholder="{esc(_("Task or document number"))}"'
            parts.append(
                f'<div class="field"><label for="id_{name}">{label}</label>'
                f'<input type="{INPUTS[name]}" id="id_{name}" name="{name}" value="{value}"'
                f"{extra}{invalid}>{errors}</div>"
            )
        else:
            checked = _CHECKED if bound.value() else ""
            parts.append(
                f'<div class="field"><label for="id_{name}">{label}</label>'
                f'<input type="checkbox" id="id_{name}" name="{name}"{checked}>{errors}</div>'
            )
    return mark_safe("\n".join(parts))  # noqa: S308 (every value and label escaped here)


def _with(query: str | list[tuple[str, str]], **changes: Any) -> str:
    """`query` (a query string, or its pairs parsed once) with `changes`: a value
    replaces a parameter where it stood (as QueryDict does), a list its values, None
    drops it. A dozen links a page: parsed once, not into a QueryDict per link."""
    pairs = parse_qsl(query, keep_blank_values=True) if isinstance(query, str) else query
    new = {
        name: [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
        for name, value in changes.items()
        if value is not None
    }
    kept: list[tuple[str, str]] = []
    for name, value in pairs:
        if name not in changes:
            kept.append((name, value))
        elif name in new:
            kept.extend((name, v) for v in new.pop(name))
    kept.extend((name, v) for name, values in new.items() for v in values)
    return urlencode(kept)


class RemindMessage(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Message to the units"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Write what you want the units to do.")},
    )


@functools.cache
def _blank_message(language: str | None) -> SafeString:
    """The empty message field with its label, as the list shows it: rendered through
    the widget templates once per language, not on every page."""
    field = RemindMessage()["message"]
    return mark_safe(f"{field.label_tag()}{field}")  # noqa: S308 (rendered by Django)


def blank_message() -> SafeString:
    return _blank_message(translation.get_language())


class RemindForm(RemindMessage):
    scope = forms.ChoiceField(
        choices=[
            ("selected", gettext_lazy("The ticked tasks")),
            ("all", gettext_lazy("Every open task matching the filter")),
        ]
    )
    task = forms.ModelMultipleChoiceField(queryset=Task.objects.none(), required=False)
    query = forms.CharField(required=False, max_length=2000)

    def __init__(self, data: Any, user: Any, **kwargs: Any):
        super().__init__(data, **kwargs)
        self.fields["task"].queryset = visible_tasks(user).select_related("campaign", "lead_unit")


def _list_url(query: str = "", url: str | None = None) -> str:
    url = url or reverse("ledger:list")
    return f"{url}?{query}" if query else url


STORED = "stored_lights"  # the page's rows carry the stored counts by light (see _counts)


def _stored(form: LedgerFilter) -> dict[str, Any]:
    """The stored figures' counts by light as a column of the page's rows query, when the
    filter names a whole campaign: one query fewer than reading them apart."""
    campaign = form.cleaned_data.get("campaign")
    if campaign is None or form.narrows:
        return {}
    return {STORED: figures.stored_lights_subquery(form.user, campaign, clock.today())}


def _counts(form: LedgerFilter, tasks: Any, rows: list[dict[str, Any]]) -> stats.CappedCounts:
    """The counts strip: a whole campaign's exact figures from the dashboard's stored
    figures when they are current (one row, read with the page's `rows`), else at most
    COUNT_CAP + 1 matching tasks, read by index for a person who sees some units only
    (60 ms down to 10 ms for a district at city scale). `tasks` is the filter's
    queryset, or None when the page did not build it."""
    campaign = form.cleaned_data.get("campaign")
    if campaign is not None and not form.narrows:
        if rows:
            lights = figures.lights_in_order(rows[0][STORED])
        else:  # a page past the end: nothing read them
            lights = figures.stored_lights(form.user, campaign, clock.today())
        if lights is not None:
            total = sum(lights.values())
            return stats.CappedCounts(by_light=lights, total=total, capped=False, cap=COUNT_CAP)
    counted = compiled_light_counts(form)
    if counted is not None:
        return counted
    if tasks is None:  # the page came from compiled SQL: the ORM's query now
        tasks = form.queryset()
    try:
        return stats.capped_light_counts(figures.indexed(tasks, form.user), COUNT_CAP)
    except EmptyResultSet:  # a filter that can match nothing: "led by my units" with none
        nothing = {light.value: 0 for light in stats.LIGHT_ORDER}
        return stats.CappedCounts(by_light=nothing, total=0, capped=False, cap=COUNT_CAP)


def compiled_light_counts(form: LedgerFilter) -> stats.CappedCounts | None:
    """`stats.capped_light_counts` of the filter's tasks (as `_counts` asks it), from SQL
    compiled once per shape (filters.compile_shape) instead of their ORM query. None
    when the shape is not one compiled."""
    shape = shaped(form)
    if shape is None:
        return None
    cap = COUNT_CAP

    def build() -> Any:
        tasks = figures.indexed(shape.queryset(), form.user)
        return tasks.order_by().select_related(None).values_list("light")[: cap + 1]

    compiled = compile_shape(("light_counts", cap, *shape.key), build, shape.stand_ins)
    if compiled is None:
        return None
    # As stats.capped_light_counts groups them: Django's SQL, values as parameters.
    grouping = f"SELECT light, COUNT(*) FROM ({compiled.sql}) capped GROUP BY light"  # noqa: S608
    grouped = dict(fetch(compiled, shape.values, grouping))
    found = {light.value: grouped.get(light.value, 0) for light in stats.LIGHT_ORDER}
    total = sum(grouped.values())
    return stats.CappedCounts(by_light=found, total=min(total, cap), capped=total > cap, cap=cap)


@functools.cache
def _results_parts(language: str | None, can_remind: bool) -> dict[str, str]:
    """The results part's fixed markup, translated once per language: its table head,
    labels and buttons (forty template tags a page otherwise)."""
    esc = html.escape
    select = (
        f'<th scope="col"><span class="visually-hidden">{esc(_("Select"))}</span></th>'
        if can_remind
        else ""
    )
    heads = "".join(
        f'\n          <th scope="col"{extra}>{esc(label)}</th>'
        for label, extra in (
            (_("No."), ' class="num"'),
            (_("Task"), ""),
            (_("Lead unit"), ""),
            (_("Co-responsible units"), ""),
            (_("Responsible leader"), ""),
            (_("Deadline"), ""),
            (_("Progress"), ""),
            (_("Status"), ""),
            (_("Light"), ""),
            (_("Flags"), ""),
        )
    )
    try:
        export = reverse("ledger:export")
    except NoReverseMatch:
        export = ""
    return {
        "table": (
            '<div class="table-wrap" tabindex="0" role="region"'
            f' aria-label="{esc(_("Tasks"))}">\n    <table class="data">\n      <thead>\n'
            f"        <tr>\n          {select}{heads}\n        </tr>\n      </thead>\n"
            "      <tbody>\n      "
        ),
        "table_end": "\n      </tbody>\n    </table>\n  </div>",
        "empty": f'<p class="empty">{esc(_("No task matches this filter."))}</p>',
        "sort": esc(_("Sort")),
        "pages": esc(_("Pages")),
        "first": esc(_("First page")),
        "next": esc(_("Next page")),
        "remind_summary": esc(_("Remind units (催办)")),
        "remind_action": esc(reverse("ledger:bulk_remind")),
        "remind_buttons": (
            '<div class="buttons">\n        <button type="submit" class="btn primary"'
            f' name="scope" value="selected">{esc(_("Remind the ticked tasks"))}</button>\n'
            '        <button type="submit" class="btn" name="scope" value="all" data-confirm="'
            f'{esc(_("Remind every open task matching this filter?"))}">'
            f"{esc(_('Remind every open task matching the filter'))}</button>\n      </div>"
        ),
        "export": esc(export),
        "export_label": esc(_("Export to Excel")),
        "import": (
            f'<a class="btn" href="{esc(reverse("ledger:import"))}">'
            f"{esc(_('Import from Excel'))}</a>"
        ),
        "save_action": esc(reverse("ledger:filter_save")),
        "save_fields": (
            '<div class="field"><label for="id_saved_filter_name">'
            f"{esc(_('Name for this filter'))}</label>"
            '<input type="text" id="id_saved_filter_name" name="name" maxlength="60" required>'
            "</div>\n"
            f'      <button type="submit" class="btn">{esc(_("Save this filter"))}</button>'
        ),
    }


def results_html(request: HttpRequest, context: dict[str, Any]) -> SafeString:
    """The list's results part for a valid filter (counts, sort, reminders, the table,
    the pager and the actions), the markup list.html had, built here: its template
    tags cost more than the rows. Every value is escaped here."""
    esc = html.escape
    can_remind, page, counts = context["can_remind"], context["page"], context["counts"]
    fixed = _results_parts(translation.get_language(), bool(can_remind))
    token = esc(get_token(request))
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    query = esc(context["query"])
    if counts.capped:
        total = _("More than %(cap)s tasks match this filter.") % {"cap": localize(counts.cap)}
    else:
        total = ngettext(
            "%(total)s task matches this filter.",
            "%(total)s tasks match this filter.",
            counts.total,
        ) % {"total": localize(counts.total)}
    lights = []
    for link in context["light_links"]:
        label = str(link["label"])
        if not counts.capped:
            label = _("%(light)s: %(number)s") % {"light": label, "number": localize(link["count"])}
        url = esc(link["url"])
        lights.append(
            f'\n      <a class="badge {esc(link["light"])}" href="{url}" hx-get="{url}">'
            f"{esc(label)}</a>"
        )
    current = ' aria-current="page"'
    sorts = "".join(
        f'<a href="{esc(link["url"])}" hx-get="{esc(link["url"])}"'
        f"{current if link['current'] else ''}>{esc(str(link['label']))}</a>"
        for link in context["sort_links"]
    )
    parts = [
        f'\n  <p class="counts" aria-live="polite">\n      {esc(total)}{"".join(lights)}\n  </p>',
        f'\n  <nav class="tabs" aria-label="{fixed["sort"]}">{sorts}</nav>',
    ]
    if can_remind and page.items:
        helptext = _(
            "Tick tasks in the table, or remind every open task matching the filter (at most "
            "%(max)s at once). A task reminded in the last minute is not reminded again."
        ) % {"max": localize(context["remind_max"])}
        parts.append(
            '\n  <details class="no-print">\n'
            f"    <summary>{fixed['remind_summary']}</summary>\n"
            '    <form id="remind-form" class="stacked" method="post"'
            f' action="{fixed["remind_action"]}">\n      {csrf}\n'
            f'      <input type="hidden" name="query" value="{query}">\n'
            f'      <div class="field">{context["remind_message"]}</div>\n'
            f'      <p class="helptext">{esc(helptext)}</p>\n'
            f"      {fixed['remind_buttons']}\n    </form>\n  </details>"
        )
    if page.items:
        parts.append(f"\n  {fixed['table']}{context['rows']}{fixed['table_end']}")
    else:
        parts.append(f"\n  {fixed['empty']}")
    next_url = context["next_url"]
    if page.has_previous or next_url:
        links = ""
        if page.has_previous:
            url = esc(context["list_url"])
            links += f'<a href="{url}" hx-get="{url}" rel="first">{fixed["first"]}</a>'
        if next_url:
            url = esc(next_url)
            links += f'\n    <a href="{url}" hx-get="{url}" rel="next">{fixed["next"]}</a>'
        parts.append(
            f'\n  <nav class="pager" aria-label="{fixed["pages"]}">\n    {links}\n  </nav>'
        )
    export = ""
    if fixed["export"]:
        href = f"{fixed['export']}?{query}" if query else fixed["export"]
        export = f'<a class="btn" href="{href}">{fixed["export_label"]}</a>'
    parts.append(
        '\n  <div class="actions no-print">\n'
        f"    {export}\n    {fixed['import']}\n"
        f'    <form class="filters" method="post" action="{fixed["save_action"]}">\n'
        f"      {csrf}\n"
        f'      <input type="hidden" name="query" value="{query}">\n'
        f"      {fixed['save_fields']}\n    </form>\n  </div>\n"
    )
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


@require_safe
@login_required
def ledger_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(user, "ledger.view")
    data, campaign = _filter_data(request.GET)
    form = LedgerFilter(data, user, campaign=campaign)
    _prepare(form, _int(data.get("campaign")))
    size = _page_size(request.GET)
    query = saved_filters.clean_query(data)  # the filter, without the cursor
    if form.is_valid():
        sort_field = SORTS[form.sort_order][0]
        stored = _stored(form)
        cursor = request.GET.get("cursor")
        page = compiled_page(
            form,
            "desk",
            lambda qs, **more: ledger_values(qs, sort_field, **more),
            cursor,
            size,
            subqueries=stored,
        )
        if page is None:
            tasks = form.queryset()
            rows = ledger_values(tasks, sort_field, **stored)
            page = keyset_page(rows, form.sort_order, cursor, size)
            counts = _counts(form, tasks, page.items)
        else:
            counts = _counts(form, None, page.items)
    else:
        page, counts = keyset_page(Task.objects.none(), "deadline", None, size), None
    sort = form.sort_order
    can_remind = access.can(user, "ledger.supervise")
    here, pairs = reverse("ledger:list"), parse_qsl(query, keep_blank_values=True)
    context = {
        "form": form,
        "bar": filter_bar(form),
        "page": page,
        "rows": ledger_rows(page.items, selectable=can_remind),
        "counts": counts,
        "light_links": [
            {
                "light": light,
                "label": stats.LIGHT_NAMES[light],
                "count": counts.by_light[light] if counts else None,
                "url": _list_url(_with(pairs, light=light, cursor=None), here),
            }
            for light in stats.LIGHT_ORDER
            if light != Light.NONE
        ],
        "sort_links": [
            {
                "label": SORT_LABELS[key],
                "url": _list_url(_with(pairs, sort=key), here),
                "current": key == sort,
            }
            for key in SORTS
        ],
        "query": query,
        "list_url": _list_url(query, here),
        "next_url": (
            _list_url(_with(pairs, cursor=page.next_cursor), here) if page.next_cursor else None
        ),
        "saved": saved_filters.filters_of(user),
        "can_remind": can_remind,
        "remind_message": blank_message(),
        "remind_max": reminders.MAX_MANUAL_BATCH,
    }
    if counts is not None:
        context["results"] = results_html(request, context)
    template = "ledger/lists/list.html"
    if is_htmx(request):
        # The results, and the filter bar out of band: a light or sort link changes the
        # filter, and the bar must show it (and keep it for the next search).
        template += "#results"
        context["oob"] = True
    return render(request, template, context)


@require_POST
@login_required
def bulk_remind(request: HttpRequest) -> HttpResponse:
    """The office's 催办 by hand to the ticked tasks, or to every open task of the filter."""
    user = request.user
    access.require(user, "ledger.supervise")
    form = RemindForm(request.POST, user)
    query = saved_filters.clean_query(request.POST.get("query", ""))
    back = redirect(_list_url(query))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back
    if form.cleaned_data["scope"] == "all":
        chosen = LedgerFilter(QueryDict(query), user)
        if not chosen.is_valid():
            messages.error(request, _("Correct the filter before reminding every task in it."))
            return back
        limit = reminders.MAX_MANUAL_BATCH
        tasks = list(chosen.queryset().open().select_related("campaign", "lead_unit")[: limit + 1])
        if len(tasks) > limit:
            messages.error(
                request,
                _(
                    "More than %(max)s open tasks match this filter, so no reminder was sent. "
                    "Narrow the filter, or tick the tasks to remind."
                )
                % {"max": limit},
            )
            return back
    else:
        tasks = list(form.cleaned_data["task"])
    if not tasks:
        messages.error(request, _("Tick at least one task to remind."))
        return back
    try:
        sent = reminders.send_manual_reminder(user, tasks, form.cleaned_data["message"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return back
    if sent:
        messages.success(
            request,
            ngettext("%(count)s reminder sent.", "%(count)s reminders sent.", sent)
            % {"count": sent},
        )
    else:
        messages.info(
            request,
            _("No reminder was sent: the tasks are closed, or were reminded a moment ago."),
        )
    return back


@require_POST
@login_required
def filter_save(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(user, "ledger.view")
    query = saved_filters.clean_query(request.POST.get("query", ""))
    try:
        saved = saved_filters.save_filter(user, name=request.POST.get("name", ""), query=query)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The filter “%(name)s” is saved.") % {"name": saved.name})
    return redirect(_list_url(query))


@require_POST
@login_required
def filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    access.require(user, "ledger.view")
    saved = saved_filters.get_filter_for_owner(user, pk)
    saved_filters.delete_filter(user, saved)
    messages.success(request, _("The filter “%(name)s” is deleted.") % {"name": saved.name})
    return redirect(_list_url())


# --- the workspace ----------------------------------------------------------------------------


@require_safe
@login_required
def workspace_page(request: HttpRequest) -> HttpResponse:
    """What is due from the person and their units today and this week."""
    user = request.user
    access.require(user, "ledger.view")
    campaign = campaign_for_request(request)
    today = clock.today()
    context: dict[str, Any] = {
        "campaign": campaign,
        "campaigns": campaign_options(),
        "unit_groups": [],
        "office_groups": [],
        "today": today,
    }
    if campaign is None:
        context["unread"] = reminders.unread_count(user)
    else:
        # The unread count rides with the kept groups' key in one statement.
        state = workspace.desk_state(user, campaign, today)
        context["unread"] = state.unread
        desk = workspace.desk(user, campaign, today, state)
        context["unit_groups"], context["office_groups"] = desk.groups()
        for group, html in zip(
            [*context["unit_groups"], *context["office_groups"]], _desk_html(desk), strict=True
        ):
            group.html = html  # type: ignore[attr-defined]
    return render(request, "ledger/lists/workspace.html", context)


def _desk_html(desk: workspace.Desk) -> tuple[SafeString | None, ...]:
    """The task groups' cards of a kept desk (None for the work plans, which the
    template draws), made once per language like the desk itself."""
    language = translation.get_language()
    found = desk.html.get(language)
    if found is None:
        found = desk.html[language] = tuple(
            None if group.key == "plans" else workspace_group(group)
            for group in (*desk.unit_groups, *desk.office_groups)
        )
    return found
