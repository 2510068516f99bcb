"""Issue #4's bad-input acceptance, in the UI and the API: each bad input is refused with
a message a person can act on, never a 500, and nothing is written (no task, no report,
no audit record, no version bump).

Most cases also have a test beside the feature (test_excel_import, test_task_views,
test_workflow, tests/api/test_ledger_api); this file adds the ones missing there:
more kinds of bad date and junk in an import, a deadline before the start on a split,
a child task outside its parent's unit tree when it is reassigned or split to a unit
the person can see, and illegal state changes across the workflow, screen and API alike.

Imports go through the screen and through POST /api/v1/imports alike.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from campaigndesk import clock
from campaigndesk.audit.models import AuditRecord
from campaigndesk.ledger import actions
from campaigndesk.ledger.models import ImportJob, ImportStatus, ProgressReport, Task, TaskStatus
from campaigndesk.ledger.periods import ensure_periods
from campaigndesk.org.models import UnitKind
from tests.factories import UnitFactory
from tests.ledger.test_excel_import import PROGRESS_HEADER, TASK_HEADER, task_row, xlsx

START = dt.date(2018, 10, 8)  # a Monday
API = "/api/v1"


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


@pytest.fixture(autouse=True)
def on_start_day(settings):
    settings.LANGUAGE_CODE = "en"
    with at(START), translation.override("en"):
        yield


@pytest.fixture
def ui(client_for):
    """A signed-in screen client that reads pages in English."""

    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


class Api:
    def __init__(self, client):
        self.client = client

    def send(self, method: str, path: str, body: dict | None = None):
        return getattr(self.client, method)(
            f"{API}{path}?lang=en", json.dumps(body or {}), content_type="application/json"
        )

    def post(self, path: str, body: dict | None = None):
        return self.send("post", path, body)

    def patch(self, path: str, body: dict | None = None):
        return self.send("patch", path, body)


@pytest.fixture
def api(client_for):
    return lambda user: Api(client_for(user))


def state() -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        list(Task.objects.order_by("pk").values_list("pk", "status", "version", "lead_unit_id")),
        ProgressReport.objects.count(),
        AuditRecord.objects.count(),
        ImportJob.objects.exclude(status=ImportStatus.REFUSED).count(),
    )


def make_task(world, unit, title="梳理营商环境问题清单", deadline=dt.date(2018, 12, 14)):
    return actions.create_task(
        world.office, campaign=world.campaign, title=title, lead_unit=unit, deadline=deadline
    )


@pytest.fixture
def accepted(world):
    ensure_periods(world.campaign)
    return actions.accept_task(world.gjz_liaison, make_task(world, world.ganjingzi))


@pytest.fixture
def second_street(world):
    return UnitFactory(
        code="GJZ-ST2",
        name_zh="甘井子区另一街道",
        name_en="Another street office of Ganjingzi",
        kind=UnitKind.SUBUNIT,
        parent=world.ganjingzi,
    )


@pytest.fixture
def returned_child(world, accepted):
    """Ganjingzi split its task for the street, which returned it as not its own."""
    child = actions.split_task(
        world.gjz_liaison,
        accepted,
        lead_unit=world.street,
        title="街道排查",
        deadline=dt.date(2018, 12, 7),
    )
    return actions.return_task(world.street_liaison, child, "不属于本街道职责")


# --- imports: bad files and bad rows, nothing written ---------------------------------------------


def upload(client, file, kind="tasks", campaign=None):
    data = {"kind": kind, "file": file}
    if campaign is not None:
        data["campaign"] = campaign.pk
    return client.post(reverse("ledger:import"), data)


def refused_rows(world, client, rows) -> list[dict]:
    """The file is read, a row is wrong: refused with a report, nothing written."""
    before = state()
    response = upload(client, xlsx(rows), campaign=world.campaign)
    assert response.status_code == 302, response.content.decode()[-2000:]
    job = ImportJob.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert job.status == ImportStatus.REFUSED
    assert state() == before
    page = client.get(response["Location"])
    assert page.status_code == 200
    for problem in job.report["errors"]:
        # The person reads every problem on the job's page.
        assert problem["message"] in html.unescape(page.content.decode())
    return job.report["errors"]


@pytest.mark.parametrize(
    "value",
    ["2018-02-30", "31/12/2018", "2018-13-01", "下周五", 5, "12.31"],
    ids=["no-such-day", "day-first", "month-13", "words", "a-small-number", "no-year"],
)
def test_an_import_with_a_bad_deadline_is_reported_on_its_row(world, ui, value):
    problems = refused_rows(world, ui(world.office), [task_row(1), task_row(2, deadline=value)])
    assert [(p["row"], p["column"]) for p in problems] == [(3, "完成时限 (G)")]
    assert "is not a date" in problems[0]["message"]


def test_an_import_with_a_bad_start_date_is_reported_on_its_row(world, ui):
    problems = refused_rows(world, ui(world.office), [task_row(1, c5="明天")])
    assert [(p["row"], p["column"]) for p in problems] == [(2, "开始日期 (F)")]
    assert "“明天” is not a date" in problems[0]["message"]


def test_an_import_with_a_deadline_after_the_campaign_is_reported(world, ui):
    problems = refused_rows(world, ui(world.office), [task_row(1, deadline=dt.date(2020, 3, 1))])
    assert [p["row"] for p in problems] == [2]
    assert "after the campaign ends (2019-12-31)" in problems[0]["message"]


def test_an_import_naming_a_unit_of_nobodys_tree_is_reported(world, ui):
    problems = refused_rows(
        world, ui(world.office), [task_row(1, unit="GJZ"), task_row(2, unit="Atlantis")]
    )
    assert [(p["row"], p["column"]) for p in problems] == [(3, "牵头单位 (C)")]
    assert "“Atlantis” is unknown" in problems[0]["message"]


def assert_upload_refused(world, client, file, *fragments, kind):
    before = state()
    response = upload(client, file, kind=kind, campaign=world.campaign)
    assert response.status_code == 400
    text = response.content.decode()
    for fragment in fragments:
        assert fragment in text, text[-3000:]
    assert state() == before
    assert not ImportJob.objects.exists()


def test_a_progress_import_of_ten_megabytes_of_junk_is_refused(world, ui, accepted):
    junk = SimpleUploadedFile("progress.xlsx", os.urandom(10 * 1024 * 1024))
    assert_upload_refused(world, ui(world.gjz_liaison), junk, "progress.xlsx", kind="progress")


def test_a_progress_import_that_is_not_xlsx_is_refused(world, ui, accepted):
    text = SimpleUploadedFile("progress.xlsx", "任务编号,进度\n1,50\n".encode())
    assert_upload_refused(world, ui(world.gjz_liaison), text, "Excel", kind="progress")


def test_a_progress_import_with_the_tasks_columns_is_told_so(world, ui, accepted):
    file = xlsx([task_row(1)], header=TASK_HEADER)
    assert_upload_refused(
        world, ui(world.gjz_liaison), file, "New tasks", "Expected columns", kind="progress"
    )


def test_a_progress_import_with_a_bad_percentage_writes_nothing(world, ui, accepted):
    before = state()
    rows = [[accepted.pk, accepted.title, "", "a lot", "推进中", ""]]
    response = upload(ui(world.gjz_liaison), xlsx(rows, header=PROGRESS_HEADER), kind="progress")
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REFUSED
    assert "“a lot” is not a whole number." in [p["message"] for p in job.report["errors"]]
    assert state() == before


# --- the same files through the API ----------------------------------------------------------------


def api_upload(client, file, kind="tasks", campaign=None):
    data = {"kind": kind, "file": file}
    if campaign is not None:
        data["campaign"] = campaign.pk
    return client.post(f"{API}/imports?lang=en", data)


API_BAD_FILES = {
    "not-xlsx": (lambda: SimpleUploadedFile("tasks.xlsx", b"%PDF-1.4 not a workbook"), 422),
    "wrong-columns": (lambda: xlsx([["x", "GJZ"]], header=["任务名称", "牵头单位", "备注"]), 422),
    "ten-megabytes-of-junk": (
        lambda: SimpleUploadedFile("big.xlsx", os.urandom(10 * 1024 * 1024)),
        422,
    ),
    "more-than-ten-megabytes": (
        lambda: SimpleUploadedFile(
            "bigger.xlsx", b"PK\x03\x04" + b"x" * (10 * 1024 * 1024 + 70_000)
        ),
        413,
    ),
}


@pytest.mark.parametrize("name", list(API_BAD_FILES))
def test_a_bad_import_file_is_refused_by_the_api_and_writes_nothing(world, client_for, name):
    make, status = API_BAD_FILES[name]
    before = state()
    response = api_upload(client_for(world.office), make(), campaign=world.campaign)
    assert response.status_code == status, response.content[:2000]
    assert response.json()["detail"]  # a message, not an empty error
    assert state() == before
    assert not Task.objects.exists()


def test_wrong_columns_through_the_api_name_what_is_missing(world, client_for):
    file = xlsx([["x", "GJZ"]], header=["任务名称", "牵头单位", "备注"])
    response = api_upload(client_for(world.office), file, campaign=world.campaign)
    assert response.status_code == 422
    text = json.dumps(response.json(), ensure_ascii=False)
    assert "完成时限" in text and "备注" in text and "Expected columns" in text


@pytest.mark.parametrize(
    "row, column, fragment",
    [
        (task_row(2, unit="Atlantis"), "牵头单位 (C)", "“Atlantis” is unknown"),
        (task_row(2, deadline="2018-02-30"), "完成时限 (G)", "is not a date"),
        (task_row(2, deadline=dt.date(2018, 10, 1)), "完成时限 (G)", "before the start"),
    ],
    ids=["unknown-unit", "bad-date", "deadline-before-start"],
)
def test_a_bad_row_through_the_api_is_a_422_naming_row_and_column(
    world, client_for, row, column, fragment
):
    before = state()
    response = api_upload(
        client_for(world.office), xlsx([task_row(1), row]), campaign=world.campaign
    )
    assert response.status_code == 422, response.content[:2000]
    body = response.json()
    assert [e["loc"] for e in body["errors"]] == [["file", 3, column]]
    assert fragment in body["errors"][0]["msg"] and body["detail"].startswith(
        "Nothing was imported"
    )
    assert state() == before


# --- a deadline before the start -------------------------------------------------------------------


def test_a_split_due_before_it_starts_is_refused_on_the_screen(world, ui, accepted):
    before = state()
    response = ui(world.gjz_liaison).post(
        reverse("ledger:task_split", args=[accepted.pk]),
        {"split-lead_unit": world.street.pk, "split-title": "x", "split-deadline": "2018-10-01"},
    )
    assert response.status_code == 400
    assert (
        "The deadline (2018-10-01) is before the start (2018-10-08)." in response.content.decode()
    )
    assert state() == before


def test_a_split_due_before_it_starts_is_422_in_the_api(world, api, accepted):
    before = state()
    response = api(world.gjz_liaison).post(
        f"/tasks/{accepted.pk}/split",
        {
            "lead_unit": world.street.pk,
            "title": "x",
            "starts_on": "2018-11-10",
            "deadline": "2018-11-01",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "The deadline (2018-11-01) is before the start (2018-11-10)."
    )
    assert response.json()["errors"][0]["loc"] == ["body", "deadline"]
    assert state() == before


def test_moving_the_start_after_the_deadline_is_refused_on_the_screen_and_in_the_api(
    world, ui, api, accepted
):
    before = state()
    response = api(world.office).patch(
        f"/tasks/{accepted.pk}", {"version": accepted.version, "starts_on": "2018-12-20"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "The deadline (2018-12-14) is before the start (2018-12-20)."
    )
    assert state() == before
    data = {
        "version": accepted.version,
        "title": accepted.title,
        "description": "",
        "key_task": "",
        "phase": "",
        "source_ref": "",
        "responsible_leader": "",
        "starts_on": "2018-12-20",
        "deadline": "2018-12-14",
        "priority": accepted.priority,
    }
    response = ui(world.office).post(reverse("ledger:task_edit", args=[accepted.pk]), data)
    assert response.status_code == 400
    assert "is before the start (2018-12-20)" in response.content.decode()
    assert state() == before


# --- a child task outside its parent's unit tree ---------------------------------------------------


def test_a_returned_child_task_is_reassigned_only_below_its_parents_unit(
    world, returned_child, second_street
):
    for unit in (world.zhongshan, world.ganjingzi):
        with pytest.raises(ValidationError, match="A child task goes to a unit below"):
            actions.reassign_task(world.office, returned_child, unit)
    task = actions.reassign_task(world.office, returned_child, second_street)
    assert (task.lead_unit, task.status) == (second_street, TaskStatus.ASSIGNED)


def test_reassigning_a_child_task_outside_its_parents_tree_is_refused_on_the_screen(
    world, ui, returned_child, second_street
):
    client, before = ui(world.office), state()
    address = reverse("ledger:task_reassign", args=[returned_child.pk])
    offered = client.get(reverse("ledger:task", args=[returned_child.pk])).context["forms"]
    assert second_street in offered["reassign"].fields["lead_unit"].queryset
    assert world.zhongshan not in offered["reassign"].fields["lead_unit"].queryset
    assert world.ganjingzi not in offered["reassign"].fields["lead_unit"].queryset
    # Another district, or the parent's own unit, is not even offered: the form refuses it.
    for unit in (world.zhongshan, world.ganjingzi):
        response = client.post(address, {"reassign-lead_unit": unit.pk})
        assert response.status_code == 400
        assert "lead_unit" in response.context["forms"]["reassign"].errors
    assert state() == before


@pytest.mark.parametrize("outside", ["zhongshan", "ganjingzi"])
def test_reassigning_a_child_task_outside_its_parents_tree_is_422_in_the_api(
    world, api, returned_child, outside
):
    before = state()
    response = api(world.office).post(
        f"/tasks/{returned_child.pk}/reassign", {"unit": getattr(world, outside).pk}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "A child task goes to a unit below Ganjingzi District."
    assert response.json()["errors"][0]["loc"] == ["body", "lead_unit"]
    assert state() == before


def test_splitting_a_street_task_up_to_the_district_is_refused_in_the_api(world, api):
    """The district's liaison sees and may act for the street's task, and sees the district
    itself: the unit is visible, but not below the task's lead unit."""
    street_task = make_task(world, world.street, "街道任务")
    actions.accept_task(world.gjz_liaison, street_task)
    before = state()
    for unit in (world.ganjingzi, world.street):
        response = api(world.gjz_liaison).post(
            f"/tasks/{street_task.pk}/split",
            {"lead_unit": unit.pk, "title": "子任务", "deadline": "2018-11-30"},
        )
        assert response.status_code == 422, response.content
        assert response.json()["detail"] == (
            "A child task goes to a unit below A street office of Ganjingzi."
        )
    assert state() == before


@pytest.mark.parametrize("outside", ["ganjingzi", "street", "zhongshan"])
def test_splitting_a_street_task_outside_its_tree_is_refused_on_the_screen(world, ui, outside):
    street_task = make_task(world, world.street, "街道任务")
    actions.accept_task(world.gjz_liaison, street_task)
    before = state()
    response = ui(world.gjz_liaison).post(
        reverse("ledger:task_split", args=[street_task.pk]),
        {
            "split-lead_unit": getattr(world, outside).pk,
            "split-title": "子任务",
            "split-deadline": "2018-11-30",
        },
    )
    assert response.status_code == 400
    assert "lead_unit" in response.context["forms"]["split"].errors
    assert state() == before


# --- illegal state changes -------------------------------------------------------------------------

# (screen address, its form data, API address, its body, the message in both)
ON_ACCEPTED = [
    ("task_accept", {}, "accept", {}, "A task that is Accepted cannot be accepted."),
    (
        "task_return",
        {"return-reason": "不是我们的"},
        "return",
        {"reason": "不是我们的"},
        "A task that is Accepted cannot be returned.",
    ),
    ("task_close", {}, "close", {}, "A task that is Accepted cannot be closed."),
    (
        "task_send_back",
        {"send_back-reason": "证据不足"},
        "send-back",
        {"reason": "证据不足"},
        "A task that is Accepted cannot be sent back.",
    ),
    (
        "task_reopen",
        {"reopen-reason": "问题反弹"},
        "reopen",
        {"reason": "问题反弹"},
        "A task that is Accepted cannot be reopened.",
    ),
]
ON_CLOSED = [
    ("task_accept", {}, "accept", {}, "A task that is Verified and closed cannot be accepted."),
    (
        "task_report",
        {"report-progress": 50, "report-text": "推进中"},
        "progress",
        {"progress": 50, "text": "推进中"},
        "A task that is Verified and closed cannot be reported on.",
    ),
    (
        "task_done",
        {"done-note": "完成"},
        "report-done",
        {"note": "完成"},
        "A task that is Verified and closed cannot be reported done.",
    ),
    (
        "task_cancel",
        {"cancel-reason": "撤销"},
        "cancel",
        {"reason": "撤销"},
        "A task that is Verified and closed cannot be cancelled.",
    ),
]


def actor_for(world, name: str):
    by_unit = {"task_accept", "task_return", "task_report", "task_done"}
    return world.gjz_liaison if name in by_unit else world.office


@pytest.fixture
def closed(world, accepted):
    actions.report_done(world.gjz_liaison, accepted, "完成，见附件")
    return actions.close_task(world.office, Task.objects.get(pk=accepted.pk))


@pytest.mark.parametrize("case", ON_ACCEPTED, ids=[c[2] for c in ON_ACCEPTED])
def test_an_illegal_step_on_an_accepted_task_is_refused_on_the_screen_and_in_the_api(
    world, ui, api, accepted, case
):
    screen, form, address, body, message = case
    before = state()
    response = ui(actor_for(world, screen)).post(
        reverse(f"ledger:{screen}", args=[accepted.pk]), form
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    response = api(actor_for(world, screen)).post(f"/tasks/{accepted.pk}/{address}", body)
    assert response.status_code == 422
    assert response.json()["detail"] == message
    assert state() == before


@pytest.mark.parametrize("case", ON_CLOSED, ids=[c[2] for c in ON_CLOSED])
def test_an_illegal_step_on_a_closed_task_is_refused_on_the_screen_and_in_the_api(
    world, ui, api, closed, case
):
    screen, form, address, body, message = case
    before = state()
    response = ui(actor_for(world, screen)).post(
        reverse(f"ledger:{screen}", args=[closed.pk]), form
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    response = api(actor_for(world, screen)).post(f"/tasks/{closed.pk}/{address}", body)
    assert response.status_code == 422
    assert response.json()["detail"] == message
    assert state() == before


def test_editing_a_closed_task_is_refused_in_the_api(world, api, closed):
    before = state()
    response = api(world.office).patch(
        f"/tasks/{closed.pk}", {"version": closed.version, "title": "改标题"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "A task that is Verified and closed cannot be edited."
    assert state() == before
