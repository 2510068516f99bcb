"""`campaigndesk bench_triage`: used by `bench`; the triage timings in the bench DB."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from campaigndesk.perf import triage_bench

TRIAGE_MARK = "BENCH_TRIAGE "


class Command(BaseCommand):
    help = (
        "Used by `campaigndesk bench`: route a batch of stored suggestions and check reworded "
        "copies for near-duplicates against every stored suggestion; prints one JSON line. "
        "Trains a routing model first when the database has none."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = triage_bench.measure(say=self.stderr.write)
        self.stdout.write(TRIAGE_MARK + json.dumps(result))
