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

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from campaigndesk.core.bilingual import current_is_english

from ..models import Light, Task, TaskCoUnit, TaskStatus

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


def _flags(task: dict[str, Any], words: dict[Any, str]) -> str:
    """The row's flag badges; `words` keeps each label translated once per page."""
    parts: list[str] = []
    if task["accepted_late"]:
        parts.append(f'<span class="badge yellow">{words["accepted_late"]}</span>')
    if n := task["report_late_count"]:
        if ("late", n) not in words:
            text = ngettext("%(count)s late report", "%(count)s late reports", n) % {"count": n}
            words["late", n] = escape(text)
        parts.append(f'<span class="badge yellow">{words["late", n]}</span>')
    if task["finished_late"]:
        parts.append(f'<span class="badge red">{words["finished_late"]}</span>')
    if n := task["reminder_count"]:
        if ("reminded", n) not in words:
            text = ngettext("Reminded once", "Reminded %(count)s times", n) % {"count": n}
            words["reminded", n] = escape(text)
        parts.append(f'<span class="badge grey">{words["reminded", n]}</span>')
    return "".join(parts)


# What a ledger row shows, read as plain values (`ledger_values`): a page of 50 model
# rows with their lead units, key tasks and co-units made ten times the CPU.
ROW_VALUES = (
    "id",
    "title",
    "key_task_id",
    "key_task__title_zh",
    "key_task__title_en",
    "lead_unit__name_zh",
    "lead_unit__name_en",
    "responsible_leader",
    "deadline",
    "progress",
    "status",
    "light",
    "accepted_late",
    "report_late_count",
    "finished_late",
    "reminder_count",
)


def ledger_values(tasks: QuerySet[Task], sort_field: str) -> QuerySet[Task]:
    """`tasks` as the dicts `ledger_rows` reads, with the sort's field for the cursor."""
    fields = ROW_VALUES if sort_field in ROW_VALUES else (*ROW_VALUES, sort_field)
    return tasks.values(*fields)


def co_unit_names(task_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Each task's co-units as (Chinese, English) names in the order they were linked, in
    one query."""
    found: dict[int, list[tuple[str, str]]] = {}
    links = (
        TaskCoUnit.objects.filter(task_id__in=task_ids)
        .order_by("task_id", "id")
        .values_list("task_id", "unit__name_zh", "unit__name_en")
    )
    for task_id, zh, en in links:
        found.setdefault(task_id, []).append((zh, en))
    return found


def ledger_rows(tasks: list[dict[str, Any]], selectable: bool) -> SafeString:
    """The <tr> of each task (dicts from `ledger_values`), numbered from 1; with a tick
    box for bulk reminders when `selectable`. Reads the page's co-units (one query).

    Each row is one f-string over values escaped with the standard library's
    html.escape (what Django's escape() does, without format_html's lazy-string checks
    on each of a row's fifteen values): a third of the time the rows took.
    """
    if not tasks:
        return mark_safe("")
    co_units_of = co_unit_names([task["id"] for task in tasks])
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
        pk = task["id"]
        title = escape(task["title"])
        tick = (
            f'<td><input type="checkbox" name="task" value="{pk}" form="remind-form"'
            f' aria-label="{escape(select % {"title": task["title"]})}"></td>'
            if selectable
            else ""
        )
        key_task_html = (
            f'<br><span class="muted small">'
            f"{escape(pick(task['key_task__title_zh'], task['key_task__title_en']))}</span>"
            if task["key_task_id"] is not None
            else ""
        )
        co_units = [escape(pick(zh, en)) for zh, en in co_units_of.get(pk, ())]
        deadline = dates.get(task["deadline"])
        if deadline is None:
            deadline = dates[task["deadline"]] = escape(
                date_format(task["deadline"], "SHORT_DATE_FORMAT")
            )
        status = statuses.get(task["status"])
        if status is None:
            status = f'<span class="badge blue">{escape(task["status"])}</span>'
        progress = int(task["progress"])
        lead = escape(pick(task["lead_unit__name_zh"], task["lead_unit__name_en"]))
        rows.append(
            f"<tr>{tick}"
            f'<td class="num">{number}</td>'
            f'<td><a href="{task_url.format(pk)}">{title}</a>{key_task_html}</td>'
            f"<td>{lead}</td>"
            f"<td>{'<br>'.join(co_units) if co_units else dash}</td>"
            f"<td>{escape(task['responsible_leader'] or '—')}</td>"
            f'<td class="nowrap">{deadline}</td>'
            f'<td class="nowrap"><progress max="100" value="{progress}">{progress}%</progress>'
            f" {progress}%</td>"
            f"<td>{status}</td>"
            f"<td>{lights.get(task['light'], dash)}</td>"
            f"<td>{_flags(task, words)}</td>"
            "</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value escaped above)


def workspace_items(tasks: Iterable[dict[str, Any]]) -> SafeString:
    """A workspace group's <li> of each task (dicts of workspace.PLAIN_FIELDS): its link,
    lead unit, deadline and light, the markup the group's template had per row (two
    includes, a URL reversal and a {% blocktranslate %} each, up to a hundred rows a page)."""
    task_url = escape(reverse("ledger:task", args=[_PK])).replace(str(_PK), "{}")
    lights = _light_badges()
    dash = str(_DASH)
    due = _("%(unit)s, due %(date)s")
    english = current_is_english()
    dates: dict[Any, str] = {}
    items = []
    for task in tasks:
        zh, en = task["lead_unit__name_zh"], task["lead_unit__name_en"]
        unit = (en or zh) if english else (zh or en)
        deadline = dates.get(task["deadline"])
        if deadline is None:
            deadline = dates[task["deadline"]] = escape(
                date_format(task["deadline"], "SHORT_DATE_FORMAT")
            )
        items.append(
            "<li>\n"
            f'        <a href="{task_url.format(task["id"])}">{escape(task["title"])}</a>\n'
            f'        <span class="muted small">{due % {"unit": escape(unit), "date": deadline}}'
            "</span>\n"
            f"        {lights.get(task['light'], dash)}\n"
            "      </li>"
        )
    return mark_safe("\n      ".join(items))  # noqa: S308 (every value escaped above)
