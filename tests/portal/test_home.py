"""The campaign page anyone can read: campaign, phases, key tasks, how to take part,
counts and the latest published answers."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from campaigndesk.campaigns.models import CampaignStatus
from campaigndesk.suggestions import intake
from campaigndesk.suggestions.models import Status
from tests.factories import CampaignFactory

from .conftest import EMAIL, PHONE, published_suggestions

PAGES = ["/", "/suggest/", "/track/", "/answers/"]


@pytest.mark.product_language
def test_home_shows_the_campaign_its_phases_key_tasks_and_the_way_to_take_part(world):
    world.campaign.theme_zh = "解放思想"
    world.campaign.summary_zh = "全市开展大讨论。"
    world.campaign.save()
    page = Client().get("/").content.decode()
    assert world.campaign.title_zh in page
    assert "解放思想" in page and "全市开展大讨论。" in page
    assert world.phase1.name_zh in page
    assert world.key_task.title_zh in page
    assert 'href="/campaigns/dalian-2018/suggest/"' in page
    assert 'href="/track/"' in page


def test_home_switches_to_english_with_the_language(world):
    page = Client(headers={"accept-language": "en"}).get("/").content.decode()
    assert world.campaign.title_en in page
    assert world.campaign.title_zh not in page
    assert "How to take part" in page
    assert '<html lang="en">' in page


def test_home_counts_received_and_answered_suggestions_without_spam(world, category):
    published_suggestions(world, category, 3)
    for i in range(2):
        intake.submit(
            campaign=world.campaign, title="新建议", body="这是一条新的建议内容。", client=f"c{i}"
        )
    spam = intake.submit(
        campaign=world.campaign, title="广告", body="广告广告广告广告广告。", client="c9"
    ).suggestion
    spam.status = Status.SPAM
    spam.save()
    page = Client(headers={"accept-language": "en"}).get("/").content.decode()
    figures = re.findall(r'<span class="figure">(\d+)</span>', page)
    assert figures == ["5", "3"]


def test_home_lists_the_latest_published_answers_without_contact_details(world, category):
    published_suggestions(world, category, 7)
    page = Client().get("/").content.decode()
    assert page.count('class="card portal-idea') == 5
    assert "公开建议 0" in page and "公开建议 6" not in page
    assert PHONE not in page and EMAIL not in page and "匿名者" not in page


def test_home_without_a_public_campaign_says_so(world):
    world.campaign.is_public = False
    world.campaign.save()
    response = Client(headers={"accept-language": "en"}).get("/")
    assert response.status_code == 200
    assert "No campaign is open to the public yet." in response.content.decode()


def test_a_campaign_in_preparation_is_not_shown(world):
    world.campaign.status = CampaignStatus.PREPARING
    world.campaign.save()
    assert world.campaign.title_zh not in Client().get("/").content.decode()
    assert Client().get("/campaigns/dalian-2018/").status_code == 404


@pytest.mark.product_language
def test_several_public_campaigns_each_have_a_page(world):
    other = CampaignFactory(code="year-of-action", status=CampaignStatus.CLOSED)
    home = Client().get("/").content.decode()
    assert world.campaign.title_zh in home  # the one under way comes first
    assert 'href="/campaigns/year-of-action/"' in home
    page = Client().get("/campaigns/year-of-action/").content.decode()
    assert other.title_zh in page
    assert Client().get("/campaigns/no-such-thing/").status_code == 404


def test_home_answers_only_get_and_head(world):
    assert Client().post("/").status_code == 405
    assert Client().head("/").status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_portal_pages_load_nothing_from_outside_and_show_no_staff_menu(world, path):
    page = Client().get(path).content.decode()
    assert not re.search(r"""(src|href|action)=["'](https?:)?//""", page), path
    assert "portal.css" in page
    assert 'href="/desk/' not in page  # no staff menu
    assert "<script>" not in page  # no inline script (the CSP forbids it anyway)


@pytest.mark.parametrize("n", [10, 100])
def test_home_query_count_does_not_grow_with_suggestions(
    world, category, django_assert_num_queries, n
):
    published_suggestions(world, category, n)
    client = Client()
    # 1 public campaigns, 2 phases, 3 key tasks, 4 counts (one aggregate, then cached),
    # 5 the latest published answers with category, district and unit.
    with django_assert_num_queries(5):
        assert client.get("/").status_code == 200
    with django_assert_num_queries(0):  # all of it comes from the cache for a minute
        assert client.get("/").status_code == 200


def test_home_shows_a_new_answer_once_its_minute_in_the_cache_has_passed(world, category):
    client = Client(headers={"accept-language": "en"})
    first = client.get("/").content.decode()
    assert "No answers have been published yet." in first
    published_suggestions(world, category, 1)
    cache.clear()  # what a minute's expiry does
    second = client.get("/")
    assert "No answers have been published yet." not in second.content.decode()
    assert re.findall(r'<span class="figure">(\d+)</span>', second.content.decode()) == ["1", "1"]


@pytest.mark.product_language
def test_the_portal_is_in_chinese_by_default_and_the_switch_changes_it(world):
    client = Client()
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert world.campaign.title_zh in page
    assert 'action="/i18n/setlang/"' in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page and world.campaign.title_en in page
