"""Published suggestions with their answers: search, filters, outstanding ones, paging;
never contact details."""

from __future__ import annotations

import pytest
from django.test import Client

from campaigndesk.suggestions.models import Category, Outcome, Suggestion

from .conftest import EMAIL, PHONE, published_suggestions

EN = {"accept-language": "en"}


def titles(page: str) -> int:
    return page.count('class="card portal-idea')


def test_the_published_list_shows_answers_and_no_contact_details(world, category):
    published_suggestions(world, category, 3)
    page = Client().get("/answers/").content.decode()
    assert titles(page) == 3
    assert "感谢建议 0，已研究采纳。" in page
    assert PHONE not in page and EMAIL not in page and "匿名者" not in page


def test_unpublished_suggestions_are_not_listed_and_have_no_page(world, category):
    s = published_suggestions(world, category, 2)[0]
    Suggestion.objects.filter(pk=s.pk).update(is_published=False)
    page = Client().get("/answers/").content.decode()
    assert titles(page) == 1 and s.title not in page
    assert Client().get(f"/answers/{s.tracking_number}/").status_code == 404


def test_a_published_suggestion_has_its_own_page_without_contact_details(world, category):
    s = published_suggestions(world, category, 1)[0]
    response = Client().get(f"/answers/{s.tracking_number}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert s.body in page and s.answer in page
    assert PHONE not in page and EMAIL not in page and "匿名者" not in page


def test_search_looks_in_title_and_text(world, category):
    published_suggestions(world, category, 12)
    page = Client().get("/answers/", {"q": "公开建议 11"}).content.decode()
    assert titles(page) == 1
    page = Client().get("/answers/", {"q": "第 3 条"}).content.decode()
    assert titles(page) == 1
    page = Client(headers=EN).get("/answers/", {"q": "没有这样的词"}).content.decode()
    assert titles(page) == 0 and "No published suggestion matches." in page


def test_filters_by_subject_outcome_and_outstanding(world, category):
    published_suggestions(world, category, 10)
    other = Category.objects.create(campaign=world.campaign, code="traffic", name_zh="交通")
    Suggestion.objects.filter(tracking_number="JY181203-P0001").update(category=other)
    client = Client()
    assert titles(client.get("/answers/", {"category": "traffic"}).content.decode()) == 1
    assert titles(client.get("/answers/", {"outcome": Outcome.ADOPTED}).content.decode()) == 5
    outstanding = client.get("/answers/", {"outstanding": "on"}).content.decode()
    assert titles(outstanding) == 2  # numbers 0 and 5
    assert outstanding.count("portal-idea outstanding") == 2
    # Unknown filter values are ignored rather than failing.
    assert client.get("/answers/", {"outcome": "nonsense", "page": "x"}).status_code == 200


def test_paging_needs_no_count_and_shows_next_and_previous(world, category):
    published_suggestions(world, category, 45)
    client = Client(headers=EN)
    first = client.get("/answers/").content.decode()
    assert titles(first) == 20 and 'rel="next"' in first and 'rel="prev"' not in first
    third = client.get("/answers/", {"page": 3}).content.decode()
    assert titles(third) == 5 and 'rel="next"' not in third and 'rel="prev"' in third
    assert titles(client.get("/answers/", {"page": 99}).content.decode()) == 0


def test_the_published_list_answers_405_to_post(world):
    assert Client().post("/answers/").status_code == 405


@pytest.mark.parametrize("n", [10, 100])
def test_published_list_query_count_does_not_grow(world, category, django_assert_num_queries, n):
    published_suggestions(world, category, n)
    # 1 public campaigns, 2 the campaign's subjects for the filter, 3 the page (one row
    # past it, with category, district and unit joined; no COUNT).
    with django_assert_num_queries(3):
        response = Client().get("/answers/", {"q": "公开", "outcome": Outcome.ADOPTED})
    assert response.status_code == 200
