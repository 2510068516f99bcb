from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict
from django.utils import translation

from campaigndesk.ledger.excel import EXPORT_CHUNK, export_heading, write_ledger
from campaigndesk.ledger.filters import LedgerFilter
from campaigndesk.org import access
from campaigndesk.org.models import User


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1_048_576 if sys.platform == "darwin" else peak / 1024  # bytes vs KB


class Command(BaseCommand):
    help = (
        "Export the ledger as .xlsx in the offices' layout: the rows and order the ledger "
        "list shows for the same filter, given as KEY=VALUE (campaign=1 unit=4 status=red "
        "light=red due_to=2018-12-31 q=text sort=-deadline; repeat a key for several "
        "values). --user exports what that person sees; without it, everything. Prints the "
        "rows written, the seconds taken (and of CPU) and the process's peak memory."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="The .xlsx file to write.")
        parser.add_argument("--user", help="Export what this person sees (username).")
        parser.add_argument(
            "--lang",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Language of the headers, statuses and warnings (default %(default)s).",
        )
        parser.add_argument(
            "--chunk",
            type=int,
            default=EXPORT_CHUNK,
            help="Tasks read per query (default %(default)s).",
        )
        parser.add_argument(
            "--tracemalloc",
            action="store_true",
            help="Also report the peak of Python's own allocations (slows the export).",
        )
        parser.add_argument("filters", nargs="*", metavar="KEY=VALUE")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk"] < 1:
            raise CommandError("--chunk must be 1 or more.")
        user: Any = access.SYSTEM
        if options["user"]:
            try:
                user = User.objects.get(username=options["user"], is_active=True)
            except User.DoesNotExist:
                raise CommandError(f"No active person is called {options['user']!r}.") from None
        data = QueryDict(mutable=True)
        for item in options["filters"]:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(f"Filters are KEY=VALUE, not {item!r}.")
            data.appendlist(key, value)
        with translation.override(options["lang"]):
            form = LedgerFilter(data, user)
            if not form.is_valid():
                problems = "; ".join(
                    f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()
                )
                raise CommandError(f"The filter is not valid: {problems}")
            if options["tracemalloc"]:
                tracemalloc.start()
            started, cpu = time.perf_counter(), _cpu_seconds()
            with open(options["out"], "wb") as out:
                rows = write_ledger(
                    out,
                    form.queryset(),
                    sort=form.sort_order,
                    heading=export_heading(form.cleaned_data.get("campaign")),
                    chunk_size=options["chunk"],
                )
            seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        traced = ""
        if options["tracemalloc"]:
            traced = f", Python allocations peaked at {tracemalloc.get_traced_memory()[1] / 1_048_576:.1f} MB"
            tracemalloc.stop()
        self.stdout.write(
            f"{rows} rows written to {options['out']} in {seconds:.1f} s ({cpu:.1f} s of CPU); "
            f"peak memory {_peak_rss_mb():.0f} MB (RSS){traced}."
        )
