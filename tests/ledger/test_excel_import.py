"""Importing tasks and progress from Excel: every row checked first, all or nothing,
through the audited actions, with a clear report for every kind of bad file."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.urls import reverse

from campaigndesk import clock
from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import verify
from campaigndesk.ledger import actions, import_jobs, importing
from campaigndesk.ledger.import_jobs import run_import_job, start_import
from campaigndesk.ledger.models import (
    ImportJob,
    ImportKind,
    ImportStatus,
    ProgressReport,
    Source,
    Task,
    TaskStatus,
)
from campaigndesk.ledger.periods import ensure_periods, lock_period, period_on

MOMENT = dt.datetime(2018, 10, 8, 10, tzinfo=dt.UTC)
TASK_HEADER = [
    "序号",
    "任务名称",
    "牵头单位",
    "配合单位",
    "责任领导",
    "开始日期",
    "完成时限",
    "重点任务",
    "任务来源",
]
PROGRESS_HEADER = ["任务编号", "任务名称", "报告期", "进度(%)", "进展情况", "存在问题"]


def xlsx(rows, header=TASK_HEADER, name="tasks.xlsx", title_row=False) -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任务"
    if title_row:
        ws.append(["某某活动任务台账"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def task_row(n: int, unit="GJZ", deadline=dt.date(2018, 12, 31), **extra):
    row = [n, f"导入任务{n}", unit, "", "王某", dt.date(2018, 10, 8), deadline, "", ""]
    for index, value in extra.items():
        row[int(index[1:])] = value
    return row


@pytest.fixture
def client_for(client_for):
    """The shared `client_for`, reading pages in English (the messages below are English)."""

    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def frozen():
    with clock.frozen_at(MOMENT):
        yield


def upload(client, file, kind="tasks", campaign=None):
    data = {"kind": kind, "file": file}
    if campaign is not None:
        data["campaign"] = campaign.pk
    return client.post(reverse("ledger:import"), data)


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])


def problems(job: ImportJob) -> list[dict]:
    return job.report["errors"]


# --- tasks -------------------------------------------------------------------------------------


def test_a_valid_file_creates_every_task_through_the_audited_action(world, frozen, client_for):
    file = xlsx(
        [
            [
                1,
                "梳理营商环境问题",
                "GJZ",
                "中山区、KJJ",
                "王某",
                "2018-10-10",
                "2018-12-31",
                1,
                "会议决定",
            ],
            [
                2,
                "建设人才公寓",
                "甘井子区",
                None,
                None,
                None,
                dt.datetime(2018, 11, 30),
                None,
                None,
            ],
            [None, None, None, None, None, None, None, None, None],  # an empty row is skipped
            [
                3,
                "  整治道路  ",
                "zs",
                "Municipal Science and Technology Bureau",
                "李某",
                None,
                "2018/12/1",
                "重点任务1",
                "Leader's instruction",
            ],
        ],
        title_row=True,  # offices put a title above the header
    )
    job = job_of(upload(client_for(world.office), file, campaign=world.campaign))
    assert job.status == ImportStatus.DONE, job.report
    assert job.report["written"] == 3
    tasks = {t.title: t for t in Task.objects.filter(campaign=world.campaign)}
    assert set(tasks) == {"梳理营商环境问题", "建设人才公寓", "整治道路"}
    first = tasks["梳理营商环境问题"]
    assert first.lead_unit == world.ganjingzi
    assert set(first.co_units.all()) == {world.zhongshan, world.bureau}
    assert first.starts_on == dt.date(2018, 10, 10)
    assert first.deadline == dt.date(2018, 12, 31)
    assert first.key_task == world.key_task
    assert first.source == Source.MEETING
    assert tasks["建设人才公寓"].starts_on == MOMENT.date()
    assert tasks["整治道路"].lead_unit == world.zhongshan
    assert tasks["整治道路"].deadline == dt.date(2018, 12, 1)
    created = AuditRecord.objects.filter(action="ledger.create_task")
    assert created.count() == 3
    assert {r.source for r in created} == {f"import:{job.pk}"}
    assert verify().ok


def test_the_tasks_template_filled_in_imports(world, frozen, client_for):
    client = client_for(world.office)
    response = client.get(
        reverse("ledger:import_template", args=["tasks"]), {"campaign": world.campaign.pk}
    )
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    data = wb.worksheets[0]
    assert len(wb.sheetnames) == 3  # data, instructions, the hidden lists
    assert wb.worksheets[2].sheet_state == "hidden"
    assert data.data_validations.dataValidation  # drop-down lists of units and sources
    header = [c.value for c in data[1]]
    assert header[0].endswith("*")  # required columns are marked
    data.append(["新任务", world.ganjingzi.name, None, "王某", None, dt.date(2018, 12, 1)])
    out = io.BytesIO()
    wb.save(out)
    file = SimpleUploadedFile("filled.xlsx", out.getvalue())
    job = job_of(upload(client, file, campaign=world.campaign))
    assert job.status == ImportStatus.DONE, job.report
    assert Task.objects.get().title == "新任务"


def assert_refused_with(world, client, file, *fragments, kind="tasks"):
    """The upload is refused on the form (status 400) and nothing is written."""
    before = (Task.objects.count(), ProgressReport.objects.count(), AuditRecord.objects.count())
    response = upload(client, file, kind=kind, campaign=world.campaign)
    assert response.status_code == 400
    text = response.content.decode()
    for fragment in fragments:
        assert fragment in text, text[-3000:]
    after = (Task.objects.count(), ProgressReport.objects.count(), AuditRecord.objects.count())
    assert after == before
    assert not ImportJob.objects.exists()


def test_a_file_that_is_not_xlsx_is_refused(world, client_for):
    pdf = SimpleUploadedFile("tasks.xlsx", b"%PDF-1.4 not a workbook")
    assert_refused_with(world, client_for(world.office), pdf, "tasks.xlsx", "Excel")


def test_a_renamed_exe_is_refused(world, client_for):
    exe = SimpleUploadedFile("tasks.xlsx", b"MZ\x90\x00" + os.urandom(4000))
    assert_refused_with(world, client_for(world.office), exe, "not an accepted file")


def test_an_old_xls_file_is_told_to_save_as_xlsx(world, client_for):
    xls = SimpleUploadedFile("tasks.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert_refused_with(world, client_for(world.office), xls, ".xlsx")


def test_ten_megabytes_of_junk_are_refused(world, client_for):
    junk = SimpleUploadedFile("big.xlsx", os.urandom(10 * 1024 * 1024))
    assert_refused_with(world, client_for(world.office), junk, "big.xlsx")
    bigger = SimpleUploadedFile("bigger.xlsx", b"PK\x03\x04" + b"x" * (10 * 1024 * 1024))
    assert_refused_with(world, client_for(world.office), bigger, "10 MB")


def test_a_zip_that_only_looks_like_xlsx_is_refused(world, client_for):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("xl/workbook.xml", "<not-xml")
    file = SimpleUploadedFile("fake.xlsx", out.getvalue())
    assert_refused_with(world, client_for(world.office), file, "Excel")


def test_wrong_columns_name_what_is_missing_and_what_was_found(world, client_for):
    file = xlsx([["x", "GJZ"]], header=["任务名称", "牵头单位", "备注"])
    assert_refused_with(
        world, client_for(world.office), file, "完成时限", "Deadline", "备注", "Expected columns"
    )


def test_a_file_without_any_header_is_refused(world, client_for):
    file = xlsx([["a", "b"]], header=["foo", "bar"])
    assert_refused_with(world, client_for(world.office), file, "foo", "Expected columns")


def test_a_progress_file_uploaded_as_tasks_is_told_so(world, client_for):
    file = xlsx([[1, "x", 1, 50, "done"]], header=PROGRESS_HEADER)
    assert_refused_with(world, client_for(world.office), file, "Progress reports")


def test_more_rows_than_allowed_are_refused(world, client_for, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 30)
    file = xlsx([task_row(i) for i in range(31)])
    assert_refused_with(world, client_for(world.office), file, "more than 30 rows")


def refused_job(world, client, rows, **kwargs) -> ImportJob:
    """The file is read but a row is wrong: the job is refused and nothing is written."""
    tasks_before, audit_before = Task.objects.count(), AuditRecord.objects.count()
    job = job_of(upload(client, xlsx(rows, **kwargs), campaign=world.campaign))
    assert job.status == ImportStatus.REFUSED
    assert Task.objects.count() == tasks_before
    assert AuditRecord.objects.count() == audit_before
    return job


def test_an_unknown_unit_is_reported_by_row_and_column(world, frozen, client_for):
    job = refused_job(world, client_for(world.office), [task_row(1), task_row(2, unit="火星区")])
    assert problems(job) == [
        {
            "row": 3,
            "column": "牵头单位 (C)",
            "message": "The unit “火星区” is unknown. Use a unit's code or its full name.",
        }
    ]


def test_bad_dates_are_reported(world, frozen, client_for):
    job = refused_job(
        world,
        client_for(world.office),
        [task_row(1, deadline="next week"), task_row(2, deadline=None)],
    )
    assert [(p["row"], p["column"]) for p in problems(job)] == [
        (2, "完成时限 (G)"),
        (3, "完成时限 (G)"),
    ]
    assert "is not a date" in problems(job)[0]["message"]
    assert "required" in problems(job)[1]["message"]


def test_a_deadline_before_the_start_is_reported(world, frozen, client_for):
    row = task_row(1, deadline=dt.date(2018, 10, 1))
    job = refused_job(world, client_for(world.office), [row])
    assert problems(job)[0]["row"] == 2
    assert "before the start" in problems(job)[0]["message"]


def test_formulas_and_error_cells_are_junk_with_a_message(world, frozen, client_for):
    job = refused_job(
        world,
        client_for(world.office),
        [task_row(1, c6="=TODAY()+30"), task_row(2, c1="#N/A")],
    )
    messages = [p["message"] for p in problems(job)]
    assert any("formula (=TODAY()+30)" in m for m in messages)
    assert any("error value (#N/A)" in m for m in messages)


def test_one_bad_row_among_fifty_writes_nothing(world, frozen, client_for):
    rows = [task_row(i) for i in range(1, 51)]
    rows[36] = task_row(37, unit="NOWHERE")
    job = refused_job(world, client_for(world.office), rows)
    assert [p["row"] for p in problems(job)] == [38]
    assert job.report["rows"] == 50


def test_a_file_imported_twice_is_refused_the_second_time(world, frozen, client_for):
    client = client_for(world.office)
    assert job_of(upload(client, xlsx([task_row(1)]), campaign=world.campaign)).status == "done"
    job = refused_job(world, client, [task_row(1)])
    assert "already on the ledger" in problems(job)[0]["message"]


def test_an_action_refusing_a_row_rolls_back_every_row(world, frozen, client_for, monkeypatch):
    real = actions.create_task
    calls = []

    def create_task(actor, **kwargs):
        calls.append(kwargs["title"])
        if len(calls) == 3:
            raise ValidationError("The office closed this campaign a minute ago.")
        return real(actor, **kwargs)

    monkeypatch.setattr(actions, "create_task", create_task)
    job = refused_job(world, client_for(world.office), [task_row(i) for i in range(1, 6)])
    assert len(calls) == 3  # two rows were written, then rolled back with the third
    assert problems(job) == [
        {"row": 4, "column": "", "message": "The office closed this campaign a minute ago."}
    ]


def test_a_liaison_cannot_import_tasks(world, client_for):
    client = client_for(world.gjz_liaison)
    response = upload(client, xlsx([task_row(1)]), kind="tasks", campaign=world.campaign)
    assert response.status_code == 400  # "tasks" is not a choice they are offered
    assert not Task.objects.exists() and not ImportJob.objects.exists()
    template = client.get(reverse("ledger:import_template", args=["tasks"]))
    assert template.status_code == 403
    with pytest.raises(PermissionDenied):  # the domain refuses too
        start_import(world.gjz_liaison, "tasks", xlsx([task_row(1)]), campaign=world.campaign)


# --- progress ----------------------------------------------------------------------------------


@pytest.fixture
def accepted(world, frozen):
    ensure_periods(world.campaign)
    made = {}
    for name, unit, liaison in (
        ("gjz", world.ganjingzi, world.gjz_liaison),
        ("street", world.street, world.street_liaison),
        ("zs", world.zhongshan, world.zs_liaison),
    ):
        task = actions.create_task(
            world.office,
            campaign=world.campaign,
            title=f"{name} 任务",
            lead_unit=unit,
            deadline=dt.date(2018, 12, 31),
        )
        actions.accept_task(liaison, task)
        made[name] = task
    return made


def test_a_liaison_reports_progress_of_own_tasks(world, accepted, client_for):
    gjz, street = accepted["gjz"], accepted["street"]
    period = period_on(world.campaign, MOMENT.date())
    file = xlsx(
        [
            [gjz.pk, gjz.title, None, 30, "完成调研", "资金不足"],
            [street.pk, street.title, period.number, "50%", "街道完成摸排", None],
            [accepted["zs"].pk, "没填", None, None, None, None],  # only a number: skipped
        ],
        header=PROGRESS_HEADER,
        name="progress.xlsx",
    )
    job = job_of(upload(client_for(world.gjz_liaison), file, kind="progress"))
    assert job.status == ImportStatus.DONE, job.report
    assert job.report["skipped"] == 1
    gjz.refresh_from_db()
    assert gjz.progress == 30 and gjz.status == TaskStatus.IN_PROGRESS
    report = ProgressReport.objects.get(task=gjz)
    assert (report.period, report.text, report.problems) == (period, "完成调研", "资金不足")
    assert ProgressReport.objects.get(task=street).progress == 50
    assert AuditRecord.objects.filter(action="ledger.report_progress").count() == 2
    assert verify().ok


def test_other_units_tasks_are_unknown_not_leaked(world, accepted, client_for):
    other = accepted["zs"]
    missing = Task.objects.order_by("-pk").first().pk + 1000
    file = xlsx(
        [
            [other.pk, "", None, 10, "x", None],
            [missing, "", None, 10, "x", None],
        ],
        header=PROGRESS_HEADER,
    )
    job = job_of(upload(client_for(world.gjz_liaison), file, kind="progress"))
    assert job.status == ImportStatus.REFUSED
    assert [p["message"] for p in problems(job)] == [
        f"Task {other.pk} is unknown.",
        f"Task {missing} is unknown.",
    ]
    assert not ProgressReport.objects.exists()


def test_a_co_unit_is_told_that_the_lead_unit_reports(world, accepted, client_for):
    with clock.frozen_at(MOMENT):
        shared = actions.create_task(
            world.office,
            campaign=world.campaign,
            title="共同任务",
            lead_unit=world.zhongshan,
            co_units=[world.ganjingzi],
            deadline=dt.date(2018, 12, 31),
        )
        actions.accept_task(world.zs_liaison, shared)
    file = xlsx([[shared.pk, "", None, 10, "x", None]], header=PROGRESS_HEADER)
    job = job_of(upload(client_for(world.gjz_liaison), file, kind="progress"))
    assert problems(job)[0]["message"] == (
        f"Task {shared.pk} is reported on by its lead unit, {world.zhongshan.name}."
    )
    assert not ProgressReport.objects.exists()


def test_the_office_reports_no_progress_so_is_not_offered_that_import(world, accepted, client_for):
    gjz = accepted["gjz"]
    response = upload(
        client_for(world.office),
        xlsx([[gjz.pk, "", None, 10, "x", None]], header=PROGRESS_HEADER),
        kind="progress",
    )
    assert response.status_code == 400
    assert not ProgressReport.objects.exists()


def test_progress_rows_with_bad_values_are_each_reported(world, accepted, client_for):
    gjz = accepted["gjz"]
    period = period_on(world.campaign, MOMENT.date())
    with clock.frozen_at(MOMENT + dt.timedelta(days=30)):
        lock_period(world.office, period)
    file = xlsx(
        [
            [gjz.pk, "", period.number, 130, "x", None],
            [gjz.pk, "", "2019-09-09", "half", "", None],
            ["abc", "", None, 10, "x", None],
            [gjz.pk, "", 999, 10, "x", None],
        ],
        header=PROGRESS_HEADER,
    )
    job = job_of(upload(client_for(world.gjz_liaison), file, kind="progress"))
    found = {(p["row"], p["column"].split(" ")[0]) for p in problems(job)}
    assert {
        (2, "报告期"),  # locked
        (2, "进度(%)"),  # over 100
        (3, "进度(%)"),  # not a number
        (3, "进展情况"),  # required
        (4, "任务编号"),  # not a number
        (5, "报告期"),  # no such period
    } <= found
    assert not ProgressReport.objects.exists()


def test_the_progress_template_lists_the_liaisons_own_tasks(world, accepted, client_for):
    response = client_for(world.gjz_liaison).get(
        reverse("ledger:import_template", args=["progress"])
    )
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ids = [row[0] for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True)]
    # Ganjingzi and its street report through the district's liaison; never Zhongshan.
    assert sorted(ids) == sorted([accepted["gjz"].pk, accepted["street"].pk])


# --- long imports in the background ---------------------------------------------------------


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Long imports keep the uploaded file for the worker: keep them out of var/."""
    settings.MEDIA_ROOT = tmp_path


def test_a_long_import_runs_in_the_background_and_reports_progress(
    world, frozen, client_for, immediate_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    seen = []
    real_tick = import_jobs._Meter.tick

    def tick(self, done):
        real_tick(self, done)
        seen.append((self.job.status, ImportJob.objects.get(pk=self.job.pk).done_rows))

    monkeypatch.setattr(import_jobs._Meter, "interval", 0)
    monkeypatch.setattr(import_jobs._Meter, "tick", tick)
    rows = [task_row(i) for i in range(1, import_jobs.INLINE_ROWS + 51)]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_for(world.office), xlsx(rows), campaign=world.campaign)
    job = job_of(response)
    assert job.status == ImportStatus.DONE, job.report
    assert job.total_rows == job.done_rows == len(rows)
    assert Task.objects.count() == len(rows)
    assert job.file.name  # the worker read the stored upload
    checking = [done for status, done in seen if status == ImportStatus.CHECKING]
    assert checking == sorted(checking) and checking[-1] == len(rows)  # the bar moved
    assert run_import_job.call(job.pk) == "not claimed"  # a second worker does nothing


def test_a_queued_import_waits_for_a_worker(world, frozen, client_for):
    rows = [task_row(i) for i in range(1, import_jobs.INLINE_ROWS + 2)]
    response = upload(client_for(world.office), xlsx(rows), campaign=world.campaign)
    job = job_of(response)  # on_commit has not run: the job waits for the queue
    assert job.status == ImportStatus.QUEUED
    assert not Task.objects.exists()
    run_import_job.call(job.pk)  # what db_worker does
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Task.objects.count() == len(rows)


def test_the_job_page_polls_a_progress_bar_until_the_end(world, client_for):
    job = ImportJob.objects.create(
        created_by=world.office,
        kind=ImportKind.TASKS,
        campaign=world.campaign,
        file_name="big.xlsx",
        language="en",
        status=ImportStatus.CHECKING,
        total_rows=400,
        done_rows=100,
        created_at=MOMENT,
    )
    client = client_for(world.office)
    url = reverse("ledger:import_job", args=[job.pk])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="100"' in page
    partial = client.get(url, headers={"hx-request": "true"})
    assert partial.status_code == 200
    assert b"<html" not in partial.content and b'max="400"' in partial.content
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE, report={"written": 400})
    done = client.get(url, headers={"hx-request": "true"})
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    final = client.get(url).content.decode()
    assert "every 1s" not in final and "400" in final


@pytest.mark.django_db(transaction=True)
def test_writing_progress_is_visible_to_others_on_postgresql(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer: the count shows when the job ends")
    job = ImportJob.objects.create(
        created_by=world.office,
        kind=ImportKind.TASKS,
        file_name="x.xlsx",
        language="en",
        total_rows=10,
        created_at=MOMENT,
    )
    meter = import_jobs._Meter(job, live=True)
    meter.interval = 0
    meter.phase(ImportStatus.WRITING)
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            meter.tick(7)
            with other.cursor() as cursor:
                cursor.execute(
                    f"SELECT done_rows FROM {ImportJob._meta.db_table} WHERE id = %s", [job.pk]
                )
                assert cursor.fetchone()[0] == 7
    finally:
        meter.close()
        other.close()


# --- the pages ---------------------------------------------------------------------------------


def test_the_import_page_offers_each_person_what_they_may_import(world, client_for):
    office = client_for(world.office).get(reverse("ledger:import")).content.decode()
    assert 'value="tasks"' in office and 'value="progress"' not in office
    liaison = client_for(world.gjz_liaison).get(reverse("ledger:import")).content.decode()
    assert 'value="progress"' in liaison and 'value="tasks"' not in liaison
    assert client_for(world.viewer).get(reverse("ledger:import")).status_code == 403
    assert client_for(world.nobody).get(reverse("ledger:import")).status_code == 403
    anonymous = client_for(None).get(reverse("ledger:import"))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert client_for(world.office).put(reverse("ledger:import")).status_code == 405


def test_an_import_job_is_seen_only_by_who_uploaded_it(world, client_for):
    job = ImportJob.objects.create(
        created_by=world.gjz_liaison,
        kind=ImportKind.PROGRESS,
        file_name="p.xlsx",
        language="en",
        status=ImportStatus.REFUSED,
        report={"errors": [{"row": 2, "column": "A", "message": "bad"}], "error_count": 1},
        created_at=MOMENT,
    )
    url = reverse("ledger:import_job", args=[job.pk])
    assert client_for(world.gjz_liaison).get(url).status_code == 200
    assert client_for(world.office).get(url).status_code == 404
    assert client_for(world.zs_liaison).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302
    assert client_for(world.gjz_liaison).post(url).status_code == 405
    assert (
        client_for(world.office)
        .get(reverse("ledger:import_template", args=["nonsense"]))
        .status_code
        == 404
    )


def make_jobs(user, count: int) -> None:
    ImportJob.objects.bulk_create(
        ImportJob(
            created_by=user,
            kind=ImportKind.TASKS,
            file_name=f"f{i}.xlsx",
            language="en",
            status=ImportStatus.DONE,
            created_at=MOMENT,
        )
        for i in range(count)
    )


@pytest.mark.parametrize("jobs", [10, 100])
def test_the_import_page_runs_the_same_queries_for_10_and_100_jobs(
    world, client_for, django_assert_num_queries, jobs
):
    make_jobs(world.office, jobs)
    client = client_for(world.office)
    # 1 the session, 2 the person, 3 their role grants, 4 the current campaign,
    # 5 the count of their imports, 6 the campaign choices of the form,
    # 7 the page of imports with their campaigns.
    with django_assert_num_queries(7):
        response = client.get(reverse("ledger:import"), {"per_page": 100})
    assert response.content.decode().count("f1.xlsx") == 1
