"""What is due from a person and their units: the workspace's groups of tasks.

A unit's liaison or head sees the tasks of their units and below, and those shared
with them as a co-unit: to accept, red, due within a week, owing this period's
report, and reported done (waiting for the office). The office, and those who watch
over the campaign, see what waits for the office: verification, reassignment, the
escalated overdue list, and endorsed work plans.

Each group reads at most `limit + 1` rows (the extra row says "there is more"), so the
page costs the same whatever the size of the ledger. The view and the API use the same
groups: one query each for the API, and on the desk's page (`plain`) one statement for
all the task groups of a call (a UNION ALL), since each query's compilation and round
trip cost the page as much as its rows.

The desk's page keeps its groups in the process (`desk`) until something they show may
have changed: they are keyed by the campaign's ledger version (figures.py: every write
to tasks, co-units, periods, progress reports, office escalations and work plans adds
one after its commit), the current reporting period, the day, the reference stamp
(core/generation.py: units' names, people, grants), and what the person's grants make
them see. The version and period are read in one small query a request, so several app
servers never show each other's stale groups; the UNION ALL (6.5 ms in PostgreSQL for
a district at city scale) runs once per version.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign, PlanStatus, WorkPlan
from campaigndesk.core import generation
from campaigndesk.org import access
from campaigndesk.org.access import OVERSIGHT_ROLES, UNIT_ROLES

from .figures import MAX_AGE
from .models import (
    Escalation,
    LedgerStamp,
    Light,
    Notification,
    Reminder,
    ReportingPeriod,
    Task,
    TaskStatus,
)
from .periods import current_period, missing_reports
from .queries import led_by_units_of, visible_tasks

LIMIT = 20
DUE_SOON_DAYS = 7
BEING_WORKED_ON = (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS)


@dataclass
class Group:
    key: str
    title: str | Promise
    empty: str | Promise
    rows: list[Any]
    more: bool  # more rows than shown
    # The ledger list's query string showing the whole group; None when it has no filter.
    list_query: str | None = None
    # Its rows until they are read (see `_read`): the first `limit + 1`.
    pending: QuerySet | None = field(default=None, repr=False, compare=False)


def _query(campaign: Campaign, **params: Any) -> str:
    q = QueryDict(mutable=True)
    q["campaign"] = str(campaign.pk)
    for name, value in params.items():
        if isinstance(value, (list, tuple)):
            q.setlist(name, [str(v) for v in value])
        else:
            q[name] = str(value)
    return q.urlencode()


def _group(
    key: str,
    title: str | Promise,
    empty: str | Promise,
    qs: QuerySet,
    limit: int,
    list_query: str | None = None,
) -> Group:
    """The group with its first `limit + 1` rows still to read (see `_read`)."""
    return Group(key, title, empty, [], False, list_query, pending=qs[: limit + 1])


def _read(groups: list[Group], limit: int, plain: bool, tasks: QuerySet[Task]) -> list[Group]:
    """Read the groups' rows: the task groups of the desk's page (`plain`, each filtered
    from `tasks`) in one statement, the API's and the work plans one query each."""
    pending = [g for g in groups if g.pending is not None and not g.pending.query.is_empty()]
    together = [g for g in pending if g.pending.model is Task] if plain else []
    found = _read_together([g.pending for g in together], tasks) if together else []
    rows_of = {id(g): rows for g, rows in zip(together, found, strict=True)}
    for group in groups:
        if id(group) in rows_of:
            rows = rows_of[id(group)]
        else:
            rows = list(group.pending) if group.pending is not None else []
        group.pending = None
        group.rows, group.more = rows[:limit], len(rows) > limit
    return groups


def _read_together(parts: list[QuerySet], tasks: QuerySet[Task]) -> list[list[dict[str, Any]]]:
    """The rows of sliced .values() querysets filtered from `tasks`, in the same fields
    and order, as one UNION ALL of derived tables (which keep their ORDER BY and LIMIT on
    SQLite too): one round trip and one plan instead of one per group.

    `tasks` (what the person sees of the campaign) is compiled once, and each part adds
    only its own conditions: compiling the visibility filter (paths, co-units) again
    for every group cost the page more than the groups' rows."""
    db = tasks.db
    fields = list(tasks.query.values_select)
    ordering = parts[0].query.order_by
    head = tasks.order_by().query.get_compiler(using=db)
    head_sql, head_params = head.as_sql()
    converters = head.get_converters([col for col, _sql, _alias in head.select])
    # Each group in its own order: by position in the rows.
    keys = []
    for name in ordering:
        position = fields.index(name.lstrip("-")) + 1
        keys.append(f"{position} DESC" if name.startswith("-") else str(position))
    sqls, params, kept = [], [], []
    for qs in parts:
        if list(qs.query.values_select) != fields or qs.query.order_by != ordering:
            raise ValueError("The groups read together must share fields and order.")
        try:
            sql, part_params = _part_sql(qs, tasks, head_sql, head_params, keys)
        except EmptyResultSet:
            continue  # a condition nothing matches (no paths, an empty list)
        sqls.append(f"SELECT g.*, {len(kept)} AS grp FROM ({sql}) g")  # noqa: S608 (Django's SQL)
        params.extend(part_params)
        kept.append(qs)
    found: dict[int, list[dict[str, Any]]] = {id(qs): [] for qs in parts}
    if not sqls:
        return [found[id(qs)] for qs in parts]
    order = ", ".join([str(len(fields) + 1), *keys])
    with connections[db].cursor() as cursor:
        cursor.execute(f"{' UNION ALL '.join(sqls)} ORDER BY {order}", params)
        rows = cursor.fetchall()
    if converters:
        rows = head.apply_converters(rows, converters)
    for row in rows:
        found[id(kept[row[-1]])].append(dict(zip(fields, row, strict=False)))
    return [found[id(qs)] for qs in parts]


def _part_sql(
    qs: QuerySet, tasks: QuerySet, head_sql: str, head_params: Any, keys: list[str]
) -> tuple[str, list[Any]]:
    """`qs` as SQL: `tasks`' compiled query and its own further conditions, when it is
    `tasks.filter(...)` with no join of its own; else compiled whole."""
    query, base = qs.query, tasks.query
    compiler = query.get_compiler(using=qs.db)
    ours, theirs = query.where.children, base.where.children
    if (
        theirs
        and " WHERE " in head_sql
        and query.where.connector == base.where.connector == "AND"
        and not query.where.negated
        and not base.where.negated
        and len(ours) > len(theirs)
        and query.alias_map.keys() == base.alias_map.keys()
        and all(a is b or a == b for a, b in zip(ours, theirs, strict=False))
        and query.high_mark is not None
        and not query.low_mark
    ):
        extra = [compiler.compile(child) for child in ours[len(theirs) :]]
        where = " AND ".join(f"({sql})" for sql, _params in extra)
        limit = query.high_mark
        sql = f"{head_sql} AND {where} ORDER BY {', '.join(keys)} LIMIT {int(limit)}"
        return sql, [*head_params, *(p for _sql, ps in extra for p in ps)]
    sql, params = compiler.as_sql()
    return sql, list(params)


# What a group's row shows (here and in the API's TaskBrief): no long texts, no dates
# nobody reads.
ROW_FIELDS = ("id", "title", "lead_unit", "status", "light", "progress", "deadline")


# What the desk's page shows of a row (views/rows.py workspace_items), as plain values:
# model rows with their lead units were most of the page's CPU.
PLAIN_FIELDS = ("id", "title", "deadline", "light", "lead_unit__name_zh", "lead_unit__name_en")


def _tasks(user: Any, campaign: Campaign, plain: bool = False) -> QuerySet[Task]:
    tasks = visible_tasks(user).filter(campaign=campaign)
    if plain:
        return tasks.values(*PLAIN_FIELDS)
    return tasks.select_related("lead_unit").only(*ROW_FIELDS)


def shows_unit_groups(user: Any) -> bool:
    return access.grants(user).has(*UNIT_ROLES)


def shows_office_groups(user: Any) -> bool:
    return access.grants(user).has(*OVERSIGHT_ROLES)


def unit_groups(
    user: Any, campaign: Campaign, today: dt.date, limit: int | None = None, plain: bool = False
) -> list[Group]:
    """Six queries: five groups and the current reporting period; two when `plain`, whose
    rows are dicts of PLAIN_FIELDS (tasks otherwise)."""
    limit = limit or LIMIT
    tasks = _tasks(user, campaign, plain)
    by_deadline = ("deadline", "id")
    week_end = today + dt.timedelta(days=DUE_SOON_DAYS)
    period = current_period(campaign)
    if period is not None:
        # Like acceptance, the report is the lead unit's to write (a co-unit is refused).
        owing = tasks.filter(
            led_by_units_of(user), pk__in=missing_reports(campaign, period).values("pk")
        )
    else:
        owing = tasks.none()
    groups = [
        # Only the lead unit accepts: a co-unit sees the task but is not asked to.
        _group(
            "to_accept",
            _("To accept"),
            _("No task waits for your acceptance."),
            tasks.filter(led_by_units_of(user), status=TaskStatus.ASSIGNED).order_by(*by_deadline),
            limit,
            _query(campaign, status=TaskStatus.ASSIGNED, led_by_mine="on"),
        ),
        _group(
            "red",
            _("Red light: overdue or far behind"),
            _("No task is red."),
            tasks.filter(light=Light.RED).order_by(*by_deadline),
            limit,
            _query(campaign, light=Light.RED),
        ),
        _group(
            "due_soon",
            _("Due within a week"),
            _("Nothing falls due in the next seven days."),
            tasks.filter(
                status__in=BEING_WORKED_ON, deadline__gte=today, deadline__lte=week_end
            ).order_by(*by_deadline),
            limit,
            _query(
                campaign,
                status=list(BEING_WORKED_ON),
                due_from=today.isoformat(),
                due_to=week_end.isoformat(),
            ),
        ),
        _group(
            "reports_due",
            _("Progress reports due for this period"),
            _("Every report for this period is in.")
            if period is not None
            else _("No reporting period is open today."),
            owing.order_by(*by_deadline),
            limit,
        ),
        _group(
            "reported",
            _("Reported done, waiting for the office"),
            _("No task waits for verification."),
            tasks.filter(status=TaskStatus.REPORTED).order_by(*by_deadline),
            limit,
            _query(campaign, status=TaskStatus.REPORTED),
        ),
    ]
    return _read(groups, limit, plain, tasks)


def office_groups(
    user: Any, campaign: Campaign, today: dt.date, limit: int = LIMIT, plain: bool = False
) -> list[Group]:
    """Four queries, one per group (two when `plain`). The task groups' rows are tasks,
    or dicts of PLAIN_FIELDS when `plain`; the work plans' are plans."""
    tasks = _tasks(user, campaign, plain)
    escalated = Reminder.objects.filter(task=OuterRef("pk"), level=Escalation.OFFICE)
    plans = (
        WorkPlan.objects.filter(campaign=campaign, status=PlanStatus.ENDORSED)
        .filter(access.unit_filter(user, "unit"))
        .select_related("unit")
        .order_by("endorsed_at", "pk")
    )
    groups = [
        _group(
            "to_verify",
            _("Reported done, to verify and close"),
            _("No task waits for verification."),
            tasks.filter(status=TaskStatus.REPORTED).order_by("deadline", "id"),
            limit,
            _query(campaign, status=TaskStatus.REPORTED),
        ),
        _group(
            "returned",
            _("Returned by the unit, to reassign"),
            _("No task was returned."),
            tasks.filter(status=TaskStatus.RETURNED).order_by("deadline", "id"),
            limit,
            _query(campaign, status=TaskStatus.RETURNED),
        ),
        # Escalated to the office's overdue list. Such a task is overdue, so red: the
        # (campaign, light) index finds the candidates, the reminder index checks each.
        _group(
            "escalated",
            _("The office's overdue list"),
            _("No overdue task has been escalated to the office."),
            tasks.filter(light=Light.RED).filter(Exists(escalated)).order_by("deadline", "id"),
            limit,
            _query(campaign, light=Light.RED),
        ),
        _group(
            "plans",
            _("Work plans waiting for a decision"),
            _("No endorsed work plan waits for a decision."),
            plans,
            limit,
        ),
    ]
    return _read(groups, limit, plain, tasks)


# --- the desk's page, kept per ledger version ----------------------------------------------------


@dataclass(frozen=True)
class Desk:
    """A person's groups on the desk's page, as computed at one ledger version. Shared by
    every request with the same key: read it, never change it (`groups()` copies)."""

    unit_groups: tuple[Group, ...]
    office_groups: tuple[Group, ...]
    made_at: dt.datetime
    # The view's markup of the task groups, per language (views/lists.py).
    html: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def groups(self) -> tuple[list[Group], list[Group]]:
        """Copies of the groups (their rows shared), for a request to annotate."""
        return [replace(g) for g in self.unit_groups], [replace(g) for g in self.office_groups]


# At most this many desks in a process, the oldest dropped first: a city has a few
# hundred units, and a full desk (20 rows a group, with its cards' markup in two
# languages) takes up to about 200 kB.
DESK_LIMIT = 500


@dataclass(frozen=True)
class DeskState:
    """What the desk's page reads on every request: the person's unread notifications
    (as reminders.unread_count), the campaign's ledger version and its reporting period
    covering the day (the kept groups' key; a period made in bulk by `ensure_periods`
    sends no signal, so its id is part of the key)."""

    unread: int
    version: int | None
    period: int | None


def desk(user: Any, campaign: Campaign, today: dt.date, state: DeskState) -> Desk:
    """The person's groups on the desk's page, kept in this process (core/generation.py)
    while `state` (read by `desk_state`), the day and the reference stamp stay the same,
    and for at most MAX_AGE; else computed and kept."""
    key = (campaign.pk, state.version, state.period, today, _seen_by(user), LIMIT)
    return generation.cached(
        "ledger.desk",
        key,
        lambda: _make_desk(user, campaign, today),
        limit=DESK_LIMIT,
        keep=lambda kept: dt.timedelta(0) <= clock.now() - kept.made_at <= MAX_AGE,
    )


def desk_state(user: Any, campaign: Campaign, today: dt.date) -> DeskState:
    """One statement, compiled once per process (`_state_sql`)."""
    connection = connections[DEFAULT_DB_ALIAS]
    sql, names = _state_sql(connection.vendor)
    values = {
        "user": user.pk,
        "campaign": campaign.pk,
        "day": connection.ops.adapt_datefield_value(today),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, [values[name] for name in names])
        row = cursor.fetchone()
    if row is None:  # the campaign was deleted a moment ago
        return DeskState(0, None, None)
    return DeskState(row[0] or 0, row[1], row[2])


_MARKERS = {"user": -7301, "campaign": -7302, "day": dt.date(1901, 2, 3)}


@functools.cache
def _state_sql(vendor: str) -> tuple[str, tuple[str, ...]]:
    """`desk_state`'s SQL and the names of its parameters in order. Compiling these
    subqueries cost the page more than running them (about 0.5 ms a request)."""
    day = _MARKERS["day"]
    unread = (
        Notification.objects.filter(recipient_id=_MARKERS["user"], read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    version = LedgerStamp.objects.filter(campaign=OuterRef("pk")).values("version")
    period = (
        ReportingPeriod.objects.filter(
            campaign=OuterRef("pk"), starts_on__lte=day, ends_on__gte=day
        )
        .order_by("number")
        .values("pk")[:1]
    )
    query = (
        Campaign.objects.filter(pk=_MARKERS["campaign"])
        .annotate(n=Subquery(unread), v=Subquery(version), p=Subquery(period))
        .values_list("n", "v", "p")
        .query
    )
    sql, params = query.sql_with_params()
    names = []
    for param in params:
        name = next((k for k, v in _MARKERS.items() if param in (v, str(v))), None)
        if name is None:  # the SQL must take only the markers' values as parameters
            raise RuntimeError(f"unexpected parameter in the desk's state query: {param!r}")
        names.append(name)
    return sql, tuple(names)


def _seen_by(user: Any) -> tuple[Any, ...]:
    """What the groups of `user` depend on besides the ledger: the grants' paths that
    visible_tasks(), led_by_units_of() and the plans' unit_filter() read, and which
    sections the person is shown."""
    g = access.grants(user)
    return (
        g.superuser,
        tuple(g.paths()),
        tuple(g.paths(UNIT_ROLES)),
        shows_unit_groups(user),
        shows_office_groups(user),
    )


def _make_desk(user: Any, campaign: Campaign, today: dt.date) -> Desk:
    made_at = clock.now()
    unit, office = [], []
    if shows_unit_groups(user):
        unit = unit_groups(user, campaign, today, LIMIT, plain=True)
    if shows_office_groups(user):
        office = office_groups(user, campaign, today, LIMIT, plain=True)
    for group in (*unit, *office):
        group.rows = tuple(group.rows)  # type: ignore[assignment]
    return Desk(tuple(unit), tuple(office), made_at)


def forget_desks() -> None:
    """Drop every kept desk, with the rest of the process cache (tests)."""
    generation.clear()
