"""The sealer process: while one runs, writers leave their records to it (PostgreSQL)."""

from __future__ import annotations

import time

import pytest
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections

from campaigndesk.audit import sealer, trail
from campaigndesk.audit.models import AuditRecord
from campaigndesk.org import actions


@pytest.fixture(autouse=True)
def fresh_look():
    """Each test looks for a sealer anew (the look is kept per process)."""
    sealer.forget()
    yield
    sealer.forget()


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("a sealer runs on PostgreSQL only")


@pytest.fixture
def sealer_session(postgres_only):
    """Another session holding the sealer's lock, as a running sealer's does."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock_shared(%s)", [sealer.SEALER_LOCK])
    yield other
    other.close()


def _until(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sealer.forget()
        if check():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db
def test_no_sealer_is_seen_when_none_holds_its_lock(postgres_only):
    assert sealer.running(connection) is False


@pytest.mark.django_db
def test_on_sqlite_no_sealer_is_looked_for_and_the_follow_command_says_why(
    django_assert_num_queries,
):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with django_assert_num_queries(0):
        assert sealer.running(connection) is False
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("audit", "seal", "--follow")


@pytest.mark.django_db
def test_a_writer_leaves_its_record_to_a_running_sealer(
    world, sealer_session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as hooks:
        actions.update_unit(world.office, world.bureau, {"name_en": "Renamed bureau"})
    hooks[0]()  # the commit runs it: a sealer runs, so nothing is chained here
    assert trail.waiting_count() == 1
    assert AuditRecord.objects.get().seq is None


@pytest.mark.django_db
def test_without_a_sealer_the_writer_seals_after_its_commit(
    world, postgres_only, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as hooks:
        actions.update_unit(world.office, world.bureau, {"name_en": "Renamed bureau"})
    hooks[0]()
    assert trail.waiting_count() == 0
    assert AuditRecord.objects.get().seq == 1


@pytest.mark.django_db
def test_the_look_is_kept_for_a_few_seconds_then_taken_again(
    sealer_session, monkeypatch, django_assert_num_queries
):
    assert sealer.running(connection) is True
    with sealer_session.cursor() as cursor:  # the sealer stops (its session's end is
        # the same, but a closed session's backend lets go a moment later)
        cursor.execute("SELECT pg_advisory_unlock_shared(%s)", [sealer.SEALER_LOCK])
    with django_assert_num_queries(0):
        assert sealer.running(connection) is True  # within ALIVE_FOR: not looked again
    monkeypatch.setattr(sealer, "ALIVE_FOR", 0.0)
    assert sealer.running(connection) is False  # writers seal after their commits again


@pytest.mark.django_db(transaction=True)
def test_a_running_sealer_chains_what_writers_leave_it(world, postgres_only):
    thread, stop = sealer.start_in_background()
    try:
        assert _until(lambda: sealer.running(connection))
        for n in range(3):
            actions.update_unit(world.office, world.bureau, {"name_en": f"Renamed {n}"})
        assert _until(lambda: trail.waiting_count() == 0)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    total = AuditRecord.objects.count()
    assert list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, total + 1)
    )
    result = trail.verify()
    assert (result.ok, result.checked, result.sealed_now) == (True, total, 0)
    # Its session, and the lock, end with it (the backend lets go a moment later).
    assert _until(lambda: not sealer.running(connection))


@pytest.mark.django_db(transaction=True)
def test_a_sealer_whose_session_was_cut_takes_its_lock_again_and_goes_on(world, postgres_only):
    def sealer_pid() -> int | None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = %s AND objid = %s",
                [sealer.SEALER_LOCK >> 32, sealer.SEALER_LOCK & 0xFFFFFFFF],
            )
            row = cursor.fetchone()
        return row[0] if row else None

    thread, stop = sealer.start_in_background()
    try:
        assert _until(lambda: sealer_pid() is not None)
        first = sealer_pid()
        with connection.cursor() as cursor:  # the database ends its session
            cursor.execute("SELECT pg_terminate_backend(%s)", [first])
        assert _until(lambda: sealer_pid() not in (None, first))
        actions.update_unit(world.office, world.bureau, {"name_en": "After the cut"})
        assert _until(lambda: trail.waiting_count() == 0)
    finally:
        stop.set()
        thread.join(10)
    assert trail.verify().ok


@pytest.mark.django_db
def test_a_sealer_of_another_database_on_the_server_does_not_count(postgres_only):
    import psycopg

    params = connection.get_connection_params()
    server = {k: params[k] for k in ("host", "port", "user", "password") if params.get(k)}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as other:
        other.execute("SELECT pg_advisory_lock_shared(%s)", [sealer.SEALER_LOCK])
        assert sealer.running(connection) is False
