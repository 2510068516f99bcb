"""Work plans under /api/v1/: who sees which plans, measures, the workflow from draft to
approved tasks, returns and revisions, and the comparison of versions."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from campaigndesk import clock
from campaigndesk.campaigns import plans
from campaigndesk.campaigns.models import PlanMeasure, PlanStatus, WorkPlan
from campaigndesk.ledger.models import Source, TaskStatus
from tests.factories import CampaignFactory, KeyTaskFactory, UnitFactory

from .conftest import API

START = dt.date(2018, 10, 8)


@pytest.fixture(autouse=True)
def on_start_day():
    with clock.frozen_at(dt.datetime.combine(START, dt.time(10), tzinfo=dt.UTC)):
        yield


class Api:
    def __init__(self, client):
        self.client = client

    def get(self, path, **params):
        return self.client.get(f"{API}{path}", {"lang": "en", **params})

    def _send(self, method, path, body):
        return getattr(self.client, method)(
            f"{API}{path}?lang=en", json.dumps(body or {}), content_type="application/json"
        )

    def post(self, path, body=None):
        return self._send("post", path, body)

    def patch(self, path, body=None):
        return self._send("patch", path, body)

    def delete(self, path):
        return self._send("delete", path, None)


@pytest.fixture
def api(api_client):
    return lambda user: Api(api_client(user))


MEASURE = {"title": "梳理营商环境问题清单", "owner_name": "王某", "deadline": "2018-12-14"}


@pytest.fixture
def gjz_plan(world):
    """Ganjingzi's draft plan with one measure."""
    plan = plans.start_plan(world.gjz_liaison, world.campaign, world.ganjingzi)
    plans.add_measure(
        world.gjz_liaison,
        plan,
        key_task=world.key_task,
        title=MEASURE["title"],
        owner_name="王某",
        deadline=dt.date(2018, 12, 14),
    )
    return plan


@pytest.fixture
def zs_plan(world):
    return plans.start_plan(world.zs_liaison, world.campaign, world.zhongshan)


# --- who sees which plans ---------------------------------------------------------------------


def test_office_sees_every_plan_and_a_liaison_only_their_units(world, gjz_plan, zs_plan, api):
    street = plans.start_plan(world.street_liaison, world.campaign, world.street)
    listed = {
        persona: [p["id"] for p in api(getattr(world, persona)).get("/plans").json()["items"]]
        for persona in ("office", "leader", "gjz_liaison", "zs_liaison", "street_liaison")
    }
    assert listed["office"] == listed["leader"] == [gjz_plan.pk, street.pk, zs_plan.pk]
    assert listed["gjz_liaison"] == [gjz_plan.pk, street.pk]
    assert listed["zs_liaison"] == [zs_plan.pk]
    assert listed["street_liaison"] == [street.pk]


def test_plan_list_filters_by_campaign_unit_and_status(world, gjz_plan, zs_plan, api):
    client = api(world.office)
    body = client.get("/plans", unit=world.zhongshan.pk).json()
    assert [p["id"] for p in body["items"]] == [zs_plan.pk] and body["count"] == 1
    assert client.get("/plans", status="approved").json()["items"] == []
    other = CampaignFactory(code="other")
    assert client.get("/plans", campaign=other.pk).json()["items"] == []
    assert client.get("/plans", status="finished").status_code == 422
    row = client.get("/plans", campaign=world.campaign.pk).json()["items"][0]
    assert row["measure_count"] == 1 and row["status_label"] == "Draft"
    assert row["unit"]["name"] == "Ganjingzi District" and row["url"].endswith(f"/{gjz_plan.pk}/")


def test_another_districts_plan_and_its_measures_are_404(world, gjz_plan, api):
    client = api(world.zs_liaison)
    measure = gjz_plan.measures.get()
    for path in (f"/plans/{gjz_plan.pk}", f"/plans/{gjz_plan.pk}/compare"):
        assert client.get(path).status_code == 404, path
    for step in ("submit", "endorse", "approve", "return"):
        assert client.post(f"/plans/{gjz_plan.pk}/{step}", {"comment": "x"}).status_code == 404
    assert client.patch(f"/plans/{gjz_plan.pk}", {"summary": "x"}).status_code == 404
    assert client.post(f"/plans/{gjz_plan.pk}/measures", MEASURE).status_code == 404
    assert client.patch(f"/measures/{measure.pk}", {"title": "x"}).status_code == 404
    assert client.delete(f"/measures/{measure.pk}").status_code == 404
    assert PlanMeasure.objects.filter(pk=measure.pk).exists()


def test_leader_reads_plans_but_every_change_is_403(world, gjz_plan, api):
    client = api(world.leader)
    body = client.get(f"/plans/{gjz_plan.pk}").json()
    assert body["actions"] == [] and body["measures"][0]["title"] == MEASURE["title"]
    measure = gjz_plan.measures.get()
    refused = [
        client.post("/plans", {"campaign": world.campaign.pk, "unit": world.bureau.pk}),
        client.patch(f"/plans/{gjz_plan.pk}", {"summary": "x"}),
        client.post(f"/plans/{gjz_plan.pk}/measures", MEASURE),
        client.patch(f"/measures/{measure.pk}", {"title": "x"}),
        client.delete(f"/measures/{measure.pk}"),
        client.post(f"/plans/{gjz_plan.pk}/submit"),
        client.post(f"/plans/{gjz_plan.pk}/endorse"),
        client.post(f"/plans/{gjz_plan.pk}/approve", {"comment": "x"}),
        client.post(f"/plans/{gjz_plan.pk}/return", {"comment": "x"}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    gjz_plan.refresh_from_db()
    assert gjz_plan.status == PlanStatus.DRAFT and gjz_plan.measures.count() == 1


def test_person_without_a_role_gets_403_and_anonymous_gets_401(world, gjz_plan, api):
    assert api(world.nobody).get("/plans").status_code == 403
    assert api(world.nobody).get(f"/plans/{gjz_plan.pk}").status_code == 404
    anonymous = api(world.citizen)
    measure = gjz_plan.measures.get()
    responses = [
        anonymous.get("/plans"),
        anonymous.get(f"/plans/{gjz_plan.pk}"),
        anonymous.get(f"/plans/{gjz_plan.pk}/compare"),
        anonymous.post("/plans", {}),
        anonymous.patch(f"/plans/{gjz_plan.pk}", {}),
        anonymous.post(f"/plans/{gjz_plan.pk}/measures", {}),
        anonymous.patch(f"/measures/{measure.pk}", {}),
        anonymous.delete(f"/measures/{measure.pk}"),
        *(anonymous.post(f"/plans/{gjz_plan.pk}/{s}") for s in ("submit", "endorse")),
        *(anonymous.post(f"/plans/{gjz_plan.pk}/{s}") for s in ("approve", "return")),
    ]
    assert [r.status_code for r in responses] == [401] * len(responses)


@pytest.mark.parametrize("bad", ["abc", "0", str(2**64)])
def test_a_malformed_plan_or_measure_id_is_422(world, gjz_plan, api, bad):
    client = api(world.office)
    assert client.get(f"/plans/{bad}").status_code == 422
    assert client.patch(f"/measures/{bad}", {"title": "x"}).status_code == 422
    assert client.delete(f"/measures/{bad}").status_code == 422
    assert client.get("/plans/999999").status_code == 404


# --- the workflow ---------------------------------------------------------------------------


def test_a_plan_goes_from_draft_to_approved_tasks_through_the_api(world, api):
    liaison, head, office = api(world.gjz_liaison), api(world.gjz_head), api(world.office)
    started = liaison.post("/plans", {"campaign": world.campaign.pk, "unit": world.ganjingzi.pk})
    assert started.status_code == 201, started.content
    pk = started.json()["id"]
    again = liaison.post("/plans", {"campaign": world.campaign.pk, "unit": world.ganjingzi.pk})
    assert again.status_code == 200 and again.json()["id"] == pk
    assert started.json()["actions"] == ["edit"]  # nothing to submit yet

    added = liaison.post(
        f"/plans/{pk}/measures",
        {
            **MEASURE,
            "key_task": world.key_task.pk,
            "milestones": [
                {"title": "形成初稿", "due": "2018-11-15"},
                {"title": "调研", "due": "2018-10-31"},
            ],
        },
    )
    assert added.status_code == 201, added.content
    measure = added.json()
    assert measure["number"] == 1 and measure["key_task"]["number"] == 1
    assert [m["title"] for m in measure["milestones"]] == ["调研", "形成初稿"]
    edited = liaison.patch(f"/measures/{measure['id']}", {"owner_name": "李某"})
    assert edited.status_code == 200 and edited.json()["owner_name"] == "李某"
    assert edited.json()["title"] == MEASURE["title"]
    summary = liaison.patch(f"/plans/{pk}", {"summary": "围绕营商环境开展整治"})
    assert summary.json()["summary"] == "围绕营商环境开展整治"

    submitted = liaison.post(f"/plans/{pk}/submit")
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["versions"][0]["number"] == 1
    assert submitted.json()["versions"][0]["measures"][0]["owner_name"] == "李某"
    assert liaison.post(f"/plans/{pk}/endorse").status_code == 403
    changed_while_waiting = liaison.patch(f"/plans/{pk}", {"summary": "x"})
    assert changed_while_waiting.status_code == 422
    assert head.get(f"/plans/{pk}").json()["actions"] == ["endorse", "return"]
    endorsed = head.post(f"/plans/{pk}/endorse")
    assert endorsed.json()["status"] == "endorsed"
    assert office.get(f"/plans/{pk}").json()["actions"] == ["approve", "return"]
    approved = office.post(f"/plans/{pk}/approve", {"comment": "同意"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved" and approved.json()["approved_version"] == 1
    assert approved.json()["office_comment"] == "同意"

    tasks = liaison.get("/tasks", source=Source.WORK_PLAN).json()["items"]
    assert [t["title"] for t in tasks] == [MEASURE["title"]]
    assert tasks[0]["status"] == TaskStatus.ACCEPTED and tasks[0]["responsible_leader"] == "李某"
    task = liaison.get(f"/tasks/{tasks[0]['id']}").json()
    assert task["plan_id"] == pk and len(task["milestones"]) == 2


def test_a_returned_plan_is_revised_and_the_office_compares_the_versions(world, gjz_plan, api):
    liaison, head, office = api(world.gjz_liaison), api(world.gjz_head), api(world.office)
    pk = gjz_plan.pk
    liaison.post(f"/plans/{pk}/submit")
    assert head.post(f"/plans/{pk}/return", {"comment": ""}).status_code == 422
    returned = head.post(f"/plans/{pk}/return", {"comment": "补充时间节点"})
    assert returned.json()["status"] == "returned"
    liaison.post(f"/plans/{pk}/submit")
    head.post(f"/plans/{pk}/endorse")
    office.post(f"/plans/{pk}/approve", {"comment": ""})
    nothing = office.get(f"/plans/{pk}/compare").json()
    assert nothing["approved"] is None and nothing["submitted"]["number"] == 2

    measure = gjz_plan.measures.get()
    revised = liaison.patch(f"/measures/{measure.pk}", {"deadline": "2018-12-21"})
    assert revised.status_code == 200
    assert liaison.get(f"/plans/{pk}").json()["status"] == "draft"  # a revision began
    liaison.post(f"/plans/{pk}/measures", {**MEASURE, "title": "新增措施", "number": 5})
    liaison.post(f"/plans/{pk}/submit")
    diff = office.get(f"/plans/{pk}/compare").json()
    assert (diff["submitted"]["number"], diff["approved"]["number"]) == (3, 2)
    assert [m["title"] for m in diff["added"]] == ["新增措施"] and diff["removed"] == []
    assert diff["changed"] == [
        {"number": 1, "field": "deadline", "old": "2018-12-14", "new": "2018-12-21"}
    ]
    assert [v["number"] for v in office.get(f"/plans/{pk}").json()["versions"]] == [3, 2, 1]
    assert office.get(f"/plans/{pk}").json()["versions"][1]["outcome"] == "approved"


def test_steps_out_of_order_are_422_with_the_reason(world, gjz_plan, zs_plan, api):
    office = api(world.office)
    early = office.post(f"/plans/{gjz_plan.pk}/approve", {"comment": "x"})
    assert early.status_code == 422
    assert early.json()["detail"] == "The plan has never been submitted."
    empty = api(world.zs_liaison).post(f"/plans/{zs_plan.pk}/submit")
    assert empty.status_code == 422
    assert empty.json()["detail"] == "Add at least one measure before submitting the plan."
    api(world.gjz_liaison).post(f"/plans/{gjz_plan.pk}/submit")
    twice = api(world.gjz_liaison).post(f"/plans/{gjz_plan.pk}/submit")
    assert twice.status_code == 422
    assert twice.json()["detail"].startswith("A plan that is Submitted cannot be moved to")
    assert office.post(f"/plans/{gjz_plan.pk}/endorse").status_code == 403


def test_a_plan_is_started_only_for_ones_own_unit(world, api):
    body = {"campaign": world.campaign.pk, "unit": world.zhongshan.pk}
    outside = api(world.gjz_liaison).post("/plans", body)
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["loc"] == ["body", "unit"]
    assert api(world.gjz_liaison).post("/plans", {**body, "campaign": 999999}).status_code == 422
    assert api(world.office).post("/plans", body).status_code == 403
    below = api(world.gjz_liaison).post(
        "/plans", {"campaign": world.campaign.pk, "unit": world.street.pk}
    )
    assert below.status_code == 201 and below.json()["unit"]["code"] == "GJZ-ST"
    assert not WorkPlan.objects.filter(unit=world.zhongshan).exists()


def test_measures_are_checked_before_anything_is_saved(world, gjz_plan, api):
    client = api(world.gjz_liaison)
    other = KeyTaskFactory(campaign=CampaignFactory(code="other"), number=1)
    cases = [
        ({"deadline": "2021-01-01"}, "deadline"),
        ({"key_task": other.pk}, "key_task"),
        ({"number": 1}, "__all__"),
        ({"title": "  "}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"milestones": [{"title": "x", "due": "later"}]}, "milestones"),
        ({"milestones": [{"title": "x"}]}, "milestones"),
        ({"owner": "x"}, "owner"),
    ]
    for change, field in cases:
        response = client.post(f"/plans/{gjz_plan.pk}/measures", {**MEASURE, **change})
        assert response.status_code == 422, (change, response.content)
        body = response.json()
        assert body["detail"] == body["errors"][0]["msg"]
        assert field in body["errors"][0]["loc"], (change, body)
    assert gjz_plan.measures.count() == 1
    measure = gjz_plan.measures.get()
    assert client.patch(f"/measures/{measure.pk}", {"title": None}).status_code == 422
    cleared = client.patch(f"/measures/{measure.pk}", {"key_task": None})
    assert cleared.status_code == 200 and cleared.json()["key_task"] is None


def test_deleting_a_measure_answers_the_plan_without_it(world, gjz_plan, api):
    client = api(world.gjz_liaison)
    second = client.post(f"/plans/{gjz_plan.pk}/measures", {**MEASURE, "title": "第二项"}).json()
    response = client.delete(f"/measures/{second['id']}")
    assert response.status_code == 200
    assert [m["title"] for m in response.json()["measures"]] == [MEASURE["title"]]
    assert response.json()["measure_count"] == 1
    assert client.delete(f"/measures/{second['id']}").status_code == 404


# --- query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [10, 100])
def test_plan_list_runs_the_same_queries_for_10_and_100_plans(
    world, api, django_assert_num_queries, rows
):
    for n in range(rows):
        unit = UnitFactory(code=f"U{n}", parent=world.street)
        plans.start_plan(world.gjz_liaison, world.campaign, unit)
    client = api(world.office)
    # 1 session, 2 the caller, 3 their role grants, 4 COUNT, 5 the page with campaign and
    # unit joined and the measures counted.
    with django_assert_num_queries(5):
        response = client.get("/plans", limit=200)
    assert len(response.json()["items"]) == rows


@pytest.mark.parametrize("rows", [10, 100])
def test_a_plan_page_runs_the_same_queries_for_10_and_100_measures(
    world, gjz_plan, api, django_assert_num_queries, rows
):
    for n in range(rows - 1):
        plans.add_measure(
            world.gjz_liaison,
            gjz_plan,
            key_task=world.key_task,
            title=f"措施{n}",
            deadline=dt.date(2018, 12, 1),
        )
    client = api(world.gjz_liaison)
    # 1 session, 2 the caller, 3 their role grants, 4 the plan with campaign and unit,
    # 5 its measures with key tasks, 6 its versions with who submitted them.
    with django_assert_num_queries(6):
        response = client.get(f"/plans/{gjz_plan.pk}")
    assert len(response.json()["measures"]) == rows
