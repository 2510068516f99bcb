"""Rows the core needs for itself (the scheduler's claims)."""

from __future__ import annotations

from django.db import models


class ScheduledRun(models.Model):
    """One periodic job's run in one time slot, claimed by whichever scheduler inserts it first.

    The unique (job, slot) pair is the lock: two schedulers on two machines both try
    to insert, one gets an IntegrityError and leaves the run to the other.
    """

    job = models.CharField(max_length=200)
    slot = models.CharField(max_length=40)
    claimed_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="unique_scheduled_run"),
        ]
        indexes = [models.Index(fields=["claimed_at"], name="scheduled_run_claimed")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot}"
