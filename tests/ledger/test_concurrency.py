"""Two people changing the same task: the second is told and shown the difference;
no update is lost and nothing is silently overwritten."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import translation

from campaigndesk import clock
from campaigndesk.audit.trail import history_of, verify
from campaigndesk.ledger import actions
from campaigndesk.ledger.models import Task, TaskStatus
from campaigndesk.org.models import Role
from tests.factories import UserFactory, grant

START = dt.date(2018, 10, 8)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def on_start_day():
    with clock.frozen_at(dt.datetime.combine(START, dt.time(10), tzinfo=dt.UTC)):
        yield


@pytest.fixture
def client_for(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def second_office(world):
    person = UserFactory(username="office2", unit=world.office_unit)
    grant(person, Role.OFFICE, world.city)
    return person


@pytest.fixture
def task(world):
    return actions.create_task(
        world.office,
        campaign=world.campaign,
        title="整治占道经营",
        lead_unit=world.ganjingzi,
        deadline=dt.date(2018, 12, 14),
        responsible_leader="王某",
    )


def edit_url(task: Task) -> str:
    return reverse("ledger:task_edit", args=[task.pk])


def form_data(response) -> dict:
    """What the browser would send back from the edit form as rendered."""
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        data[name] = "" if value is None else value
    return data


def test_second_save_on_an_old_version_gets_the_conflict_page_and_nothing_is_lost(
    world, client_for, second_office, task
):
    first, second = client_for(world.office), client_for(second_office)
    # Both open the form on version N.
    mine = form_data(first.get(edit_url(task)))
    theirs = form_data(second.get(edit_url(task)))
    assert mine["version"] == theirs["version"] == task.version

    # The first saves a new deadline.
    saved = first.post(edit_url(task), {**mine, "deadline": "2018-12-21"})
    assert saved.status_code == 302

    # The second, still on version N, saves a new title.
    response = second.post(edit_url(task), {**theirs, "title": "整治占道经营和乱摆卖"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this task while you were editing it." in page
    rows = {row["name"]: row for row in response.context["conflict"]}
    assert set(rows) == {"deadline", "title"}
    assert (rows["deadline"]["saved"], rows["deadline"]["yours"]) == ("2018-12-21", "2018-12-14")
    assert (rows["title"]["saved"], rows["title"]["yours"]) == (
        "整治占道经营",
        "整治占道经营和乱摆卖",
    )
    assert "整治占道经营和乱摆卖" in page  # their own value, to redo the change from

    # Nothing was overwritten: the first person's deadline stands, the title is unchanged.
    current = Task.objects.get(pk=task.pk)
    assert current.deadline == dt.date(2018, 12, 21)
    assert current.title == "整治占道经营"
    assert current.version == task.version + 1

    # The conflict page's form carries the saved values and the new version, so the
    # second person redoes their change on top of the first person's and it saves.
    again = form_data(response)
    assert again["version"] == current.version
    assert again["deadline"] == "2018-12-21"
    redone = second.post(edit_url(task), {**again, "title": "整治占道经营和乱摆卖"})
    assert redone.status_code == 302
    final = Task.objects.get(pk=task.pk)
    assert (final.title, final.deadline) == ("整治占道经营和乱摆卖", dt.date(2018, 12, 21))
    assert final.version == task.version + 2
    updates = [r for r in history_of(final) if r.action == "ledger.update_task"]
    assert len(updates) == 2
    assert verify().ok


def test_a_second_save_of_the_same_old_form_is_refused_again(
    world, client_for, second_office, task
):
    first, second = client_for(world.office), client_for(second_office)
    stale = form_data(second.get(edit_url(task)))
    first.post(
        edit_url(task), {**form_data(first.get(edit_url(task))), "responsible_leader": "李某"}
    )
    for _attempt in range(2):  # pressing save twice on the stale form never gets through
        response = second.post(edit_url(task), {**stale, "responsible_leader": "赵某"})
        assert response.status_code == 409
    assert Task.objects.get(pk=task.pk).responsible_leader == "李某"


def test_an_action_taken_meanwhile_also_makes_an_old_form_conflict(world, client_for, task):
    office = client_for(world.office)
    stale = form_data(office.get(edit_url(task)))
    actions.accept_task(world.gjz_liaison, task)  # the unit accepts: version N+1
    response = office.post(edit_url(task), {**stale, "title": "新标题"})
    assert response.status_code == 409
    assert [row["name"] for row in response.context["conflict"]] == ["title"]
    current = Task.objects.get(pk=task.pk)
    assert current.title == "整治占道经营" and current.status == TaskStatus.ACCEPTED


def test_an_action_on_a_task_that_moved_on_is_refused_with_a_message(
    world, client_for, second_office, task
):
    actions.accept_task(world.gjz_liaison, task)
    actions.report_done(world.gjz_liaison, task, "完成")
    first, second = client_for(world.office), client_for(second_office)
    # Both have the page open; the first closes the task, the second then sends it back.
    assert second.get(reverse("ledger:task", args=[task.pk])).context["offers"]["send_back"]
    assert first.post(reverse("ledger:task_close", args=[task.pk])).status_code == 302
    response = second.post(
        reverse("ledger:task_send_back", args=[task.pk]), {"send_back-reason": "缺材料"}
    )
    assert response.status_code == 400
    assert "A task that is Verified and closed cannot be sent back." in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CLOSED


# --- the same through the API -------------------------------------------------------------------


def api_patch(client, task: Task, body: dict):
    return client.patch(
        f"/api/v1/tasks/{task.pk}?lang=en", json.dumps(body), content_type="application/json"
    )


def test_the_api_answers_a_stale_edit_409_with_the_difference_and_the_redo_keeps_both(
    world, client_for, second_office, task
):
    first, second = client_for(world.office), client_for(second_office)
    # Both read version N.
    seen = [c.get(f"/api/v1/tasks/{task.pk}").json()["version"] for c in (first, second)]
    assert seen == [task.version, task.version]
    saved = api_patch(first, task, {"version": task.version, "deadline": "2018-12-21"})
    assert saved.status_code == 200 and saved.json()["version"] == task.version + 1

    stale = api_patch(second, task, {"version": task.version, "title": "整治占道经营和乱摆卖"})
    assert stale.status_code == 409
    body = stale.json()
    assert body["detail"] == "Someone else changed this task while you were editing it."
    assert body["version"] == task.version + 1  # what to send on the retry
    assert body["differences"] == [
        {
            "field": "title",
            "label": "task",
            "saved": "整治占道经营",
            "yours": "整治占道经营和乱摆卖",
        }
    ]
    current = Task.objects.get(pk=task.pk)
    assert (current.title, current.deadline) == ("整治占道经营", dt.date(2018, 12, 21))

    # Redone on the version the 409 named: both changes stand, each audited once.
    redone = api_patch(second, task, {"version": body["version"], "title": "整治占道经营和乱摆卖"})
    assert redone.status_code == 200
    final = Task.objects.get(pk=task.pk)
    assert (final.title, final.deadline) == ("整治占道经营和乱摆卖", dt.date(2018, 12, 21))
    assert final.version == task.version + 2
    assert len([r for r in history_of(final) if r.action == "ledger.update_task"]) == 2
    assert verify().ok


def test_an_action_taken_meanwhile_makes_a_stale_api_edit_conflict(world, client_for, task):
    office = client_for(world.office)
    version = office.get(f"/api/v1/tasks/{task.pk}").json()["version"]
    accepted = client_for(world.gjz_liaison).post(f"/api/v1/tasks/{task.pk}/accept?lang=en")
    assert accepted.status_code == 200 and accepted.json()["version"] == version + 1
    response = api_patch(office, task, {"version": version, "responsible_leader": "李某"})
    assert response.status_code == 409
    assert [d["field"] for d in response.json()["differences"]] == ["responsible_leader"]
    current = Task.objects.get(pk=task.pk)
    assert (current.responsible_leader, current.status) == ("王某", TaskStatus.ACCEPTED)


# --- a real race, on PostgreSQL ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_saves_racing_on_one_version_one_wins_and_the_other_is_told_on_postgresql(
    world, second_office
):
    """The second save waits on the first one's row lock, then sees the new version:
    it is refused with the difference, never written over the first."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes its one write lock when the transaction begins")
    task = actions.create_task(
        world.office,
        campaign=world.campaign,
        title="整治占道经营",
        lead_unit=world.ganjingzi,
        deadline=dt.date(2018, 12, 14),
    )
    version = task.version
    outcome: dict[str, object] = {}

    def second_save() -> None:
        try:
            actions.update_task(
                second_office, Task.objects.get(pk=task.pk), {"title": "乙的标题"}, version
            )
            outcome["result"] = "saved"
        except actions.ConflictError as conflict:
            outcome["result"] = conflict.differences
        finally:
            connections.close_all()

    with transaction.atomic():
        actions.update_task(world.office, task, {"title": "甲的标题"}, expected_version=version)
        racer = threading.Thread(target=second_save)
        racer.start()
        # Hold the first save open until the second is seen waiting on its lock.
        for _poll in range(2000):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks "
                    "WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
                )
                if cursor.fetchone()[0]:
                    break
            time.sleep(0.005)
        else:
            pytest.fail("the second save never waited on the first one's lock")
    racer.join()
    assert outcome["result"] == [("title", "甲的标题", "乙的标题")]
    saved = Task.objects.get(pk=task.pk)
    assert (saved.title, saved.version) == ("甲的标题", version + 1)


def test_an_action_on_a_task_read_before_another_persons_action_is_refused(
    world, second_office, task
):
    """Two office people open the reported task; one closes it, the other's send-back,
    checked against the state they read, must not reopen it over the closure."""
    actions.accept_task(world.gjz_liaison, task)
    actions.report_done(world.gjz_liaison, task, "完成")
    read_by_second = Task.objects.get(pk=task.pk)
    actions.close_task(world.office, Task.objects.get(pk=task.pk))
    with pytest.raises(ValidationError, match="Someone else changed this task a moment ago"):
        actions.send_back(second_office, read_by_second, "缺材料")
    current = Task.objects.get(pk=task.pk)
    assert (current.status, current.reopen_count) == (TaskStatus.CLOSED, 0)
    assert [r.action for r in history_of(current)].count("ledger.send_back") == 0
