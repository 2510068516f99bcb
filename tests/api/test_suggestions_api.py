"""Suggestions for the desk under /api/v1/: the list and its filters, one suggestion with
or without contact details, every handling step, the .xlsx import and the categories,
for each persona."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from campaigndesk import clock
from campaigndesk.audit.trail import verify
from campaigndesk.ledger.models import Task
from campaigndesk.suggestions import actions, intake
from campaigndesk.suggestions.models import Category, Status, Suggestion, Verdict

from .conftest import API

DAY = dt.date(2018, 12, 3)


def at(day: dt.date, hour: int = 10):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC))


@pytest.fixture(autouse=True)
def on_a_campaign_day():
    with at(DAY):
        yield


class Api:
    """A client that speaks JSON in English to /api/v1/."""

    def __init__(self, client):
        self.client = client

    def get(self, path, **params):
        return self.client.get(f"{API}{path}", {"lang": "en", **params})

    def post(self, path, body=None):
        sep = "&" if "?" in path else "?"
        return self.client.post(
            f"{API}{path}{sep}lang=en",
            json.dumps(body if body is not None else {}),
            content_type="application/json",
        )


@pytest.fixture
def api(api_client):
    return lambda user: Api(api_client(user))


def submit(world, title="优化企业开办流程", **fields):
    return intake.submit(
        campaign=world.campaign,
        title=title,
        body=fields.pop("body", "建议把企业开办时间压缩到三个工作日以内。"),
        client="c1",
        throttle=False,
        **fields,
    ).suggestion


@pytest.fixture
def category(world):
    return Category.objects.create(
        campaign=world.campaign,
        code="business",
        name_zh="营商环境",
        name_en="Business environment",
        default_unit=world.bureau,
    )


@pytest.fixture
def routed(world, category):
    """A suggestion with a phone number, routed to Ganjingzi."""
    s = submit(world, category=category, phone="13900000000", name="王先生")
    actions.route(world.office, [s], world.ganjingzi)
    s.refresh_from_db()
    return s


# --- reading ----------------------------------------------------------------------------------


def test_the_office_lists_every_suggestion_newest_first_without_counting(world, api, routed):
    later = submit(world, title="第二条建议")
    body = api(world.office).get("/suggestions").json()

    assert [i["id"] for i in body["items"]] == [later.pk, routed.pk]
    assert body["count"] is None and body["next"] is None
    item = body["items"][1]
    assert item["unit"]["id"] == world.ganjingzi.pk and item["status"] == "routed"
    assert item["status_label"] == "Sent to a unit"
    assert "phone" not in item and "contact" not in item  # never in a list


def test_the_list_pages_by_cursor_in_both_orders(world, api):
    made = []
    for n in range(5):
        with at(DAY, 8 + n):
            made.append(submit(world, title=f"建议{n}").pk)
    client = api(world.office)
    seen, params = [], {"limit": 2, "sort": "received"}
    while True:
        body = client.get("/suggestions", **params).json()
        seen += [i["id"] for i in body["items"]]
        if not body["next"]:
            break
        params["cursor"] = body["next"].split("cursor=")[1].split("&")[0]
    assert seen == made
    newest = client.get("/suggestions", limit=5).json()
    assert [i["id"] for i in newest["items"]] == made[::-1]


def test_a_deep_page_bounds_the_received_moment_so_the_index_range_scans(world, api):
    """Rows after the cursor are (created_at < t) OR (created_at = t AND id < pk); the
    query also says created_at <= t, or neither database range-scans (created_at, id)
    and the middle of a million suggestions took seconds."""
    made = []
    for n in range(3):
        with at(DAY, 8 + n):
            made.append(submit(world, title=f"建议{n}").pk)
    client = api(world.office)
    first = client.get("/suggestions", limit=1).json()
    cursor = first["next"].split("cursor=")[1].split("&")[0]
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/suggestions", limit=1, cursor=cursor).json()
    assert [i["id"] for i in body["items"]] == [made[1]]
    listed = [q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"]]
    assert len(listed) == 1
    assert '"suggestions_suggestion"."created_at" <= ' in listed[0], listed[0]


def test_a_malformed_cursor_is_a_422_that_names_it(world, api):
    response = api(world.office).get("/suggestions", cursor="bm90LWEtY3Vyc29y")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "cursor"]


def test_the_list_filters_by_status_unit_district_channel_text_and_day(world, api, category):
    a = submit(world, title="地铁延长运营", district=world.zhongshan)
    b = submit(world, title="供暖温度不达标", category=category, channel="paper")
    actions.route(world.office, [b], world.street)
    client = api(world.office)

    def ids(**params):
        return [i["id"] for i in client.get("/suggestions", **params).json()["items"]]

    assert ids(status="routed") == [b.pk]
    assert ids(status=["routed", "received"]) == [b.pk, a.pk]
    assert ids(unit=world.ganjingzi.pk) == [b.pk]  # the street is below Ganjingzi
    assert ids(district=world.zhongshan.pk) == [a.pk]
    assert ids(channel="paper") == [b.pk]
    assert ids(category=category.pk) == [b.pk]
    assert ids(q="地铁") == [a.pk]
    assert ids(q=b.tracking_number.lower()) == [b.pk]
    assert ids(received_from="2018-12-03", received_to="2018-12-03") == [b.pk, a.pk]
    assert ids(received_from="2018-12-04") == []
    assert client.get("/suggestions", status="nonsense").status_code == 422
    assert client.get("/suggestions", colour="red").status_code == 422  # unknown parameter


def test_a_unit_outside_the_callers_units_is_a_422(world, api, routed):
    response = api(world.gjz_liaison).get("/suggestions", unit=world.zhongshan.pk)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "unit"]


def test_the_routed_units_liaison_sees_it_with_the_contact_details(world, api, routed):
    client = api(world.gjz_liaison)
    assert [i["id"] for i in client.get("/suggestions").json()["items"]] == [routed.pk]
    body = client.get(f"/suggestions/{routed.pk}").json()
    assert body["contact"] == {"name": "王先生", "phone": "13900000000", "email": ""}
    assert body["actions"] == ["send-back", "accept"]
    assert body["answer_due"] == "2018-12-24"


def test_a_street_liaison_below_sees_nothing_routed_to_the_district(world, api, routed):
    client = api(world.street_liaison)
    assert client.get("/suggestions").json()["items"] == []
    assert client.get(f"/suggestions/{routed.pk}").status_code == 404


def test_another_districts_liaison_gets_404_for_it_and_for_every_step(world, api, routed):
    client = api(world.zs_liaison)
    assert client.get("/suggestions").json()["items"] == []
    assert client.get(f"/suggestions/{routed.pk}").status_code == 404
    for step in ("accept", "endorse", "route"):
        assert client.post(f"/suggestions/{routed.pk}/{step}", {}).status_code in (404, 422)
    assert client.post(f"/suggestions/{routed.pk}/accept").status_code == 404


def test_the_leader_reads_everything_but_never_the_contact_details(world, api, routed):
    client = api(world.leader)
    body = client.get(f"/suggestions/{routed.pk}").json()
    assert body["contact"] is None and body["actions"] == []
    assert "13900000000" not in json.dumps(body)
    response = client.post(f"/suggestions/{routed.pk}/route", {"unit": world.zhongshan.pk})
    assert response.status_code == 403


def test_the_office_sees_the_contact_details(world, api, routed):
    body = api(world.office).get(f"/suggestions/{routed.pk}").json()
    assert body["contact"]["phone"] == "13900000000"
    assert set(body["actions"]) == {"route", "duplicate", "dismiss"}


def test_someone_without_a_role_may_not_list(world, api):
    assert api(world.nobody).get("/suggestions").status_code == 403


def test_an_anonymous_caller_gets_401_everywhere(world, api, routed):
    client = api(world.citizen)
    assert client.get("/suggestions").status_code == 401
    assert client.get(f"/suggestions/{routed.pk}").status_code == 401
    assert client.post(f"/suggestions/{routed.pk}/accept").status_code == 401
    assert client.get(f"/campaigns/{world.campaign.pk}/suggestion-categories").status_code == 401


def test_wrong_methods_are_a_json_405(world, api, routed):
    client = api(world.office).client
    response = client.delete(f"{API}/suggestions/{routed.pk}")
    assert response.status_code == 405 and response.json()["detail"]
    assert client.get(f"{API}/suggestions/{routed.pk}/accept").status_code == 405


def test_a_bearer_token_works_too(world, token_client, routed):
    response = token_client(world.gjz_liaison).get(f"{API}/suggestions/{routed.pk}")
    assert response.status_code == 200


def _bulk(world, n):
    Suggestion.objects.bulk_create(
        Suggestion(
            campaign=world.campaign,
            tracking_number=f"JY181203-Q{i:04d}",
            secret_hash="x",
            title=f"建议{i}",
            body="内容内容内容内容内容",
            unit=world.ganjingzi,
            unit_path=world.ganjingzi.path,
            status=Status.ROUTED,
            created_at=clock.now() - dt.timedelta(minutes=i),
            updated_at=clock.now(),
        )
        for i in range(n)
    )


@pytest.mark.parametrize("who", ["office", "gjz_liaison"])
def test_the_list_runs_the_same_queries_for_10_and_100_rows(world, api, category, who):
    client = api(getattr(world, who))
    client.get("/suggestions")  # warm up: the session and content types

    def count(n):
        Suggestion.objects.all().delete()
        _bulk(world, n)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/suggestions", limit=200).status_code == 200
        return len(ctx.captured_queries)

    # 1 the session and the reference stamp, 2 the page with its unit, category, key task
    # and district joined: no COUNT, no query per row. (The person and their role grants
    # come from the process cache.)
    assert count(10) == count(100) == 2


# --- handling ---------------------------------------------------------------------------------


def test_the_whole_flow_through_the_api(world, api, category):
    s = submit(world, category=category, phone="13900000000")
    office, liaison, head = api(world.office), api(world.gjz_liaison), api(world.gjz_head)

    body = office.post(
        f"/suggestions/{s.pk}/route",
        {"unit": world.ganjingzi.pk, "co_units": [world.bureau.pk], "note": "请甘井子区答复"},
    ).json()
    assert body["status"] == "routed" and [u["id"] for u in body["co_units"]] == [world.bureau.pk]
    assert liaison.post(f"/suggestions/{s.pk}/accept").json()["status"] == "accepted"
    response = liaison.post(
        f"/suggestions/{s.pk}/answer", {"outcome": "adopted", "answer": "采纳。"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "task_deadline"]
    body = liaison.post(
        f"/suggestions/{s.pk}/answer",
        {"outcome": "adopted", "answer": "采纳，纳入计划。", "task_deadline": "2019-03-31"},
    ).json()
    assert body["status"] == "pending_endorsement" and body["answered_by"] == "gjz_liaison"
    assert liaison.post(f"/suggestions/{s.pk}/endorse").status_code == 403
    body = head.post(f"/suggestions/{s.pk}/return-answer", {"comment": "请写明时间表。"}).json()
    assert body["status"] == "accepted" and body["status_note"] == "请写明时间表。"
    liaison.post(
        f"/suggestions/{s.pk}/answer",
        {"outcome": "adopted", "answer": "采纳，一季度完成。", "task_deadline": "2019-03-31"},
    )
    body = head.post(f"/suggestions/{s.pk}/endorse").json()
    assert body["status"] == "answered" and body["endorsed_by"] == "gjz_head"
    task = Task.objects.get(pk=body["task_id"])
    assert task.source_ref == s.tracking_number and task.lead_unit == world.ganjingzi

    s.refresh_from_db()
    actions.rate(s, Verdict.NOT_SATISFIED, "太慢")  # the citizen, with number and code
    assert office.post(f"/suggestions/{s.pk}/close-reopened", {"note": ""}).status_code == 422
    body = office.post(f"/suggestions/{s.pk}/close-reopened", {"note": "已电话说明。"}).json()
    assert body["status"] == "closed"
    body = office.post(f"/suggestions/{s.pk}/publish", {"outstanding": True}).json()
    assert body["is_published"] and body["is_outstanding"]
    body = office.post(f"/suggestions/{s.pk}/publish", {"published": False}).json()
    assert not body["is_published"]
    assert verify().ok


def test_route_many_at_once_all_or_none(world, api):
    a, b = submit(world, title="建议一"), submit(world, title="建议二")
    client = api(world.office)
    body = {"suggestions": [a.pk, b.pk], "unit": world.zhongshan.pk}
    assert client.post("/suggestions/route", body).json() == {"routed": 2}
    assert Suggestion.objects.filter(unit=world.zhongshan).count() == 2
    missing = client.post("/suggestions/route", {**body, "suggestions": [a.pk, 999999]})
    assert missing.status_code == 422
    assert api(world.gjz_liaison).post("/suggestions/route", body).status_code == 403


def test_routing_to_an_unknown_unit_is_a_422(world, api):
    s = submit(world)
    response = api(world.office).post(f"/suggestions/{s.pk}/route", {"unit": 999999})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "unit"]


def test_a_unit_sends_it_back_and_still_gets_an_answer(world, api, routed):
    body = (
        api(world.gjz_liaison)
        .post(f"/suggestions/{routed.pk}/send-back", {"reason": "属于中山区"})
        .json()
    )
    assert body["status"] == "received" and body["unit"] is None
    assert body["contact"] is None  # no longer theirs


def test_duplicate_and_dismissals(world, api):
    original, copy, junk, far = (
        submit(world, title=t) for t in ("原建议", "重复建议", "垃圾信息", "民事纠纷")
    )
    client = api(world.office)
    body = client.post(f"/suggestions/{copy.pk}/duplicate", {"original": original.pk}).json()
    assert body["status"] == "duplicate" and body["duplicate_of_id"] == original.pk
    assert client.post(f"/suggestions/{far.pk}/duplicate", {"original": 999999}).status_code == 422
    assert client.post(f"/suggestions/{junk.pk}/dismiss", {"status": "spam"}).json()["status"] == (
        "spam"
    )
    response = client.post(f"/suggestions/{far.pk}/dismiss", {"status": "out_of_scope"})
    assert response.status_code == 422 and "remit" in response.json()["detail"]
    response = client.post(
        f"/suggestions/{far.pk}/dismiss", {"status": "out_of_scope", "note": "属于民事纠纷。"}
    )
    assert response.json()["status"] == "out_of_scope"
    assert client.post(f"/suggestions/{far.pk}/dismiss", {"status": "closed"}).status_code == 422


def test_a_step_in_the_wrong_state_is_a_422_with_the_actions_message(world, api, routed):
    response = api(world.gjz_head).post(f"/suggestions/{routed.pk}/endorse")
    assert response.status_code == 422
    assert routed.tracking_number in response.json()["detail"]


def test_publishing_an_unanswered_suggestion_is_refused(world, api, routed):
    response = api(world.office).post(f"/suggestions/{routed.pk}/publish", {})
    assert response.status_code == 422


def test_unknown_fields_in_a_body_are_refused(world, api, routed):
    response = api(world.gjz_liaison).post(
        f"/suggestions/{routed.pk}/send-back", {"reason": "x", "colour": "red"}
    )
    assert response.status_code == 422


# --- importing --------------------------------------------------------------------------------


def _xlsx(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(["标题", "内容", "类别", "涉及区域", "来源", "收集日期"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "offline.xlsx"
    return out


def _upload(client: Client, world, file):
    return client.post(
        f"{API}/suggestions/import?lang=en", {"file": file, "campaign": world.campaign.pk}
    )


GOOD = ["社区开设老年食堂", "建议在社区开设老年食堂，解决老人吃饭难。", "营商环境", "甘井子区"]


def test_the_office_imports_a_file_all_at_once(world, api_client, category):
    rows = [[*GOOD, "会议", "2018-12-01"], [*GOOD, "纸质", "2018-12-02"]]
    response = _upload(api_client(world.office), world, _xlsx(rows))
    assert response.status_code == 201, response.content
    assert response.json() == {"imported": 2, "rows": 2}
    assert Suggestion.objects.filter(channel__in=["meeting", "paper"]).count() == 2


def test_a_bad_file_is_a_422_with_every_problem_and_nothing_written(world, api_client, category):
    rows = [[*GOOD, "会议", "2018-12-01"], [*GOOD[:3], "火星区", "会议", "昨天"]]
    response = _upload(api_client(world.office), world, _xlsx(rows))
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("Nothing was imported: 2 problems in 2 rows.")
    assert [e["loc"] for e in body["errors"]] == [["file", 3, "district"], ["file", 3, "date"]]
    assert body["errors"][0]["msg"].startswith("Row 3, 涉及区域 (D): ")
    assert not Suggestion.objects.exists()


def test_a_file_that_is_not_xlsx_is_a_422(world, api_client, category):
    fake = io.BytesIO(b"MZ not a workbook")
    fake.name = "x.xlsx"
    response = _upload(api_client(world.office), world, fake)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["file"]


def test_only_the_office_imports_through_the_api(world, api_client, category):
    response = _upload(api_client(world.gjz_liaison), world, _xlsx([[*GOOD, "会议", "2018-12-01"]]))
    assert response.status_code == 403
    assert _upload(api_client(world.citizen), world, _xlsx([])).status_code == 401


def test_an_import_larger_than_the_limit_is_refused_before_reading(world, api_client):
    client = api_client(world.office)
    response = client.post(
        f"{API}/suggestions/import",
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(11 * 1024 * 1024),
    )
    assert response.status_code == 413


# --- categories -------------------------------------------------------------------------------


def test_a_campaigns_categories_in_order_with_their_default_unit(world, api, category):
    Category.objects.create(campaign=world.campaign, code="other", name_zh="其他", sort_order=99)
    body = api(world.gjz_liaison).get(f"/campaigns/{world.campaign.pk}/suggestion-categories")
    items = body.json()["items"]
    assert [c["code"] for c in items] == ["business", "other"]
    assert items[0]["name"] == "Business environment"
    assert items[0]["default_unit"]["id"] == world.bureau.pk
    missing = api(world.office).get("/campaigns/999999/suggestion-categories")
    assert missing.status_code == 404
