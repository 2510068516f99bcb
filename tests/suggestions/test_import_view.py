"""The office's upload page for suggestions gathered offline."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from campaigndesk import clock
from campaigndesk.suggestions.models import Suggestion

pytestmark = pytest.mark.urls("tests.suggestions.urls_with_import")

URL = "/desk/suggestions/import/"


@pytest.fixture(autouse=True)
def on_a_campaign_day():
    with clock.frozen_at(dt.datetime(2018, 12, 10, 10, tzinfo=dt.UTC)):
        yield


def sheet(*rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["标题", "内容", "涉及区域", "来源", "收集日期"])
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("offline.xlsx", out.getvalue())


GOOD = (
    "社区开设老年食堂",
    "建议在社区开设老年食堂，解决老人吃饭难。",
    "甘井子区",
    "会议",
    "2018-12-01",
)


def test_the_office_sees_the_form_with_the_current_campaign(world, client_for):
    response = client_for(world.office).get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert b"Download the template" in response.content
    assert response.context["form"].initial["campaign"] == world.campaign


def test_a_clean_file_is_imported_and_the_office_is_told_how_many(world, client_for):
    client = client_for(world.office)
    response = client.post(
        URL, {"campaign": world.campaign.pk, "file": sheet(GOOD, GOOD)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302 and response["Location"] == URL
    assert Suggestion.objects.count() == 2
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert b"2 suggestions were imported." in page.content


def test_a_file_with_a_bad_row_shows_every_problem_and_imports_nothing(world, client_for):
    bad = (
        "社区开设老年食堂",
        "建议<script>alert(1)</script>开设食堂。",
        "火星区",
        "传真",
        "2018-12-01",
    )
    response = client_for(world.office).post(
        URL, {"campaign": world.campaign.pk, "file": sheet(GOOD, bad)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    problems = response.context["report"].problems
    assert [(p.row, p.field) for p in problems] == [(3, "district"), (3, "channel")]
    assert "火星区" in response.content.decode()
    assert b"<script>" not in response.content
    assert not Suggestion.objects.exists()


def test_a_missing_file_is_a_form_error(world, client_for):
    response = client_for(world.office).post(URL, {"campaign": world.campaign.pk})
    assert response.status_code == 400 and response.context["form"].errors["file"]


def test_a_request_larger_than_an_import_is_refused_unread(world, client_for):
    response = client_for(world.office).post(
        URL,
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(11 * 1024 * 1024),
    )
    assert response.status_code == 413


def test_the_template_downloads_with_the_campaigns_lists(world, client_for, category):
    response = client_for(world.office).get(f"{URL}template.xlsx?campaign={world.campaign.pk}")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.worksheets[0]["A1"].value == "标题*"


@pytest.mark.parametrize("who", ["gjz_liaison", "leader", "viewer"])
def test_units_and_readers_may_not_import(world, client_for, who):
    client = client_for(getattr(world, who))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}template.xlsx").status_code == 403
    response = client.post(URL, {"campaign": world.campaign.pk, "file": sheet(GOOD)})
    assert response.status_code == 403
    assert not Suggestion.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(world, client_for):
    response = client_for(None).get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_wrong_methods_are_refused(world, client_for):
    client = client_for(world.office)
    assert client.put(URL).status_code == 405
    assert client.post(f"{URL}template.xlsx").status_code == 405
