"""The ledger under /api/v1/: the task list and its filter, a task and every step of its
workflow, conflicts, reporting periods, the inbox and the dashboard, for each persona."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from campaigndesk import clock
from campaigndesk.audit.trail import verify
from campaigndesk.ledger import actions, reminders
from campaigndesk.ledger.models import Notification, Reminder, ReportingPeriod, Task, TaskStatus
from campaigndesk.ledger.periods import ensure_periods, period_on
from campaigndesk.org.models import Role
from tests.factories import CampaignFactory, KeyTaskFactory, UserFactory, grant

from .conftest import API

START = dt.date(2018, 10, 8)  # a Monday in phase one


def at(day: dt.date, hour: int = 10):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC))


@pytest.fixture(autouse=True)
def on_start_day():
    with at(START):
        yield


class Api:
    """A client that speaks JSON in English to /api/v1/."""

    def __init__(self, client):
        self.client = client

    def get(self, path, **params):
        return self.client.get(f"{API}{path}", {"lang": "en", **params})

    def _send(self, method, path, body):
        sep = "&" if "?" in path else "?"
        return getattr(self.client, method)(
            f"{API}{path}{sep}lang=en",
            json.dumps(body if body is not None else {}),
            content_type="application/json",
        )

    def post(self, path, body=None):
        return self._send("post", path, body)

    def patch(self, path, body=None):
        return self._send("patch", path, body)


@pytest.fixture
def api(api_client):
    return lambda user: Api(api_client(user))


def make_task(world, title, unit, deadline=dt.date(2018, 11, 1), **fields) -> Task:
    return actions.create_task(
        world.office,
        campaign=world.campaign,
        title=title,
        lead_unit=unit,
        deadline=deadline,
        key_task=world.key_task,
        phase=world.phase1,
        **fields,
    )


@pytest.fixture
def ledger(world):
    """Ganjingzi's task, its street's, Zhongshan's (shared with Ganjingzi), the bureau's."""
    return {
        "gjz": make_task(world, "甘井子区营商环境整治", world.ganjingzi, responsible_leader="王某"),
        "street": make_task(world, "街道排查", world.street, dt.date(2018, 11, 2)),
        "zs": make_task(
            world,
            "中山区共建项目",
            world.zhongshan,
            dt.date(2018, 11, 3),
            co_units=[world.ganjingzi],
        ),
        "bureau": make_task(world, "科技局创新政策", world.bureau, dt.date(2018, 11, 4)),
    }


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [t["id"] for t in response.json()["items"]]


# --- who sees what -----------------------------------------------------------------------------


def test_office_and_leader_see_every_task_and_the_list_is_not_counted(world, ledger, api):
    for persona in (world.office, world.leader):
        body = api(persona).get("/tasks").json()
        assert [t["title"] for t in body["items"]] == [
            "甘井子区营商环境整治",
            "街道排查",
            "中山区共建项目",
            "科技局创新政策",
        ]
        assert body["count"] is None and body["next"] is None


def test_ganjingzi_liaison_sees_own_district_below_and_shared_tasks(world, ledger, api):
    got = ids(api(world.gjz_liaison).get("/tasks"))
    assert got == [ledger["gjz"].pk, ledger["street"].pk, ledger["zs"].pk]


def test_zhongshan_liaison_sees_only_zhongshans_task(world, ledger, api):
    assert ids(api(world.zs_liaison).get("/tasks")) == [ledger["zs"].pk]


def test_liaison_gets_404_for_every_address_of_another_districts_task(world, ledger, api):
    client = api(world.zs_liaison)
    pk = ledger["gjz"].pk
    for path in (f"/tasks/{pk}", f"/tasks/{pk}/reports", f"/tasks/{pk}/history"):
        assert client.get(path).status_code == 404, path
    for action, body in WRITES:
        response = client.post(f"/tasks/{pk}/{action}", body)
        assert response.status_code == 404, action
        assert response.json() == {"detail": "Not found."}
    assert client.patch(f"/tasks/{pk}", {"version": 1, "title": "x"}).status_code == 404


WRITES = [
    ("accept", {}),
    ("return", {"reason": "不是本单位职责"}),
    ("reassign", {"unit": 1}),
    ("split", {"lead_unit": 1, "title": "x", "deadline": "2018-10-30"}),
    ("progress", {"progress": 10, "text": "x"}),
    ("report-done", {"note": "x"}),
    ("close", {}),
    ("send-back", {"reason": "x"}),
    ("reopen", {"reason": "x"}),
    ("cancel", {"reason": "x"}),
    ("remind", {"message": "x"}),
]


def test_leader_reads_every_task_but_every_write_is_403(world, ledger, api):
    client = api(world.leader)
    task = ledger["gjz"]
    assert client.get(f"/tasks/{task.pk}").json()["actions"] == []
    for action, body in WRITES:
        response = client.post(f"/tasks/{task.pk}/{action}", body)
        assert response.status_code == 403, action
        assert response.json()["detail"] == "You may not do this."
    assert client.patch(f"/tasks/{task.pk}", {"version": 1, "title": "x"}).status_code == 403
    new = {"campaign": world.campaign.pk, "title": "x", "lead_unit": world.ganjingzi.pk}
    assert client.post("/tasks", {**new, "deadline": "2018-11-30"}).status_code == 403
    task.refresh_from_db()
    assert task.status == TaskStatus.ASSIGNED and task.version == 1


def test_person_without_a_role_gets_403_on_the_list(world, ledger, api):
    response = api(world.nobody).get("/tasks")
    assert response.status_code == 403
    assert api(world.nobody).get(f"/tasks/{ledger['gjz'].pk}").status_code == 404


def test_anonymous_caller_gets_401_on_every_ledger_address(world, ledger, api):
    client = api(world.citizen)
    pk = ledger["gjz"].pk
    gets = [
        "/tasks",
        f"/tasks/{pk}",
        f"/tasks/{pk}/reports",
        f"/tasks/{pk}/history",
        f"/campaigns/{world.campaign.pk}/periods",
        f"/campaigns/{world.campaign.pk}/dashboard",
        "/notifications",
    ]
    for path in gets:
        assert client.get(path).status_code == 401, path
    posts = [f"/tasks/{pk}/{action}" for action, _body in WRITES]
    for path in [*posts, "/tasks", "/periods/1/lock", "/notifications/read"]:
        response = client.post(path, {})
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert client.patch(f"/tasks/{pk}", {"version": 1}).status_code == 401


def test_a_token_reads_and_acts_like_its_holder(world, ledger, token_client):
    client = Api(token_client(world.gjz_liaison))
    pk = ledger["gjz"].pk
    assert client.post(f"/tasks/{pk}/accept").json()["status"] == "accepted"
    assert client.get(f"/tasks/{ledger['bureau'].pk}").status_code == 404


# --- the list's filter and pages ---------------------------------------------------------------


def test_filters_by_unit_status_light_deadline_source_and_text(world, ledger, api):
    client = api(world.office)
    actions.accept_task(world.gjz_liaison, ledger["gjz"])
    assert ids(client.get("/tasks", unit=world.ganjingzi.pk)) == [
        ledger["gjz"].pk,
        ledger["street"].pk,
    ]
    both = client.get("/tasks", status=["accepted", "returned"])
    assert ids(both) == [ledger["gjz"].pk]
    assert ids(client.get("/tasks", status=["assigned"], due_from="2018-11-03")) == [
        ledger["zs"].pk,
        ledger["bureau"].pk,
    ]
    assert ids(client.get("/tasks", due_to="2018-11-01")) == [ledger["gjz"].pk]
    assert ids(client.get("/tasks", q="科技局")) == [ledger["bureau"].pk]
    assert len(ids(client.get("/tasks", light=["green", "yellow"]))) == 4
    assert ids(client.get("/tasks", light="red")) == []
    assert ids(client.get("/tasks", source="finding")) == []
    assert len(ids(client.get("/tasks", campaign=world.campaign.pk, top_level="true"))) == 4
    assert len(ids(client.get("/tasks", key_task=world.key_task.pk, phase=world.phase1.pk))) == 4


def test_a_row_carries_units_labels_flags_and_version(world, ledger, api):
    row = api(world.office).get("/tasks", q="中山区").json()["items"][0]
    assert row["lead_unit"]["name"] == "Zhongshan District"
    assert [u["code"] for u in row["co_units"]] == ["GJZ"]
    assert row["status"] == "assigned" and row["status_label"] == "Assigned"
    assert row["light"] == "green" and row["key_task"]["number"] == 1
    assert row["phase"]["name_en"] == "Phase 1"
    assert row["priority"] == 2 and row["priority_label"] == "Normal"
    assert row["version"] == 1 and row["url"] == f"/desk/ledger/tasks/{ledger['zs'].pk}/"
    assert row["accept_by"] == "2018-10-11"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "done"}, "status"),
        ({"light": "blue"}, "light"),
        ({"due_from": "yesterday"}, "due_from"),
        ({"campaign": "abc"}, "campaign"),
        ({"unit": 0}, "unit"),
        ({"sort": "title"}, "sort"),
        ({"limit": 201}, "limit"),
        ({"cursor": "not a cursor!"}, "cursor"),
        ({"q": "a\x00b"}, "q"),
        ({"statuses": "assigned"}, "statuses"),
    ],
)
def test_malformed_filter_values_are_422_naming_the_parameter(world, ledger, api, params, field):
    response = api(world.office).get("/tasks", **params)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["errors"][0]["loc"] == ["query", field]
    assert body["detail"] == body["errors"][0]["msg"]


def test_the_ledger_filter_refuses_a_unit_outside_scope_and_a_reversed_range(world, ledger, api):
    outside = api(world.gjz_liaison).get("/tasks", unit=world.zhongshan.pk)
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["loc"] == ["query", "unit"]
    assert outside.json()["detail"].startswith("unit: Select a valid choice.")
    unknown = api(world.office).get("/tasks", campaign=999999)
    assert unknown.status_code == 422
    reversed_range = api(world.office).get("/tasks", due_from="2018-11-02", due_to="2018-11-01")
    assert reversed_range.status_code == 422
    assert reversed_range.json()["detail"] == ("due_to: The end of the range is before its start.")


def test_a_cursor_that_does_not_decode_is_422_not_the_first_page(world, ledger, api):
    response = api(world.office).get("/tasks", cursor="bm90LWEtY3Vyc29y")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize("sort", ["deadline", "-deadline", "updated", "priority", "created"])
def test_walking_the_pages_sees_every_task_once_in_the_sort_order(world, api, sort):
    for n in range(7):
        make_task(world, f"任务{n}", world.street, dt.date(2018, 11, 1 + n % 3))
    client = api(world.gjz_liaison)
    expected = ids(client.get("/tasks", sort=sort, limit=200))
    seen, url, pages = [], f"{API}/tasks?sort={sort}&limit=2&unit={world.street.pk}", 0
    while url:
        body = client.client.get(url).json()
        seen += [t["id"] for t in body["items"]]
        assert body["count"] is None
        url, pages = body["next"], pages + 1
    assert seen == expected and len(set(seen)) == 7 and pages == 4
    if sort == "deadline":
        deadlines = [Task.objects.get(pk=pk).deadline for pk in seen]
        assert deadlines == sorted(deadlines)


@pytest.mark.parametrize("rows", [10, 100])
def test_the_list_runs_the_same_queries_for_10_and_100_tasks(
    world, api, django_assert_num_queries, rows
):
    for n in range(rows):
        make_task(world, f"任务{n}", world.street, co_units=[world.zhongshan, world.bureau])
    client = api(world.gjz_liaison)
    # 1 session, 2 the caller, 3 their role grants, 4 the filter's campaign choice,
    # 5 the page of tasks with lead unit, key task and phase joined (keyset, limit + 1
    # rows as plain values; no COUNT), 6 their co-units' names and codes.
    with django_assert_num_queries(6):
        response = client.get("/tasks", limit=200, campaign=world.campaign.pk)
    assert len(response.json()["items"]) == rows


def test_the_list_answers_what_ninja_made_of_the_model_rows(world, ledger, api):
    """GET /tasks builds its JSON from plain values, without ninja's validation: the body
    must be byte for byte what validating the tasks as a TaskPage used to give."""
    from django.utils import translation
    from ninja.renderers import JSONRenderer

    from campaigndesk.api.ledger.schemas import TaskPage

    ledger["zs"].co_unit_links.create(unit=world.bureau)
    tasks = Task.objects.for_ledger().select_related("phase").order_by("deadline", "id")
    for lang in ("en", "zh-hans"):
        response = api(world.office).get("/tasks", lang=lang, limit=3)
        body = response.json()
        assert body["next"] and body["items"][0]["key_task"]["title"]
        with translation.override(lang):
            page = TaskPage.model_validate(
                {"items": list(tasks[:3]), "count": None, "next": body["next"]}
            )
            expected = JSONRenderer().render(None, page.model_dump(), response_status=200)
        assert response.content.decode() == expected
        assert response["Content-Type"] == "application/json; charset=utf-8"
    shared = next(t for t in body["items"] if t["id"] == ledger["zs"].pk)
    in_order = sorted((world.ganjingzi, world.bureau), key=lambda u: u.path)
    assert [u["code"] for u in shared["co_units"]] == [u.code for u in in_order]


# --- one task -----------------------------------------------------------------------------------


def test_a_task_shows_children_co_units_milestones_reports_and_the_callers_actions(
    world, ledger, api
):
    task = ledger["zs"]
    actions.accept_task(world.zs_liaison, task)
    ensure_periods(world.campaign)
    period = period_on(world.campaign, START)
    actions.report_progress(world.zs_liaison, task, period, progress=30, text="推进中")
    office = api(world.office).get(f"/tasks/{task.pk}").json()
    assert office["co_units"][0]["code"] == "GJZ"
    assert office["latest_reports"][0]["progress"] == 30
    assert office["latest_reports"][0]["period"]["current"] is True
    assert office["actions"] == ["cancel", "remind", "edit"]
    liaison = api(world.zs_liaison).get(f"/tasks/{task.pk}").json()
    assert liaison["actions"] == ["progress", "report-done"]
    assert liaison["campaign"]["code"] == "dalian-2018"
    co_unit = api(world.gjz_liaison).get(f"/tasks/{task.pk}").json()
    assert co_unit["actions"] == []  # a co-responsible unit reads, the lead unit acts

    parent = ledger["gjz"]
    actions.accept_task(world.gjz_liaison, parent)
    actions.split_task(
        world.gjz_liaison,
        parent,
        lead_unit=world.street,
        title="街道排查子任务",
        deadline=dt.date(2018, 10, 30),
    )
    body = api(world.gjz_liaison).get(f"/tasks/{parent.pk}").json()
    assert [c["title"] for c in body["children"]] == ["街道排查子任务"]
    assert body["more_children"] is False
    assert "progress" not in body["actions"] and "split" in body["actions"]


@pytest.mark.parametrize("bad", ["abc", "0", "-1", str(2**64), "1.5"])
def test_a_malformed_task_id_is_422_not_500(world, ledger, api, bad):
    client = api(world.office)
    for path in (f"/tasks/{bad}", f"/tasks/{bad}/reports", f"/tasks/{bad}/history"):
        response = client.get(path)
        assert response.status_code == 422, path
        assert response.json()["errors"][0]["loc"] == ["path", "task_id"]
    assert client.post(f"/tasks/{bad}/accept").status_code == 422


def test_an_unknown_task_is_404(world, ledger, api):
    assert api(world.office).get("/tasks/999999").status_code == 404
    assert api(world.office).post("/tasks/999999/close").status_code == 404


# --- the workflow -----------------------------------------------------------------------------


def test_the_whole_workflow_from_assignment_to_closure(world, api):
    office, liaison = api(world.office), api(world.gjz_liaison)
    created = office.post(
        "/tasks",
        {
            "campaign": world.campaign.pk,
            "title": "  优化审批流程  ",
            "description": "压缩审批时限",
            "key_task": world.key_task.pk,
            "phase": world.phase1.pk,
            "source": "meeting",
            "source_ref": "大办发〔2018〕1号",
            "lead_unit": world.ganjingzi.pk,
            "co_units": [world.bureau.pk],
            "responsible_leader": "王某",
            "deadline": "2018-12-14",
            "priority": 1,
            "milestones": [
                {"title": "形成方案", "due": "2018-11-15"},
                {"title": "完成初稿", "due": "2018-10-31"},
            ],
        },
    )
    assert created.status_code == 201, created.content
    task = created.json()
    pk = task["id"]
    assert task["title"] == "优化审批流程" and task["status"] == "assigned"
    assert [m["title"] for m in task["milestones"]] == ["完成初稿", "形成方案"]
    assert [u["code"] for u in task["co_units"]] == ["KJJ"]
    assert task["source"] == "meeting" and task["priority_label"] == "High"

    accepted = liaison.post(f"/tasks/{pk}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    report = liaison.post(f"/tasks/{pk}/progress", {"progress": 40, "text": "已形成初稿"})
    assert report.status_code == 201, report.content
    assert report.json()["period"]["starts_on"] == "2018-10-08"
    corrected = liaison.post(
        f"/tasks/{pk}/progress", {"progress": 45, "text": "已形成初稿并征求意见", "problems": "无"}
    )
    assert corrected.status_code == 200 and corrected.json()["id"] == report.json()["id"]
    assert liaison.get(f"/tasks/{pk}").json()["progress"] == 45

    done = liaison.post(f"/tasks/{pk}/report-done", {"note": "已完成，材料见附件"})
    assert done.status_code == 200 and done.json()["status"] == "reported"
    assert liaison.post(f"/tasks/{pk}/close").status_code == 403
    closed = office.post(f"/tasks/{pk}/close")
    assert closed.status_code == 200
    body = closed.json()
    assert body["status"] == "closed" and body["light"] == "none" and body["actions"] == ["reopen"]
    assert body["reported_by"]["username"] == "gjz_liaison"
    assert verify().ok


def test_the_reporter_cannot_close_their_own_task(world, ledger, api):
    both = UserFactory(username="office_and_liaison")
    grant(both, Role.OFFICE, world.city)
    grant(both, Role.LIAISON, world.ganjingzi)
    client = api(both)
    pk = ledger["gjz"].pk
    client.post(f"/tasks/{pk}/accept")
    client.post(f"/tasks/{pk}/report-done", {"note": "完成"})
    response = client.post(f"/tasks/{pk}/close")
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "The person who reported a task done cannot also verify it."
    )
    assert "close" not in client.get(f"/tasks/{pk}").json()["actions"]
    assert api(world.office).post(f"/tasks/{pk}/close").json()["status"] == "closed"


def test_an_illegal_state_change_is_422_with_the_actions_message(world, ledger, api):
    response = api(world.office).post(f"/tasks/{ledger['gjz'].pk}/close")
    assert response.status_code == 422
    assert response.json()["detail"] == "A task that is Assigned cannot be closed."
    response = api(world.gjz_liaison).post(
        f"/tasks/{ledger['gjz'].pk}/progress", {"progress": 5, "text": "x"}
    )
    assert response.json()["detail"] == "A task that is Assigned cannot be reported on."


def test_return_and_reassign(world, ledger, api):
    pk = ledger["gjz"].pk
    empty = api(world.gjz_liaison).post(f"/tasks/{pk}/return", {"reason": "  "})
    assert empty.status_code == 422
    assert empty.json()["errors"][0] == {
        "loc": ["body", "reason"],
        "msg": "Say why the task is not your unit's.",
        "type": "invalid",
    }
    returned = api(world.gjz_liaison).post(f"/tasks/{pk}/return", {"reason": "属中山区职责"})
    assert returned.json()["status"] == "returned"
    assert returned.json()["status_reason"] == "属中山区职责"
    office = api(world.office)
    unknown = office.post(f"/tasks/{pk}/reassign", {"unit": 999999})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "unit"]
    moved = office.post(f"/tasks/{pk}/reassign", {"unit": world.zhongshan.pk})
    assert moved.json()["lead_unit"]["code"] == "ZS" and moved.json()["status"] == "assigned"
    assert api(world.gjz_liaison).get(f"/tasks/{pk}").status_code == 404
    assert api(world.zs_liaison).post(f"/tasks/{pk}/accept").status_code == 200


def test_the_time_to_return_a_task_runs_out(world, ledger, api):
    with at(dt.date(2018, 10, 15)):
        response = api(world.gjz_liaison).post(f"/tasks/{ledger['gjz'].pk}/return", {"reason": "x"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("The time to return this task ended on")


def test_a_unit_splits_its_task_down_and_progress_rolls_up(world, ledger, api):
    parent = ledger["gjz"]
    liaison = api(world.gjz_liaison)
    before = liaison.post(
        f"/tasks/{parent.pk}/split",
        {"lead_unit": world.street.pk, "title": "子任务", "deadline": "2018-10-30"},
    )
    assert before.json()["detail"] == "Accept the task before splitting it."
    liaison.post(f"/tasks/{parent.pk}/accept")
    outside = liaison.post(
        f"/tasks/{parent.pk}/split",
        {"lead_unit": world.zhongshan.pk, "title": "子任务", "deadline": "2018-10-30"},
    )
    assert outside.status_code == 422
    assert outside.json()["detail"] == "There is no such unit among the units you can see."
    late = liaison.post(
        f"/tasks/{parent.pk}/split",
        {"lead_unit": world.street.pk, "title": "子任务", "deadline": "2018-12-30"},
    )
    assert late.status_code == 422 and late.json()["errors"][0]["loc"] == ["body", "deadline"]
    child = liaison.post(
        f"/tasks/{parent.pk}/split",
        {"lead_unit": world.street.pk, "title": "子任务", "deadline": "2018-10-30"},
    )
    assert child.status_code == 201
    assert child.json()["depth"] == 1 and child.json()["parent"]["id"] == parent.pk
    assert child.json()["source"] == "split"
    street = api(world.street_liaison)
    child_pk = child.json()["id"]
    street.post(f"/tasks/{child_pk}/accept")
    street.post(f"/tasks/{child_pk}/progress", {"progress": 60, "text": "过半"})
    assert liaison.get(f"/tasks/{parent.pk}").json()["progress"] == 60
    refused = liaison.post(f"/tasks/{parent.pk}/progress", {"progress": 10, "text": "x"})
    assert refused.status_code == 422
    assert "rolled up" in refused.json()["detail"]


def test_send_back_reopen_and_cancel_need_a_reason(world, ledger, api):
    pk = ledger["gjz"].pk
    office, liaison = api(world.office), api(world.gjz_liaison)
    liaison.post(f"/tasks/{pk}/accept")
    liaison.post(f"/tasks/{pk}/report-done", {"note": "完成"})
    assert office.post(f"/tasks/{pk}/send-back", {"reason": ""}).status_code == 422
    assert office.post(f"/tasks/{pk}/send-back", {}).json()["detail"] == "reason is required."
    sent_back = office.post(f"/tasks/{pk}/send-back", {"reason": "缺少佐证材料"})
    assert sent_back.json()["status"] == "in_progress"
    assert sent_back.json()["reopen_count"] == 1
    liaison.post(f"/tasks/{pk}/report-done", {"note": "补充材料"})
    office.post(f"/tasks/{pk}/close")
    assert office.post(f"/tasks/{pk}/reopen", {"reason": " "}).status_code == 422
    assert office.post(f"/tasks/{pk}/reopen", {"reason": "问题反弹"}).json()["reopen_count"] == 2
    assert office.post(f"/tasks/{pk}/cancel", {"reason": ""}).status_code == 422
    cancelled = office.post(f"/tasks/{pk}/cancel", {"reason": "任务调整"})
    assert cancelled.json()["status"] == "cancelled"
    assert office.post(f"/tasks/{pk}/cancel", {"reason": "再次"}).status_code == 422


def test_a_text_with_a_nul_character_or_an_unknown_field_is_422(world, ledger, api):
    pk = ledger["gjz"].pk
    client = api(world.gjz_liaison)
    assert client.post(f"/tasks/{pk}/return", {"reason": "a\x00b"}).status_code == 422
    extra = client.post(f"/tasks/{pk}/return", {"reason": "x", "why": "y"})
    assert extra.status_code == 422
    assert extra.json()["detail"] == "why is not an accepted field."
    not_json = client.client.post(
        f"{API}/tasks/{pk}/return?lang=en", "{", content_type="application/json"
    )
    assert not_json.status_code == 400
    assert client.post(f"/tasks/{pk}/accept").status_code == 200
    for body in ({"progress": 101, "text": "x"}, {"progress": "half", "text": "x"}):
        assert client.post(f"/tasks/{pk}/progress", body).status_code == 422


def test_the_office_reminds_a_unit_once_a_minute(world, ledger, api):
    pk = ledger["gjz"].pk
    office = api(world.office)
    assert office.post(f"/tasks/{pk}/remind", {"message": ""}).status_code == 422
    sent = office.post(f"/tasks/{pk}/remind", {"message": "请尽快签收"})
    assert sent.status_code == 200 and sent.json()["reminder_count"] == 1
    assert sent.json()["reminders"][0]["kind"] == "manual"
    assert Notification.objects.filter(recipient=world.gjz_liaison, task_id=pk).count() == 1
    again = office.post(f"/tasks/{pk}/remind", {"message": "请尽快签收"})
    assert again.status_code == 422
    assert again.json()["detail"] == "A reminder about this task was sent a moment ago."
    assert Reminder.objects.filter(task_id=pk).count() == 1
    assert api(world.gjz_liaison).post(f"/tasks/{pk}/remind", {"message": "x"}).status_code == 403


def test_the_office_assigns_only_to_units_it_sees_and_within_the_campaign(world, api):
    office = api(world.office)
    base = {
        "campaign": world.campaign.pk,
        "title": "任务",
        "lead_unit": world.ganjingzi.pk,
        "deadline": "2018-11-30",
    }
    other = KeyTaskFactory(campaign=CampaignFactory(code="other"), number=1)
    cases = [
        ({"campaign": 999999}, "campaign"),
        ({"lead_unit": 999999}, "lead_unit"),
        ({"co_units": [world.ganjingzi.pk]}, "co_units"),
        ({"co_units": [999999]}, "co_units"),
        ({"key_task": other.pk}, "key_task"),
        ({"deadline": "2020-01-31"}, "deadline"),
        ({"starts_on": "2018-12-01"}, "deadline"),
        ({"source": "split"}, "source"),
        ({"priority": 5}, "priority"),
        ({"title": "   "}, "title"),
        ({"milestones": [{"title": "x", "due": "soon"}]}, "milestones"),
    ]
    for change, field in cases:
        response = office.post("/tasks", {**base, **change})
        assert response.status_code == 422, (change, response.content)
        assert field in response.json()["errors"][0]["loc"], (change, response.json())
    assert Task.objects.count() == 0
    assert api(world.gjz_liaison).post("/tasks", base).status_code == 403


# --- editing and conflicts ---------------------------------------------------------------------


def test_editing_a_task_needs_its_version_and_a_stale_one_is_a_409_with_differences(
    world, ledger, api
):
    pk = ledger["gjz"].pk
    office = api(world.office)
    first = office.patch(f"/tasks/{pk}", {"version": 1, "title": "新标题", "priority": 0})
    assert first.status_code == 200, first.content
    assert first.json()["version"] == 2 and first.json()["title"] == "新标题"
    stale = office.patch(
        f"/tasks/{pk}", {"version": 1, "title": "另一个标题", "deadline": "2018-11-01"}
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["detail"] == "Someone else changed this task while you were editing it."
    assert body["version"] == 2
    assert body["differences"] == [
        {"field": "title", "label": "task", "saved": "新标题", "yours": "另一个标题"}
    ]
    assert body["errors"] == [
        {
            "loc": ["body", "title"],
            "msg": "task is now “新标题”; you sent “另一个标题”.",
            "type": "conflict",
        }
    ]
    task = Task.objects.get(pk=pk)
    assert (task.title, task.version) == ("新标题", 2)


def test_editing_refuses_bad_values_and_a_resend_of_the_same_values_writes_nothing(
    world, ledger, api
):
    pk = ledger["gjz"].pk
    office = api(world.office)
    assert office.patch(f"/tasks/{pk}", {"title": "x"}).status_code == 422  # no version
    assert office.patch(f"/tasks/{pk}", {"version": 1, "title": None}).status_code == 422
    assert office.patch(f"/tasks/{pk}", {"version": 1, "status": "closed"}).status_code == 422
    early = office.patch(f"/tasks/{pk}", {"version": 1, "deadline": "2018-10-01"})
    assert early.status_code == 422
    assert early.json()["errors"][0]["loc"] == ["body", "deadline"]
    assert office.patch(f"/tasks/{pk}", {"version": 1, "key_task": 999999}).status_code == 422
    same = office.patch(f"/tasks/{pk}", {"version": 1, "title": "甘井子区营商环境整治"})
    assert same.status_code == 200 and same.json()["version"] == 1
    cleared = office.patch(f"/tasks/{pk}", {"version": 1, "key_task": None, "phase": None})
    assert cleared.json()["key_task"] is None and cleared.json()["version"] == 2
    assert api(world.gjz_liaison).patch(f"/tasks/{pk}", {"version": 2}).status_code == 403


def test_a_unit_edits_the_child_task_it_split_off(world, ledger, api):
    parent = ledger["gjz"]
    actions.accept_task(world.gjz_liaison, parent)
    child = actions.split_task(
        world.gjz_liaison,
        parent,
        lead_unit=world.street,
        title="子",
        deadline=dt.date(2018, 10, 30),
    )
    response = api(world.gjz_liaison).patch(f"/tasks/{child.pk}", {"version": 1, "title": "子任务"})
    assert response.status_code == 200 and response.json()["title"] == "子任务"
    assert api(world.street_liaison).patch(f"/tasks/{child.pk}", {"version": 2}).status_code == 403


# --- reports and history -------------------------------------------------------------------------


def test_reports_list_every_period_latest_first_and_pages(world, ledger, api):
    task = ledger["gjz"]
    actions.accept_task(world.gjz_liaison, task)
    ensure_periods(world.campaign)
    for day, progress in ((START, 10), (START + dt.timedelta(days=7), 30)):
        with at(day):
            period = period_on(world.campaign, day)
            actions.report_progress(world.gjz_liaison, task, period, progress=progress, text="x")
    client = api(world.gjz_liaison)
    first = client.get(f"/tasks/{task.pk}/reports", limit=1).json()
    assert first["count"] == 2 and first["items"][0]["progress"] == 30
    second = client.client.get(first["next"]).json()
    assert second["items"][0]["progress"] == 10 and second["next"] is None
    assert second["items"][0]["reported_by"]["username"] == "gjz_liaison"


def test_progress_for_a_named_period_of_another_campaign_or_a_locked_one_is_422(world, ledger, api):
    task = ledger["gjz"]
    actions.accept_task(world.gjz_liaison, task)
    ensure_periods(world.campaign)
    other = CampaignFactory(code="other", calendar=world.campaign.calendar)
    ensure_periods(other)
    foreign = ReportingPeriod.objects.filter(campaign=other).first()
    client = api(world.gjz_liaison)
    response = client.post(
        f"/tasks/{task.pk}/progress", {"period": foreign.pk, "progress": 5, "text": "x"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "period"]
    past = period_on(world.campaign, dt.date(2018, 10, 1))
    api(world.office).post(f"/periods/{past.pk}/lock")
    locked = client.post(
        f"/tasks/{task.pk}/progress", {"period": past.pk, "progress": 5, "text": "x"}
    )
    assert locked.status_code == 422 and "locked" in locked.json()["detail"]


def test_history_lists_the_audit_records_of_the_task_newest_first(world, ledger, api):
    pk = ledger["gjz"].pk
    api(world.gjz_liaison).post(f"/tasks/{pk}/accept")
    body = api(world.gjz_liaison).get(f"/tasks/{pk}/history").json()
    assert [r["action"] for r in body["items"]] == ["ledger.accept_task", "ledger.create_task"]
    accepted = body["items"][0]
    assert accepted["actor"] == "gjz_liaison" and accepted["verb"] == "update"
    status = next(c for c in accepted["changes"] if c["field"] == "status")
    assert (status["label"], status["before"], status["after"]) == (
        "status",
        "Assigned",
        "Accepted",
    )
    created = body["items"][1]
    lead = next(c for c in created["changes"] if c["field"] == "lead_unit_id")
    assert lead["after"] == "Ganjingzi District"  # the unit's name, not its id
    page = api(world.gjz_liaison).get(f"/tasks/{pk}/history", limit=1).json()
    assert page["count"] == 2 and page["next"]


# --- reporting periods ----------------------------------------------------------------------------


def test_periods_are_listed_with_their_lock_and_the_office_locks_an_ended_one(world, api):
    client = api(world.gjz_liaison)
    body = client.get(f"/campaigns/{world.campaign.pk}/periods", limit=200).json()
    assert body["count"] == ReportingPeriod.objects.filter(campaign=world.campaign).count() > 50
    first, current = body["items"][0], next(p for p in body["items"] if p["current"])
    assert (first["number"], first["starts_on"], first["locked"]) == (1, "2018-09-01", False)
    assert current["starts_on"] == "2018-10-08"
    assert client.post(f"/periods/{first['id']}/lock").status_code == 403
    office = api(world.office)
    locked = office.post(f"/periods/{first['id']}/lock")
    assert locked.status_code == 200 and locked.json()["locked"] is True
    assert (
        office.post(f"/periods/{first['id']}/lock").json()["locked_at"]
        == (locked.json()["locked_at"])
    )
    refused = office.post(f"/periods/{current['id']}/lock")
    assert refused.status_code == 422
    assert refused.json()["detail"] == "Only a period that has ended can be locked."
    assert office.post("/periods/999999/lock").status_code == 404
    assert office.post("/periods/abc/lock").status_code == 422
    assert api(world.leader).post(f"/periods/{first['id']}/lock").status_code == 403
    assert api(world.nobody).get(f"/campaigns/{world.campaign.pk}/periods").status_code == 403
    assert office.get("/campaigns/999999/periods").status_code == 404


# --- the inbox ----------------------------------------------------------------------------------


def test_the_inbox_is_the_callers_own_and_marks_read(world, ledger, api):
    for key in ("gjz", "street"):
        reminders.send_manual_reminder(world.office, [ledger[key]], "请签收")
    reminders.send_manual_reminder(world.office, [ledger["zs"]], "请签收")
    mine = api(world.gjz_liaison).get("/notifications").json()
    assert mine["count"] == 1 and mine["unread"] == 1
    assert mine["items"][0]["task_id"] == ledger["gjz"].pk and mine["items"][0]["read"] is False
    zs_note = Notification.objects.get(recipient=world.zs_liaison)
    client = api(world.gjz_liaison)
    skipped = client.post("/notifications/read", {"ids": [zs_note.pk]})
    assert skipped.json() == {"marked": 0, "unread": 1}
    marked = client.post("/notifications/read", {"ids": [mine["items"][0]["id"]]})
    assert marked.json() == {"marked": 1, "unread": 0}
    assert client.get("/notifications", unread="true").json()["items"] == []
    assert len(client.get("/notifications", unread="false").json()["items"]) == 1
    zs = api(world.zs_liaison)
    assert zs.post("/notifications/read", {"all": True}).json() == {"marked": 1, "unread": 0}
    for body in ({}, {"ids": [1], "all": True}, {"ids": ["x"]}):
        assert client.post("/notifications/read", body).status_code == 422, body
    assert api(world.nobody).get("/notifications").json()["items"] == []


@pytest.mark.parametrize("rows", [10, 100])
def test_the_inbox_runs_the_same_queries_for_10_and_100_notifications(
    world, api, django_assert_num_queries, rows
):
    task = make_task(world, "任务", world.ganjingzi)
    Notification.objects.bulk_create(
        Notification(recipient=world.gjz_liaison, task=task, title=f"n{n}", created_at=clock.now())
        for n in range(rows)
    )
    client = api(world.gjz_liaison)
    # 1 session, 2 the caller, 3 COUNT, 4 the page, 5 the unread count.
    with django_assert_num_queries(5):
        response = client.get("/notifications", limit=200)
    assert len(response.json()["items"]) == rows


# --- the dashboard --------------------------------------------------------------------------------


def test_the_dashboard_counts_what_the_caller_sees(world, ledger, api):
    actions.accept_task(world.zs_liaison, ledger["zs"])
    office = api(world.office).get(f"/campaigns/{world.campaign.pk}/dashboard").json()
    assert office["total"] == 4
    statuses = {s["status"]: s["count"] for s in office["statuses"]}
    assert statuses["assigned"] == 3 and statuses["accepted"] == 1
    assert {s["light"]: s["count"] for s in office["lights"]}["green"] == 4
    assert {u["unit"]["code"] for u in office["units"]} == {"GJZ", "ZS", "KJJ"}
    assert office["phases"][0]["phase"]["number"] == 1 and office["phases"][0]["total"] == 4
    assert office["trend"] and office["trend_by_period"] in (True, False)
    zs = api(world.zs_liaison).get(f"/campaigns/{world.campaign.pk}/dashboard").json()
    assert zs["total"] == 1 and [u["unit"]["code"] for u in zs["units"]] == ["ZS"]
    assert api(world.nobody).get(f"/campaigns/{world.campaign.pk}/dashboard").status_code == 403
    assert api(world.office).get("/campaigns/999999/dashboard").status_code == 404


# --- query counts of the other lists and pages ---------------------------------------------------


@pytest.mark.parametrize("rows", [10, 100])
def test_a_task_page_runs_the_same_queries_for_10_and_100_children(
    world, ledger, api, django_assert_num_queries, rows
):
    parent = ledger["gjz"]
    actions.accept_task(world.gjz_liaison, parent)
    for n in range(rows):
        actions.split_task(
            world.gjz_liaison,
            parent,
            lead_unit=world.street,
            title=f"子任务{n}",
            deadline=dt.date(2018, 10, 30),
        )
    ensure_periods(world.campaign)
    client = api(world.gjz_liaison)
    # 1 session, 2 the caller, 3 their role grants, 4 the task with campaign, units, key
    # task, phase and parent, 5 its co-unit links with units, 6 its children (at most
    # 101) with lead units, 7 milestones, 8 the latest reports with periods and reporters
    # (their attachments would be a 9th query; there are no reports), 9 evidence files,
    # 10 reminders, 11 whether the lead unit has units below it (to offer a split).
    with django_assert_num_queries(11):
        response = client.get(f"/tasks/{parent.pk}")
    body = response.json()
    assert len(body["children"]) == min(rows, 100) and body["more_children"] is (rows > 100)


@pytest.mark.parametrize("rows", [10, 100])
def test_the_history_runs_the_same_queries_for_10_and_100_records(
    world, ledger, api, django_assert_num_queries, rows
):
    task = ledger["gjz"]
    for n in range(rows - 1):
        task = actions.update_task(world.office, task, {"title": f"标题{n}"}, task.version)
    client = api(world.gjz_liaison)
    # 1 session, 2 the caller, 3 their role grants, 4 the task, 5 COUNT of its records,
    # 6 the page of records with their content types, then the current names of what the
    # records' foreign keys point at, one query per related model (not per record):
    # 7 campaigns, 8 key tasks, 9 phases, 10 units, 11 people.
    with django_assert_num_queries(11):
        response = client.get(f"/tasks/{task.pk}/history", limit=200)
    assert len(response.json()["items"]) == rows


@pytest.mark.parametrize("rows", [10, 100])
def test_the_reports_and_periods_run_the_same_queries_for_10_and_100_rows(
    world, api, django_assert_num_queries, rows
):
    campaign = CampaignFactory(
        code="long",
        calendar=world.campaign.calendar,
        starts_on=dt.date(2018, 1, 1),
        ends_on=dt.date(2018, 1, 1) + dt.timedelta(weeks=rows) - dt.timedelta(days=1),
    )
    ensure_periods(campaign)
    task = actions.create_task(
        world.office,
        campaign=campaign,
        title="长期任务",
        lead_unit=world.ganjingzi,
        starts_on=campaign.starts_on,
        deadline=campaign.ends_on,
    )
    actions.accept_task(world.gjz_liaison, task)
    ProgressReport = task.reports.model
    ProgressReport.objects.bulk_create(
        ProgressReport(
            task=task,
            period=period,
            progress=1,
            text="x",
            reported_by=world.gjz_liaison,
            reported_at=clock.now(),
        )
        for period in ReportingPeriod.objects.filter(campaign=campaign)
    )
    client = api(world.gjz_liaison)
    # The first request since the test data was written: 1 session and the reference
    # stamp, 2 the caller, 3 their role grants (both kept per process from here on),
    # 4 the task, 5 COUNT, 6 the page of reports with periods and reporters, 7 their
    # attachments.
    with django_assert_num_queries(7):
        response = client.get(f"/tasks/{task.pk}/reports", limit=200)
    assert len(response.json()["items"]) == rows
    # 1 session and the reference stamp, 2 the campaign, 3 whether it has periods,
    # 4 COUNT, 5 the page. (The caller and their role grants come from the process cache.)
    with django_assert_num_queries(5):
        response = client.get(f"/campaigns/{campaign.pk}/periods", limit=200)
    assert len(response.json()["items"]) == rows


@pytest.mark.parametrize("rows", [10, 100])
def test_the_dashboard_runs_the_same_queries_for_10_and_100_tasks(
    world, api, django_assert_num_queries, rows
):
    for n in range(rows):
        make_task(world, f"任务{n}", [world.street, world.zhongshan, world.bureau][n % 3])
    client = api(world.office)
    url = f"/campaigns/{world.campaign.pk}/dashboard"
    computed = client.get(url).json()  # computes the figures (GROUP BYs) and stores them
    assert computed["total"] == rows
    # The desk dashboard's stored figures, read back: 1 session and the reference stamp,
    # 2 the campaign, 3 the stored figures at the ledger's version, 4 the branch units,
    # 5 the phases. (The caller and their role grants come from the process cache.)
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.json() == computed
