"""The dashboard's figures, computed once per ledger version and kept in the database.

The figures of `ledger.stats` are GROUP BYs over a campaign's tasks: at city scale
(100,000 tasks) each dashboard request would scan the campaign. Here they are computed
once for (campaign, scope, day) and stored in `LedgerFigures` with the campaign's
ledger version (`LedgerStamp`); a request reads that one row (one query) and its units
and phases by key (two more). Any write that can change a figure adds one to the
version once its transaction commits (see `ledger_changed`):

- saving or deleting a task, a co-unit link, a phase or a reporting period (signals
  connected here, so every action, import and the API are covered);
- for the workspace's groups, which are kept by the same version (workspace.py), saving
  or deleting a progress report, a reminder escalated to the office or a work plan;
- writers that bypass signals call `ledger_changed()` themselves: the nightly light
  refresh (`lights.refresh_lights`, a bulk update) and the scale generator.

The next request after a write computes the figures again. Nothing is kept in process
memory, so several app servers never show each other stale figures; a day is part of
the key because "overdue" and the trend move with the date.

The scope is what a person sees: "all" for the office and anyone with a city-level
grant (or a superuser), else a digest of their granted unit paths — the only input of
`visible_tasks()` besides the tasks, so two people with the same paths share a row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, JSONField, Q, Subquery
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign, Phase, WorkPlan
from campaigndesk.org import access
from campaigndesk.org.models import PATH_STEP, Unit, subtree_q

from . import stats
from .models import (
    Escalation,
    LedgerFigures,
    LedgerStamp,
    ProgressReport,
    Reminder,
    ReportingPeriod,
    Task,
    TaskCoUnit,
)
from .queries import visible_tasks

ALL = "all"
NOTHING = "none"
# Figures are computed again after this long even without a recorded write: a bound on
# staleness should a process stop between a commit and its stamp, or a bulk writer
# forget to call ledger_changed().
MAX_AGE = dt.timedelta(minutes=10)


@dataclass
class Figures:
    """Everything the dashboard shows, for one person, campaign and day."""

    lights: dict[str, int]
    statuses: dict[str, int]
    breakdown: stats.Breakdown
    trend: stats.Trend

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


# --- the version -------------------------------------------------------------------------------


def ledger_changed(campaign_id: int | None) -> None:
    """Mark the campaign's figures out of date once the writing transaction commits.

    Not inside it: an UPDATE of the stamp row would hold its lock to the end of the
    transaction, ordering every task write of the campaign behind it. After the commit,
    figures computed in between carry the older version and are computed again. Once
    per campaign per transaction, however many tasks it writes.
    """
    if campaign_id is None:
        return
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        _bump(campaign_id)
        return
    # Django starts a new list of commit hooks at every commit and rollback, so the
    # list object identifies this transaction: one bump queued in it is enough until
    # it has run (an import of 20,000 tasks would otherwise commit 20,000 updates).
    queued: dict[int, tuple[Any, _Bump]] = conn.__dict__.setdefault("_ledger_stamps", {})
    hooks, bump = queued.get(campaign_id, (None, None))
    if hooks is conn.run_on_commit and bump is not None and not bump.done:
        return
    bump = _Bump(campaign_id)
    queued[campaign_id] = (conn.run_on_commit, bump)
    transaction.on_commit(bump)


class _Bump:
    def __init__(self, campaign_id: int):
        self.campaign_id, self.done = campaign_id, False

    def __call__(self) -> None:
        self.done = True
        _bump(self.campaign_id)


def _bump(campaign_id: int) -> None:
    stamps = LedgerStamp.objects.filter(campaign_id=campaign_id)
    if not stamps.update(version=F("version") + 1):
        LedgerStamp.objects.bulk_create(
            [LedgerStamp(campaign_id=campaign_id, version=1)], ignore_conflicts=True
        )


@receiver([post_save, post_delete], sender=Task, dispatch_uid="ledger_figures_task")
@receiver([post_save, post_delete], sender=Phase, dispatch_uid="ledger_figures_phase")
@receiver([post_save, post_delete], sender=ReportingPeriod, dispatch_uid="ledger_figures_period")
@receiver([post_save, post_delete], sender=WorkPlan, dispatch_uid="ledger_figures_work_plan")
def _campaign_row_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    ledger_changed(instance.campaign_id)


@receiver([post_save, post_delete], sender=TaskCoUnit, dispatch_uid="ledger_figures_co_unit")
def _co_unit_changed(sender: Any, instance: TaskCoUnit, **kwargs: Any) -> None:
    # A shared task is visible to the co-unit: its people's figures change.
    if kwargs.get("raw"):
        return
    ledger_changed(_campaign_of_task(instance))


@receiver([post_save, post_delete], sender=ProgressReport, dispatch_uid="ledger_figures_report")
@receiver([post_save, post_delete], sender=Reminder, dispatch_uid="ledger_figures_reminder")
def _task_note_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    # The workspace's "reports due" group lists the tasks without this period's report,
    # its "office's overdue list" those with a reminder escalated to the office. The
    # other reminders (the nightly scan's, one per task and occasion) change nothing
    # it shows, and would only have the dashboard's figures computed again.
    if kwargs.get("raw"):
        return
    if sender is Reminder and instance.level != Escalation.OFFICE:
        return
    ledger_changed(_campaign_of_task(instance))


def _campaign_of_task(instance: Any) -> int | None:
    """The campaign of the row's task: from the task its writer passed, else one query."""
    if type(instance)._meta.get_field("task").is_cached(instance):
        return instance.task.campaign_id
    return Task.objects.filter(pk=instance.task_id).values_list("campaign_id", flat=True).first()


def _version(campaign: Campaign) -> int:
    found = LedgerStamp.objects.filter(campaign=campaign).values_list("version", flat=True).first()
    if found is not None:
        return found
    LedgerStamp.objects.bulk_create(
        [LedgerStamp(campaign=campaign, version=0)], ignore_conflicts=True
    )
    return LedgerStamp.objects.filter(campaign=campaign).values_list("version", flat=True)[0]


# --- the scope -----------------------------------------------------------------------------------


def scope_of(user: Any) -> str:
    """The key of what the person sees (see the module's docstring)."""
    g = access.grants(user)
    if g.superuser:
        return ALL
    paths = sorted(g.paths())
    if not paths:
        return NOTHING
    if any(len(p) == PATH_STEP + 1 for p in paths):
        return ALL
    return hashlib.sha256("\n".join(paths).encode()).hexdigest()[:64]


# --- stored and read back --------------------------------------------------------------------------


def within_units(user: Any) -> Q:
    """Tasks led in the person's units or shared with them, as `pk IN (a UNION b)`.

    The same tasks as visible_tasks()'s "unit_path range OR EXISTS(co-unit)", in a form
    each half of which reads an index: that OR makes every GROUP BY test each task of
    the campaign (3.3 s for a district on PostgreSQL at 100,000 tasks, 0.15 s this way).
    """
    paths = access.grants(user).paths()
    led, shared = Q(pk__in=[]), Q(pk__in=[])
    for path in paths:
        led |= subtree_q("unit_path", path)
        shared |= subtree_q("unit_path", path)
    ids = (
        Task.objects.filter(led)
        .order_by()
        .values("pk")
        .union(TaskCoUnit.objects.filter(shared).order_by().values("task_id"))
    )
    return Q(pk__in=ids)


def _compute(user: Any, campaign: Campaign, scope: str, today: dt.date) -> dict[str, Any]:
    tasks = visible_tasks(user).filter(campaign=campaign)
    if scope not in (ALL, NOTHING):
        # visible_tasks() stays the rule (never more than it allows); this only lets
        # the database find those tasks by index.
        tasks = tasks.filter(within_units(user))
    parts = stats.breakdown(tasks, campaign, today)
    trend = stats.trend(tasks, campaign, today)
    return {
        "lights": stats.light_counts(tasks),
        "statuses": stats.status_counts(tasks),
        "units": [[f.unit.path, f.total, f.closed, f.on_time, f.overdue] for f in parts.units],
        "phases": [
            [f.phase.pk if f.phase else None, f.total, f.closed, f.progress_sum]
            for f in parts.phases
        ],
        "by_period": trend.by_period,
        "trend": [
            [p.starts_on.isoformat(), p.ends_on.isoformat(), p.closed, p.due, p.done, p.overdue]
            for p in trend.points
        ],
    }


def _figures(data: dict[str, Any], campaign: Campaign) -> Figures:
    """Stored figures back as stats' objects, with today's units and phases (two queries)."""
    units = Unit.objects.in_bulk([row[0] for row in data["units"]], field_name="path")
    phases = Phase.objects.in_bulk([row[0] for row in data["phases"] if row[0] is not None])
    unit_rows = [
        stats.UnitFigures(units[path], total=total, closed=closed, on_time=on_time, overdue=late)
        for path, total, closed, on_time, late in data["units"]
        if path in units
    ]
    phase_rows = [
        stats.PhaseFigures(phases.get(pk), total=total, closed=closed, progress_sum=progress)
        for pk, total, closed, progress in data["phases"]
        if pk is None or pk in phases
    ]
    points = [
        stats.TrendPoint(
            starts_on=dt.date.fromisoformat(s),
            ends_on=dt.date.fromisoformat(e),
            closed=closed,
            due=due,
            done=done,
            overdue=late,
        )
        for s, e, closed, due, done, late in data["trend"]
    ]
    return Figures(
        lights=_in_order(data["lights"], stats.LIGHT_ORDER),
        statuses=_in_order(data["statuses"], stats.STATUS_ORDER),
        breakdown=stats.Breakdown(units=unit_rows, phases=phase_rows),
        trend=stats.Trend(points, data["by_period"]),
    )


def dashboard_figures(user: Any, campaign: Campaign, today: dt.date) -> Figures:
    """The dashboard's figures over what `user` sees of `campaign`, as of `today`.

    Three queries when the stored figures are current (the figures at the campaign's
    version, younger than MAX_AGE; the units; the phases); otherwise they are computed
    (a few GROUP BYs) and stored for the next request.
    """
    scope = scope_of(user)
    data = _current(scope, campaign, today).values_list("figures", flat=True).first()
    if data is None:
        data = _refresh(user, campaign, today, scope)
    return _figures(data, campaign)


def current_figures(user: Any, campaign: Campaign, today: dt.date) -> tuple[Any, ...] | None:
    """(row id, ledger version, when made) of the current stored figures `user` sees,
    else None: one small read, for a page that keeps what it made of them (the
    dashboard's body). The version changes with every write the figures count."""
    current = _current(scope_of(user), campaign, today)
    return current.values_list("pk", "version", "made_at").first()


def stored_lights(user: Any, campaign: Campaign, today: dt.date) -> dict[str, int] | None:
    """The dashboard's counts by light when its stored figures are current, else None.

    One query, for the ledger list's counts strip: exact counts of the whole campaign
    without counting it. Nothing is computed here when the figures are out of date.
    """
    found = _current(scope_of(user), campaign, today).values_list("figures__lights", flat=True)
    return lights_in_order(found.first())


def stored_lights_subquery(user: Any, campaign: Campaign, today: dt.date) -> Subquery:
    """`stored_lights`' counts (their JSON, NULL when not current) as a subquery of
    another query, the ledger list's page of tasks: no query of their own. Read them
    back with `lights_in_order`."""
    current = _current(scope_of(user), campaign, today).values("figures__lights")[:1]
    return Subquery(current, output_field=JSONField())


def lights_in_order(found: dict[str, int] | None) -> dict[str, int] | None:
    return _in_order(found, stats.LIGHT_ORDER) if found is not None else None


def _in_order(stored: dict[str, int], order: Any) -> dict[str, int]:
    # PostgreSQL's jsonb keeps an object's keys in its own order (by length, then
    # bytes), not the order they were written in: the charts and tables list lights
    # worst first and statuses in the workflow's order.
    return {key.value: stored.get(key.value, 0) for key in order}


def indexed(tasks: Any, user: Any) -> Any:
    """`tasks` (already within visible_tasks(user)) in a form the database finds by index
    for a person who sees some units only (see within_units); as is for everyone else."""
    if scope_of(user) in (ALL, NOTHING):
        return tasks
    return tasks.filter(within_units(user))


def _current(scope: str, campaign: Campaign, today: dt.date) -> Any:
    current = LedgerStamp.objects.filter(campaign=campaign).values("version")
    return LedgerFigures.objects.filter(
        campaign=campaign,
        scope=scope,
        day=today,
        version=Subquery(current),
        made_at__gt=clock.now() - MAX_AGE,
    )


def _refresh(user: Any, campaign: Campaign, today: dt.date, scope: str) -> dict[str, Any]:
    # The version is read before the figures: a write committed in between is counted
    # or not, but the row says the older version and is computed again next time.
    version = _version(campaign)
    data = _compute(user, campaign, scope, today)
    with transaction.atomic():
        LedgerFigures.objects.filter(campaign=campaign, day__lt=today).delete()
        LedgerFigures.objects.bulk_create(
            [
                LedgerFigures(
                    campaign=campaign,
                    scope=scope,
                    day=today,
                    version=version,
                    figures=data,
                    made_at=clock.now(),
                )
            ],
            update_conflicts=True,
            unique_fields=["campaign", "scope", "day"],
            update_fields=["version", "figures", "made_at"],
        )
    return data


__all__ = [
    "Figures",
    "dashboard_figures",
    "indexed",
    "ledger_changed",
    "lights_in_order",
    "scope_of",
    "stored_lights",
    "stored_lights_subquery",
    "within_units",
]
