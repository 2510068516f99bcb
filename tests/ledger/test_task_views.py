"""The task page, every action on it, evidence files, and the create and edit forms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from campaigndesk import clock
from campaigndesk.campaigns.models import CalendarDay, KeyTask
from campaigndesk.ledger import actions
from campaigndesk.ledger.models import (
    Attachment,
    Notification,
    ProgressReport,
    Reminder,
    Source,
    Task,
    TaskStatus,
)
from campaigndesk.ledger.models.notices import Escalation, ReminderKind
from campaigndesk.ledger.periods import ensure_periods
from campaigndesk.ledger.views import task as task_views
from campaigndesk.org import access
from campaigndesk.org.models import Role
from tests.factories import CampaignFactory, KeyTaskFactory, UserFactory, grant

START = dt.date(2018, 10, 8)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are compared in English, whatever catalogues are compiled."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def on_start_day():
    with at(START):
        yield


@pytest.fixture
def client_for(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def task(world):
    """A task the office assigned to Ganjingzi, shared with the bureau."""
    return actions.create_task(
        world.office,
        campaign=world.campaign,
        title="梳理营商环境问题清单",
        description="全面排查",
        lead_unit=world.ganjingzi,
        co_units=[world.bureau],
        deadline=dt.date(2018, 12, 14),
        key_task=world.key_task,
        phase=world.phase1,
        source=Source.INSTRUCTION,
        source_ref="大委办〔2018〕1号",
        responsible_leader="王某",
        milestones=[("形成初稿", dt.date(2018, 11, 15))],
    )


@pytest.fixture
def accepted(world, task):
    ensure_periods(world.campaign)
    return actions.accept_task(world.gjz_liaison, task)


def url(name: str, task: Task) -> str:
    return reverse(f"ledger:{name}", args=[task.pk])


def fresh(task: Task) -> Task:
    return Task.objects.get(pk=task.pk)


def pdf(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def errors_of(response) -> str:
    return response.content.decode()


def login_url_in(response) -> bool:
    return response.status_code == 302 and reverse("login") in response["Location"]


# --- the page -----------------------------------------------------------------------------------


def test_office_sees_the_task_page_with_its_facts_milestones_and_history(world, client_for, task):
    response = client_for(world.office).get(url("task", task))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "梳理营商环境问题清单",
        "全面排查",
        "Ganjingzi District",
        "Municipal Science and Technology Bureau",  # the co-unit
        "Key task 1",
        "大委办〔2018〕1号",
        "王某",
        "形成初稿",
        "2018-12-14",
        "ledger.create_task",  # the history
    ):
        assert text in page, text
    offers = response.context["offers"]
    assert offers["remind"] and offers["cancel"] and offers["reassign"] and offers["edit"]
    assert not offers["accept"] and not offers["report"]


def test_page_counts_the_working_days_left_to_the_deadline(world, client_for):
    # From Monday 8 October to Friday 12 October 2018: four working days remain.
    task = actions.create_task(
        world.office,
        campaign=world.campaign,
        title="t",
        lead_unit=world.ganjingzi,
        deadline=dt.date(2018, 10, 12),
    )
    response = client_for(world.office).get(url("task", task))
    assert response.context["days_left"] == 4
    assert "4 working days left." in response.content.decode()
    with at(dt.date(2018, 10, 16)):
        response = client_for(world.office).get(url("task", task))
    assert "Overdue by 2 working days." in response.content.decode()


def test_the_days_left_follow_the_campaigns_own_calendar(world, client_for):
    # Wednesday 10 October 2018 made a day off: three working days remain, not four.
    CalendarDay.objects.create(
        calendar=world.campaign.calendar, date=dt.date(2018, 10, 10), is_workday=False
    )
    task = actions.create_task(
        world.office,
        campaign=world.campaign,
        title="t",
        lead_unit=world.ganjingzi,
        deadline=dt.date(2018, 10, 12),
    )
    response = client_for(world.office).get(url("task", task))
    assert response.context["days_left"] == 3


def test_a_child_task_names_its_parent_and_the_parent_lists_it(world, client_for, accepted):
    child = actions.split_task(
        world.gjz_liaison, accepted, lead_unit=world.street, title="子任务甲", deadline=START
    )
    client = client_for(world.office)
    page = client.get(url("task", child)).content.decode()
    parent_link = f'<a href="{url("task", accepted)}">梳理营商环境问题清单</a>'
    assert page.count(parent_link) == 2  # the breadcrumbs and the details
    page = client.get(url("task", accepted)).content.decode()
    assert (
        f'<tr><td><a href="{url("task", child)}">子任务甲</a></td><td>{world.street.name}</td>'
        '<td class="nowrap">2018-10-08</td><td><span class="badge blue">Assigned</span></td>'
        '<td><span class="badge yellow">Yellow: deadline near or behind schedule</span></td>'
        '<td class="num">0%</td></tr>'
    ) in page
    assert "Rolled up from the child tasks." in page


def test_lead_unit_liaison_is_offered_accept_and_return_for_an_assigned_task(
    world, client_for, task
):
    response = client_for(world.gjz_liaison).get(url("task", task))
    assert response.status_code == 200
    offers = response.context["offers"]
    assert offers["accept"] and offers["return"]
    assert not offers["report"] and not offers["close"] and not offers["edit"]
    assert url("task_accept", task) in response.content.decode()


@pytest.mark.parametrize("person", ["viewer", "leader"])
def test_read_only_roles_see_the_page_without_any_action(world, client_for, task, person):
    response = client_for(getattr(world, person)).get(url("task", task))
    assert response.status_code == 200
    assert response.context["any_action"] is False
    assert "What you can do" not in response.content.decode()


def test_a_co_responsible_unit_sees_the_task_but_may_not_act_on_it(world, client_for, task):
    bureau_liaison = UserFactory(username="kjj_liaison", unit=world.bureau)
    grant(bureau_liaison, Role.LIAISON, world.bureau)
    client = client_for(bureau_liaison)
    assert client.get(url("task", task)).status_code == 200
    assert client.post(url("task_accept", task)).status_code == 403
    assert fresh(task).status == TaskStatus.ASSIGNED


def test_liaison_of_another_district_gets_404_for_a_ganjingzi_task(world, client_for, task):
    assert client_for(world.zs_liaison).get(url("task", task)).status_code == 404


def test_unknown_task_is_404(world, client_for):
    assert client_for(world.office).get(reverse("ledger:task", args=[999999])).status_code == 404
    too_big = reverse("ledger:task", args=[2**70])
    assert client_for(world.office).get(too_big).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_from_the_task_page(world, client_for, task):
    assert login_url_in(client_for(None).get(url("task", task)))
    assert login_url_in(client_for(None).post(url("task_accept", task)))


def test_task_page_refuses_post(world, client_for, task):
    assert client_for(world.office).post(url("task", task)).status_code == 405


ACTION_URLS = [
    "task_accept",
    "task_return",
    "task_report",
    "task_done",
    "task_split",
    "task_close",
    "task_send_back",
    "task_reopen",
    "task_cancel",
    "task_reassign",
    "task_remind",
]


@pytest.mark.parametrize("name", ACTION_URLS)
def test_every_action_refuses_get(world, client_for, task, name):
    assert client_for(world.office).get(url(name, task)).status_code == 405


@pytest.mark.parametrize("name", ACTION_URLS)
def test_every_action_is_404_for_a_liaison_of_another_district(world, client_for, task, name):
    response = client_for(world.zs_liaison).post(url(name, task), {"return-reason": "x"})
    assert response.status_code == 404
    assert fresh(task).version == task.version


@pytest.mark.parametrize("name", ACTION_URLS)
def test_every_action_is_forbidden_to_a_viewer(world, client_for, task, name):
    response = client_for(world.viewer).post(url(name, task), {"cancel-reason": "x"})
    assert response.status_code == 403
    assert fresh(task).version == task.version


# --- accept and return ----------------------------------------------------------------------------


def test_liaison_accepts_the_task(world, client_for, task):
    response = client_for(world.gjz_liaison).post(url("task_accept", task), follow=True)
    assert response.redirect_chain[-1][0] == url("task", task)
    assert "You accepted the task." in response.content.decode()
    task = fresh(task)
    assert task.status == TaskStatus.ACCEPTED
    assert task.accepted_late is False


def test_accepting_a_task_twice_is_refused_with_a_message(world, client_for, accepted):
    response = client_for(world.gjz_liaison).post(url("task_accept", accepted))
    assert response.status_code == 400
    assert "A task that is Accepted cannot be accepted." in errors_of(response)


def test_liaison_returns_the_task_with_a_reason(world, client_for, task):
    response = client_for(world.gjz_liaison).post(
        url("task_return", task), {"return-reason": "属于市科技局职责"}
    )
    assert response.status_code == 302
    task = fresh(task)
    assert task.status == TaskStatus.RETURNED
    assert task.status_reason == "属于市科技局职责"


def test_returning_without_a_reason_is_refused(world, client_for, task):
    response = client_for(world.gjz_liaison).post(url("task_return", task), {"return-reason": " "})
    assert response.status_code == 400
    assert "Say why the task is not your unit&#x27;s." in errors_of(response)
    assert response.context["open_form"] == "return"
    assert fresh(task).status == TaskStatus.ASSIGNED


def test_returning_after_the_time_limit_is_refused(world, client_for, task):
    with at(task.return_by + dt.timedelta(days=1)):
        page = client_for(world.gjz_liaison).get(url("task", task))
        assert page.context["offers"]["return"] is False
        response = client_for(world.gjz_liaison).post(
            url("task_return", task), {"return-reason": "不是我们的"}
        )
    assert response.status_code == 400
    assert "The time to return this task ended" in errors_of(response)


def test_office_reassigns_a_returned_task(world, client_for, task):
    actions.return_task(world.gjz_liaison, task, "不是我们的")
    response = client_for(world.office).post(
        url("task_reassign", task), {"reassign-lead_unit": world.zhongshan.pk}
    )
    assert response.status_code == 302
    task = fresh(task)
    assert task.lead_unit == world.zhongshan
    assert task.status == TaskStatus.ASSIGNED


def test_reassigning_an_accepted_task_is_refused(world, client_for, accepted):
    response = client_for(world.office).post(
        url("task_reassign", accepted), {"reassign-lead_unit": world.zhongshan.pk}
    )
    assert response.status_code == 400
    assert "cannot be reassigned" in errors_of(response)
    assert fresh(accepted).lead_unit == world.ganjingzi


# --- progress, evidence and files ------------------------------------------------------------------


def test_liaison_reports_progress_with_an_attachment(world, client_for, accepted, media):
    client = client_for(world.gjz_liaison)
    response = client.post(
        url("task_report", accepted),
        {
            "report-progress": 40,
            "report-text": "已排查12家企业",
            "report-problems": "人手不足",
            "report-files": [pdf("第一周.pdf")],
        },
        follow=True,
    )
    assert "Your progress report for" in response.content.decode()
    report = ProgressReport.objects.get(task=accepted)
    assert (report.progress, report.text, report.problems) == (40, "已排查12家企业", "人手不足")
    attachment = Attachment.objects.get(report=report)
    assert attachment.name == "第一周.pdf"
    assert str(media) in attachment.file.path
    task = fresh(accepted)
    assert task.status == TaskStatus.IN_PROGRESS and task.progress == 40
    page = response.content.decode()
    assert "已排查12家企业" in page
    assert reverse("ledger:attachment", args=[attachment.pk]) in page


def test_a_second_report_in_the_same_period_corrects_the_first(world, client_for, accepted):
    client = client_for(world.gjz_liaison)
    for progress in (30, 35):
        client.post(url("task_report", accepted), {"report-progress": progress, "report-text": "x"})
    assert list(
        ProgressReport.objects.filter(task=accepted).values_list("progress", flat=True)
    ) == [35]
    page = client.get(url("task", accepted))
    assert page.context["period_report"].progress == 35
    assert "Correct this period's progress report" in page.content.decode()


def test_an_exe_renamed_pdf_is_refused_with_a_clear_message(world, client_for, accepted, media):
    disguised = SimpleUploadedFile("report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200)
    response = client_for(world.gjz_liaison).post(
        url("task_report", accepted),
        {"report-progress": 40, "report-text": "x", "report-files": [disguised]},
    )
    assert response.status_code == 400
    assert "report.pdf is not an accepted file. Send PDF" in errors_of(response)
    assert not ProgressReport.objects.exists()
    assert not Attachment.objects.exists()
    assert not any(media.rglob("*.pdf"))


def test_a_21_mb_file_is_refused_with_a_clear_message(world, client_for, accepted, media):
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (21 * 1024 * 1024))
    response = client_for(world.gjz_liaison).post(
        url("task_done", accepted), {"done-note": "完成", "done-files": [big]}
    )
    assert response.status_code == 400
    assert "scan.pdf is 21.0 MB; files may be at most 20 MB." in errors_of(response)
    assert fresh(accepted).status == TaskStatus.ACCEPTED
    assert not Attachment.objects.exists()


def test_a_report_without_text_is_refused(world, client_for, accepted):
    response = client_for(world.gjz_liaison).post(
        url("task_report", accepted), {"report-progress": 10, "report-text": ""}
    )
    assert response.status_code == 400
    assert "Describe the progress made." in errors_of(response)


def test_progress_over_100_is_refused_by_the_form(world, client_for, accepted):
    response = client_for(world.gjz_liaison).post(
        url("task_report", accepted), {"report-progress": 120, "report-text": "x"}
    )
    assert response.status_code == 400
    assert response.context["forms"]["report"].errors["progress"]


def test_reporting_on_a_task_not_yet_accepted_is_refused(world, client_for, task):
    response = client_for(world.gjz_liaison).post(
        url("task_report", task), {"report-progress": 10, "report-text": "x"}
    )
    assert response.status_code == 400
    assert "A task that is Assigned cannot be reported on." in errors_of(response)


def test_liaison_reports_the_task_done_with_evidence(world, client_for, accepted, media):
    response = client_for(world.gjz_liaison).post(
        url("task_done", accepted),
        {"done-note": "问题清单已形成", "done-files": [pdf("清单.pdf"), pdf("照片.pdf")]},
    )
    assert response.status_code == 302
    task = fresh(accepted)
    assert task.status == TaskStatus.REPORTED and task.progress == 100
    assert task.completion_note == "问题清单已形成"
    assert sorted(a.name for a in task.attachments.all()) == ["清单.pdf", "照片.pdf"]
    page = client_for(world.office).get(url("task", task)).content.decode()
    assert "问题清单已形成" in page and "清单.pdf" in page


def test_reporting_done_without_a_note_is_refused(world, client_for, accepted):
    response = client_for(world.gjz_liaison).post(url("task_done", accepted), {"done-note": ""})
    assert response.status_code == 400
    assert "Describe what was done and where the evidence is." in errors_of(response)


def test_attachment_downloads_for_people_who_see_the_task_only(world, client_for, accepted, media):
    actions.report_done(world.gjz_liaison, accepted, "完成", [pdf("证明.pdf")])
    attachment = Attachment.objects.get()
    address = reverse("ledger:attachment", args=[attachment.pk])
    response = client_for(world.office).get(address)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert client_for(world.zs_liaison).get(address).status_code == 404
    assert login_url_in(client_for(None).get(address))
    assert client_for(world.office).post(address).status_code == 405
    assert client_for(world.office).get(reverse("ledger:attachment", args=[999])).status_code == 404


# --- split --------------------------------------------------------------------------------------


def test_liaison_splits_the_task_for_a_street_office(world, client_for, accepted):
    response = client_for(world.gjz_liaison).post(
        url("task_split", accepted),
        {
            "split-lead_unit": world.street.pk,
            "split-title": "街道排查",
            "split-deadline": "2018-12-07",
            "split-description": "逐户走访",
        },
    )
    assert response.status_code == 302
    child = Task.objects.get(parent=accepted)
    assert (child.lead_unit, child.title, child.source) == (world.street, "街道排查", Source.SPLIT)
    page = client_for(world.gjz_liaison).get(url("task", accepted))
    assert [c.pk for c in page.context["children"]] == [child.pk]
    assert page.context["offers"]["report"] is False  # progress now rolls up from the child
    child_page = client_for(world.street_liaison).get(url("task", child)).content.decode()
    assert url("task", accepted) in child_page  # the parent link


def test_splitting_to_a_unit_outside_the_lead_units_tree_is_refused(world, client_for, accepted):
    response = client_for(world.gjz_liaison).post(
        url("task_split", accepted),
        {"split-lead_unit": world.zhongshan.pk, "split-title": "x", "split-deadline": "2018-12-07"},
    )
    assert response.status_code == 400
    assert "lead_unit" in response.context["forms"]["split"].errors
    assert not Task.objects.filter(parent=accepted).exists()


def test_a_child_due_after_its_parent_is_refused(world, client_for, accepted):
    response = client_for(world.gjz_liaison).post(
        url("task_split", accepted),
        {"split-lead_unit": world.street.pk, "split-title": "x", "split-deadline": "2018-12-20"},
    )
    assert response.status_code == 400
    assert "A child task must be due no later than its parent (2018-12-14)." in errors_of(response)


# --- the office: close, send back, reopen, cancel, remind ----------------------------------------


@pytest.fixture
def reported(world, accepted):
    return actions.report_done(world.gjz_liaison, accepted, "完成")


def test_office_verifies_and_closes_a_reported_task(world, client_for, reported):
    response = client_for(world.office).post(url("task_close", reported), follow=True)
    assert "The task was verified and closed." in response.content.decode()
    assert fresh(reported).status == TaskStatus.CLOSED


def test_closing_a_task_not_reported_done_is_refused(world, client_for, accepted):
    response = client_for(world.office).post(url("task_close", accepted))
    assert response.status_code == 400
    assert "A task that is Accepted cannot be closed." in errors_of(response)


def test_office_sends_a_task_back_with_a_reason(world, client_for, reported):
    response = client_for(world.office).post(
        url("task_send_back", reported), {"send_back-reason": "缺少照片"}
    )
    assert response.status_code == 302
    task = fresh(reported)
    assert task.status == TaskStatus.IN_PROGRESS and task.reopen_count == 1


def test_sending_back_without_a_reason_is_refused(world, client_for, reported):
    response = client_for(world.office).post(
        url("task_send_back", reported), {"send_back-reason": ""}
    )
    assert response.status_code == 400
    assert "Say what is missing." in errors_of(response)
    assert fresh(reported).status == TaskStatus.REPORTED


def test_office_reopens_a_closed_task(world, client_for, reported):
    actions.close_task(world.office, reported)
    response = client_for(world.office).post(
        url("task_reopen", reported), {"reopen-reason": "问题反弹"}
    )
    assert response.status_code == 302
    assert fresh(reported).status == TaskStatus.IN_PROGRESS


def test_reopening_an_open_task_is_refused(world, client_for, accepted):
    response = client_for(world.office).post(url("task_reopen", accepted), {"reopen-reason": "x"})
    assert response.status_code == 400
    assert "cannot be reopened" in errors_of(response)


def test_office_cancels_a_task_with_a_reason(world, client_for, task):
    response = client_for(world.office).post(url("task_cancel", task), {"cancel-reason": "合并"})
    assert response.status_code == 302
    assert fresh(task).status == TaskStatus.CANCELLED


def test_cancelling_without_a_reason_is_refused(world, client_for, task):
    response = client_for(world.office).post(url("task_cancel", task), {"cancel-reason": ""})
    assert response.status_code == 400
    assert "Say why the task is cancelled." in errors_of(response)
    assert fresh(task).status == TaskStatus.ASSIGNED


def test_a_unit_may_not_cancel_its_own_task(world, client_for, task):
    response = client_for(world.gjz_liaison).post(url("task_cancel", task), {"cancel-reason": "x"})
    assert response.status_code == 403


def test_office_sends_a_reminder_that_reaches_the_liaisons_inbox(world, client_for, task):
    client = client_for(world.office)
    response = client.post(url("task_remind", task), {"remind-message": "请尽快签收"})
    assert response.status_code == 302
    reminder = Reminder.objects.get(task=task)
    assert reminder.message == "请尽快签收" and reminder.sent_by == world.office
    assert Notification.objects.filter(recipient=world.gjz_liaison, reminder=reminder).exists()
    page = client.get(url("task", task)).content.decode()
    assert "请尽快签收" in page and "Reminded once" in page
    # A double click the same minute does not remind twice.
    again = client.post(url("task_remind", task), {"remind-message": "请尽快签收"})
    assert again.status_code == 400
    assert Reminder.objects.filter(task=task).count() == 1


def test_a_reminder_without_a_message_is_refused(world, client_for, task):
    response = client_for(world.office).post(url("task_remind", task), {"remind-message": ""})
    assert response.status_code == 400
    assert "Write what you want the unit to do." in errors_of(response)
    assert not Reminder.objects.exists()


# --- create -------------------------------------------------------------------------------------


def create_data(world, **overrides):
    data = {
        "campaign": world.campaign.pk,
        "title": "优化审批流程",
        "description": "压缩审批时限",
        "key_task": world.key_task.pk,
        "phase": world.phase1.pk,
        "source": Source.MEETING,
        "source_ref": "第3次会议",
        "lead_unit": world.ganjingzi.pk,
        "co_units": [world.bureau.pk, world.zhongshan.pk],
        "responsible_leader": "李某",
        "starts_on": "2018-10-08",
        "deadline": "2018-11-30",
        "priority": 1,
        "milestones-TOTAL_FORMS": "3",
        "milestones-INITIAL_FORMS": "0",
        "milestones-0-title": "方案",
        "milestones-0-due": "2018-10-31",
        "milestones-1-title": "",
        "milestones-1-due": "",
        "milestones-2-title": "",
        "milestones-2-due": "",
    }
    data.update(overrides)
    return data


def test_office_opens_the_create_form(world, client_for):
    response = client_for(world.office).get(reverse("ledger:task_new"))
    assert response.status_code == 200
    assert response.context["form"]["campaign"].value() == world.campaign.pk


def test_office_creates_a_task_with_co_units_and_milestones(world, client_for):
    response = client_for(world.office).post(reverse("ledger:task_new"), create_data(world))
    task = Task.objects.get(title="优化审批流程")
    assert response.status_code == 302 and response["Location"] == url("task", task)
    assert task.lead_unit == world.ganjingzi and task.source == Source.MEETING
    assert task.deadline == dt.date(2018, 11, 30) and task.priority == 1
    assert {u.pk for u in task.co_units.all()} == {world.bureau.pk, world.zhongshan.pk}
    assert [(m.title, m.due) for m in task.milestones.all()] == [("方案", dt.date(2018, 10, 31))]


def test_a_deadline_before_the_start_is_refused_with_the_actions_message(world, client_for):
    response = client_for(world.office).post(
        reverse("ledger:task_new"), create_data(world, deadline="2018-10-01")
    )
    assert response.status_code == 400
    assert "The deadline (2018-10-01) is before the start (2018-10-08)." in errors_of(response)
    assert not Task.objects.exists()


def test_a_key_task_of_another_campaign_is_refused(world, client_for):
    other = KeyTaskFactory(campaign=CampaignFactory(), number=1)
    response = client_for(world.office).post(
        reverse("ledger:task_new"), create_data(world, key_task=other.pk)
    )
    assert response.status_code == 400
    assert "This belongs to another campaign." in errors_of(response)
    assert KeyTask.objects.count() == 2


def test_a_milestone_without_a_date_is_refused(world, client_for):
    response = client_for(world.office).post(
        reverse("ledger:task_new"), create_data(world, **{"milestones-0-due": ""})
    )
    assert response.status_code == 400
    assert "Give the milestone a date." in errors_of(response)


@pytest.mark.parametrize("person", ["gjz_liaison", "viewer", "leader"])
def test_only_the_office_may_create_tasks(world, client_for, person):
    client = client_for(getattr(world, person))
    assert client.get(reverse("ledger:task_new")).status_code == 403
    assert client.post(reverse("ledger:task_new"), create_data(world)).status_code == 403
    assert not Task.objects.exists()


def test_anonymous_visitor_is_sent_to_sign_in_from_the_create_form(world, client_for):
    assert login_url_in(client_for(None).get(reverse("ledger:task_new")))


def test_create_form_refuses_put(world, client_for):
    assert client_for(world.office).put(reverse("ledger:task_new")).status_code == 405


# --- edit ---------------------------------------------------------------------------------------


def edit_data(task: Task, **overrides):
    data = {
        "version": task.version,
        "title": task.title,
        "description": task.description,
        "key_task": task.key_task_id or "",
        "phase": task.phase_id or "",
        "source_ref": task.source_ref,
        "responsible_leader": task.responsible_leader,
        "starts_on": task.starts_on.isoformat(),
        "deadline": task.deadline.isoformat(),
        "priority": task.priority,
    }
    data.update(overrides)
    return data


def test_office_edits_a_task_and_the_version_moves_on(world, client_for, task):
    client = client_for(world.office)
    form_page = client.get(url("task_edit", task))
    assert form_page.status_code == 200
    assert f'name="version" value="{task.version}"' in form_page.content.decode()
    response = client.post(url("task_edit", task), edit_data(task, deadline="2018-12-21"))
    assert response.status_code == 302
    saved = fresh(task)
    assert saved.deadline == dt.date(2018, 12, 21)
    assert saved.version == task.version + 1


def test_editing_a_deadline_before_the_start_is_refused(world, client_for, task):
    response = client_for(world.office).post(
        url("task_edit", task), edit_data(task, deadline="2018-10-01")
    )
    assert response.status_code == 400
    assert "is before the start" in errors_of(response)
    assert fresh(task).deadline == dt.date(2018, 12, 14)


def test_saving_the_form_unchanged_writes_nothing(world, client_for, task):
    response = client_for(world.office).post(url("task_edit", task), edit_data(task), follow=True)
    assert "Nothing was changed." in response.content.decode()
    assert fresh(task).version == task.version


def test_a_unit_edits_the_child_task_it_split_off_but_not_its_own_task(world, client_for, accepted):
    child = actions.split_task(
        world.gjz_liaison, accepted, lead_unit=world.street, title="街道", deadline=START
    )
    client = client_for(world.gjz_liaison)
    assert client.get(url("task_edit", child)).status_code == 200
    assert client.get(url("task_edit", accepted)).status_code == 403
    assert client_for(world.street_liaison).get(url("task_edit", child)).status_code == 403


def test_edit_form_is_404_for_a_liaison_of_another_district(world, client_for, task):
    assert client_for(world.zs_liaison).get(url("task_edit", task)).status_code == 404


def test_edit_form_is_forbidden_to_a_viewer(world, client_for, task):
    assert client_for(world.viewer).get(url("task_edit", task)).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in_from_the_edit_form(world, client_for, task):
    assert login_url_in(client_for(None).get(url("task_edit", task)))


def test_edit_form_refuses_delete(world, client_for, task):
    assert client_for(world.office).delete(url("task_edit", task)).status_code == 405


# --- query counts -------------------------------------------------------------------------------


def _page_queries(client, task, monkeypatch) -> tuple[object, list[str]]:
    """The page and the queries its view ran: the per-request frame (session, person,
    their grants) is counted by other tests, and changes without this page."""
    captured = CaptureQueriesContext(connection)
    start: list[int] = []
    load = task_views._task_for_page

    def spy(user, pk):
        access.grants(user)  # the frame's, whenever it is read
        start.append(len(captured.captured_queries))
        return load(user, pk)

    monkeypatch.setattr(task_views, "_task_for_page", spy)
    with captured:
        response = client.get(url("task", task))
    assert response.status_code == 200
    return response, [q["sql"] for q in captured.captured_queries[start[0] :]]


@pytest.mark.parametrize("n", [2, 20])
def test_task_page_query_count_is_the_same_for_2_and_20_children(
    world, client_for, accepted, monkeypatch, n
):
    for i in range(n):
        actions.split_task(
            world.gjz_liaison, accepted, lead_unit=world.street, title=f"子任务{i}", deadline=START
        )
    client = client_for(world.office)
    client.get(url("task", accepted))  # warm the content-type cache
    response, queries = _page_queries(client, accepted, monkeypatch)
    # 1 the task with its campaign and lead unit, 2 everything else the page lists or
    # names (task_page.read), 3 the history records. (The campaign, key task, phase,
    # unit and person the history names were read by the warm-up request, one query per
    # model, and are kept per process until one of them changes.)
    assert len(queries) == 3, "\n".join(q[:150] for q in queries)
    assert len(response.context["children"]) == n
    assert response.content.decode().count(f"{world.street.name}</td>") == n


@pytest.mark.parametrize("n", [2, 20])
def test_task_page_query_count_is_the_same_for_2_and_20_reports(
    world, client_for, accepted, media, monkeypatch, n
):
    # The history shows the last 20 changes and names what their foreign keys point at;
    # 20 edits first give both cases the same kind of records in that window.
    for i in range(20):
        task = Task.objects.get(pk=accepted.pk)
        actions.update_task(world.office, task, {"responsible_leader": f"王{i}"}, task.version)
    accepted = Task.objects.get(pk=accepted.pk)
    periods = list(world.campaign.reporting_periods.filter(starts_on__gte=START)[:n])
    for period in periods:
        with at(period.ends_on):
            actions.report_progress(
                world.gjz_liaison,
                accepted,
                period,
                progress=min(90, 5 * period.number),
                text=f"第{period.number}期",
                files=[pdf(f"p{period.number}.pdf")],
            )
    client = client_for(world.office)
    with at(periods[-1].ends_on):
        client.get(url("task", accepted))  # warm the content-type cache
        # 1 the task, 2 its lists with the reports, their periods, authors and files,
        # and the current period, 3 the history records (none naming another object).
        response, queries = _page_queries(client, accepted, monkeypatch)
    assert len(queries) == 3, "\n".join(q[:150] for q in queries)
    reports = response.context["reports"]
    assert len(reports) == n
    assert [r.period.number for r in reports] == sorted((p.number for p in periods), reverse=True)
    page = response.content.decode()
    assert page.count('.pdf</a> <span class="muted">') == n
    assert f"p{periods[0].number}.pdf" in page and f"第{periods[-1].number}期" in page


def test_the_page_shows_the_first_100_children_by_deadline(world, client_for, accepted):
    first = actions.split_task(
        world.gjz_liaison, accepted, lead_unit=world.street, title="子任务", deadline=START
    )
    copies = []
    for i in range(100):  # copies of the first, due a day later each (written directly)
        copy = Task.objects.get(pk=first.pk)
        copy.pk, copy.title = None, f"子任务{i:03d}"
        copy.deadline = START + dt.timedelta(days=1 + i // 2)
        copies.append(copy)
    Task.objects.bulk_create(copies)
    response = client_for(world.office).get(url("task", accepted))
    shown = response.context["children"]
    assert len(shown) == 100 and response.context["more_children"]
    assert [c.title for c in shown] == ["子任务"] + [f"子任务{i:03d}" for i in range(99)]
    assert "Showing the first 100 child tasks." in response.content.decode()


def test_a_liaison_on_a_child_task_reads_its_parent_with_the_page(
    world, client_for, accepted, monkeypatch
):
    # The edit rule and the reassign form read the parent's lead unit: it comes with the
    # page's lists, not in two more queries (the parent, then its unit).
    child = actions.split_task(
        world.gjz_liaison, accepted, lead_unit=world.street, title="子任务甲", deadline=START
    )
    client = client_for(world.gjz_liaison)
    client.get(url("task", child))  # warm the content-type cache
    response, queries = _page_queries(client, child, monkeypatch)
    assert response.context["offers"]["edit"]  # a unit edits the child task it split off
    # 1 the task, 2 its lists and names, 3 the history records, 4 the parent task the
    # child's creation names (the campaign, key task, phase, unit and person it names
    # are kept per process since the warm-up request).
    assert len(queries) == 4, "\n".join(q[:150] for q in queries)


@pytest.mark.parametrize("n", [2, 25])
def test_task_page_query_count_is_the_same_for_2_and_25_reminders(
    world, client_for, task, monkeypatch, n
):
    for i in range(n):
        Reminder.objects.create(
            task=task,
            kind=ReminderKind.MANUAL,
            level=Escalation.LIAISON,
            key=f"manual:{i}",
            message=f"请加快进度{i}",
            sent_by=world.office if i % 2 else None,
            created_at=clock.now() + dt.timedelta(minutes=i),
        )
    client = client_for(world.office)
    client.get(url("task", task))  # warm the content-type cache
    response, queries = _page_queries(client, task, monkeypatch)
    # 1 the task, 2 its lists with the reminders and who sent them, 3 the units the
    # reassign form offers (the task is still assigned), 4 the history records (the
    # campaign, key task, phase, unit and person it names are kept per process since
    # the warm-up request).
    assert len(queries) == 4, "\n".join(q[:150] for q in queries)
    shown = response.context["reminders"]
    assert len(shown) == min(n, 20)
    # The last ones, newest first.
    assert [r.message for r in shown] == [f"请加快进度{i}" for i in reversed(range(n))][:20]
    page = response.content.decode()
    assert f"请加快进度{n - 1}" in page
    assert ("Showing the last 20 reminders." in page) == (n > 20)
