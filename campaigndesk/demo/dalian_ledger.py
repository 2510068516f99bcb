"""The Dalian demo's work plans and ledger, as they stood on 20 December 2018.

`build_ledger(campaign)` plays the story in `dalian_ledger_data` through the same
actions people use (plans, tasks, reports, reminders, period locks), each with the
clock frozen at the moment it happened, in the order it happened. So the audit
trail, the flags (accepted late, reports late, finished late), reminder keys and
the stored lights are exactly what the product would have made. Finally the lights
are refreshed for the demo day, 2018-12-20, the day `make demo` runs its clock from.

Seen from that day the ledger holds every task state and every light, every plan
state, child tasks two levels down (district → street → community) with figures
rolled up, co-responsible units, each kind of source, reminders and a locked period.

It runs inside `load_demo()`'s transaction and audit source, once, right after the
campaign is made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from campaigndesk import clock
from campaigndesk.campaigns import plans
from campaigndesk.campaigns.models import Campaign, PlanMeasure, WorkPlan
from campaigndesk.ledger import actions
from campaigndesk.ledger.lights import expected_progress, refresh_lights
from campaigndesk.ledger.models import ReminderKind, ReportingPeriod, Task
from campaigndesk.ledger.periods import ensure_periods, lock_period
from campaigndesk.ledger.reminders import issue_reminder, send_manual_reminder
from campaigndesk.ledger.workdays import for_campaign
from campaigndesk.org import access
from campaigndesk.org import actions as org_actions
from campaigndesk.org.models import Role, Unit, UnitKind, User

from . import dalian_ledger_data as data
from .accounts import DEMO_ACCOUNTS
from .dalian_ledger_tasks import TASKS
from .people import local, unit_person

ONE_DAY = dt.timedelta(days=1)

# What the weekly reports say, by how far the work has come; picked per task and week.
REPORT_TEXTS = {
    "start": (
        "已制定具体实施方案，明确责任领导、责任科室和完成时限，召开专题部署会。",
        "成立工作专班，完成前期摸底，梳理出需解决的问题并建立台账。",
        "组织专题学习研讨，对照任务要求逐项分解，形成任务清单和时间表。",
    ),
    "middle": (
        "按计划推进，本周完成阶段性工作，形成初步成果，正在征求相关单位意见。",
        "已完成调研走访和资料收集，正在起草成果文件，难点问题已报分管领导协调。",
        "本周召开推进会，对照时间节点逐项检查，已完成事项的佐证材料已归档。",
    ),
    "end": (
        "主体工作基本完成，正在完善佐证材料，按时限要求报送办结。",
        "成果文件已提交领导审定，修改完善后印发实施。",
    ),
}
BEHIND = (
    "涉及多个部门，协调推进需要时间，已提请领导小组办公室协调。",
    "前期准备不足，进度滞后于计划，已调整工作专班并倒排工期。",
)
PROBLEMS = ("个别基层单位进度偏慢，已下发督办通知。", "", "", "部分事项需市级层面政策支持。", "")
MANUAL_LATE = "已超过完成时限，请于12月21日前报送办理结果，说明逾期原因和下一步措施。"
MANUAL_BEHIND = "进度明显滞后于时序进度，请说明原因，并于12月24日前报送加快推进的具体措施。"


@dataclass
class LedgerSummary:
    plans: int = 0
    tasks: int = 0
    reports: int = 0
    reminders: int = 0
    people: int = 0
    units: int = 0


def build_ledger(campaign: Campaign) -> LedgerSummary:
    """Play the demo's plans and ledger up to the demo day; returns what it made."""
    story = _Story(campaign)
    story.prepare()
    story.run()
    refresh_lights(campaign, data.DEMO_DAY)
    return story.summary


def _pick(options: tuple[str, ...], *salt: object) -> str:
    """A stable choice (Python's hash() changes between runs; this does not)."""
    digest = hashlib.blake2s("|".join(map(str, salt)).encode(), digest_size=4).digest()
    return options[int.from_bytes(digest, "big") % len(options)]


class _Story:
    """The events of the story, each a call of an action at the moment it happened."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.summary = LedgerSummary()
        self.events: list[tuple[dt.datetime, int, Callable[[], Any]]] = []
        self.ids: dict[str, int] = {}
        self.liaisons: dict[str, User] = {}
        self.heads: dict[str, User] = {}
        self.counter = 0

    # --- setting the stage -------------------------------------------------------------------

    def prepare(self) -> None:
        with clock.frozen_at(local(self.campaign.starts_on, 8)):
            self._ensure_communities()
            self.units = {u.code: u for u in Unit.objects.all()}
            self.units_by_pk = {u.pk: u for u in self.units.values()}
            self._ensure_people()
        ensure_periods(self.campaign)
        self.periods = list(ReportingPeriod.objects.filter(campaign=self.campaign))
        self.workdays = for_campaign(self.campaign)
        self.key_tasks = {kt.number: kt for kt in self.campaign.key_tasks.all()}
        self.phases = list(self.campaign.phases.order_by("number"))
        self.office = User.objects.get(username="office")
        for spec in data.PLANS:
            self._plan(spec)
        for spec in TASKS:
            self._task(spec)
        self._add(local(data.LOCK_DAY, 9), self._lock_periods)

    def _ensure_communities(self) -> None:
        existing = set(
            Unit.objects.filter(code__in=[c[0] for c in data.COMMUNITIES]).values_list(
                "code", flat=True
            )
        )
        for code, parent, name_zh, name_en, short, order in data.COMMUNITIES:
            if code in existing:
                continue
            org_actions.create_unit(
                access.SYSTEM,
                parent=Unit.objects.get(code=parent),
                code=code,
                name_zh=name_zh,
                name_en=name_en,
                short_name_zh=short,
                kind=UnitKind.SUBUNIT,
                sort_order=order,
            )
            self.summary.units += 1

    def _ensure_people(self) -> None:
        """The demo accounts, and a liaison (and for some a head) for every other unit
        with a plan or a task: fictional people who cannot sign in."""
        accounts = {a.username: a for a in DEMO_ACCOUNTS}
        for person in User.objects.filter(username__in=list(accounts)):
            account = accounts[person.username]
            if account.role == Role.LIAISON:
                self.liaisons[account.unit] = person
            elif account.role == Role.UNIT_HEAD:
                self.heads[account.unit] = person
        community = {c[0] for c in data.COMMUNITIES}
        wanted = [(code, Role.LIAISON) for code in sorted(_lead_units() - community)]
        wanted += [(code, Role.UNIT_HEAD) for code in data.HEAD_UNITS]
        names = iter(data.NAMES)
        for code, role in wanted:
            held = self.liaisons if role == Role.LIAISON else self.heads
            if code in held:
                continue
            held[code] = self._person(code, role, next(names))

    def _person(self, code: str, role: str, full_name: str) -> User:
        person, created = unit_person(self.units[code], role, full_name)
        if created:
            self.summary.people += 1
        return person

    # --- the clock and the order of events ---------------------------------------------------

    def _minute(self) -> int:
        self.counter += 1
        return self.counter % 50

    def _add(self, when: dt.datetime, fn: Callable[[], Any]) -> None:
        self.events.append((when, len(self.events), fn))

    def run(self) -> None:
        for when, _order, fn in sorted(self.events, key=lambda e: (e[0], e[1])):
            with clock.frozen_at(when):
                fn()

    # --- look-ups ----------------------------------------------------------------------------

    def task(self, key: str) -> Task:
        return Task.objects.select_related("campaign", "lead_unit", "parent").get(pk=self.ids[key])

    def actor(self, code: str, head: bool = False) -> User:
        """Who acts for a unit: its own liaison (or head), else the nearest one above."""
        unit: Unit | None = self.units[code]
        while unit is not None:
            if head and unit.code in self.heads:
                return self.heads[unit.code]
            if unit.code in self.liaisons:
                return self.liaisons[unit.code]
            unit = self.units_by_pk.get(unit.parent_id)
        raise LookupError(f"nobody acts for {code}")

    def phase_for(self, day: dt.date) -> Any:
        return next((p for p in self.phases if p.starts_on <= day <= p.ends_on), None)

    def plan_of(self, code: str) -> WorkPlan:
        return WorkPlan.objects.select_related("campaign", "unit").get(
            campaign=self.campaign, unit=self.units[code]
        )

    # --- work plans --------------------------------------------------------------------------

    def _plan(self, spec: data.PlanSpec) -> None:
        m = self._minute()
        self._add(local(spec.started, 14, m), partial(self._start_plan, spec))
        if spec.submitted:
            self._add(local(spec.submitted, 10, m), partial(self._submit_plan, spec.unit))
        if spec.endorsed:
            self._add(local(spec.endorsed, 15, m), partial(self._endorse_plan, spec.unit))
        if spec.returned:
            day, comment = spec.returned
            self._add(local(day, 11, m), partial(self._return_plan, spec.unit, comment))
        if spec.approved:
            day, comment = spec.approved
            self._add(local(day, 16, m), partial(self._approve_plan, spec, comment))
            for measure in spec.measures:
                self._task(measure, plan_day=day)
        if spec.revision:
            rev = spec.revision
            self._add(local(rev.on, 14, m), partial(self._revise_plan, spec))
            self._add(local(rev.submitted, 10, m), partial(self._submit_plan, spec.unit))
            if rev.endorsed:
                self._add(local(rev.endorsed, 15, m), partial(self._endorse_plan, spec.unit))

    def _measure(self, spec: data.TaskSpec) -> dict[str, Any]:
        return {
            "key_task": self.key_tasks[spec.kt],
            "title": spec.title,
            "description": spec.description,
            "owner_name": spec.leader,
            "deadline": spec.deadline,
            "milestones": [{"title": t, "due": d.isoformat()} for t, d in spec.milestones],
        }

    def _start_plan(self, spec: data.PlanSpec) -> None:
        liaison = self.actor(spec.unit)
        plan = plans.start_plan(liaison, self.campaign, self.units[spec.unit])
        plans.update_plan_summary(liaison, plan, spec.summary)
        for number, measure in enumerate(spec.measures, 1):
            plans.add_measure(liaison, plan, number=number, **self._measure(measure))
        self.summary.plans += 1

    def _submit_plan(self, code: str) -> None:
        plans.submit_plan(self.actor(code), self.plan_of(code))

    def _endorse_plan(self, code: str) -> None:
        plans.endorse_plan(self.heads[code], self.plan_of(code))

    def _return_plan(self, code: str, comment: str) -> None:
        plans.return_plan(self.office, self.plan_of(code), comment)

    def _approve_plan(self, spec: data.PlanSpec, comment: str) -> None:
        plan = self.plan_of(spec.unit)
        plans.approve_plan(self.office, plan, comment)
        for number, measure in enumerate(spec.measures, 1):
            task = Task.objects.select_related("campaign", "parent").get(
                measure__plan=plan, measure__number=number
            )
            self.ids[measure.key] = task.pk
            self.summary.tasks += 1
            # The office files the plan's tasks under the phase their deadline falls in.
            actions.update_task(
                self.office,
                task,
                {"phase": self.phase_for(task.deadline)},
                expected_version=task.version,
            )

    def _revise_plan(self, spec: data.PlanSpec) -> None:
        assert spec.revision is not None
        liaison = self.actor(spec.unit)
        plan = self.plan_of(spec.unit)
        for number, changes in spec.revision.changes:
            measure = PlanMeasure.objects.get(plan=plan, number=number)
            plans.update_measure(liaison, measure, dict(changes))
        for number, measure in enumerate(spec.revision.added, len(spec.measures) + 1):
            plans.add_measure(liaison, plan, number=number, **self._measure(measure))

    # --- tasks -------------------------------------------------------------------------------

    def _task(
        self, spec: data.TaskSpec, *, parent: str | None = None, plan_day: dt.date | None = None
    ) -> None:
        """Schedule a task's life. Who acts is looked up when the event runs, from the
        task's lead unit at that moment (a reassigned task is acted on by its new unit)."""
        m = self._minute()
        key = spec.key
        if plan_day is None:
            assert spec.on is not None, key
            self._add(local(spec.on, 9, m), partial(self._create, spec, parent))
        start = plan_day or spec.on
        accepted = plan_day
        if spec.accept:
            hour = 15 if spec.accept == spec.on else 10
            self._add(local(spec.accept, hour, m), partial(self._accept, key))
            accepted = spec.accept
        if spec.returned:
            day, reason = spec.returned
            self._add(local(day, 11, m), partial(self._return, key, reason))
        if spec.reassign:
            day, code, accepted = spec.reassign
            self._add(local(day, 14, m), partial(self._reassign, key, code))
            if accepted:
                self._add(local(accepted, 10, m), partial(self._accept, key))
        for child in spec.children:
            self._task(child, parent=key)
        if accepted and start:
            self._schedule_reports(spec, start, accepted, m)
        self._schedule_endings(spec, m)
        for day, kind, level in spec.reminders:
            if kind == ReminderKind.MANUAL:
                self._add(local(day, 10, m), partial(self._remind_by_hand, key, day))
            else:
                self._add(local(day, 8, m), partial(self._remind, key, day, kind, level))

    def _create(self, spec: data.TaskSpec, parent: str | None) -> None:
        fields: dict[str, Any] = {
            "key_task": self.key_tasks[spec.kt],
            "description": spec.description,
            "priority": spec.priority,
            "milestones": list(spec.milestones),
            "co_units": [self.units[c] for c in spec.co],
        }
        if spec.leader:
            fields["responsible_leader"] = spec.leader
        if parent is not None:
            above = self.task(parent)
            task = actions.split_task(
                self.actor(above.lead_unit.code),
                above,
                lead_unit=self.units[spec.unit],
                title=spec.title,
                deadline=spec.deadline,
                **fields,
            )
        else:
            task = actions.create_task(
                self.office,
                campaign=self.campaign,
                title=spec.title,
                lead_unit=self.units[spec.unit],
                deadline=spec.deadline,
                phase=self.phase_for(spec.deadline),
                source=spec.source,
                source_ref=spec.ref,
                **fields,
            )
        self.ids[spec.key] = task.pk
        self.summary.tasks += 1

    def _acting(self, key: str, head: bool = False) -> tuple[User, Task]:
        task = self.task(key)
        return self.actor(task.lead_unit.code, head=head), task

    def _accept(self, key: str) -> None:
        actions.accept_task(*self._acting(key))

    def _return(self, key: str, reason: str) -> None:
        actions.return_task(*self._acting(key), reason)

    def _reassign(self, key: str, code: str) -> None:
        actions.reassign_task(self.office, self.task(key), self.units[code])

    def _report_days(
        self, spec: data.TaskSpec, accepted: dt.date
    ) -> Iterator[tuple[ReportingPeriod, dt.date]]:
        """The weekly reports the unit wrote: on the Friday, or two working days after the
        due day when late; none while the task was reported done or after it was split."""
        stops = [d for d in (spec.done, spec.cancelled and spec.cancelled[0]) if d]
        stops += [c.on for c in spec.children if c.on]
        stop = min(stops, default=data.DEMO_DAY)
        resume = spec.sent_back[0] if spec.sent_back else None
        for period in self.periods:
            # A unit that took the task on in the last days of a week reports from the next.
            if period.ends_on - 2 * ONE_DAY <= accepted or period.number in spec.skip:
                continue
            if period.number in spec.late:
                day = self.workdays.add(period.due_on, 2)
            else:
                day = period.ends_on - 2 * ONE_DAY
            if day >= data.DEMO_DAY:
                break
            if period.number in data.LOCKED_PERIODS and day >= data.LOCK_DAY:
                continue
            if day >= stop and not (resume and day >= resume and spec.closed is None):
                continue
            yield period, day

    def _schedule_reports(
        self, spec: data.TaskSpec, start: dt.date, accepted: dt.date, m: int
    ) -> None:
        progress = 0
        for period, day in self._report_days(spec, accepted):
            elapsed = expected_progress(start, spec.deadline, period.ends_on)
            progress = max(progress, min(95, max(5, round(spec.pace * elapsed))))
            stage = "start" if progress < 30 else "middle" if progress < 75 else "end"
            text = _pick(REPORT_TEXTS[stage], spec.key, period.number)
            behind = elapsed - progress >= 10
            problems = _pick(BEHIND if behind else PROBLEMS, spec.key, period.number)
            report = partial(self._report, spec.key, period, progress, text, problems)
            self._add(local(day, 17, m), report)

    def _report(
        self, key: str, period: ReportingPeriod, progress: int, text: str, problems: str
    ) -> None:
        actor, task = self._acting(key)
        actions.report_progress(
            actor, task, period, progress=progress, text=text, problems=problems
        )
        self.summary.reports += 1

    def _schedule_endings(self, spec: data.TaskSpec, m: int) -> None:
        key = spec.key
        if spec.done:
            done = partial(self._report_done, key, spec.note, spec.done_by_head)
            self._add(local(spec.done, 15, m), done)
        if spec.sent_back:
            day, reason = spec.sent_back
            self._add(local(day, 10, 30 + m % 30), partial(self._send_back, key, reason))
        if spec.closed:
            self._add(local(spec.closed, 10, m), partial(self._close, key))
        if spec.cancelled:
            day, reason = spec.cancelled
            self._add(local(day, 11, m), partial(self._cancel, key, reason))

    def _report_done(self, key: str, note: str, by_head: bool) -> None:
        actions.report_done(*self._acting(key, head=by_head), note)

    def _send_back(self, key: str, reason: str) -> None:
        actions.send_back(self.office, self.task(key), reason)

    def _close(self, key: str) -> None:
        actions.close_task(self.office, self.task(key))

    def _cancel(self, key: str, reason: str) -> None:
        actions.cancel_task(self.office, self.task(key), reason)

    # --- reminders and locks -----------------------------------------------------------------

    def _remind_by_hand(self, key: str, day: dt.date) -> None:
        task = self.task(key)
        message = MANUAL_LATE if task.deadline < day else MANUAL_BEHIND
        self.summary.reminders += send_manual_reminder(self.office, [task], message)

    def _remind(self, key: str, day: dt.date, kind: str, level: str) -> None:
        """The hourly scan's reminder, with the key the scan would give it
        (ledger/scan.py), so a scan run later in the demo does not repeat it."""
        task = self.task(key)
        if kind == ReminderKind.OVERDUE:
            occasion = f"overdue:{task.deadline.isoformat()}:{level}"
        elif kind == ReminderKind.NOT_ACCEPTED:
            occasion = f"not_accepted:{task.accept_by.isoformat()}:{level}"
        elif kind == ReminderKind.BEFORE_DEADLINE:
            occasion = f"before_deadline:{task.deadline.isoformat()}"
        else:
            period = max((p for p in self.periods if p.due_on < day), key=lambda p: p.number)
            occasion = f"late_report:{period.ends_on.isoformat()}:{level}"
        if issue_reminder(access.SYSTEM, task, kind=kind, level=level, key=occasion):
            self.summary.reminders += 1

    def _lock_periods(self) -> None:
        for period in self.periods:
            if period.number in data.LOCKED_PERIODS:
                lock_period(self.office, period)


def _lead_units() -> set[str]:
    """Codes of every unit that leads a task or owns a plan in the story."""
    codes: set[str] = set()

    def walk(spec: data.TaskSpec) -> None:
        codes.add(spec.unit)
        if spec.reassign:
            codes.add(spec.reassign[1])
        for child in spec.children:
            walk(child)

    for plan in data.PLANS:
        codes.add(plan.unit)
        for measure in plan.measures:
            walk(measure)
    for task in TASKS:
        walk(task)
    return codes
