"""The ledger filter's "Led by my units": the tasks a person acts for, without the tasks
their units only share as a co-unit. The workspace's "To accept" link uses it, so the
ledger list shows the same tasks as the group."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from django.urls import reverse

from campaigndesk import clock
from campaigndesk.ledger import actions
from campaigndesk.ledger.filters import LedgerFilter
from campaigndesk.ledger.models import TaskStatus

START = dt.date(2018, 10, 8)  # a Monday


@pytest.fixture(autouse=True)
def on_start_day():
    with clock.frozen_at(dt.datetime.combine(START, dt.time(10), tzinfo=dt.UTC)):
        yield


def make_task(world, title, unit, **fields):
    return actions.create_task(
        world.office,
        campaign=world.campaign,
        title=title,
        lead_unit=unit,
        deadline=dt.date(2018, 12, 14),
        **fields,
    )


@pytest.fixture
def tasks(world):
    """Assigned: Ganjingzi's, its street's, Zhongshan's shared with Ganjingzi, the bureau's."""
    return {
        "gjz": make_task(world, "甘井子区任务", world.ganjingzi),
        "street": make_task(world, "街道任务", world.street),
        "shared": make_task(world, "中山区共建任务", world.zhongshan, co_units=[world.ganjingzi]),
        "bureau": make_task(world, "科技局任务", world.bureau),
    }


def titles(qs) -> set[str]:
    return set(qs.values_list("title", flat=True))


def test_led_by_my_units_leaves_out_the_tasks_shared_as_a_co_unit(world, tasks):
    everything = LedgerFilter(QueryDict("status=assigned"), world.gjz_liaison)
    led = LedgerFilter(QueryDict("status=assigned&led_by_mine=on"), world.gjz_liaison)
    assert titles(everything.queryset()) == {"甘井子区任务", "街道任务", "中山区共建任务"}
    assert titles(led.queryset()) == {"甘井子区任务", "街道任务"}


def test_led_by_my_units_gives_a_co_units_liaison_only_their_own_units_tasks(world, tasks):
    led = LedgerFilter({"led_by_mine": "on"}, world.zs_liaison)
    assert titles(led.queryset()) == {"中山区共建任务"}
    street = LedgerFilter({"led_by_mine": "on"}, world.street_liaison)
    assert titles(street.queryset()) == {"街道任务"}


def test_led_by_my_units_matches_nothing_for_the_office_that_leads_no_unit(world, tasks):
    # The office oversees every task but accepts and reports on none.
    assert titles(LedgerFilter({}, world.office).queryset()) == {t.title for t in tasks.values()}
    assert not LedgerFilter({"led_by_mine": "on"}, world.office).queryset().exists()


def test_the_ledger_list_offers_the_option_and_lists_only_led_tasks(world, tasks, client_for):
    response = client_for(world.gjz_liaison).get(
        reverse("ledger:list"),
        {"campaign": world.campaign.pk, "status": "assigned", "led_by_mine": "on"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Led by my units" in html
    assert 'name="led_by_mine" checked' in html
    assert {t["title"] for t in response.context["page"].items} == {"甘井子区任务", "街道任务"}


def test_the_workspace_to_accept_link_lists_the_same_tasks_as_the_group(world, tasks, client_for):
    client = client_for(world.gjz_liaison)
    response = client.get(reverse("ledger:workspace"))
    to_accept = next(g for g in response.context["unit_groups"] if g.key == "to_accept")
    assert "led_by_mine=on" in to_accept.list_query
    assert f"status={TaskStatus.ASSIGNED}" in to_accept.list_query
    html = response.content.decode()
    assert f"{reverse('ledger:list')}?{to_accept.list_query}".replace("&", "&amp;") in html

    listed = client.get(f"{reverse('ledger:list')}?{to_accept.list_query}")
    assert listed.status_code == 200
    shown = [t["id"] for t in listed.context["page"].items]
    assert shown == [t["id"] for t in to_accept.rows]
    assert tasks["shared"].pk not in shown
