"""Writers committing at the same time: every record is chained once, none is left behind.

Real commits (a transactional test), so each transaction's own seal runs after it, as in
production; on PostgreSQL the writers race for the sealer's lock and most find it taken.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from campaigndesk.audit import trail
from campaigndesk.audit.models import AuditRecord
from campaigndesk.org import actions
from campaigndesk.org.models import Unit

WRITERS, WRITES = 6, 15


@pytest.mark.django_db(transaction=True)
def test_records_committed_at_once_by_many_writers_are_all_chained(world):
    if connection.vendor != "postgresql":
        # The suite's SQLite database lives in memory, shared between threads by table
        # locks that refuse rather than wait; and SQLite writers take turns anyway.
        pytest.skip("writers race for the sealer's lock on PostgreSQL only")
    units = [
        actions.create_unit(
            world.office, parent=world.bureau, code=f"R{i}", name_zh=f"处{i}", kind="subunit"
        )
        for i in range(WRITERS)
    ]
    before = AuditRecord.objects.count()
    failures: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def write(unit_id: int) -> None:
        try:
            start.wait()
            for n in range(WRITES):
                unit = Unit.objects.get(pk=unit_id)
                actions.update_unit(world.office, unit, {"name_en": f"Renamed {n}"})
        except BaseException as error:  # reported below, with the test's own thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(u.pk,)) for u in units]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    total = before + WRITERS * WRITES
    assert AuditRecord.objects.count() == total
    # Nothing waits: each writer sealed its record or left it to the seal running then.
    assert trail.waiting_count() == 0, connection.vendor
    seqs = sorted(AuditRecord.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    result = trail.verify()
    assert (result.ok, result.checked, result.sealed_now) == (True, total, 0)
