"""The triage queue's table rows, built in Python.

The template drew each row's five small forms (each with a CSRF field, URL tags and
translated labels) through the template engine: about half of the page's time at 50
rows. This writes the same markup by plain string formatting (each value escaped once),
with what every row shares (URLs, the CSRF field, translated labels) made once per page.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from campaigndesk.org.models import Unit

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


class RowWriter:
    """Plain string formatting: every dynamic value goes through the standard library's
    `html.escape` once (what Django's `escape` calls, without its lazy-string wrapper),
    and the translated labels and patterns, URLs and the CSRF field are made once per
    page."""

    def __init__(self, request: Any, query: str, shows_hints: bool):
        self.shows_hints = shows_hints
        self.detail = reverse("suggestions:detail", args=[1])[: -len("1/")]
        csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{e(get_token(request))}">'
        # What opens each small form: the CSRF field and the filter to go back to.
        self.head = f'{csrf}\n<input type="hidden" name="query" value="{e(query)}">'
        self.route = e(reverse("suggestions:queue_route"))
        self.duplicate = e(reverse("suggestions:queue_duplicate"))
        self.out_of_scope = e(reverse("suggestions:queue_out_of_scope"))
        self.badges: dict[str, str] = {}
        self.t = {
            key: e(text)
            for key, text in {
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
            }.items()
        }
        # Patterns translated once per page, filled per row.
        self.p = {
            "select": _("Select %(number)s"),
            "unit_label": _("Unit to answer %(number)s"),
            "note": _("Note: %(note)s"),
            "to_percent": _("Route to %(unit)s (%(percent)s%%)"),
            "to_basis": _("Route to %(unit)s (%(basis)s)"),
            "alike": _("%(percent)s%% alike"),
        }
        self.channels: dict[str, str] = {}

    def _detail(self, pk: int) -> str:
        return f"{self.detail}{pk}/"

    def _hidden(self, pk: int) -> str:
        return f'{self.head}\n<input type="hidden" name="suggestion" value="{pk}">'

    def _badge(self, s: Any) -> str:
        if s.status not in self.badges:
            self.badges[s.status] = status_badge(s)
        return self.badges[s.status]

    def _guess(self, s: Any, guess: Any) -> str:
        percent = guess.percent
        if percent is not None:
            label = self.p["to_percent"] % {"unit": guess.unit.name, "percent": percent}
        else:
            label = self.p["to_basis"] % {"unit": guess.unit.name, "basis": guess.basis}
        return (
            f'<form method="post" action="{self.route}" class="inline">{self._hidden(s.pk)}\n'
            f'<input type="hidden" name="unit" value="{e(guess.unit.code)}">'
            f'<button type="submit" class="btn">{e(label)}</button></form>'
        )

    def _dup(self, s: Any, dup: Any) -> str:
        o = dup.suggestion
        number = e(o.tracking_number)
        alike = e(self.p["alike"] % {"percent": dup.percent})
        return (
            f'<li><a href="{self._detail(o.pk)}">{number}</a> {e(o.title)} '
            f'<span class="muted">{alike}</span>'
            f'<form method="post" action="{self.duplicate}" class="inline">{self._hidden(s.pk)}\n'
            f'<input type="hidden" name="original" value="{number}">'
            f'<button type="submit" class="link">{self.t["mark_its"]}</button></form></li>'
        )

    def _hints(self, s: Any, hint: Any) -> str:
        if not hint:
            return '<td><span class="muted">—</span></td>'
        units = "".join(self._guess(s, g) for g in hint.units)
        dups = ""
        if hint.duplicates:
            items = "".join(self._dup(s, d) for d in hint.duplicates)
            dups = f'<p class="muted">{self.t["possible"]}</p><ul>{items}</ul>'
        return f"<td>{units}{dups}</td>"

    def row(self, s: Any, hint: Any) -> str:
        t = self.t
        pk = s.pk
        number = e(s.tracking_number)
        about = f'<a href="{self._detail(pk)}">{number}</a>'
        if s.status == "reopened":
            about += f"\n{self._badge(s)}"
        about += f"\n<br><strong>{e(s.title)}</strong>"
        about += f'\n<br><span class="muted">{e(shorten(s.body))}</span>'
        if s.status_note:
            note = self.p["note"] % {"note": shorten(s.status_note)}
            about += f'\n<br><span class="muted">{e(note)}</span>'
        if s.category_id:
            where = e(s.category.name)
        else:
            where = f'<span class="muted">{t["no_category"]}</span>'
        if s.key_task_id:
            k = s.key_task
            where += f'<br><span class="muted">{e(k.number)}. {e(k.title)}</span>'
        if s.district_id:
            where += f"<br>{e(s.district.name)}"
        received = timezone.localtime(s.created_at).strftime("%Y-%m-%d %H:%M")
        hints = self._hints(s, hint) if self.shows_hints else ""
        hidden = self._hidden(pk)
        select = e(self.p["select"] % {"number": s.tracking_number})
        unit_label = e(self.p["unit_label"] % {"number": s.tracking_number})
        channel = self.channels.get(s.channel)
        if channel is None:
            channel = self.channels[s.channel] = e(str(s.get_channel_display()))
        return (
            "<tr>"
            f'<td><input type="checkbox" name="suggestion" value="{pk}" form="bulk-form" '
            f'aria-label="{select}"></td>'
            f"<td>{about}</td><td>{where}</td>"
            f'<td class="nowrap">{e(received)}<br>'
            f'<span class="muted">{channel}</span></td>'
            f"{hints}"
            f'<td><form method="post" action="{self.route}" class="inline">{hidden}\n'
            f'<label class="visually-hidden" for="route-{pk}">{unit_label}</label>'
            f'<input type="text" id="route-{pk}" name="unit" list="route-units" required '
            f'placeholder="{t["unit_code"]}" size="10">'
            f'<button type="submit" class="btn">{t["route"]}</button></form>'
            f"<details><summary>{t['dup_or_oos']}</summary>"
            f'<form method="post" action="{self.duplicate}" class="stacked">{hidden}\n'
            f'<div class="field"><label for="original-{pk}">{t["original"]}</label>'
            f'<input type="text" id="original-{pk}" name="original" maxlength="20" required>'
            f'</div><button type="submit" class="btn">{t["mark_dup"]}</button></form>'
            f'<form method="post" action="{self.out_of_scope}" class="stacked">{hidden}\n'
            f'<div class="field"><label for="note-{pk}">{t["why"]}</label>'
            f'<textarea id="note-{pk}" name="note" rows="2" maxlength="1000" required>'
            "</textarea></div>"
            f'<button type="submit" class="btn">{t["close_oos"]}</button></form>'
            "</details></td></tr>\n"
        )


UNIT_COLUMNS = ("code", "name_zh", "name_en", "depth")
_controls: dict[tuple[Any, ...], dict[str, SafeString]] = {}


def unit_controls(route_form: Any) -> dict[str, SafeString]:
    """The bulk form's unit and co-unit selects and the rows' unit datalist (every active
    unit of the city, 900 options at city scale), drawn once per language and version
    of the unit list and kept per process.

    The version is the list itself, read as plain tuples (one query, no model rows): a
    unit renamed, added, moved or closed is a new key, so no signal or expiry is needed
    across worker processes. A few versions are kept."""
    rows = tuple(Unit.objects.filter(is_active=True).order_by("path").values_list(*UNIT_COLUMNS))
    key = (get_language(), rows)
    found = _controls.get(key)
    if found is None:
        units = [Unit(**dict(zip(UNIT_COLUMNS, row, strict=True))) for row in rows]
        fields = route_form.fields
        share_choices([fields["unit"], fields["co_units"]], units)
        found = {
            "unit": SafeString(route_form["unit"]),
            "co_units": SafeString(route_form["co_units"]),
            "datalist": SafeString(
                "".join(f'<option value="{e(u.code)}">{e(u.name)}</option>' for u in units)
            ),
        }
        if len(_controls) >= 8:
            _controls.clear()
        _controls[key] = found
    return found


def rows_html(request: Any, rows: list[dict[str, Any]], query: str, shows_hints: bool) -> str:
    writer = RowWriter(request, query, shows_hints)
    return SafeString("".join(writer.row(r["s"], r["hint"]) for r in rows))
