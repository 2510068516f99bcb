"""The suggestion lists (GET /suggestions, /suggestions/overdue, /suggestions/publication)
build their rows as plain values and render them without validating each one through
the schema: the body must be what ninja would render from the model rows, in either
language, with every kind of reference present or absent."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import RequestFactory
from django.utils import translation
from ninja.renderers import JSONRenderer

from campaigndesk import clock
from campaigndesk.api.suggestions import SuggestionPage, _rows
from campaigndesk.api.suggestions_staff import OverduePage, PublicationPage
from campaigndesk.suggestions import actions, intake
from campaigndesk.suggestions.models import Category, Outcome, Status, Suggestion

from .conftest import API

DAY = dt.date(2018, 12, 3)


@pytest.fixture(autouse=True)
def on_a_campaign_day():
    with clock.frozen_at(dt.datetime.combine(DAY, dt.time(10), tzinfo=dt.UTC)):
        yield


def submit(world, title, **fields):
    return intake.submit(
        campaign=world.campaign, title=title, body="建议把企业开办时间压缩到三个工作日以内。",
        client="c1", throttle=False, **fields,
    ).suggestion  # fmt: skip


@pytest.fixture
def varied(world):
    """A bare suggestion; one with a category named in Chinese only, a key task and a
    district; one routed to a unit and answered."""
    category = Category.objects.create(
        campaign=world.campaign, code="biz", name_zh="营商环境", name_en=""
    )
    submit(world, "没有分类的建议")
    submit(world, "有分类的建议", category=category, key_task=world.key_task,
           district=world.ganjingzi)  # fmt: skip
    answered = submit(world, "已答复的建议")
    actions.route(world.office, [answered], world.ganjingzi)
    Suggestion.objects.filter(pk=answered.pk).update(
        status="answered", outcome=Outcome.REFERENCE, answered_at=clock.now()
    )
    return world


def ninja_body(language: str, schema=SuggestionPage, rows=None) -> dict:
    """What the schema made of the model rows before: validate, dump, render."""
    with translation.override(language):
        if rows is None:
            rows = list(_rows(Suggestion.objects.order_by("-created_at", "-id")))
        page = schema.model_validate({"items": rows, "count": None, "next": None})
        request = RequestFactory().get("/")
        return json.loads(JSONRenderer().render(request, page.model_dump(), response_status=200))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_list_renders_what_the_schema_would(varied, client_for, language):
    response = client_for(varied.office).get(f"{API}/suggestions", {"lang": language})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == ninja_body(language)
    items = response.json()["items"]
    assert [i["category"] is None for i in items] == [True, False, True]
    assert items[1]["category"]["name"] == "营商环境"  # the other language when one is empty
    assert items[0]["unit"]["code"] == varied.ganjingzi.code


def test_the_next_page_follows_the_last_row(varied, client_for):
    client = client_for(varied.office)
    first = client.get(f"{API}/suggestions", {"limit": 2}).json()
    assert first["next"] and len(first["items"]) == 2
    rest = client.get(first["next"]).json()
    titles = [i["title"] for i in first["items"] + rest["items"]]
    assert titles == ["已答复的建议", "有分类的建议", "没有分类的建议"]
    assert rest["next"] is None


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_overdue_and_publication_lists_render_what_their_schemas_would(
    varied, client_for, language
):
    client = client_for(varied.office)
    late = list(Suggestion.objects.order_by("id"))
    Suggestion.objects.filter(pk__in=[s.pk for s in late[:2]]).update(
        status=Status.ROUTED, unit=varied.zhongshan, unit_path=varied.zhongshan.path,
        answer_due=DAY - dt.timedelta(days=9),
    )  # fmt: skip
    Suggestion.objects.filter(pk=late[2].pk).update(status=Status.CLOSED)
    body = client.get(f"{API}/suggestions/overdue", {"lang": language}).json()
    rows = list(_rows(Suggestion.objects.filter(pk__in=[s.pk for s in late[:2]]).order_by("id")))
    for s in rows:
        s.days_late, s.escalated = 6, False  # nine days, a weekend between
    assert body["items"] and body == ninja_body(language, OverduePage, rows)
    body = client.get(f"{API}/suggestions/publication", {"lang": language}).json()
    rows = list(_rows(Suggestion.objects.filter(pk=late[2].pk)))
    assert body["items"] and body == ninja_body(language, PublicationPage, rows)
