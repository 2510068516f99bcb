"""The ledger list's table rows, built in Python.

A page of 50 (up to 200) rows through the template language cost more than everything
else on the page together: per row a URL reversal, a dozen variable lookups, several
{% blocktranslate %} and badge conditions. Here every label is translated once per
page, the task address is formatted from one reversal, and each row is one
`format_html` call; the markup is the one the template had.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from html import escape
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from campaigndesk.core.bilingual import current_is_english

from ..models import Light, Task, TaskStatus

STATUS_BADGES = {
    TaskStatus.CLOSED: "green",
    TaskStatus.REPORTED: "green",
    TaskStatus.RETURNED: "yellow",
    TaskStatus.CANCELLED: "grey",
}
_DASH = mark_safe('<span class="muted">—</span>')
_PK = 2_147_483_647  # a placeholder id, replaced in the reversed address


def _light_badges() -> dict[str, str]:
    """Each light's badge in the request's language."""
    return _badges_in(get_language())


@functools.cache
def _badges_in(language: str | None) -> dict[str, str]:
    words = {
        Light.RED: _("Red"),
        Light.YELLOW: _("Yellow"),
        Light.GREEN: _("Green"),
        Light.GREY: _("Grey"),
    }
    badges = {
        light: str(format_html('<span class="badge {}">{}</span>', light, word))
        for light, word in words.items()
    }
    badges[Light.NONE] = str(_DASH)
    return badges


def _flags(task: Task, words: dict[Any, str]) -> str:
    """The row's flag badges; `words` keeps each label translated once per page."""
    parts: list[str] = []
    if task.accepted_late:
        parts.append(f'<span class="badge yellow">{words["accepted_late"]}</span>')
    n = task.report_late_count
    if n:
        key = ("late", n)
        if key not in words:
            text = ngettext("%(count)s late report", "%(count)s late reports", n) % {"count": n}
            words[key] = escape(text)
        parts.append(f'<span class="badge yellow">{words[key]}</span>')
    if task.finished_late:
        parts.append(f'<span class="badge red">{words["finished_late"]}</span>')
    n = task.reminder_count
    if n:
        key = ("reminded", n)
        if key not in words:
            text = ngettext("Reminded once", "Reminded %(count)s times", n) % {"count": n}
            words[key] = escape(text)
        parts.append(f'<span class="badge grey">{words[key]}</span>')
    return "".join(parts)


def ledger_rows(tasks: Iterable[Task], selectable: bool) -> SafeString:
    """The <tr> of each task (from `for_ledger()`), numbered from 1; with a tick box for
    bulk reminders when `selectable`.

    Each row is one f-string over values escaped with the standard library's
    html.escape (what Django's escape() does, without format_html's lazy-string checks
    on each of a row's fifteen values): a third of the time the rows took.
    """
    task_url = escape(reverse("ledger:task", args=[_PK])).replace(str(_PK), "{}")
    lights = _light_badges()
    dash = str(_DASH)
    statuses = {
        value: f'<span class="badge {STATUS_BADGES.get(value, "blue")}">{escape(str(label))}</span>'
        for value, label in TaskStatus.choices
    }
    select = _("Select “%(title)s”")
    words: dict[Any, str] = {
        "accepted_late": escape(_("Accepted late")),
        "finished_late": escape(_("Finished late")),
    }
    english = current_is_english()

    def pick(zh: str, en: str) -> str:
        return (en or zh) if english else (zh or en)

    dates: dict[Any, str] = {}
    rows = []
    for number, task in enumerate(tasks, start=1):
        title = escape(task.title)
        tick = (
            f'<td><input type="checkbox" name="task" value="{task.pk}" form="remind-form"'
            f' aria-label="{escape(select % {"title": task.title})}"></td>'
            if selectable
            else ""
        )
        key_task = task.key_task if task.key_task_id else None
        key_task_html = (
            f'<br><span class="muted small">{escape(pick(key_task.title_zh, key_task.title_en))}</span>'
            if key_task is not None
            else ""
        )
        co_units = [
            escape(pick(link.unit.name_zh, link.unit.name_en)) for link in task.co_unit_links.all()
        ]
        lead = task.lead_unit
        deadline = dates.get(task.deadline)
        if deadline is None:
            deadline = dates[task.deadline] = escape(
                date_format(task.deadline, "SHORT_DATE_FORMAT")
            )
        status = statuses.get(task.status)
        if status is None:
            status = f'<span class="badge blue">{escape(task.status)}</span>'
        progress = int(task.progress)
        rows.append(
            f"<tr>{tick}"
            f'<td class="num">{number}</td>'
            f'<td><a href="{task_url.format(task.pk)}">{title}</a>{key_task_html}</td>'
            f"<td>{escape(pick(lead.name_zh, lead.name_en))}</td>"
            f"<td>{'<br>'.join(co_units) if co_units else dash}</td>"
            f"<td>{escape(task.responsible_leader or '—')}</td>"
            f'<td class="nowrap">{deadline}</td>'
            f'<td class="nowrap"><progress max="100" value="{progress}">{progress}%</progress>'
            f" {progress}%</td>"
            f"<td>{status}</td>"
            f"<td>{lights.get(task.light, dash)}</td>"
            f"<td>{_flags(task, words)}</td>"
            "</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value escaped above)


def workspace_items(tasks: Iterable[Task]) -> SafeString:
    """A workspace group's <li> of each task (with its lead unit joined): its link, lead
    unit, deadline and light, the markup the group's template had per row (two includes,
    a URL reversal and a {% blocktranslate %} each, up to a hundred rows a page)."""
    task_url = escape(reverse("ledger:task", args=[_PK])).replace(str(_PK), "{}")
    lights = _light_badges()
    dash = str(_DASH)
    due = _("%(unit)s, due %(date)s")
    english = current_is_english()
    dates: dict[Any, str] = {}
    items = []
    for task in tasks:
        lead = task.lead_unit
        unit = (lead.name_en or lead.name_zh) if english else (lead.name_zh or lead.name_en)
        deadline = dates.get(task.deadline)
        if deadline is None:
            deadline = dates[task.deadline] = escape(
                date_format(task.deadline, "SHORT_DATE_FORMAT")
            )
        items.append(
            "<li>\n"
            f'        <a href="{task_url.format(task.pk)}">{escape(task.title)}</a>\n'
            f'        <span class="muted small">{due % {"unit": escape(unit), "date": deadline}}'
            "</span>\n"
            f"        {lights.get(task.light, dash)}\n"
            "      </li>"
        )
    return mark_safe("\n      ".join(items))  # noqa: S308 (every value escaped above)
