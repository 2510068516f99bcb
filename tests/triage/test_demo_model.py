"""The demo trains its routing model: a version with measured quality on the model page,
top-three hints with confidences in the triage queue; loading again trains nothing."""

from __future__ import annotations

import pytest
from django.db import transaction

from campaigndesk.demo.loader import load_demo
from campaigndesk.org.models import User
from campaigndesk.suggestions import hints
from campaigndesk.suggestions.models import Status, Suggestion
from campaigndesk.triage import demo as triage_demo
from campaigndesk.triage import training
from campaigndesk.triage.models import RoutingModel, Target


@pytest.fixture(scope="module")
def loaded_once(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield load_demo()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(loaded_once, db):
    return loaded_once


@pytest.fixture
def office_client(demo, client):
    client.force_login(User.objects.get(username="office"))
    return client


def test_the_demo_has_one_active_measured_routing_model(demo):
    model = RoutingModel.objects.defer("blob").get(is_active=True)
    assert (model.version, model.target, model.campaign_id) == (1, Target.UNIT, None)
    assert model.trained_by == triage_demo.TRAINED_BY
    rows, units = training.history_size()
    assert model.trained_on == rows >= training.MIN_ROWS
    assert len(model.classes) == units > 10
    assert 0.5 <= model.metrics["macro_f1"] <= 1.0
    assert 0.5 <= model.metrics["accuracy"] <= 1.0


def test_the_model_page_shows_the_version_and_its_quality(office_client):
    model = RoutingModel.objects.defer("blob").get(is_active=True)
    page = office_client.get("/desk/triage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "v1" in html
    assert f"{model.metrics['macro_f1']:.3f}" in html
    assert 'id="not-enough-history"' not in html


def test_the_queue_offers_three_units_with_a_confidence(office_client):
    waiting = list(
        Suggestion.objects.filter(status=Status.RECEIVED).select_related("category")[:20]
    )
    assert waiting
    found = hints.hints_for(waiting)
    figured = [h for h in found.values() if any(g.percent is not None for g in h.units)]
    assert len(figured) == len(waiting)
    assert all(len(h.units) >= 3 for h in figured)
    page = office_client.get("/desk/suggestions/queue/")
    assert page.status_code == 200
    top = figured[0].units[0]
    assert f"({top.percent}%)" in page.content.decode()


def test_loading_again_trains_nothing(demo):
    again = load_demo()
    assert not again.created
    assert triage_demo.train_demo_model().pk == RoutingModel.objects.get(is_active=True).pk
    assert RoutingModel.objects.count() == 1
