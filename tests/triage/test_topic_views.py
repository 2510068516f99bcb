"""The hot-topics page, its refresh, and the duplicates panel of a suggestion's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from campaigndesk import clock
from campaigndesk.suggestions import intake
from campaigndesk.suggestions.models import Status, Suggestion
from campaigndesk.triage import dedupe, topic_jobs, topics
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


REFRESH = topic_jobs.refresh_run.module_path
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def queued() -> list[list]:
    """The queued refreshes' arguments: campaign, start, end and the run they replace."""
    rows = DBTaskResult.objects.filter(task_path=REFRESH, status="READY").order_by("enqueued_at")
    return [row.args_kwargs["args"] for row in rows]


def cached_run(world, count: int, age: dt.timedelta = dt.timedelta(0)) -> TopicRun:
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
        computed_at=clock.now() - age,
    )


def test_the_office_sees_the_cached_topics_of_the_period(world, client_for, params):
    cached_run(world, 3)
    response = client_for(world.office).get(reverse("triage_topics:list"), params)
    assert response.status_code == 200
    body = response.content.decode()
    assert "话题0 · 供暖 · 温度" in body and "JY000002" in body
    assert "Compute again" in body
    assert "being computed" not in body
    assert queued() == []  # fresh: nothing to refresh


def test_a_leader_reads_the_topics_but_cannot_recompute_them(world, client_for, params):
    cached_run(world, 2)
    client = client_for(world.leader)
    response = client.get(reverse("triage_topics:list"), params)
    assert response.status_code == 200
    assert "Compute again" not in response.content.decode()
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
    assert queued() == [[world.campaign.pk, "2018-11-21", "2018-12-20", "none"]]
    body = response.content.decode()
    assert "The topics of this period are being computed in the background." in body
    assert "No topics for this period" not in body
    assert 'name="start" value="2018-11-21"' in body and "Compute again" in body


def test_a_first_view_queues_the_computation_and_clusters_nothing(
    world, client_for, params, django_assert_num_queries
):
    client = client_for(world.office)
    # warm-up (another period): the person and their grants then come from the process cache
    client.get(reverse("triage_topics:list"), {**params, "start": "2018-01-01"})
    # 1 session; 2 the campaign the form cleans; 3 the stored run (none); 4 the refresh's
    # claim (none); 5-7 taking it (savepoint, insert, release); 8 the queued task; 9-10 the
    # campaign select. No clustering, no TopicRun written.
    with django_assert_num_queries(10):
        response = client.get(reverse("triage_topics:list"), params)
    assert "being computed in the background" in response.content.decode()
    assert not TopicRun.objects.exists()
    assert sorted(queued()) == [
        [world.campaign.pk, "2018-01-01", END.isoformat(), "none"],
        [world.campaign.pk, START.isoformat(), END.isoformat(), "none"],
    ]


def test_a_stale_run_is_shown_while_one_refresh_is_queued(
    world, client_for, params, django_assert_num_queries
):
    run = cached_run(world, 3, age=topics.CACHE_FOR)
    client = client_for(world.office)
    response = client.get(reverse("triage_topics:list"), params)
    body = response.content.decode()
    assert "话题0 · 供暖 · 温度" in body  # the stored topics meanwhile
    assert "Computed at" in body and "being computed again in the background" in body
    assert queued() == [
        [world.campaign.pk, START.isoformat(), END.isoformat(), topics.run_version(run)]
    ]
    # A second view queues nothing more: 1 session (the person and grants are cached since
    # the first view); 2 the campaign; 3 the stored run; 4 the claim, held by the first
    # view; 5-6 the campaign select.
    with django_assert_num_queries(6):
        again = client.get(reverse("triage_topics:list"), params)
    assert "being computed again in the background" in again.content.decode()
    assert len(queued()) == 1
    assert TopicRun.objects.get().result == run.result  # not computed by either view


def test_the_office_has_the_topics_computed_again_in_the_background(world, client_for, params):
    run = cached_run(world, 2)
    client = client_for(world.office)
    response = client.post(reverse("triage_topics:refresh"), params, follow=True)
    assert "The topics are being computed again in the background." in response.content.decode()
    assert response.redirect_chain[0][0].startswith(reverse("triage_topics:list"))
    assert TopicRun.objects.get().result == run.result  # not recomputed in the request
    assert queued() == [
        [world.campaign.pk, START.isoformat(), END.isoformat(), topics.run_version(run)]
    ]
    again = client.post(reverse("triage_topics:refresh"), params, follow=True)
    assert "already being computed" in again.content.decode()
    assert len(queued()) == 1
    # What db_worker does: the run is replaced (no suggestions in the period).
    [args] = queued()
    topic_jobs.refresh_run.call(*args)
    assert TopicRun.objects.get().result == []


def test_with_tasks_immediate_the_refresh_is_computed_at_once(world, client_for, params, settings):
    settings.TASKS = IMMEDIATE
    cached_run(world, 2)
    response = client_for(world.office).post(reverse("triage_topics:refresh"), params, follow=True)
    assert "The topics were computed again from 0 suggestions." in response.content.decode()
    assert TopicRun.objects.get().result == []


def test_with_tasks_immediate_a_first_view_shows_the_computed_topics(
    world, client_for, params, settings
):
    settings.TASKS = IMMEDIATE
    response = client_for(world.office).get(reverse("triage_topics:list"), params)
    body = response.content.decode()
    assert "being computed" not in body
    assert "No topics for this period" in body and "Computed at" in body
    assert TopicRun.objects.get().result == []


def test_a_refresh_of_an_invalid_period_is_refused_with_a_message(world, client_for, params):
    params.update(start=END.isoformat(), end=START.isoformat())
    response = client_for(world.office).post(reverse("triage_topics:refresh"), params)
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Choose a valid campaign and period."
    ]
    assert queued() == []


@pytest.mark.parametrize("count", [10, 100])
def test_the_topic_list_takes_the_same_queries_for_10_and_100_topics(
    world, client_for, params, count, django_assert_num_queries
):
    cached_run(world, count)
    client = client_for(world.office)
    # 1 session, 2 user, 3 role grants; 4 the campaign the form cleans; 5 the stored run
    # (fresh: no refresh); 6-7 the campaign select (Django's ModelChoiceField runs its
    # choices query twice when it renders). No query per topic: they are read from the
    # run's JSON.
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
        assert "Computed at 2018-12-30" in body and "hx-get" not in body
    assert TopicRun.objects.count() == 1  # read from the stored run, not recomputed
    assert queued() == []


def test_before_the_first_run_the_block_is_a_placeholder_that_loads_again(
    world, client_for, on_the_30th, django_assert_num_queries
):
    client = client_for(world.office)
    block = reverse("triage_topics:block")
    response = client.get(block, {"campaign": world.campaign.pk})
    body = response.content.decode()
    assert "The hot topics are being computed" in body
    assert f'hx-get="{block}?campaign={world.campaign.pk}"' in body
    assert "<li>" not in body and not TopicRun.objects.exists()
    assert queued() == [[world.campaign.pk, "2018-12-01", "2018-12-30", "none"]]
    # Its reload queues nothing more: 1 session (the person and grants are cached since
    # the first load); 2 the campaign; 3 the stored run (none); 4 the claim, held by the
    # first load.
    with django_assert_num_queries(4):
        client.get(block, {"campaign": world.campaign.pk})
    assert len(queued()) == 1


def test_the_block_shows_a_stale_run_while_it_is_computed_again(world, client_for, on_the_30th):
    cached_run(world, 8, age=dt.timedelta(hours=3))
    response = client_for(world.leader).get(
        reverse("triage_topics:block"), {"campaign": world.campaign.pk}
    )
    body = response.content.decode()
    assert body.count("<li>") == 5 and "Computed at 2018-12-30" in body
    assert len(queued()) == 1


def test_a_bulletin_made_in_the_background_computes_the_topics(world, on_the_30th):
    from campaigndesk.triage.topic_views import bulletin_topics

    assert bulletin_topics(world.campaign) == []  # a read: queued, not computed
    assert not TopicRun.objects.exists() and len(queued()) == 1
    assert bulletin_topics(world.campaign, compute=True) == []  # no suggestions: no topics
    run = TopicRun.objects.get()
    assert (run.start, run.end, run.computed_at) == (
        dt.date(2018, 12, 1),
        dt.date(2018, 12, 30),
        clock.now(),
    )


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
