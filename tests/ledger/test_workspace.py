"""The workspace: what is due from me and my units today and this week, and what waits
for the office."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigndesk import clock
from campaigndesk.campaigns import plans
from campaigndesk.ledger import actions, workspace
from campaigndesk.ledger.lights import refresh_lights
from campaigndesk.ledger.models import Escalation, ReminderKind
from campaigndesk.ledger.periods import ensure_periods, period_on
from campaigndesk.ledger.reminders import issue_reminder
from campaigndesk.org import access
from campaigndesk.org.access import SYSTEM

WORKSPACE = "/desk/ledger/workspace/"
START = dt.date(2018, 10, 8)  # a Monday
TODAY = dt.date(2018, 11, 12)  # a Monday, five weeks on


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


def make_task(world, title: str, unit, deadline: dt.date, **fields):
    return actions.create_task(
        world.office,
        campaign=world.campaign,
        title=title,
        lead_unit=unit,
        deadline=deadline,
        **fields,
    )


@pytest.fixture(autouse=True)
def no_kept_desks():
    """Each test starts with no workspace groups kept in the process (workspace.desk)."""
    workspace.forget_desks()
    yield
    workspace.forget_desks()


@pytest.fixture
def desk(world):
    return make_desk(world)


def make_desk(world) -> dict:
    """A small ledger as of TODAY, one task in each group of the workspace."""
    ensure_periods(world.campaign)
    with at(START):
        tasks = {
            "to_accept": make_task(world, "待签收任务", world.ganjingzi, dt.date(2018, 12, 20)),
            "overdue": make_task(world, "逾期任务", world.street, dt.date(2018, 11, 5)),
            "due_soon": make_task(world, "本周到期任务", world.ganjingzi, dt.date(2018, 11, 15)),
            "owing": make_task(world, "待报进展任务", world.ganjingzi, dt.date(2018, 12, 28)),
            "reported": make_task(world, "已报完成任务", world.ganjingzi, dt.date(2018, 12, 21)),
            "returned": make_task(world, "退回任务", world.zhongshan, dt.date(2018, 12, 21)),
            "shared": make_task(
                world,
                "共建任务",
                world.zhongshan,
                dt.date(2018, 11, 14),
                co_units=[world.ganjingzi],
            ),
            "bureau": make_task(world, "科技局任务", world.bureau, dt.date(2018, 11, 13)),
        }
        actions.accept_task(world.street_liaison, tasks["overdue"])
        for key in ("due_soon", "owing", "reported"):
            actions.accept_task(world.gjz_liaison, tasks[key])
        actions.accept_task(world.zs_liaison, tasks["shared"])
        actions.return_task(world.zs_liaison, tasks["returned"], "不属于本区职责")
    with at(dt.date(2018, 11, 1)):
        period = period_on(world.campaign, clock.today())
        for key in ("due_soon", "reported"):
            actions.report_progress(
                world.gjz_liaison, tasks[key], period, progress=50, text="推进中"
            )
        actions.report_done(world.gjz_liaison, tasks["reported"], note="已完成，见附件")
    with at(TODAY):
        # This week's period: only "due_soon" has reported; "owing" has not.
        this_period = period_on(world.campaign, clock.today())
        actions.report_progress(
            world.gjz_liaison, tasks["due_soon"], this_period, progress=80, text="收尾"
        )
        refresh_lights(world.campaign, clock.today())
        issue_reminder(
            SYSTEM,
            tasks["overdue"],
            kind=ReminderKind.OVERDUE,
            level=Escalation.OFFICE,
            key="overdue:office",
        )
    for task in tasks.values():
        task.refresh_from_db()
    return tasks


def groups_of(response, section: str) -> dict[str, set[str]]:
    return {
        # The page's task rows are plain values; the plans group's rows are plans.
        g.key: {row["title"] if isinstance(row, dict) else str(row) for row in g.rows}
        for g in response.context[section]
    }


def get(client, **params):
    with at(TODAY):
        return client.get(WORKSPACE, params)


def test_ganjingzi_liaison_sees_what_is_due_from_their_units(world, desk, client_for):
    response = get(client_for(world.gjz_liaison))
    assert response.status_code == 200
    groups = groups_of(response, "unit_groups")
    assert groups["to_accept"] == {"待签收任务"}
    assert "逾期任务" in groups["red"]  # the street's, below Ganjingzi
    assert "已报完成任务" not in groups["red"]
    assert groups["due_soon"] == {"本周到期任务", "共建任务"}  # shared with Ganjingzi
    assert "待报进展任务" in groups["reports_due"]
    assert "本周到期任务" not in groups["reports_due"]  # reported this period
    assert groups["reported"] == {"已报完成任务"}
    assert response.context["office_groups"] == []
    html = response.content.decode()
    assert "科技局任务" not in html and "退回任务" not in html


def test_a_co_unit_is_not_asked_to_accept_a_task_only_the_lead_unit_accepts(
    world, desk, client_for
):
    with at(TODAY):
        shared = make_task(
            world,
            "中山区牵头待签收",
            world.zhongshan,
            dt.date(2018, 12, 20),
            co_units=[world.ganjingzi],
        )
        street = make_task(world, "街道待签收", world.street, dt.date(2018, 12, 20))
    ganjingzi = groups_of(get(client_for(world.gjz_liaison)), "unit_groups")
    # Ganjingzi leads its own task and, above the street, may accept the street's.
    assert ganjingzi["to_accept"] == {"待签收任务", "街道待签收"}
    # It still sees the shared task as a co-unit, only not as its own to accept.
    with at(TODAY):
        page = client_for(world.gjz_liaison).get(reverse("ledger:task", args=[shared.pk]))
    assert page.status_code == 200
    zhongshan = groups_of(get(client_for(world.zs_liaison)), "unit_groups")
    assert zhongshan["to_accept"] == {"中山区牵头待签收"}
    assert groups_of(get(client_for(world.street_liaison)), "unit_groups")["to_accept"] == {
        "街道待签收"
    }
    # What the list offers, the lead unit may do; the co-unit may not.
    assert access.can(world.zs_liaison, "ledger.act_for_unit", shared)
    assert not access.can(world.gjz_liaison, "ledger.act_for_unit", shared)
    assert access.can(world.gjz_liaison, "ledger.act_for_unit", street)


def test_a_co_unit_is_not_asked_for_the_lead_units_progress_report(world, desk, client_for):
    # The shared task is Zhongshan's, accepted and owing this period's report.
    shared = desk["shared"]
    assert shared.status == "accepted" and not shared.reports.exists()
    ganjingzi = groups_of(get(client_for(world.gjz_liaison)), "unit_groups")
    assert "共建任务" not in ganjingzi["reports_due"]
    assert "待报进展任务" in ganjingzi["reports_due"]
    zhongshan = groups_of(get(client_for(world.zs_liaison)), "unit_groups")
    assert "共建任务" in zhongshan["reports_due"]


def test_zhongshan_liaison_sees_only_zhongshans_tasks(world, desk, client_for):
    response = get(client_for(world.zs_liaison))
    seen = set().union(*groups_of(response, "unit_groups").values())
    assert seen <= {"共建任务", "退回任务"}
    assert "共建任务" in seen
    assert "待签收任务" not in response.content.decode()


@pytest.mark.product_language
def test_office_sees_what_waits_for_the_office(world, desk, client_for):
    with at(START):
        plan = plans.start_plan(world.gjz_liaison, world.campaign, world.ganjingzi)
        plans.add_measure(
            world.gjz_liaison,
            plan,
            key_task=world.key_task,
            title="措施",
            owner_name="王某",
            deadline=dt.date(2018, 12, 14),
        )
        plans.submit_plan(world.gjz_liaison, plan)
        plans.endorse_plan(world.gjz_head, plan)
    response = get(client_for(world.office))
    assert response.status_code == 200
    groups = groups_of(response, "office_groups")
    assert groups["to_verify"] == {"已报完成任务"}
    assert groups["returned"] == {"退回任务"}
    assert groups["escalated"] == {"逾期任务"}
    assert [p.pk for p in response.context["office_groups"][3].rows] == [plan.pk]
    assert response.context["unit_groups"] == []
    assert "甘井子区" in response.content.decode()


def test_leader_reads_the_office_groups(world, desk, client_for):
    response = get(client_for(world.leader))
    assert response.status_code == 200
    assert groups_of(response, "office_groups")["to_verify"] == {"已报完成任务"}


def test_unread_notifications_are_counted_and_link_to_the_inbox(world, desk, client_for):
    # The escalation to the office put a notification in the office's inbox.
    response = get(client_for(world.office))
    assert response.context["unread"] == 1
    html = response.content.decode()
    try:
        inbox = reverse("ledger:inbox")
    except Exception:  # the inbox screen is built separately
        assert "1 unread notification" in html
    else:
        assert f'href="{inbox}"' in html


def test_groups_are_capped_with_a_link_to_the_filtered_ledger(world, desk, client_for, monkeypatch):
    with at(START):
        make_task(world, "另一待签收任务", world.ganjingzi, dt.date(2018, 12, 21))
    monkeypatch.setattr(workspace, "LIMIT", 1)
    response = get(client_for(world.gjz_liaison))
    to_accept = response.context["unit_groups"][0]
    assert len(to_accept.rows) == 1 and to_accept.more
    assert f"campaign={world.campaign.pk}" in to_accept.list_query
    assert "status=assigned" in to_accept.list_query
    assert "See them all in the ledger" in response.content.decode()


def test_a_campaign_can_be_chosen_and_an_unknown_one_is_not_found(world, desk, client_for):
    client = client_for(world.gjz_liaison)
    assert get(client, campaign=world.campaign.pk).context["campaign"] == world.campaign
    assert get(client, campaign=999999).status_code == 404
    assert get(client, campaign="junk").status_code == 404


def test_the_campaign_switch_lists_the_campaigns_in_the_active_language(world, desk, client_for):
    from tests.factories import CampaignFactory

    other = CampaignFactory(title_zh="另一活动", title_en="Another campaign", lead_unit=None)
    client = client_for(world.gjz_liaison)

    def page(campaign, language: str) -> str:
        with at(TODAY):
            response = client.get(
                WORKSPACE, {"campaign": campaign.pk}, HTTP_ACCEPT_LANGUAGE=language
            )
        return response.content.decode()

    chinese = page(world.campaign, "zh-hans")
    assert 'id="id_campaign_switch"' in chinese
    assert f'<option value="{world.campaign.pk}" selected>{world.campaign.title_zh}</option>' in (
        chinese
    )
    assert f'<option value="{other.pk}">另一活动</option>' in chinese
    english = page(other, "en")
    assert f'<option value="{other.pk}" selected>Another campaign</option>' in english
    assert f'<option value="{world.campaign.pk}">{world.campaign.title_en}</option>' in english


def test_person_without_a_role_is_refused(world, desk, client_for):
    assert get(client_for(world.nobody)).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(world, client_for):
    response = get(client_for(world.citizen))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_wrong_method_is_refused(world, client_for):
    assert client_for(world.office).post(WORKSPACE).status_code == 405


def test_the_workspace_runs_the_same_queries_for_10_and_100_tasks(
    world, client_for, django_capture_on_commit_callbacks
):
    ensure_periods(world.campaign)

    def fill(n: int, start: int) -> None:
        # As a transaction of its own: its commit hooks (which give the campaign a new
        # ledger version, so the kept groups are computed again) run at its end.
        transaction.get_connection().__dict__.pop("_ledger_stamps", None)
        with django_capture_on_commit_callbacks(execute=True), at(START):
            for i in range(start, start + n):
                unit = world.ganjingzi if i % 2 else world.street
                task = make_task(
                    world, f"任务{i}", unit, dt.date(2018, 11, 1) + dt.timedelta(i % 30)
                )
                if i % 3 == 0:
                    actions.accept_task(world.gjz_liaison, task)

    clients = {u: client_for(u) for u in (world.gjz_liaison, world.office)}
    for client in clients.values():
        get(client)  # the first request after signing in also saves the session

    def count(user) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert get(clients[user]).status_code == 200
        return len(ctx.captured_queries)

    counts = {}
    for n, start in ((10, 0), (90, 10)):
        fill(n, start)
        for user in clients:
            counts[user, start + n] = count(user), count(user)
    # Liaison, after a write: 1 session and the reference stamp, 2 the unread count, the
    # campaign's ledger version and current period, 3 the current period, 4 the five
    # groups (to accept, red, due within a week, reports due, reported done) in one
    # statement. Then the groups are kept: 1 and 2 only. (The person, their grants, the
    # current campaign and the campaign switch come from the process cache.)
    assert counts[world.gjz_liaison, 10] == counts[world.gjz_liaison, 100] == (4, 2)
    # Office: the same first two, then 3 to verify, returned and escalated in one
    # statement, 4 plans; kept, 1 and 2 only.
    assert counts[world.office, 10] == counts[world.office, 100] == (4, 2)
