"""One bench run: prepare the database, start the server, drive each path, report.

The growth check runs two at once (small and city scale), each path on both back to back."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import loadgen, prepare
from .paths import BASELINE, BenchPath
from .report import FAIL, GROWTH_LIMIT, Measurement, PathResult, Run, apply_ratios
from .server import WORKERS, MemorySampler, Server

Say = Callable[[str], None]
PROBE_MARK = "BENCH_PROBE "


@dataclass
class Options:
    scale: str
    db: str
    duration: float = 10.0
    concurrency: int = 8
    warmup: float = 3.0
    keep_server: bool = False
    triage: bool = True  # also time routing and the duplicate check (bench_triage)
    workers: int = 0  # gunicorn sync workers; 0: the server's default for this machine


def server_env(db_url: str, static_root: Path, secret_key: str) -> dict[str, str]:
    """The environment of production: DEBUG off, a real key, collected static files."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL="0",
        STATIC_ROOT=str(static_root),
        LOG_LEVEL="WARNING",
        TASKS_IMMEDIATE="0",
        # As behind nginx in production: the load generator on loopback is the proxy,
        # and a path's X-Forwarded-For ({ip}: one sender per request) is believed, so
        # the per-address rate limits run in full without refusing the bench.
        TRUSTED_PROXIES="127.0.0.1,::1",
    )
    return env


def load_average() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


def source_version() -> str | None:
    """The git commit of the code being measured, marked when the tree has changes."""
    from django.conf import settings

    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", "campaigndesk")
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+changes" if dirty else "")


def run_triage(env: dict[str, str], say: Say) -> dict[str, Any]:
    """The triage timings, in-process in the bench database (after the load)."""
    from .management.commands.bench_triage import TRIAGE_MARK

    say("timing triage: routing a batch, checking reworded copies for duplicates")
    try:
        proc = prepare.run_command(["bench_triage"], env, say)
    except RuntimeError as exc:
        return {"error": str(exc)[-500:]}
    for line in proc.stdout.splitlines():
        if line.startswith(TRIAGE_MARK):
            return json.loads(line[len(TRIAGE_MARK) :])
    return {"error": "bench_triage printed no result"}


def run_probe(paths: list[BenchPath], env: dict[str, str], say: Say) -> dict[str, Any]:
    probe_env = {**env, "ALLOWED_HOSTS": env["ALLOWED_HOSTS"] + ",testserver"}
    proc = prepare.run_command(
        ["bench_probe", "--paths", ",".join(p.name for p in paths)], probe_env, say
    )
    for line in proc.stdout.splitlines():
        if line.startswith(PROBE_MARK):
            return json.loads(line[len(PROBE_MARK) :])
    raise RuntimeError(
        "bench_probe printed no result:\n" + proc.stdout[-2000:] + proc.stderr[-2000:]
    )


def preflight(req: loadgen.Request, expect: int) -> str:
    """One request without following redirects: what is wrong with it, or ''."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = req.nth(loadgen.next_series(), 0, 1)
    data = req.body.encode() if req.body is not None else None
    request = urllib.request.Request(  # noqa: S310 (our own loopback URL)
        req.url, data=data, headers=dict(req.headers), method=req.method
    )
    try:
        with opener.open(request, timeout=60) as resp:
            status = resp.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        return f"request failed: {exc}"
    return f"answered {status}, expected {expect}" if status != expect else ""


GROWTH_SCALES = ("small", "city")


@dataclass
class Stage:
    """One scale's part of a run: its database, its server, and what was measured on it."""

    options: Options
    prepared: prepare.Prepared
    notes: list[str]
    say: Say
    workdir: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    server: Server | None = None
    probed: dict[str, Any] = field(default_factory=dict)
    results: list[PathResult] = field(default_factory=list)
    baseline_again: Measurement | None = None
    load_before: tuple[float, float, float] | None = None

    def start(self, paths: list[BenchPath]) -> None:
        """Collect static files, probe the paths and start the server (and its sealer)."""
        self.workdir = Path(tempfile.mkdtemp(prefix=f"cd-bench-{self.options.scale}-"))
        self.env = server_env(self.prepared.url, self.workdir / "static", secrets.token_urlsafe(48))
        server = self.server = Server(
            self.env,
            self.workdir / "gunicorn.log",
            workers=self.options.workers or WORKERS,
            sealer=self.options.db == "postgres",
        )
        self.load_before = load_average()
        self.say("collecting static files")
        prepare.run_command(["collectstatic", "--no-input", "-v", "0"], self.env, self.say)
        self.say("signing in the bench user, resolving URLs, counting queries")
        self.probed = run_probe(paths, self.env, self.say)["paths"]
        self.say(
            f"starting gunicorn ({server.workers} sync workers) on {server.base_url}"
            + (" and the audit sealer" if server.sealer else "")
        )
        server.start()

    def measure(self, path: BenchPath, gen: Any) -> None:
        assert self.server is not None
        probed = self.probed.get(path.name, {})
        self.results.append(_bench_path(self.server, gen, path, probed, self.options, self.say))

    def wants_baseline_again(self, paths: list[BenchPath]) -> bool:
        return (
            len(paths) > 1
            and paths[0].name == BASELINE
            and bool(self.results)
            and self.results[0].measurement is not None
        )

    def measure_baseline_again(self, baseline: BenchPath, gen: Any) -> None:
        assert self.server is not None
        probed = self.probed.get(BASELINE, {})
        again = _bench_path(self.server, gen, baseline, probed, self.options, self.say)
        self.baseline_again = again.measurement

    def stop(self) -> None:
        try:
            if self.server is not None:
                self.server.stop()
        finally:
            if self.workdir is not None:
                shutil.rmtree(self.workdir, ignore_errors=True)

    def leave_running(self) -> None:
        server = self.server
        if server is None or server.proc is None:
            self.stop()
            return
        self.say(f"server left running: {server.base_url}, pid {server.proc.pid}")
        self.say(f"stop it with: kill {server.proc.pid}; its files: {self.workdir}")
        if server.sealer_proc is not None:
            self.say(f"and the audit sealer: kill {server.sealer_proc.pid}")

    def conclude(self, gen: Any) -> Run:
        """The run's report, after the server has stopped: triage timings, ratios, notes."""
        options = self.options
        triage = run_triage(self.env, self.say) if options.triage else None
        apply_ratios(self.results, self.baseline_again)
        for r in self.results:
            if r.measurement and r.measurement.errors:
                r.note = (r.note + "; " if r.note else "") + f"{r.measurement.errors} errors"
        return Run(
            scale=options.scale,
            db=options.db,
            duration_s=options.duration,
            concurrency=options.concurrency,
            load_generator=gen.name,
            workers=self.server.workers if self.server is not None else None,
            results=self.results,
            prepared={k: v for k, v in self.prepared.info.items() if k != "version"},
            notes=self.notes,
            load_before=self.load_before,
            load_after=load_average(),
            commit=source_version(),
            baseline_again=self.baseline_again,
            triage=triage,
        )


def prepare_stage(options: Options, gen: Any, say: Say) -> Stage:
    """Make (or reuse) the scale's bench database; nothing is started yet."""
    notes: list[str] = []
    if isinstance(gen, loadgen.PythonLoad):
        notes.append("wrk was not available: the built-in Python load generator ran (lower rps).")
    prepared = prepare.prepare(options.db, options.scale, say)
    if prepared.info.get("missing_generators"):
        notes.append(
            "scale generators not yet built, so the database lacks: "
            + ", ".join(prepared.info["missing_generators"])
        )
    if not prepared.info.get("demo"):
        notes.append("the Dalian demo was not loaded (no load_demo command)")
    return Stage(options, prepared, notes, say)


def in_turn(stages: list[Stage], index: int) -> list[Stage]:
    """The stages in the order the `index`th path visits them: forwards, then backwards,
    so that a machine slowing down (or speeding up) during a run favours neither."""
    return list(stages) if index % 2 == 0 else list(reversed(stages))


def measure_paths(stages: list[Stage], paths: list[BenchPath], gen: Any) -> None:
    """Each path on every stage's server back to back, then /healthz again on each."""
    for index, path in enumerate(paths):
        for stage in in_turn(stages, index):
            stage.measure(path, gen)
    again = [stage for stage in stages if stage.wants_baseline_again(paths)]
    for stage in in_turn(again, len(paths)):
        stage.measure_baseline_again(paths[0], gen)


def bench_run(
    paths: list[BenchPath], options: Options, say: Say, generator: Any | None = None
) -> Run:
    gen = generator or loadgen.generator()
    stage = prepare_stage(options, gen, say)
    completed = False
    try:
        stage.start(paths)
        measure_paths([stage], paths, gen)
        completed = True
    finally:
        # Kept only after a complete run: Ctrl-C or an error always stops it.
        if completed and options.keep_server:
            stage.leave_running()
        else:
            stage.stop()
    return stage.conclude(gen)


def bench_growth(
    paths: list[BenchPath],
    options: Options,
    say: Say,
    generator: Any | None = None,
    scales: tuple[str, ...] = GROWTH_SCALES,
) -> dict[str, Run]:
    """One run per scale, measured as pairs: both databases are prepared and both servers
    started first, then each path runs on one scale and at once on the other (the order
    alternating from path to path), so that its two measurements are seconds apart and
    a machine that got slower between minutes weighs on both alike. `options.scale` and
    `options.keep_server` are not used."""
    gen = generator or loadgen.generator()
    stages = [
        prepare_stage(replace(options, scale=scale, keep_server=False), gen, _tagged(say, scale))
        for scale in scales
    ]
    others = ", ".join(scales)
    for stage in stages:
        stage.notes.append(
            f"measured in pairs ({others}): each path ran on every scale's server "
            "back to back, alternating which went first"
        )
    # Every server is stopped however the run ends, even when stopping another one fails
    # or a second Ctrl-C arrives while stopping.
    with contextlib.ExitStack() as running:
        for stage in stages:
            running.callback(stage.stop)
            stage.start(paths)
        measure_paths(stages, paths, gen)
        if len(stages) == 2:
            remeasure_outgrown(stages, paths, gen)
    return {stage.options.scale: stage.conclude(gen) for stage in stages}


MORE_PAIRS = 2  # for a page whose first pair grew past the limit; the median pair counts


def _growth_of(small: PathResult, city: PathResult) -> float | None:
    if small.measurement is None or city.measurement is None or not small.measurement.p95_ms:
        return None
    return city.measurement.p95_ms / small.measurement.p95_ms


def remeasure_outgrown(stages: list[Stage], paths: list[BenchPath], gen: Any) -> None:
    """A page whose first pair grew past GROWTH_LIMIT is measured in MORE_PAIRS more pairs,
    and the pair with the median growth stands for it in both runs: one ten-second pair
    can be caught by a pause of the machine (a different page each run, here), a real
    growth shows in every pair. The note names the pages and all their pairs' growth."""
    small, city = stages
    redone = []
    for index, path in enumerate(paths):
        if path.name == BASELINE or path.limit_ms is not None:
            continue  # the baseline and downloads are not judged by growth
        pairs = [(small.results[index], city.results[index])]
        first = _growth_of(*pairs[0])
        if first is None or first <= GROWTH_LIMIT:
            continue
        for extra in range(MORE_PAIRS):
            measured = {}
            for stage in in_turn(stages, index + 1 + extra):
                assert stage.server is not None
                probed = stage.probed.get(path.name, {})
                measured[stage.options.scale] = _bench_path(
                    stage.server, gen, path, probed, stage.options, stage.say
                )
            pairs.append((measured[small.options.scale], measured[city.options.scale]))
        growths = [_growth_of(*pair) for pair in pairs]
        ranked = sorted(range(len(pairs)), key=lambda i: (growths[i] is None, growths[i] or 0))
        median = ranked[len(ranked) // 2]
        small.results[index], city.results[index] = pairs[median]
        shown = ", ".join("-" if g is None else f"{g:.2f}" for g in growths)
        redone.append(f"{path.name} ({shown})")
    if redone:
        note = (
            f"over {GROWTH_LIMIT} in their first pair, measured in {MORE_PAIRS} more pairs; "
            f"the median pair counts: {'; '.join(redone)}"
        )
        for stage in stages:
            stage.notes.append(note)


def _tagged(say: Say, tag: str) -> Say:
    return lambda message: say(f"[{tag}] {message}")


def _bench_path(
    server: Server,
    gen: Any,
    path: BenchPath,
    probed: dict[str, Any],
    options: Options,
    say: Say,
) -> PathResult:
    if "error" in probed or "url" not in probed:
        reason = probed.get("error", "the probe did not reach it")
        say(f"{path.name}: skipped ({reason})")
        return PathResult(path, "", None, note=f"not measured: {reason}")
    url = probed["url"]
    result = PathResult(path, url, None, queries=probed.get("queries"))
    notes = []
    if probed.get("status") != path.expect:
        notes.append(f"probe got status {probed.get('status')}, expected {path.expect}")
    if probed.get("auth") != path.auth:
        notes.append(f"used {probed.get('auth')} auth: {path.auth} is not available")
    req = loadgen.Request(
        path.method,
        server.base_url + url,
        probed.get("headers", {}),
        probed.get("body"),
        count_status=path.expect if path.stored_table else None,
    )
    # A write path: every response with the expected status must be a new row.
    mark = (
        prepare.high_water(server.env["DATABASE_URL"], path.stored_table)
        if path.stored_table
        else 0
    )
    complaint = preflight(req, path.expect)
    if complaint:
        say(f"{path.name}: skipped, {complaint}")
        notes.append(f"not measured: {complaint}")
    result.note = "; ".join(notes)
    if complaint:
        return result
    acknowledged, unanswered = 1, 0  # the preflight's
    concurrency = path.concurrency or options.concurrency
    if options.warmup > 0 and not path.repeat:
        warm = gen.run(req, options.warmup, concurrency)
        acknowledged += warm.counted or 0
        unanswered += warm.unanswered or 0
    started = time.monotonic()
    with MemorySampler(server) as memory:
        if path.repeat:
            result.measurement = loadgen.sequential(req, path.repeat)
        else:
            result.measurement = gen.run(req, options.duration, concurrency)
    result.peak_rss_mb = memory.peak_mb
    m: Measurement = result.measurement
    if path.stored_table:
        result.acknowledged = acknowledged + (m.counted or 0)
        result.unanswered = unanswered + (m.unanswered or 0)
        result.stored = prepare.rows_since(server.env["DATABASE_URL"], path.stored_table, mark)
        say(f"{path.name}: acknowledged {result.acknowledged:,}, stored {result.stored:,}")
        if result.count_verdict == FAIL:
            result.note = (result.note + "; " if result.note else "") + (
                f"ERROR: acknowledged {result.acknowledged:,} but stored {result.stored:,}"
            )
    say(
        f"{path.name}: {m.rps:,.0f} req/s, p95 {m.p95_ms:.1f} ms, {m.errors} errors "
        f"({time.monotonic() - started:.0f} s)"
    )
    return result
