"""Background work that a write asks for, handed over with the write's own commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tasks_db.backend import DatabaseBackend


def enqueue_with_commit(task: Any, *args: Any) -> None:
    """Have `task` run once the current transaction commits.

    With the database queue the task's row is written in the transaction itself: no
    worker sees it before the write is committed, and a busy path (a citizen's
    submission) pays one INSERT instead of a second commit, and its wait for the disk,
    after its own. Another backend (the demo runs tasks at once) is enqueued after the
    commit; a failed enqueue there is logged and never fails the committed write (the
    nightly backfills pick the work up then)."""
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args), robust=True)
