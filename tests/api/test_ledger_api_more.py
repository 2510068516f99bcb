"""The rest of the ledger's screens under /api/v1/: the workspace, saved filters, the bulk
reminder, the Excel export and imports, units' webhooks and a plan's versions. Each with
its happy path, the personas it refuses, bad input, and (for lists) a query count that
does not grow with the page."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigndesk import clock
from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import verify
from campaigndesk.campaigns import plans
from campaigndesk.ledger import actions, import_jobs, reminders
from campaigndesk.ledger.import_jobs import run_import_job
from campaigndesk.ledger.models import (
    Delivery,
    ImportJob,
    ImportKind,
    ImportStatus,
    Reminder,
    SavedFilter,
    Task,
    UnitWebhook,
)
from campaigndesk.ledger.periods import ensure_periods
from tests.factories import UnitFactory

from . import test_ledger_api as ledger_api
from .conftest import API

START = dt.date(2018, 10, 8)  # a Monday in phase one
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TASK_HEADER = ["序号", "任务名称", "牵头单位", "配合单位", "责任领导", "开始日期", "完成时限"]


@pytest.fixture(autouse=True)
def on_start_day():
    with clock.frozen_at(dt.datetime.combine(START, dt.time(10), tzinfo=dt.UTC)):
        yield


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Long imports keep the uploaded file for the worker: keep them out of var/."""
    settings.MEDIA_ROOT = tmp_path


class Api(ledger_api.Api):
    """The ledger tests' JSON client, with DELETE/PUT and multipart uploads."""

    def send(self, method, path, body=None):
        return self._send(method, path, body)

    def upload(self, path, data):
        return self.client.post(f"{API}{path}?lang=en", data)


@pytest.fixture
def api(api_client):
    return lambda user: Api(api_client(user))


make_task = ledger_api.make_task


@pytest.fixture
def ledger(world):
    return {
        "gjz": make_task(world, "甘井子区任务", world.ganjingzi),
        "street": make_task(world, "街道任务", world.street, dt.date(2018, 11, 2)),
        "zs": make_task(world, "中山区任务", world.zhongshan, dt.date(2018, 11, 3)),
    }


def error(response, status=422):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def queries_for(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = run()
    assert response.status_code == 200, response.content
    return len(captured)


def many_tasks(world, count, unit=None, start=0):
    unit = unit or world.ganjingzi
    Task.objects.bulk_create(
        Task(
            campaign=world.campaign,
            title=f"任务{start + i}",
            lead_unit=unit,
            unit_path=unit.path,
            starts_on=START,
            deadline=dt.date(2018, 11, 5),
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        for i in range(count)
    )


# --- the workspace ------------------------------------------------------------------------------


def test_workspace_shows_a_unit_what_to_accept_and_the_list_query_finds_it(world, ledger, api):
    body = api(world.gjz_liaison).get("/workspace").json()
    assert body["campaign"]["id"] == world.campaign.pk
    assert body["office_groups"] == []
    groups = {g["key"]: g for g in body["unit_groups"]}
    assert set(groups) == {"to_accept", "red", "due_soon", "reports_due", "reported"}
    to_accept = groups["to_accept"]
    assert [t["id"] for t in to_accept["tasks"]] == [ledger["gjz"].pk, ledger["street"].pk]
    assert to_accept["more"] is False and to_accept["title"] == "To accept"
    # The group's query string lists the whole group on GET /tasks.
    listed = api(world.gjz_liaison).client.get(f"{API}/tasks?{to_accept['tasks_query']}")
    assert [t["id"] for t in listed.json()["items"]] == [ledger["gjz"].pk, ledger["street"].pk]


def test_workspace_shows_the_office_what_waits_for_it(world, ledger, api):
    actions.accept_task(world.zs_liaison, ledger["zs"])
    actions.report_done(world.zs_liaison, ledger["zs"], "done")
    body = api(world.office).get("/workspace", campaign=world.campaign.pk).json()
    assert body["unit_groups"] == []
    groups = {g["key"]: g for g in body["office_groups"]}
    assert [t["id"] for t in groups["to_verify"]["tasks"]] == [ledger["zs"].pk]
    assert groups["plans"]["tasks"] == [] and groups["plans"]["plans"] == []


def test_workspace_limit_cuts_a_group_and_says_there_is_more(world, ledger, api):
    body = api(world.gjz_liaison).get("/workspace", limit=1).json()
    to_accept = next(g for g in body["unit_groups"] if g["key"] == "to_accept")
    assert len(to_accept["tasks"]) == 1 and to_accept["more"] is True


def test_workspace_refuses_who_has_no_role_and_who_is_not_signed_in(world, api):
    error(api(world.nobody).get("/workspace"), 403)
    error(api(world.citizen).get("/workspace"), 401)


def test_workspace_bad_input_is_a_422(world, api):
    assert "campaign" in error(api(world.office).get("/workspace", campaign=999999))["detail"]
    error(api(world.office).get("/workspace", limit=0))
    error(api(world.office).get("/workspace", limit=101))
    error(api(world.office).get("/workspace", campaing=1))


def test_workspace_costs_the_same_for_10_and_100_rows_a_group(world, api):
    client = api(world.gjz_liaison)
    many_tasks(world, 10)
    # warm up: the person, their grants and the current campaign then come from the
    # process cache
    client.get("/workspace", limit=100)
    small = queries_for(lambda: client.get("/workspace", limit=100))
    many_tasks(world, 90, start=10)
    body = client.get("/workspace", limit=100).json()
    assert len(body["unit_groups"][0]["tasks"]) == 100
    assert queries_for(lambda: client.get("/workspace", limit=100)) == small


# --- saved filters ------------------------------------------------------------------------------


def test_save_list_replace_and_delete_a_filter_audited(world, ledger, api):
    me = api(world.gjz_liaison)
    made = me.post("/saved-filters", {"name": " Red  ones ", "query": "light=red&cursor=x"})
    assert made.status_code == 201, made.content
    saved = made.json()
    assert saved["name"] == "Red ones" and saved["query"] == "light=red"
    replaced = me.post("/saved-filters", {"name": "Red ones", "query": "status=assigned"})
    assert replaced.status_code == 200 and replaced.json()["id"] == saved["id"]
    listed = me.get("/saved-filters").json()
    assert [(f["name"], f["query"]) for f in listed["items"]] == [("Red ones", "status=assigned")]
    gone = me.send("delete", f"/saved-filters/{saved['id']}")
    assert gone.status_code == 200 and gone.json()["name"] == "Red ones"
    assert not SavedFilter.objects.exists()
    done = AuditRecord.objects.filter(action__in=["ledger.save_filter", "ledger.delete_filter"])
    assert done.count() == 3
    assert verify().ok


def test_a_filter_saved_on_the_desk_opens_with_get_tasks(world, ledger, api):
    query = f"unit={world.zhongshan.pk}&size=100"
    SavedFilter.objects.create(owner=world.office, name="desk", query=query)
    saved = api(world.office).get("/saved-filters").json()["items"][0]
    assert saved["query"] == f"unit={world.zhongshan.pk}" and "size=100" in saved["url"]
    listed = api(world.office).client.get(f"{API}/tasks?{saved['query']}")
    assert [t["id"] for t in listed.json()["items"]] == [ledger["zs"].pk]


def test_someone_elses_filter_is_neither_listed_nor_deleted(world, api):
    theirs = SavedFilter.objects.create(owner=world.zs_liaison, name="mine", query="light=red")
    assert api(world.gjz_liaison).get("/saved-filters").json()["items"] == []
    error(api(world.gjz_liaison).send("delete", f"/saved-filters/{theirs.pk}"), 404)
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()


def test_saved_filters_refuse_who_has_no_role(world, api):
    error(api(world.nobody).get("/saved-filters"), 403)
    error(api(world.nobody).post("/saved-filters", {"name": "x", "query": "light=red"}), 403)
    error(api(world.citizen).get("/saved-filters"), 401)


def test_saving_a_bad_filter_is_a_422_and_saves_nothing(world, api):
    me = api(world.zs_liaison)
    error(me.post("/saved-filters", {"name": "x", "query": ""}))  # nothing to save
    error(me.post("/saved-filters", {"name": "   ", "query": "light=red"}))
    error(me.post("/saved-filters", {"name": "x" * 61, "query": "light=red"}))
    body = error(me.post("/saved-filters", {"name": "x", "query": f"unit={world.ganjingzi.pk}"}))
    assert body["errors"][0]["loc"] == ["body", "query"]
    error(me.post("/saved-filters", {"name": "x", "query": "light=red", "extra": 1}))
    error(me.send("delete", "/saved-filters/abc"))
    assert not SavedFilter.objects.exists()


def test_saved_filter_list_costs_the_same_for_10_and_50(world, api):
    me = api(world.gjz_liaison)

    def add(start, count):
        SavedFilter.objects.bulk_create(
            SavedFilter(owner=world.gjz_liaison, name=f"f{i:03d}", query="light=red")
            for i in range(start, start + count)
        )

    add(0, 10)
    # warm up: the person and their grants then come from the process cache
    me.get("/saved-filters", limit=200)
    small = queries_for(lambda: me.get("/saved-filters", limit=200))
    add(10, 40)
    assert len(me.get("/saved-filters", limit=200).json()["items"]) == 50
    assert queries_for(lambda: me.get("/saved-filters", limit=200)) == small


# --- the bulk reminder ---------------------------------------------------------------------------


def test_the_office_reminds_named_tasks(world, ledger, api):
    body = {"message": "Report by Friday.", "tasks": [ledger["gjz"].pk, ledger["zs"].pk]}
    response = api(world.office).post("/tasks/remind", body)
    assert response.status_code == 200, response.content
    assert response.json() == {"matched": 2, "sent": 2}
    sent = Reminder.objects.filter(message="Report by Friday.")
    assert set(sent.values_list("task_id", flat=True)) == {ledger["gjz"].pk, ledger["zs"].pk}
    # The same minute again: the same reminders, not sent twice.
    assert api(world.office).post("/tasks/remind", body).json() == {"matched": 2, "sent": 0}
    assert verify().ok


def test_the_office_reminds_every_open_task_of_a_filter(world, ledger, api):
    actions.cancel_task(world.office, ledger["street"], "not needed")
    query = f"unit={world.ganjingzi.pk}"
    response = api(world.office).post("/tasks/remind", {"message": "Hurry.", "query": query})
    assert response.json() == {"matched": 1, "sent": 1}
    assert list(Reminder.objects.values_list("task_id", flat=True)) == [ledger["gjz"].pk]


def test_only_the_office_reminds(world, ledger, api):
    body = {"message": "Hurry.", "tasks": [ledger["gjz"].pk]}
    for persona in (world.gjz_liaison, world.gjz_head, world.leader, world.nobody):
        error(api(persona).post("/tasks/remind", body), 403)
    error(api(world.citizen).post("/tasks/remind", body), 401)
    assert not Reminder.objects.exists()


def test_bulk_reminder_bad_input_is_a_422(world, ledger, api, monkeypatch):
    office = api(world.office)
    task = ledger["gjz"].pk
    error(office.post("/tasks/remind", {"message": "x"}))  # neither ids nor a filter
    error(office.post("/tasks/remind", {"message": "x", "tasks": []}))
    error(office.post("/tasks/remind", {"message": "x", "tasks": [task], "query": "light=red"}))
    error(office.post("/tasks/remind", {"message": " ", "tasks": [task]}))
    error(office.post("/tasks/remind", {"tasks": [task]}))
    assert error(office.post("/tasks/remind", {"message": "x", "tasks": [task, 999999]}))["errors"][
        0
    ]["loc"] == ["body", "tasks"]
    error(office.post("/tasks/remind", {"message": "x", "query": "due_from=soon"}))
    monkeypatch.setattr(reminders, "MAX_MANUAL_BATCH", 1)
    error(office.post("/tasks/remind", {"message": "x", "query": "status=assigned"}))
    office.client.raise_request_exception = False
    response = office.client.post(f"{API}/tasks/remind", "{", content_type="application/json")
    error(response, 400)
    assert not Reminder.objects.exists()


# --- the export --------------------------------------------------------------------------------


def sheet_titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = workbook.worksheets[0]
    return [str(v) for row in ws.iter_rows(values_only=True) for v in row if v]


def test_the_export_holds_the_filtered_tasks(world, ledger, api):
    cells = sheet_titles(api(world.office).get("/tasks/export", unit=world.ganjingzi.pk))
    assert "甘井子区任务" in cells and "街道任务" in cells and "中山区任务" not in cells


def test_a_liaison_exports_only_what_they_see(world, ledger, api):
    cells = sheet_titles(api(world.zs_liaison).get("/tasks/export"))
    assert "中山区任务" in cells and "甘井子区任务" not in cells


def test_the_export_costs_the_same_for_10_and_100_rows(world, api):
    office = api(world.office)
    many_tasks(world, 10)
    # warm up: the person and their grants then come from the process cache
    office.get("/tasks/export")
    small = queries_for(lambda: office.get("/tasks/export"))
    many_tasks(world, 90, start=10)
    assert (
        len([c for c in sheet_titles(office.get("/tasks/export")) if c.startswith("任务")]) == 100
    )
    assert queries_for(lambda: office.get("/tasks/export")) == small


def test_the_export_refuses_who_has_no_role(world, api):
    error(api(world.nobody).get("/tasks/export"), 403)
    error(api(world.citizen).get("/tasks/export"), 401)


def test_the_export_bad_filter_is_a_422(world, api):
    error(api(world.office).get("/tasks/export", status="bogus"))
    error(api(world.office).get("/tasks/export", cursor="abc"))  # not a parameter of it
    error(api(world.zs_liaison).get("/tasks/export", unit=world.ganjingzi.pk))


# --- imports -------------------------------------------------------------------------------------


def workbook(rows, header=TASK_HEADER) -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("tasks.xlsx", out.getvalue(), content_type=XLSX)


def task_row(n, unit="GJZ", deadline="2018-12-31"):
    return [n, f"导入任务{n}", unit, "", "王某", "2018-10-08", deadline]


def test_a_small_import_writes_every_row_audited(world, api):
    file = workbook([task_row(1), task_row(2, "ZS")])
    response = api(world.office).upload(
        "/imports", {"kind": "tasks", "campaign": world.campaign.pk, "file": file}
    )
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "done" and job["finished"] and job["report"]["written"] == 2
    assert set(Task.objects.values_list("title", flat=True)) == {"导入任务1", "导入任务2"}
    assert AuditRecord.objects.filter(action="ledger.create_task").count() == 2
    assert api(world.office).get(f"/imports/{job['id']}").json()["status"] == "done"


def test_a_bad_row_writes_nothing_and_is_reported_row_by_row(world, api):
    file = workbook([task_row(1), task_row(2, "NOWHERE"), task_row(3, deadline="someday")])
    response = api(world.office).upload(
        "/imports", {"kind": "tasks", "campaign": world.campaign.pk, "file": file}
    )
    body = error(response)
    rows = {e["loc"][1] for e in body["errors"]}
    assert rows == {3, 4}  # the sheet's rows (the header is row 1)
    assert all(e["loc"][0] == "file" and e["type"] == "import" for e in body["errors"])
    assert not Task.objects.exists()
    job = api(world.office).get(f"/imports/{body['job']}").json()
    assert job["status"] == "refused" and job["report"]["error_count"] == 2


def test_a_liaison_imports_progress_of_own_tasks(world, accepted, api):
    ensure_periods(world.campaign)
    header = ["任务编号", "任务名称", "报告期", "进度(%)", "进展情况", "存在问题"]
    file = workbook([[accepted.pk, accepted.title, None, 30, "完成调研", ""]], header=header)
    response = api(world.gjz_liaison).upload("/imports", {"kind": "progress", "file": file})
    assert response.status_code == 201, response.content
    accepted.refresh_from_db()
    assert accepted.progress == 30
    assert AuditRecord.objects.filter(action="ledger.report_progress").count() == 1


def test_a_long_import_is_queued_and_followed_to_the_end(world, api):
    rows = [task_row(i) for i in range(1, import_jobs.INLINE_ROWS + 2)]
    response = api(world.office).upload(
        "/imports", {"kind": "tasks", "campaign": world.campaign.pk, "file": workbook(rows)}
    )
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["status"] == "queued" and not job["finished"] and job["report"] is None
    assert not Task.objects.exists()
    run_import_job.call(job["id"])  # what the worker does
    done = api(world.office).get(f"/imports/{job['id']}").json()
    assert done["status"] == "done" and done["done_rows"] == len(rows)
    assert Task.objects.count() == len(rows)
    error(api(world.leader).get(f"/imports/{job['id']}"), 404)  # someone else's


def test_who_may_not_import_is_refused(world, api):
    data = {"kind": "tasks", "campaign": world.campaign.pk, "file": workbook([task_row(1)])}
    error(api(world.gjz_liaison).upload("/imports", data), 403)  # only the office adds tasks
    data = {"kind": "progress", "file": workbook([task_row(1)])}
    error(api(world.office).upload("/imports", data), 403)  # the office reports no progress
    error(api(world.nobody).upload("/imports", data), 403)
    error(api(world.citizen).upload("/imports", data), 401)
    assert not ImportJob.objects.exists()


def test_import_bad_input_is_a_422_and_keeps_nothing(world, api):
    office = api(world.office)
    error(office.upload("/imports", {"kind": "tasks", "file": workbook([task_row(1)])}))
    bad_campaign = {"kind": "tasks", "campaign": 999999, "file": workbook([task_row(1)])}
    error(office.upload("/imports", bad_campaign))
    error(office.upload("/imports", {"kind": "people", "file": workbook([task_row(1)])}))
    error(office.upload("/imports", {"kind": "tasks", "campaign": world.campaign.pk}))
    junk = SimpleUploadedFile("tasks.xlsx", b"not a workbook", content_type=XLSX)
    body = error(
        office.upload("/imports", {"kind": "tasks", "campaign": world.campaign.pk, "file": junk})
    )
    assert body["errors"][0]["loc"] == ["body", "file"]
    assert not ImportJob.objects.exists() and not Task.objects.exists()
    error(office.get("/imports/abc"))


def test_import_templates_for_who_may_use_them(world, api):
    response = api(world.office).get("/imports/templates/tasks", campaign=world.campaign.pk)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    workbook_ = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook_.worksheets
    assert api(world.gjz_liaison).get("/imports/templates/progress").status_code == 200
    error(api(world.gjz_liaison).get("/imports/templates/tasks"), 403)
    error(api(world.nobody).get("/imports/templates/progress"), 403)
    error(api(world.office).get("/imports/templates/people"), 404)
    error(api(world.office).get("/imports/templates/tasks", campaign=999999))


def test_import_list_costs_the_same_for_10_and_100_jobs(world, api):
    me = api(world.office)

    def add(count):
        ImportJob.objects.bulk_create(
            ImportJob(
                created_by=world.office,
                kind=ImportKind.TASKS,
                campaign=world.campaign,
                file_name="x.xlsx",
                language="en",
                status=ImportStatus.REFUSED,
                report={"errors": [{"row": 2, "column": "A", "message": "m"}] * 50},
                created_at=clock.now(),
            )
            for _ in range(count)
        )

    add(10)
    me.get("/imports", limit=200)  # warm up: the person then comes from the process cache
    small = queries_for(lambda: me.get("/imports", limit=200))
    add(90)
    body = me.get("/imports", limit=200).json()
    assert len(body["items"]) == 100 and "report" not in body["items"][0]
    assert queries_for(lambda: me.get("/imports", limit=200)) == small
    assert api(world.leader).get("/imports").json()["items"] == []  # only one's own


# --- webhooks -------------------------------------------------------------------------------------


HOOK = "https://robot.example.com/hook"


def test_a_unit_head_sets_changes_tests_and_removes_the_webhook(world, api):
    head = api(world.gjz_head)
    path = f"/units/{world.ganjingzi.pk}/webhook"
    error(head.get(path), 404)  # none yet
    made = head.send("put", path, {"url": HOOK, "secret": "s3cret"})
    assert made.status_code == 201, made.content
    assert made.json()["secret_set"] is True and "secret" not in made.json()
    changed = head.send("put", path, {"url": HOOK + "2", "is_active": False})  # keeps the secret
    assert changed.status_code == 200
    assert changed.json()["secret_set"] is True and changed.json()["is_active"] is False
    assert UnitWebhook.objects.get().secret == "s3cret"
    queued = head.post(f"{path}/test")
    assert queued.status_code == 202 and queued.json()["delivery"]["event"] == "test"
    shown = head.get(path).json()
    assert shown["url"] == HOOK + "2" and len(shown["recent_deliveries"]) == 1
    cleared = head.send("put", path, {"url": HOOK, "secret": ""})
    assert cleared.json()["secret_set"] is False
    gone = head.send("delete", path)
    assert gone.status_code == 200 and gone.json()["url"] == HOOK
    assert not UnitWebhook.objects.exists() and not Delivery.objects.exists()
    actions_done = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"ledger.webhook.create", "ledger.webhook.update", "ledger.webhook.delete"} <= (
        actions_done
    )
    assert verify().ok


def test_webhooks_keep_the_screens_rules(world, api):
    gjz = f"/units/{world.ganjingzi.pk}/webhook"
    error(api(world.gjz_liaison).send("put", gjz, {"url": HOOK}), 403)  # sees it, may not
    error(api(world.gjz_liaison).get(gjz), 403)
    error(api(world.zs_liaison).send("put", gjz, {"url": HOOK}), 404)  # outside their units
    error(
        api(world.gjz_head).send("put", f"/units/{world.zhongshan.pk}/webhook", {"url": HOOK}), 404
    )
    error(api(world.citizen).get(gjz), 401)
    # The head of a district manages the street below it; the office every unit.
    street = api(world.gjz_head).send("put", f"/units/{world.street.pk}/webhook", {"url": HOOK})
    assert street.status_code == 201
    assert api(world.office).send("put", gjz, {"url": HOOK}).status_code == 201
    error(api(world.gjz_liaison).send("delete", gjz), 403)
    error(api(world.gjz_liaison).post(f"{gjz}/test"), 403)
    assert UnitWebhook.objects.count() == 2


def test_webhook_bad_input_is_a_422(world, api):
    head = api(world.gjz_head)
    path = f"/units/{world.ganjingzi.pk}/webhook"
    error(head.send("put", path, {"url": "ftp://robot.example.com/"}))
    error(head.send("put", path, {"url": "not an address"}))
    error(head.send("put", path, {}))
    error(head.send("put", path, {"url": HOOK, "secret": "x" * 101}))
    error(head.send("put", path, {"url": HOOK, "colour": "red"}))
    error(head.post(f"{path}/test"))  # no address saved yet
    error(head.send("put", "/units/0/webhook", {"url": HOOK}))
    assert not UnitWebhook.objects.exists()


def test_the_webhook_list_keeps_to_the_units_one_manages(world, api):
    for unit in (world.ganjingzi, world.street, world.zhongshan):
        UnitWebhook.objects.create(unit=unit, url=HOOK)
    office = [h["unit"]["id"] for h in api(world.office).get("/webhooks").json()["items"]]
    assert set(office) == {world.ganjingzi.pk, world.street.pk, world.zhongshan.pk}
    head = [h["unit"]["id"] for h in api(world.gjz_head).get("/webhooks").json()["items"]]
    assert head == [world.ganjingzi.pk, world.street.pk]
    error(api(world.gjz_liaison).get("/webhooks"), 403)
    error(api(world.nobody).get("/webhooks"), 403)
    error(api(world.office).get("/webhooks", limit=0))


def test_the_webhook_list_costs_the_same_for_10_and_100(world, api):
    def add(start, count):
        for i in range(start, start + count):
            unit = UnitFactory(code=f"W{i:03d}", parent=world.city)
            UnitWebhook.objects.create(unit=unit, url=HOOK)

    office = api(world.office)
    add(0, 10)
    # warm up: the person and their grants then come from the process cache
    office.get("/webhooks", limit=200)
    small = queries_for(lambda: office.get("/webhooks", limit=200))
    add(10, 90)
    assert len(office.get("/webhooks", limit=200).json()["items"]) == 100
    assert queries_for(lambda: office.get("/webhooks", limit=200)) == small


# --- a plan's versions --------------------------------------------------------------------------


@pytest.fixture
def submitted_plan(world):
    plan = plans.start_plan(world.gjz_liaison, world.campaign, world.ganjingzi)
    plans.add_measure(world.gjz_liaison, plan, title="措施", deadline=dt.date(2018, 12, 14))
    plans.submit_plan(world.gjz_liaison, plan)
    return plan


def test_a_plans_versions_are_listed_latest_first(world, submitted_plan, api):
    plans.return_plan(world.office, submitted_plan, "more detail")
    plans.submit_plan(world.gjz_liaison, submitted_plan)
    body = api(world.gjz_liaison).get(f"/plans/{submitted_plan.pk}/versions").json()
    assert [v["number"] for v in body["items"]] == [2, 1]
    assert body["items"][1]["outcome"] == "returned"
    assert body["items"][0]["measures"][0]["title"] == "措施"


def test_a_plans_versions_are_hidden_outside_its_units(world, submitted_plan, api):
    error(api(world.zs_liaison).get(f"/plans/{submitted_plan.pk}/versions"), 404)
    error(api(world.nobody).get(f"/plans/{submitted_plan.pk}/versions"), 404)
    error(api(world.office).get(f"/plans/{submitted_plan.pk}/versions", limit=500))


def test_plan_versions_cost_the_same_for_few_and_many(world, submitted_plan, api):
    office = api(world.office)
    path = f"/plans/{submitted_plan.pk}/versions"
    # warm up: the person and their grants then come from the process cache
    office.get(path, limit=200)
    small = queries_for(lambda: office.get(path, limit=200))
    for _ in range(5):
        plans.return_plan(world.office, submitted_plan, "again")
        plans.submit_plan(world.gjz_liaison, submitted_plan)
    assert len(office.get(path, limit=200).json()["items"]) == 6
    assert queries_for(lambda: office.get(path, limit=200)) == small


# --- files: progress and completion with attachments, downloads ---------------------------------

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def pdf(name="evidence.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def accepted(world, ledger):
    actions.accept_task(world.gjz_liaison, ledger["gjz"])
    return ledger["gjz"]


def test_progress_with_files_is_saved_and_each_file_downloads(world, accepted, api, token_client):
    path = f"/tasks/{accepted.pk}/progress/upload"
    data = {
        "progress": 40,
        "text": "Half the shops visited.",
        "files": [pdf("a.pdf"), pdf("b.pdf")],
    }
    response = api(world.gjz_liaison).upload(path, data)
    assert response.status_code == 201, response.content
    report = response.json()
    assert report["progress"] == 40 and len(report["attachments"]) == 2
    assert AuditRecord.objects.filter(action="ledger.attach").count() == 2
    download = report["attachments"][0]["download"]
    got = token_client(world.gjz_liaison).get(download)  # a script, with a token
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    error(api(world.zs_liaison).client.get(download), 404)  # not their task
    error(api(world.citizen).client.get(download), 401)
    # A correction in the same period is a 200.
    again = api(world.gjz_liaison).upload(path, {"progress": 50, "text": "More."})
    assert again.status_code == 200 and again.json()["progress"] == 50
    assert verify().ok


def test_report_done_with_evidence(world, accepted, api):
    response = api(world.gjz_liaison).upload(
        f"/tasks/{accepted.pk}/report-done/upload", {"note": "All done.", "files": [pdf()]}
    )
    assert response.status_code == 200, response.content
    task = response.json()
    assert task["status"] == "reported" and [e["name"] for e in task["evidence"]] == [
        "evidence.pdf"
    ]


def test_uploads_keep_the_task_pages_rules(world, accepted, api):
    done = f"/tasks/{accepted.pk}/report-done/upload"
    error(api(world.zs_liaison).upload(done, {"note": "x", "files": [pdf()]}), 404)
    error(api(world.office).upload(done, {"note": "x", "files": [pdf()]}), 403)
    error(api(world.citizen).upload(done, {"note": "x"}), 401)
    progress = f"/tasks/{accepted.pk}/progress/upload"
    error(api(world.office).upload(progress, {"progress": 1, "text": "x"}), 403)
    accepted.refresh_from_db()
    assert accepted.status == "accepted"


def test_a_bad_file_stores_nothing(world, accepted, api):
    me = api(world.gjz_liaison)
    exe = SimpleUploadedFile("evidence.pdf", b"MZ\x90\x00" + b"\x00" * 64)
    body = error(
        me.upload(f"/tasks/{accepted.pk}/report-done/upload", {"note": "x", "files": [pdf(), exe]})
    )
    assert body["errors"][0]["loc"] == ["body", "files"]
    many = {"note": "x", "files": [pdf(f"{i}.pdf") for i in range(11)]}
    error(me.upload(f"/tasks/{accepted.pk}/report-done/upload", many))
    error(me.upload(f"/tasks/{accepted.pk}/report-done/upload", {"files": [pdf()]}))  # no note
    error(me.upload(f"/tasks/{accepted.pk}/progress/upload", {"progress": 101, "text": "x"}))
    error(
        me.upload(
            f"/tasks/{accepted.pk}/progress/upload", {"progress": 1, "text": "x", "period": 999999}
        )
    )
    error(me.client.get(f"{API}/attachments/999999"), 404)
    accepted.refresh_from_db()
    assert accepted.status == "accepted" and not accepted.attachments.exists()
