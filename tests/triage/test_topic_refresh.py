"""Hot topics are read as stored; computing them is a background job, queued once per
campaign, period and stored run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from campaigndesk import clock
from campaigndesk.core.models import ScheduledRun
from campaigndesk.triage import topic_jobs, topics
from campaigndesk.triage.models import TopicRun

from . import test_topics as topic_tests

period = topic_tests.period  # three topics of a period and of the one before
NOW = dt.datetime(2018, 12, 21, 9, tzinfo=dt.UTC)
REFRESH = topic_jobs.refresh_run.module_path


@pytest.fixture
def at_nine():
    with clock.frozen_at(NOW):
        yield


def queued() -> list[list]:
    """The queued refreshes' arguments: campaign, start, end and the run they replace."""
    rows = DBTaskResult.objects.filter(task_path=REFRESH, status="READY").order_by("enqueued_at")
    return [row.args_kwargs["args"] for row in rows]


def run_queued() -> list:
    """What db_worker does with each queued refresh: call it with its stored arguments."""
    results = []
    for row in DBTaskResult.objects.filter(task_path=REFRESH, status="READY"):
        results.append(row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"]))
        DBTaskResult.objects.filter(pk=row.pk).update(status="SUCCESSFUL")
    return results


def stored(world, start, end, *, age: dt.timedelta, result: list | None = None) -> TopicRun:
    return TopicRun.objects.create(
        campaign=world.campaign,
        start=start,
        end=end,
        result=result or [{"terms": ["旧话题"], "size": 9, "previous": 1, "support": 0}],
        size=10,
        computed_at=clock.now() - age,
    )


def test_a_missing_run_is_not_computed_by_a_read_but_queued_once(
    world, period, at_nine, django_assert_num_queries
):
    start, end = period
    shown = topics.read_topics(world.campaign, start, end)
    assert (shown.run, shown.stale, shown.refreshing) == (None, True, True)
    assert not TopicRun.objects.exists()
    assert queued() == [[world.campaign.pk, start.isoformat(), end.isoformat(), "none"]]
    # 1 the stored run (none); 2 the refresh's claim, held by the first read: nothing queued.
    with django_assert_num_queries(2):
        again = topics.read_topics(world.campaign, start, end)
    assert (again.run, again.refreshing) == (None, True)
    assert topics.hot_topics(world.campaign, start, end) == []
    assert len(queued()) == 1 and not TopicRun.objects.exists()


def test_a_stale_run_is_shown_while_its_refresh_is_queued(world, period, at_nine):
    start, end = period
    old = stored(world, start, end, age=dt.timedelta(hours=2))
    shown = topics.read_topics(world.campaign, start, end)
    assert shown.run == old and shown.stale and shown.refreshing
    assert [t.terms for t in topics.topics_of(shown.run)] == [["旧话题"]]
    assert queued() == [
        [world.campaign.pk, start.isoformat(), end.isoformat(), topics.run_version(old)]
    ]
    topics.read_topics(world.campaign, start, end)
    assert len(queued()) == 1


def test_a_fresh_run_queues_nothing(world, period, at_nine):
    start, end = period
    run = stored(world, start, end, age=dt.timedelta(minutes=59))
    shown = topics.read_topics(world.campaign, start, end)
    assert (shown.run, shown.stale, shown.refreshing) == (run, False, False)
    assert queued() == []


def test_the_job_stores_the_run_and_the_next_read_queues_nothing(world, period, at_nine):
    start, end = period
    stored(world, start, end, age=dt.timedelta(hours=2))
    topics.read_topics(world.campaign, start, end)
    [done] = run_queued()
    assert done["topics"] == 3 and done["clustered"] == 18  # this period's 12 and 6 before
    run = TopicRun.objects.get()
    assert run.computed_at == NOW and run.size == 18
    assert {t.size for t in topics.topics_of(run)} == {6, 4, 2}
    shown = topics.read_topics(world.campaign, start, end)
    assert (shown.run, shown.stale, shown.refreshing) == (run, False, False)
    assert queued() == []


def test_a_refresh_whose_run_was_replaced_meanwhile_does_nothing(world, period, at_nine):
    start, end = period
    topics.read_topics(world.campaign, start, end)  # queued to replace "no run yet"
    newer = topics.compute_run(world.campaign, start, end)  # e.g. the nightly job
    TopicRun.objects.filter(pk=newer.pk).update(result=[])
    assert run_queued() == [{"skipped": "already refreshed"}]
    assert TopicRun.objects.get().result == []  # not computed a second time


def test_the_next_stale_run_is_queued_again(world, period, at_nine):
    start, end = period
    topics.read_topics(world.campaign, start, end)
    run_queued()
    with clock.frozen_at(NOW + dt.timedelta(hours=1)):
        shown = topics.read_topics(world.campaign, start, end)
    assert shown.stale and shown.refreshing and shown.run is not None
    assert [args[3] for args in queued()] == [topics.run_version(shown.run)]


def test_a_refresh_claimed_long_ago_without_a_new_run_is_queued_again(world, period, at_nine):
    """Its worker died or the job failed: the period is not left stale for good."""
    start, end = period
    topics.read_topics(world.campaign, start, end)
    DBTaskResult.objects.update(status="FAILED")
    with clock.frozen_at(NOW + topics.RETRY_AFTER - dt.timedelta(minutes=1)):
        topics.read_topics(world.campaign, start, end)
    assert queued() == []
    with clock.frozen_at(NOW + topics.RETRY_AFTER):
        assert topics.read_topics(world.campaign, start, end).refreshing
        topics.read_topics(world.campaign, start, end)
    assert len(queued()) == 1
    assert ScheduledRun.objects.get().claimed_at == NOW + topics.RETRY_AFTER


def test_the_refresh_of_a_deleted_campaign_does_nothing(world, period, at_nine):
    start, end = period
    topics.read_topics(world.campaign, start, end)
    [[_campaign, *rest]] = queued()
    assert topic_jobs.refresh_run.call(999_999, *rest) == {"skipped": "no such campaign"}


def test_with_tasks_immediate_a_read_shows_the_run_computed_at_once(
    world, period, at_nine, settings
):
    """TASKS_IMMEDIATE=1 (tests, the demo): the queued job runs in the request."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    start, end = period
    shown = topics.read_topics(world.campaign, start, end)
    assert shown.run is not None and not shown.stale and not shown.refreshing
    assert len(topics.topics_of(shown.run)) == 3
    assert not DBTaskResult.objects.filter(task_path=REFRESH).exists()


def test_background_callers_compute_a_missing_or_stale_run_at_once(world, period, at_nine):
    start, end = period
    run = topics.ensure_run(world.campaign, start, end)
    assert run.computed_at == NOW and len(run.result) == 3
    TopicRun.objects.update(computed_at=NOW - dt.timedelta(hours=2), result=[])
    assert len(topics.ensure_run(world.campaign, start, end).result) == 3
    assert queued() == []


# The worker closes connections between tasks, as a real worker does; that needs real
# commits, not the rolled-back transaction of an ordinary test.
@pytest.mark.django_db(transaction=True)
def test_db_worker_runs_the_queued_refresh(world, period, at_nine):
    start, end = period
    topics.read_topics(world.campaign, start, end)
    call_command("db_worker", batch=True, verbosity=0)
    assert DBTaskResult.objects.get(task_path=REFRESH).status == "SUCCESSFUL"
    assert len(TopicRun.objects.get().result) == 3
