"""The growth check measures each path as a pair: on the small scale's server and at once
on the city scale's, both running, so that the two figures of a path are seconds apart.

The servers, the load generator, the probe and the triage timings are stand-ins that
write every step to one log; the order of that log is what these tests pin."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from campaigndesk.perf import prepare, runner
from campaigndesk.perf.paths import PATHS, BenchPath
from campaigndesk.perf.report import PASS, Measurement, growth, to_json

HEALTHZ = PATHS[0]
PAGES = [BenchPath(name, f"/{name}") for name in ("a", "b", "c")]
EVERY = [HEALTHZ, *PAGES]
WARMUP, DURATION = 1.0, 2.0
MEMORY_MB = {"small": 150.0, "city": 400.0}


class Machine:
    """The world the runner sees: what ran, in order, and how slow the box is."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.log: list[tuple[str, ...]] = []
        self.servers: list[FakeServer] = []
        self.loads = 0
        self.p95_ms = {"small": 10.0, "city": 12.0}  # every page grows by 1.2
        self.slower_after: int | None = None  # measured loads before the box slows 1.5x
        self.fail_on_load: int | None = None  # the measured load that raises
        self.failure: BaseException = RuntimeError("wrk died")
        self.fail_start: str | None = None  # the scale whose server does not come up
        self.interrupt_stop: str | None = None  # the scale whose stop meets a second Ctrl-C
        # (scale, path) -> p95 factors of its next measured loads, one used per load
        self.spikes: dict[tuple[str, str], list[float]] = {}

    def url(self, scale: str) -> str:
        return f"sqlite:///{self.tmp_path / f'bench-{scale}.sqlite3'}"

    def scale_of(self, env: dict[str, str]) -> str:
        return Path(urlsplit(env["DATABASE_URL"]).path).stem.removeprefix("bench-")

    def loaded(self) -> list[tuple[str, str]]:
        """(scale, path) of each measured load, in order."""
        return [(scale, name) for kind, scale, name in self.events("load")]

    def events(self, *kinds: str) -> list[tuple[str, ...]]:
        return [event for event in self.log if event[0] in kinds]


class FakeServer:
    machine: Machine

    def __init__(self, env, log_path, workers=2, *, sealer=False):
        self.env = dict(env)
        self.log_path = log_path
        self.workers = workers
        self.sealer = sealer
        self.scale = self.machine.scale_of(self.env)
        self.base_url = f"http://{self.scale}.bench"
        self.memory_mb = MEMORY_MB[self.scale]
        self.proc = self.sealer_proc = None
        self.machine.servers.append(self)

    def start(self):
        self.machine.log.append(("start", self.scale))
        self.proc = object()  # gunicorn is up, answering or not
        if self.machine.fail_start == self.scale:
            raise RuntimeError("gunicorn exited with 3 before answering")

    def stop(self):
        self.machine.log.append(("stop", self.scale))
        self.proc = None
        if self.machine.interrupt_stop == self.scale:
            self.machine.interrupt_stop = None
            raise KeyboardInterrupt


class FakeGenerator:
    name = "fake"

    def __init__(self, machine: Machine) -> None:
        self.machine = machine

    def run(self, req, duration, concurrency):
        machine = self.machine
        url = urlsplit(req.url)
        scale, name = url.hostname.split(".")[0], url.path.lstrip("/")
        if duration == WARMUP:
            machine.log.append(("warm", scale, name))
            return Measurement(10, duration, 1.0, 1.0, 1.0, 0)
        machine.loads += 1
        if machine.loads == machine.fail_on_load:
            raise machine.failure
        machine.log.append(("load", scale, name))
        slow = (
            1.5 if machine.slower_after is not None and machine.loads > machine.slower_after else 1
        )
        spikes = machine.spikes.get((scale, name))
        p95 = machine.p95_ms[scale] * slow * (spikes.pop(0) if spikes else 1)
        return Measurement(1000, duration, p95 / 2, p95, p95 * 1.5, 0)


class FakeSampler:
    def __init__(self, server):
        self.peak_mb = server.memory_mb

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def machine(tmp_path, monkeypatch) -> Machine:
    world = Machine(tmp_path)

    def fake_prepare(db, scale, say):
        world.log.append(("prepare", scale))
        return prepare.Prepared(db, scale, world.url(scale), {"version": 1, "demo": True})

    def fake_command(args, env, say, check=True):
        world.log.append((args[0], world.scale_of(env)))

    def fake_probe(paths, env, say):
        world.log.append(("probe", world.scale_of(env)))
        return {
            "paths": {
                p.name: {"url": f"/{p.name}", "status": 200, "auth": "none", "headers": {}}
                for p in paths
            }
        }

    def fake_triage(env, say):
        world.log.append(("triage", world.scale_of(env)))
        return {"scale": world.scale_of(env)}

    monkeypatch.setattr(FakeServer, "machine", world, raising=False)
    monkeypatch.setattr(runner, "Server", FakeServer)
    monkeypatch.setattr(runner, "MemorySampler", FakeSampler)
    monkeypatch.setattr(runner.prepare, "prepare", fake_prepare)
    monkeypatch.setattr(runner.prepare, "run_command", fake_command)
    monkeypatch.setattr(runner, "run_probe", fake_probe)
    monkeypatch.setattr(runner, "run_triage", fake_triage)
    monkeypatch.setattr(runner, "preflight", lambda req, expect: "")
    monkeypatch.setattr(runner, "source_version", lambda: "abc1234")
    return world


def options(**changes) -> runner.Options:
    return runner.Options(
        **{"scale": "city", "db": "sqlite", "duration": DURATION, "warmup": WARMUP, **changes}
    )


def run_growth(machine: Machine, **changes):
    said: list[str] = []
    runs = runner.bench_growth(EVERY, options(**changes), said.append, FakeGenerator(machine))
    return runs, said


def test_each_path_is_measured_on_small_and_city_back_to_back_alternating_which_goes_first(
    machine,
):
    run_growth(machine)

    assert machine.loaded() == [
        ("small", "healthz"),
        ("city", "healthz"),
        ("city", "a"),
        ("small", "a"),
        ("small", "b"),
        ("city", "b"),
        ("city", "c"),
        ("small", "c"),
        ("small", "healthz"),  # /healthz again after the paths, paired as well
        ("city", "healthz"),
    ]
    loads = machine.events("warm", "load")
    for warm, load in zip(loads[::2], loads[1::2], strict=True):
        assert (warm[0], warm[1:]) == ("warm", load[1:])  # its own server's warm-up first


def test_both_servers_start_before_any_load_and_triage_runs_per_scale_after_both_stop(machine):
    run_growth(machine)

    steps = [event for event in machine.log if event[0] not in ("warm", "load")]
    assert steps == [
        ("prepare", "small"),
        ("prepare", "city"),
        ("collectstatic", "small"),
        ("probe", "small"),
        ("start", "small"),
        ("collectstatic", "city"),
        ("probe", "city"),
        ("start", "city"),
        ("stop", "city"),
        ("stop", "small"),
        ("triage", "small"),
        ("triage", "city"),
    ]
    first_load = machine.log.index(machine.events("warm", "load")[0])
    assert machine.log.index(("start", "city")) < first_load
    assert all(not Path(s.log_path).parent.exists() for s in machine.servers)


def test_the_growth_rows_come_from_the_paired_measurements_so_a_box_slowing_midway_fails_no_page(
    machine,
):
    # The whole box turns 1.5x slower after the second pair: measured minutes apart, every
    # page measured late at city scale would have grown 1.8x.
    machine.slower_after = 4
    runs, _said = run_growth(machine)
    rows = {row["name"]: row for row in growth(runs["small"], runs["city"])}

    assert (rows["a"]["small_p95_ms"], rows["a"]["city_p95_ms"]) == (10.0, 12.0)
    assert (rows["c"]["small_p95_ms"], rows["c"]["city_p95_ms"]) == (15.0, 18.0)
    assert {name: row["ratio"] for name, row in rows.items()} == {
        "healthz": 1.2,
        "a": 1.2,
        "b": 1.2,
        "c": 1.2,
    }
    assert all(rows[p.name]["verdict"] == PASS for p in PAGES)
    assert rows["b"]["adjusted"] == 1.0


def test_each_scale_keeps_its_own_table_in_the_shape_of_a_single_scale_run(machine):
    runs, said = run_growth(machine)
    single = runner.bench_run(
        EVERY, options(scale="small"), lambda text: None, FakeGenerator(machine)
    )

    assert list(runs) == ["small", "city"]
    for scale, run in runs.items():
        assert run.scale == scale
        assert [r.path.name for r in run.results] == ["healthz", "a", "b", "c"]
        assert run.baseline_again is not None
        assert run.triage == {"scale": scale}
        # Memory is each server's own, sampled while its own load ran.
        assert {r.peak_rss_mb for r in run.results} == {MEMORY_MB[scale]}
        assert any("measured in pairs" in note for note in run.notes)
        assert to_json(run, {}).keys() == to_json(single, {}).keys()
        assert [p["name"] for p in to_json(run, {})["paths"]] == ["healthz", "a", "b", "c"]
    # Each line says which scale it is about.
    assert any(line.startswith("[small] c: 500 req/s") for line in said)
    assert any(line.startswith("[city] c: 500 req/s") for line in said)


@pytest.mark.parametrize("failure", [RuntimeError("wrk died"), KeyboardInterrupt()])
def test_both_servers_are_stopped_when_a_load_fails_or_ctrl_c_arrives(machine, failure):
    machine.fail_on_load, machine.failure = 4, failure

    with pytest.raises(type(failure)):
        run_growth(machine)

    assert machine.events("stop") == [("stop", "city"), ("stop", "small")]
    assert machine.events("triage") == []
    assert all(not Path(s.log_path).parent.exists() for s in machine.servers)


def test_the_small_server_is_stopped_when_the_city_server_does_not_come_up(machine):
    machine.fail_start = "city"

    with pytest.raises(RuntimeError, match="before answering"):
        run_growth(machine)

    assert machine.loaded() == []
    assert machine.events("stop") == [("stop", "city"), ("stop", "small")]


def test_a_second_ctrl_c_while_stopping_one_server_still_stops_the_other(machine):
    machine.fail_on_load, machine.failure = 3, KeyboardInterrupt()
    machine.interrupt_stop = "city"

    with pytest.raises(KeyboardInterrupt):
        run_growth(machine)

    assert machine.events("stop") == [("stop", "city"), ("stop", "small")]


def test_on_postgres_each_server_serves_its_own_database_beside_its_own_sealer(machine):
    runs, _said = run_growth(machine, db="postgres", workers=3)

    assert [(s.scale, s.env["DATABASE_URL"], s.sealer, s.workers) for s in machine.servers] == [
        ("small", machine.url("small"), True, 3),
        ("city", machine.url("city"), True, 3),
    ]
    assert runs["city"].db == "postgres"


def test_without_triage_neither_scale_times_it(machine):
    runs, _said = run_growth(machine, triage=False)

    assert machine.events("triage") == []
    assert runs["small"].triage is None and runs["city"].triage is None


def test_a_single_scale_run_measures_its_paths_in_order_and_stops_its_server(machine):
    run = runner.bench_run(EVERY, options(), lambda text: None, FakeGenerator(machine))

    assert machine.loaded() == [("city", n) for n in ("healthz", "a", "b", "c", "healthz")]
    assert machine.events("stop", "triage") == [("stop", "city"), ("triage", "city")]
    assert run.scale == "city"
    assert run.results[1].ratio == pytest.approx(1.0)
    assert not any("measured in pairs" in note for note in run.notes)


def test_a_page_caught_by_one_slow_measurement_is_paired_twice_more_and_judged_by_the_median(
    machine,
):
    machine.spikes[("city", "b")] = [2.0]  # its first city measurement only: growth 2.4
    runs, _said = run_growth(machine)
    rows = {row["name"]: row for row in growth(runs["small"], runs["city"])}

    assert rows["b"]["ratio"] == 1.2 and rows["b"]["verdict"] == PASS
    assert machine.loaded().count(("city", "b")) == 3
    assert machine.loaded().count(("small", "b")) == 3
    assert machine.loaded().count(("city", "a")) == 1  # a page within the limit: one pair
    note = next(n for n in runs["city"].notes if "median pair" in n)
    assert "b (2.40, 1.20, 1.20)" in note and note in runs["small"].notes


def test_a_page_that_grows_in_every_pair_still_fails(machine):
    machine.spikes[("city", "c")] = [2.0, 2.0, 2.0]
    runs, _said = run_growth(machine)
    rows = {row["name"]: row for row in growth(runs["small"], runs["city"])}

    assert rows["c"]["ratio"] == 2.4 and rows["c"]["verdict"] != PASS
    assert machine.loaded().count(("city", "c")) == 3
