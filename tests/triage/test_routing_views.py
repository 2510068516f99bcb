"""The office's routing-model page: who sees it, train now, roll back, keywords, threshold."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigndesk.triage import demo as triage_demo
from campaigndesk.triage import routing, training
from campaigndesk.triage.models import RoutingModel, TriageSettings, UnitKeyword

PAGE = "/desk/triage/"


def make_version(version: int, active: bool) -> RoutingModel:
    return RoutingModel.objects.create(
        version=version,
        trained_on=100,
        classes=["1", "2"],
        metrics={"macro_f1": 0.9, "accuracy": 0.91},
        blob=routing.dumps({"not": "a model"}),
        is_active=active,
    )


def test_the_office_sees_versions_and_rolls_back(world, client_for):
    old, new = make_version(1, False), make_version(2, True)
    c = client_for(world.office)
    page = c.get(PAGE)
    assert page.status_code == 200
    assert "v1" in page.content.decode() and "Train now" in page.content.decode()
    response = c.post(reverse("triage:activate", args=[old.pk]))
    assert response.status_code == 302
    old.refresh_from_db(), new.refresh_from_db()
    assert old.is_active and not new.is_active


def test_the_leader_reads_the_page_but_cannot_roll_back(world, client_for):
    old = make_version(1, False)
    make_version(2, True)
    c = client_for(world.leader)
    page = c.get(PAGE)
    assert page.status_code == 200 and "Train now" not in page.content.decode()
    assert c.post(reverse("triage:activate", args=[old.pk])).status_code == 403
    old.refresh_from_db()
    assert not old.is_active


def test_a_unit_liaison_may_not_see_the_page(world, client_for):
    assert client_for(world.gjz_liaison).get(PAGE).status_code == 403


def test_an_unknown_version_is_not_found(world, client_for):
    assert client_for(world.office).post(reverse("triage:activate", args=[999])).status_code == 404


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_wrong_methods_are_refused(world, client_for):
    c = client_for(world.office)
    assert c.post(PAGE).status_code == 405
    assert c.get(reverse("triage:train")).status_code == 405


def test_the_office_adds_and_removes_a_keyword(world, client_for):
    c = client_for(world.office)
    r = c.post(reverse("triage:add_keyword"), {"unit": world.zhongshan.pk, "keyword": " 学区 "})
    assert r.status_code == 302
    kw = UnitKeyword.objects.get()
    assert (kw.unit, kw.keyword) == (world.zhongshan, "学区")
    again = c.post(reverse("triage:add_keyword"), {"unit": world.zhongshan.pk, "keyword": "学区"})
    assert again.status_code == 400 and "already has that keyword" in again.content.decode()
    assert c.post(reverse("triage:remove_keyword", args=[kw.pk])).status_code == 302
    assert not UnitKeyword.objects.exists()


def test_the_office_sets_and_clears_the_auto_route_threshold(world, client_for):
    c = client_for(world.office)
    url = reverse("triage:settings")
    assert (
        c.post(url, {"campaign": world.campaign.pk, "auto_route_threshold": "0.9"}).status_code
        == 302
    )
    assert TriageSettings.objects.get().auto_route_threshold == 0.9
    bad = c.post(url, {"campaign": world.campaign.pk, "auto_route_threshold": "5"})
    assert bad.status_code == 400
    assert (
        c.post(url, {"campaign": world.campaign.pk, "auto_route_threshold": ""}).status_code == 302
    )
    assert TriageSettings.objects.get().auto_route_threshold is None


def test_train_now_without_history_leaves_no_version(world, client_for, settings):
    response = client_for(world.office).post(reverse("triage:train"))
    assert response.status_code == 302
    assert not RoutingModel.objects.exists()


def test_the_page_costs_the_same_queries_for_10_and_60_versions(world, client_for):
    c = client_for(world.office)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(PAGE).status_code == 200
        return len(ctx.captured_queries)

    for v in range(10):
        make_version(v + 1, v == 0)
    c.get(PAGE)  # warm the session and the menu
    ten = count()
    for v in range(10, 60):
        make_version(v + 1, False)
    c.get(PAGE)  # the versions are watched: the menu's reference data are read again once
    # session, user, grants (menu and rule checks), count + page of versions (blob
    # deferred, campaign joined), live precision (one GROUP BY), keywords, settings.
    assert count() == ten


def test_a_history_too_small_says_so_and_keeps_cold_start_hints(world, client_for):
    assert training.history_size() == (0, 0)
    assert triage_demo.train_demo_model() is None
    assert not RoutingModel.objects.exists()
    page = client_for(world.office).get("/desk/triage/")
    assert page.status_code == 200
    assert 'id="not-enough-history"' in page.content.decode()
