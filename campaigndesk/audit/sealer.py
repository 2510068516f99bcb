"""A sealer: one loop that chains the audit records app servers commit (PostgreSQL).

Without one, each audited transaction seals right after its commit (`trail.seal`): four
round trips and a few milliseconds of a request's time, paid by every write. With one
running, app servers leave their records to it and it chains whatever committed since
its last look, in one batch, a few times a second.

A sealer holds a shared advisory lock for as long as it runs. App servers look for that
lock in `pg_locks` (at most every ALIVE_FOR seconds per process) to know whether one is
running; the lock ends with the sealer's session, so a sealer that dies or loses its
connection is noticed at the next look, and writers seal after their commits again.
Records committed in between are chained by the next seal of any kind: a writer's, the
next sealer's, or the scheduler's minute job.

`campaigndesk scheduler` runs a sealer in a thread beside its minute loop; `campaigndesk
audit seal --follow` runs one alone. Several may run at once (the seal itself is under
its own lock). On SQLite there is nothing to do: one machine, and writers seal.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import DatabaseError, InterfaceError

logger = logging.getLogger(__name__)

# The advisory lock key a running sealer holds (shared: any number of sealers).
# "CDsealr" in ASCII; distinct from the seal's own lock (trail._SEAL_LOCK).
SEALER_LOCK = 0x43447365616C72
INTERVAL = 0.2  # seconds between looks for waiting records
ALIVE_FOR = 5.0  # seconds an app server trusts its last look at whether a sealer runs

# pg_locks shows a bigint advisory key as two 32-bit halves, objsubid 1. It lists the
# locks of every database on the server: only this database's sealer counts.
_RUNNING_SQL = (
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND classid = %s AND objid = %s AND objsubid = 1 "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
)

_seen: dict[str, tuple[float, bool]] = {}  # alias -> (when looked, running)


def running(conn: object) -> bool:
    """Whether a sealer is running for this database, as last seen by this process."""
    if getattr(conn, "vendor", "") != "postgresql":
        return False
    alias = conn.alias  # type: ignore[attr-defined]
    now = time.monotonic()
    seen = _seen.get(alias)
    if seen is not None and now - seen[0] < ALIVE_FOR:
        return seen[1]
    with conn.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(_RUNNING_SQL, [SEALER_LOCK >> 32, SEALER_LOCK & 0xFFFFFFFF])
        found = bool(cursor.fetchone()[0])
    _seen[alias] = (now, found)
    return found


def forget() -> None:
    """Look again next time (tests, and after a sealer is started in this process)."""
    _seen.clear()


def run(
    stop: threading.Event, *, using: str = DEFAULT_DB_ALIAS, interval: float = INTERVAL
) -> None:
    """Seal every `interval` seconds until `stop` is set, holding the sealer's lock.

    On its own connection (the calling thread's): the lock lives as long as it does. A
    lost connection is opened again and the lock taken again; a failing seal is logged
    and tried again at the next look.
    """
    from . import trail  # trail asks `running()` after every commit

    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    locked = False
    try:
        while not stop.is_set():
            try:
                if not locked:
                    conn.ensure_connection()
                    with conn.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_lock_shared(%s)", [SEALER_LOCK])
                    locked = True
                trail.seal(wait=False, using=using)
            except (DatabaseError, InterfaceError):
                logger.exception("audit sealer: seal failed; trying again")
                locked = False
                conn.close()  # a new session, which takes the lock again
                stop.wait(min(5.0, interval * 10))
                continue
            stop.wait(interval)
    finally:
        if locked:
            try:
                trail.seal(wait=True, using=using)  # nothing left behind on a clean stop
            except (DatabaseError, InterfaceError):
                logger.exception("audit sealer: the last seal failed")
        conn.close()  # ends the session, and with it the lock


def start_in_background(
    *, using: str = DEFAULT_DB_ALIAS
) -> tuple[threading.Thread, threading.Event]:
    """Run a sealer in a daemon thread of this process; the event stops it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run, args=(stop,), kwargs={"using": using}, name="audit-sealer", daemon=True
    )
    thread.start()
    return thread, stop
