"""What the task page reads, in two queries, and its lists as HTML.

The page shows a dozen small things about one task: its children, co-units,
milestones, files, reminders, reports and their files, the current reporting period,
the calendar's days, the names of its key task, phase and parent. Read one query each,
they were nine round trips and as many ORM compilations, most of a page request at
city scale on PostgreSQL. Here they are one UNION ALL of plain values, its SQL
compiled by the ORM once per process (`_lists_query`), and the repeated rows are
written in Python rather than through template includes, once per row. The task itself
comes first, by SQL compiled once too (`load_task`).

Every list is read whole or cut in the database (children, reminders), so the page's
query count does not grow with them.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    DateField,
    DateTimeField,
    F,
    IntegerField,
    TextField,
    Value,
)
from django.db.models.functions import Cast
from django.http import Http404
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from campaigndesk.campaigns.models import (
    CalendarDay,
    Campaign,
    KeyTask,
    Phase,
    PlanMeasure,
    WorkCalendar,
)
from campaigndesk.core.bilingual import current_is_english
from campaigndesk.org import access
from campaigndesk.org.models import Unit

from .models import (
    Attachment,
    Light,
    ProgressReport,
    Reminder,
    ReportingPeriod,
    Task,
    TaskCoUnit,
    TaskMilestone,
    TaskStatus,
)
from .models.notices import Escalation, ReminderKind
from .models.tasks import WORKING_STATUSES
from .workdays import Workdays

CHILDREN_SHOWN = 100
REMINDERS_SHOWN = 20

# The columns every part of the union selects, in this order. A part leaves the ones it
# does not need NULL, cast to the column's type (PostgreSQL types a UNION column from
# its parts; an untyped NULL in the first two would make it text).
COLUMNS = {
    "k": IntegerField(),
    "pk": IntegerField(),
    "ref": IntegerField(),
    "n1": IntegerField(),
    "n2": IntegerField(),
    "n3": IntegerField(),
    "d1": DateField(),
    "d2": DateField(),
    "d3": DateField(),
    "t": DateTimeField(),
    "s1": TextField(),
    "s2": TextField(),
    "s3": TextField(),
    "s4": TextField(),
    "s5": TextField(),
    "s6": TextField(),
    "s7": TextField(),
}

(
    CHILD,
    CO_UNIT,
    MILESTONE,
    EVIDENCE,
    REPORT_FILE,
    REMINDER,
    REPORT,
    PERIOD,
    CALENDAR_DAY,
    CALENDAR,
    KEY_TASK,
    PHASE,
    PARENT,
    MEASURE,
) = range(1, 15)

# Stand-ins for the request's values while the SQL is compiled, found again among its
# parameters: ids no row has, and a date no campaign reaches.
_MARKERS = {
    "task": -9_000_001,
    "campaign": -9_000_002,
    "calendar": -9_000_003,
    "key_task": -9_000_004,
    "phase": -9_000_005,
    "parent": -9_000_006,
    "measure": -9_000_007,
}
_TODAY_MARKER = dt.date(1901, 2, 3)


def _person(prefix: str) -> dict[str, Any]:
    """The four fields a person's display name is made of (`User.__str__`)."""
    return {
        "s4": F(f"{prefix}__full_name"),
        "s5": F(f"{prefix}__first_name"),
        "s6": F(f"{prefix}__last_name"),
        "s7": F(f"{prefix}__username"),
    }


def _part(queryset, kind: int, *, first: tuple[tuple[str, ...], int] | None = None, **columns):
    """One part of the union and its kind: `columns` by name, the others typed NULLs;
    with `first` (an order and a count), only that many rows in that order."""
    exprs = {"k": Value(kind, output_field=IntegerField())}
    for name, output in list(COLUMNS.items())[1:]:
        exprs[name] = columns.get(name) or Cast(Value(None), output)
    named = {f"c_{name}": expr for name, expr in exprs.items()}
    if first is None:
        return kind, queryset.order_by().annotate(**named).values_list(*named)
    order, count = first
    if connection.features.supports_slicing_ordering_in_compound:
        return kind, queryset.annotate(**named).order_by(*order).values_list(*named)[:count]
    # SQLite allows no ORDER BY or LIMIT in a part of a UNION: the rows' ids come from a
    # subquery that has them.
    ids = queryset.order_by(*order).values("pk")[:count]
    rows = queryset.model.objects.filter(pk__in=ids)
    return kind, rows.order_by().annotate(**named).values_list(*named)


def _parts(m: dict[str, Any], today: dt.date, kinds: frozenset[int]):
    task = m["task"]
    parts = [
        _part(
            Task.objects.filter(parent_id=task),
            CHILD,
            first=(("deadline", "id"), CHILDREN_SHOWN + 1),
            pk=F("id"),
            n1=F("progress"),
            d1=F("deadline"),
            s1=F("title"),
            s2=F("status"),
            s3=F("light"),
            s4=F("lead_unit__name_zh"),
            s5=F("lead_unit__name_en"),
        ),
        _part(
            TaskCoUnit.objects.filter(task_id=task),
            CO_UNIT,
            s1=F("unit__path"),
            s4=F("unit__name_zh"),
            s5=F("unit__name_en"),
        ),
        _part(
            TaskMilestone.objects.filter(task_id=task),
            MILESTONE,
            pk=F("id"),
            d1=F("due"),
            d2=F("done_on"),
            s1=F("title"),
        ),
        _part(
            Attachment.objects.filter(task_id=task, report__isnull=True),
            EVIDENCE,
            pk=F("id"),
            n1=F("size"),
            t=F("uploaded_at"),
            s1=F("name"),
        ),
        _part(
            # A report's files are filed under its task too (actions.report_progress).
            Attachment.objects.filter(task_id=task, report__isnull=False),
            REPORT_FILE,
            pk=F("id"),
            ref=F("report_id"),
            n1=F("size"),
            t=F("uploaded_at"),
            s1=F("name"),
        ),
        _part(
            Reminder.objects.filter(task_id=task),
            REMINDER,
            first=(("-created_at", "-id"), REMINDERS_SHOWN),
            pk=F("id"),
            n1=F("sent_by_id"),
            t=F("created_at"),
            s1=F("message"),
            s2=F("kind"),
            s3=F("level"),
            **_person("sent_by"),
        ),
        _part(
            ProgressReport.objects.filter(task_id=task),
            REPORT,
            pk=F("id"),
            ref=F("period_id"),
            n1=F("progress"),
            n2=Cast("is_late", IntegerField()),
            n3=F("period__number"),
            d1=F("period__starts_on"),
            d2=F("period__ends_on"),
            t=F("reported_at"),
            s1=F("text"),
            s2=F("problems"),
            **_person("reported_by"),
        ),
        _part(
            ReportingPeriod.objects.filter(
                campaign_id=m["campaign"], starts_on__lte=today, ends_on__gte=today
            ),
            PERIOD,
            pk=F("id"),
            n1=F("number"),
            d1=F("starts_on"),
            d2=F("ends_on"),
            d3=F("due_on"),
            t=F("locked_at"),
        ),
        _part(
            CalendarDay.objects.filter(calendar_id=m["calendar"]),
            CALENDAR_DAY,
            n1=Cast("is_workday", IntegerField()),
            d1=F("date"),
        ),
        _part(WorkCalendar.objects.filter(pk=m["calendar"]), CALENDAR, s1=F("country")),
        _part(
            KeyTask.objects.filter(pk=m["key_task"]),
            KEY_TASK,
            n1=F("number"),
            s1=F("title_zh"),
            s2=F("title_en"),
        ),
        _part(Phase.objects.filter(pk=m["phase"]), PHASE, s1=F("name_zh"), s2=F("name_en")),
        _part(
            Task.objects.filter(pk=m["parent"]),
            PARENT,
            pk=F("id"),
            ref=F("lead_unit_id"),
            s1=F("title"),
            s2=F("lead_unit__path"),
        ),
        _part(PlanMeasure.objects.filter(pk=m["measure"]), MEASURE, n1=F("plan_id")),
    ]
    return [part for kind, part in parts if kind in kinds]


@dataclass(frozen=True)
class _Slot:
    name: str


@dataclass(frozen=True)
class _Compiled:
    """A query's SQL, compiled by the ORM once, with the request's values put in by name."""

    sql: str
    params: tuple[Any, ...]  # a _Slot where a request's value goes, else the constant
    converters: dict[int, tuple[list[Any], Any]]  # what the ORM does to each column read

    @classmethod
    def of(cls, queryset) -> _Compiled:
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        columns = [col for col, _sql, _alias in compiler.select][: compiler.col_count]
        slots = {value: name for name, value in _MARKERS.items()}
        today_as = connection.ops.adapt_datefield_value(_TODAY_MARKER)
        template: list[Any] = []
        for p in params:
            if isinstance(p, int) and not isinstance(p, bool) and p in slots:
                template.append(_Slot(slots[p]))
            elif p in (today_as, _TODAY_MARKER):
                template.append(_Slot("today"))
            else:
                template.append(p)
        return cls(sql, tuple(template), compiler.get_converters(columns))

    def rows(self, values: dict[str, Any]) -> list[list[Any]]:
        params = [values[p.name] if isinstance(p, _Slot) else p for p in self.params]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = [list(row) for row in cursor.fetchall()]
        for row in rows:
            for i, (converters, expression) in self.converters.items():
                for convert in converters:
                    row[i] = convert(row[i], expression, connection)
        return rows


@functools.cache
def _lists_query(vendor: str, kinds: frozenset[int]) -> _Compiled:
    """The union of the parts of `kinds`, compiled once per process: its parts cost more
    to compile than to run."""
    first, *others = _parts(_MARKERS, _TODAY_MARKER, kinds)
    compiled = _Compiled.of(first.union(*others, all=True))
    if PERIOD in kinds and _Slot("today") not in compiled.params:
        raise RuntimeError("the task page's query lost its date parameter")
    return compiled


def _kinds(task: Task) -> frozenset[int]:
    """The parts the task needs: a part that cannot have rows is left out of the query
    rather than planned by PostgreSQL for nothing (a join to plan for a parent the task
    does not have)."""
    kinds = {CHILD, CO_UNIT, MILESTONE, EVIDENCE, REPORT_FILE, REMINDER, REPORT}
    if task.status in WORKING_STATUSES:
        kinds.add(PERIOD)
    if task.is_open:  # the working days left, or overdue
        kinds |= {CALENDAR, CALENDAR_DAY}
    for kind, ref in (
        (KEY_TASK, task.key_task_id),
        (PHASE, task.phase_id),
        (PARENT, task.parent_id),
        (MEASURE, task.measure_id),
    ):
        if ref is not None:
            kinds.add(kind)
    return frozenset(kinds)


_TASK_FIELDS = [f.attname for f in Task._meta.concrete_fields]
_CAMPAIGN_FIELDS = [f.attname for f in Campaign._meta.concrete_fields]
_UNIT_FIELDS = [f.attname for f in Unit._meta.concrete_fields]


@functools.cache
def _task_query(vendor: str) -> _Compiled:
    return _Compiled.of(
        Task.objects.filter(pk=_MARKERS["task"]).values_list(
            *_TASK_FIELDS,
            *(f"campaign__{name}" for name in _CAMPAIGN_FIELDS),
            *(f"lead_unit__{name}" for name in _UNIT_FIELDS),
        )
    )


def load_task(user: Any, pk: int) -> Task:
    """The task with its campaign and lead unit, or 404 when it does not exist or the
    person may not see it (`ledger.view_task`, the rule `visible_tasks` answers for a
    list).

    `get_task_for_user` without compiling the ORM query on every request: the same
    select_related row, read by SQL compiled once per process (about 1 ms a request).
    """
    low, high = connection.ops.integer_field_range(Task._meta.pk.get_internal_type())
    if not low <= pk <= high:  # no such id; SQLite would refuse the number outright
        raise Http404
    rows = _task_query(connection.vendor).rows({"task": pk})
    if not rows:
        raise Http404
    row = rows[0]
    n, m = len(_TASK_FIELDS), len(_TASK_FIELDS) + len(_CAMPAIGN_FIELDS)
    db = connection.alias
    task = Task.from_db(db, _TASK_FIELDS, row[:n])
    Task.campaign.field.set_cached_value(task, Campaign.from_db(db, _CAMPAIGN_FIELDS, row[n:m]))
    Task.lead_unit.field.set_cached_value(task, Unit.from_db(db, _UNIT_FIELDS, row[m:]))
    if not access.can(user, "ledger.view_task", task):
        raise Http404
    return task


def _display_name(full: str | None, first: str | None, last: str | None, user: str) -> str:
    return full or f"{first or ''} {last or ''}".strip() or user


def _bilingual(zh: str | None, en: str | None) -> str:
    zh, en = zh or "", en or ""
    return (en or zh) if current_is_english() else (zh or en)


@dataclass
class Period:
    pk: int
    number: int
    starts_on: dt.date
    ends_on: dt.date
    due_on: dt.date | None = None
    locked_at: dt.datetime | None = None

    def __str__(self) -> str:  # as ReportingPeriod's
        return f"{self.starts_on:%Y-%m-%d} – {self.ends_on:%Y-%m-%d}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


@dataclass
class File:
    pk: int
    name: str
    size: int
    uploaded_at: dt.datetime | None


@dataclass
class Report:
    pk: int
    period: Period
    progress: int
    text: str
    problems: str
    reported_by: str
    reported_at: dt.datetime | None
    is_late: bool
    files: list[File] = field(default_factory=list)

    @property
    def period_id(self) -> int:
        return self.period.pk


@dataclass
class Child:
    pk: int
    title: str
    lead_unit: str
    deadline: dt.date
    status: str
    light: str
    progress: int


@dataclass
class Milestone:
    pk: int
    title: str
    due: dt.date | None
    done_on: dt.date | None


@dataclass
class ReminderRow:
    pk: int
    created_at: dt.datetime | None
    sent_by: str
    kind: str
    level: str
    message: str


@dataclass
class Extras:
    """Everything the page reads about the task besides its own row."""

    children: list[Child] = field(default_factory=list)
    co_units: list[str] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    evidence: list[File] = field(default_factory=list)
    reminders: list[ReminderRow] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    period: Period | None = None
    workdays: Workdays | None = None
    key_task: dict[str, Any] | None = None
    phase: str | None = None
    parent: dict[str, Any] | None = None
    plan_id: int | None = None


def read(task: Task, today: dt.date) -> Extras:
    """One query: the task's lists and the names its page shows (see the module's doc).
    It also fills in `task.parent` (see `_prime_parent`)."""
    campaign = task.campaign
    values = {
        "task": task.pk,
        "campaign": task.campaign_id,
        "calendar": campaign.calendar_id,
        "key_task": task.key_task_id,
        "phase": task.phase_id,
        "parent": task.parent_id,
        "measure": task.measure_id,
        "today": connection.ops.adapt_datefield_value(today),
    }
    rows = _lists_query(connection.vendor, _kinds(task)).rows(values)

    out = Extras()
    co_units: list[tuple[str, str]] = []
    report_files: list[tuple[int, File]] = []
    periods: list[Period] = []
    overrides: dict[dt.date, bool] = {}
    country = None
    for k, pk, ref, n1, n2, n3, d1, d2, d3, t, s1, s2, s3, s4, s5, s6, s7 in rows:
        if k == CHILD:
            unit = _bilingual(s4, s5)
            out.children.append(Child(pk, s1, unit, d1, s2, s3, n1))
        elif k == CO_UNIT:
            co_units.append((s1, _bilingual(s4, s5)))
        elif k == MILESTONE:
            out.milestones.append(Milestone(pk, s1, d1, d2))
        elif k == EVIDENCE:
            out.evidence.append(File(pk, s1, n1, t))
        elif k == REPORT_FILE:
            report_files.append((ref, File(pk, s1, n1, t)))
        elif k == REMINDER:
            sender = _display_name(s4, s5, s6, s7) if n1 is not None else ""
            out.reminders.append(ReminderRow(pk, t, sender, s2, s3, s1 or ""))
        elif k == REPORT:
            period = Period(ref, n3, d1, d2)
            out.reports.append(
                Report(
                    pk,
                    period,
                    n1,
                    s1 or "",
                    s2 or "",
                    _display_name(s4, s5, s6, s7),
                    t,
                    bool(n2),
                )
            )
        elif k == PERIOD:
            periods.append(Period(pk, n1, d1, d2, d3, t))
        elif k == CALENDAR_DAY:
            overrides[d1] = bool(n1)
        elif k == CALENDAR:
            country = s1
        elif k == KEY_TASK:
            out.key_task = {"number": n1, "title": _bilingual(s1, s2)}
        elif k == PHASE:
            out.phase = _bilingual(s1, s2)
        elif k == PARENT:
            out.parent = {"pk": pk, "title": s1}
            _prime_parent(task, pk, s1, ref, s2)
        elif k == MEASURE:
            out.plan_id = n1

    # The orders the separate queries had.
    out.children.sort(key=lambda c: (c.deadline, c.pk))
    out.co_units = [name for _path, name in sorted(co_units, key=lambda u: u[0])]
    out.milestones.sort(key=lambda m: (m.due or dt.date.min, m.pk))
    out.evidence.sort(key=lambda f: (f.uploaded_at, f.pk))
    out.reminders.sort(key=lambda r: (r.created_at, r.pk), reverse=True)
    out.reports.sort(key=lambda r: r.period.number, reverse=True)
    by_report = {r.pk: r for r in out.reports}
    for report_pk, file in sorted(report_files, key=lambda rf: (rf[1].uploaded_at, rf[1].pk)):
        if report_pk in by_report:
            by_report[report_pk].files.append(file)
    out.period = min(periods, key=lambda p: p.number) if periods else None
    if country is not None:
        out.workdays = _workdays(campaign, country, overrides)
    return out


def _prime_parent(task: Task, pk: int, title: str, unit_pk: int, unit_path: str) -> None:
    """Give `task.parent` and its lead unit what the page's rules and forms read of them
    (ledger.edit_task, the reassign form: the unit's id and path), so that they cost no
    query; any other field loads when read, as a deferred field does."""
    if Task.parent.field.is_cached(task):
        return
    db = connection.alias
    parent = Task.from_db(db, ["id", "title", "lead_unit_id"], [pk, title, unit_pk])
    Task.lead_unit.field.set_cached_value(
        parent, Unit.from_db(db, ["id", "path"], [unit_pk, unit_path])
    )
    Task.parent.field.set_cached_value(task, parent)


def _workdays(campaign: Any, country: str, overrides: dict[dt.date, bool]) -> Workdays:
    """`workdays.for_campaign`, from the calendar's days read above instead of a query."""
    margin = dt.timedelta(days=400)
    days = Workdays(None, (campaign.starts_on - margin, campaign.ends_on + margin))
    days.country, days.overrides = country, overrides
    return days


# --- the lists as HTML ------------------------------------------------------------------------

STATUS_BADGE = {
    TaskStatus.CLOSED: "green",
    TaskStatus.REPORTED: "green",
    TaskStatus.RETURNED: "yellow",
    TaskStatus.CANCELLED: "grey",
}
LIGHT_BADGE = {Light.GREEN: "green", Light.YELLOW: "yellow", Light.RED: "red", Light.GREY: "grey"}


def _labels(choices: Any) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def status_badge(status: str, labels: dict[str, str] | None = None) -> SafeString:
    label = (labels or _labels(TaskStatus.choices)).get(status, status)
    colour = STATUS_BADGE.get(status, "blue")
    return mark_safe(f'<span class="badge {colour}">{escape(label)}</span>')  # noqa: S308


def light_badge(light: str, labels: dict[str, str] | None = None) -> SafeString:
    colour = LIGHT_BADGE.get(light)
    if colour is None:  # closed or cancelled: no light
        return mark_safe("")
    label = (labels or _labels(Light.choices)).get(light, light)
    return mark_safe(f'<span class="badge {colour}">{escape(label)}</span>')  # noqa: S308


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _lines(text: str) -> str:
    return linebreaksbr(text, autoescape=True)


def _url_of(name: str):
    """A function giving the address of `name` for a pk without resolving it each row."""
    marker = 2_147_000_123
    url = reverse(name, args=[marker])
    head, tail = url.split(str(marker))
    return lambda pk: f"{escape(head)}{pk}{escape(tail)}"


def files_html(files: list[File], url=None) -> SafeString:
    if not files:
        return mark_safe("")
    url = url or _url_of("ledger:attachment")
    items = "".join(
        f'<li><a href="{url(f.pk)}">{escape(f.name)}</a>'
        f' <span class="muted">{escape(filesizeformat(f.size))}</span></li>'
        for f in files
    )
    return mark_safe(f'<ul class="files">{items}</ul>')  # noqa: S308


def children_rows(children: list[Child]) -> SafeString:
    url = _url_of("ledger:task")
    statuses, lights = _labels(TaskStatus.choices), _labels(Light.choices)
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            f'\n<tr><td><a href="{url(c.pk)}">{escape(c.title)}</a></td>'
            f"<td>{escape(c.lead_unit)}</td>"
            f'<td class="nowrap">{_day(c.deadline)}</td>'
            f"<td>{status_badge(c.status, statuses)}</td>"
            f"<td>{light_badge(c.light, lights)}</td>"
            f'<td class="num">{c.progress}%</td></tr>'
            for c in children
        )
    )


def report_rows(reports: list[Report]) -> SafeString:
    url = _url_of("ledger:attachment")
    late = f' <span class="badge yellow">{escape(_("Late"))}</span>'
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            f'\n<tr><td class="nowrap">{escape(str(r.period))}{late if r.is_late else ""}</td>'
            f'<td class="num">{r.progress}%</td>'
            f"<td>{_lines(r.text)}</td>"
            f"<td>{_lines(r.problems) or '—'}</td>"
            f'<td class="nowrap">{escape(r.reported_by)}<br>'
            f'<span class="muted">{_when(r.reported_at)}</span></td>'
            f"<td>{files_html(r.files, url)}</td></tr>"
            for r in reports
        )
    )


def reminder_rows(reminders: list[ReminderRow]) -> SafeString:
    kinds, levels = _labels(ReminderKind.choices), _labels(Escalation.choices)

    def sender(r: ReminderRow) -> str:
        return f'<br><span class="muted">{escape(r.sent_by)}</span>' if r.sent_by else ""

    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            f'\n<tr><td class="nowrap">{_when(r.created_at)}{sender(r)}</td>'
            f"<td>{escape(kinds.get(r.kind, r.kind))}</td>"
            f"<td>{escape(levels.get(r.level, r.level))}</td>"
            f"<td>{_lines(r.message) or '—'}</td></tr>"
            for r in reminders
        )
    )


def milestone_rows(milestones: list[Milestone]) -> SafeString:
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            f"\n<tr><td>{escape(m.title)}</td>"
            f'<td class="nowrap">{_day(m.due)}</td>'
            f'<td class="nowrap">{_day(m.done_on) or "—"}</td></tr>'
            for m in milestones
        )
    )
