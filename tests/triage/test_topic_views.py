"""The hot-topics page, its refresh, and the duplicates panel of a suggestion's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from campaigndesk import clock
from campaigndesk.suggestions import intake
from campaigndesk.suggestions.models import Status, Suggestion
from campaigndesk.triage import dedupe
from campaigndesk.triage.models import TopicRun

pytestmark = pytest.mark.urls("tests.triage.topic_urlconf")

START, END = dt.date(2018, 12, 1), dt.date(2018, 12, 30)


def url(**query):
    base = reverse("triage_topics:list")
    query = query or {"campaign": None, "start": START, "end": END}
    return base, query


@pytest.fixture
def params(world):
    return {"campaign": world.campaign.pk, "start": START.isoformat(), "end": END.isoformat()}


def cached_run(world, count: int) -> TopicRun:
    result = [
        {
            "terms": [f"话题{n}", "供暖", "温度"],
            "size": 100 - n,
            "previous": n,
            "support": n,
            "representatives": [{"id": 1, "tracking_number": f"JY{n:06d}", "title": f"标题{n}"}],
        }
        for n in range(count)
    ]
    return TopicRun.objects.create(
        campaign=world.campaign,
        start=START,
        end=END,
        result=result,
        size=count,
        computed_at=clock.now(),
    )


def test_the_office_sees_the_cached_topics_of_the_period(world, client_for, params):
    cached_run(world, 3)
    response = client_for(world.office).get(reverse("triage_topics:list"), params)
    assert response.status_code == 200
    body = response.content.decode()
    assert "话题0 · 供暖 · 温度" in body and "JY000002" in body
    assert "Compute again now" in body


def test_a_leader_reads_the_topics_but_cannot_recompute_them(world, client_for, params):
    cached_run(world, 2)
    client = client_for(world.leader)
    response = client.get(reverse("triage_topics:list"), params)
    assert response.status_code == 200
    assert "Compute again now" not in response.content.decode()
    assert client.post(reverse("triage_topics:refresh"), params).status_code == 403


@pytest.mark.parametrize("who", ["viewer", "nobody", "gjz_liaison"])
def test_people_without_triage_rights_are_refused(world, client_for, params, who):
    response = client_for(getattr(world, who)).get(reverse("triage_topics:list"), params)
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    response = client.get(reverse("triage_topics:list"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_wrong_methods_are_refused(world, client_for):
    client = client_for(world.office)
    assert client.post(reverse("triage_topics:list")).status_code == 405
    assert client.get(reverse("triage_topics:refresh")).status_code == 405


def test_a_period_ending_before_it_starts_is_refused_with_a_message(world, client_for, params):
    params.update(start=END.isoformat(), end=START.isoformat())
    response = client_for(world.office).get(reverse("triage_topics:list"), params)
    assert response.status_code == 200
    assert "The period must end on or after its first day." in response.content.decode()
    assert not TopicRun.objects.exists()


def test_without_a_period_the_last_thirty_days_are_shown(world, client_for):
    with clock.frozen_at(dt.datetime(2018, 12, 20, 10, tzinfo=dt.UTC)):
        response = client_for(world.office).get(reverse("triage_topics:list"))
    assert response.status_code == 200
    run = TopicRun.objects.get()
    assert (run.start, run.end) == (dt.date(2018, 11, 21), dt.date(2018, 12, 20))
    assert "No topics for this period" in response.content.decode()


def test_the_office_recomputes_the_topics(world, client_for, params):
    cached_run(world, 2)
    response = client_for(world.office).post(reverse("triage_topics:refresh"), params)
    assert response.status_code == 302
    assert TopicRun.objects.get().result == []  # no suggestions in the period


@pytest.mark.parametrize("count", [10, 100])
def test_the_topic_list_takes_the_same_queries_for_10_and_100_topics(
    world, client_for, params, count, django_assert_num_queries
):
    cached_run(world, count)
    client = client_for(world.office)
    # 1 session, 2 user, 3 role grants; 4 the campaign the form cleans; 5 the cached run;
    # 6-7 the campaign select (Django's ModelChoiceField runs its choices query twice when
    # it renders). No query per topic: they are read from the run's JSON.
    with django_assert_num_queries(7):
        response = client.get(reverse("triage_topics:list"), {**params, "per_page": 50})
    assert response.status_code == 200


# --- the duplicates panel ----------------------------------------------------------------


def submit(world, title, body) -> Suggestion:
    """A suggestion through intake, signed as the search task signs it."""
    s = intake.submit(
        campaign=world.campaign, title=title, body=body, client="c", throttle=False
    ).suggestion
    dedupe.index_suggestion(s)
    return s


def panel(user, s) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load triage_duplicates %}{% near_duplicates s %}")
    return template.render(Context({"request": request, "s": s, "csrf_token": "tok"}))


def test_the_panel_offers_the_office_to_merge_a_near_duplicate(world):
    original = submit(world, "星海广场停车难", "建议在星海广场附近增加停车位，周末停车太难了。")
    copy = submit(
        world, "星海广场车位不足", "星海广场附近停车位太少，周末停车太难了，请增加停车位。"
    )
    html = panel(world.office, copy)
    assert original.tracking_number in html
    assert reverse("suggestions:duplicate", args=[copy.pk]) in html
    assert 'name="duplicate-original"' in html


def test_the_panel_is_empty_for_others_and_for_closed_suggestions(world):
    submit(world, "星海广场停车难", "建议在星海广场附近增加停车位，周末停车太难了。")
    copy = submit(
        world, "星海广场车位不足", "星海广场附近停车位太少，周末停车太难了，请增加停车位。"
    )
    assert panel(world.gjz_liaison, copy).strip() == ""
    Suggestion.objects.filter(pk=copy.pk).update(status=Status.CLOSED)
    copy.refresh_from_db()
    assert panel(world.office, copy).strip() == ""


# --- the dashboard's block ------------------------------------------------------------------


@pytest.fixture
def on_the_30th():
    with clock.frozen_at(dt.datetime(2018, 12, 30, 10, tzinfo=dt.UTC)):
        yield


def test_the_dashboard_block_shows_the_last_30_days_hottest_topics(world, client_for, on_the_30th):
    cached_run(world, 8)  # 2018-12-01 to 2018-12-30: the 30 days up to the 30th
    for who in ("office", "leader"):
        response = client_for(getattr(world, who)).get(
            reverse("triage_topics:block"), {"campaign": world.campaign.pk}
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert body.count("<li>") == 5  # the five hottest
        assert "话题0 · 供暖 · 温度" in body and "话题7" not in body
        assert "start=2018-12-01" in body and "end=2018-12-30" in body  # the whole list
    assert TopicRun.objects.count() == 1  # read from the stored run, not recomputed


@pytest.mark.parametrize("who", ["viewer", "gjz_liaison"])
def test_the_block_is_refused_to_people_without_triage_rights(world, client_for, who):
    response = client_for(getattr(world, who)).get(
        reverse("triage_topics:block"), {"campaign": world.campaign.pk}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("campaign", ["", "x", "999999"])
def test_the_block_of_an_unknown_campaign_is_not_found(world, client_for, campaign):
    response = client_for(world.office).get(reverse("triage_topics:block"), {"campaign": campaign})
    assert response.status_code == 404


def test_the_dashboard_loads_the_block_for_those_who_may_read_topics(world, client_for):
    block = reverse("triage_topics:block")
    dashboard = reverse("ledger:dashboard")
    office = client_for(world.office).get(dashboard, {"campaign": world.campaign.pk})
    assert f'hx-get="{block}?campaign={world.campaign.pk}"' in office.content.decode()
    unit = client_for(world.gjz_liaison).get(dashboard, {"campaign": world.campaign.pk})
    assert unit.status_code == 200
    assert block not in unit.content.decode()
