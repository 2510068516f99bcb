"""The progress bar's counters of an import job, shared by every app's import jobs.

A job model has `status` and `done_rows`; the meter writes `done_rows` at most every
`interval` seconds. While rows are checked (no transaction open) the count is a plain
update. While they are written, inside the job's one transaction, no other connection
could see that update: on PostgreSQL the count goes through a second connection; on
SQLite, whose one writer is busy, it shows when the job ends.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from .import_jobs import ImportStatus


class ImportMeter:
    interval = 0.5

    def __init__(self, job: Any, live: bool = True):
        self.job, self.live, self.last = job, live, 0.0
        self.model = type(job)
        self.side: Any = None

    def phase(self, status: str) -> None:
        self.job.status, self.job.done_rows = status, 0
        if self.live:
            self.model.objects.filter(pk=self.job.pk).update(status=status, done_rows=0)

    def tick(self, done: int) -> None:
        self.job.done_rows = done
        if not self.live or time.monotonic() - self.last < self.interval:
            return
        self.last = time.monotonic()
        if self.job.status != ImportStatus.WRITING:
            self.model.objects.filter(pk=self.job.pk).update(done_rows=done)
            return
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor != "postgresql":
            return
        if self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        table = connection.ops.quote_name(self.model._meta.db_table)
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET done_rows = %s WHERE id = %s",  # noqa: S608 (model's table)
                [done, self.job.pk],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None
