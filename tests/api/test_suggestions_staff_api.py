"""The office's other suggestion screens under /api/v1/: overdue answers, publication,
figures, the offline import as jobs and its template. Each with its happy path, the
personas it refuses, bad input and (for lists) a query count that does not grow with
the page."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigndesk import clock
from campaigndesk.audit.models import AuditRecord
from campaigndesk.suggestions import actions, import_jobs
from campaigndesk.suggestions.import_jobs import run_import_job
from campaigndesk.suggestions.models import (
    ImportStatus,
    Status,
    Suggestion,
    SuggestionImportJob,
)

from . import test_suggestions_api as base
from .conftest import API

DAY = base.DAY
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

category = base.category
routed = base.routed
submit = base.submit


@pytest.fixture(autouse=True)
def on_a_campaign_day():
    with base.at(DAY):
        yield


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


class Api(base.Api):
    def upload(self, path, data):
        return self.client.post(f"{API}{path}?lang=en", data)


@pytest.fixture
def api(api_client):
    return lambda user: Api(api_client(user))


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


def many(world, n, start=0, **fields):
    """n suggestions routed to Ganjingzi, with their answer due a week ago."""
    values = {
        "unit": world.ganjingzi,
        "unit_path": world.ganjingzi.path,
        "status": Status.ROUTED,
        "answer_due": DAY - dt.timedelta(days=7),
        **fields,
    }
    Suggestion.objects.bulk_create(
        Suggestion(
            campaign=world.campaign,
            tracking_number=f"JY181203-S{start + i:04d}",
            secret_hash="x",
            title=f"建议{start + i}",
            body="内容内容内容内容内容",
            created_at=clock.now() - dt.timedelta(minutes=start + i),
            updated_at=clock.now(),
            **values,
        )
        for i in range(n)
    )


@pytest.fixture
def answered(world, routed):
    actions.accept(world.gjz_liaison, routed)
    actions.draft_answer(world.gjz_liaison, routed, outcome="explained", answer="已答复。")
    actions.endorse_answer(world.gjz_head, routed)
    routed.refresh_from_db()
    assert routed.status == Status.ANSWERED
    return routed


# --- overdue ----------------------------------------------------------------------------------


def test_the_office_lists_overdue_answers_most_overdue_first(world, api, routed):
    many(world, 2)
    Suggestion.objects.filter(pk=routed.pk).update(answer_due=DAY - dt.timedelta(days=20))
    body = api(world.office).get("/suggestions/overdue").json()
    assert body["items"][0]["id"] == routed.pk
    assert len(body["items"]) == 3 and body["next"] is None and body["count"] is None
    first = body["items"][0]
    assert first["days_late"] > 10 and first["escalated"] is False
    assert first["unit"]["code"] == "GJZ"


def test_the_overdue_list_filters_by_unit_and_campaign_and_pages(world, api, routed):
    many(world, 3)
    many(world, 2, start=10, unit=world.zhongshan, unit_path=world.zhongshan.path)
    office = api(world.office)
    assert len(office.get("/suggestions/overdue", unit=world.zhongshan.pk).json()["items"]) == 2
    assert len(office.get("/suggestions/overdue", unit=world.city.pk).json()["items"]) == 5
    page = office.get("/suggestions/overdue", limit=2).json()
    assert len(page["items"]) == 2 and page["next"]
    seen = [r["id"] for r in page["items"]]
    while page["next"]:
        page = office.client.get(page["next"]).json()
        seen += [r["id"] for r in page["items"]]
    assert len(seen) == len(set(seen)) == 5  # the routed one is not overdue yet


def test_only_the_office_sees_the_overdue_list(world, api):
    error(api(world.gjz_liaison).get("/suggestions/overdue"), 403)
    error(api(world.leader).get("/suggestions/overdue"), 403)
    error(api(world.nobody).get("/suggestions/overdue"), 403)
    error(api(world.citizen).get("/suggestions/overdue"), 401)


def test_overdue_bad_input_is_a_422(world, api):
    office = api(world.office)
    assert error(office.get("/suggestions/overdue", unit=999999))["errors"][0]["loc"] == [
        "body",
        "unit",
    ]
    error(office.get("/suggestions/overdue", campaign=999999))
    error(office.get("/suggestions/overdue", cursor="not-a-cursor"))
    error(office.get("/suggestions/overdue", limit=0))
    error(office.get("/suggestions/overdue", colour="red"))


def test_the_overdue_list_costs_the_same_for_10_and_100_rows(world, api):
    office = api(world.office)
    many(world, 10)
    # warm up: the person and their grants then come from the process cache
    office.get("/suggestions/overdue", limit=200)
    small = queries_for(lambda: office.get("/suggestions/overdue", limit=200))
    many(world, 90, start=10)
    assert len(office.get("/suggestions/overdue", limit=200).json()["items"]) == 100
    assert queries_for(lambda: office.get("/suggestions/overdue", limit=200)) == small


# --- publication ------------------------------------------------------------------------------


def test_the_office_publishes_and_picks_outstanding_ones_audited(world, api, answered):
    office = api(world.office)
    body = office.get("/suggestions/publication", published="no").json()
    assert [r["id"] for r in body["items"]] == [answered.pk]
    response = office.post(
        "/suggestions/publication", {"suggestions": [answered.pk], "op": "publish"}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"changed": 1}
    office.post("/suggestions/publication", {"suggestions": [answered.pk], "op": "outstanding"})
    answered.refresh_from_db()
    assert answered.is_published and answered.is_outstanding
    assert office.get("/suggestions/publication", outstanding="yes").json()["items"][0]["id"] == (
        answered.pk
    )
    office.post("/suggestions/publication", {"suggestions": [answered.pk], "op": "unpublish"})
    answered.refresh_from_db()
    assert not answered.is_published and answered.is_outstanding
    actions_seen = set(
        AuditRecord.objects.filter(object_id=str(answered.pk)).values_list("action", flat=True)
    )
    assert {"suggestions.publish", "suggestions.unpublish"} <= actions_seen


def test_publication_is_all_or_nothing(world, api, answered):
    other = submit(world, title="另一条建议")
    response = api(world.office).post(
        "/suggestions/publication", {"suggestions": [answered.pk, other.pk], "op": "outstanding"}
    )
    assert "not answered" in error(response)["detail"]
    answered.refresh_from_db()
    assert not answered.is_outstanding


def test_only_the_office_publishes(world, api, answered):
    body = {"suggestions": [answered.pk], "op": "publish"}
    error(api(world.gjz_head).post("/suggestions/publication", body), 403)
    error(api(world.leader).get("/suggestions/publication"), 403)
    error(api(world.citizen).post("/suggestions/publication", body), 401)
    answered.refresh_from_db()
    assert not answered.is_published


def test_publication_bad_input_is_a_422(world, api, answered):
    office = api(world.office)
    error(office.post("/suggestions/publication", {"suggestions": [answered.pk], "op": "burn"}))
    error(office.post("/suggestions/publication", {"suggestions": [], "op": "publish"}))
    error(office.post("/suggestions/publication", {"suggestions": [999999], "op": "publish"}))
    error(office.get("/suggestions/publication", published="maybe"))
    error(office.get("/suggestions/publication", campaign=999999))


def test_the_publication_list_costs_the_same_for_10_and_100_rows(world, api):
    office = api(world.office)
    many(world, 10, status=Status.ANSWERED)
    # warm up: the person and their grants then come from the process cache
    office.get("/suggestions/publication", limit=200)
    small = queries_for(lambda: office.get("/suggestions/publication", limit=200))
    many(world, 90, start=10, status=Status.ANSWERED)
    assert len(office.get("/suggestions/publication", limit=200).json()["items"]) == 100
    assert queries_for(lambda: office.get("/suggestions/publication", limit=200)) == small


# --- figures ----------------------------------------------------------------------------------


def test_the_figures_count_by_day_category_and_unit(world, api, routed):
    many(world, 3)
    body = (
        api(world.leader).get("/suggestions/figures", start="2018-11-04", end="2018-12-03").json()
    )
    assert body["campaign_id"] == world.campaign.pk
    assert body["total"] == 4 and len(body["days"]) == 30
    assert body["days"][-1] == {"day": "2018-12-03", "count": 4}
    assert {t["label"]: t["count"] for t in body["categories"]}["Business environment"] == 1
    gjz = next(u for u in body["units"] if u["unit"]["code"] == "GJZ")
    assert gjz["routed"] == 4 and gjz["overdue"] == 3 and gjz["on_time_rate"] is None


def test_the_figures_take_one_end_as_thirty_days(world, api, routed):
    body = api(world.office).get("/suggestions/figures", end="2018-12-03").json()
    assert body["start"] == "2018-11-04" and body["end"] == "2018-12-03"


def test_only_city_oversight_sees_the_figures(world, api):
    error(api(world.gjz_liaison).get("/suggestions/figures"), 403)
    error(api(world.nobody).get("/suggestions/figures"), 403)
    error(api(world.citizen).get("/suggestions/figures"), 401)


def test_figures_bad_input_is_a_422(world, api):
    office = api(world.office)
    error(office.get("/suggestions/figures", start="2018-12-03", end="2018-11-01"))
    error(office.get("/suggestions/figures", start="2017-01-01", end="2018-12-03"))
    error(office.get("/suggestions/figures", campaign=999999))
    error(office.get("/suggestions/figures", start="yesterday"))


def test_the_figures_cost_the_same_for_10_and_100_suggestions(world, api):
    office = api(world.office)
    many(world, 10)
    # warm up: the person, their grants and the current campaign then come from the
    # process cache
    office.get("/suggestions/figures")
    small = queries_for(lambda: office.get("/suggestions/figures"))
    many(world, 90, start=10)
    assert office.get("/suggestions/figures").json()["total"] == 100
    assert queries_for(lambda: office.get("/suggestions/figures")) == small


# --- the offline import as jobs ---------------------------------------------------------------

GOOD = base.GOOD


def test_a_short_import_is_taken_in_at_once(world, api, category):
    rows = [[*GOOD, "会议", "2018-12-01"], [*GOOD, "纸质", "2018-12-02"]]
    response = api(world.office).upload(
        "/suggestions/imports", {"file": base._xlsx(rows), "campaign": world.campaign.pk}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "done" and body["finished"] and body["id"] is None
    assert body["report"]["written"] == 2
    assert Suggestion.objects.filter(channel__in=["meeting", "paper"]).count() == 2
    assert AuditRecord.objects.filter(action="suggestions.submit").count() == 2


def test_a_short_bad_import_is_a_422_row_by_row(world, api, category):
    rows = [[*GOOD, "会议", "2018-12-01"], [*GOOD[:3], "火星区", "会议", "昨天"]]
    response = api(world.office).upload(
        "/suggestions/imports", {"file": base._xlsx(rows), "campaign": world.campaign.pk}
    )
    body = error(response)
    assert [e["loc"] for e in body["errors"]] == [["file", 3, "district"], ["file", 3, "date"]]
    assert not Suggestion.objects.exists()


def test_a_long_import_is_queued_and_followed_to_the_end(world, api, category):
    rows = [[*GOOD, "会议", "2018-12-01"]] * (import_jobs.INLINE_ROWS + 1)
    office = api(world.office)
    response = office.upload(
        "/suggestions/imports", {"file": base._xlsx(rows), "campaign": world.campaign.pk}
    )
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["status"] == "queued" and not job["finished"] and job["report"] is None
    assert not Suggestion.objects.exists()
    run_import_job.call(job["id"])  # what the worker does
    done = office.get(f"/suggestions/imports/{job['id']}").json()
    assert done["status"] == "done" and done["report"]["written"] == len(rows)
    assert Suggestion.objects.count() == len(rows)
    assert [j["id"] for j in office.get("/suggestions/imports").json()["items"]] == [job["id"]]
    other_office = world.office.__class__.objects.create(username="office2", unit=world.office_unit)
    from tests.factories import grant

    grant(other_office, "office", world.city)
    error(api(other_office).get(f"/suggestions/imports/{job['id']}"), 404)  # someone else's


def test_only_the_office_imports_suggestions(world, api, category):
    data = {"file": base._xlsx([[*GOOD, "会议", "2018-12-01"]]), "campaign": world.campaign.pk}
    error(api(world.gjz_liaison).upload("/suggestions/imports", data), 403)
    error(api(world.leader).get("/suggestions/imports"), 403)
    error(api(world.gjz_head).get("/suggestions/imports/template"), 403)
    error(api(world.citizen).upload("/suggestions/imports", data), 401)
    assert not Suggestion.objects.exists() and not SuggestionImportJob.objects.exists()


def test_suggestion_import_bad_input_is_a_422(world, api, category):
    office = api(world.office)
    error(
        office.upload("/suggestions/imports", {"file": base._xlsx([[*GOOD, "会议", "2018-12-01"]])})
    )
    data = {"file": base._xlsx([[*GOOD, "会议", "2018-12-01"]]), "campaign": 999999}
    error(office.upload("/suggestions/imports", data))
    error(office.upload("/suggestions/imports", {"campaign": world.campaign.pk}))
    error(office.get("/suggestions/imports/abc"))
    error(office.get("/suggestions/imports/template", campaign=999999))
    assert not Suggestion.objects.exists()


def test_the_import_template_downloads(world, api, category):
    response = api(world.office).get("/suggestions/imports/template", campaign=world.campaign.pk)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.worksheets


def test_the_import_list_costs_the_same_for_10_and_100_jobs(world, api):
    office = api(world.office)

    def add(n):
        SuggestionImportJob.objects.bulk_create(
            SuggestionImportJob(
                created_by=world.office,
                campaign=world.campaign,
                file_name="x.xlsx",
                language="en",
                status=ImportStatus.REFUSED,
                report={"problems": [{"row": 2, "column": "A", "message": "m"}] * 50},
                created_at=clock.now(),
            )
            for _ in range(n)
        )

    add(10)
    # warm up: the person and their grants then come from the process cache
    office.get("/suggestions/imports", limit=200)
    small = queries_for(lambda: office.get("/suggestions/imports", limit=200))
    add(90)
    assert len(office.get("/suggestions/imports", limit=200).json()["items"]) == 100
    assert queries_for(lambda: office.get("/suggestions/imports", limit=200)) == small
