"""Learned triage under /api/v1/: hints and duplicates of a suggestion, the model's
versions with live precision, roll back, training on demand, the auto-routing threshold,
units' keywords and hot topics. Each with its happy path, the personas it refuses, bad
input and (for lists) a query count that does not grow with the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from campaigndesk import clock
from campaigndesk.audit.models import AuditRecord
from campaigndesk.suggestions import actions
from campaigndesk.suggestions.models import Status
from campaigndesk.triage import dedupe, routing, topic_jobs
from campaigndesk.triage.models import RoutingModel, TopicRun, TriageSettings, UnitKeyword
from tests.triage import test_routing as triage_tests

from . import test_suggestions_api as base

category = base.category
history = triage_tests.history
trained = triage_tests.trained
SCHOOL = triage_tests.SCHOOL
DAY = dt.date(2018, 12, 3)


class Api(base.Api):
    def send(self, method, path, body=None):
        import json

        sep = "&" if "?" in path else "?"
        return getattr(self.client, method)(
            f"/api/v1{path}{sep}lang=en",
            json.dumps(body if body is not None else {}),
            content_type="application/json",
        )


@pytest.fixture(autouse=True)
def on_a_campaign_day():
    with base.at(DAY):
        yield


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


def make_version(version: int, active: bool) -> RoutingModel:
    return RoutingModel.objects.create(
        version=version,
        trained_on=100,
        classes=["1", "2"],
        metrics={"macro_f1": 0.9, "accuracy": 0.91},
        blob=routing.dumps({"not": "a model"}),
        is_active=active,
    )


# --- hints and duplicates ---------------------------------------------------------------------


def test_a_trained_model_hints_three_units_with_their_confidence(world, api, trained):
    s = triage_tests.submit(world, *SCHOOL)
    body = api(world.office).get(f"/suggestions/{s.pk}/hints").json()
    assert len(body["units"]) == 3
    assert body["units"][0]["unit"]["code"] == "ZS"
    first, second = body["units"][0], body["units"][1]
    assert 0 < first["confidence"] <= 1 and first["confidence"] >= second["confidence"]
    assert first["percent"] == round(100 * first["confidence"]) and first["basis"] == ""


def test_without_a_model_the_hint_is_the_category_unit(world, api, category):
    s = base.submit(world, category=category)
    body = api(world.office).get(f"/suggestions/{s.pk}/hints").json()
    assert body["units"] == [
        {
            "unit": body["units"][0]["unit"],
            "confidence": None,
            "percent": None,
            "basis": "by category",
        }
    ]
    assert body["units"][0]["unit"]["code"] == "KJJ"


def test_duplicates_are_found_and_merged_through_duplicate(world, api):
    text = "建议在甘井子区红旗街道增设公共停车场，解决居民停车难的问题，晚上车辆乱停乱放。"
    original = base.submit(world, title="增设停车场", body=text)
    copy = base.submit(world, title="增设停车场", body=text + "谢谢")
    for s in (original, copy):  # what the search task after intake does first
        dedupe.index_suggestion(s)
    office = api(world.office)
    body = office.get(f"/suggestions/{copy.pk}/duplicates").json()
    assert body["items"][0]["suggestion"]["id"] == original.pk
    assert body["items"][0]["similarity"] > 0.8
    merged = office.post(f"/suggestions/{copy.pk}/duplicate", {"original": original.pk})
    assert merged.status_code == 200, merged.content
    copy.refresh_from_db()
    assert copy.status == Status.DUPLICATE and copy.duplicate_of_id == original.pk
    assert AuditRecord.objects.filter(action="suggestions.mark_duplicate").exists()


def test_hints_and_duplicates_are_for_the_office(world, api, category):
    s = base.submit(world, category=category)
    actions.route(world.office, [s], world.ganjingzi)
    for path in (f"/suggestions/{s.pk}/hints", f"/suggestions/{s.pk}/duplicates"):
        error(api(world.gjz_liaison).get(path), 403)  # sees it, may not triage it
        error(api(world.zs_liaison).get(path), 404)  # does not see it
        error(api(world.citizen).get(path), 401)


def test_hints_bad_input_is_a_422(world, api):
    office = api(world.office)
    error(office.get("/suggestions/abc/hints"))
    error(office.get("/suggestions/999999/duplicates"), 404)
    s = base.submit(world)
    error(office.get(f"/suggestions/{s.pk}/duplicates", limit=50))


# --- versions, roll back, training --------------------------------------------------------------


def test_versions_with_live_precision_and_roll_back_audited(world, api, trained):
    followed, corrected = (triage_tests.submit(world, *SCHOOL) for _ in range(2))
    actions.route(world.office, [followed], world.zhongshan)
    actions.route(world.office, [corrected], world.street)
    office = api(world.office)
    old = make_version(0, False)
    body = office.get("/triage/models").json()
    versions = {m["id"]: m for m in body["items"]}
    assert body["count"] == 2
    live = versions[trained.pk]
    assert (live["decisions"], live["accepted"], live["live_precision"]) == (2, 1, 0.5)
    assert live["is_active"] and live["macro_f1"] is not None
    response = office.post(f"/triage/models/{old.pk}/activate")
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is True
    trained.refresh_from_db()
    assert not trained.is_active
    assert AuditRecord.objects.filter(action="triage.activate").count() == 1


def test_the_leader_reads_versions_but_cannot_roll_back_or_train(world, api):
    old = make_version(1, False)
    make_version(2, True)
    leader = api(world.leader)
    assert len(leader.get("/triage/models").json()["items"]) == 2
    error(leader.post(f"/triage/models/{old.pk}/activate"), 403)
    error(leader.post("/triage/train"), 403)
    old.refresh_from_db()
    assert not old.is_active
    error(api(world.gjz_liaison).get("/triage/models"), 403)
    error(api(world.citizen).get("/triage/models"), 401)


def test_the_office_trains_on_demand(world, api):
    from django_tasks_db.models import DBTaskResult

    response = api(world.office).post("/triage/train")
    assert response.status_code == 202, response.content
    assert response.json()["queued"] is True
    job = DBTaskResult.objects.get()
    assert job.task_path.endswith("retrain_routing") and job.args_kwargs["kwargs"] == {
        "trained_by": "office"
    }


def test_versions_bad_input(world, api):
    office = api(world.office)
    error(office.post("/triage/models/999999/activate"), 404)
    error(office.post("/triage/models/abc/activate"))
    error(office.get("/triage/models", limit=0))


def test_the_version_list_costs_the_same_for_10_and_100(world, api):
    office = api(world.office)
    for v in range(1, 11):
        make_version(v, False)
    # warm up: the person and their grants then come from the process cache
    office.get("/triage/models", limit=200)
    small = queries_for(lambda: office.get("/triage/models", limit=200))
    for v in range(11, 101):
        make_version(v, False)
    assert len(office.get("/triage/models", limit=200).json()["items"]) == 100
    assert queries_for(lambda: office.get("/triage/models", limit=200)) == small


# --- threshold ----------------------------------------------------------------------------------


def test_the_office_sets_and_clears_the_threshold_audited(world, api):
    office = api(world.office)
    path = f"/triage/settings/{world.campaign.pk}"
    response = office.send("put", path, {"auto_route_threshold": 0.8})
    assert response.status_code == 200, response.content
    assert response.json() == {"campaign_id": world.campaign.pk, "auto_route_threshold": 0.8}
    office.send("put", path, {"auto_route_threshold": None})
    assert TriageSettings.objects.get().auto_route_threshold is None
    assert AuditRecord.objects.filter(action="triage.settings").count() == 2
    assert office.get("/triage/settings").json()["items"] == [
        {"campaign_id": world.campaign.pk, "auto_route_threshold": None}
    ]


def test_only_the_office_sets_the_threshold(world, api):
    path = f"/triage/settings/{world.campaign.pk}"
    error(api(world.leader).send("put", path, {"auto_route_threshold": 0.5}), 403)
    error(api(world.gjz_head).get("/triage/settings"), 403)
    assert not TriageSettings.objects.exists()


def test_threshold_bad_input_is_a_422(world, api):
    office = api(world.office)
    path = f"/triage/settings/{world.campaign.pk}"
    error(office.send("put", path, {"auto_route_threshold": 0}))
    error(office.send("put", path, {"auto_route_threshold": 1.5}))
    error(office.send("put", path, {"auto_route_threshold": "high"}))
    error(office.send("put", path, {}))
    error(office.send("put", "/triage/settings/999999", {"auto_route_threshold": 0.5}), 404)
    assert not TriageSettings.objects.exists()


# --- keywords -------------------------------------------------------------------------------------


def test_the_office_adds_lists_and_removes_keywords_audited(world, api):
    office = api(world.office)
    response = office.post("/triage/keywords", {"unit": world.zhongshan.pk, "keyword": " 学区 "})
    assert response.status_code == 201, response.content
    kw = response.json()
    assert kw["keyword"] == "学区" and kw["unit"]["code"] == "ZS"
    listed = office.get("/triage/keywords", unit=world.zhongshan.pk).json()
    assert [k["id"] for k in listed["items"]] == [kw["id"]]
    again = office.post("/triage/keywords", {"unit": world.zhongshan.pk, "keyword": "学区"})
    assert "already has that keyword" in error(again)["detail"]
    gone = office.send("delete", f"/triage/keywords/{kw['id']}")
    assert gone.status_code == 200 and gone.json() == kw
    assert not UnitKeyword.objects.exists()
    done = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"triage.add_keyword", "triage.remove_keyword"} <= done


def test_only_the_office_changes_keywords(world, api):
    kw = UnitKeyword.objects.create(unit=world.zhongshan, keyword="学区")
    leader = api(world.leader)
    assert leader.get("/triage/keywords").json()["items"][0]["keyword"] == "学区"
    error(leader.post("/triage/keywords", {"unit": world.zhongshan.pk, "keyword": "x"}), 403)
    error(leader.send("delete", f"/triage/keywords/{kw.pk}"), 403)
    error(api(world.zs_liaison).get("/triage/keywords"), 403)
    assert UnitKeyword.objects.count() == 1


def test_keyword_bad_input_is_a_422(world, api):
    office = api(world.office)
    error(office.post("/triage/keywords", {"unit": world.zhongshan.pk, "keyword": ""}))
    error(office.post("/triage/keywords", {"unit": world.zhongshan.pk, "keyword": "x" * 61}))
    error(office.post("/triage/keywords", {"unit": 999999, "keyword": "学区"}))
    error(office.post("/triage/keywords", {"keyword": "学区"}))
    error(office.send("delete", "/triage/keywords/999999"), 404)
    assert not UnitKeyword.objects.exists()


def test_the_keyword_list_costs_the_same_for_10_and_100(world, api):
    office = api(world.office)
    UnitKeyword.objects.bulk_create(
        UnitKeyword(unit=world.zhongshan, keyword=f"词{i}") for i in range(10)
    )
    # warm up: the person and their grants then come from the process cache
    office.get("/triage/keywords", limit=200)
    small = queries_for(lambda: office.get("/triage/keywords", limit=200))
    UnitKeyword.objects.bulk_create(
        UnitKeyword(unit=world.bureau, keyword=f"词{i}") for i in range(10, 100)
    )
    assert len(office.get("/triage/keywords", limit=200).json()["items"]) == 100
    assert queries_for(lambda: office.get("/triage/keywords", limit=200)) == small


# --- hot topics ---------------------------------------------------------------------------------


@pytest.fixture
def received(world):
    """Forty varied suggestions received on DAY (the triage app's development data)."""
    from campaigndesk.triage.devdata import generate

    for row in generate(40, seed=3, noise=0.0):
        title = row["留言主题"] or "无题"
        base.submit(world, title=title, body=f"{row['留言详情']}。{title}")


def queued_refreshes() -> list[list]:
    rows = DBTaskResult.objects.filter(task_path=topic_jobs.refresh_run.module_path)
    return [row.args_kwargs["args"] for row in rows.filter(status="READY")]


def test_the_leader_reads_the_periods_hot_topics(world, api, received):
    query = {"campaign": world.campaign.pk, "start": "2018-11-04", "end": "2018-12-03"}
    first = api(world.leader).get("/triage/topics", **query).json()
    # Never clustered in the request: queued, and nothing to show yet.
    assert first["items"] == [] and first["computed_at"] is None
    assert first["stale"] and first["refreshing"]
    assert not TopicRun.objects.exists()
    [args] = queued_refreshes()
    topic_jobs.refresh_run.call(*args)  # what db_worker does
    body = api(world.leader).get("/triage/topics", **query).json()
    assert body["campaign_id"] == world.campaign.pk and body["clustered"] <= 40
    assert body["computed_at"] and not body["stale"] and not body["refreshing"]
    assert body["items"] and sum(t["size"] for t in body["items"]) <= 40
    top = body["items"][0]
    assert top["terms"] and top["representatives"][0]["tracking_number"]


def test_the_office_has_a_periods_topics_computed_again(world, api, received):
    query = {"campaign": world.campaign.pk, "start": "2018-11-04", "end": "2018-12-03"}
    path = "/triage/topics/refresh?" + "&".join(f"{k}={v}" for k, v in query.items())
    again = api(world.office).post(path)
    assert again.status_code == 202, again.content
    assert again.json()["refreshing"] and again.json()["items"] == []
    assert api(world.office).post(path).json()["refreshing"]  # already queued: not twice
    assert len(queued_refreshes()) == 1
    assert api(world.office).get("/triage/topics", **query).json()["refreshing"]
    assert len(queued_refreshes()) == 1 and not TopicRun.objects.exists()


def test_with_tasks_immediate_a_refresh_answers_with_the_new_topics(world, api, received, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    query = {"campaign": world.campaign.pk, "start": "2018-11-04", "end": "2018-12-03"}
    path = "/triage/topics/refresh?" + "&".join(f"{k}={v}" for k, v in query.items())
    body = api(world.office).post(path).json()
    assert body["items"] and body["computed_at"] and not body["refreshing"]


def test_only_office_and_leaders_see_topics(world, api):
    error(api(world.gjz_liaison).get("/triage/topics"), 403)
    error(api(world.leader).post("/triage/topics/refresh"), 403)
    error(api(world.citizen).get("/triage/topics"), 401)


def test_topics_bad_input_is_a_422(world, api):
    office = api(world.office)
    error(office.get("/triage/topics", start="2018-12-03", end="2018-11-01"))
    error(office.get("/triage/topics", start="2017-01-01", end="2018-12-03"))
    error(office.get("/triage/topics", campaign=999999))
    error(office.get("/triage/topics", order="coldest"))
    error(office.get("/triage/topics", limit=201))


def test_topics_cost_the_same_for_10_and_100_topics(world, api):
    office = api(world.office)
    query = {"campaign": world.campaign.pk, "start": "2018-11-04", "end": "2018-12-03"}

    def cached(count):
        TopicRun.objects.update_or_create(
            campaign=world.campaign,
            start=dt.date(2018, 11, 4),
            end=dt.date(2018, 12, 3),
            defaults={
                "result": [
                    {
                        "terms": [f"话题{n}", "供暖"],
                        "size": 100 - n,
                        "previous": n,
                        "support": n,
                        "representatives": [
                            {"id": 1, "tracking_number": f"JY{n:06d}", "title": f"标题{n}"}
                        ],
                    }
                    for n in range(count)
                ],
                "size": count,
                "computed_at": clock.now(),
            },
        )

    cached(10)
    # warm up: the person and their grants then come from the process cache
    office.get("/triage/topics", limit=200, **query)
    small = queries_for(lambda: office.get("/triage/topics", limit=200, **query))
    cached(100)
    body = office.get("/triage/topics", limit=200, **query).json()
    assert len(body["items"]) == 100 and body["items"][0]["terms"][0] == "话题0"
    assert queries_for(lambda: office.get("/triage/topics", limit=200, **query)) == small


def test_the_settings_list_costs_the_same_for_10_and_100_campaigns(world, api):
    from tests.factories import CampaignFactory

    office = api(world.office)

    def add(n):
        for campaign in CampaignFactory.create_batch(n, office_unit=world.office_unit):
            TriageSettings.objects.create(campaign=campaign, auto_route_threshold=0.9)

    add(10)
    # warm up: the person and their grants then come from the process cache
    office.get("/triage/settings", limit=200)
    small = queries_for(lambda: office.get("/triage/settings", limit=200))
    add(90)
    assert len(office.get("/triage/settings", limit=200).json()["items"]) == 100
    assert queries_for(lambda: office.get("/triage/settings", limit=200)) == small


def test_a_period_with_only_two_distinct_texts_has_topics_not_an_error(world, api, settings):
    """Two texts sent again and again: k-means found two clusters of two points, which the
    silhouette score cannot rate (it raised, and the page and the API answered 500)."""
    # Computed in the request, as TASKS_IMMEDIATE=1 does, to reach the clustering.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    for i in range(6):
        body = "小区停车位不足，车辆乱停乱放。" if i % 2 else "学区划分不合理，学位不足。"
        base.submit(world, title="停车难" if i % 2 else "入学难", body=body)
    query = {"campaign": world.campaign.pk, "start": "2018-11-04", "end": "2018-12-03"}
    response = api(world.office).get("/triage/topics", **query)
    assert response.status_code == 200, response.content
    assert sum(t["size"] for t in response.json()["items"]) == 6
