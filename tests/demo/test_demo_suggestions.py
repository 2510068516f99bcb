"""The Dalian demo's public suggestions, as seen on the demo day (2018-12-20)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from campaigndesk.audit import trail
from campaigndesk.audit.models import AuditRecord
from campaigndesk.campaigns.models import Campaign
from campaigndesk.demo.dalian_suggestions import DEMO_DAY, FIRST_DAY, _Story, build_suggestions
from campaigndesk.demo.loader import load_demo
from campaigndesk.ledger.models import Source, Task
from campaigndesk.ledger.workdays import for_campaign
from campaigndesk.org.models import Role, RoleGrant
from campaigndesk.suggestions.models import (
    AWAITING_ANSWER,
    Category,
    Channel,
    Outcome,
    Status,
    Suggestion,
    Verdict,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def loaded_once(django_db_setup, django_db_blocker):
    """Load the demo once for the module; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield load_demo()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def campaign(loaded_once, db):
    return Campaign.objects.select_related("calendar").get(code="dalian-2018")


@pytest.fixture
def suggestions(campaign):
    return Suggestion.objects.filter(campaign=campaign)


def test_the_demo_has_a_few_hundred_suggestions_in_every_state(suggestions):
    assert 300 <= suggestions.count() <= 400
    counts = Counter(suggestions.values_list("status", flat=True))
    assert set(counts) == set(Status.values)
    assert counts[Status.CLOSED] > 50 and counts[Status.ANSWERED] > 50


def test_every_outcome_and_every_verdict_occurs(suggestions):
    assert set(suggestions.exclude(outcome="").values_list("outcome", flat=True)) == set(
        Outcome.values
    )
    assert set(suggestions.exclude(verdict="").values_list("verdict", flat=True)) == set(
        Verdict.values
    )


def test_the_categories_route_to_the_units_named_in_the_brief(campaign):
    units = dict(
        Category.objects.filter(campaign=campaign).values_list("name_zh", "default_unit__code")
    )
    assert units == {
        "营商环境": "DL-YSJ",
        "科技创新": "DL-KJJ",
        "城市建设与规划": "DL-GHJ",
        "民生服务": "DL-MZJ",
        "生态环境": "DL-STJ",
        "对外开放与商务": "DL-SWJ",
        "干部作风": "DL-JW",
        "其他": None,
    }


def test_suggestions_come_in_chinese_and_in_english(suggestions):
    titles = list(suggestions.values_list("title", flat=True))
    english = [t for t in titles if not CJK.search(t)]
    assert len(english) >= 20
    assert len(titles) - len(english) >= 250
    assert any("上海" in t for t in titles) and any("地铁" in t for t in titles)


def test_every_adopted_and_endorsed_answer_opened_its_ledger_task(suggestions):
    adopted = suggestions.filter(
        outcome=Outcome.ADOPTED, status__in=(Status.ANSWERED, Status.CLOSED, Status.REOPENED)
    ).select_related("task", "unit")
    assert adopted.count() >= 8
    for s in adopted:
        assert s.task is not None, s.tracking_number
        assert s.task.source == Source.SUGGESTION
        assert s.task.source_ref == s.tracking_number
        assert s.task.lead_unit_id == s.unit_id
    assert not suggestions.exclude(outcome=Outcome.ADOPTED).filter(task__isnull=False).exists()
    pending = suggestions.filter(status=Status.PENDING_ENDORSEMENT, outcome=Outcome.ADOPTED)
    assert all(s.task_deadline and s.task_id is None for s in pending)


def test_some_answers_are_published_some_outstanding_and_only_answered_ones(suggestions):
    published = suggestions.filter(is_published=True)
    assert published.count() >= 20
    assert published.filter(is_outstanding=True).count() >= 3
    assert set(published.values_list("status", flat=True)) <= {Status.ANSWERED, Status.CLOSED}
    assert not suggestions.filter(is_published=False, is_outstanding=True).exists()
    assert all(s.published_at and s.answered_at <= s.published_at for s in published)


def test_dates_run_from_the_mobilisation_meeting_to_the_demo_day(suggestions):
    tz = timezone.get_current_timezone()
    first = suggestions.order_by("created_at").first().created_at.astimezone(tz).date()
    last = suggestions.order_by("-updated_at").first().updated_at.astimezone(tz).date()
    assert FIRST_DAY <= first <= FIRST_DAY + dt.timedelta(days=3)
    assert last < DEMO_DAY


def test_answer_deadlines_count_working_days_and_some_answers_came_late(campaign, suggestions):
    workdays = for_campaign(campaign)
    tz = timezone.get_current_timezone()
    routed = suggestions.exclude(routed_at=None).exclude(unit=None)
    for s in routed:
        assert s.answer_due == workdays.add(
            s.routed_at.astimezone(tz).date(), campaign.answer_limit_days
        ), s.tracking_number
    answered = suggestions.exclude(answered_at=None)
    late = [s for s in answered if s.answered_late]
    assert 3 <= len(late) < answered.count() / 3
    assert all(s.answered_at.astimezone(tz).date() > s.answer_due for s in late)


def test_open_answers_carry_the_light_of_the_demo_day(campaign, suggestions):
    workdays = for_campaign(campaign)
    ends = workdays.add(DEMO_DAY, campaign.warning_window_days + 1)
    for s in suggestions.filter(status__in=AWAITING_ANSWER):
        expected = (
            "red" if s.answer_due < DEMO_DAY else "yellow" if s.answer_due < ends else "green"
        )
        assert s.light == expected, s.tracking_number
    lights = set(suggestions.filter(status__in=AWAITING_ANSWER).values_list("light", flat=True))
    assert lights == {"red", "yellow", "green"}
    assert set(suggestions.exclude(answered_at=None).values_list("light", flat=True)) == {"none"}


def test_answers_are_written_by_the_units_liaison_and_endorsed_by_its_head(suggestions):
    answered = suggestions.exclude(answered_at=None).select_related("unit")
    assert answered.count() > 100
    for s in answered:
        assert RoleGrant.objects.filter(
            user_id=s.endorsed_by_id, unit=s.unit, role=Role.UNIT_HEAD
        ).exists(), s.tracking_number
        assert RoleGrant.objects.filter(
            user_id=s.answered_by_id, unit=s.unit, role=Role.LIAISON
        ).exists(), s.tracking_number


def test_duplicates_follow_an_original_and_dismissals_say_why(suggestions):
    duplicates = suggestions.filter(status=Status.DUPLICATE).select_related("duplicate_of")
    assert duplicates.count() >= 10
    for s in duplicates:
        assert s.duplicate_of is not None
        assert s.duplicate_of.status != Status.DUPLICATE
        assert s.duplicate_of.created_at < s.created_at
    assert all(suggestions.filter(status=Status.OUT_OF_SCOPE).values_list("status_note", flat=True))
    reopened = suggestions.filter(status=Status.REOPENED)
    assert set(reopened.values_list("verdict", flat=True)) == {Verdict.NOT_SATISFIED}
    closed_by_office = suggestions.filter(status=Status.CLOSED, verdict=Verdict.NOT_SATISFIED)
    assert closed_by_office.exists() and all(s.status_note for s in closed_by_office)


def test_some_suggestions_were_gathered_offline_with_their_source(suggestions):
    offline = suggestions.filter(
        channel__in=(Channel.PAPER, Channel.MEETING, Channel.HOTLINE, Channel.OTHER)
    )
    assert offline.count() >= 10
    assert all(re.match(r"2018-1[12]-\d\d \S", s.source_note) for s in offline)


def test_some_contact_details_were_given_and_spam_has_none(suggestions):
    assert suggestions.exclude(phone="").count() > 50
    assert suggestions.exclude(email="").count() > 10
    spam = suggestions.filter(status=Status.SPAM)
    assert not spam.exclude(name="", phone="", email="").exists()


def test_the_played_suggestions_have_their_history_and_the_rest_one_record(campaign):
    submitted = AuditRecord.objects.filter(action="suggestions.submit").count()
    assert 50 <= submitted <= 100
    bulk = AuditRecord.objects.filter(action="demo.suggestions")
    assert bulk.count() == 1
    assert bulk.get().after["written_in_bulk"] + submitted == Suggestion.objects.count()
    steps = set(AuditRecord.objects.values_list("action", flat=True))
    for action in (
        "suggestions.route",
        "suggestions.send_back",
        "suggestions.accept",
        "suggestions.draft_answer",
        "suggestions.return_answer",
        "suggestions.endorse_answer",
        "suggestions.rate",
        "suggestions.close_reopened",
        "suggestions.mark_duplicate",
        "suggestions.spam",
        "suggestions.out_of_scope",
        "suggestions.withdraw",
        "suggestions.publish",
    ):
        assert action in steps, action


def test_the_audit_chain_verifies_after_the_load(campaign):
    assert trail.verify().ok


def test_the_story_is_the_same_on_every_load(campaign, suggestions):
    """Planning again from the same seed gives exactly the suggestions that were loaded."""
    with transaction.atomic():
        story = _Story(campaign)
        story.prepare()
        story.plan()
        planned = Counter((p.title, p.status, p.created) for p in story.plans)
        transaction.set_rollback(True)
    loaded = Counter(suggestions.values_list("title", "status", "created_at"))
    assert planned == loaded


def test_building_again_adds_nothing(campaign, suggestions):
    before = suggestions.count(), Task.objects.count(), AuditRecord.objects.count()
    summary = build_suggestions(campaign)
    assert summary.suggestions == 0
    assert (suggestions.count(), Task.objects.count(), AuditRecord.objects.count()) == before
