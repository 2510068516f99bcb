"""A task's life on the ledger, from a work plan to verified closure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigndesk import clock
from campaigndesk.audit.trail import history_of, verify
from campaigndesk.campaigns import plans
from campaigndesk.campaigns.models import PlanStatus
from campaigndesk.ledger import actions
from campaigndesk.ledger.models import Light, Source, Task, TaskStatus
from campaigndesk.ledger.periods import ensure_periods, missing_reports, period_on
from campaigndesk.org.models import Role, UnitKind
from tests.factories import UnitFactory, UserFactory, grant


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


@pytest.fixture
def community(world):
    unit = UnitFactory(
        code="GJZ-ST-C1",
        name_zh="某社区",
        name_en="A community",
        kind=UnitKind.SUBUNIT,
        parent=world.street,
    )
    liaison = UserFactory(username="community_liaison", unit=unit)
    grant(liaison, Role.LIAISON, unit)
    return unit, liaison


def test_plan_to_tasks_split_two_levels_report_and_close(world, community):
    community_unit, community_liaison = community
    start = dt.date(2018, 10, 8)
    with at(start):
        plan = plans.start_plan(world.gjz_liaison, world.campaign, world.ganjingzi)
        plans.add_measure(
            world.gjz_liaison,
            plan,
            key_task=world.key_task,
            title="梳理营商环境问题清单",
            owner_name="王某",
            deadline=dt.date(2018, 12, 14),
            milestones=[{"title": "形成初稿", "due": "2018-11-15"}],
        )
        plans.submit_plan(world.gjz_liaison, plan)
        with pytest.raises(PermissionDenied):
            plans.endorse_plan(world.gjz_liaison, plan)
        plans.endorse_plan(world.gjz_head, plan)
        plans.approve_plan(world.office, plan, comment="同意")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    task = Task.objects.get(measure__plan=plan)
    assert task.status == TaskStatus.ACCEPTED
    assert task.source == Source.WORK_PLAN
    assert task.lead_unit == world.ganjingzi
    assert task.milestones.get().due == dt.date(2018, 11, 15)

    # Pressed down two levels: district → street → community.
    with at(start):
        child = actions.split_task(
            world.gjz_liaison,
            task,
            lead_unit=world.street,
            title="街道排查",
            deadline=dt.date(2018, 12, 7),
        )
        actions.accept_task(world.street_liaison, child)
        grandchild = actions.split_task(
            world.street_liaison,
            child,
            lead_unit=community_unit,
            title="社区走访",
            deadline=dt.date(2018, 11, 30),
        )
        actions.accept_task(community_liaison, grandchild)
    assert grandchild.depth == 2

    ensure_periods(world.campaign)
    with at(dt.date(2018, 11, 1)):
        period = period_on(world.campaign, clock.today())
        actions.report_progress(community_liaison, grandchild, period, progress=60, text="走访过半")
        with pytest.raises(ValidationError, match="rolled up"):
            actions.report_progress(world.gjz_liaison, task, period, progress=10, text="x")
    child.refresh_from_db()
    task.refresh_from_db()
    assert child.progress == 60 and task.progress == 60  # rolled up two levels

    # The deadline passes: the grandchild turns red, and so do its parents.
    with at(dt.date(2018, 12, 3)):
        from campaigndesk.ledger.lights import refresh_lights

        refresh_lights(world.campaign, clock.today())
    grandchild.refresh_from_db()
    child.refresh_from_db()
    task.refresh_from_db()
    assert grandchild.light == Light.RED
    assert child.light == Light.RED
    assert task.light == Light.RED

    with at(dt.date(2018, 12, 3)):
        actions.report_done(community_liaison, grandchild, note="已完成走访，记录见附件")
        grandchild.refresh_from_db()
        assert grandchild.finished_late is True
        with pytest.raises(ValidationError, match="closed"):
            actions.report_done(world.street_liaison, child, note="done")
        actions.close_task(world.office, grandchild)
    grandchild.refresh_from_db()
    assert grandchild.status == TaskStatus.CLOSED
    assert grandchild.light == Light.NONE
    assert verify().ok
    actions_seen = {r.action for r in history_of(grandchild)}
    assert {
        "ledger.create_task",
        "ledger.accept_task",
        "ledger.report_done",
        "ledger.close_task",
    } <= actions_seen


def test_a_child_task_outside_the_parents_unit_tree_is_refused(world):
    with at(dt.date(2018, 10, 8)):
        task = actions.create_task(
            world.office,
            campaign=world.campaign,
            title="t",
            lead_unit=world.ganjingzi,
            deadline=dt.date(2018, 12, 1),
        )
        actions.accept_task(world.gjz_liaison, task)
        with pytest.raises(ValidationError, match="below"):
            actions.split_task(
                world.gjz_liaison,
                task,
                lead_unit=world.zhongshan,
                title="c",
                deadline=dt.date(2018, 11, 1),
            )
        with pytest.raises(ValidationError, match="no later than"):
            actions.split_task(
                world.gjz_liaison,
                task,
                lead_unit=world.street,
                title="c",
                deadline=dt.date(2018, 12, 20),
            )


def test_a_deadline_before_the_start_is_refused(world):
    with at(dt.date(2018, 10, 8)), pytest.raises(ValidationError, match="before the start"):
        actions.create_task(
            world.office,
            campaign=world.campaign,
            title="t",
            lead_unit=world.ganjingzi,
            starts_on=dt.date(2018, 11, 1),
            deadline=dt.date(2018, 10, 20),
        )


def test_illegal_state_changes_are_refused(world):
    with at(dt.date(2018, 10, 8)):
        task = actions.create_task(
            world.office,
            campaign=world.campaign,
            title="t",
            lead_unit=world.ganjingzi,
            deadline=dt.date(2018, 12, 1),
        )
        with pytest.raises(ValidationError, match="cannot be closed"):
            actions.close_task(world.office, task)
        with pytest.raises(PermissionDenied):
            actions.accept_task(world.zs_liaison, task)
        actions.accept_task(world.gjz_liaison, task)
        with pytest.raises(ValidationError, match="cannot be accepted"):
            actions.accept_task(world.gjz_liaison, task)


def test_the_reporter_cannot_verify_their_own_task(world):
    office_liaison = world.office
    grant(office_liaison, Role.LIAISON, world.ganjingzi)
    with at(dt.date(2018, 10, 8)):
        task = actions.create_task(
            world.office,
            campaign=world.campaign,
            title="t",
            lead_unit=world.ganjingzi,
            deadline=dt.date(2018, 12, 1),
        )
        actions.accept_task(world.gjz_liaison, task)
        from campaigndesk.org.access import forget_grants

        forget_grants(office_liaison)
        actions.report_done(office_liaison, task, note="done")
        with pytest.raises(ValidationError, match="cannot also verify"):
            actions.close_task(office_liaison, task)


def test_returning_a_task_after_its_time_limit_is_refused(world):
    with at(dt.date(2018, 10, 8)):
        task = actions.create_task(
            world.office,
            campaign=world.campaign,
            title="t",
            lead_unit=world.ganjingzi,
            deadline=dt.date(2018, 12, 1),
        )
    with at(dt.date(2018, 10, 22)), pytest.raises(ValidationError, match="ended on"):
        actions.return_task(world.gjz_liaison, task, reason="不属于本单位职责")
    with at(dt.date(2018, 10, 9)):
        actions.return_task(world.gjz_liaison, task, reason="不属于本单位职责")
        actions.reassign_task(world.office, task, world.zhongshan)
    task.refresh_from_db()
    assert task.status == TaskStatus.ASSIGNED and task.lead_unit == world.zhongshan


def test_a_task_not_accepted_in_time_turns_grey_and_accepting_late_is_flagged(world):
    with at(dt.date(2018, 10, 8)):
        task = actions.create_task(
            world.office,
            campaign=world.campaign,
            title="t",
            lead_unit=world.ganjingzi,
            deadline=dt.date(2018, 12, 28),
        )
    # Accept limit: 3 working days from Monday 8 October 2018.
    assert task.accept_by == dt.date(2018, 10, 11)
    with at(dt.date(2018, 10, 15)):
        from campaigndesk.ledger.lights import refresh_lights

        refresh_lights(world.campaign, clock.today())
        task.refresh_from_db()
        assert task.light == Light.GREY
        actions.accept_task(world.gjz_liaison, task)
    task.refresh_from_db()
    assert task.accepted_late is True
    assert task.light != Light.GREY


def test_a_second_edit_of_the_same_version_is_told_the_difference(world):
    with at(dt.date(2018, 10, 8)):
        task = actions.create_task(
            world.office,
            campaign=world.campaign,
            title="原标题",
            lead_unit=world.ganjingzi,
            deadline=dt.date(2018, 12, 1),
        )
        seen = task.version
        actions.update_task(world.office, task, {"title": "甲的标题"}, expected_version=seen)
        with pytest.raises(actions.ConflictError) as conflict:
            actions.update_task(
                world.office,
                Task.objects.get(pk=task.pk),
                {"title": "乙的标题"},
                expected_version=seen,
            )
    assert conflict.value.differences == [("title", "甲的标题", "乙的标题")]
    assert Task.objects.get(pk=task.pk).title == "甲的标题"


def test_missing_reports_are_counted_for_a_past_period(world):
    ensure_periods(world.campaign)
    with at(dt.date(2018, 10, 8)):
        task = actions.create_task(
            world.office,
            campaign=world.campaign,
            title="t",
            lead_unit=world.ganjingzi,
            deadline=dt.date(2018, 12, 28),
        )
        actions.accept_task(world.gjz_liaison, task)
    period = period_on(world.campaign, dt.date(2018, 10, 10))
    assert list(missing_reports(world.campaign, period)) == [task]
    with at(dt.date(2018, 10, 16)):
        report = actions.report_progress(world.gjz_liaison, task, period, progress=20, text="起步")
    assert report.is_late is True
    assert not missing_reports(world.campaign, period).exists()
