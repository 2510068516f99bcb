"""The routing model in the product: training, versions, hints, auto-routing, decisions."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigndesk import clock
from campaigndesk.audit.trail import history_of, verify
from campaigndesk.suggestions import actions, hints, intake
from campaigndesk.suggestions.models import Category, Status, Suggestion
from campaigndesk.triage import hooks, jobs, predict, training
from campaigndesk.triage.devdata import generate
from campaigndesk.triage.models import RoutingDecision, RoutingModel, TriageSettings

# Which unit answers which first-level category in these tests.
UNIT_OF = {
    "城乡建设": "ganjingzi",
    "环境保护": "ganjingzi",
    "交通运输": "zhongshan",
    "教育文体": "zhongshan",
    "劳动和社会保障": "bureau",
    "商贸旅游": "bureau",
    "卫生计生": "bureau",
}
SCHOOL = (
    "孩子入学难",
    "我家孩子今年上小学，学区划分不合理，幼儿园学位不足，入学难，请教育局解决。",
)


def submit(world, title, body, **fields) -> Suggestion:
    return intake.submit(
        campaign=world.campaign, title=title, body=body, client="c", throttle=False, **fields
    ).suggestion


def routed_history(world) -> None:
    """120 suggestions routed by the office and answered (the training data)."""
    now = clock.now()
    for row in generate(120, seed=11, noise=0.0):
        title = row["留言主题"] or "无题"
        s = submit(world, title, f"{row['留言详情']}。{title}，请尽快处理，谢谢。")
        unit = getattr(world, UNIT_OF[row["一级标签"]])
        Suggestion.objects.filter(pk=s.pk).update(
            unit=unit, unit_path=unit.path, status=Status.ANSWERED, answered_at=now
        )


@pytest.fixture
def history(world):
    routed_history(world)
    return world


@pytest.fixture
def trained(history):
    return training.train(trained_by="test")


@pytest.fixture
def school_category(world):
    return Category.objects.create(
        campaign=world.campaign, code="school", name_zh="教育", name_en="Schools",
        default_unit=world.bureau,
    )  # fmt: skip


def test_without_a_model_the_queue_falls_back_to_the_category_default_unit(world, school_category):
    s = submit(world, *SCHOOL, category=school_category)
    hint = hints.hints_for([s])[s.pk]
    assert [(g.unit, g.basis) for g in hint.units] == [(world.bureau, "by category")]


def test_without_a_model_keywords_the_office_set_name_a_unit(world):
    training.add_keyword(world.office, world.zhongshan, "学区")
    s = submit(world, *SCHOOL)
    other = submit(world, "路灯不亮", "人民路的路灯坏了很久了，晚上出行很不安全。")
    found = hints.hints_for([s, other])
    assert [(g.unit, g.basis) for g in found[s.pk].units] == [(world.zhongshan, "by keyword")]
    assert other.pk not in found


def test_cold_start_shows_the_category_unit_and_the_keyword_unit_in_the_queue(
    world, school_category, client_for
):
    training.add_keyword(world.office, world.zhongshan, "学区")
    s = submit(world, *SCHOOL, category=school_category)
    hint = hints.hints_for([s])[s.pk]
    assert [(g.unit, g.basis) for g in hint.units] == [
        (world.bureau, "by category"),
        (world.zhongshan, "by keyword"),
    ]
    page = client_for(world.office).get("/desk/suggestions/queue/")
    assert page.status_code == 200
    html = page.content.decode()
    for unit in (world.bureau, world.zhongshan):  # one route button per suggested unit
        assert f'name="unit" value="{unit.code}"' in html


def test_training_needs_enough_answered_history(world):
    with pytest.raises(training.NotEnoughData):
        training.train()


def test_training_stores_an_active_measured_version(trained, world):
    assert trained.version == 1 and trained.is_active
    assert trained.trained_on == 120
    assert sorted(trained.classes) == sorted(
        str(u.pk) for u in (world.ganjingzi, world.zhongshan, world.bureau)
    )
    assert 0 <= trained.metrics["macro_f1"] <= 1
    assert set(trained.metrics["per_class"]) == set(trained.classes)


def test_a_trained_model_gives_three_units_with_confidences(trained, world):
    s = submit(world, *SCHOOL)
    hint = hints.hints_for([s])[s.pk]
    assert hint.units[0].unit == world.zhongshan
    assert all(g.percent is not None for g in hint.units)
    assert len(hint.units) == 3
    assert hint.units[0].confidence >= hint.units[1].confidence


def test_rolling_back_activates_the_older_version(trained, world):
    second = training.train(trained_by="test")
    assert second.version == 2
    assert list(RoutingModel.objects.filter(is_active=True)) == [second]
    training.activate(world.office, RoutingModel.objects.get(version=1))
    assert list(RoutingModel.objects.filter(is_active=True).values_list("version", flat=True)) == [
        1
    ]


def test_only_the_office_may_roll_back(trained, world):
    with pytest.raises(PermissionDenied):
        training.activate(world.gjz_liaison, trained)


def test_auto_routing_is_off_by_default(trained, world):
    s = submit(world, *SCHOOL)
    s.refresh_from_db()
    assert s.status == Status.RECEIVED and s.unit is None


def test_a_suggestion_above_the_threshold_is_routed_automatically(trained, world):
    training.set_threshold(world.office, world.campaign, 0.05)
    s = submit(world, *SCHOOL)
    s.refresh_from_db()
    assert s.status == Status.ROUTED and s.unit == world.zhongshan
    assert not RoutingDecision.objects.exists()  # automatic routes are not office decisions


def test_an_automatic_route_follows_the_creation_in_the_audit_trail(trained, world):
    training.set_threshold(world.office, world.campaign, 0.05)
    s = submit(world, *SCHOOL)
    actions_in_order = list(
        history_of(s).order_by("pk").values_list("action", flat=True)
    )  # intake hooks run before the creation's record; the route is handed back for after it
    assert actions_in_order == ["suggestions.submit", "suggestions.route"]
    assert verify().ok


def test_a_suggestion_below_the_threshold_waits_for_the_office(trained, world):
    training.set_threshold(world.office, world.campaign, 1.0)
    s = submit(world, *SCHOOL)
    s.refresh_from_db()
    assert s.status == Status.RECEIVED
    assert TriageSettings.objects.get(campaign=world.campaign).auto_route_threshold == 1.0


def test_a_failing_model_never_breaks_intake(trained, world, monkeypatch, caplog):
    training.set_threshold(world.office, world.campaign, 0.05)

    def broken(_s):
        raise RuntimeError("boom")

    monkeypatch.setattr(predict, "predict", broken)
    with caplog.at_level(logging.ERROR, logger="campaigndesk.triage.hooks"):
        s = submit(world, *SCHOOL)
    assert Suggestion.objects.filter(pk=s.pk, status=Status.RECEIVED).exists()
    assert "auto-routing failed" in caplog.text


def test_corrections_are_recorded_and_live_precision_follows(trained, world):
    followed, corrected = submit(world, *SCHOOL), submit(world, *SCHOOL)
    actions.route(world.office, [followed], world.zhongshan)
    actions.route(world.office, [corrected], world.street)
    by_suggestion = {d.suggestion_id: d for d in RoutingDecision.objects.all()}
    assert by_suggestion[followed.pk].accepted is True
    assert by_suggestion[corrected.pk].accepted is False
    assert by_suggestion[corrected.pk].chosen_unit == world.street
    assert by_suggestion[corrected.pk].top[0][0] == world.zhongshan.pk
    assert predict.live_precision([trained])[trained.pk] == (2, 1, 0.5)


def test_the_hint_providers_query_count_does_not_grow_with_the_page(trained, world):
    made = [submit(world, *SCHOOL) for _ in range(30)]
    hooks.routing_hints(made[:2])  # load the model once per process

    def count(page):
        with CaptureQueriesContext(connection) as ctx:
            hooks.routing_hints(page)
        return len(ctx.captured_queries)

    # Not stored yet: 1 active versions with the stored guesses, 1 active versions
    # (predict), savepoint, 1 upsert, release, 1 units in bulk.
    assert count(made[2:10]) == count(made[10:]) == 6
    # Stored: 1 active versions with the stored guesses, 1 units in bulk.
    assert count(made[:10]) == count(made) == 2


def test_the_nightly_job_trains_a_new_version(history):
    assert jobs.retrain_routing.call() == "v1"
    assert any(p.job.endswith("retrain_routing") for p in jobs.SCHEDULE)


def _threshold_in_a_request(campaign_id: int) -> tuple[float | None, bool]:
    """As a submission asks: kept in the process under the request's reference stamp."""
    from campaigndesk.core import generation

    generation.begin_request()
    try:
        return hooks._threshold(campaign_id)
    finally:
        generation.end_request()


def test_the_kept_threshold_and_model_follow_the_offices_changes(history, world):
    assert _threshold_in_a_request(world.campaign.pk) == (None, False)
    model = training.train(trained_by="test")  # the first version is active
    assert _threshold_in_a_request(world.campaign.pk) == (None, True)
    training.set_threshold(world.office, world.campaign, 0.05)
    assert _threshold_in_a_request(world.campaign.pk) == (0.05, True)
    RoutingModel.objects.filter(pk=model.pk).update(is_active=False)  # no signal: the trigger
    assert _threshold_in_a_request(world.campaign.pk) == (0.05, False)
