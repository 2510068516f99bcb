"""Ratios to /healthz, the PASS/FAIL marks, the JSON file and the growth table."""

import json

import pytest

from campaigndesk.perf.paths import LIST, PATHS, SUBMIT, BenchPath, by_name
from campaigndesk.perf.report import (
    FAIL,
    PASS,
    Measurement,
    PathResult,
    Run,
    apply_ratios,
    growth,
    ratio_verdict,
    render,
    to_json,
    write_json,
)

KEYS = {
    "name",
    "method",
    "url",
    "rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "ratio",
    "queries",
    "errors",
    "peak_rss_mb",
}
MACHINE = {"cores": 2, "python": "3.11", "django": "5.2", "cpu": "test", "platform": "test"}


def measured(rps: float, p95: float = 20.0, errors: int = 0) -> Measurement:
    return Measurement(
        requests=int(rps * 10),
        duration_s=10.0,
        p50_ms=p95 / 2,
        p95_ms=p95,
        p99_ms=p95 * 1.5,
        errors=errors,
    )


def a_run(results, scale="city") -> Run:
    return Run(
        scale=scale,
        db="sqlite",
        duration_s=10,
        concurrency=8,
        load_generator="wrk",
        results=results,
    )


def every_path(rps_of_healthz: float = 4000.0) -> list[PathResult]:
    results = [
        PathResult(
            p, p.resolve_url(None) if not callable(p.url) else "/x", measured(100.0), 5, 150.0
        )
        for p in PATHS
    ]
    results[0].measurement = measured(rps_of_healthz)
    return results


def test_each_path_gets_its_throughput_as_a_share_of_healthz():
    results = every_path(4000.0)
    apply_ratios(results)

    assert results[0].ratio == pytest.approx(1.0)
    assert results[1].ratio == pytest.approx(100 / 4000)


def test_healthz_measured_again_after_the_paths_averages_into_the_baseline():
    results = every_path(4000.0)
    apply_ratios(results, again=measured(2000.0))

    assert results[1].ratio == pytest.approx(100 / 3000)
    data = to_json(_with_again(results), MACHINE)
    assert data["baseline_rps"] == 3000.0
    assert data["healthz_rps_after"] == 2000.0


def _with_again(results):
    run = a_run(results)
    run.baseline_again = measured(2000.0)
    return run


def test_ratios_stay_empty_when_healthz_was_not_measured():
    results = every_path()
    results[0].measurement = None
    apply_ratios(results)

    assert all(r.ratio is None for r in results)


@pytest.mark.parametrize(
    ("ratio", "target", "verdict"),
    [
        (0.09, LIST, PASS),
        (0.08, LIST, PASS),  # the target itself passes
        (0.079, LIST, FAIL),
        (0.35, SUBMIT, PASS),
        (None, LIST, FAIL),  # not measured
        (0.5, None, "-"),  # the baseline has no target
    ],
)
def test_a_path_passes_when_its_ratio_reaches_its_target(ratio, target, verdict):
    assert ratio_verdict(ratio, target) == verdict


def test_p95_passes_under_150_ms_only():
    fast = PathResult(PATHS[1], "/", measured(100, p95=149.9))
    slow = PathResult(PATHS[1], "/", measured(100, p95=150.0))
    unmeasured = PathResult(PATHS[1], "/", None)

    assert (fast.p95_verdict, slow.p95_verdict, unmeasured.p95_verdict) == (PASS, FAIL, FAIL)


def test_the_json_report_has_one_entry_per_path_with_every_key(tmp_path):
    results = every_path()
    apply_ratios(results)
    data = to_json(a_run(results), MACHINE)
    out = tmp_path / "bench.json"
    write_json(str(out), data)
    loaded = json.loads(out.read_text())

    assert loaded["scale"] == "city"
    assert loaded["db"] == "sqlite"
    assert loaded["machine"]["cores"] == 2
    assert [e["name"] for e in loaded["paths"]] == [p.name for p in PATHS]
    for entry in loaded["paths"]:
        assert set(entry) >= KEYS, entry["name"]
    units = next(e for e in loaded["paths"] if e["name"] == "units-list")
    assert units["rps"] == 100.0
    assert units["ratio"] == 0.025
    assert units["ratio_verdict"] == FAIL
    assert units["queries"] == 5
    assert units["peak_rss_mb"] == 150.0


def test_an_unmeasured_path_is_in_the_report_with_empty_figures_and_its_reason():
    path = BenchPath("gone", "/gone/", auth="session", target_ratio=LIST)
    results = [*every_path()[:1], PathResult(path, "", None, note="not measured: answered 404")]
    apply_ratios(results)
    entry = to_json(a_run(results), MACHINE)["paths"][1]

    assert entry["rps"] is None
    assert entry["ratio_verdict"] == FAIL
    assert "404" in entry["note"]
    assert "not measured: answered 404" in render(a_run(results), MACHINE)


def test_the_table_shows_each_path_its_ratio_and_verdicts():
    results = every_path()
    apply_ratios(results)
    table = render(a_run(results), MACHINE)

    assert "units-list" in table
    assert "2.5%" in table
    assert "FAIL" in table


def test_growth_divides_city_p95_by_small_p95_and_allows_1_3():
    base, page = PATHS[0], PATHS[1]
    small = a_run(
        [PathResult(base, "/", measured(4000, 5)), PathResult(page, "/", measured(100, 40))],
        "small",
    )
    city = a_run(
        [PathResult(base, "/", measured(4000, 5)), PathResult(page, "/", measured(90, 60))]
    )
    rows = growth(small, city)

    assert rows[1]["ratio"] == 1.5
    assert rows[1]["verdict"] == FAIL
    assert rows[0]["verdict"] == "-"  # the baseline has no limit
    city.results[1].measurement = measured(90, 52)
    assert growth(small, city)[1]["verdict"] == PASS


def test_growth_adjusts_for_a_machine_that_was_busier_in_one_run():
    base, page = PATHS[0], PATHS[1]
    small = a_run(
        [PathResult(base, "/", measured(4000, 5)), PathResult(page, "/", measured(100, 40))],
        "small",
    )
    city = a_run(
        [PathResult(base, "/", measured(2000, 10)), PathResult(page, "/", measured(50, 80))]
    )
    row = growth(small, city)[1]

    assert row["ratio"] == 2.0
    assert row["adjusted"] == 1.0  # /healthz slowed down as much


def test_a_write_path_reports_acknowledged_and_stored_and_a_difference_is_an_error(tmp_path):
    submit = BenchPath("suggest-submit", "/s", method="POST", expect=201, stored_table="t")
    same = PathResult(submit, "/s", measured(100.0), acknowledged=1234, stored=1234)
    lost = PathResult(submit, "/s", measured(100.0), acknowledged=1234, stored=1230)
    plain = PathResult(BenchPath("healthz", "/healthz"), "/healthz", measured(4000.0))
    run = a_run([plain, same])
    text = render(run, MACHINE)
    assert "suggest-submit: acknowledged 1,234, stored 1,234" in text
    assert "ERROR" not in text
    entry = to_json(run, MACHINE)["paths"][1]
    assert (entry["acknowledged"], entry["stored"], entry["count_verdict"]) == (1234, 1234, PASS)
    assert to_json(run, MACHINE)["paths"][0]["acknowledged"] is None

    run = a_run([plain, lost])
    assert "acknowledged 1,234, stored 1,230 -- ERROR: they differ by -4" in render(run, MACHINE)
    out = tmp_path / "bench.json"
    write_json(str(out), to_json(run, MACHINE))
    saved = json.loads(out.read_text())["paths"][1]
    assert (saved["acknowledged"], saved["stored"], saved["count_verdict"]) == (1234, 1230, FAIL)


def test_rows_stored_for_requests_cut_off_when_the_load_stopped_are_explained_not_errors():
    submit = BenchPath("suggest-submit", "/s", method="POST", expect=201, stored_table="t")
    plain = PathResult(BenchPath("healthz", "/healthz"), "/healthz", measured(4000.0))
    cut = PathResult(submit, "/s", measured(100.0), acknowledged=100, stored=103)
    cut.unanswered = 5
    assert cut.count_verdict == PASS
    text = render(a_run([plain, cut]), MACHINE)
    assert "acknowledged 100, stored 103 (the 3 more were among the 5 requests cut off" in text
    assert to_json(a_run([plain, cut]), MACHINE)["paths"][1]["unanswered"] == 5
    cut.stored = 106  # more than were cut off: stored without an acknowledgement
    assert cut.count_verdict == FAIL
    cut.stored = 99  # an acknowledged submission is missing, whatever was cut off
    assert cut.count_verdict == FAIL
    assert "ERROR: they differ by -1" in render(a_run([plain, cut]), MACHINE)


def test_a_download_is_judged_by_its_own_time_limit_and_not_by_growth():
    export = by_name()["ledger-export"]
    assert export.limit_ms == 30_000
    in_time = PathResult(export, "/x", measured(1, p95=6_000.0))
    too_slow = PathResult(export, "/x", measured(1, p95=30_000.0))
    assert (in_time.p95_verdict, too_slow.p95_verdict) == (PASS, FAIL)
    page = by_name()["ledger-list"]
    small = a_run(
        [
            PathResult(export, "/x", measured(1, p95=600.0)),
            PathResult(page, "/l", measured(100, p95=10.0)),
        ]
    )
    city = a_run(
        [
            PathResult(export, "/x", measured(1, p95=6_000.0)),
            PathResult(page, "/l", measured(100, p95=20.0)),
        ]
    )
    rows = {g["name"]: g["verdict"] for g in growth(small, city)}
    assert rows == {"ledger-export": "-", "ledger-list": FAIL}
