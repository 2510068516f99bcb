"""`campaigndesk bench` refuses bad arguments before it prepares or starts anything."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from campaigndesk.perf.management.commands import bench
from campaigndesk.perf.paths import select
from campaigndesk.perf.report import Measurement, PathResult, Run


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "huge"], "invalid choice: 'huge'"),
        (["--db", "mysql"], "invalid choice: 'mysql'"),
        (["--duration", "0"], "--duration"),
        (["--concurrency", "-1"], "--concurrency"),
        (["--only", "units-list,nope"], "Unknown path"),
        (["--warmup", "-1"], "--warmup"),
        (["--json", "/no/such/folder/out.json"], "does not exist"),
        (["--growth", "--keep-server"], "--keep-server"),
    ],
)
def test_bench_refuses_bad_arguments_with_a_command_error(args, message, monkeypatch):
    def must_not_run(*a, **kw):
        raise AssertionError("bench started although its arguments were bad")

    monkeypatch.setattr(bench, "bench_run", must_not_run)
    monkeypatch.setattr(bench, "bench_growth", must_not_run)
    with pytest.raises(CommandError, match=message):
        call_command("bench", *args)


def test_bench_probe_refuses_an_unknown_path():
    with pytest.raises(CommandError, match="nope"):
        call_command("bench_probe", "--paths", "nope")


def a_run(scale: str, p95_healthz: float, p95_page: float) -> Run:
    healthz, page = select(["units-list"])
    results = [
        PathResult(healthz, "/healthz", Measurement(4000, 10, 1.0, p95_healthz, 9.0, 0)),
        PathResult(page, "/desk/org/units/", Measurement(400, 10, 9.0, p95_page, 90.0, 0)),
    ]
    return Run(scale, "sqlite", 2.0, 8, "fake", results)


def test_growth_runs_the_paired_bench_with_the_options_and_writes_both_tables(
    tmp_path, monkeypatch
):
    asked = []

    def fake_growth(paths, options, say, generator=None):
        asked.append(([p.name for p in paths], options))
        return {"small": a_run("small", 5.0, 40.0), "city": a_run("city", 5.0, 60.0)}

    monkeypatch.setattr(bench, "bench_growth", fake_growth)
    monkeypatch.setattr(bench, "bench_run", lambda *a, **kw: pytest.fail("single-scale run"))
    out = tmp_path / "growth.json"
    stdout = io.StringIO()
    call_command(
        "bench",
        "--growth",
        "--only",
        "units-list",
        "--duration",
        "2",
        "--workers",
        "3",
        "--no-triage",
        "--json",
        str(out),
        stdout=stdout,
        stderr=io.StringIO(),
    )

    [(names, options)] = asked
    assert names == ["healthz", "units-list"]
    assert (options.duration, options.workers, options.triage) == (2.0, 3, False)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["small"]["scale"], data["city"]["scale"]) == ("small", "city")
    assert [p["name"] for p in data["city"]["paths"]] == ["healthz", "units-list"]
    assert data["growth"][1] == {
        "name": "units-list",
        "small_p95_ms": 40.0,
        "city_p95_ms": 60.0,
        "ratio": 1.5,
        "adjusted": 1.5,
        "verdict": "FAIL",
    }
    assert "scale=small" in stdout.getvalue() and "scale=city" in stdout.getvalue()


def test_an_interrupted_growth_run_reports_both_servers_stopped(monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(bench, "bench_growth", interrupted)
    with pytest.raises(CommandError, match="the servers were stopped"):
        call_command("bench", "--growth", stderr=io.StringIO())
