"""The dashboard and the figures behind it (ledger.stats), on a small hand-made ledger."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigndesk import clock
from campaigndesk.core import generation
from campaigndesk.ledger import actions, stats
from campaigndesk.ledger.lights import refresh_lights
from campaigndesk.ledger.models import Task
from campaigndesk.ledger.periods import ensure_periods, period_on
from campaigndesk.ledger.queries import visible_tasks
from campaigndesk.org.models import Role
from tests.factories import CampaignFactory, UserFactory, grant

DASHBOARD = "/desk/ledger/dashboard/"
START = dt.date(2018, 10, 8)  # a Monday
TODAY = dt.date(2018, 11, 5)  # a Monday, four weeks on


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


def make_task(world, title: str, unit, deadline: dt.date, **fields) -> Task:
    fields.setdefault("phase", world.phase1)
    return actions.create_task(
        world.office,
        campaign=world.campaign,
        title=title,
        lead_unit=unit,
        deadline=deadline,
        **fields,
    )


@pytest.fixture
def bureau_liaison(world):
    person = UserFactory(username="kjj_liaison", unit=world.bureau)
    grant(person, Role.LIAISON, world.bureau)
    return person


def liaison_for(world, unit):
    return {
        world.ganjingzi.pk: world.gjz_liaison,
        world.street.pk: world.street_liaison,
        world.zhongshan.pk: world.zs_liaison,
    }[unit.pk]


@pytest.fixture
def figures_ledger(world, bureau_liaison):
    """Six tasks with known figures as of TODAY (see each line)."""
    ensure_periods(world.campaign)
    with at(START):
        a = make_task(world, "A 按时办结", world.ganjingzi, dt.date(2018, 10, 19))
        b = make_task(world, "B 超期办结", world.street, dt.date(2018, 10, 19))
        c = make_task(world, "C 逾期未办", world.zhongshan, dt.date(2018, 10, 26))
        d = make_task(world, "D 未签收", world.zhongshan, dt.date(2018, 12, 14))
        e = make_task(world, "E 进度滞后", world.bureau, dt.date(2018, 11, 30), phase=None)
        f = make_task(world, "F 已撤销", world.bureau, dt.date(2018, 11, 30))
        actions.accept_task(world.gjz_liaison, a)
        actions.accept_task(world.street_liaison, b)
        actions.accept_task(world.zs_liaison, c)
        actions.accept_task(bureau_liaison, e)
        actions.cancel_task(world.office, f, "重复交办")
    with at(dt.date(2018, 10, 17)):
        actions.report_done(world.gjz_liaison, a, note="已完成")  # on time
    with at(dt.date(2018, 10, 18)):
        actions.close_task(world.office, a)
    with at(dt.date(2018, 10, 24)):
        actions.report_done(world.street_liaison, b, note="已完成")  # five days late
    with at(dt.date(2018, 10, 25)):
        actions.close_task(world.office, b)
    with at(dt.date(2018, 11, 1)):
        period = period_on(world.campaign, clock.today())
        actions.report_progress(bureau_liaison, e, period, progress=40, text="推进中")
    with at(TODAY):
        refresh_lights(world.campaign, clock.today())
    return {t.title[0]: t for t in (a, b, c, d, e, f)}


def tasks_of(world, user=None):
    return visible_tasks(user or world.office).filter(campaign=world.campaign)


# --- the figures -------------------------------------------------------------------------------


def test_counts_by_light_and_status(world, figures_ledger):
    tasks = tasks_of(world)
    assert stats.light_counts(tasks) == {"red": 1, "grey": 1, "yellow": 1, "green": 0, "none": 3}
    assert stats.status_counts(tasks) == {
        "assigned": 1,
        "returned": 0,
        "accepted": 1,
        "in_progress": 1,
        "reported": 0,
        "closed": 2,
        "cancelled": 1,
    }


def test_on_time_rate_and_overdue_by_top_level_unit(world, figures_ledger):
    with at(TODAY):
        units = stats.unit_figures(tasks_of(world), world.campaign, clock.today())
    by_unit = {f.unit.code: f for f in units}
    assert set(by_unit) == {"GJZ", "ZS", "KJJ"}  # the street counts under Ganjingzi
    gjz, zs, kjj = by_unit["GJZ"], by_unit["ZS"], by_unit["KJJ"]
    assert (gjz.total, gjz.closed, gjz.on_time, gjz.overdue, gjz.on_time_rate) == (2, 2, 1, 0, 50)
    assert (zs.total, zs.closed, zs.overdue, zs.on_time_rate) == (2, 0, 1, None)
    assert (kjj.total, kjj.closed, kjj.overdue) == (1, 0, 0)  # the cancelled task is left out


def test_progress_by_phase(world, figures_ledger):
    with at(TODAY):
        phases = stats.phase_figures(tasks_of(world), world.campaign, clock.today())
    first, without = phases
    assert first.phase == world.phase1
    assert (first.total, first.closed, first.average_progress, first.closed_share) == (4, 2, 50, 50)
    assert without.phase is None
    assert (without.total, without.closed, without.average_progress) == (1, 0, 40)


def test_trend_by_reporting_period(world, figures_ledger):
    with at(TODAY):
        trend = stats.trend(tasks_of(world), world.campaign, clock.today())
    assert trend.by_period
    points = {p.starts_on: p for p in trend.points}
    assert trend.points[-1].ends_on == TODAY
    week_of_a_and_b = points[dt.date(2018, 10, 15)]
    assert (week_of_a_and_b.closed, week_of_a_and_b.due, week_of_a_and_b.done) == (1, 2, 2)
    week_of_c = points[dt.date(2018, 10, 22)]
    assert (week_of_c.closed, week_of_c.due, week_of_c.done, week_of_c.overdue) == (1, 1, 0, 1)
    assert sum(p.closed for p in trend.points) == 2
    assert points[dt.date(2018, 10, 29)].due == 0


def test_trend_falls_back_to_weeks_without_reporting_periods(world, figures_ledger):
    unplanned = CampaignFactory(starts_on=dt.date(2018, 9, 1))  # no reporting periods made
    with at(TODAY):
        trend = stats.trend(tasks_of(world), unplanned, clock.today())
    assert not trend.by_period
    assert all(p.starts_on.weekday() == 0 for p in trend.points)
    assert trend.points[-1].ends_on == TODAY
    assert sum(p.closed for p in trend.points) == 2


def test_liaison_figures_cover_only_their_units(world, figures_ledger):
    tasks = tasks_of(world, world.gjz_liaison)
    assert stats.status_counts(tasks)["closed"] == 2
    assert sum(stats.light_counts(tasks).values()) == 2
    with at(TODAY):
        units = stats.unit_figures(tasks, world.campaign, clock.today())
    assert [f.unit for f in units] == [world.ganjingzi]


def test_capped_counts_say_when_more_tasks_match_than_the_cap(world, figures_ledger):
    narrow = stats.capped_light_counts(tasks_of(world), cap=10)
    assert (narrow.total, narrow.capped, narrow.by_light["none"]) == (6, False, 3)
    broad = stats.capped_light_counts(tasks_of(world), cap=4)
    assert (broad.total, broad.capped) == (4, True)


# --- the page -----------------------------------------------------------------------------------


def get(client, **params):
    with at(TODAY):
        return client.get(DASHBOARD, params)


def chart(response, name: str) -> dict:
    return json.loads(json.dumps(response.context["charts"][name], default=str))


@pytest.mark.product_language
def test_office_dashboard_draws_charts_whose_segments_open_the_filtered_list(
    world, figures_ledger, client_for
):
    response = get(client_for(world.office))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-chart="chart-lights"' in html and 'id="chart-lights"' in html
    assert "vendor/echarts/echarts.min.js" in html
    pie = chart(response, "lights")["series"][0]["data"]
    red = next(item for item in pie if item["value"] == 1 and "light=red" in item["url"])
    assert red["url"].startswith(reverse("ledger:list"))
    assert f"campaign={world.campaign.pk}" in red["url"]
    units = chart(response, "units")
    assert units["yAxis"]["data"] == ["甘井子区", "中山区", "市科技局"]
    assert all("unit=" in item["url"] for item in units["series"][0]["data"])
    phases = chart(response, "phases")["series"][0]["data"]
    assert f"phase={world.phase1.pk}" in phases[0]["url"]
    assert "url" not in phases[1]  # tasks without a phase: no filter to open
    # The same figures as accessible tables.
    assert response.context["total"] == 6
    assert response.context["red"] == 1
    assert "50%" in html


def test_stored_figures_list_lights_and_statuses_in_order_whatever_the_keys_order(
    world, figures_ledger, client_for
):
    from campaigndesk.ledger.models import LedgerFigures

    client = client_for(world.office)
    computed = get(client)  # computes and stores the figures
    stored = LedgerFigures.objects.get(campaign=world.campaign, scope="all")
    # PostgreSQL's jsonb gives an object's keys back in its own order: store them so.
    data = stored.figures
    data["lights"] = dict(sorted(data["lights"].items()))
    data["statuses"] = dict(sorted(data["statuses"].items()))
    stored.figures = data
    stored.save(update_fields=["figures"])
    generation.clear()  # as another app server, which renders from the stored row
    read_back = get(client)
    assert chart(read_back, "statuses") == chart(computed, "statuses")
    assert chart(read_back, "lights") == chart(computed, "lights")
    statuses = [row["status"] for row in read_back.context["status_rows"]]
    assert statuses == [s.value for s in stats.STATUS_ORDER]
    assert [row["light"] for row in read_back.context["light_rows"]] == [
        light.value for light in stats.LIGHT_ORDER
    ]
    assert "50%" in read_back.content.decode()  # the units table, built in Python


def test_leader_reads_the_dashboard(world, figures_ledger, client_for):
    response = get(client_for(world.leader))
    assert response.status_code == 200
    assert response.context["total"] == 6


@pytest.mark.product_language
def test_ganjingzi_liaison_dashboard_counts_only_their_units(world, figures_ledger, client_for):
    response = get(client_for(world.gjz_liaison))
    assert response.status_code == 200
    assert response.context["total"] == 2
    assert chart(response, "units")["yAxis"]["data"] == ["甘井子区"]
    assert "中山区" not in [row["figures"].unit.name for row in response.context["unit_rows"]]


def test_zhongshan_liaison_dashboard_counts_only_zhongshan(world, figures_ledger, client_for):
    response = get(client_for(world.zs_liaison))
    assert response.context["total"] == 2
    assert response.context["red"] == 1


def test_shared_tasks_lead_unit_gets_no_filter_link_outside_the_persons_units(
    world, figures_ledger, client_for
):
    with at(START):
        make_task(world, "共建", world.zhongshan, dt.date(2018, 12, 1), co_units=[world.ganjingzi])
    response = get(client_for(world.gjz_liaison))
    rows = {row["figures"].unit.code: row for row in response.context["unit_rows"]}
    assert rows["ZS"]["url"] is None
    assert rows["GJZ"]["url"] is not None


def test_dashboard_for_a_chosen_campaign_and_an_unknown_one(world, figures_ledger, client_for):
    client = client_for(world.office)
    assert get(client, campaign=world.campaign.pk).context["campaign"] == world.campaign
    assert get(client, campaign=424242).status_code == 404


def test_person_without_a_role_is_refused(world, client_for):
    assert get(client_for(world.nobody)).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(world, client_for):
    response = get(client_for(world.citizen))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_wrong_method_is_refused(world, client_for):
    assert client_for(world.office).post(DASHBOARD).status_code == 405


def test_the_dashboard_runs_the_same_queries_for_10_and_100_tasks(
    world, client_for, django_capture_on_commit_callbacks
):
    ensure_periods(world.campaign)
    client = client_for(world.office)

    def fill(n: int, start: int) -> None:
        units = [world.ganjingzi, world.street, world.zhongshan]
        # As a transaction of its own: its commit hooks (which mark the stored figures
        # stale, one queued per transaction) run at the end of the block.
        transaction.get_connection().__dict__.pop("_ledger_stamps", None)
        with django_capture_on_commit_callbacks(execute=True), at(START):
            for i in range(start, start + n):
                unit = units[i % 3]
                deadline = dt.date(2018, 10, 10) + dt.timedelta(i % 40)
                task = make_task(world, f"任务{i}", unit, deadline)
                if i % 2:
                    actions.accept_task(liaison_for(world, unit), task)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert get(client).status_code == 200
        return len(ctx.captured_queries)

    # Warm up before any task exists: from here on the person, their grants and the
    # current campaign come from the process cache (task writes leave them be), so the
    # fresh measurements below differ only in the figures they compute.
    get(client)
    fill(10, 0)
    ten_fresh, ten = count(), count()
    fill(90, 10)
    # The first request after a write computes the figures (the GROUP BYs of ledger.stats)
    # and stores them: as many queries for 100 tasks as for 10.
    assert count() == ten_fresh
    # Every later request: 1 session and the reference stamp, 2 the stored figures' row
    # at the campaign's version (its id only): the body rendered from it is kept in the
    # process. (The person, their role grants and the current campaign come from the
    # process cache too.)
    assert ten == count() == 2


def test_a_kept_dashboard_shows_a_new_task_at_the_next_request(
    world, figures_ledger, client_for, committed
):
    client = client_for(world.office)
    before = get(client)
    assert get(client).content.count(b"chart-lights") == before.content.count(b"chart-lights")
    total = before.context["total"]
    with committed(), at(START):
        make_task(world, "新增任务", world.ganjingzi, dt.date(2018, 10, 20))
    after = get(client)  # the write made new figures: the body is rendered again
    assert after.context["total"] == total + 1


def test_each_person_keeps_a_dashboard_of_their_own(world, figures_ledger, client_for):
    office = get(client_for(world.office))
    liaison = get(client_for(world.gjz_liaison))
    assert liaison.context["total"] < office.context["total"]
    again = get(client_for(world.gjz_liaison)).content.decode()
    assert f'<span class="figure">{liaison.context["total"]}</span>' in again
