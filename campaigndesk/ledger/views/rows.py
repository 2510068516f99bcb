"""The ledger list's table rows, built in Python.

A page of 50 (up to 200) rows through the template language cost more than everything
else on the page together: per row a URL reversal, a dozen variable lookups, several
{% blocktranslate %} and badge conditions. Here every label is translated once per
page, the task address is formatted from one reversal, and each row is one
`format_html` call; the markup is the one the template had.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Light, Task, TaskStatus

STATUS_BADGES = {
    TaskStatus.CLOSED: "green",
    TaskStatus.REPORTED: "green",
    TaskStatus.RETURNED: "yellow",
    TaskStatus.CANCELLED: "grey",
}
_DASH = mark_safe('<span class="muted">—</span>')
_PK = 2_147_483_647  # a placeholder id, replaced in the reversed address


def _light_badges() -> dict[str, SafeString]:
    words = {
        Light.RED: _("Red"),
        Light.YELLOW: _("Yellow"),
        Light.GREEN: _("Green"),
        Light.GREY: _("Grey"),
    }
    badges = {
        light: format_html('<span class="badge {}">{}</span>', light, word)
        for light, word in words.items()
    }
    badges[Light.NONE] = _DASH
    return badges


def _flags(task: Task, accepted_late: str, finished_late: str) -> SafeString:
    parts: list[SafeString] = []
    if task.accepted_late:
        parts.append(format_html('<span class="badge yellow">{}</span>', accepted_late))
    if task.report_late_count:
        n = task.report_late_count
        text = ngettext("%(count)s late report", "%(count)s late reports", n) % {"count": n}
        parts.append(format_html('<span class="badge yellow">{}</span>', text))
    if task.finished_late:
        parts.append(format_html('<span class="badge red">{}</span>', finished_late))
    if task.reminder_count:
        n = task.reminder_count
        text = ngettext("Reminded once", "Reminded %(count)s times", n) % {"count": n}
        parts.append(format_html('<span class="badge grey">{}</span>', text))
    return mark_safe("".join(parts))  # noqa: S308 (each part escaped by format_html)


def ledger_rows(tasks: Iterable[Task], selectable: bool) -> SafeString:
    """The <tr> of each task (from `for_ledger()`), numbered from 1; with a tick box for
    bulk reminders when `selectable`."""
    task_url = reverse("ledger:task", args=[_PK]).replace(str(_PK), "{}")
    lights = _light_badges()
    statuses = {value: str(label) for value, label in TaskStatus.choices}
    select = _("Select “%(title)s”")
    accepted_late, finished_late = _("Accepted late"), _("Finished late")
    rows = []
    for number, task in enumerate(tasks, start=1):
        tick = (
            format_html(
                '<td><input type="checkbox" name="task" value="{}" form="remind-form"'
                ' aria-label="{}"></td>',
                task.pk,
                select % {"title": task.title},
            )
            if selectable
            else ""
        )
        key_task = (
            format_html('<br><span class="muted small">{}</span>', task.key_task.title)
            if task.key_task_id
            else ""
        )
        co_units = [link.unit.name for link in task.co_unit_links.all()]
        rows.append(
            format_html(
                "<tr>{}"
                '<td class="num">{}</td>'
                '<td><a href="{}">{}</a>{}</td>'
                "<td>{}</td>"
                "<td>{}</td>"
                "<td>{}</td>"
                '<td class="nowrap">{}</td>'
                '<td class="nowrap"><progress max="100" value="{}">{}%</progress> {}%</td>'
                '<td><span class="badge {}">{}</span></td>'
                "<td>{}</td>"
                "<td>{}</td>"
                "</tr>",
                tick,
                number,
                task_url.format(task.pk),
                task.title,
                key_task,
                task.lead_unit.name,
                mark_safe("<br>".join(format_html("{}", n) for n in co_units))  # noqa: S308
                if co_units
                else _DASH,
                task.responsible_leader or "—",
                date_format(task.deadline, "SHORT_DATE_FORMAT"),
                task.progress,
                task.progress,
                task.progress,
                STATUS_BADGES.get(task.status, "blue"),
                statuses.get(task.status, task.status),
                lights.get(task.light, _DASH),
                _flags(task, accepted_late, finished_late),
            )
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (each row escaped by format_html)
