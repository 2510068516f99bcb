"""The Dalian demo's work plans and ledger, as seen on the demo day (2018-12-20)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import transaction

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.audit.models import AuditRecord
from campaigndesk.campaigns.models import Campaign, PlanStatus, WorkPlan, WorkPlanVersion
from campaigndesk.campaigns.plans import compare_versions
from campaigndesk.demo import dalian_ledger_data as data
from campaigndesk.demo.loader import load_demo
from campaigndesk.ledger import actions
from campaigndesk.ledger.lights import refresh_lights
from campaigndesk.ledger.models import (
    Light,
    Notification,
    ProgressReport,
    Reminder,
    ReminderKind,
    ReportingPeriod,
    Source,
    Task,
    TaskCoUnit,
    TaskStatus,
)
from campaigndesk.ledger.periods import missing_reports
from campaigndesk.org import access
from campaigndesk.org.models import Unit, User

DEMO_DAY = dt.date(2018, 12, 20)
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


def on_demo_day():
    return clock.frozen_at(dt.datetime.combine(DEMO_DAY, dt.time(10), tzinfo=dt.UTC))


def counts() -> dict[str, int]:
    return {
        "tasks": Task.objects.count(),
        "plans": WorkPlan.objects.count(),
        "versions": WorkPlanVersion.objects.count(),
        "reports": ProgressReport.objects.count(),
        "reminders": Reminder.objects.count(),
        "notifications": Notification.objects.count(),
        "periods": ReportingPeriod.objects.count(),
        "units": Unit.objects.count(),
        "people": User.objects.count(),
        "audit": AuditRecord.objects.count(),
    }


def test_the_demo_ledger_holds_between_60_and_120_tasks_written_in_chinese(campaign):
    titles = list(Task.objects.filter(campaign=campaign).values_list("title", flat=True))
    assert 60 <= len(titles) <= 120
    assert all(CJK.search(t) for t in titles)
    assert any("一网通办" in t for t in titles)
    assert any("不忘初心" in t for t in titles)


def test_the_demo_ledger_has_a_task_in_every_status(campaign):
    statuses = set(Task.objects.filter(campaign=campaign).values_list("status", flat=True))
    assert statuses == set(TaskStatus.values)


def test_the_demo_ledger_shows_every_light_on_the_demo_day(campaign):
    lights = set(Task.objects.filter(campaign=campaign).values_list("light", flat=True))
    assert lights == set(Light.values)
    # The stored lights are those of the demo day: refreshing for it changes nothing.
    assert refresh_lights(campaign, DEMO_DAY) == 0


def test_the_lights_come_from_the_reasons_the_design_names(campaign):
    tasks = Task.objects.filter(campaign=campaign)
    assert tasks.filter(light=Light.GREY, status=TaskStatus.ASSIGNED, accept_by__lt=DEMO_DAY)
    green_unaccepted = tasks.filter(status=TaskStatus.ASSIGNED, light=Light.GREEN)
    assert green_unaccepted.filter(accept_by__gte=DEMO_DAY).exists()
    # Red: overdue, and red because far behind schedule with the deadline still ahead.
    assert tasks.filter(light=Light.RED, deadline__lt=DEMO_DAY, parent=None).exists()
    assert tasks.filter(light=Light.RED, deadline__gt=DEMO_DAY, children=None).exists()
    # Yellow: the deadline within three working days, and behind schedule with time left.
    soon = tasks.filter(light=Light.YELLOW, deadline__lte=dt.date(2018, 12, 25))
    assert soon.filter(status=TaskStatus.IN_PROGRESS).exists()
    assert tasks.filter(
        light=Light.YELLOW, deadline__gt=dt.date(2019, 1, 1), children=None
    ).exists()


def test_in_progress_tasks_show_green_yellow_and_red(campaign):
    working = Task.objects.filter(campaign=campaign, status=TaskStatus.IN_PROGRESS)
    assert set(working.values_list("light", flat=True)) >= {Light.GREEN, Light.YELLOW, Light.RED}


def test_lateness_is_kept_in_flags_beside_the_state(campaign):
    tasks = Task.objects.filter(campaign=campaign)
    assert tasks.filter(accepted_late=True).exists()
    assert tasks.filter(status=TaskStatus.CLOSED, finished_late=True).exists()
    assert tasks.filter(status=TaskStatus.CLOSED, finished_late=False).exists()
    assert tasks.filter(report_late_count__gt=0).exists()
    assert tasks.filter(reopen_count__gt=0, status=TaskStatus.IN_PROGRESS).exists()
    assert ProgressReport.objects.filter(task__campaign=campaign, is_late=True).exists()


def test_tasks_come_from_every_source(campaign):
    sources = set(Task.objects.filter(campaign=campaign).values_list("source", flat=True))
    assert sources == set(Source.values)
    finding = Task.objects.filter(campaign=campaign, source=Source.FINDING).first()
    assert "督查" in finding.source_ref


def test_some_tasks_have_co_responsible_units(campaign):
    links = TaskCoUnit.objects.filter(task__campaign=campaign).select_related("unit")
    assert links.count() >= 5
    assert all(link.unit_path == link.unit.path for link in links)


def test_returned_tasks_wait_for_the_office_with_the_units_reason(campaign):
    returned = Task.objects.filter(campaign=campaign, status=TaskStatus.RETURNED)
    assert returned.exists()
    assert all(t.status_reason for t in returned)


def test_a_task_is_split_two_levels_down_and_its_progress_rolls_up(campaign):
    grandchild = Task.objects.filter(campaign=campaign, depth=2).select_related("parent").first()
    assert grandchild is not None
    child = grandchild.parent
    root = child.parent
    assert root.depth == 0 and root.lead_unit.kind == "district"
    assert grandchild.lead_unit.is_within(child.lead_unit)
    assert child.lead_unit.is_within(root.lead_unit)
    for parent in (child, root):
        live = parent.children.exclude(status=TaskStatus.CANCELLED)
        progress = [c.progress for c in live]
        assert parent.progress == round(sum(progress) / len(progress))
        assert not parent.reports.filter(period__ends_on__gte=grandchild.starts_on).exists()
    assert Task.objects.filter(campaign=campaign, depth=1).count() >= 4


def test_every_unit_path_copies_its_lead_units_path(campaign):
    for task in Task.objects.filter(campaign=campaign).select_related("lead_unit"):
        assert task.unit_path == task.lead_unit.path


def test_work_plans_are_in_every_state(campaign):
    statuses = set(WorkPlan.objects.filter(campaign=campaign).values_list("status", flat=True))
    assert statuses == set(PlanStatus.values)
    returned = WorkPlan.objects.get(campaign=campaign, status=PlanStatus.RETURNED)
    assert "重新报送" in returned.office_comment
    assert WorkPlan.objects.filter(campaign=campaign).count() == len(data.PLANS)


def test_approved_plans_became_tasks_on_the_ledger(campaign):
    approved = WorkPlan.objects.filter(campaign=campaign, status=PlanStatus.APPROVED)
    assert approved.count() >= 3
    for plan in approved:
        tasks = Task.objects.filter(measure__plan=plan)
        assert tasks.count() == plan.measures.count()
        assert all(t.source == Source.WORK_PLAN and t.phase_id for t in tasks)


def test_a_revised_plan_has_two_versions_the_office_can_compare(campaign):
    plan = WorkPlan.objects.get(campaign=campaign, unit__code=data.GXQ_PLAN.unit)
    assert plan.versions.count() == 2
    assert plan.approved_version == 1
    assert plan.status == PlanStatus.ENDORSED
    diff = compare_versions(plan)
    assert diff["submitted"].number == 2 and diff["approved"].number == 1
    changed_fields = {(number, name) for number, name, _old, _new in diff["changed"]}
    assert {(1, "deadline"), (3, "title")} <= changed_fields
    assert [m["number"] for m in diff["added"]] == [5]
    # The tasks of the approved version stay on the ledger until the revision is approved.
    assert Task.objects.filter(measure__plan=plan).count() == 4


def test_reminders_of_each_kind_reach_the_units_people(campaign):
    kinds = set(Reminder.objects.filter(task__campaign=campaign).values_list("kind", flat=True))
    assert kinds == set(ReminderKind.values)
    liaison = User.objects.get(username="gjz_liaison")
    assert Notification.objects.filter(recipient=liaison, read_at__isnull=True).exists()
    escalated = Reminder.objects.filter(key__endswith=":office")
    assert escalated.exists()
    for task in Task.objects.filter(reminders__isnull=False).distinct():
        assert task.reminder_count == task.reminders.count()


def test_past_periods_are_locked_and_late_or_missing_reports_show(campaign):
    locked = ReportingPeriod.objects.filter(campaign=campaign, locked_at__isnull=False)
    assert locked.count() == len(data.LOCKED_PERIODS)
    assert all(p.ends_on < DEMO_DAY for p in locked)
    last_week = ReportingPeriod.objects.get(campaign=campaign, starts_on=dt.date(2018, 12, 10))
    assert missing_reports(campaign, last_week).exists()
    assert ProgressReport.objects.filter(period=last_week).exists()


def test_the_ganjingzi_liaison_has_tasks_to_accept_and_to_report_on(campaign):
    liaison = User.objects.get(username="gjz_liaison")
    ganjingzi = Unit.objects.get(code="DL-GJZ")
    mine = Task.objects.filter(campaign=campaign, unit_path__startswith=ganjingzi.path)
    to_accept = mine.filter(status=TaskStatus.ASSIGNED, light=Light.GREEN).first()
    to_report = mine.filter(status=TaskStatus.IN_PROGRESS, children=None).first()
    period = ReportingPeriod.objects.get(campaign=campaign, starts_on=dt.date(2018, 12, 17))
    with on_demo_day():
        actions.accept_task(liaison, to_accept)
        actions.report_progress(liaison, to_report, period, progress=90, text="本周完成验收。")
    to_accept.refresh_from_db()
    assert to_accept.status == TaskStatus.ACCEPTED and not to_accept.accepted_late


def test_the_office_has_reports_to_verify_and_plans_to_decide(campaign):
    office = User.objects.get(username="office")
    reported = Task.objects.filter(campaign=campaign, status=TaskStatus.REPORTED)
    assert reported.count() >= 3
    assert all(t.completion_note for t in reported)
    assert WorkPlan.objects.filter(campaign=campaign, status=PlanStatus.ENDORSED).exists()
    with on_demo_day():
        actions.close_task(office, reported.first())
    assert access.can(office, "ledger.supervise")


def test_every_action_was_taken_by_the_demo_office_or_a_units_person(campaign):
    actors = set(
        AuditRecord.objects.filter(action__startswith="ledger.").values_list(
            "actor__username", flat=True
        )
    )
    assert "office" in actors and "gjz_liaison" in actors and "jjs_liaison" in actors


def test_loading_twice_changes_no_counts(campaign):
    before = counts()
    assert load_demo().created is False
    assert counts() == before


def test_the_audit_chain_verifies_and_the_plans_and_ledger_came_from_the_demo_load(campaign):
    assert trail.verify().ok
    plans = AuditRecord.objects.filter(action__startswith="plans.")
    assert set(plans.values_list("source", flat=True)) == {"command:demo"}
    ledger = AuditRecord.objects.filter(action__startswith="ledger.")
    assert ledger.filter(source="command:demo").count() > 300
    # Tasks opened by adopting a demo suggestion name the suggestion (suggestions.actions).
    others = set(ledger.exclude(source="command:demo").values_list("source", flat=True))
    assert all(source.startswith("suggestion:") for source in others)
