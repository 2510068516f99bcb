"""`campaigndesk scale --suggestions N`: synthetic suggestions in bulk, the same for a seed."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from campaigndesk import clock
from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import verify
from campaigndesk.demo import scale
from campaigndesk.ledger import actions as ledger_actions
from campaigndesk.suggestions import intake
from campaigndesk.suggestions.models import AWAITING_ANSWER, Outcome, Status, Suggestion
from campaigndesk.suggestions.scale_generators import (
    SCALE_CODE,
    generate_suggestions,
    marker,
    tracking_number,
)

DAY = dt.date(2018, 12, 20)


@pytest.fixture(autouse=True)
def on_a_campaign_day():
    with clock.frozen_at(dt.datetime.combine(DAY, dt.time(10), tzinfo=dt.UTC)):
        yield


def make(world, count, seed=5):
    return generate_suggestions(scale.ScaleContext(seed=seed, root=world.city), count)


def fingerprint(seed=5):
    rows = Suggestion.objects.filter(client_hash=marker(seed)).order_by("id")
    return list(rows.values_list("tracking_number", "title", "body", "status", "created_at"))


def test_the_generator_is_registered_for_the_scale_command():
    scale.discover()
    assert scale.get_generator("suggestions").fn is generate_suggestions


def test_it_makes_n_suggestions_with_unique_tracking_numbers(world):
    made = make(world, 400)
    rows = Suggestion.objects.filter(client_hash=marker(5))
    assert made["suggestions"] == rows.count() == 400
    numbers = list(rows.values_list("tracking_number", flat=True))
    assert len(set(numbers)) == 400
    assert all(n.startswith("JY18") and len(n) == 18 for n in numbers)
    assert rows.filter(campaign=world.campaign).count() == 400


def test_the_same_seed_gives_the_same_suggestions(world):
    with transaction.atomic():
        make(world, 150)
        first = fingerprint()
        transaction.set_rollback(True)
    make(world, 150)
    assert fingerprint() == first
    make(world, 150, seed=6)
    assert fingerprint(6) != first


def test_asking_for_more_adds_only_the_missing_ones_and_changes_none(world):
    with transaction.atomic():
        make(world, 200)
        whole = fingerprint()
        transaction.set_rollback(True)
    make(world, 120)
    assert make(world, 120) == {}  # nothing to add
    make(world, 200)
    assert fingerprint() == whole


def test_states_come_in_realistic_proportions_with_their_dates(world):
    make(world, 1500)
    rows = Suggestion.objects.filter(client_hash=marker(5))
    counts = Counter(rows.values_list("status", flat=True))
    assert set(counts) == set(Status.values)
    assert counts[Status.CLOSED] > counts[Status.ACCEPTED] > counts[Status.REOPENED]
    assert not rows.filter(status__in=AWAITING_ANSWER, unit__isnull=True).exists()
    assert not rows.exclude(status=Status.DUPLICATE).filter(duplicate_of__isnull=False).exists()
    assert (
        rows.filter(status=Status.DUPLICATE, duplicate_of__isnull=False).count()
        == (counts[Status.DUPLICATE])
    )
    for s in rows.exclude(routed_at=None):
        assert s.created_at < s.routed_at and s.answer_due is not None
    assert rows.filter(answered_late=True).exists()
    assert set(rows.filter(status__in=AWAITING_ANSWER).values_list("light", flat=True)) <= {
        "red",
        "yellow",
        "green",
    }
    latest = rows.order_by("-updated_at").first().updated_at
    assert timezone.localdate(latest) <= DAY
    first = rows.order_by("created_at").first().created_at
    assert timezone.localdate(first) >= world.campaign.starts_on


def test_texts_are_varied_with_a_share_of_near_duplicates(world):
    make(world, 1000)
    rows = Suggestion.objects.filter(client_hash=marker(5))
    titles = Counter(rows.values_list("title", flat=True))
    bodies = set(rows.values_list("body", flat=True))
    assert len(titles) > 300 and len(bodies) > 500
    assert any(n > 1 for n in titles.values())  # people repeat each other


def test_every_suggestion_tracks_with_the_shared_code(world):
    make(world, 30)
    number = Suggestion.objects.filter(client_hash=marker(5)).first().tracking_number
    assert intake.track(number, SCALE_CODE, "tester").tracking_number == number
    assert intake.track(number, "WRONG", "tester") is None


def test_adoptions_link_to_ledger_tasks_from_suggestions_and_only_to_them(world):
    for n in range(3):
        ledger_actions.create_task(
            world.office,
            campaign=world.campaign,
            title=f"群众建议任务{n}",
            lead_unit=world.ganjingzi,
            deadline=dt.date(2019, 6, 30),
            source="suggestion",
            source_ref=f"XLC-{n}",
        )
    make(world, 800)
    rows = Suggestion.objects.filter(client_hash=marker(5))
    linked = rows.filter(task__isnull=False)
    assert linked.count() == 3
    assert set(linked.values_list("outcome", flat=True)) == {Outcome.ADOPTED}
    assert set(linked.values_list("unit", flat=True)) == {world.ganjingzi.pk}
    endorsed_adoptions = rows.filter(outcome=Outcome.ADOPTED).exclude(answered_at=None)
    assert endorsed_adoptions.count() == 3  # no adopted answer without its task


def test_tracking_numbers_differ_between_seeds_and_numbers():
    day = dt.date(2018, 12, 3)
    numbers = {tracking_number(seed, i, day) for seed in (1, 2) for i in range(2000)}
    assert len(numbers) == 4000


def test_the_command_makes_them_with_one_audit_record(world):
    before = AuditRecord.objects.count()
    out = StringIO()
    call_command("scale", "--suggestions", "60", "--seed", "9", "--root", "CITY", stdout=out)
    assert "60 suggestions" in out.getvalue()
    assert Suggestion.objects.filter(client_hash=marker(9)).count() == 60
    assert AuditRecord.objects.count() == before + 1
    assert AuditRecord.objects.order_by("-pk").first().action == "demo.scale"
    assert verify().ok
