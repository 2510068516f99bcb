"""`campaigndesk bench_probe`: used by `bench`; one request per path in the bench DB."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigndesk.perf import paths as bench_paths
from campaigndesk.perf.probe import dumps, probe
from campaigndesk.perf.runner import PROBE_MARK


class Command(BaseCommand):
    help = (
        "Used by `campaigndesk bench`: sign the bench user in, issue an API token, resolve "
        "each path's URL and count the queries one request runs. Prints one JSON line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--paths", default="", help="comma-separated path names (all)")
        parser.add_argument(
            "--no-token", action="store_true", help="use the session where a path asks a token"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            selected = bench_paths.select(options["paths"].split(","))
        except KeyError as exc:
            raise CommandError(f"Unknown path(s): {exc.args[0]}.") from None
        result = probe(selected, with_tokens=not options["no_token"])
        self.stdout.write(PROBE_MARK + dumps(result))
