"""The workspace's groups kept per ledger version (workspace.desk): every kind of write
they show is on the page at the next request, and people who see different units never
share groups. (A kept page's two queries are counted in test_workspace.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigndesk import clock
from campaigndesk.campaigns import plans
from campaigndesk.ledger import actions, workspace
from campaigndesk.ledger.lights import refresh_lights
from campaigndesk.ledger.models import Escalation, LedgerStamp, ReminderKind
from campaigndesk.ledger.periods import ensure_periods, period_on
from campaigndesk.ledger.reminders import issue_reminder
from campaigndesk.org import actions as org_actions
from campaigndesk.org.access import SYSTEM
from campaigndesk.org.models import Role
from tests.factories import CampaignFactory
from tests.ledger.test_workspace import (
    START,
    TODAY,
    WORKSPACE,
    at,
    get,
    groups_of,
    make_desk,
    make_task,
)


@pytest.fixture
def desk(world):
    return make_desk(world)


@pytest.fixture(autouse=True)
def no_kept_desks():
    """Each test starts with no groups kept in the process, whatever an earlier one kept
    (the reference stamp, part of the key, would tell them apart anyway)."""
    workspace.forget_desks()
    yield
    workspace.forget_desks()


def unit_groups(client, day: dt.date = TODAY) -> dict[str, set[str]]:
    with at(day):
        response = client.get(WORKSPACE)
    assert response.status_code == 200
    return groups_of(response, "unit_groups")


def office_groups(client) -> dict[str, set[str]]:
    return groups_of(get(client), "office_groups")


def queries(client, day: dt.date = TODAY, **params) -> list[str]:
    with CaptureQueriesContext(connection) as ctx, at(day):
        assert client.get(WORKSPACE, params).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def reads_tasks(sql: list[str]) -> bool:
    return any('"ledger_task"' in q for q in sql)


# --- each kind of write shows at the next request ------------------------------------------------


def test_a_new_task_and_one_shared_with_the_unit_show_at_the_next_request(
    world, desk, client_for, committed
):
    client = client_for(world.gjz_liaison)
    assert unit_groups(client)["to_accept"] == {"待签收任务"}
    with committed(), at(TODAY):
        make_task(world, "新任务", world.ganjingzi, dt.date(2018, 12, 20))
        shared = make_task(
            world, "新共建任务", world.zhongshan, dt.date(2018, 11, 16), co_units=[world.ganjingzi]
        )
    groups = unit_groups(client)
    assert groups["to_accept"] == {"待签收任务", "新任务"}
    assert "新共建任务" in groups["due_soon"]
    with committed(), at(TODAY):
        actions.accept_task(world.zs_liaison, shared)
        actions.cancel_task(world.office, shared, "重复")
    assert "新共建任务" not in unit_groups(client)["due_soon"]


def test_accepting_a_task_takes_it_off_to_accept_at_the_next_request(
    world, desk, client_for, committed
):
    client = client_for(world.gjz_liaison)
    assert unit_groups(client)["to_accept"] == {"待签收任务"}
    with committed(), at(TODAY):
        actions.accept_task(world.gjz_liaison, desk["to_accept"])
    groups = unit_groups(client)
    assert groups["to_accept"] == set()
    assert "待签收任务" in groups["reports_due"]  # accepted: it owes this period's report


def test_a_new_deadline_moves_a_task_into_due_within_a_week(world, desk, client_for, committed):
    client = client_for(world.gjz_liaison)
    assert "待签收任务" not in unit_groups(client)["due_soon"]
    task = desk["to_accept"]
    with committed(), at(TODAY):
        actions.update_task(world.office, task, {"deadline": dt.date(2018, 11, 16)}, task.version)
    assert "待签收任务" in unit_groups(client)["due_soon"]


def test_the_nightly_lights_turn_a_task_red_at_the_next_request(world, desk, client_for, committed):
    with at(START):
        late = make_task(world, "刚逾期任务", world.ganjingzi, dt.date(2018, 11, 9))
        actions.accept_task(world.gjz_liaison, late)
    client = client_for(world.gjz_liaison)
    assert "刚逾期任务" not in unit_groups(client)["red"]  # lit green when it was made
    with committed(), at(TODAY):
        refresh_lights(world.campaign, clock.today())  # a bulk update: no signal of its own
    assert "刚逾期任务" in unit_groups(client)["red"]


def test_a_progress_report_takes_the_task_off_reports_due(world, desk, client_for, committed):
    client = client_for(world.gjz_liaison)
    assert "待报进展任务" in unit_groups(client)["reports_due"]
    with committed(), at(TODAY):
        period = period_on(world.campaign, clock.today())
        actions.report_progress(world.gjz_liaison, desk["owing"], period, progress=30, text="开展")
    assert "待报进展任务" not in unit_groups(client)["reports_due"]


def test_reporting_done_moves_the_task_to_the_offices_desk(world, desk, client_for, committed):
    liaison, office = client_for(world.gjz_liaison), client_for(world.office)
    assert office_groups(office)["to_verify"] == {"已报完成任务"}
    assert "本周到期任务" not in unit_groups(liaison)["reported"]
    with committed(), at(TODAY):
        actions.report_done(world.gjz_liaison, desk["due_soon"], note="完成")
    assert "本周到期任务" in unit_groups(liaison)["reported"]
    assert office_groups(office)["to_verify"] == {"已报完成任务", "本周到期任务"}
    with committed(), at(TODAY):
        actions.close_task(world.office, desk["reported"])
    assert office_groups(office)["to_verify"] == {"本周到期任务"}


def test_a_reporting_period_made_in_bulk_asks_for_reports_at_the_next_request(
    world, client_for, committed
):
    # A campaign whose periods are not made yet: they are made lazily, in bulk (no signal).
    campaign = CampaignFactory(code="later", lead_unit=None, office_unit=world.office_unit)
    with at(START):
        task = actions.create_task(
            world.office,
            campaign=campaign,
            title="无报告期任务",
            lead_unit=world.ganjingzi,
            deadline=dt.date(2018, 12, 20),
        )
        actions.accept_task(world.gjz_liaison, task)
    client = client_for(world.gjz_liaison)
    with at(TODAY):
        before = client.get(WORKSPACE, {"campaign": campaign.pk})
    assert "No reporting period is open today." in before.content.decode()
    ensure_periods(campaign)
    with at(TODAY):
        after = client.get(WORKSPACE, {"campaign": campaign.pk})
    assert groups_of(after, "unit_groups")["reports_due"] == {"无报告期任务"}


def test_an_escalation_to_the_office_shows_on_its_overdue_list(world, desk, client_for, committed):
    with at(START):
        late = make_task(world, "中山逾期任务", world.zhongshan, dt.date(2018, 11, 6))
        actions.accept_task(world.zs_liaison, late)
    with committed(), at(TODAY):
        refresh_lights(world.campaign, clock.today())
    office = client_for(world.office)
    assert office_groups(office)["escalated"] == {"逾期任务"}
    version = LedgerStamp.objects.get(campaign=world.campaign).version
    with committed(), at(TODAY):
        # The liaison's reminder changes nothing the workspace shows: no new version.
        issue_reminder(SYSTEM, late, kind=ReminderKind.OVERDUE, level=Escalation.LIAISON, key="a")
    assert LedgerStamp.objects.get(campaign=world.campaign).version == version
    with committed(), at(TODAY):
        issue_reminder(SYSTEM, late, kind=ReminderKind.OVERDUE, level=Escalation.OFFICE, key="b")
    assert office_groups(office)["escalated"] == {"逾期任务", "中山逾期任务"}


def test_an_endorsed_work_plan_waits_on_the_offices_desk_until_it_is_returned(
    world, desk, client_for, committed
):
    office = client_for(world.office)

    def plan_ids() -> list[int]:
        return [p.pk for p in get(office).context["office_groups"][3].rows]

    assert plan_ids() == []
    with committed(), at(TODAY):
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
    assert plan_ids() == []
    with committed(), at(TODAY):
        plans.endorse_plan(world.gjz_head, plan)
    assert plan_ids() == [plan.pk]
    with committed(), at(TODAY):
        plans.return_plan(world.office, plan, "请补充措施")
    assert plan_ids() == []


def test_a_new_grant_and_its_revocation_show_at_the_next_request(world, desk, client_for):
    with at(START):
        make_task(world, "中山区待签收", world.zhongshan, dt.date(2018, 12, 20))
    client = client_for(world.gjz_liaison)
    assert unit_groups(client)["to_accept"] == {"待签收任务"}
    grant = org_actions.grant_role(SYSTEM, world.gjz_liaison, Role.LIAISON, world.zhongshan)
    assert unit_groups(client)["to_accept"] == {"待签收任务", "中山区待签收"}
    org_actions.revoke_role(SYSTEM, grant)
    assert unit_groups(client)["to_accept"] == {"待签收任务"}


def test_a_renamed_unit_shows_its_new_name_at_the_next_request(world, desk, client_for):
    client = client_for(world.gjz_liaison)
    assert "Ganjingzi District, due" in get(client).content.decode()
    org_actions.update_unit(SYSTEM, world.ganjingzi, {"name_en": "Ganjingzi New District"})
    html = get(client).content.decode()
    assert "Ganjingzi New District, due" in html and "Ganjingzi District, due" not in html


def test_the_next_day_has_its_own_groups(world, desk, client_for):
    client = client_for(world.gjz_liaison)
    assert "本周到期任务" in unit_groups(client)["due_soon"]  # due on 15 November
    assert "本周到期任务" not in unit_groups(client, dt.date(2018, 11, 16))["due_soon"]
    assert "本周到期任务" in unit_groups(client)["due_soon"]


def test_kept_groups_are_computed_again_after_ten_minutes_without_a_write(world, desk, client_for):
    client = client_for(world.gjz_liaison)
    get(client)
    assert not reads_tasks(queries(client))
    later = dt.datetime.combine(TODAY, dt.time(10, 10, 1), tzinfo=dt.UTC)
    with clock.frozen_at(later), CaptureQueriesContext(connection) as ctx:
        assert client.get(WORKSPACE).status_code == 200
    assert reads_tasks([q["sql"] for q in ctx.captured_queries])


# --- scopes ----------------------------------------------------------------------------------------


def test_people_with_different_grants_never_see_each_others_groups(
    world, desk, client_for, monkeypatch
):
    people = {
        "gjz": client_for(world.gjz_liaison),
        "zs": client_for(world.zs_liaison),
        "street": client_for(world.street_liaison),
    }
    expected = {
        "gjz": {
            "待签收任务",
            "逾期任务",
            "本周到期任务",
            "共建任务",
            "待报进展任务",
            "已报完成任务",
        },
        "zs": {"共建任务"},
        "street": {"逾期任务"},
    }
    for limit in (workspace.DESK_LIMIT, 1):  # and with room for one desk only
        monkeypatch.setattr(workspace, "DESK_LIMIT", limit)
        for name in ("gjz", "zs", "street", "gjz", "street", "zs", "gjz"):
            response = get(people[name])
            seen = set().union(*groups_of(response, "unit_groups").values())
            assert seen == expected[name], name
            assert response.context["office_groups"] == []


def test_the_office_and_a_liaison_keep_their_own_sections(world, desk, client_for):
    office, liaison = client_for(world.office), client_for(world.gjz_liaison)
    for _ in range(2):
        assert get(office).context["unit_groups"] == []
        assert set(office_groups(office)) == {"to_verify", "returned", "escalated", "plans"}
        assert get(liaison).context["office_groups"] == []
        assert "退回任务" not in get(liaison).content.decode()


def test_people_with_the_same_units_share_the_kept_groups(world, desk, client_for):
    # The district's head and liaison see the same units: one computation serves both.
    liaison, head = client_for(world.gjz_liaison), client_for(world.gjz_head)
    assert reads_tasks(queries(liaison))
    assert not reads_tasks(queries(head))
    assert unit_groups(head) == unit_groups(liaison)


def test_a_campaign_switch_shows_the_other_campaigns_groups(world, desk, client_for):
    other = CampaignFactory(code="other", lead_unit=None, office_unit=world.office_unit)
    with at(START):
        actions.create_task(
            world.office,
            campaign=other,
            title="另一活动任务",
            lead_unit=world.ganjingzi,
            deadline=dt.date(2018, 12, 20),
        )
    client = client_for(world.gjz_liaison)
    assert unit_groups(client)["to_accept"] == {"待签收任务"}
    with at(TODAY):
        response = client.get(WORKSPACE, {"campaign": other.pk})
    assert groups_of(response, "unit_groups")["to_accept"] == {"另一活动任务"}
    assert unit_groups(client)["to_accept"] == {"待签收任务"}


def test_the_unread_count_is_read_at_every_request_while_the_groups_are_kept(
    world, desk, client_for, committed
):
    client = client_for(world.gjz_liaison)
    assert get(client).context["unread"] == 0
    with committed(), at(TODAY):
        # A liaison's reminder: a notification, and nothing the groups show.
        issue_reminder(
            SYSTEM, desk["due_soon"], kind=ReminderKind.MANUAL, level=Escalation.LIAISON, key="c"
        )
    sql = queries(client)
    assert not reads_tasks(sql)
    assert get(client).context["unread"] == 1
