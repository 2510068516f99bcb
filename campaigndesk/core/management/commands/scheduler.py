from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from campaigndesk.audit import sealer
from campaigndesk.core import scheduler


class Command(BaseCommand):
    help = (
        "Enqueue the periodic background jobs that are due (deliveries every minute, "
        "reminders hourly, light refresh and daily digests once a day). Loops once a "
        "minute; --once runs one tick and exits, for cron. Safe when several run at once: "
        "each run is claimed by one of them. A db_worker runs what it enqueues. On "
        "PostgreSQL the loop also seals the audit trail as records arrive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run one tick and exit (for cron, every minute)."
        )
        parser.add_argument(
            "--inline",
            action="store_true",
            help="Run the jobs in this process instead of enqueuing them for a worker.",
        )
        parser.add_argument("--list", action="store_true", help="List the periodic jobs and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for p in scheduler.schedule():
                when = f"daily at {p.time_of_day:%H:%M}" if p.every == scheduler.DAY else p.every
                self.stdout.write(f"{p.job}  ({when})")
            return
        if options["once"]:
            started = scheduler.tick(inline=options["inline"])
            self.stdout.write(f"Started: {', '.join(started)}." if started else "Nothing was due.")
            return
        self.stdout.write("Scheduler running; one tick a minute. Stop it with Ctrl-C.")
        sealing = None
        if connection.vendor == "postgresql":  # takes the audit seal off the app servers
            sealing = sealer.start_in_background()
            self.stdout.write("Sealing the audit trail as records arrive.")
        try:
            scheduler.run_forever(threading.Event(), inline=options["inline"])
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            if sealing is not None:  # its last seal, then its session ends
                sealing[1].set()
                sealing[0].join(10)
