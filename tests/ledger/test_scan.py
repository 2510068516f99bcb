"""The automatic reminder scan on a hand-made ledger, day by day with the clock frozen.

December 2018 on the Chinese calendar: the 14th is a Friday; the 17th to 21st are
the next five working days. Each rule must fire once, on the right day, at the
right level, and a second run on the same day must create nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigndesk import clock
from campaigndesk.audit.models import AuditRecord
from campaigndesk.campaigns.models import CampaignStatus
from campaigndesk.ledger import actions
from campaigndesk.ledger.models import Escalation, Notification, Reminder, ReminderKind
from campaigndesk.ledger.periods import ensure_periods, period_on
from campaigndesk.ledger.scan import office_overdue_list, run_reminders

DEADLINE = dt.date(2018, 12, 14)


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


def scan(day: dt.date) -> dict[str, int]:
    with at(day):
        return run_reminders(day)


def make_task(world, *, day=dt.date(2018, 12, 3), deadline=DEADLINE, unit=None, accept=True):
    with at(day):
        task = actions.create_task(
            world.office,
            campaign=world.campaign,
            title="梳理营商环境问题清单",
            lead_unit=unit or world.ganjingzi,
            deadline=deadline,
        )
        if accept:
            actions.accept_task(world.gjz_liaison, task)
    task.refresh_from_db()
    return task


def levels(task, kind) -> list[str]:
    return list(
        Reminder.objects.filter(task=task, kind=kind)
        .order_by("created_at", "id")
        .values_list("level", flat=True)
    )


def days(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


# --- overdue ----------------------------------------------------------------------------------


def test_overdue_task_escalates_from_liaison_to_unit_head_to_office_over_working_days(world):
    task = make_task(world)
    fired: dict[dt.date, list[str]] = {}
    for day in days(dt.date(2018, 12, 14), dt.date(2018, 12, 26)):
        before = set(
            Reminder.objects.filter(kind=ReminderKind.OVERDUE).values_list("pk", flat=True)
        )
        scan(day)
        new = Reminder.objects.filter(kind=ReminderKind.OVERDUE).exclude(pk__in=before)
        if new:
            fired[day] = list(new.values_list("level", flat=True))
    # One working day late (Monday), three (Wednesday), five (Friday): nothing on the weekend.
    assert fired == {
        dt.date(2018, 12, 17): [Escalation.LIAISON],
        dt.date(2018, 12, 19): [Escalation.UNIT_HEAD],
        dt.date(2018, 12, 21): [Escalation.OFFICE],
    }
    keys = set(
        Reminder.objects.filter(task=task, kind=ReminderKind.OVERDUE).values_list("key", flat=True)
    )
    assert keys == {
        "overdue:2018-12-14:liaison",
        "overdue:2018-12-14:unit_head",
        "overdue:2018-12-14:office",
    }
    task.refresh_from_db()
    assert task.reminder_count == Reminder.objects.filter(task=task).count()


def test_each_level_reaches_its_own_people(world):
    task = make_task(world)
    for day in (dt.date(2018, 12, 17), dt.date(2018, 12, 19), dt.date(2018, 12, 21)):
        scan(day)
    by_level = {
        r.level: set(r.notifications.values_list("recipient__username", flat=True))
        for r in Reminder.objects.filter(task=task, kind=ReminderKind.OVERDUE)
    }
    assert by_level == {
        Escalation.LIAISON: {"gjz_liaison"},
        Escalation.UNIT_HEAD: {"gjz_head"},
        Escalation.OFFICE: {"office"},
    }
    assert not Notification.objects.filter(recipient__username="zs_liaison").exists()


def test_running_the_scan_twice_the_same_day_creates_nothing_new(world):
    make_task(world)
    first = scan(dt.date(2018, 12, 19))
    reminders, notes = Reminder.objects.count(), Notification.objects.count()
    second = scan(dt.date(2018, 12, 19))
    assert first[ReminderKind.OVERDUE] == 1
    assert second == dict.fromkeys(second, 0)
    assert (Reminder.objects.count(), Notification.objects.count()) == (reminders, notes)


def test_a_scan_resumed_after_days_off_issues_only_the_level_reached(world):
    task = make_task(world)
    scan(dt.date(2018, 12, 20))  # four working days late, the scan's first run
    assert levels(task, ReminderKind.OVERDUE) == [Escalation.UNIT_HEAD]


def test_a_task_reported_done_is_not_reminded_as_overdue(world):
    task = make_task(world)
    with at(dt.date(2018, 12, 13)):
        actions.report_done(world.gjz_liaison, task, "已完成，附材料。")
    for day in (dt.date(2018, 12, 17), dt.date(2018, 12, 21)):
        scan(day)
    assert levels(task, ReminderKind.OVERDUE) == []


def test_a_changed_deadline_is_a_new_occasion(world):
    task = make_task(world)
    scan(dt.date(2018, 12, 17))
    assert levels(task, ReminderKind.OVERDUE) == [Escalation.LIAISON]
    with at(dt.date(2018, 12, 17)):
        actions.update_task(world.office, task, {"deadline": dt.date(2018, 12, 20)}, task.version)
    scan(dt.date(2018, 12, 19))  # the new deadline has not passed: nothing
    assert levels(task, ReminderKind.OVERDUE) == [Escalation.LIAISON]
    scan(dt.date(2018, 12, 21))  # one working day after the new deadline
    keys = list(
        Reminder.objects.filter(task=task, kind=ReminderKind.OVERDUE)
        .order_by("created_at", "id")
        .values_list("key", flat=True)
    )
    assert keys == ["overdue:2018-12-14:liaison", "overdue:2018-12-20:liaison"]


# --- before the deadline ----------------------------------------------------------------------


def test_deadline_reminder_fires_once_when_the_deadline_is_within_the_window(world):
    assert world.campaign.remind_before_days == 3
    task = make_task(world)
    fired = []
    for day in days(dt.date(2018, 12, 7), dt.date(2018, 12, 14)):
        if scan(day)[ReminderKind.BEFORE_DEADLINE]:
            fired.append(day)
    # Tuesday the 11th is three working days before Friday the 14th.
    assert fired == [dt.date(2018, 12, 11)]
    reminder = Reminder.objects.get(task=task, kind=ReminderKind.BEFORE_DEADLINE)
    assert (reminder.level, reminder.key) == (Escalation.LIAISON, "before_deadline:2018-12-14")


def test_no_deadline_reminder_for_a_task_already_reported_done(world):
    task = make_task(world)
    with at(dt.date(2018, 12, 10)):
        actions.report_done(world.gjz_liaison, task, "已完成。")
    scan(dt.date(2018, 12, 12))
    assert levels(task, ReminderKind.BEFORE_DEADLINE) == []


# --- not accepted -----------------------------------------------------------------------------


def test_task_not_accepted_in_time_escalates_by_working_days_late(world):
    task = make_task(world, deadline=dt.date(2019, 3, 29), accept=False)
    assert task.accept_by == dt.date(2018, 12, 6)  # three working days after Monday the 3rd
    fired = {}
    for day in days(dt.date(2018, 12, 6), dt.date(2018, 12, 17)):
        count = scan(day)[ReminderKind.NOT_ACCEPTED]
        if count:
            fired[day] = levels(task, ReminderKind.NOT_ACCEPTED)[-1]
    assert fired == {
        dt.date(2018, 12, 7): Escalation.LIAISON,
        dt.date(2018, 12, 11): Escalation.UNIT_HEAD,
        dt.date(2018, 12, 13): Escalation.OFFICE,
    }


def test_accepting_the_task_stops_the_not_accepted_reminders(world):
    task = make_task(world, deadline=dt.date(2019, 3, 29), accept=False)
    scan(dt.date(2018, 12, 7))
    with at(dt.date(2018, 12, 10)):
        actions.accept_task(world.gjz_liaison, task)
    scan(dt.date(2018, 12, 13))
    assert levels(task, ReminderKind.NOT_ACCEPTED) == [Escalation.LIAISON]


# --- late progress reports --------------------------------------------------------------------


def test_missing_progress_report_reminds_the_liaison_then_the_unit_head(world):
    task = make_task(world, day=dt.date(2018, 11, 26), deadline=dt.date(2019, 3, 29))
    ensure_periods(world.campaign)
    period = period_on(world.campaign, dt.date(2018, 12, 5))
    assert (period.ends_on, period.due_on) == (dt.date(2018, 12, 9), dt.date(2018, 12, 10))
    # Report the week before, so only this period is missing.
    with at(dt.date(2018, 12, 3)):
        earlier = period_on(world.campaign, dt.date(2018, 11, 28))
        actions.report_progress(world.gjz_liaison, task, earlier, progress=10, text="推进中")
    fired = {}
    for day in days(dt.date(2018, 12, 10), dt.date(2018, 12, 14)):
        if scan(day)[ReminderKind.LATE_REPORT]:
            fired[day] = levels(task, ReminderKind.LATE_REPORT)[-1]
    # Due Monday the 10th; one working day late on the 11th, three more on the 14th.
    assert fired == {
        dt.date(2018, 12, 11): Escalation.LIAISON,
        dt.date(2018, 12, 14): Escalation.UNIT_HEAD,
    }
    assert set(
        Reminder.objects.filter(task=task, kind=ReminderKind.LATE_REPORT).values_list(
            "key", flat=True
        )
    ) == {
        "late_report:2018-12-09:liaison",
        "late_report:2018-12-09:unit_head",
    }


def test_a_report_written_stops_the_late_report_reminder(world):
    task = make_task(world, day=dt.date(2018, 11, 26), deadline=dt.date(2019, 3, 29))
    ensure_periods(world.campaign)
    with at(dt.date(2018, 12, 3)):
        earlier = period_on(world.campaign, dt.date(2018, 11, 28))
        actions.report_progress(world.gjz_liaison, task, earlier, progress=10, text="推进中")
    with at(dt.date(2018, 12, 10)):
        period = period_on(world.campaign, dt.date(2018, 12, 5))
        actions.report_progress(world.gjz_liaison, task, period, progress=20, text="按期推进")
    scan(dt.date(2018, 12, 11))
    assert levels(task, ReminderKind.LATE_REPORT) == []


# --- scope, record, the office's list, cost ---------------------------------------------------


def test_a_campaign_that_is_not_under_way_is_not_scanned(world):
    task = make_task(world)
    world.campaign.status = CampaignStatus.CLOSED
    world.campaign.save(update_fields=["status"])
    scan(dt.date(2018, 12, 21))
    assert not Reminder.objects.filter(task=task).exists()


def test_the_scan_acts_as_the_system_and_names_its_job_in_the_trail(world):
    make_task(world)
    scan(dt.date(2018, 12, 17))
    record = AuditRecord.objects.filter(action="ledger.remind.overdue").get()
    assert record.actor is None
    assert record.actor_label == "system (job:reminders)"
    assert record.source == "job:reminders"


def test_office_overdue_list_holds_the_tasks_escalated_to_the_office(world):
    late = make_task(world)
    on_time = make_task(world, deadline=dt.date(2019, 3, 29))
    unaccepted = make_task(world, deadline=dt.date(2019, 3, 29), accept=False, unit=world.zhongshan)
    for day in (dt.date(2018, 12, 17), dt.date(2018, 12, 19), dt.date(2018, 12, 21)):
        scan(day)
    with at(dt.date(2018, 12, 21)):
        listed = list(office_overdue_list())
        assert listed == [late, unaccepted]
        assert list(office_overdue_list(campaign=world.campaign)) == [late, unaccepted]
    assert on_time not in listed
    # Once reported done it leaves the list.
    with at(dt.date(2018, 12, 21)):
        actions.report_done(world.gjz_liaison, late, "已完成。")
        assert list(office_overdue_list()) == [unaccepted]


@pytest.mark.parametrize("n", [5, 20])
def test_a_repeat_scan_over_fully_escalated_tasks_runs_a_fixed_number_of_queries(world, n):
    for _ in range(n):
        make_task(world, deadline=dt.date(2018, 12, 7), accept=True)
    scan(dt.date(2018, 12, 14))  # five working days late: every task reaches the office
    with at(dt.date(2018, 12, 14)), CaptureQueriesContext(connection) as queries:
        counts = run_reminders(dt.date(2018, 12, 14))
    assert sum(counts.values()) == 0
    # 1 the active campaigns with calendars, 2 the calendar's own days, then one query per
    # rule (not accepted, before deadline, overdue), 6 the latest reporting period that is
    # due, 7 the missing reports; none per task.
    assert len(queries) == 7, [q["sql"] for q in queries.captured_queries]
