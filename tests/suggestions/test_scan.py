"""Overdue answers warn and escalate like tasks: lights and reminders of the answer scan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from campaigndesk import clock
from campaigndesk.audit.trail import verify
from campaigndesk.core import scheduler
from campaigndesk.ledger.models import Notification
from campaigndesk.ledger.workdays import for_campaign
from campaigndesk.suggestions import actions, intake, scan
from campaigndesk.suggestions.models import Outcome, Suggestion, SuggestionReminder
from campaigndesk.suggestions.scan import run_suggestion_scan

ROUTED_ON = dt.date(2018, 12, 3)  # Monday; 15 working days later the answer is due
DUE = dt.date(2018, 12, 24)


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def submit(world, title="优化企业开办流程") -> Suggestion:
    with at(ROUTED_ON):
        return intake.submit(
            campaign=world.campaign,
            title=title,
            body="建议把企业开办时间压缩到三个工作日以内。",
            client="c",
            throttle=False,
        ).suggestion


@pytest.fixture
def routed(world):
    s = submit(world)
    with at(ROUTED_ON):
        actions.route(world.office, [s], world.ganjingzi)
    s.refresh_from_db()
    assert s.answer_due == DUE
    return s


def scan_on(day: dt.date) -> dict[str, int]:
    with at(day):
        return run_suggestion_scan()


def light(s: Suggestion) -> str:
    return Suggestion.objects.values_list("light", flat=True).get(pk=s.pk)


def inbox(person) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person).order_by("id"))


def days_after(world, day: dt.date, n: int) -> dt.date:
    return for_campaign(world.campaign).add(day, n)


def test_the_light_turns_yellow_within_the_warning_window_and_red_past_the_deadline(world, routed):
    # The warning window is 3 working days: 20, 21 and 24 December are the last three.
    assert world.campaign.warning_window_days == 3
    scan_on(dt.date(2018, 12, 18))
    assert light(routed) == "green"
    scan_on(dt.date(2018, 12, 19))
    assert light(routed) == "yellow"
    scan_on(DUE)
    assert light(routed) == "yellow"
    scan_on(dt.date(2018, 12, 25))
    assert light(routed) == "red"


def test_the_scan_writes_only_the_lights_that_change(world, routed):
    other = submit(world, "另一条建议")
    with at(ROUTED_ON):
        actions.route(world.office, [other], world.zhongshan)
    assert scan_on(dt.date(2018, 12, 19))["lights"] == 2
    assert scan_on(dt.date(2018, 12, 19))["lights"] == 0


def test_answered_and_unrouted_suggestions_are_left_alone(world, routed):
    waiting = submit(world, "还没分办")
    with at(ROUTED_ON):
        actions.accept(world.gjz_liaison, routed)
        actions.draft_answer(world.gjz_liaison, routed, outcome=Outcome.EXPLAINED, answer="已在做")
        actions.endorse_answer(world.gjz_head, routed)
    result = scan_on(dt.date(2019, 1, 15))
    assert result == {"lights": 0, "liaison": 0, "unit_head": 0, "office": 0}
    assert light(routed) == "none"
    assert light(waiting) == "green"
    assert not SuggestionReminder.objects.exists()


def test_the_liaison_is_reminded_once_when_the_light_turns_yellow(world, routed):
    assert scan_on(dt.date(2018, 12, 18))["liaison"] == 0
    assert scan_on(dt.date(2018, 12, 19))["liaison"] == 1
    assert scan_on(dt.date(2018, 12, 19))["liaison"] == 0  # the same scan again
    assert scan_on(dt.date(2018, 12, 20))["liaison"] == 0  # the next day: same occasion
    (notice,) = inbox(world.gjz_liaison)
    assert notice.title == f"Answer due on 2018-12-24: {routed.tracking_number} 优化企业开办流程"
    assert notice.url == reverse("suggestions:detail", args=[routed.pk])
    assert notice.task_id is None and notice.reminder_id is None
    assert inbox(world.gjz_head) == [] and inbox(world.office) == []
    routed.refresh_from_db()
    assert routed.reminder_count == 1


def test_reminders_escalate_to_the_unit_head_then_to_the_office(world, routed):
    scan_on(dt.date(2018, 12, 19))
    scan_on(dt.date(2018, 12, 25))
    assert [n.title for n in inbox(world.gjz_head)] == [
        f"Answer overdue since 2018-12-24: {routed.tracking_number} 优化企业开办流程"
    ]
    assert inbox(world.office) == []
    four_days_late = days_after(world, DUE, 4)
    assert scan_on(four_days_late)["office"] == 0
    five_days_late = days_after(world, DUE, 5)
    assert scan_on(five_days_late)["office"] == 1
    assert scan_on(five_days_late)["office"] == 0
    assert scan_on(days_after(world, DUE, 9)) == {
        "lights": 0,
        "liaison": 0,
        "unit_head": 0,
        "office": 0,
    }
    (notice,) = inbox(world.office)
    assert "Answer overdue by 5 working days" in notice.title
    assert len(inbox(world.gjz_liaison)) == len(inbox(world.gjz_head)) == 1
    keys = set(SuggestionReminder.objects.values_list("key", flat=True))
    assert keys == {"liaison:2018-12-24", "unit_head:2018-12-24", "office:2018-12-24"}
    routed.refresh_from_db()
    assert routed.reminder_count == 3
    assert verify().ok


def test_a_scan_that_finds_an_answer_long_overdue_issues_only_the_level_reached(world, routed):
    result = scan_on(days_after(world, DUE, 7))
    assert result["office"] == 1 and result["unit_head"] == result["liaison"] == 0
    assert scan_on(days_after(world, DUE, 8))["unit_head"] == 0
    assert inbox(world.gjz_head) == [] and len(inbox(world.office)) == 1


def test_routing_again_gives_a_new_deadline_and_a_new_occasion(world, routed):
    scan_on(dt.date(2018, 12, 19))
    with at(dt.date(2018, 12, 20)):
        actions.send_back_to_office(world.gjz_liaison, routed, reason="属于中山区")
        actions.route(world.office, [routed], world.ganjingzi)
    routed.refresh_from_db()
    new_due = routed.answer_due
    assert new_due > DUE
    yellow_day = for_campaign(world.campaign).subtract(new_due, 2)
    assert scan_on(yellow_day)["liaison"] == 1
    assert len(inbox(world.gjz_liaison)) == 2


def test_reminders_reach_only_the_answering_units_people(world, routed):
    scan_on(dt.date(2018, 12, 25))
    assert inbox(world.zs_liaison) == [] and inbox(world.street_liaison) == []
    assert inbox(world.leader) == [] and inbox(world.viewer) == []


def test_the_scan_is_a_periodic_job(db):
    jobs = {p.job: p for p in scheduler.schedule()}
    job = jobs["campaigndesk.suggestions.jobs.scan_answers"]
    assert job.every == scheduler.HOUR


def test_the_job_runs_the_scan_for_the_day_it_is_given(world, routed):
    from campaigndesk.suggestions.jobs import scan_answers

    result = scan_answers.call("2018-12-25")
    assert result["unit_head"] == 1
    assert light(routed) == "red"


def test_light_of_matches_the_scan(world):
    workdays = for_campaign(world.campaign)
    today = dt.date(2018, 12, 19)
    ends = scan.window_end(world.campaign, today, workdays)
    assert scan.light_of(DUE, today, ends) == "yellow"
    assert scan.light_of(dt.date(2018, 12, 25), today, ends) == "green"
    assert scan.light_of(dt.date(2018, 12, 18), today, ends) == "red"
    assert scan.light_of(None, today, ends) == "none"
