"""The campaign list and page cost the same number of queries however much they hold."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from campaigndesk.campaigns.models import CalendarDay
from tests.factories import CampaignFactory, KeyTaskFactory, PhaseFactory, UnitFactory


def _list_queries(client, django_assert_num_queries) -> None:
    # 1 session, 2 the signed-in person, 3 their role grants (cached for the request),
    # 4 COUNT of campaigns for the pager, 5 one page of campaigns with their phase and
    # key-task counts as correlated subqueries.
    with django_assert_num_queries(5):
        response = client.get(reverse("campaigns:list"))
    assert response.status_code == 200


@pytest.mark.parametrize("extra", [10, 100])
def test_campaign_list_costs_the_same_for_10_and_100_campaigns(
    world, client_for, django_assert_num_queries, extra
):
    for campaign in CampaignFactory.create_batch(extra):
        PhaseFactory(campaign=campaign, number=1)
        KeyTaskFactory(campaign=campaign, number=1)
        KeyTaskFactory(campaign=campaign, number=2)
    _list_queries(client_for(world.office), django_assert_num_queries)


def test_campaign_list_counts_phases_and_key_tasks_of_each_campaign(world, client_for):
    other = CampaignFactory(title_zh="第二个活动")
    for n in (1, 2, 3):
        KeyTaskFactory(campaign=other, number=n)
    page = client_for(world.viewer).get(reverse("campaigns:list")).context["page"]
    counts = {c.pk: (c.phase_count, c.key_task_count) for c in page.object_list}
    assert counts[world.campaign.pk] == (1, 1)
    assert counts[other.pk] == (0, 3)


def _fill(campaign, how_many: int) -> None:
    """`how_many` one-day phases after phase 1, and as many key tasks, each with a lead unit."""
    start = campaign.starts_on.replace(year=campaign.starts_on.year + 1)
    for i in range(how_many):
        day = start.replace(day=1 + i)
        PhaseFactory(campaign=campaign, number=10 + i, starts_on=day, ends_on=day)
        KeyTaskFactory(campaign=campaign, number=10 + i, lead_unit=UnitFactory())


@pytest.mark.parametrize("how_many", [2, 20])
def test_campaign_page_costs_the_same_for_2_and_20_phases_and_key_tasks(
    world, client_for, django_assert_num_queries, how_many
):
    _fill(world.campaign, how_many)
    client = client_for(world.office)
    url = reverse("campaigns:detail", args=[world.campaign.pk])
    ContentType.objects.clear_cache()
    # 1 session, 2 person, 3 the campaign with its calendar and units, 4 its phases,
    # 5 its key tasks with their lead units, 6 the person's role grants, 7 the campaign's
    # content type (for its history), 8 its latest audit records.
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["phases"]) == how_many + 1
    assert len(response.context["key_tasks"]) == how_many + 1


@pytest.mark.parametrize("how_many", [2, 20])
def test_calendar_page_costs_the_same_for_few_and_many_days(
    world, client_for, django_assert_num_queries, how_many
):
    for i in range(how_many):
        CalendarDay.objects.create(
            calendar=world.campaign.calendar,
            date=world.campaign.starts_on.replace(day=1 + i),
            is_workday=bool(i % 2),
        )
    client = client_for(world.office)
    # 1 session, 2 person, 3 the campaign with its calendar, 4 role grants,
    # 5 COUNT of the calendar's marked days, 6 one page of them,
    # 7 other campaigns that share the calendar.
    with django_assert_num_queries(7):
        response = client.get(reverse("campaigns:calendar", args=[world.campaign.pk]))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == how_many
