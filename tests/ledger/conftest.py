"""Fixtures the ledger's tests share."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.db import transaction

from campaigndesk import clock
from campaigndesk.ledger import actions
from campaigndesk.ledger.models import Task

START = dt.date(2018, 10, 8)  # a Monday


def on_start_day():
    """`with on_start_day():` the clock stands at 10:00 on START."""
    return clock.frozen_at(dt.datetime.combine(START, dt.time(10), tzinfo=dt.UTC))


def spread_tasks(
    world,
    *,
    rounds: int,
    first_deadline: dt.date,
    deadline_days: int,
    phaseless_every: int | None = None,
    co_units: dict | None = None,
) -> list[Task]:
    """Tasks the office sets, led in turn by Ganjingzi, its street office, Zhongshan and the
    bureau, `rounds` times over, that differ in deadline (over `deadline_days` days from
    `first_deadline`), priority, key task and phase (none for every `phaseless_every`-th),
    so that the compiled lists' sorts and filters meet ties and differences alike.
    `co_units` names the co-units of a lead unit's tasks.

    Here and not in each test module: the API's compiled list (tests/api) and the desk's
    (tests/ledger) are checked against the ORM over the same kind of ledger."""
    units = [world.ganjingzi, world.street, world.zhongshan, world.bureau]
    co_units = co_units or {}
    return [
        actions.create_task(
            world.office,
            campaign=world.campaign,
            title=f"任务 {i}",
            lead_unit=unit,
            deadline=first_deadline + dt.timedelta(days=i % deadline_days),
            priority=i % 3,
            key_task=world.key_task if i % 2 else None,
            phase=None if phaseless_every and i % phaseless_every == 0 else world.phase1,
            co_units=co_units.get(unit, []),
        )
        for i, unit in enumerate(units * rounds)
    ]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the block as a transaction of its own would commit: its
    commit hooks (the ledger version's bump among them) run at the end of the block."""

    @contextlib.contextmanager
    def block():
        # ledger_changed() queues one bump per transaction until it has run; the test's
        # own transaction keeps hooks queued that never run, so start anew.
        transaction.get_connection().__dict__.pop("_ledger_stamps", None)
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return block
