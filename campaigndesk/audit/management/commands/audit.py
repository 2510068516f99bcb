from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from campaigndesk.audit import sealer
from campaigndesk.audit.trail import seal, verify


class Command(BaseCommand):
    help = (
        "Work with the audit trail. `audit verify` chains the records still waiting, "
        "recomputes the hash chain and exits 0 when it is intact, or 1 naming the first "
        "record that was changed, deleted or reordered. `audit seal` only chains the "
        "records waiting (the scheduler does so every minute)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Check the whole chain.")
        seal_parser = sub.add_parser("seal", help="Chain the committed records still waiting.")
        seal_parser.add_argument(
            "--follow",
            action="store_true",
            help="Keep sealing a few times a second until stopped (PostgreSQL), so app "
            "servers leave the seal to this process. `campaigndesk scheduler` runs one.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "seal":
            if options["follow"]:
                self._follow()
                return
            self.stdout.write(f"{seal()} records chained.")
            return
        if options["subcommand"] == "verify":
            result = verify()
            if result.sealed_now:
                self.stdout.write(f"{result.sealed_now} records waiting were chained first.")
            if result.ok:
                self.stdout.write(f"audit trail intact: {result.checked} records checked.")
                return
            raise CommandError(
                f"audit trail broken at record {result.first_bad_seq}: {result.reason} "
                f"({result.checked} records before it are intact)."
            )

    def _follow(self) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "A sealer runs on PostgreSQL only; on SQLite each write is sealed after "
                "its commit. Use `audit seal` to chain what waits."
            )
        self.stdout.write("Sealing the audit trail as records arrive; stop it with Ctrl-C.")
        stop = threading.Event()
        # SIGTERM (systemd, the bench) and Ctrl-C both end it cleanly: a last seal, then
        # its session and lock go.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_args: stop.set())
        sealer.run(stop)
        self.stdout.write("Stopped.")
