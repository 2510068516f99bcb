"""`campaigndesk scale --tasks N`: a deterministic synthetic ledger, in bulk, audited once."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.audit.models import AuditRecord
from campaigndesk.campaigns.models import Campaign
from campaigndesk.ledger.lights import compute_light, refresh_lights, worst
from campaigndesk.ledger.models import (
    Light,
    ProgressReport,
    Reminder,
    Source,
    Task,
    TaskCoUnit,
    TaskStatus,
)
from campaigndesk.ledger.periods import ensure_periods
from campaigndesk.ledger.workdays import for_campaign
from campaigndesk.org.models import Role, Unit, UnitKind, User
from tests.factories import UnitFactory

DAY = dt.date(2018, 12, 20)
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def demo_day():
    with clock.frozen_at(dt.datetime.combine(DAY, dt.time(9), tzinfo=dt.UTC)):
        yield


def run(*args: str) -> str:
    out = StringIO()
    call_command("scale", *args, stdout=out)
    return out.getvalue()


def seed_tasks(seed: int = 1):
    return Task.objects.filter(created_by__username=f"scale-{seed}-office")


def snapshot(seed: int = 1) -> list[tuple]:
    """The seed's tasks, with ids counted from the first (PostgreSQL sequences do not
    roll back, so two fresh loads in one test database start at different ids)."""
    rows = list(
        seed_tasks(seed)
        .order_by("id")
        .values_list(
            "id",
            "parent_id",
            "title",
            "lead_unit__code",
            "status",
            "light",
            "progress",
            "starts_on",
            "deadline",
            "source_ref",
        )
    )
    first = rows[0][0]
    return [(r[0] - first, r[1] - first if r[1] else None, *r[2:]) for r in rows]


class Rollback(Exception):
    pass


def in_a_fresh_database(*args: str) -> list[tuple]:
    try:
        with transaction.atomic():
            run(*args)
            made = snapshot()
            raise Rollback
    except Rollback:
        pass
    assert not seed_tasks().exists()
    return made


def test_scale_makes_the_asked_number_of_tasks_in_the_demo_campaign(world):
    output = run("--units", "30", "--tasks", "300", "--seed", "1")
    assert "300 new in campaign dalian-2018" in output
    assert seed_tasks().count() == 300
    assert set(seed_tasks().values_list("campaign_id", flat=True)) == {world.campaign.pk}
    assert all(CJK.search(t) for t in seed_tasks().values_list("title", flat=True))


def test_same_seed_gives_the_same_tasks_and_ids_in_two_fresh_databases(world):
    first = in_a_fresh_database("--units", "30", "--tasks", "300", "--seed", "1")
    second = in_a_fresh_database("--units", "30", "--tasks", "300", "--seed", "1")
    assert len(first) == 300
    assert first == second


def test_every_tasks_unit_path_is_its_lead_units_path(world):
    run("--units", "30", "--tasks", "300", "--seed", "1")
    for task in seed_tasks().select_related("lead_unit"):
        assert task.unit_path == task.lead_unit.path
    for link in TaskCoUnit.objects.select_related("unit"):
        assert link.unit_path == link.unit.path


def test_tasks_form_a_tree_split_within_the_parents_units(world):
    run("--units", "60", "--tasks", "600", "--seed", "1")
    tasks = seed_tasks()
    top = tasks.filter(parent=None).count()
    assert 0.6 <= top / 600 <= 0.85
    assert tasks.filter(depth=2).exists()
    children = tasks.filter(parent__isnull=False).select_related("parent__lead_unit", "lead_unit")
    for child in children:
        parent = child.parent
        assert child.lead_unit.is_within(parent.lead_unit)
        assert child.lead_unit_id != parent.lead_unit_id
        assert child.depth == parent.depth + 1
        assert child.deadline <= parent.deadline and child.starts_on >= parent.starts_on
        assert child.source == Source.SPLIT
        assert parent.status in (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS)
        assert child.starts_on >= timezone.localdate(parent.accepted_at)  # split once accepted


def test_a_parents_progress_is_its_live_childrens_average(world):
    run("--units", "60", "--tasks", "600", "--seed", "1")
    parents = seed_tasks().annotate(n=Count("children")).filter(n__gt=0)
    assert parents.exists()
    for parent in parents:
        live = [c.progress for c in parent.children.exclude(status=TaskStatus.CANCELLED)]
        if live:
            assert parent.progress == round(sum(live) / len(live))


def test_stored_lights_are_what_compute_light_gives_for_the_day(world):
    run("--units", "60", "--tasks", "600", "--seed", "1")
    campaign = Campaign.objects.select_related("calendar").get(pk=world.campaign.pk)
    workdays = for_campaign(campaign)
    sample = list(seed_tasks().order_by("id")[::7])
    for task in sample:
        own = compute_light(
            status=task.status,
            deadline=task.deadline,
            starts_on=task.starts_on,
            progress=task.progress,
            accept_by=task.accept_by,
            today=DAY,
            workdays=workdays,
            window=campaign.warning_window_days,
            lag_yellow=campaign.lag_yellow_points,
            lag_red=campaign.lag_red_points,
        )
        children = task.children.values_list("light", flat=True)
        assert task.light == worst([own, *children]), task.pk
    # and the nightly refresh finds nothing to change
    assert refresh_lights(campaign, DAY) == 0


def test_statuses_lights_and_flags_come_in_realistic_proportions(world):
    run("--units", "60", "--tasks", "1000", "--seed", "1")
    tasks = seed_tasks()
    statuses = dict(tasks.values_list("status").annotate(n=Count("id")))
    lights = dict(tasks.values_list("light").annotate(n=Count("id")))
    assert set(statuses) == set(TaskStatus.values)
    assert set(lights) == set(Light.values)
    assert lights[Light.GREEN] > lights[Light.YELLOW] > lights[Light.GREY]
    assert statuses[TaskStatus.IN_PROGRESS] > 1000 / 2
    assert tasks.filter(accepted_late=True).exists()
    assert tasks.filter(finished_late=True, status=TaskStatus.CLOSED).exists()
    assert tasks.filter(reopen_count=1, status=TaskStatus.IN_PROGRESS).exists()
    assert all(t.status_reason for t in tasks.filter(status=TaskStatus.RETURNED))
    assert all(t.completion_note for t in tasks.filter(status=TaskStatus.CLOSED))
    assert set(tasks.values_list("source", flat=True)) == set(Source.values)
    deadlines = tasks.values_list("deadline", flat=True)
    assert min(deadlines) < DAY < max(deadlines) <= world.campaign.ends_on


def test_late_tasks_carry_the_reminders_the_scan_would_have_issued(world):
    run("--units", "60", "--tasks", "1000", "--seed", "1")
    late = seed_tasks().filter(reminder_count__gt=0)
    assert late.exists()
    for task in late.prefetch_related("reminders"):
        keys = [r.key for r in task.reminders.all()]
        assert len(keys) == task.reminder_count
        since = task.accept_by if task.status == TaskStatus.ASSIGNED else task.deadline
        assert all(k.split(":")[1] == since.isoformat() for k in keys)
    assert Reminder.objects.filter(key__endswith=":office").exists()


def test_weekly_reports_are_added_for_some_tasks_when_periods_exist(world):
    ensure_periods(world.campaign)
    run("--units", "60", "--tasks", "1000", "--seed", "1")
    reports = ProgressReport.objects.filter(task__in=seed_tasks())
    assert 0 < reports.values("task").distinct().count() < 1000 / 4
    assert all(r.period.ends_on < DAY for r in reports.select_related("period")[:50])
    for task in seed_tasks().filter(reports__isnull=False).distinct()[:50]:
        assert task.report_late_count == task.reports.filter(is_late=True).count()
        assert not task.children.exists()


def test_running_again_with_the_same_seed_adds_nothing_and_no_audit_record(world):
    run("--units", "30", "--tasks", "300", "--seed", "1")
    records = AuditRecord.objects.count()
    assert "nothing new" in run("--units", "30", "--tasks", "300", "--seed", "1")
    assert seed_tasks().count() == 300
    assert AuditRecord.objects.count() == records


def test_a_larger_count_extends_the_ledger_to_what_a_fresh_load_makes(world):
    fresh = in_a_fresh_database("--units", "30", "--tasks", "400", "--seed", "1")
    run("--units", "30", "--tasks", "250", "--seed", "1")
    run("--units", "30", "--tasks", "400", "--seed", "1")
    assert snapshot() == fresh


def test_one_audit_record_sums_up_the_load_and_the_chain_verifies(world):
    run("--units", "10", "--tasks", "200", "--seed", "1")
    record = AuditRecord.objects.get(action="demo.scale")
    created = record.after["created"]
    assert created["tasks"] == 200 and created["units"] == 10
    assert record.source == "command:scale"
    assert trail.verify().ok


def test_the_seeds_office_person_assigns_the_tasks_and_can_sign_in_with_a_password(world):
    run("--tasks", "20", "--seed", "1", "--password", "Scale-test-pass-1")
    person = User.objects.get(username="scale-1-office")
    assert list(person.grants.values_list("role", "unit__code")) == [(Role.OFFICE, "CITY")]
    assert person.check_password("Scale-test-pass-1")


def test_without_a_campaign_the_generator_makes_one_for_the_seed(db):
    city = UnitFactory(code="DL", name_zh="大连市", name_en="Dalian", kind=UnitKind.CITY)
    output = run("--units", "20", "--tasks", "100", "--seed", "3")
    campaign = Campaign.objects.get(code="scale-3")
    assert "100 new in campaign scale-3" in output
    assert campaign.key_tasks.count() == 6 and campaign.phases.count() == 2
    assert seed_tasks(3).count() == 100
    assert all(t.lead_unit.is_within(city) for t in seed_tasks(3).select_related("lead_unit"))
    assert refresh_lights(campaign, DAY) == 0


def test_tasks_without_units_below_the_root_are_skipped_with_a_message(db):
    UnitFactory(code="DL", name_zh="大连市", name_en="Dalian", kind=UnitKind.CITY)
    output = run("--tasks", "10", "--seed", "1")
    assert "no units below the root" in output
    assert not Task.objects.exists() and not Unit.objects.filter(code__startswith="S1-").exists()
