"""The triage queue's table rows and unit lists, built in Python.

The template drew each row's small forms (each with a CSRF field, URL tags and
translated labels) through the template engine: about half of the page's time at 50
rows. This writes the markup by plain string formatting (each value escaped once),
with what every row shares (URLs, the CSRF field, translated labels) made once per page.

A row has at most three forms: its hints (one button per guessed unit and per possible
duplicate, no field to type in), its route by unit code, and its duplicate or
out-of-scope form. Each button of the hints form carries the value it sends, so one
form replaces one per button; the typed-in forms stay apart so that Enter in a field
sends that field's own action, never a hint's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django import forms
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.forms.utils import flatatt
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from campaigndesk.core import generation
from campaigndesk.org.models import Unit, UnitKind

from ..forms import share_choices

BADGES = {
    "answered": "green",
    "closed": "green",
    "reopened": "red",
    "pending_endorsement": "yellow",
    "received": "blue",
    "routed": "blue",
    "accepted": "blue",
}
DISTRICT_KINDS = (UnitKind.DISTRICT, UnitKind.COUNTY, UnitKind.ZONE)


def status_badge(s: Any) -> SafeString:
    """suggestions/_status.html"""
    return format_html(
        '<span class="badge {}">{}</span>', BADGES.get(s.status, "grey"), s.get_status_display()
    )


def e(value: Any) -> str:
    return escape(str(value))


def shorten(text: str, limit: int = 140) -> str:
    """Truncator(text).chars(limit) for plain text: the first limit - 1 characters and an
    ellipsis when longer (Truncator normalises every text first, ~3 µs a row)."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def bilingual_name(zh: str | None, en: str | None, english: bool) -> str:
    """core.bilingual's choice for values read as plain columns."""
    zh, en = zh or "", en or ""
    return (en or zh) if english else (zh or en)


# --- the units ---------------------------------------------------------------------------------

UNIT_COLUMNS = ("id", "code", "name_zh", "name_en", "depth", "kind", "is_active")


@dataclass(frozen=True)
class UnitLists:
    """The city's units as plain tuples in tree order, and what the queue makes of them:
    the active ones as Unit rows (id, code, names, depth) for the hints and the unit
    selects, every unit's names for the rows' districts, and the districts for the
    filter bar."""

    rows: tuple[tuple[Any, ...], ...]
    active: dict[int, Unit] = field(default_factory=dict)
    names: dict[int, tuple[str, str]] = field(default_factory=dict)
    district_rows: tuple[tuple[Any, ...], ...] = ()

    @classmethod
    def of(cls, rows: tuple[tuple[Any, ...], ...]) -> UnitLists:
        columns = list(UNIT_COLUMNS[:5])
        return cls(
            rows=rows,
            active={r[0]: Unit.from_db(None, columns, r[:5]) for r in rows if r[6]},
            names={r[0]: (r[2], r[3]) for r in rows},
            district_rows=tuple(r[:4] for r in rows if r[5] in DISTRICT_KINDS),
        )

    def name(self, pk: int, english: bool) -> str | None:
        found = self.names.get(pk)
        return None if found is None else bilingual_name(found[0], found[1], english)

    def districts(self, english: bool) -> list[tuple[int, str]]:
        return [(pk, bilingual_name(zh, en, english)) for pk, _code, zh, en in self.district_rows]


def _read_units() -> UnitLists:
    return UnitLists.of(tuple(Unit.objects.order_by("path").values_list(*UNIT_COLUMNS)))


def unit_lists() -> UnitLists:
    """Every unit of the city (350 at city scale), read once per process until a unit
    changes (core/generation.py: a trigger renews the stamp on any write to the units),
    so a unit renamed, added, moved or closed shows at once."""
    return generation.cached("suggestions.queue.units", None, _read_units)


def _draw_controls(make_route_form: Callable[[], Any], lists: UnitLists) -> dict[str, SafeString]:
    units = list(lists.active.values())
    form = make_route_form()
    fields = form.fields
    share_choices([fields["unit"], fields["co_units"]], units)
    unit, co_units, note = form["unit"], form["co_units"], form["note"]
    return {
        # The bulk form's fields: the same for every person and filter.
        "fields": SafeString(
            f'<div class="field">{unit.label_tag()}{unit}</div>'
            f'<div class="field">{co_units.label_tag()}{co_units}'
            # The id its select's aria-describedby names (the template left it out).
            f'<span class="helptext" id="{e(co_units.auto_id)}_helptext">'
            f"{e(co_units.help_text)}</span></div>"
            f'<div class="field">{note.label_tag()}{note}</div>'
        ),
        "datalist": SafeString(
            "".join(f'<option value="{e(u.code)}">{e(u.name)}</option>' for u in units)
        ),
    }


def unit_controls(make_route_form: Callable[[], Any], lists: UnitLists) -> dict[str, SafeString]:
    """The bulk form's fields (its unit and co-unit selects list every active unit of the
    city, 350 options at city scale) and the rows' unit datalist: drawn once per
    language until a unit changes."""
    return generation.cached(
        "suggestions.queue.unit_controls",
        get_language() or "",
        lambda: _draw_controls(make_route_form, lists),
    )


# --- the page's fixed parts -------------------------------------------------------------------

FIXED_PARTS = ("head", "filter_end", "bulk_open", "bulk_end")

# (language, script prefix, whether hints show, batch limit) -> the partials of suggestions/queue.html
# that hold no value of the page: its head and tabs, the filter's buttons, the bulk form's
# frame and the table's head (some thirty translated texts and six URLs).
_fixed: dict[tuple[str | None, str, bool, int], dict[str, SafeString]] = {}


def _draw_fixed(context: dict[str, Any]) -> dict[str, SafeString]:
    return {
        name: SafeString(get_template(f"suggestions/queue.html#{name}").render(context))
        for name in FIXED_PARTS
    }


def fixed_parts(shows_hints: bool, max_batch: int) -> dict[str, SafeString]:
    """The page's fixed parts, drawn once per language (drawn each time with DEBUG on,
    where templates reload when edited)."""
    context = {"shows_hints": shows_hints, "max_batch": max_batch}
    if settings.DEBUG:
        return _draw_fixed(context)
    key = (get_language(), get_script_prefix(), shows_hints, max_batch)
    found = _fixed.get(key)
    if found is None:
        found = _fixed[key] = _draw_fixed(context)
    return found


# --- the filter bar ----------------------------------------------------------------------------


def _input(kind: str, name: str, value: Any, attrs: dict[str, Any]) -> str:
    shown = "" if value is None else f' value="{e(value)}"'
    return f'<input type="{kind}" name="{e(name)}"{shown}{flatatt(attrs)}>'


class PlainTextInput(forms.TextInput):
    """Django's <input> markup by string formatting (its widget templates cost more than
    the filter bar's other fields together)."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        return SafeString(_input(self.input_type, name, self.format_value(value), attrs))


class PlainDateInput(forms.DateInput):
    render = PlainTextInput.render


class PlainCheckboxes(forms.CheckboxSelectMultiple):
    """Django's checkbox list markup (a <div> of labelled boxes) by string formatting."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        chosen = {str(v) for v in self.format_value(value)}
        box_id = attrs.get("id")
        css = attrs.get("class")
        outer = {"id": box_id, "class": css}
        parts = [f"<div{flatatt({k: v for k, v in outer.items() if v})}>"]
        for index, (key, label) in enumerate(self.choices):
            option = dict(attrs)
            if str(key) in chosen:
                option["checked"] = True
            label_for = ""
            if box_id:
                option["id"] = f"{box_id}_{index}"
                label_for = f' for="{e(option["id"])}"'
            box = _input("checkbox", name, key, option)
            parts.append(f"<div>\n    <label{label_for}>{box} {e(label)}</label></div>")
        parts.append("\n</div>")
        return SafeString("".join(parts))


FAST_WIDGETS = {
    forms.CheckboxSelectMultiple: PlainCheckboxes,
    forms.DateInput: PlainDateInput,
    forms.TextInput: PlainTextInput,
}


def use_plain_widgets_of(fields: Iterable[forms.Field]) -> None:
    """Swap the fields' template-drawn widgets for the plain ones above (each widget is
    the field's own copy: its attributes, choices and format stay)."""
    for f in fields:
        fast = FAST_WIDGETS.get(type(f.widget))
        if fast is not None:
            f.widget.__class__ = fast


def filter_fields(form: forms.Form) -> SafeString:
    """The filter bar's fields: each with its label (a legend for a group of boxes), its
    widget and its errors."""
    suffix = e(form.label_suffix)
    parts = []
    for bf in form:
        errors = str(bf.errors) if bf.errors else ""
        if bf.use_fieldset:
            parts.append(
                f'<fieldset class="field"><legend>{e(bf.label)}</legend>{bf}{errors}</fieldset>'
            )
        else:
            parts.append(
                f'<div class="field"><label for="{e(bf.id_for_label)}">{e(bf.label)}{suffix}'
                f"</label>{bf}{errors}</div>"
            )
    return SafeString("\n".join(parts))


# --- the rows ----------------------------------------------------------------------------------


@functools.cache
def _urls(_prefix: str) -> tuple[str, str, str, str]:
    """The rows' URLs (escaped), reversed once per process and script prefix: the
    suggestion page without its id, routing, duplicate and out of scope."""
    return (
        reverse("suggestions:detail", args=[1])[: -len("1/")],
        e(reverse("suggestions:queue_route")),
        e(reverse("suggestions:queue_duplicate")),
        e(reverse("suggestions:queue_out_of_scope")),
    )


@dataclass
class _Labels:
    """What every row of one language shares, escaped: its fixed texts, its patterns
    (`escape(pattern % values)` is `escape(pattern) % escaped values`: escaping is per
    character and no placeholder holds one it changes), and the status badges and channel
    names met so far."""

    t: dict[str, str]
    p: dict[str, str]
    badges: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)


def _make_labels() -> _Labels:
    texts = {
        "no_category": _("No category"),
        "possible": _("Possible duplicate of:"),
        "mark_its": _("Mark as its duplicate"),
        "unit_code": _("Unit code"),
        "route": _("Route"),
        "dup_or_oos": _("Duplicate or out of scope"),
        "original": _("Tracking number of the original"),
        "mark_dup": _("Mark as a duplicate"),
        "why": _("Why it is outside the campaign's remit (the citizen reads this)"),
        "close_oos": _("Close as out of scope"),
    }
    patterns = {
        "select": _("Select %(number)s"),
        "unit_label": _("Unit to answer %(number)s"),
        "note": _("Note: %(note)s"),
        "to_percent": _("Route to %(unit)s (%(percent)s%%)"),
        "to_basis": _("Route to %(unit)s (%(basis)s)"),
        "alike": _("%(percent)s%% alike"),
    }
    return _Labels(
        t={key: e(text) for key, text in texts.items()},
        p={key: e(text) for key, text in patterns.items()},
    )


# Language code -> its labels: the rows asked gettext for sixteen texts a page and
# Django's choices for each row's channel; a language's catalogue is fixed in a process.
_labels: dict[str | None, _Labels] = {}


def _labels_for(language: str | None) -> _Labels:
    found = _labels.get(language)
    if found is None:
        found = _labels[language] = _make_labels()
    return found


TRANSLATION_SETTINGS = {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"}


@receiver(setting_changed)
def _forget_urls(*, setting: str, **kwargs: Any) -> None:
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _urls.cache_clear()
        _fixed.clear()
    if setting in TRANSLATION_SETTINGS or setting in {"TEMPLATES", "DEBUG"}:
        _labels.clear()
        _fixed.clear()


# Stands for a row's id in the markup every row shares (made once per page): no escaped
# value and no tag of that markup holds it.
PK = "<pk>"


class RowWriter:
    """Plain string formatting: every dynamic value goes through the standard library's
    `html.escape` once (what Django's `escape` calls, without its lazy-string wrapper),
    and the translated labels and patterns (once per language), URLs and the CSRF field
    (once per page) come escaped. `where`: the escaped names of the rows' categories,
    key tasks ("number. title") and districts by id, in the page's language."""

    def __init__(
        self, request: Any, query: str, shows_hints: bool, where: dict[str, dict[int, str]]
    ):
        self.shows_hints = shows_hints
        self.where = where
        self.detail, self.route, self.duplicate, self.out_of_scope = _urls(get_script_prefix())
        csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{e(get_token(request))}">'
        # What opens each small form: the CSRF field and the filter to go back to.
        self.head = f'{csrf}\n<input type="hidden" name="query" value="{e(query)}">'
        labels = _labels_for(get_language())
        self.badges = labels.badges
        self.channels = labels.channels
        self.t = t = labels.t
        self.p = labels.p
        self.tz = timezone.get_current_timezone()  # timezone.localtime's, looked up once
        # By the id of the unit (and of a basis): the page's hints hold them all.
        self.guesses: dict[tuple[int, Any], str] = {}
        self.units: dict[int, tuple[str, str]] = {}  # escaped code and name
        # The route cell up to its label, and from the label on, with PK for the row's id.
        self.route_open = (
            f"<td>{self._open(self.route, PK, 'inline')}\n"
            f'<label class="visually-hidden" for="route-{PK}">'
        )
        self.route_rest = (
            f'</label><input type="text" id="route-{PK}" name="unit" list="route-units" required '
            f'placeholder="{t["unit_code"]}" size="10">'
            f'<button type="submit" class="btn">{t["route"]}</button></form>'
            f"<details><summary>{t['dup_or_oos']}</summary>"
            f"{self._open(self.duplicate, PK, 'stacked')}\n"
            f'<div class="field"><label for="original-{PK}">{t["original"]}</label>'
            f'<input type="text" id="original-{PK}" name="original" maxlength="20" required>'
            f'</div><div class="actions"><button type="submit" class="btn">{t["mark_dup"]}'
            "</button></div>"
            f'<div class="field"><label for="note-{PK}">{t["why"]}</label>'
            f'<textarea id="note-{PK}" name="note" rows="2" maxlength="1000"></textarea></div>'
            f'<div class="actions"><button type="submit" class="btn" '
            f'formaction="{self.out_of_scope}" formnovalidate>{t["close_oos"]}</button></div>'
            "</form></details></td></tr>\n"
        )
        self.hints_open = f"<td>{self._open(self.route, PK)}"

    def _detail(self, pk: int) -> str:
        return f"{self.detail}{pk}/"

    def _open(self, action: str, pk: Any, css: str = "") -> str:
        css = f' class="{css}"' if css else ""
        return (
            f'<form method="post" action="{action}"{css}>{self.head}\n'
            f'<input type="hidden" name="suggestion" value="{pk}">'
        )

    def _badge(self, s: Any) -> str:
        found = self.badges.get(s.status)
        if found is None:
            found = self.badges[s.status] = status_badge(s)
        return found

    def _guesses(self, guesses: Any) -> str:
        """One button a guess, in its own line as the forms it replaced were. The same
        unit at the same figure (or on the same basis, a lazy text) recurs down a page:
        drawn once."""
        drawn = self.guesses
        parts = []
        for guess in guesses:
            unit, confidence = guess
            percent = round(100 * confidence) if type(confidence) is float else guess.percent
            key = (id(unit), percent if percent is not None else id(confidence))
            found = drawn.get(key)
            if found is None:
                named = self.units.get(id(unit))
                if named is None:
                    named = self.units[id(unit)] = (e(unit.code), e(unit.name))
                code, name = named
                if percent is not None:
                    label = self.p["to_percent"] % {"unit": name, "percent": percent}
                else:
                    label = self.p["to_basis"] % {"unit": name, "basis": e(guess.basis)}
                found = drawn[key] = (
                    f'<div><button type="submit" name="unit" value="{code}" class="btn">'
                    f"{label}</button></div>"
                )
            parts.append(found)
        return "".join(parts)

    def _dup(self, dup: Any) -> str:
        o = dup.suggestion
        number = e(o.tracking_number)
        alike = self.p["alike"] % {"percent": dup.percent}
        return (
            f'<li><a href="{self._detail(o.pk)}">{number}</a> {e(o.title)} '
            f'<span class="muted">{alike}</span> '
            f'<button type="submit" name="original" value="{number}" '
            f'formaction="{self.duplicate}" class="link">{self.t["mark_its"]}</button></li>'
        )

    def _hints(self, pk: str, hint: Any) -> str:
        if not hint:
            return '<td><span class="muted">—</span></td>'
        units = self._guesses(hint.units) if hint.units else ""
        dups = ""
        if hint.duplicates:
            items = "".join(self._dup(d) for d in hint.duplicates)
            dups = f'<p class="muted">{self.t["possible"]}</p><ul>{items}</ul>'
        return f"{self.hints_open.replace(PK, pk)}{units}{dups}</form></td>"

    def row(self, s: Any, hint: Any) -> str:
        where_names = self.where
        pk = str(s.id)
        number = e(s.tracking_number)
        about = f'<a href="{self.detail}{pk}/">{number}</a>'
        status = s.status
        if status == "reopened":
            about += f"\n{self._badge(s)}"
        about += f"\n<br><strong>{e(s.title)}</strong>"
        about += f'\n<br><span class="muted">{e(shorten(s.body))}</span>'
        if s.status_note:
            note = self.p["note"] % {"note": e(shorten(s.status_note))}
            about += f'\n<br><span class="muted">{note}</span>'
        if s.category_id:
            where = where_names["category"][s.category_id]
        else:
            where = f'<span class="muted">{self.t["no_category"]}</span>'
        if s.key_task_id:
            where += f'<br><span class="muted">{where_names["key_task"][s.key_task_id]}</span>'
        if s.district_id:
            where += f"<br>{where_names['district'][s.district_id]}"
        received = s.created_at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        hints = self._hints(pk, hint) if self.shows_hints else ""
        channel = self.channels.get(s.channel)
        if channel is None:
            channel = self.channels[s.channel] = e(str(s.get_channel_display()))
        # The duplicate and out-of-scope actions share one form: Enter in the tracking
        # number marks the duplicate (the form's first button); closing needs no
        # tracking number, so its button skips the browser's check (the note is checked
        # by the action, which says what is missing).
        return (
            "<tr>"
            f'<td><input type="checkbox" name="suggestion" value="{pk}" form="bulk-form" '
            f'aria-label="{self.p["select"] % {"number": number}}"></td>'
            f"<td>{about}</td><td>{where}</td>"
            f'<td class="nowrap">{received}<br>'
            f'<span class="muted">{channel}</span></td>'
            f"{hints}"
            f"{self.route_open.replace(PK, pk)}"
            f"{self.p['unit_label'] % {'number': number}}"
            f"{self.route_rest.replace(PK, pk)}"
        )


def rows_html(
    request: Any,
    rows: list[dict[str, Any]],
    query: str,
    shows_hints: bool,
    where: dict[str, dict[int, str]],
) -> str:
    writer = RowWriter(request, query, shows_hints, where)
    return SafeString("".join(writer.row(r["s"], r["hint"]) for r in rows))


__all__ = [
    "UnitLists",
    "bilingual_name",
    "filter_fields",
    "fixed_parts",
    "rows_html",
    "unit_controls",
    "unit_lists",
    "use_plain_widgets_of",
]
