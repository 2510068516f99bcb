"""Issue #4's acceptance walk, end to end on one small ledger, with the clock moved by hand.

A district's work plan goes draft → submitted → endorsed → approved, and its measure
becomes a task; the task is pressed down two levels (district → street → community);
the community reports every week; the deadline passes. The real background jobs
(`jobs.refresh_all_lights`, `jobs.run_reminders`, `jobs.deliver`, run through the
django-tasks backend) turn the lights green → yellow → red and remind once each,
liaison → unit head → the office's overdue list, however often they run; the
parent's progress and light follow its children.

The dates, on the Chinese working-day calendar of 2018 (no holiday falls in them):
  Mon 5 Nov   the plan is approved; the task is split twice.
  Fridays     the community reports on the week.
  Tue 11 Dec  three working days before the community's deadline: yellow.
  Fri 14 Dec  the community's deadline.
  Mon 17 Dec  one working day late: red, the liaison is reminded.
  Wed 19 Dec  three late: its unit head; the street's own deadline is near.
  Fri 21 Dec  five late: the office's overdue list.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from campaigndesk import clock
from campaigndesk.audit.trail import verify
from campaigndesk.campaigns import plans
from campaigndesk.campaigns.models import PlanStatus
from campaigndesk.ledger import actions, jobs
from campaigndesk.ledger.lights import light_of
from campaigndesk.ledger.models import (
    Escalation,
    Light,
    Notification,
    Reminder,
    ReminderKind,
    Source,
    Task,
    TaskStatus,
)
from campaigndesk.ledger.periods import ensure_periods, period_on
from campaigndesk.ledger.scan import office_overdue_list
from campaigndesk.org.models import Role, UnitKind
from tests.factories import UnitFactory, UserFactory, grant

APPROVED_ON = dt.date(2018, 11, 5)
GRANDCHILD_DUE = dt.date(2018, 12, 14)
CHILD_DUE = dt.date(2018, 12, 21)
TASK_DUE = dt.date(2018, 12, 28)


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


@pytest.fixture
def immediate_jobs(settings):
    """Jobs enqueued run at once, through django-tasks, as the demo runs them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def community(world):
    unit = UnitFactory(
        code="GJZ-ST-C1",
        name_zh="某社区",
        name_en="A community",
        kind=UnitKind.SUBUNIT,
        parent=world.street,
    )
    liaison = UserFactory(username="community_liaison", unit=unit)
    grant(liaison, Role.LIAISON, unit)
    head = UserFactory(username="community_head", unit=unit)
    grant(head, Role.UNIT_HEAD, unit)
    return unit, liaison, head


def run(job, **kwargs):
    """Enqueue a real job; it must succeed, and its return value is what it did."""
    result = job.enqueue(**kwargs)
    assert result.status == "SUCCESSFUL", result.errors
    return result.return_value


def run_day_jobs_twice(day: dt.date, relit: int = 0) -> tuple[dict, dict]:
    """The nightly light refresh and the hourly reminder scan, each run twice on `day`
    (a retry, or a second worker): the second run must find nothing left to do.
    `relit` is how many lights the first refresh is expected to change."""
    with at(day):
        assert run(jobs.refresh_all_lights) == {"dalian-2018": relit}
        assert run(jobs.refresh_all_lights) == {"dalian-2018": 0}
        first = run(jobs.run_reminders)
        second = run(jobs.run_reminders)
    return first, second


def lights(*tasks: Task) -> list[str]:
    return [Task.objects.get(pk=t.pk).light for t in tasks]


def progress(*tasks: Task) -> list[int]:
    return [Task.objects.get(pk=t.pk).progress for t in tasks]


def reminders() -> set[tuple[str, str, str, str]]:
    return {
        (r.task.title, r.kind, r.level, r.key)
        for r in Reminder.objects.select_related("task").order_by("pk")
    }


def inbox(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user)
        .order_by("created_at", "pk")
        .values_list("title", flat=True)
    )


def groups(response, section: str) -> dict[str, set[str]]:
    return {
        # The page's task rows are plain values; the plans group's rows are plans.
        g.key: {row["title"] if isinstance(row, dict) else str(row) for row in g.rows}
        for g in response.context[section]
    }


def test_a_plan_becomes_tasks_pressed_down_reported_overdue_reminded_once_and_rolled_up(
    world, community, client_for, immediate_jobs
):
    community_unit, community_liaison, community_head = community
    liaison, head, office = (
        client_for(world.gjz_liaison),
        client_for(world.gjz_head),
        client_for(world.office),
    )
    ensure_periods(world.campaign)

    # --- 1. The work plan: draft → submitted → endorsed → approved, on the screens. ---------
    with at(APPROVED_ON):
        plan = plans.start_plan(world.gjz_liaison, world.campaign, world.ganjingzi)
        plans.add_measure(
            world.gjz_liaison,
            plan,
            key_task=world.key_task,
            title="梳理营商环境问题清单",
            owner_name="王某",
            deadline=TASK_DUE,
            milestones=[{"title": "形成初稿", "due": "2018-11-30"}],
        )
        assert plan.status == PlanStatus.DRAFT
        assert liaison.post(reverse("ledger:plan_submit", args=[plan.pk])).status_code == 302
        plan.refresh_from_db()
        assert plan.status == PlanStatus.SUBMITTED and plan.versions.count() == 1
        # Only the unit head endorses, only the office approves.
        assert liaison.post(reverse("ledger:plan_endorse", args=[plan.pk])).status_code == 403
        assert head.post(reverse("ledger:plan_endorse", args=[plan.pk])).status_code == 302
        plan.refresh_from_db()
        assert plan.status == PlanStatus.ENDORSED
        desk = office.get(reverse("ledger:workspace"))
        assert [p.pk for p in desk.context["office_groups"][3].rows] == [plan.pk]
        assert not Task.objects.exists()  # nothing on the ledger before approval
        approve = reverse("ledger:plan_approve", args=[plan.pk])
        assert head.post(approve, {"approve-comment": ""}).status_code == 403
        assert office.post(approve, {"approve-comment": "同意"}).status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.approved_version) == (PlanStatus.APPROVED, 1)

    # The approved measure is a task on the ledger, accepted by the unit that wrote it.
    task = Task.objects.get(measure__plan=plan)
    assert (task.title, task.lead_unit, task.status, task.source) == (
        "梳理营商环境问题清单",
        world.ganjingzi,
        TaskStatus.ACCEPTED,
        Source.WORK_PLAN,
    )
    assert (task.starts_on, task.deadline, task.responsible_leader) == (
        APPROVED_ON,
        TASK_DUE,
        "王某",
    )
    assert list(task.milestones.values_list("title", "due")) == [
        ("形成初稿", dt.date(2018, 11, 30))
    ]
    assert task.light == Light.GREEN

    # --- 2. Pressed down two levels; the street accepts on its screen. ----------------------
    with at(APPROVED_ON):
        child = actions.split_task(
            world.gjz_liaison, task, lead_unit=world.street, title="街道排查", deadline=CHILD_DUE
        )
        assert child.status == TaskStatus.ASSIGNED
        street = client_for(world.street_liaison)
        desk = street.get(reverse("ledger:workspace"))
        assert groups(desk, "unit_groups")["to_accept"] == {"街道排查"}
        assert street.post(reverse("ledger:task_accept", args=[child.pk])).status_code == 302
        child.refresh_from_db()
        assert (child.status, child.accepted_late) == (TaskStatus.ACCEPTED, False)
        grandchild = actions.split_task(
            world.street_liaison,
            child,
            lead_unit=community_unit,
            title="社区走访",
            deadline=GRANDCHILD_DUE,
        )
        actions.accept_task(community_liaison, grandchild)
        page = liaison.get(reverse("ledger:task", args=[task.pk]))
        assert page.status_code == 200 and "街道排查" in page.content.decode()
    grandchild.refresh_from_db()
    assert [(t.depth, t.parent_id) for t in (task, child, grandchild)] == [
        (0, None),
        (1, task.pk),
        (2, child.pk),
    ]
    assert (child.source, grandchild.source) == (Source.SPLIT, Source.SPLIT)

    # --- 3. The community reports each week; the figures roll up two levels. ----------------
    weekly = [
        (dt.date(2018, 11, 9), 40),
        (dt.date(2018, 11, 16), 50),
        (dt.date(2018, 11, 23), 60),
        (dt.date(2018, 11, 30), 65),
    ]
    for day, percent in weekly[:1]:
        with at(day):
            period = period_on(world.campaign, day)
            report = actions.report_progress(
                community_liaison, grandchild, period, progress=percent, text="走访推进中"
            )
            assert report.is_late is False
    assert progress(grandchild, child, task) == [40, 40, 40]
    first, second = run_day_jobs_twice(dt.date(2018, 11, 9))
    assert first == second == dict.fromkeys(first, 0)  # nothing due, nothing late
    assert lights(grandchild, child, task) == [Light.GREEN] * 3
    # The district may not type a figure over its children's.
    with at(dt.date(2018, 11, 9)), pytest.raises(Exception, match="rolled up"):
        actions.report_progress(
            world.gjz_liaison, task, period_on(world.campaign, clock.today()), progress=5, text="x"
        )

    for day, percent in weekly[1:]:
        with at(day):
            actions.report_progress(
                community_liaison,
                grandchild,
                period_on(world.campaign, day),
                progress=percent,
                text="走访推进中",
            )
    assert progress(grandchild, child, task) == [65, 65, 65]
    first, _ = run_day_jobs_twice(dt.date(2018, 11, 30))
    assert sum(first.values()) == 0
    assert lights(grandchild, child, task) == [Light.GREEN] * 3

    with at(dt.date(2018, 12, 7)):
        actions.report_progress(
            community_liaison,
            grandchild,
            period_on(world.campaign, clock.today()),
            progress=75,
            text="大部分社区已走访",
        )

    # --- 4. Three working days before the community's deadline: yellow, and one reminder. ---
    first, second = run_day_jobs_twice(dt.date(2018, 12, 11), relit=3)
    assert first[ReminderKind.BEFORE_DEADLINE] == 1 and sum(first.values()) == 1
    assert sum(second.values()) == 0
    assert lights(grandchild, child, task) == [Light.YELLOW] * 3
    # The parents' own figures are on track: yellow reaches them by roll-up only.
    with at(dt.date(2018, 12, 11)):
        assert light_of(Task.objects.get(pk=task.pk), clock.today()) == Light.GREEN
    assert reminders() == {
        ("社区走访", ReminderKind.BEFORE_DEADLINE, Escalation.LIAISON, "before_deadline:2018-12-14")
    }
    assert inbox(community_liaison) == ["Due on 2018-12-14: 社区走访"]

    with at(GRANDCHILD_DUE):
        actions.report_progress(
            community_liaison,
            grandchild,
            period_on(world.campaign, clock.today()),
            progress=85,
            text="收尾",
        )
    assert progress(grandchild, child, task) == [85, 85, 85]

    # --- 5. The deadline passes: red, rolled up, and the ladder climbs once per step. -------
    first, second = run_day_jobs_twice(dt.date(2018, 12, 17), relit=3)
    assert first[ReminderKind.OVERDUE] == 1 and sum(first.values()) == 1
    assert sum(second.values()) == 0
    assert lights(grandchild, child, task) == [Light.RED] * 3
    with at(dt.date(2018, 12, 17)):
        assert light_of(Task.objects.get(pk=task.pk), clock.today()) == Light.GREEN
    red = liaison.get(reverse("ledger:list"), {"campaign": world.campaign.pk, "light": "red"})
    assert {"梳理营商环境问题清单", "街道排查", "社区走访"} <= set(
        Task.objects.filter(light=Light.RED).values_list("title", flat=True)
    )
    assert red.status_code == 200 and "社区走访" in red.content.decode()

    first, second = run_day_jobs_twice(dt.date(2018, 12, 19))
    # The community's head for the overdue task; the street's own deadline is now near.
    assert (first[ReminderKind.OVERDUE], first[ReminderKind.BEFORE_DEADLINE]) == (1, 1)
    assert sum(first.values()) == 2 and sum(second.values()) == 0
    assert inbox(community_head) == ["Overdue since 2018-12-14: 社区走访"]
    assert inbox(world.street_liaison) == ["Due on 2018-12-21: 街道排查"]

    assert list(office_overdue_list(dt.date(2018, 12, 19))) == []
    first, second = run_day_jobs_twice(dt.date(2018, 12, 21))
    assert first[ReminderKind.OVERDUE] == 1 and sum(first.values()) == 1
    assert sum(second.values()) == 0
    assert list(office_overdue_list(dt.date(2018, 12, 21))) == [grandchild]
    assert inbox(world.office) == ["Overdue since 2018-12-14: 社区走访"]
    with at(dt.date(2018, 12, 21)):
        desk = office.get(reverse("ledger:workspace"))
    assert groups(desk, "office_groups")["escalated"] == {"社区走访"}

    # Once each: every occasion and level exactly once, to the right people.
    assert reminders() == {
        (
            "社区走访",
            ReminderKind.BEFORE_DEADLINE,
            Escalation.LIAISON,
            "before_deadline:2018-12-14",
        ),
        ("社区走访", ReminderKind.OVERDUE, Escalation.LIAISON, "overdue:2018-12-14:liaison"),
        ("社区走访", ReminderKind.OVERDUE, Escalation.UNIT_HEAD, "overdue:2018-12-14:unit_head"),
        ("社区走访", ReminderKind.OVERDUE, Escalation.OFFICE, "overdue:2018-12-14:office"),
        (
            "街道排查",
            ReminderKind.BEFORE_DEADLINE,
            Escalation.LIAISON,
            "before_deadline:2018-12-21",
        ),
    }
    assert Reminder.objects.count() == 5
    grandchild.refresh_from_db()
    assert grandchild.reminder_count == 4
    assert inbox(community_liaison) == [
        "Due on 2018-12-14: 社区走访",
        "Overdue since 2018-12-14: 社区走访",
    ]
    assert inbox(world.gjz_liaison) == inbox(world.zs_liaison) == []

    # Each notification's email goes out once, however often the delivery job runs.
    with at(dt.date(2018, 12, 21)):
        sent = run(jobs.deliver)
        again = run(jobs.deliver)
    assert sent["sent"] == Notification.objects.count() == 5
    assert again["sent"] == 0
    assert len(mail.outbox) == 5

    # --- 6. The community finishes late; the office closes it; the roll-up moves back. ------
    with at(dt.date(2018, 12, 21)):
        actions.report_done(community_liaison, grandchild, note="走访全部完成，记录见附件")
        actions.close_task(world.office, grandchild)
    grandchild.refresh_from_db()
    assert (grandchild.status, grandchild.finished_late, grandchild.light) == (
        TaskStatus.CLOSED,
        True,
        Light.NONE,
    )
    assert progress(child, task) == [100, 100]
    # The street's own deadline is today (yellow); the district is no longer red.
    assert lights(child, task) == [Light.YELLOW, Light.YELLOW]
    assert list(office_overdue_list(dt.date(2018, 12, 21))) == []
    first, second = run_day_jobs_twice(dt.date(2018, 12, 21))
    assert sum(first.values()) == sum(second.values()) == 0
    assert Reminder.objects.count() == 5
    assert verify().ok  # every write above left an unbroken audit trail
