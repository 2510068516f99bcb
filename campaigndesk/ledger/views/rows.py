"""The ledger list's table rows, built in Python.

A page of 50 (up to 200) rows through the template language cost more than everything
else on the page together: per row a URL reversal, a dozen variable lookups, several
{% blocktranslate %} and badge conditions. Here every label is translated once per
page, the task address is formatted from one reversal, and each row is one
`format_html` call; the markup is the one the template had.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from html import escape
from typing import Any

from django.db.models import Expression, F, QuerySet, TextField
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from campaigndesk.core.bilingual import current_is_english
from campaigndesk.org.models import Unit

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


@functools.lru_cache(maxsize=4096)
def short_date(language: str | None, value: Any) -> str:
    """A deadline as the rows show it, escaped, in `language` (the active one): formatted
    once per process and language, not on every page (dozens of calls each)."""
    return escape(date_format(value, "SHORT_DATE_FORMAT"))


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


class CoUnitNames(Expression):
    """A task's co-units as the JSON text [[Chinese, English], ...], in the order they
    were linked: a subquery of the page's rows query (one index probe a row) instead of
    a query of its own after it."""

    output_field = TextField()

    def __init__(self) -> None:
        super().__init__()
        self.task: Any = F("id")

    def resolve_expression(self, query: Any = None, *args: Any, **kwargs: Any) -> CoUnitNames:
        c = self.copy()
        c.task = self.task.resolve_expression(query, *args, **kwargs)
        return c

    def get_source_expressions(self) -> list[Any]:
        return [self.task]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        (self.task,) = exprs

    def _parts(self, compiler: Any, connection: Any) -> tuple[str, str, str, list[Any]]:
        task_id, params = compiler.compile(self.task)
        q = connection.ops.quote_name
        joined = (
            f"{q(TaskCoUnit._meta.db_table)} c INNER JOIN {q(Unit._meta.db_table)} u"
            f" ON u.{q('id')} = c.{q('unit_id')}"
        )
        return joined, f"c.{q('task_id')} = {task_id}", f"c.{q('id')}", params

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        # SQLite (3.40) has no ORDER BY inside an aggregate: the rows are ordered first.
        joined, where, order, params = self._parts(compiler, connection)
        # Quoted names and the task's column as Django compiled it: nothing from a request.
        sql = (
            "(SELECT json_group_array(json_array(zh, en)) FROM (SELECT u.name_zh AS zh,"  # noqa: S608
            f" u.name_en AS en FROM {joined} WHERE {where} ORDER BY {order}))"
        )
        return sql, params

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        joined, where, order, params = self._parts(compiler, connection)
        sql = (
            f"(SELECT json_agg(json_build_array(u.name_zh, u.name_en) ORDER BY {order})::text"  # noqa: S608
            f" FROM {joined} WHERE {where})"
        )
        return sql, params


def ledger_values(tasks: QuerySet[Task], sort_field: str, **more: Any) -> QuerySet[Task]:
    """`tasks` as the dicts `ledger_rows` reads (with their co-units), with the sort's
    field for the cursor, and `more` expressions by name."""
    fields = ROW_VALUES if sort_field in ROW_VALUES else (*ROW_VALUES, sort_field)
    return tasks.values(*fields, co_unit_names=CoUnitNames(), **more)


def _co_units(found: str | None) -> list[tuple[str, str]]:
    # No co-unit: NULL on PostgreSQL, "[]" on SQLite.
    return json.loads(found) if found and found != "[]" else []


def ledger_rows(tasks: list[dict[str, Any]], selectable: bool) -> SafeString:
    """The <tr> of each task (dicts from `ledger_values`), numbered from 1; with a tick
    box for bulk reminders when `selectable`.

    Each row is one f-string over values escaped with the standard library's
    html.escape (what Django's escape() does, without format_html's lazy-string checks
    on each of a row's fifteen values): a third of the time the rows took.
    """
    if not tasks:
        return mark_safe("")
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

    language = get_language()
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
        co_units = [escape(pick(zh, en)) for zh, en in _co_units(task["co_unit_names"])]
        deadline = short_date(language, task["deadline"])
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
    language = get_language()
    items = []
    for task in tasks:
        zh, en = task["lead_unit__name_zh"], task["lead_unit__name_en"]
        unit = (en or zh) if english else (zh or en)
        deadline = short_date(language, task["deadline"])
        items.append(
            "<li>\n"
            f'        <a href="{task_url.format(task["id"])}">{escape(task["title"])}</a>\n'
            f'        <span class="muted small">{due % {"unit": escape(unit), "date": deadline}}'
            "</span>\n"
            f"        {lights.get(task['light'], dash)}\n"
            "      </li>"
        )
    return mark_safe("\n      ".join(items))  # noqa: S308 (every value escaped above)


def workspace_group(group: Any) -> SafeString:
    """A workspace task group's card (a workspace.Group of plain rows): the markup of
    _group.html for tasks, without an include, two {% blocktranslate %} and a URL
    reversal per group (five to seven groups a page). The plans group keeps the template."""
    key, title = escape(group.key), escape(str(group.title))
    rows = group.rows
    if not rows:
        return mark_safe(  # noqa: S308 (escaped here)
            f'<section class="card" aria-labelledby="group-{key}">\n'
            f'  <h3 id="group-{key}">{title}</h3>\n'
            f'  <p class="empty">{escape(str(group.empty))}</p>\n'
            "</section>"
        )
    shown = len(rows)
    count = _("%(shown)s+") % {"shown": shown} if group.more else str(shown)
    footer = ""
    if group.list_query:
        label = _("See them all in the ledger") if group.more else _("Open in the ledger")
        url = f"{reverse('ledger:list')}?{group.list_query}"
        footer = f'\n    <p><a href="{escape(url)}">{escape(label)}</a></p>'
    elif group.more:
        text = _("Only the first %(shown)s are shown.") % {"shown": shown}
        footer = f'\n    <p class="muted small">{escape(text)}</p>'
    return mark_safe(  # noqa: S308 (every value escaped here)
        f'<section class="card" aria-labelledby="group-{key}">\n'
        f'  <h3 id="group-{key}">{title} <span class="badge blue">{escape(count)}</span></h3>\n'
        "    <ul>\n"
        f"      {workspace_items(rows)}\n"
        f"    </ul>{footer}\n"
        "</section>"
    )
