from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigndesk.triage import pipeline
from campaigndesk.triage.evaluate import EvaluationError, evaluate


def _columns(value: str) -> list[str]:
    cols = [c.strip() for c in value.split(",") if c.strip()]
    if not cols:
        raise CommandError("--text needs at least one column name.")
    return cols


class Command(BaseCommand):
    help = (
        "Learned triage. `triage evaluate` measures the routing model on a labelled .csv or "
        ".xlsx file; `triage train` trains a new model version from the routed history; "
        "`triage clusters` prints the topic clusters of a file; `triage duplicates --backfill` "
        "searches and stores the near-duplicates of open suggestions never searched; "
        "`triage hints --backfill` stores the active model's routing guesses of the queue's "
        "suggestions that have none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        ev = sub.add_parser(
            "evaluate", help="Train on one split of a labelled file, test on the other."
        )
        ev.add_argument("--data", help="A labelled .csv or .xlsx file, split for you.")
        ev.add_argument("--train", help="The training file (with --test).")
        ev.add_argument("--test", help="The test file (with --train).")
        ev.add_argument("--text", required=True, help="Text column(s), comma-separated.")
        ev.add_argument("--label", required=True, help="The label column.")
        ev.add_argument("--test-size", type=float, default=0.2)
        ev.add_argument("--seed", type=int, default=0)
        ev.add_argument("--json", dest="json_out", help="Also write the figures here as JSON.")
        ev.add_argument(
            "--variant",
            default=pipeline.DEFAULT_VARIANT,
            choices=sorted(pipeline.VARIANTS),
            help="Feature/classifier variant (default: the chosen one).",
        )
        tr = sub.add_parser("train", help="Train and activate a new routing model version.")
        tr.add_argument("--campaign", type=int, help="Campaign id (default: city-wide).")
        tr.add_argument("--target", choices=["unit", "category"], default="unit")
        cl = sub.add_parser("clusters", help="Print the topic clusters of a file.")
        cl.add_argument("--data", required=True)
        cl.add_argument("--text", required=True)
        cl.add_argument("--json", dest="json_out")
        du = sub.add_parser("duplicates", help="Store the near-duplicates the triage queue shows.")
        du.add_argument(
            "--backfill",
            action="store_true",
            help="Search the queue's suggestions that were never searched (safe to rerun).",
        )
        du.add_argument(
            "--resign",
            action="store_true",
            help="Replace every suggestion's band keys first: once after an upgrade that "
            "changes them (a million suggestions in 15-30 minutes).",
        )
        du.add_argument(
            "--status",
            help="Comma-separated statuses (default: the queue's, received,reopened).",
        )
        du.add_argument("--batch", type=int, default=50, help="Suggestions per lookup.")
        du.add_argument("--limit", type=int, help="Stop after this many suggestions.")
        hi = sub.add_parser("hints", help="Store the routing guesses the triage queue shows.")
        hi.add_argument(
            "--backfill",
            action="store_true",
            help="Predict for suggestions with no guess of the active model (safe to rerun).",
        )
        hi.add_argument(
            "--status",
            help="Comma-separated statuses (default: the queue's, received,reopened).",
        )
        hi.add_argument("--batch", type=int, default=200, help="Suggestions per prediction.")
        hi.add_argument("--limit", type=int, help="Stop after checking this many suggestions.")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['subcommand']}")(options)

    def _evaluate(self, o: dict[str, Any]) -> None:
        if o["data"] and (o["train"] or o["test"]):
            raise CommandError("give either --data, or --train and --test, not both.")
        if not o["data"] and not (o["train"] and o["test"]):
            raise CommandError("give --data FILE, or --train FILE and --test FILE.")
        try:
            result = evaluate(
                text_columns=_columns(o["text"]),
                label_column=o["label"].strip(),
                data=o["data"],
                train=o["train"],
                test=o["test"],
                test_size=o["test_size"],
                seed=o["seed"],
                variant=o["variant"],
            )
        except EvaluationError as e:
            raise CommandError(str(e)) from None
        for warning in result["warnings"]:
            self.stderr.write(f"warning: {warning}")
        w = self.stdout.write
        w(
            f"train rows: {result['train_rows']}  test rows: {result['test_rows']}  "
            f"classes: {len(result['classes'])}  variant: {result['variant']}"
        )
        w(f"macro-F1: {result['macro_f1']:.4f}")
        w(f"accuracy: {result['accuracy']:.4f}")
        w(f"training seconds: {result['train_seconds']:.2f}")
        w(f"predictions per second: {result['predictions_per_second']:.0f}")
        w("per-class F1:")
        width = max(len(c) for c in result["classes"])
        for c, m in result["per_class"].items():
            w(
                f"  {c:<{width}}  F1 {m['f1']:.4f}  P {m['precision']:.4f}  "
                f"R {m['recall']:.4f}  n {m['support']}"
            )
        if o["json_out"]:
            Path(o["json_out"]).write_text(
                json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
            )
            w(f"figures written to {o['json_out']}")

    def _train(self, o: dict[str, Any]) -> None:
        from campaigndesk.campaigns.models import Campaign
        from campaigndesk.triage import training

        campaign = None
        if o["campaign"] is not None:
            campaign = Campaign.objects.filter(pk=o["campaign"]).first()
            if campaign is None:
                raise CommandError(f"no campaign with id {o['campaign']}.")
        try:
            model = training.train(campaign=campaign, target=o["target"], trained_by="command")
        except training.NotEnoughData as e:
            raise CommandError(str(e)) from None
        self.stdout.write(
            f"trained version {model.version} on {model.trained_on} rows: "
            f"macro-F1 {model.macro_f1}, accuracy {model.accuracy}; now active."
        )

    def _clusters(self, o: dict[str, Any]) -> None:
        try:
            from campaigndesk.triage.topics import cluster_file
        except ImportError:
            raise CommandError("triage clusters is not built yet.") from None
        try:
            clusters = cluster_file(o["data"], o["text"], o["json_out"])
        except ValueError as e:
            raise CommandError(str(e)) from None
        for c in clusters:
            terms = ", ".join(c.get("terms", []))
            self.stdout.write(f"#{c.get('cluster')}  size {c.get('size')}  {terms}")
            for rep in c.get("representatives", [])[:3]:
                self.stdout.write(f"    row {rep.get('row')}: {str(rep.get('text', ''))[:80]}")
        if o["json_out"]:
            self.stdout.write(f"clusters written to {o['json_out']}")

    def _duplicates(self, o: dict[str, Any]) -> None:
        import time

        from campaigndesk.triage import dedupe

        if not o["backfill"] and not o["resign"]:
            raise CommandError("say what to do: --backfill, --resign or both.")
        statuses = _statuses(o, dedupe.QUEUE_STATUSES)
        started = time.monotonic()

        def say(message: str) -> None:
            self.stdout.write(f"{message} ({time.monotonic() - started:.0f} s)")

        if o["resign"]:
            signed = dedupe.backfill_signatures(only_missing=False, say=say)
            self.stdout.write(f"signed {signed} suggestions in {time.monotonic() - started:.1f} s.")
            if not o["backfill"]:
                return
        done = dedupe.backfill_duplicates(
            batch=o["batch"],
            statuses=statuses,
            limit=o["limit"],
            say=say,
        )
        self.stdout.write(f"searched {done} suggestions in {time.monotonic() - started:.1f} s.")

    def _hints(self, o: dict[str, Any]) -> None:
        import time

        from campaigndesk.triage import stored_hints

        if not o["backfill"]:
            raise CommandError("say what to do: --backfill.")
        statuses = _statuses(o, stored_hints.QUEUE_STATUSES)
        started = time.monotonic()
        done = stored_hints.backfill_hints(
            batch=o["batch"],
            statuses=statuses,
            limit=o["limit"],
            say=lambda m: self.stdout.write(f"{m} ({time.monotonic() - started:.0f} s)"),
        )
        self.stdout.write(f"predicted {done} suggestions in {time.monotonic() - started:.1f} s.")


def _statuses(o: dict[str, Any], default: Any) -> list[str]:
    """The backfills' --status list (default: the queue's statuses), checked with --batch."""
    from campaigndesk.suggestions.models import Status

    statuses = [str(v) for v in default]
    if o["status"]:
        statuses = [v.strip() for v in o["status"].split(",") if v.strip()]
        unknown = sorted(set(statuses) - set(Status.values))
        if unknown:
            raise CommandError(f"unknown status: {', '.join(unknown)}.")
    if o["batch"] < 1:
        raise CommandError("--batch must be at least 1.")
    return statuses
