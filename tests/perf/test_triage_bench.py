"""The bench's in-process triage timings: they train when needed, find reworded copies
and say what they measured."""

from __future__ import annotations

import random

from campaigndesk.perf import triage_bench
from campaigndesk.suggestions.models import Suggestion
from campaigndesk.triage import dedupe
from campaigndesk.triage.models import RoutingModel
from tests.triage.test_routing import history, submit  # noqa: F401 (fixture)


def test_a_reworded_copy_keeps_most_of_the_text_and_differs():
    rng = random.Random(1)
    text = "建议在星海广场附近增加停车位，周末停车太难了，经常要绕好几圈才能找到车位。"
    copy = triage_bench.reword(text, rng)
    assert copy != text
    assert sum(ch in copy for ch in text) >= 0.8 * len(text)


def test_the_duplicate_check_finds_the_originals_of_reworded_copies(world):
    for i in range(12):
        submit(
            world,
            f"第{i}号小区停车难",
            f"第{i}号小区附近停车位太少，周末停车太难了，常常绕好几圈也找不到车位，"
            f"请在{i}号路增加停车位，谢谢。",
        )
    assert dedupe.backfill_signatures() == 12  # as the search tasks after intake would
    result = triage_bench.measure_duplicates(seed=3)
    assert result["stored"] == 12
    assert result["signed"] == 12
    assert 1 <= result["lookups"] <= 12
    assert result["found_original"] == result["lookups"]
    assert result["p95_ms"] >= result["p50_ms"] > 0
    assert result["verdict"] in ("PASS", "FAIL")


def test_routing_trains_a_model_when_there_is_none_then_routes_the_batch(history):  # noqa: F811
    assert not RoutingModel.objects.exists()
    result = triage_bench.measure_routing()
    assert RoutingModel.objects.filter(is_active=True, trained_by="bench").count() == 1
    assert result["trained_on"] == 120
    assert result["classes"] >= 2 and result["train_verdict"] in ("PASS", "FAIL")
    assert result["batch"] == Suggestion.objects.count()
    assert result["routed"] == result["batch"]
    assert result["routes_per_s"] > 0


def test_routing_says_why_it_measured_nothing_without_history(world):
    submit(world, "路灯不亮", "中山路路灯坏了三周。")
    result = triage_bench.measure_routing()
    assert "no model" in result["note"]
    assert not RoutingModel.objects.exists()


def test_the_report_lines_name_both_figures_and_their_verdicts():
    lines = triage_bench.render(
        {
            "routing": {
                "routes_per_s": 2500.0,
                "batch": 2000,
                "routed": 2000,
                "single_p50_ms": 4.2,
                "verdict": "PASS",
            },
            "duplicates": {
                "stored": 1_000_000,
                "signed": 999_000,
                "lookups": 40,
                "p50_ms": 120.0,
                "p95_ms": 300.0,
                "max_ms": 410.0,
                "found_original": 38,
                "verdict": "PASS",
            },
        }
    )
    text = "\n".join(lines)
    assert "2,500 suggestions/s" in text and "target 1,000: PASS" in text
    assert "against 1,000,000 stored (999,000 with signatures): p50 120.0 ms, p95 300.0" in text
    assert "found for 38 of 40" in text
    assert triage_bench.render(None) == []
    assert "not measured: boom" in "\n".join(triage_bench.render({"error": "boom"}))
