"""Figures of one bench run: ratios, verdicts, the table and the JSON file."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from typing import Any

from . import triage_bench
from .paths import BASELINE, P95_LIMIT_MS, BenchPath

PASS, FAIL, NONE = "PASS", "FAIL", "-"


@dataclass
class Measurement:
    """What the load generator saw for one path."""

    requests: int
    duration_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # socket errors, timeouts and responses with status >= 400
    # Responses with the status the request counts (a submission's 201), when it counts one,
    # and requests sent whose answer was never read: wrk stops with some in flight, which
    # the server may still complete and store.
    counted: int | None = None
    unanswered: int | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0


@dataclass
class PathResult:
    path: BenchPath
    url: str
    measurement: Measurement | None
    queries: int | None = None
    peak_rss_mb: float | None = None
    ratio: float | None = None
    note: str = ""  # why a path was not measured, or what went wrong with it
    # Write paths (BenchPath.stored_table): responses with the expected status seen by
    # the load generator (preflight, warm-up and load), and rows the table gained.
    acknowledged: int | None = None
    stored: int | None = None
    unanswered: int = 0  # sent when the load stopped, answer never read (wrk cuts them off)

    @property
    def count_verdict(self) -> str:
        """PASS when every acknowledged request is stored and nothing else is, but for
        requests cut off unanswered when the load stopped (the server may have stored
        them; nobody was told either way)."""
        if self.acknowledged is None or self.stored is None:
            return NONE
        ok = self.acknowledged <= self.stored <= self.acknowledged + self.unanswered
        return PASS if ok else FAIL

    @property
    def ratio_verdict(self) -> str:
        return ratio_verdict(self.ratio, self.path.target_ratio)

    @property
    def p95_verdict(self) -> str:
        """A page's p95 under P95_LIMIT_MS; a download (the export) within its own time."""
        if self.measurement is None:
            return FAIL
        return PASS if self.measurement.p95_ms < (self.path.limit_ms or P95_LIMIT_MS) else FAIL


def ratio_verdict(ratio: float | None, target: float | None) -> str:
    if target is None:
        return NONE
    if ratio is None:
        return FAIL
    return PASS if ratio >= target else FAIL


def baseline_rps(results: list[PathResult], again: Measurement | None = None) -> float:
    """/healthz requests per second: the mean of the first measurement and, when
    given, a second one taken after the other paths (a machine that got busier or
    quieter during the run then weighs on both ends alike)."""
    base = next((r for r in results if r.path.name == BASELINE), None)
    if base is None or base.measurement is None:
        return 0.0
    figures = [base.measurement.rps] + ([again.rps] if again is not None else [])
    return sum(figures) / len(figures)


def apply_ratios(results: list[PathResult], again: Measurement | None = None) -> None:
    """Set each result's throughput as a share of the baseline's in the same run."""
    base_rps = baseline_rps(results, again)
    for r in results:
        r.ratio = r.measurement.rps / base_rps if r.measurement and base_rps > 0 else None


@dataclass
class Run:
    scale: str
    db: str
    duration_s: float
    concurrency: int
    load_generator: str
    results: list[PathResult]
    prepared: dict[str, Any] = field(default_factory=dict)  # what the bench DB holds
    notes: list[str] = field(default_factory=list)
    load_before: tuple[float, float, float] | None = None  # 1/5/15-minute load averages
    load_after: tuple[float, float, float] | None = None
    commit: str | None = None  # the code measured: git commit, "+changes" when uncommitted
    workers: int | None = None  # gunicorn sync workers
    baseline_again: Measurement | None = None  # /healthz measured again after the paths
    triage: dict[str, Any] | None = None  # routing and duplicate-check timings, in-process


def machine() -> dict[str, Any]:
    import django

    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpu": _cpu_model(),
        "platform": platform.platform(terse=True),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _loads(loads: tuple[float, float, float] | None) -> list[float] | None:
    return None if loads is None else [round(x, 2) for x in loads]


def path_entry(r: PathResult) -> dict[str, Any]:
    m = r.measurement
    return {
        "name": r.path.name,
        "method": r.path.method,
        "url": r.url,
        "auth": r.path.auth,
        "rps": _round(m.rps, 1) if m else None,
        "p50_ms": _round(m.p50_ms, 2) if m else None,
        "p95_ms": _round(m.p95_ms, 2) if m else None,
        "p99_ms": _round(m.p99_ms, 2) if m else None,
        "requests": m.requests if m else 0,
        "ratio": _round(r.ratio, 4),
        "target_ratio": r.path.target_ratio,
        "ratio_verdict": r.ratio_verdict,
        "p95_verdict": r.p95_verdict,
        "queries": r.queries,
        "errors": m.errors if m else None,
        "peak_rss_mb": _round(r.peak_rss_mb, 1),
        "acknowledged": r.acknowledged,
        "stored": r.stored,
        "unanswered": r.unanswered if r.acknowledged is not None else None,
        "count_verdict": r.count_verdict,
        "note": r.note,
    }


def to_json(run: Run, machine_info: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "scale": run.scale,
        "db": run.db,
        "commit": run.commit,
        "machine": machine_info if machine_info is not None else machine(),
        "duration_s": run.duration_s,
        "concurrency": run.concurrency,
        "workers": run.workers,
        "load_generator": run.load_generator,
        "load_average_before": _loads(run.load_before),
        "load_average_after": _loads(run.load_after),
        "prepared": run.prepared,
        "p95_limit_ms": P95_LIMIT_MS,
        "healthz_rps_after": _round(run.baseline_again.rps, 1) if run.baseline_again else None,
        "baseline_rps": _round(baseline_rps(run.results, run.baseline_again), 1),
        "notes": run.notes,
        "paths": [path_entry(r) for r in run.results],
        "triage": run.triage,
    }


COLUMNS = [
    ("path", "<"),
    ("rps", ">"),
    ("p50 ms", ">"),
    ("p95 ms", ">"),
    ("p99 ms", ">"),
    ("ratio", ">"),
    ("target", ">"),
    ("ratio?", "<"),
    ("in time?", "<"),  # p95 under 150 ms; a download (the export) within its own limit
    ("queries", ">"),
    ("errors", ">"),
    ("peak MB", ">"),
]


def _fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _percent(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio * 100:.1f}%"


def table_rows(run: Run) -> list[list[str]]:
    rows = []
    for r in run.results:
        e = path_entry(r)
        rows.append(
            [
                r.path.name if r.path.method == "GET" else f"{r.path.name} ({r.path.method})",
                _fmt(e["rps"], ",.0f"),
                _fmt(e["p50_ms"], ".1f"),
                _fmt(e["p95_ms"], ".1f"),
                _fmt(e["p99_ms"], ".1f"),
                _percent(e["ratio"]),
                f"{r.path.target_ratio * 100:.0f}%" if r.path.target_ratio else "-",
                e["ratio_verdict"],
                e["p95_verdict"],
                _fmt(e["queries"], "d"),
                _fmt(e["errors"], "d"),
                _fmt(e["peak_rss_mb"], ".0f"),
            ]
        )
    return rows


def render_table(headers: list[tuple[str, str]], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, (h, _) in enumerate(headers)]
    widths = [max(len(h), w) for (h, _), w in zip(headers, widths, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            f"{c:{align}{w}}" for c, (_, align), w in zip(cells, headers, widths, strict=True)
        ).rstrip()

    out = [line([h for h, _ in headers]), line(["-" * w for w in widths])]
    out.extend(line(row) for row in rows)
    return "\n".join(out)


def render(run: Run, machine_info: dict[str, Any] | None = None) -> str:
    info = machine_info if machine_info is not None else machine()
    head = (
        f"scale={run.scale} db={run.db} duration={run.duration_s:g}s "
        f"concurrency={run.concurrency} workers={run.workers or '-'} "
        f"load generator={run.load_generator} "
        f"commit={run.commit or '-'}\n"
        f"machine: {info['cores']} cores ({info['cpu']}), Python {info['python']}, "
        f"Django {info['django']}"
    )
    if run.load_before:
        head += f"\nload average before: {' '.join(f'{x:.2f}' for x in run.load_before)}"
    if run.load_after:
        head += f", after: {' '.join(f'{x:.2f}' for x in run.load_after)}"
    if run.baseline_again is not None:
        head += (
            f"\n/healthz again after the paths: {run.baseline_again.rps:,.0f} req/s; "
            f"ratios use the mean, {baseline_rps(run.results, run.baseline_again):,.0f} req/s"
        )
    body = render_table(COLUMNS, table_rows(run)) if run.results else "(no paths)"
    body += "".join(f"\n{line}" for line in count_lines(run))
    body += "".join(f"\n{line}" for line in triage_bench.render(run.triage))
    notes = "".join(f"\nnote: {n}" for n in run.notes)
    notes += "".join(f"\nnote: {r.path.name}: {r.note}" for r in run.results if r.note)
    return f"{head}\n\n{body}\n{notes}".rstrip() + "\n"


def count_lines(run: Run) -> list[str]:
    """One line per write path: what was acknowledged against what was stored."""
    lines = []
    for r in run.results:
        if r.count_verdict == NONE:
            continue
        line = f"{r.path.name}: acknowledged {r.acknowledged:,}, stored {r.stored:,}"
        if r.count_verdict == FAIL:
            line += f" -- ERROR: they differ by {r.stored - r.acknowledged:+,}"  # type: ignore[operator]
            if r.unanswered:
                line += f" ({r.unanswered:,} cut off unanswered when the load stopped)"
        elif r.stored != r.acknowledged:
            line += (
                f" (the {r.stored - r.acknowledged:,} more were among the {r.unanswered:,} "  # type: ignore[operator]
                "requests cut off unanswered when the load stopped)"
            )
        lines.append(line)
    if lines:
        lines.insert(0, "")
    return lines


# --- growth: city against small --------------------------------------------------------

GROWTH_LIMIT = 1.3  # p95 at city scale may be at most 1.3 x p95 at small scale


def growth(small: Run, city: Run) -> list[dict[str, Any]]:
    """city/small p95 per path. `adjusted` divides by the same ratio of /healthz, to
    take out a machine that was busier while one scale was measured (the bench measures
    each path on both scales back to back, which leaves little of that to take out)."""
    small_by = {r.path.name: r for r in small.results}

    def p95(r: PathResult | None) -> float | None:
        return r.measurement.p95_ms if r is not None and r.measurement else None

    base = next((r for r in city.results if r.path.name == BASELINE), None)
    base_small, base_city = p95(small_by.get(BASELINE)), p95(base)
    base_ratio = base_city / base_small if base_small and base_city else None
    rows = []
    for r in city.results:
        sp, cp = p95(small_by.get(r.path.name)), p95(r)
        ratio = cp / sp if sp and cp is not None else None
        adjusted = ratio / base_ratio if ratio is not None and base_ratio else None
        rows.append(
            {
                "name": r.path.name,
                "small_p95_ms": _round(sp, 2),
                "city_p95_ms": _round(cp, 2),
                "ratio": _round(ratio, 3),
                "adjusted": _round(adjusted, 3),
                # The baseline, and downloads that write ten times the rows, are not pages.
                "verdict": NONE
                if r.path.name == BASELINE or r.path.limit_ms is not None
                else (PASS if ratio is not None and ratio <= GROWTH_LIMIT else FAIL),
            }
        )
    return rows


def render_growth(rows: list[dict[str, Any]]) -> str:
    headers = [
        ("path", "<"),
        ("small p95 ms", ">"),
        ("city p95 ms", ">"),
        ("city/small", ">"),
        (f"<={GROWTH_LIMIT}?", "<"),
        ("adjusted", ">"),
    ]
    body = [
        [
            g["name"],
            _fmt(g["small_p95_ms"], ".1f"),
            _fmt(g["city_p95_ms"], ".1f"),
            _fmt(g["ratio"], ".2f"),
            g["verdict"],
            _fmt(g["adjusted"], ".2f"),
        ]
        for g in rows
    ]
    return (
        render_table(headers, body)
        + "\nadjusted: city/small divided by the same ratio for /healthz (machine noise)\n"
    )


def write_json(path: str, data: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
