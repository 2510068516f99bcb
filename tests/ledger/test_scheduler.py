"""The scheduler: which periodic jobs are due when, one claim per slot, and the queue drained."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from campaigndesk import clock
from campaigndesk.core import scheduler
from campaigndesk.core.models import ScheduledRun
from campaigndesk.ledger import actions
from campaigndesk.ledger.models import Delivery, Reminder, ReminderKind

DALIAN = zoneinfo.ZoneInfo("Asia/Shanghai")
DELIVER = "campaigndesk.ledger.jobs.deliver"
REMINDERS = "campaigndesk.ledger.jobs.run_reminders"
SEAL = "campaigndesk.audit.jobs.seal_waiting"
LIGHTS = "campaigndesk.ledger.jobs.refresh_all_lights"
DIGESTS = "campaigndesk.ledger.jobs.queue_digests"

calls: list[str] = []


def plain_job() -> None:
    calls.append("plain")


def broken_job() -> None:
    raise RuntimeError("this job always fails")


def ledger_jobs(started: list[str]) -> set[str]:
    """The ledger's jobs among those started (other apps declare theirs too)."""
    return {job for job in started if job.startswith("campaigndesk.ledger.")}


def local(day: dt.date, hh: int, mm: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=DALIAN)


@pytest.fixture
def extra_jobs():
    """Register test jobs for one test and take them out again."""
    added: list[str] = []

    def add(periodic: scheduler.Periodic) -> None:
        scheduler.register(periodic)
        added.append(periodic.job)

    calls.clear()
    yield add
    for job in added:
        scheduler._registered.pop(job, None)


DAY = dt.date(2018, 12, 17)


def test_the_ledger_declares_its_periodic_jobs(db):
    jobs = {p.job: p for p in scheduler.schedule()}
    assert jobs[DELIVER].every == scheduler.MINUTE
    assert jobs[REMINDERS].every == scheduler.HOUR
    assert (jobs[LIGHTS].every, jobs[LIGHTS].at) == (scheduler.DAY, "00:10")
    assert (jobs[DIGESTS].every, jobs[DIGESTS].at) == (scheduler.DAY, "07:30")


def test_a_slot_is_claimed_once_when_the_scheduler_runs_twice(db):
    now = local(DAY, 9, 0)
    first = scheduler.tick(now)
    second = scheduler.tick(now + dt.timedelta(seconds=30))  # another scheduler, same minute
    assert ledger_jobs(first) == {DELIVER, REMINDERS, LIGHTS, DIGESTS}
    assert second == []
    assert ScheduledRun.objects.filter(job=DELIVER).count() == 1
    assert scheduler.claim(DELIVER, "2018-12-17T09:00") is False
    enqueued = list(DBTaskResult.objects.values_list("task_path", flat=True))
    # Plain functions (the audit trail's seal) run in the scheduler, the rest are queued.
    assert sorted(enqueued) == sorted(j for j in first if j != SEAL)
    assert SEAL in first


def test_a_tick_with_everything_claimed_only_reads_the_claims(db, django_assert_num_queries):
    now = local(DAY, 9, 0)
    scheduler.tick(now)
    # 1 the claims of the due slots; no insert that would hit the unique constraint.
    with django_assert_num_queries(1):
        assert scheduler.tick(now + dt.timedelta(seconds=20)) == []


def test_jobs_come_due_every_minute_every_hour_and_once_a_day_at_their_time(db):
    started = {}
    for hh, mm in [(0, 5), (0, 10), (0, 11), (1, 0), (1, 59), (7, 29), (7, 30), (8, 0)]:
        started[f"{hh:02d}:{mm:02d}"] = ledger_jobs(scheduler.tick(local(DAY, hh, mm)))
    assert started == {
        "00:05": {DELIVER, REMINDERS},
        "00:10": {DELIVER, LIGHTS},
        "00:11": {DELIVER},
        "01:00": {DELIVER, REMINDERS},
        "01:59": {DELIVER},
        "07:29": {DELIVER, REMINDERS},
        "07:30": {DELIVER, DIGESTS},
        "08:00": {DELIVER, REMINDERS},
    }
    # The next day the daily jobs come due again.
    assert LIGHTS in scheduler.tick(local(DAY + dt.timedelta(days=1), 0, 10))


def test_a_deployment_moves_a_daily_job_with_schedule_at(db, settings):
    settings.SCHEDULE_AT = {DIGESTS: "09:15"}
    assert DIGESTS not in scheduler.tick(local(DAY, 9, 0))
    assert DIGESTS in scheduler.tick(local(DAY, 9, 15))


def test_an_app_adds_a_periodic_job_without_editing_the_core(db, extra_jobs):
    extra_jobs(scheduler.Periodic("tests.ledger.test_scheduler.plain_job", scheduler.MINUTE))
    started = scheduler.tick(local(DAY, 9, 0))
    assert "tests.ledger.test_scheduler.plain_job" in started
    assert calls == ["plain"]  # a plain function is called, not enqueued


def test_a_failing_job_does_not_keep_the_others_from_starting(db, extra_jobs, caplog):
    extra_jobs(scheduler.Periodic("tests.ledger.test_scheduler.broken_job", scheduler.MINUTE))
    started = scheduler.tick(local(DAY, 9, 0))
    assert DELIVER in started
    assert "broken_job could not be started" in caplog.text


def test_a_daily_job_needs_a_time_and_every_must_be_known():
    with pytest.raises(ValueError):
        scheduler.Periodic("x.y", scheduler.DAY)
    with pytest.raises(ValueError):
        scheduler.Periodic("x.y", "fortnight")


def test_claims_older_than_a_month_are_forgotten(db):
    ScheduledRun.objects.create(
        job=DELIVER, slot="old", claimed_at=local(DAY, 0, 0) - dt.timedelta(days=40)
    )
    scheduler.tick(local(DAY, 9, 0))
    assert not ScheduledRun.objects.filter(slot="old").exists()


# The worker closes connections between tasks, as a real worker does; that needs real
# commits, not the rolled-back transaction of an ordinary test.
@pytest.mark.django_db(transaction=True)
def test_the_queue_filled_by_the_scheduler_is_drained_by_db_worker_batch(world):
    with clock.frozen_at(local(dt.date(2018, 12, 3), 10, 0)):
        task = actions.create_task(
            world.office,
            campaign=world.campaign,
            title="梳理营商环境问题清单",
            lead_unit=world.ganjingzi,
            deadline=dt.date(2018, 12, 14),
        )
        actions.accept_task(world.gjz_liaison, task)
    monday = local(dt.date(2018, 12, 17), 9, 0)
    with clock.frozen_at(monday):
        scheduler.tick()
        call_command("db_worker", batch=True, verbosity=0)
    assert Reminder.objects.filter(task=task, kind=ReminderKind.OVERDUE).count() == 1
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
    # The next minute's delivery run sends what the reminder scan and the digest queued.
    with clock.frozen_at(monday + dt.timedelta(minutes=1)):
        assert set(scheduler.tick()) == {DELIVER, SEAL}
        call_command("db_worker", batch=True, verbosity=0)
    assert {tuple(m.to) for m in mail.outbox} >= {(world.gjz_liaison.email,)}
    assert not Delivery.objects.exclude(status="sent").exists()


def test_inline_runs_the_jobs_in_the_scheduler_without_a_worker(world):
    with clock.frozen_at(local(DAY, 9, 0)):
        started = scheduler.tick(inline=True)
    assert DELIVER in started
    assert not DBTaskResult.objects.exists()


def test_scheduler_command_runs_one_tick_with_once_and_lists_the_jobs(db):
    out = StringIO()
    with clock.frozen_at(local(DAY, 9, 0)):
        call_command("scheduler", "--once", stdout=out)
        call_command("scheduler", "--once", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Started: ") and DELIVER in lines[0]
    assert lines[1] == "Nothing was due."
    listing = StringIO()
    call_command("scheduler", "--list", stdout=listing)
    assert f"{DIGESTS}  (daily at 07:30)" in listing.getvalue()


def test_start_in_background_runs_the_loop_once_in_a_daemon_thread(monkeypatch):
    ticked = threading.Event()

    def fake_tick(now=None, *, inline=False):
        ticked.set()
        return []

    monkeypatch.setattr(scheduler, "tick", fake_tick)
    # Another test in this process (the demo command's) may have left a loop running.
    scheduler.stop_background()
    thread = scheduler.start_in_background(inline=True)
    try:
        assert thread.daemon
        assert scheduler.start_in_background() is thread  # once per process
        assert ticked.wait(5)
    finally:
        scheduler.stop_background()
    assert not thread.is_alive()


def test_a_failing_daily_job_is_enqueued_again_for_the_same_day_a_few_times(db, monkeypatch):
    from campaigndesk.ledger import digest, jobs

    def fail(today):
        raise RuntimeError("mail server away")

    monkeypatch.setattr(digest, "queue_digests", fail)
    with pytest.raises(RuntimeError):
        jobs.queue_digests.call(today="2018-12-17")
    again = DBTaskResult.objects.get()
    assert again.task_path == DIGESTS
    assert again.args_kwargs["kwargs"] == {"attempt": 2, "today": "2018-12-17"}
    assert again.run_after is not None
    # The last of the retries gives up and leaves it to tomorrow's slot.
    with pytest.raises(RuntimeError):
        jobs.queue_digests.call(today="2018-12-17", attempt=len(jobs.RETRY_AFTER_MINUTES) + 1)
    assert DBTaskResult.objects.count() == 1


def test_a_job_enqueued_without_a_date_works_on_the_day_it_runs(world):
    from campaigndesk.ledger import jobs

    with clock.frozen_at(local(DAY, 9, 0)):
        assert jobs.queue_digests.call() == 0  # nothing on anyone's plate yet
        assert jobs.refresh_all_lights.call() == {world.campaign.code: 0}
        assert jobs.run_reminders.call()["overdue"] == 0
