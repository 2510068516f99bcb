"""GET /campaigns, /campaigns/{id}, its phases and key tasks. Campaigns are city-wide:
every person with a role reads them; a person without one may not."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import CampaignFactory, KeyTaskFactory, PhaseFactory

from .conftest import API

READERS = [
    "office",
    "leader",
    "inspector",
    "viewer",
    "gjz_head",
    "gjz_liaison",
    "street_liaison",
    "zs_liaison",
]


def _urls(world):
    pk = world.campaign.pk
    return [
        f"{API}/campaigns",
        f"{API}/campaigns/{pk}",
        f"{API}/campaigns/{pk}/phases",
        f"{API}/campaigns/{pk}/key-tasks",
    ]


@pytest.mark.parametrize("persona", READERS)
def test_every_persona_with_a_role_reads_the_campaign(world, api_client, persona):
    client = api_client(getattr(world, persona))
    for url in _urls(world):
        assert client.get(url).status_code == 200, url


def test_person_without_a_role_gets_403_json(world, api_client):
    client = api_client(world.nobody)
    for url in _urls(world):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["detail"]


def test_anonymous_caller_gets_401_on_every_campaign_address(world, api_client):
    client = api_client(world.citizen)
    for url in _urls(world):
        assert client.get(url).status_code == 401, url


def test_campaign_detail_has_both_languages_and_the_counts(world, api_client):
    PhaseFactory(
        campaign=world.campaign,
        number=2,
        starts_on=dt.date(2019, 1, 1),
        ends_on=dt.date(2019, 6, 30),
    )
    body = (
        api_client(world.gjz_liaison)
        .get(f"{API}/campaigns/{world.campaign.pk}", {"lang": "en"})
        .json()
    )
    assert body["code"] == "dalian-2018"
    assert body["title"] == body["title_en"] != body["title_zh"]
    assert body["status"] == "active" and body["status_label"] == "Under way"
    assert body["office_unit"]["code"] == "OFFICE"
    assert body["calendar"]["country"] == "CN"
    assert (body["phase_count"], body["key_task_count"]) == (2, 1)
    assert body["starts_on"] == "2018-09-01"


def test_unknown_campaign_is_404_and_a_malformed_id_is_422(world, api_client):
    client = api_client(world.office)
    for suffix in ("", "/phases", "/key-tasks"):
        assert client.get(f"{API}/campaigns/777777{suffix}").status_code == 404
        response = client.get(f"{API}/campaigns/dalian{suffix}")
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["path", "campaign_id"]


def test_campaigns_list_newest_first_and_filter_by_status(world, api_client):
    older = CampaignFactory(code="older", starts_on=dt.date(2016, 1, 1), status="closed")
    client = api_client(world.office)
    items = client.get(f"{API}/campaigns").json()["items"]
    assert [c["code"] for c in items] == ["dalian-2018", "older"]
    closed = client.get(f"{API}/campaigns", {"status": "closed"}).json()["items"]
    assert [c["id"] for c in closed] == [older.pk]
    assert client.get(f"{API}/campaigns", {"status": "done"}).status_code == 422


def test_campaigns_with_the_same_start_page_without_loss(world, api_client):
    for n in range(5):
        CampaignFactory(code=f"same-{n}")  # same start date as the world's campaign
    client = api_client(world.office)
    seen, url = [], f"{API}/campaigns?limit=2"
    while url:
        body = client.get(url).json()
        seen += [c["code"] for c in body["items"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 6


@pytest.mark.product_language
def test_phases_come_in_number_order_with_both_languages(world, api_client):
    PhaseFactory(
        campaign=world.campaign,
        number=3,
        starts_on=dt.date(2019, 7, 1),
        ends_on=dt.date(2019, 12, 31),
    )
    PhaseFactory(
        campaign=world.campaign,
        number=2,
        starts_on=dt.date(2019, 1, 1),
        ends_on=dt.date(2019, 6, 30),
    )
    body = api_client(world.zs_liaison).get(f"{API}/campaigns/{world.campaign.pk}/phases").json()
    assert [p["number"] for p in body["items"]] == [1, 2, 3]
    assert body["items"][0]["name"] == body["items"][0]["name_zh"] == "第1阶段"
    page = (
        api_client(world.zs_liaison)
        .get(f"{API}/campaigns/{world.campaign.pk}/phases", {"limit": 2})
        .json()
    )
    rest = api_client(world.zs_liaison).get(page["next"]).json()
    assert [p["number"] for p in page["items"] + rest["items"]] == [1, 2, 3]


def test_phases_of_another_campaign_are_not_mixed_in(world, api_client):
    other = CampaignFactory(code="other")
    PhaseFactory(campaign=other, number=1)
    body = api_client(world.office).get(f"{API}/campaigns/{world.campaign.pk}/phases").json()
    assert body["count"] == 1


def test_key_tasks_carry_their_lead_unit(world, api_client):
    KeyTaskFactory(campaign=world.campaign, number=2, lead_unit=world.bureau)
    items = (
        api_client(world.gjz_liaison)
        .get(f"{API}/campaigns/{world.campaign.pk}/key-tasks", {"lang": "en"})
        .json()["items"]
    )
    assert [k["number"] for k in items] == [1, 2]
    assert items[0]["lead_unit"] is None
    assert items[1]["lead_unit"]["name"] == "Municipal Science and Technology Bureau"
    assert items[1]["title"] == "Key task 2"


@pytest.mark.parametrize("rows", [10, 100])
def test_campaign_list_query_count_does_not_grow_with_the_page(
    world, api_client, django_assert_num_queries, rows
):
    for n in range(rows):
        CampaignFactory(
            code=f"c-{n}", calendar=world.campaign.calendar, office_unit=world.office_unit
        )
    client = api_client(world.office)
    # 1 session, 2 the caller, 3 their role grants, 4 COUNT, 5 the page with calendar and
    # units joined and phase/key-task counts as subqueries.
    with django_assert_num_queries(5):
        response = client.get(f"{API}/campaigns", {"limit": 200})
    assert len(response.json()["items"]) == rows + 1


@pytest.mark.parametrize("rows", [10, 100])
def test_key_task_list_query_count_does_not_grow_with_the_page(
    world, api_client, django_assert_num_queries, rows
):
    for n in range(rows):
        KeyTaskFactory(campaign=world.campaign, number=n + 2, lead_unit=world.bureau)
    client = api_client(world.gjz_liaison)
    # 1 session, 2 the caller, 3 their role grants, 4 the campaign, 5 COUNT,
    # 6 the page with lead units joined.
    with django_assert_num_queries(6):
        response = client.get(f"{API}/campaigns/{world.campaign.pk}/key-tasks", {"limit": 200})
    assert len(response.json()["items"]) == rows + 1


@pytest.mark.parametrize("rows", [10, 100])
def test_phase_list_query_count_does_not_grow_with_the_page(
    world, api_client, django_assert_num_queries, rows
):
    campaign = CampaignFactory(code="long", calendar=world.campaign.calendar)
    PhaseFactory.create_batch(rows, campaign=campaign)
    client = api_client(world.gjz_liaison)
    # 1 session, 2 the caller, 3 their role grants, 4 the campaign, 5 COUNT, 6 the page.
    with django_assert_num_queries(6):
        response = client.get(f"{API}/campaigns/{campaign.pk}/phases", {"limit": 200})
    assert len(response.json()["items"]) == rows
