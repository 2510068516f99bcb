from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from campaigndesk.demo.loader import DEMO_ACCOUNTS, DemoSummary, load_demo
from campaigndesk.org.models import Unit

from ._table import format_table

DEFAULT_ADDR = "127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Set up the Dalian 2018 demo and print its sign-in accounts: migrates the database "
        "if it needs it, loads the demo (once; later runs change nothing), and with --serve "
        "starts the development server."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--serve",
            metavar="ADDR:PORT",
            help="After loading, run the development server here, e.g. 127.0.0.1:8000.",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Never prompt (the demo asks nothing; accepted for scripts).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        serve = options.get("serve")
        if serve is not None and not serve.strip():
            raise CommandError("--serve needs an address, e.g. --serve 127.0.0.1:8000.")
        if _needs_migration():
            self.stdout.write("Migrating the database ...")
            call_command("migrate", interactive=False, verbosity=0)
        summary = load_demo()
        self.stdout.write(describe(summary))
        self.stdout.write("")
        for line in accounts_table():
            self.stdout.write(line)
        self.stdout.write("")
        addr = serve or DEFAULT_ADDR
        url = f"http://{_browser_host(addr)}{reverse('login')}"
        if serve:
            self.stdout.write(f"Sign in at {url}")
            # The demo runs without a separate worker: reminders, deliveries and
            # lights run in a thread of this process.
            from campaigndesk.core.scheduler import start_in_background

            start_in_background(inline=True)
            call_command("runserver", serve, use_reloader=False)
        else:
            self.stdout.write(
                f"Start the server with `campaigndesk demo --serve {DEFAULT_ADDR}`, "
                f"then sign in at {url}"
            )


def _needs_migration() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _browser_host(addr: str) -> str:
    """runserver takes a bare port or 0.0.0.0; a browser needs a host it can reach."""
    if addr.isdigit():
        return f"127.0.0.1:{addr}"
    if addr.startswith("0.0.0.0:"):
        return "127.0.0.1:" + addr.split(":", 1)[1]
    return addr


def describe(summary: DemoSummary) -> str:
    if not summary.created:
        return (
            f'The Dalian 2018 demo (campaign "{summary.campaign_code}") is already loaded; '
            "nothing was changed."
        )
    return (
        f'Loaded the Dalian 2018 demo (campaign "{summary.campaign_code}"): '
        f"{summary.units} units, {summary.people} people, {summary.grants} role grants, "
        f"{summary.phases} phases, {summary.key_tasks} key tasks, "
        f"{summary.audit_records} audit records, in {summary.seconds:.1f} s."
    )


def accounts_table() -> list[str]:
    names = {
        u.code: f"{u.name_zh} {u.name_en}".strip()
        for u in Unit.objects.filter(code__in={a.unit for a in DEMO_ACCOUNTS})
    }
    rows = []
    with translation.override("en"):
        for a in DEMO_ACCOUNTS:
            role = f"{a.role_label} {a.role_label_zh}"
            rows.append([a.username, a.password, role, names.get(a.unit, a.unit)])
    lines = ["Demo accounts (for trying the product only; never use them on real data):", ""]
    return lines + format_table(["username", "password", "role", "unit"], rows)
