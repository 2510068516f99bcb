"""Suggestion figures: counts by day, category, district and unit; timeliness and satisfaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from campaigndesk import clock
from campaigndesk.suggestions import actions, intake, stats
from campaigndesk.suggestions.models import Category, Outcome, Status, Suggestion, Verdict
from tests.factories import CampaignFactory

START, END = dt.date(2018, 12, 1), dt.date(2019, 1, 10)
TODAY = dt.date(2019, 1, 10)
FIGURES = "/desk/suggestions/figures/"


def at(moment: dt.datetime):
    return clock.frozen_at(moment)


def utc(day: dt.date, hour: int = 2) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def submit(world, when: dt.datetime, title="一条建议", campaign=None, **fields) -> Suggestion:
    with at(when):
        return intake.submit(
            campaign=campaign or world.campaign,
            title=title,
            body="建议把企业开办时间压缩到三个工作日以内。",
            client="c",
            throttle=False,
            **fields,
        ).suggestion


def answer(world, s: Suggestion, head, liaison, on: dt.date) -> Suggestion:
    with at(utc(on)):
        s = actions.accept(liaison, Suggestion.objects.get(pk=s.pk))
        s = actions.draft_answer(liaison, s, outcome=Outcome.EXPLAINED, answer="已在做")
        return actions.endorse_answer(head, s)


@pytest.fixture
def hand_made(world, category):
    """Eight suggestions; six count in the range.

    3 Dec: s1 (business, Ganjingzi district) answered on time, satisfied;
           s2 (business, Zhongshan district) answered late, not satisfied;
           s8 (business, Ganjingzi district) answered on time, basically satisfied.
    5 Dec (local; one sent at 01:00 Beijing time, 4 Dec in UTC):
           s3 (environment, no district) routed to Zhongshan, overdue now;
           s4 (no category) not routed; s5 spam (left out).
    Left out: s6 received in October, s7 of another campaign.
    """
    env = Category.objects.create(
        campaign=world.campaign, code="env", name_zh="生态环境", name_en="Environment"
    )
    d1, d2 = dt.date(2018, 12, 3), dt.date(2018, 12, 5)
    s1 = submit(world, utc(d1), category=category, district=world.ganjingzi)
    s2 = submit(world, utc(d1), category=category, district=world.zhongshan)
    s8 = submit(world, utc(d1), category=category, district=world.ganjingzi)
    s3 = submit(world, utc(dt.date(2018, 12, 4), 17), category=env)
    s4 = submit(world, utc(d2))
    s5 = submit(world, utc(d2), title="广告")
    s6 = submit(world, utc(dt.date(2018, 10, 8)), category=category)
    other = CampaignFactory(code="other")
    submit(world, utc(d1), campaign=other)
    with at(utc(d2)):
        actions.route(world.office, [s1, s2, s8], world.ganjingzi)
        actions.route(world.office, [s3, s6], world.zhongshan)
        actions.dismiss(world.office, s5, Status.SPAM, "")
    # Routed on 5 Dec: due on 26 Dec (15 working days).
    for s in (s1, s8):
        answer(world, s, world.gjz_head, world.gjz_liaison, dt.date(2018, 12, 20))
    answer(world, s2, world.gjz_head, world.gjz_liaison, dt.date(2019, 1, 4))
    actions.rate(Suggestion.objects.get(pk=s1.pk), Verdict.SATISFIED)
    actions.rate(Suggestion.objects.get(pk=s8.pk), Verdict.BASIC)
    actions.rate(Suggestion.objects.get(pk=s2.pk), Verdict.NOT_SATISFIED, "太慢")
    return {"env": env, "s4": s4}


def test_counts_by_day_fill_every_day_of_the_range_in_local_days(world, hand_made):
    days = stats.by_day(world.campaign, START, END)
    assert len(days) == (END - START).days + 1
    found = {d.day: d.count for d in days if d.count}
    assert found == {dt.date(2018, 12, 3): 3, dt.date(2018, 12, 5): 2}


def test_counts_by_category_and_district_most_first_named_before_unnamed(
    world, category, hand_made
):
    categories = stats.by_category(world.campaign, START, END)
    assert [(c.key, c.label, c.count) for c in categories] == [
        (category, "Business environment", 3),
        (hand_made["env"], "Environment", 1),
        (None, "No category", 1),
    ]
    districts = stats.by_district(world.campaign, START, END)
    # As many without a district as in Ganjingzi: the named one comes first.
    assert [(d.key, d.count) for d in districts] == [
        (world.ganjingzi, 2),
        (None, 2),
        (world.zhongshan, 1),
    ]


def test_timeliness_and_satisfaction_by_unit(world, hand_made):
    result = stats.by_unit(world.campaign, START, END, TODAY)
    assert result.not_routed == 1
    gjz, zs = result.units
    assert gjz.unit == world.ganjingzi and zs.unit == world.zhongshan
    assert (gjz.routed, gjz.answered, gjz.on_time, gjz.late, gjz.overdue) == (3, 3, 2, 1, 0)
    assert (gjz.rated, gjz.satisfied, gjz.basic, gjz.not_satisfied) == (3, 1, 1, 1)
    assert gjz.on_time_rate == 67 and gjz.satisfaction_rate == 67
    # s6 was received in October: outside the range.
    assert (zs.routed, zs.answered, zs.overdue, zs.rated) == (1, 0, 1, 0)
    assert zs.on_time_rate is None and zs.satisfaction_rate is None


def test_a_narrow_range_counts_only_its_days(world, hand_made):
    day = dt.date(2018, 12, 5)
    figures = stats.figures(world.campaign, day, day, TODAY)
    assert figures.total == 2
    assert [d.count for d in figures.days] == [2]
    assert figures.units.not_routed == 1
    assert [(f.unit, f.routed) for f in figures.units.units] == [(world.zhongshan, 1)]


def test_the_default_range_is_the_last_30_days():
    assert stats.default_range(TODAY) == (dt.date(2018, 12, 12), TODAY)


# --- the page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["office", "leader", "viewer", "inspector"])
def test_city_wide_oversight_sees_the_figures_page(world, client_for, hand_made, person):
    with at(utc(TODAY)):
        response = client_for(getattr(world, person)).get(
            FIGURES, {"start": START.isoformat(), "end": END.isoformat()}
        )
    assert response.status_code == 200
    page = response.content.decode()
    for expected in (
        "Business environment",
        "Ganjingzi District",
        "67%",
        'data-chart="chart-days"',
    ):
        assert expected in page, expected
    assert response.context["data"].total == 5
    charts = response.context["charts"]
    assert charts["categories"]["series"][0]["data"] == [3, 1, 1]
    assert charts["timeliness"]["series"][2]["data"] == [0, 1]  # overdue now


def test_figures_page_defaults_to_the_last_30_days_of_the_current_campaign(
    world, client_for, hand_made
):
    with at(utc(TODAY)):
        response = client_for(world.office).get(FIGURES)
    assert response.context["campaign"] == world.campaign
    assert (response.context["start"], response.context["end"]) == stats.default_range(TODAY)


def test_figures_page_shows_the_error_of_a_backwards_range(world, client_for):
    response = client_for(world.office).get(FIGURES, {"start": "2018-12-10", "end": "2018-12-01"})
    assert response.status_code == 200
    assert "The end of the range is before its start." in response.content.decode()
    assert "data" not in response.context


@pytest.mark.parametrize("person", ["gjz_liaison", "gjz_head", "nobody"])
def test_units_do_not_see_the_city_wide_figures(world, client_for, person):
    assert client_for(getattr(world, person)).get(FIGURES).status_code == 403


def test_figures_page_refuses_post_and_sends_anonymous_to_sign_in(world, client_for):
    assert client_for(world.office).post(FIGURES).status_code == 405
    response = client_for(None).get(FIGURES)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_figures_page_runs_the_same_queries_for_10_and_100_suggestions(
    world, client_for, category
):
    client = client_for(world.leader)
    day = dt.date(2018, 12, 3)

    def make(n: int) -> None:
        made = [
            submit(world, utc(day), category=category, district=world.ganjingzi) for _ in range(n)
        ]
        with at(utc(day)):
            actions.route(world.office, made, world.ganjingzi)

    def queries() -> list[str]:
        with at(utc(dt.date(2018, 12, 20))), CaptureQueriesContext(connection) as ctx:
            response = client.get(FIGURES)
        assert response.status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    make(10)
    queries()  # warm up: the person, their grants and the current campaign, kept per process
    ten = queries()
    make(90)
    hundred = queries()
    # 1 session and the reference stamp, 2 the campaigns to choose from, 3 by day, 4 by
    # category, 5 the categories' names, 6 by district, 7 the districts' names, 8 by unit,
    # 9 the units' names. (The person, their role grants and the current campaign come
    # from the process cache.)
    assert len(ten) == len(hundred) == 9, "\n".join(hundred)
