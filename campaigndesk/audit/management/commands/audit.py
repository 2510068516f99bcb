from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

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
        sub.add_parser("seal", help="Chain the committed records still waiting.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "seal":
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
