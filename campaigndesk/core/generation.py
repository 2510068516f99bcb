"""Reference data kept in each app process, and the stamp that says when it is stale.

Every desk page needs the same few rows: the signed-in person, their role grants, the
campaign under way. They change a few times a day, yet read through the ORM they cost
about a third of a small page. So each process keeps them, keyed by one stamp:

- the table `core_generation` holds one row, `reference`, whose value is replaced by a
  fresh random number whenever a row of a watched table (units, people, role grants,
  campaigns, phases, key tasks) is written. Database triggers do it, so no write is
  missed: not `QuerySet.update()`, not `bulk_create()`, not another app server, not a
  command or an SQL console. A random value rather than a counter, because a rolled
  back transaction returns the counter to a value that someone may have cached data
  under; a random value is never seen twice.
- A request reads the stamp once, in the same statement as its session
  (core/sessions.py), or with one small query when it has no session (API tokens).
  Anything cached under another stamp is dropped.
- Within a request the stamp is read again after a write (`forget()`, called by
  `post_save`/`post_delete` on the watched models and by the audit trail), so a
  request sees its own changes.

The triggers and the table are (re)made after every `migrate` (and test database
set-up and flush): SQLite drops a table's triggers when a migration rebuilds it.
The table is not a Django model, so `flush` leaves it alone.
"""

# ruff: noqa: S608 (the SQL here is built from this module's constants only)
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connections, transaction

T = TypeVar("T")

TABLE = "core_generation"
NAME = "reference"
# The watched tables and their models: the people, units and campaign structure here;
# apps add their own with `watch()` from their AppConfig.ready().
WATCHED: list[str] = [
    "org_unit",
    "org_user",
    "org_rolegrant",
    "campaigns_campaign",
    "campaigns_phase",
    "campaigns_keytask",
]
WATCHED_MODELS: list[str] = [
    "org.Unit",
    "org.User",
    "org.RoleGrant",
    "campaigns.Campaign",
    "campaigns.Phase",
    "campaigns.KeyTask",
]
CACHE_LIMIT = 20_000  # answers of one kind; a city has a few thousand people

# The stamp as a scalar subquery, to ride along with another statement.
STAMP_SUBQUERY = f"(SELECT value FROM {TABLE} WHERE name = '{NAME}')"


def _install_sql(vendor: str) -> list[str]:
    create = [
        f"CREATE TABLE IF NOT EXISTS {TABLE} (name varchar(40) PRIMARY KEY, value bigint NOT NULL)",
    ]
    if vendor == "postgresql":
        create.append(
            f"INSERT INTO {TABLE} (name, value) VALUES ('{NAME}', 1) ON CONFLICT (name) DO NOTHING"
        )
        create.append(
            "CREATE OR REPLACE FUNCTION campaigndesk_new_generation() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"UPDATE {TABLE} SET value = floor(random() * 9007199254740991)::bigint "
            f"WHERE name = '{NAME}'; RETURN NULL; END $$"
        )
        for table in WATCHED:
            # Dropped and made again rather than CREATE OR REPLACE TRIGGER, which needs
            # PostgreSQL 14 (docs/deploy.md supports 13); one transaction in `install`.
            create.append(f"DROP TRIGGER IF EXISTS campaigndesk_generation ON {table}")
            create.append(
                f"CREATE TRIGGER campaigndesk_generation AFTER INSERT OR UPDATE OR "
                f"DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION campaigndesk_new_generation()"
            )
        return create
    if vendor == "sqlite":
        create.append(f"INSERT OR IGNORE INTO {TABLE} (name, value) VALUES ('{NAME}', 1)")
        for table in WATCHED:
            for event in ("INSERT", "UPDATE", "DELETE"):
                create.append(
                    f"CREATE TRIGGER IF NOT EXISTS campaigndesk_generation_{table}_{event.lower()} "
                    f"AFTER {event} ON {table} BEGIN "
                    f"UPDATE {TABLE} SET value = random() WHERE name = '{NAME}'; END"
                )
        return create
    return []  # another engine: no stamp, so nothing is cached (see `stamp`)


def watch(model_label: str) -> None:
    """Have writes to this model's table renew the stamp too (from an AppConfig.ready();
    the trigger is made at the next `migrate`)."""
    from django.apps import apps

    model = apps.get_model(model_label)
    if model_label not in WATCHED_MODELS:
        WATCHED_MODELS.append(model_label)
        WATCHED.append(model._meta.db_table)
    connect_signals(model)


def connect_signals(model: Any) -> None:
    """A request that writes through the ORM reads the stamp again at its next use."""
    from django.db.models.signals import post_delete, post_save

    label = model._meta.label
    post_save.connect(forget, sender=model, dispatch_uid=f"generation-save-{label}")
    post_delete.connect(forget, sender=model, dispatch_uid=f"generation-delete-{label}")


def install(using: str = "default", **kwargs: Any) -> None:
    """Make the stamp's table, its row and the triggers; safe to run again."""
    connection = connections[using]
    statements = _install_sql(connection.vendor)
    if not statements:
        return
    existing = set(connection.introspection.table_names())
    if not all(table in existing for table in WATCHED):
        return  # a partial migrate (tests of a single migration): next time
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    forget()


def installed(using: str = "default") -> set[str]:
    """The watched tables that have their trigger, for the health check and tests."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'campaigndesk_generation'"
            )
            return {row[0] for row in cursor.fetchall()}
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'campaigndesk_generation_%' GROUP BY tbl_name HAVING COUNT(*) = 3"
            )
            return {row[0] for row in cursor.fetchall()}
    return set()


# --- The stamp, read once per request ------------------------------------------------

_local = threading.local()


def begin_request(**kwargs: Any) -> None:
    _local.stamps = {}


def end_request(**kwargs: Any) -> None:
    _local.stamps = None


def forget(**kwargs: Any) -> None:
    """Read the stamp again at the next use: this request has written."""
    stamps = getattr(_local, "stamps", None)
    if stamps:
        stamps.clear()


def note(alias: str, value: int | None) -> None:
    """The stamp as read alongside another statement (the session's)."""
    stamps = getattr(_local, "stamps", None)
    if stamps is not None:
        stamps[alias] = value


def stamp(alias: str = "default") -> int | None:
    """The current stamp: once per request; outside a request (commands, workers), at
    every call, since nothing tells a long-lived process when to look again."""
    stamps = getattr(_local, "stamps", None)
    if stamps is not None and alias in stamps:
        return stamps[alias]
    connection = connections[alias]
    value = None
    if connection.vendor in {"postgresql", "sqlite"}:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {STAMP_SUBQUERY}")
            value = cursor.fetchone()[0]
    if stamps is not None:
        stamps[alias] = value
    return value


# --- The cache -----------------------------------------------------------------------

_cache: dict[str, tuple[int, dict[Any, Any]]] = {}
_MISSING = object()


def cached(
    kind: str,
    key: Any,
    build: Callable[[], T],
    alias: str = "default",
    limit: int = CACHE_LIMIT,
    keep: Callable[[T], bool] | None = None,
) -> T:
    """`build()`'s answer, kept in this process until a watched table changes.

    `build` must read only watched tables (or what changes with them, named in `key`)
    and return a value nobody mutates (tuples, frozen dataclasses, strings): every
    caller shares it. At most `limit` answers of one kind are kept, the oldest dropped
    first (rendered pages are big). `keep`, when given, says whether a kept answer may
    still be used (e.g. its age); else it is built again.
    """
    current = stamp(alias)
    if current is None:
        return build()
    slot = _cache.get(alias)
    if slot is None or slot[0] != current:
        slot = (current, {})
        _cache[alias] = slot
    entries = slot[1].setdefault(kind, {})
    found = entries.get(key, _MISSING)
    if found is _MISSING or (keep is not None and not keep(found)):
        entries.pop(key, None)
        while len(entries) >= limit:
            entries.pop(next(iter(entries)), None)
        found = entries[key] = build()
    return found  # type: ignore[return-value]


def clear() -> None:
    """Drop every cached entry (tests that swap databases)."""
    _cache.clear()
    forget()
