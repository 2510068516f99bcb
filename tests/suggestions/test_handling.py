"""From the triage queue to the citizen's verdict."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigndesk import clock
from campaigndesk.audit.trail import verify
from campaigndesk.ledger.models import Source, Task, TaskStatus
from campaigndesk.org import access
from campaigndesk.suggestions import actions, intake
from campaigndesk.suggestions.models import Outcome, Status, Verdict
from campaigndesk.suggestions.queries import visible_suggestions


def at(day):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


@pytest.fixture
def suggestion(world, category):
    with at(dt.date(2018, 12, 3)):
        return intake.submit(
            campaign=world.campaign,
            title="优化企业开办流程",
            body="建议把企业开办时间压缩到三个工作日以内。",
            client="c1",
            category=category,
            phone="13900000000",
        ).suggestion


def test_route_accept_answer_endorse_adopt_and_rate(world, suggestion):
    with at(dt.date(2018, 12, 3)):
        actions.route(world.office, [suggestion], world.ganjingzi)
        suggestion.refresh_from_db()
        assert suggestion.answer_due == dt.date(2018, 12, 24)  # 15 working days
        with pytest.raises(PermissionDenied):
            actions.accept(world.zs_liaison, suggestion)
        actions.accept(world.gjz_liaison, suggestion)
        with pytest.raises(ValidationError, match="deadline"):
            actions.draft_answer(
                world.gjz_liaison, suggestion, outcome=Outcome.ADOPTED, answer="采纳"
            )
        actions.draft_answer(
            world.gjz_liaison,
            suggestion,
            outcome=Outcome.ADOPTED,
            answer="采纳，纳入工作计划。",
            task_deadline=dt.date(2019, 3, 31),
        )
        with pytest.raises(PermissionDenied):
            actions.endorse_answer(world.gjz_liaison, suggestion)
        actions.endorse_answer(world.gjz_head, suggestion)
    suggestion.refresh_from_db()
    assert suggestion.status == Status.ANSWERED
    assert suggestion.answered_late is False
    task = Task.objects.get(pk=suggestion.task_id)
    assert task.source == Source.SUGGESTION
    assert task.source_ref == suggestion.tracking_number
    assert task.status == TaskStatus.ACCEPTED and task.lead_unit == world.ganjingzi
    actions.rate(suggestion, Verdict.NOT_SATISFIED, "没有说明时间表")
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REOPENED
    actions.close_reopened(world.office, suggestion, note="已电话说明时间表")
    assert verify().ok


def test_a_unit_sends_back_what_is_not_its_remit(world, suggestion):
    actions.route(world.office, [suggestion], world.zhongshan)
    actions.send_back_to_office(world.zs_liaison, suggestion, reason="属于甘井子区")
    suggestion.refresh_from_db()
    assert suggestion.status == Status.RECEIVED and suggestion.unit is None
    actions.route(world.office, [suggestion], world.ganjingzi)


def test_duplicates_and_dismissals(world, suggestion):
    other = intake.submit(
        campaign=world.campaign, title="企业开办", body="企业开办时间太长，希望压缩。", client="c2"
    ).suggestion
    actions.mark_duplicate(world.office, other, suggestion)
    other.refresh_from_db()
    assert other.status == Status.DUPLICATE and other.duplicate_of == suggestion
    with pytest.raises(ValidationError):
        actions.mark_duplicate(world.office, suggestion, other)
    with pytest.raises(ValidationError, match="remit"):
        actions.dismiss(world.office, suggestion, Status.OUT_OF_SCOPE, note="")


def test_withdraw_before_answer_only(world, suggestion):
    actions.withdraw(suggestion)
    suggestion.refresh_from_db()
    assert suggestion.status == Status.WITHDRAWN
    with pytest.raises(ValidationError):
        actions.withdraw(suggestion)


def test_contact_details_are_for_the_office_and_the_answering_unit_only(world, suggestion):
    actions.route(world.office, [suggestion], world.ganjingzi)
    suggestion.refresh_from_db()
    assert access.can(world.office, "suggestions.view_contact", suggestion)
    assert access.can(world.gjz_liaison, "suggestions.view_contact", suggestion)
    for person in (world.leader, world.viewer, world.inspector, world.zs_liaison):
        assert not access.can(person, "suggestions.view_contact", suggestion)


def test_units_see_only_what_was_routed_to_them(world, suggestion):
    assert not visible_suggestions(world.gjz_liaison).exists()
    actions.route(world.office, [suggestion], world.ganjingzi)
    assert list(visible_suggestions(world.gjz_liaison)) == [suggestion]
    assert not visible_suggestions(world.zs_liaison).exists()
    assert visible_suggestions(world.leader).count() == 1


def test_only_answered_suggestions_are_published(world, suggestion):
    with pytest.raises(ValidationError):
        actions.publish(world.office, suggestion)
