"""Periodic jobs: every minute, enqueue the background jobs that are due.

django-tasks runs jobs but does not schedule them. This loop does, once a minute:
each periodic job names a time slot (this minute, this hour, today after a set
time), and the first scheduler to insert a `ScheduledRun(job, slot)` row runs it;
any other scheduler running at the same moment hits the unique constraint and
leaves it alone. So two schedulers (two machines, or a cron line and a loop)
never start the same run twice.

Jobs are named by dotted path and come from a registry that apps fill: each app
may have a `jobs` module with a `SCHEDULE` list of `Periodic` entries (the ledger
declares its reminders, deliveries, digests and light refresh there), or call
`register()`. A job is a django-tasks task (it is enqueued, so a `db_worker`
runs it; with TASKS_IMMEDIATE=1 it runs inline at once) or a plain function
(called in the scheduler).

Daily times are local (TIME_ZONE). A deployment may move them with the optional
setting SCHEDULE_AT = {"campaigndesk.ledger.jobs.queue_digests": "08:00"}.

Three ways to run it:

- A long-running process next to the workers::

      campaigndesk scheduler              # loops, one tick a minute
      campaigndesk db_worker              # runs what it enqueues

- cron instead of a loop (one line per machine is fine; the claims keep runs single)::

      * * * * *  cd /srv/campaigndesk && .venv/bin/campaigndesk scheduler --once

  with `campaigndesk db_worker` running, or `campaigndesk db_worker --batch` on the
  same cron line after the scheduler to drain the queue and exit.

- In the demo's own process: `start_in_background(inline=True)` runs the loop in a
  daemon thread and the jobs inline, with no worker process at all.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string, module_has_submodule

from campaigndesk import clock

from .models import ScheduledRun

logger = logging.getLogger(__name__)

MINUTE, HOUR, DAY = "minute", "hour", "day"
KEEP_RUNS = dt.timedelta(days=30)
PRUNE_JOB = "campaigndesk.core.scheduler.prune"
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"[:100]


@dataclass(frozen=True)
class Periodic:
    """A job run every minute, every hour, or once a day at or after `at` (HH:MM, local)."""

    job: str
    every: str
    at: str = ""

    def __post_init__(self) -> None:
        if self.every not in (MINUTE, HOUR, DAY):
            raise ValueError(f"every must be minute, hour or day, not {self.every!r}")
        if self.every == DAY:
            _parse_time(self.at)

    @property
    def time_of_day(self) -> dt.time:
        override = getattr(settings, "SCHEDULE_AT", {}).get(self.job)
        return _parse_time(override or self.at)

    def slot(self, local: dt.datetime) -> str | None:
        """The slot this moment falls in, or None when a daily job is not due yet today."""
        if self.every == MINUTE:
            return local.strftime("%Y-%m-%dT%H:%M")
        if self.every == HOUR:
            return local.strftime("%Y-%m-%dT%H")
        if local.time() < self.time_of_day:
            return None
        return local.date().isoformat()


def _parse_time(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"a daily job needs at='HH:MM', not {text!r}") from None


# --- the registry ------------------------------------------------------------------------

_registered: dict[str, Periodic] = {}
_discovered: list[Periodic] | None = None


def register(periodic: Periodic) -> Periodic:
    """Add a periodic job from code (apps usually list theirs in `jobs.SCHEDULE`)."""
    _registered[periodic.job] = periodic
    return periodic


def _discover() -> list[Periodic]:
    found: list[Periodic] = []
    for config in apps.get_app_configs():
        if config.name.startswith("campaigndesk.") and module_has_submodule(config.module, "jobs"):
            found.extend(getattr(import_module(f"{config.name}.jobs"), "SCHEDULE", []))
    return found


def schedule() -> list[Periodic]:
    """Every periodic job: those apps declare in `jobs.SCHEDULE`, then those registered."""
    global _discovered
    if _discovered is None:
        _discovered = _discover()
    jobs = {p.job: p for p in _discovered}
    jobs.update(_registered)
    return list(jobs.values())


# --- one tick -------------------------------------------------------------------------------


def claim(job: str, slot: str, now: dt.datetime | None = None) -> bool:
    """True for the one scheduler that gets to run `job` in `slot`; False for any other."""
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(
                job=job, slot=slot, claimed_at=now or clock.now(), claimed_by=WORKER_ID
            )
    except IntegrityError:
        return False
    return True


def start(job: str, *, inline: bool = False) -> Any:
    """Enqueue the job by its dotted name (or call it, for a plain function or `inline`)."""
    from django_tasks.base import Task

    target: Task | Callable[[], Any] = import_string(job)
    if isinstance(target, Task):
        if inline:
            return target.call()
        result = target.enqueue()
        if getattr(result, "errors", None):  # the immediate backend ran it and it failed
            logger.error("job %s failed:\n%s", job, result.errors[-1].traceback)
        return result
    return target()


def prune(now: dt.datetime | None = None) -> int:
    """Forget claims older than a month (the rows are only locks)."""
    cutoff = (now or clock.now()) - KEEP_RUNS
    deleted, _ = ScheduledRun.objects.filter(claimed_at__lt=cutoff).delete()
    return deleted


def tick(now: dt.datetime | None = None, *, inline: bool = False) -> list[str]:
    """Start every job due at `now` that no other scheduler has claimed; returns their names."""
    now = now or clock.now()
    local = timezone.localtime(now)
    due = [(p.job, p.slot(local)) for p in schedule()]
    due = [(job, slot) for job, slot in due if slot is not None]
    due.append((PRUNE_JOB, local.date().isoformat()))
    # One read skips the runs already claimed, so an hourly or daily job does not hit the
    # unique constraint every minute (PostgreSQL would log each as an error).
    taken = set(
        ScheduledRun.objects.filter(
            job__in={job for job, _ in due}, slot__in={slot for _, slot in due}
        ).values_list("job", "slot")
    )
    started = []
    for job, slot in due:
        if (job, slot) in taken or not claim(job, slot, now):
            continue
        if job == PRUNE_JOB:
            prune(now)
            continue
        try:
            start(job, inline=inline)
        except Exception:  # one failing job must not keep the others from running
            logger.exception("job %s could not be started", job)
        started.append(job)
    return started


# --- the loop --------------------------------------------------------------------------------


def run_forever(stop: threading.Event | None = None, *, inline: bool = False) -> None:
    """Tick at the start of every minute until `stop` is set."""
    stop = stop or threading.Event()
    while not stop.is_set():
        close_old_connections()
        try:
            started = tick(inline=inline)
            if started:
                logger.info("scheduler started %s", ", ".join(started))
        except Exception:  # the database may be away for a moment; try again next minute
            logger.exception("scheduler tick failed")
        finally:
            close_old_connections()
        stop.wait(60 - time.time() % 60 + 1)


_thread: threading.Thread | None = None
_stop = threading.Event()
_lock = threading.Lock()


def start_in_background(*, inline: bool = False) -> threading.Thread:
    """Run the loop in a daemon thread of this process (the demo server); once per process.

    With `inline=True` the jobs run in that thread whatever the task backend; otherwise
    they are enqueued, which runs them at once when TASKS_IMMEDIATE=1.
    """
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _stop.clear()
            _thread = threading.Thread(
                target=run_forever,
                args=(_stop,),
                kwargs={"inline": inline},
                name="campaigndesk-scheduler",
                daemon=True,
            )
            _thread.start()
        return _thread


def stop_background(timeout: float = 10) -> None:
    """Ask the background loop to stop and wait for it (tests, a clean shutdown)."""
    global _thread
    with _lock:
        _stop.set()
        if _thread is not None:
            _thread.join(timeout)
        _thread = None
