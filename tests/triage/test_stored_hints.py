"""Stored routing guesses: the queue reads each suggestion's top three units of the active
model version instead of running the model on every page."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from campaigndesk.core import scheduler
from campaigndesk.suggestions import hints
from campaigndesk.suggestions.models import Status, Suggestion
from campaigndesk.triage import dup_jobs, hooks, predict, stored_hints, training
from campaigndesk.triage.models import DuplicateScan, RoutingPrediction
from tests.triage.test_routing import SCHOOL, routed_history, submit

QUEUE = "/desk/suggestions/queue/"


@pytest.fixture
def trained(world):
    routed_history(world)
    return training.train(trained_by="test")


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def no_prediction(*_a, **_kw):
    raise AssertionError("the queue must not run the model for stored guesses")


def test_a_new_suggestion_gets_its_guess_stored_after_commit(
    trained, world, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        s = submit(world, *SCHOOL)
    # Nothing is predicted inside the submission: only after its commit.
    assert not RoutingPrediction.objects.filter(suggestion=s).exists()
    for callback in callbacks:
        callback()
    stored = RoutingPrediction.objects.get(suggestion=s)
    assert stored.model == trained
    assert stored.top[0][0] == world.zhongshan.pk and len(stored.top) == 3


def test_with_the_database_queue_the_task_commits_with_the_suggestion(
    trained, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        s = submit(world, *SCHOOL)
    # Written in intake's own transaction, before any after-commit callback ran (no
    # second commit after it); a worker runs it.
    assert not RoutingPrediction.objects.filter(suggestion=s).exists()
    # One job for the suggestion's triage work: the guess, then the duplicate search.
    jobs = DBTaskResult.objects.filter(task_path__endswith="after_intake")
    (queued,) = [job for job in jobs if job.args_kwargs["args"][0] == s.pk]
    assert queued.args_kwargs["args"] == [s.pk, True]
    dup_jobs.after_intake.call(*queued.args_kwargs["args"])
    assert RoutingPrediction.objects.get(suggestion=s).model == trained
    assert DuplicateScan.objects.filter(suggestion=s).exists()


def test_without_a_model_the_job_only_searches(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        s = submit(world, *SCHOOL)
    queued = DBTaskResult.objects.get(task_path__endswith="after_intake")
    assert queued.args_kwargs["args"] == [s.pk, False]
    dup_jobs.after_intake.call(*queued.args_kwargs["args"])
    assert not RoutingPrediction.objects.filter(suggestion=s).exists()
    assert DuplicateScan.objects.filter(suggestion=s).exists()


def test_a_failed_guess_is_logged_and_the_search_goes_on(
    trained, world, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        s = submit(world, *SCHOOL)

    def broken(ids):
        raise ValueError("the model file is unreadable")

    monkeypatch.setattr(stored_hints, "store_missing", broken)
    dup_jobs.after_intake.call(s.pk, True)
    assert "could not store the routing guess" in caplog.text
    assert DuplicateScan.objects.filter(suggestion=s).exists()


def test_the_queue_reads_stored_guesses_without_running_the_model(trained, world, monkeypatch):
    made = [submit(world, *SCHOOL) for _ in range(5)]
    assert stored_hints.backfill_hints() == 5
    monkeypatch.setattr(predict, "predict", no_prediction)
    found = hooks.routing_hints(made)
    assert set(found) == {s.pk for s in made}
    first = found[made[0].pk].units
    assert first[0].unit == world.zhongshan and first[0].percent is not None
    assert len(first) == 3 and first[0].confidence >= first[1].confidence


def test_rows_without_a_guess_of_the_active_version_are_predicted_and_stored(trained, world):
    made = [submit(world, *SCHOOL) for _ in range(3)]
    stored_hints.backfill_hints()
    newer = training.train(trained_by="test")
    assert newer.pk != trained.pk
    # The queue shows the new version's guesses at once and stores them for next time.
    found = hooks.routing_hints(made[:2])
    assert set(found) == {made[0].pk, made[1].pk}
    by_model = dict(RoutingPrediction.objects.values_list("suggestion_id", "model_id"))
    assert by_model == {made[0].pk: newer.pk, made[1].pk: newer.pk, made[2].pk: trained.pk}
    with CaptureQueriesContext(connection) as ctx:
        hooks.routing_hints(made[:2])
    # 1 active versions with the stored guesses, 1 units in bulk: nothing predicted or
    # written.
    assert len(ctx.captured_queries) == 2


def test_the_queue_page_shows_stored_guesses(trained, world, client_for, monkeypatch):
    s = submit(world, *SCHOOL)
    stored_hints.backfill_hints()
    monkeypatch.setattr(predict, "predict", no_prediction)
    page = client_for(world.office).get(QUEUE).content.decode()
    assert s.tracking_number in page
    assert world.zhongshan.name in page and "%)" in page


def test_the_backfill_covers_the_queue_only_and_is_safe_to_rerun(trained, world):
    waiting, reopened, routed = (submit(world, *SCHOOL) for _ in range(3))
    Suggestion.objects.filter(pk=reopened.pk).update(status=Status.REOPENED)
    Suggestion.objects.filter(pk=routed.pk).update(status=Status.ROUTED)
    call_command("triage", "hints", "--backfill", "--batch", "1")
    stored = set(RoutingPrediction.objects.values_list("suggestion_id", flat=True))
    assert stored == {waiting.pk, reopened.pk}
    assert stored_hints.backfill_hints() == 0  # every guess is current: nothing predicted
    assert stored_hints.backfill_hints(statuses=[Status.ROUTED]) == 1


def test_the_backfill_command_refuses_bad_options(world):
    with pytest.raises(CommandError, match="--backfill"):
        call_command("triage", "hints")
    with pytest.raises(CommandError, match="unknown status"):
        call_command("triage", "hints", "--backfill", "--status", "nonsense")
    with pytest.raises(CommandError, match="--batch"):
        call_command("triage", "hints", "--backfill", "--batch", "0")


def test_a_failed_write_still_shows_the_guesses(trained, world, monkeypatch, caplog):
    s = submit(world, *SCHOOL)

    def broken(*_a, **_kw):
        from django.db import DatabaseError

        raise DatabaseError("disk full")

    monkeypatch.setattr(RoutingPrediction.objects, "bulk_create", broken)
    found = hints.hints_for([s])
    assert found[s.pk].units[0].unit == world.zhongshan
    assert "could not store routing hints" in caplog.text


def test_the_nightly_backfill_is_scheduled_after_the_retrain(trained, world):
    submit(world, *SCHOOL)
    jobs = {p.job: p for p in scheduler.schedule()}
    job = jobs["campaigndesk.triage.stored_hints.backfill_hints_job"]
    assert job.at > jobs["campaigndesk.triage.jobs.retrain_routing"].at
    assert stored_hints.backfill_hints_job.call() == 1


def test_the_pages_stored_guesses_are_read_as_stored(trained, world, monkeypatch):
    """The page's guesses come over as JSON text, read together as one array: each row
    gets its own guess, in its order."""
    made = [submit(world, *SCHOOL) for _ in range(4)]
    stored_hints.backfill_hints()
    RoutingPrediction.objects.filter(suggestion=made[1]).update(
        top=[[world.ganjingzi.pk, 0.5], [world.zhongshan.pk, 0.25]]
    )
    monkeypatch.setattr(predict, "predict", no_prediction)
    found, cold = stored_hints.routing_units(made)
    stored = dict(RoutingPrediction.objects.values_list("suggestion_id", "top"))
    assert cold == []
    assert found == {s.pk: [(u, p) for u, p in stored[s.pk]] for s in made}
    assert found[made[1].pk] == [(world.ganjingzi.pk, 0.5), (world.zhongshan.pk, 0.25)]
    # A driver that hands JSON over already read is taken as it is.
    assert stored_hints._loaded([(1, 2, [[3, 0.5]]), (4, 2, "[[5, 0.25]]")]) == [
        (1, 2, [[3, 0.5]]),
        (4, 2, [[5, 0.25]]),
    ]
