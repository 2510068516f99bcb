"""A long offline import runs in the background with a progress bar (htmx polling), all
or nothing, and keeps its row report; a small one is still taken in at once."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from campaigndesk import clock
from campaigndesk.audit.models import AuditRecord
from campaigndesk.suggestions import import_jobs, intake
from campaigndesk.suggestions.import_jobs import run_import_job
from campaigndesk.suggestions.models import ImportStatus, Suggestion, SuggestionImportJob

pytestmark = pytest.mark.urls("tests.suggestions.urls_with_import")

URL = "/desk/suggestions/import/"
EN = {"accept-language": "en"}
MOMENT = dt.datetime(2018, 12, 10, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def on_a_campaign_day(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # long imports keep the upload for the worker
    with clock.frozen_at(MOMENT):
        yield


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def good(n: int) -> tuple:
    return (
        f"社区开设老年食堂{n}",
        f"建议在社区开设老年食堂，解决老人吃饭难，第 {n} 条。",
        "甘井子区",
        "会议",
        "2018-12-01",
    )


def sheet(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["标题", "内容", "涉及区域", "来源", "收集日期"])
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("offline.xlsx", out.getvalue())


def upload(client, rows):
    return client.post(URL, {"campaign": "", "file": sheet(rows)} | _campaign(), headers=EN)


def _campaign() -> dict:
    from campaigndesk.campaigns.models import Campaign

    return {"campaign": Campaign.objects.get(code="dalian-2018").pk}


def job_of(response) -> SuggestionImportJob:
    assert response.status_code == 302, response.content.decode()[:800]
    job = SuggestionImportJob.objects.get()
    assert response["Location"] == reverse("suggestions_import:job", args=[job.pk])
    return job


def stored_files(root) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()]


LONG = import_jobs.INLINE_ROWS + 30


def test_a_long_import_runs_in_the_background_and_the_bar_moves(
    world, client_for, immediate_tasks, django_capture_on_commit_callbacks, monkeypatch, settings
):
    seen = []
    real_tick = import_jobs._Meter.tick

    def tick(self, done):
        real_tick(self, done)
        seen.append((self.job.status, SuggestionImportJob.objects.get(pk=self.job.pk).done_rows))

    monkeypatch.setattr(import_jobs._Meter, "interval", 0)
    monkeypatch.setattr(import_jobs._Meter, "tick", tick)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_for(world.office), [good(i) for i in range(LONG)])
    job = job_of(response)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.report
    assert job.total_rows == job.done_rows == LONG
    assert job.report["written"] == LONG and job.report["problems"] == []
    assert Suggestion.objects.count() == LONG
    assert AuditRecord.objects.filter(action="suggestions.import").count() == 1
    checking = [done for status, done in seen if status == ImportStatus.CHECKING]
    assert checking == sorted(checking) and checking[-1] == LONG  # the bar moved
    assert any(status == ImportStatus.WRITING for status, _ in seen)
    assert not job.file and stored_files(settings.MEDIA_ROOT) == []  # the upload is gone
    assert run_import_job.call(job.pk) == "not claimed"  # a second worker does nothing
    page = client_for(world.office).get(
        reverse("suggestions_import:job", args=[job.pk]), headers=EN
    )
    assert f"{LONG} suggestions were imported." in page.content.decode()


def test_a_queued_import_waits_for_a_worker(world, client_for):
    response = upload(client_for(world.office), [good(i) for i in range(LONG)])
    job = job_of(response)  # on_commit has not run: the job waits for the queue
    assert job.status == ImportStatus.QUEUED
    assert not Suggestion.objects.exists()
    assert run_import_job.call(job.pk) == ImportStatus.DONE  # what db_worker does
    assert Suggestion.objects.count() == LONG


def test_a_long_file_with_bad_rows_imports_nothing_and_keeps_the_row_report(world, client_for):
    rows = [good(i) for i in range(LONG)]
    rows[10] = ("", *rows[10][1:])  # no title
    rows[200] = (*rows[200][:4], "昨天")  # not a date
    response = upload(client_for(world.office), rows)
    job = job_of(response)
    run_import_job.call(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert not Suggestion.objects.exists()
    rows_named = sorted(p["row"] for p in job.report["problems"])
    assert rows_named == [12, 202]  # Excel rows: the header is row 1
    page = (
        client_for(world.office)
        .get(reverse("suggestions_import:job", args=[job.pk]), headers=EN)
        .content.decode()
    )
    assert "Nothing was imported. Correct the rows below and upload the file again." in page
    assert "2 problems" in page and "<td>202</td>" in page


def test_a_row_intake_refuses_while_writing_rolls_back_every_row(world, client_for, monkeypatch):
    response = upload(client_for(world.office), [good(i) for i in range(LONG)])
    job = job_of(response)
    calls = []

    def refuse_the_150th(suggestion):
        calls.append(suggestion)
        if len(calls) == 150:
            from django.core.exceptions import ValidationError

            raise ValidationError("refused while writing")

    monkeypatch.setattr(intake, "INTAKE_HOOKS", [refuse_the_150th])
    run_import_job.call(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert not Suggestion.objects.exists()  # the 149 before it were rolled back too
    assert [p["row"] for p in job.report["problems"]] == [151]
    assert "refused while writing" in job.report["problems"][0]["message"]


def test_an_unexpected_error_fails_the_job_and_writes_nothing(world, client_for, monkeypatch):
    job = job_of(upload(client_for(world.office), [good(i) for i in range(LONG)]))

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(import_jobs.importing, "write", broken)
    assert run_import_job.call(job.pk) == ImportStatus.FAILED
    job.refresh_from_db()
    assert job.report["notice"] == "The import stopped on an error. Nothing was imported."
    assert not Suggestion.objects.exists()


def test_a_small_file_is_still_taken_in_at_once(world, client_for):
    response = upload(client_for(world.office), [good(i) for i in range(3)])
    assert response.status_code == 302 and response["Location"] == URL
    assert Suggestion.objects.count() == 3
    assert not SuggestionImportJob.objects.exists()


def test_the_job_page_polls_a_progress_bar_until_the_end(world, client_for):
    job = SuggestionImportJob.objects.create(
        created_by=world.office,
        campaign=world.campaign,
        file_name="big.xlsx",
        language="en",
        status=ImportStatus.CHECKING,
        total_rows=400,
        done_rows=100,
        created_at=MOMENT,
    )
    client = client_for(world.office)
    url = reverse("suggestions_import:job", args=[job.pk])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="100"' in page
    partial = client.get(url, headers={"hx-request": "true"})
    assert partial.status_code == 200
    assert b"<html" not in partial.content and b'max="400"' in partial.content
    SuggestionImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.DONE, report={"written": 400, "problems": []}
    )
    done = client.get(url, headers={"hx-request": "true"})
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    assert "every 1s" not in client.get(url).content.decode()


def test_only_the_uploader_sees_a_job_and_only_the_office_imports(world, client_for):
    job = SuggestionImportJob.objects.create(
        created_by=world.office,
        campaign=world.campaign,
        file_name="big.xlsx",
        language="en",
        created_at=MOMENT,
    )
    url = reverse("suggestions_import:job", args=[job.pk])
    assert client_for(world.gjz_liaison).get(url).status_code in (403, 404)
    assert client_for(world.office).post(url).status_code == 405
