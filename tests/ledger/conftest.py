"""Fixtures the ledger's tests share."""

from __future__ import annotations

import contextlib

import pytest
from django.db import transaction


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
