"""`campaigndesk bench`: every main path under load, as ratios of /healthz."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigndesk.perf import paths as bench_paths
from campaigndesk.perf import report
from campaigndesk.perf.prepare import DBS, SCALES
from campaigndesk.perf.runner import GROWTH_SCALES, Options, bench_growth, bench_run
from campaigndesk.perf.server import WORKERS


def positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError(raw)
    return value


def positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError(raw)
    return value


positive_float.__name__ = "positive number"  # argparse names the type in its message
positive_int.__name__ = "positive whole number"


TRIAGE = "triage"  # not an HTTP path: the in-process routing and duplicate timings


class Command(BaseCommand):
    help = (
        "Measure every main path under load: prepare a bench database at the chosen scale "
        "(reused on later runs), start gunicorn as production does, drive each path with "
        "wrk for a fixed time at a fixed concurrency, and report requests per second, "
        "p50/p95/p99 latency, errors, queries per request and the server's peak memory, "
        "with each path's throughput as a share of /healthz in the same run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=list(SCALES), default="city")
        parser.add_argument("--db", choices=list(DBS), default="sqlite")
        parser.add_argument("--json", metavar="OUT", help="also write the figures to this file")
        parser.add_argument(
            "--duration",
            type=positive_float,
            default=10.0,
            help="seconds of measured load per path (default 10)",
        )
        parser.add_argument(
            "--warmup",
            type=float,
            default=3.0,
            help="seconds of unmeasured load before each path (default 3)",
        )
        parser.add_argument(
            "--concurrency", type=positive_int, default=8, help="open connections (default 8)"
        )
        parser.add_argument(
            "--only",
            metavar="NAME,...",
            default="",
            help="run these paths only (and healthz, the baseline). Known: "
            + ", ".join(bench_paths.by_name())
            + ", and triage (in-process timings)",
        )
        parser.add_argument(
            "--growth",
            action="store_true",
            help="run at small and at city scale and print city/small p95 per path; both "
            "servers run at once and each path is measured on one and then at once on the "
            "other (the order alternating by path), so that the two figures of a path are "
            "seconds apart, not minutes",
        )
        parser.add_argument(
            "--no-triage",
            action="store_true",
            help="skip the in-process triage timings (routing, duplicate check); --only "
            "skips them too unless it names triage",
        )
        parser.add_argument(
            "--workers",
            type=positive_int,
            default=WORKERS,
            help=f"gunicorn sync workers (default {WORKERS}: one per core)",
        )
        parser.add_argument(
            "--keep-server", action="store_true", help="leave gunicorn running at the end"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        only = [n for n in options["only"].split(",") if n]
        triage = not options["no_triage"] and (not only or TRIAGE in only)
        only = [n for n in only if n != TRIAGE]
        if TRIAGE in options["only"].split(",") and not only:
            only = [bench_paths.BASELINE]
        try:
            selected = bench_paths.select(only)
        except KeyError as exc:
            raise CommandError(
                f"Unknown path(s): {exc.args[0]}. Known: {', '.join(bench_paths.by_name())}."
            ) from None
        if options["warmup"] < 0:
            raise CommandError("--warmup must be zero or more seconds.")
        out = options["json"]
        if out and not Path(out).resolve().parent.is_dir():
            raise CommandError(f"--json: the folder of {out} does not exist.")
        if options["growth"] and options["keep_server"]:
            raise CommandError("--keep-server cannot be combined with --growth.")

        opts = Options(
            scale=options["scale"],
            db=options["db"],
            duration=options["duration"],
            concurrency=options["concurrency"],
            warmup=options["warmup"],
            keep_server=options["keep_server"],
            triage=triage,
            workers=options["workers"],
        )
        runs: dict[str, report.Run]
        previous = signal.getsignal(signal.SIGTERM)
        # SIGTERM unwinds like Ctrl-C, so the servers are stopped either way.
        signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            if options["growth"]:
                runs = bench_growth(selected, opts, self._say)
            else:
                runs = {opts.scale: bench_run(selected, opts, self._say)}
        except KeyboardInterrupt:
            stopped = "the servers were" if options["growth"] else "the server was"
            raise CommandError(f"Interrupted; {stopped} stopped.") from None
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            signal.signal(signal.SIGTERM, previous)
        for run in runs.values():
            self.stdout.write("\n" + report.render(run))

        data: dict[str, Any]
        if options["growth"]:
            small, city = GROWTH_SCALES
            rows = report.growth(runs[small], runs[city])
            self.stdout.write("\ngrowth: p95 at city scale / p95 at small scale\n")
            self.stdout.write(report.render_growth(rows))
            data = {
                "growth": rows,
                small: report.to_json(runs[small]),
                city: report.to_json(runs[city]),
            }
        else:
            data = report.to_json(runs[opts.scale])
        if out:
            report.write_json(out, data)
            self.stdout.write(f"wrote {os.path.relpath(out)}")

    def _say(self, message: str) -> None:
        self.stderr.write(message, style_func=lambda s: s)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
