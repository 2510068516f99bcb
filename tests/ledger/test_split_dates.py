"""A child task works within its parent's time: it starts neither before the campaign nor
before its parent, and is due no later than its parent. The task page's split form and
the API's split both call `actions.split_task`, so both refuse the same way.

Also: reassigning a child task offers only the units below its parent's unit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigndesk import clock
from campaigndesk.ledger import actions
from campaigndesk.ledger.forms import ReassignForm
from campaigndesk.ledger.models import Task
from campaigndesk.org.models import UnitKind
from tests.factories import UnitFactory

API = "/api/v1"
TODAY = dt.date(2018, 10, 8)  # a Monday; the campaign started on 2018-09-01
PARENT_START = dt.date(2018, 10, 15)
PARENT_DEADLINE = dt.date(2018, 12, 14)


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


@pytest.fixture(autouse=True)
def today():
    with at(TODAY):
        yield


def make_parent(world, starts_on: dt.date = PARENT_START) -> Task:
    """Ganjingzi's task, accepted, from `starts_on` to PARENT_DEADLINE."""
    task = actions.create_task(
        world.office,
        campaign=world.campaign,
        title="甘井子区营商环境整治",
        lead_unit=world.ganjingzi,
        starts_on=starts_on,
        deadline=PARENT_DEADLINE,
    )
    return actions.accept_task(world.gjz_liaison, task)


@pytest.fixture
def parent(world) -> Task:
    return make_parent(world)


@pytest.fixture
def early_parent(world) -> Task:
    """A task that starts before its campaign (2018-09-01): the office may date it so."""
    return make_parent(world, starts_on=dt.date(2018, 8, 20))


def children(task: Task) -> list[Task]:
    return list(task.children.all())


# --- the task page's split form -----------------------------------------------------------------


def split_on_page(client, task: Task, **fields):
    data = {"lead_unit": fields.pop("lead_unit"), "title": "街道排查", **fields}
    return client.post(
        reverse("ledger:task_split", args=[task.pk]),
        {f"split-{name}": str(value) for name, value in data.items()},
    )


def split_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400
    return response.context["forms"]["split"].errors


def test_the_form_refuses_a_child_starting_before_its_parent(world, client_for, parent):
    response = split_on_page(
        client_for(world.gjz_liaison),
        parent,
        lead_unit=world.street.pk,
        starts_on="2018-10-10",
        deadline="2018-11-30",
    )
    assert split_errors(response)["starts_on"] == [
        "A child task cannot start before its parent starts (2018-10-15)."
    ]
    assert "cannot start before its parent starts" in response.content.decode()
    assert children(parent) == []


def test_the_form_refuses_a_child_starting_before_the_campaign(world, client_for, early_parent):
    response = split_on_page(
        client_for(world.gjz_liaison),
        early_parent,
        lead_unit=world.street.pk,
        starts_on="2018-08-25",
        deadline="2018-11-30",
    )
    assert split_errors(response)["starts_on"] == [
        "A child task cannot start before the campaign starts (2018-09-01)."
    ]
    assert children(early_parent) == []


def test_the_form_refuses_a_child_due_after_its_parent(world, client_for, parent):
    response = split_on_page(
        client_for(world.gjz_liaison),
        parent,
        lead_unit=world.street.pk,
        starts_on="2018-10-20",
        deadline="2018-12-15",
    )
    assert split_errors(response)["deadline"] == [
        "A child task must be due no later than its parent (2018-12-14)."
    ]
    assert children(parent) == []


def test_the_form_reports_a_bad_start_and_a_late_deadline_together(world, client_for, parent):
    response = split_on_page(
        client_for(world.gjz_liaison),
        parent,
        lead_unit=world.street.pk,
        starts_on="2018-10-09",
        deadline="2019-01-31",
    )
    errors = split_errors(response)
    assert set(errors) == {"starts_on", "deadline"}
    assert children(parent) == []


def test_the_form_splits_within_the_parents_dates(world, client_for, parent):
    response = split_on_page(
        client_for(world.gjz_liaison),
        parent,
        lead_unit=world.street.pk,
        starts_on="2018-10-15",
        deadline="2018-12-14",
    )
    assert response.status_code == 302
    [child] = children(parent)
    assert (child.starts_on, child.deadline) == (PARENT_START, PARENT_DEADLINE)
    assert child.lead_unit == world.street


def test_a_child_without_a_start_starts_with_its_parent_when_that_is_later(
    world, client_for, parent
):
    response = split_on_page(
        client_for(world.gjz_liaison), parent, lead_unit=world.street.pk, deadline="2018-11-30"
    )
    assert response.status_code == 302
    assert children(parent)[0].starts_on == PARENT_START


def test_a_child_without_a_start_never_starts_before_the_campaign(world, client_for):
    with at(dt.date(2018, 8, 27)):  # before the campaign starts, after its task does
        parent = make_parent(world, starts_on=dt.date(2018, 8, 20))
        response = split_on_page(
            client_for(world.gjz_liaison),
            parent,
            lead_unit=world.street.pk,
            deadline="2018-11-30",
        )
    assert response.status_code == 302
    assert children(parent)[0].starts_on == dt.date(2018, 9, 1)


# --- the API's split ------------------------------------------------------------------------------


def split_by_api(client, task: Task, **fields):
    body = {"lead_unit": fields.pop("lead_unit"), "title": "街道排查", **fields}
    return client.post(
        f"{API}/tasks/{task.pk}/split?lang=en", json.dumps(body), content_type="application/json"
    )


def test_the_api_refuses_a_child_starting_before_its_parent(world, client_for, parent):
    response = split_by_api(
        client_for(world.gjz_liaison),
        parent,
        lead_unit=world.street.pk,
        starts_on="2018-10-10",
        deadline="2018-11-30",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "A child task cannot start before its parent starts (2018-10-15)."
    assert body["errors"][0]["loc"] == ["body", "starts_on"]
    assert children(parent) == []


def test_the_api_refuses_a_child_starting_before_the_campaign(world, client_for, early_parent):
    response = split_by_api(
        client_for(world.gjz_liaison),
        early_parent,
        lead_unit=world.street.pk,
        starts_on="2018-08-25",
        deadline="2018-11-30",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "A child task cannot start before the campaign starts (2018-09-01)."
    assert body["errors"][0]["loc"] == ["body", "starts_on"]
    assert children(early_parent) == []


def test_the_api_refuses_a_child_due_after_its_parent(world, client_for, parent):
    response = split_by_api(
        client_for(world.gjz_liaison),
        parent,
        lead_unit=world.street.pk,
        starts_on="2018-10-20",
        deadline="2018-12-15",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "A child task must be due no later than its parent (2018-12-14)."
    assert body["errors"][0]["loc"] == ["body", "deadline"]
    assert children(parent) == []


def test_the_api_splits_within_the_parents_dates(world, client_for, parent):
    response = split_by_api(
        client_for(world.gjz_liaison),
        parent,
        lead_unit=world.street.pk,
        starts_on="2018-10-22",
        deadline="2018-12-14",
    )
    assert response.status_code == 201, response.content
    [child] = children(parent)
    assert child.pk == response.json()["id"]
    assert (child.starts_on, child.deadline) == (dt.date(2018, 10, 22), PARENT_DEADLINE)


# --- editing a child keeps it within its parent's dates -------------------------------------------


def test_editing_a_child_to_start_before_its_parent_is_refused(world, parent):
    child = actions.split_task(
        world.gjz_liaison,
        parent,
        lead_unit=world.street,
        title="街道排查",
        deadline=PARENT_DEADLINE,
    )
    with pytest.raises(ValidationError) as refused:
        actions.update_task(
            world.gjz_liaison, child, {"starts_on": dt.date(2018, 10, 9)}, child.version
        )
    assert refused.value.message_dict == {
        "starts_on": ["A child task cannot start before its parent starts (2018-10-15)."]
    }
    assert Task.objects.get(pk=child.pk).starts_on == PARENT_START


# --- reassigning a child task ---------------------------------------------------------------------


def test_reassigning_a_child_offers_the_units_below_its_parent_but_not_the_parents_own(
    world, parent
):
    other_street = UnitFactory(
        code="GJZ-ST2",
        name_zh="甘井子区另一街道",
        name_en="Another street office of Ganjingzi",
        kind=UnitKind.SUBUNIT,
        parent=world.ganjingzi,
    )
    child = actions.split_task(
        world.gjz_liaison,
        parent,
        lead_unit=world.street,
        title="街道排查",
        deadline=PARENT_DEADLINE,
    )
    child = Task.objects.select_related("parent__lead_unit").get(pk=child.pk)
    offered = set(ReassignForm(task=child, user=world.office).fields["lead_unit"].queryset)
    assert offered == {other_street}  # not Ganjingzi (the parent's), nor the street (its own)


def test_reassigning_a_child_to_its_parents_unit_is_refused_by_the_form(world, parent):
    child = actions.split_task(
        world.gjz_liaison,
        parent,
        lead_unit=world.street,
        title="街道排查",
        deadline=PARENT_DEADLINE,
    )
    form = ReassignForm({"lead_unit": world.ganjingzi.pk}, task=child, user=world.office)
    assert not form.is_valid()
    assert "lead_unit" in form.errors


# --- editing the parent afterwards ------------------------------------------------------------


@pytest.fixture
def parent_with_child(world, parent) -> Task:
    actions.split_task(
        world.gjz_liaison,
        parent,
        lead_unit=world.street,
        title="街道排查",
        starts_on=dt.date(2018, 10, 22),
        deadline=dt.date(2018, 11, 30),
    )
    parent.refresh_from_db()
    return parent


def test_moving_the_parents_start_after_a_childs_start_is_refused(world, parent_with_child):
    with pytest.raises(ValidationError) as refused:
        actions.update_task(
            world.office,
            parent_with_child,
            {"starts_on": dt.date(2018, 10, 23)},
            parent_with_child.version,
        )
    assert refused.value.message_dict == {
        "starts_on": ["A child task starts on 2018-10-22, before this start."]
    }
    parent_with_child.refresh_from_db()
    assert parent_with_child.starts_on == PARENT_START


def test_moving_the_parents_start_up_to_its_earliest_child_is_allowed(world, parent_with_child):
    updated = actions.update_task(
        world.office,
        parent_with_child,
        {"starts_on": dt.date(2018, 10, 22)},
        parent_with_child.version,
    )
    assert updated.starts_on == dt.date(2018, 10, 22)


def test_a_cancelled_child_does_not_hold_the_parents_start(world, parent_with_child):
    [child] = children(parent_with_child)
    actions.cancel_task(world.office, child, reason="merged into the district check")
    updated = actions.update_task(
        world.office,
        parent_with_child,
        {"starts_on": dt.date(2018, 11, 1)},
        parent_with_child.version,
    )
    assert updated.starts_on == dt.date(2018, 11, 1)
