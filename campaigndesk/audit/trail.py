"""Writing and checking the audit trail.

Every action calls `record()` inside its own transaction, so the record and the
change commit together or not at all. Right after the commit, `seal()` chains it:
it gives the record the next `seq` and the hash of its content and of the record
before. `verify()` recomputes the chain and names the first record that does not
fit (changed, deleted or reordered).

Why after the commit: the chain is one line across all app servers, so appending to
it takes a lock. Taken inside the writing transaction, that lock was held through
the commit's flush to disk (3 ms on this kind of machine), and every audited write
of every server queued behind it: about 300 a second at most, however many servers.
Sealed after the commit, writers commit in parallel and a sealer chains whatever
committed meanwhile in one batch. The price: for the moments between its commit and
its seal, a record is in the trail unchained (no `seq`); the audit pages and
`verify()` seal what waits before they read.

Who seals: on PostgreSQL, a sealer process when one runs (`audit/sealer.py`, started by
`campaigndesk scheduler`), which takes the seal off the requests; otherwise each writer
right after its commit.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import functools
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models.fields.files import FieldFile

from campaigndesk import clock
from campaigndesk.core import generation, rows

from . import sealer
from .models import AuditRecord, ChainHead, Verb

GENESIS = "0" * 64
_source: contextvars.ContextVar[str] = contextvars.ContextVar("audit_source", default="")


@contextlib.contextmanager
def source(label: str) -> Iterator[None]:
    """Name where changes come from ("POST /campaigns/1/edit", "command:demo")."""
    token = _source.set(label[:255])
    try:
        yield
    finally:
        _source.reset(token)


def current_source() -> str:
    return _source.get()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The object's concrete field values, as JSON-ready data (foreign keys by id)."""
    wanted = set(fields) if fields is not None else None
    data: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if wanted is not None and f.name not in wanted and f.attname not in wanted:
            continue
        if f.name in ("password",):
            continue
        data[f.attname] = _jsonable(getattr(obj, f.attname))
    return data


def _digest(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _payload(rec: AuditRecord, content_type_label: str) -> dict[str, Any]:
    return {
        "seq": rec.seq,
        "prev": rec.prev_hash,
        "at": rec.at.astimezone(dt.UTC).isoformat(),
        "actor": rec.actor_id,
        "actor_label": rec.actor_label,
        "verb": rec.verb,
        "action": rec.action,
        "type": content_type_label,
        "object_id": rec.object_id,
        "object_repr": rec.object_repr,
        "before": rec.before,
        "after": rec.after,
        "source": rec.source,
    }


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "anonymous"
    if not isinstance(actor, models.Model):  # access.SYSTEM: commands and jobs
        return f"system ({current_source()})" if current_source() else "system"
    return actor.get_username()


def record(
    actor: Any,
    verb: str,
    obj: models.Model,
    *,
    action: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one record. Must run inside the transaction that made the change.

    The record commits with the change, unsealed; `seal()` chains it once the
    transaction has committed (see the module's docstring)."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("audit.record() must run inside transaction.atomic()")
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    rec = AuditRecord(
        seq=None,
        at=clock.now(),
        actor=actor if isinstance(actor, models.Model) and actor.is_authenticated else None,
        actor_label=_actor_label(actor)[:150],
        verb=verb,
        action=action or f"{ct.app_label}.{ct.model}.{verb}",
        content_type=ct,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        source=current_source(),
        prev_hash="",
        hash="",
    )
    if obj._meta.label in generation.WATCHED_MODELS:  # e.g. a QuerySet.update(): no signal
        generation.forget()
    rows.insert(rec, using=conn.alias)
    _seal_after_commit(conn)
    return rec


def _seal_after_commit(conn: Any) -> None:
    """Have the transaction's records sealed once it commits: one hook per transaction,
    however many records it writes (an import writes thousands)."""
    hook = conn.__dict__.get("_audit_seal_hook")
    # The hook is looked for in the pending list itself: a savepoint rolled back
    # drops the hooks registered inside it.
    if hook is not None and not hook.done and any(e[1] is hook for e in conn.run_on_commit):
        return
    hook = _SealHook(conn.alias)
    conn.__dict__["_audit_seal_hook"] = hook
    # robust: the change is committed whatever happens here; a seal that fails is
    # logged and the next one takes its records.
    transaction.on_commit(hook, using=conn.alias, robust=True)


class _SealHook:
    def __init__(self, alias: str):
        self.alias, self.done = alias, False

    def __call__(self) -> None:
        self.done = True
        conn = connections[self.alias]
        if sealer.running(conn):  # it takes this transaction's records within moments
            return
        seal(using=self.alias, wait=False)


# --- sealing -------------------------------------------------------------------------------------

SEAL_BATCH = 1000
# One sealer at a time across all app servers: a PostgreSQL advisory lock (session
# level, so the sealer commits batch by batch under it). Any fixed number works; this
# one spells "CDaudit" in ASCII.
_SEAL_LOCK = 0x4344617564697400
_SEAL_ROUNDS = 3


def seal(*, wait: bool = True, using: str | None = None, batch: int = SEAL_BATCH) -> int:
    """Chain every committed record still waiting, oldest written first; returns how many.

    Run after each audited transaction commits (`wait=False`: when another process is
    sealing, leave the records to it), by `verify()`, the audit pages and a job every
    minute (`wait=True`). On SQLite the write lock of each batch's transaction is the
    lock; on PostgreSQL an advisory lock, while writers go on committing in parallel.

    A writer that finds the lock taken relies on its holder, who looks once more for
    waiting records after letting go: the writer committed before it tried, so that
    look sees its record, and a record is never left behind unless the process dies
    (then the next seal, the minute job at the latest, takes it).
    """
    conn = connections[using or DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql":
        # One indexed read when nothing waits: no write lock taken.
        if not _any_waiting(conn):
            return 0
        sealed = 0
        while True:
            with transaction.atomic(using=conn.alias):
                count = _seal_batch(conn, batch)
            sealed += count
            if count < batch:
                return sealed
    sealed = 0
    for _round in range(_SEAL_ROUNDS):
        if not _lock(conn, wait):
            break
        try:
            # Under the lock nothing else moves the head, so each batch is one UPDATE
            # (its own transaction, unless the caller holds one): no BEGIN, no COMMIT.
            while (count := _seal_batch(conn, batch)) == batch:
                sealed += count
            sealed += count
        finally:
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_SEAL_LOCK])
        if not _any_waiting(conn):
            break
    return sealed


def _lock(conn: Any, wait: bool) -> bool:
    """Take the sealer's lock when a record waits (one statement); False when none waits,
    or, without `wait`, when another process holds the lock."""
    table, qn = _quoted_table(conn)
    take = "pg_advisory_lock(%s) IS NOT NULL" if wait else "pg_try_advisory_lock(%s)"
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT CASE WHEN EXISTS (SELECT 1 FROM {table} WHERE {qn('seq')} IS NULL) "  # noqa: S608
            f"THEN {take} ELSE FALSE END",
            [_SEAL_LOCK],
        )
        return bool(cursor.fetchone()[0])


def _quoted_table(conn: Any) -> tuple[str, Any]:
    """The records' table name, quoted for the connection, and its quote function."""
    qn = conn.ops.quote_name
    return qn(AuditRecord._meta.db_table), qn


def _any_waiting(conn: Any) -> bool:
    table, qn = _quoted_table(conn)
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE {qn('seq')} IS NULL LIMIT 1")  # noqa: S608
        return cursor.fetchone() is not None


@functools.cache
def _waiting_sql(alias: str, vendor: str) -> str:
    """The waiting records, oldest first, with the chain's head: written once per process
    (building it with the ORM cost more than running it, after every audited commit)."""
    conn = connections[alias]
    table, qn = _quoted_table(conn)
    head = qn(ChainHead._meta.db_table)
    columns = ", ".join(qn(f.column) for f in AuditRecord._meta.concrete_fields)
    return (
        f"SELECT {columns}, "  # noqa: S608
        f"(SELECT {qn('last_seq')} FROM {head} WHERE {qn('id')} = 1) AS head_seq, "
        f"(SELECT {qn('last_hash')} FROM {head} WHERE {qn('id')} = 1) AS head_hash "
        f"FROM {table} WHERE {qn('seq')} IS NULL ORDER BY {qn('id')} LIMIT %s"
    )


def _seal_batch(conn: Any, batch: int) -> int:
    """Chain up to `batch` waiting records; how many it did. The caller holds the lock."""
    head = conn.ops.quote_name(ChainHead._meta.db_table)
    # raw(): the fields' converters apply (JSON, dates on SQLite) as for any query.
    waiting = list(
        AuditRecord.objects.using(conn.alias).raw(_waiting_sql(conn.alias, conn.vendor), [batch])
    )
    if not waiting:
        return 0
    seq, prev = waiting[0].head_seq, waiting[0].head_hash
    if seq is None:  # the very first record of the trail
        ChainHead.objects.using(conn.alias).get_or_create(pk=1)
        seq, prev = 0, GENESIS
    for rec in waiting:
        ct = ContentType.objects.db_manager(conn.alias).get_for_id(rec.content_type_id)
        seq += 1
        rec.seq, rec.prev_hash = seq, prev
        # The hash is of the values as read back from the database, as verify() reads
        # them: a JSON value the database normalised hashes the same either way.
        rec.hash = prev = _digest(_payload(rec, f"{ct.app_label}.{ct.model}"))
    table, _qn = _quoted_table(conn)
    move_head = f"UPDATE {head} SET last_seq = %s, last_hash = %s WHERE id = 1"  # noqa: S608
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            values = ", ".join(["(%s::bigint, %s::bigint, %s, %s)"] * len(waiting))
            sql = (
                f"WITH sealed AS (UPDATE {table} AS a "  # noqa: S608
                f"SET seq = v.seq, prev_hash = v.prev, hash = v.hash "
                f"FROM (VALUES {values}) AS v(id, seq, prev, hash) WHERE a.id = v.id) "
                f"{move_head}"
            )
            if not conn.in_atomic_block:
                # The seal commits without waiting for the disk (a flush took 3 ms here,
                # as long as the writer's own commit). Nothing can be lost by it: the
                # records themselves were committed durably, the log is written in order
                # (any later durable commit flushes this one too), and a seal a crash
                # forgot leaves its records and the head as before, waiting, to be
                # chained again the same way. Only this statement's own transaction.
                sql = sql.removesuffix(" WHERE id = 1") + (
                    " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS c WHERE id = 1"
                )
            cursor.execute(
                sql,
                [x for r in waiting for x in (r.pk, r.seq, r.prev_hash, r.hash)] + [seq, prev],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",  # noqa: S608
                [(r.seq, r.prev_hash, r.hash, r.pk) for r in waiting],
            )
            cursor.execute(move_head, [seq, prev])
    return len(waiting)


def waiting_count(*, using: str | None = None, limit: int | None = None) -> int:
    """How many committed records wait to be sealed (up to `limit`)."""
    waiting = AuditRecord.objects.using(using or DEFAULT_DB_ALIAS).filter(seq__isnull=True)
    if limit is not None:
        return len(waiting.values_list("pk", flat=True)[:limit])
    return waiting.count()


def record_create(actor: Any, obj: models.Model, action: str = "") -> AuditRecord:
    return record(actor, Verb.CREATE, obj, action=action, after=snapshot(obj))


def record_update(
    actor: Any, obj: models.Model, before: dict[str, Any], action: str = ""
) -> AuditRecord | None:
    """Record the fields that changed since `before`; nothing when none did."""
    after = snapshot(obj, before.keys())
    changed = {k for k in before if before[k] != after.get(k)}
    if not changed:
        return None
    return record(
        actor,
        Verb.UPDATE,
        obj,
        action=action,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )


def record_delete(actor: Any, obj: models.Model, action: str = "") -> AuditRecord:
    return record(actor, Verb.DELETE, obj, action=action, before=snapshot(obj))


def history_of(obj: models.Model):
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return (
        AuditRecord.objects.filter(content_type=ct, object_id=str(obj.pk))
        .select_related("actor")
        .order_by("-pk")
    )


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    sealed_now: int = 0  # records that were waiting to be chained, chained first


def verify(chunk_size: int = 5000) -> VerifyResult:
    """Seal the records still waiting, then recompute the chain from the first record;
    stop at the first that does not fit."""
    sealed_now = seal()
    result = _verify(chunk_size)
    result.sealed_now = sealed_now
    return result


def _verify(chunk_size: int) -> VerifyResult:
    labels = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for rec in (
        AuditRecord.objects.filter(seq__isnull=False)
        .order_by("seq")
        .iterator(chunk_size=chunk_size)
    ):
        if rec.seq != expected_seq:
            return VerifyResult(
                False,
                checked,
                expected_seq,
                f"record {expected_seq} is missing (next is {rec.seq})",
            )
        if rec.prev_hash != prev_hash:
            return VerifyResult(
                False, checked, rec.seq, "its link to the previous record is broken"
            )
        label = labels.get(rec.content_type_id, f"?{rec.content_type_id}")
        if _digest(_payload(rec, label)) != rec.hash:
            return VerifyResult(False, checked, rec.seq, "its content does not match its hash")
        prev_hash, expected_seq, checked = rec.hash, expected_seq + 1, checked + 1
    head = ChainHead.objects.filter(pk=1).first()
    last_seq = head.last_seq if head else 0
    if last_seq != checked:
        return VerifyResult(
            False,
            checked,
            checked + 1,
            f"the chain head says {last_seq} records but {checked} are present",
        )
    if head and head.last_hash != prev_hash:
        return VerifyResult(False, checked, checked, "the chain head's hash does not match")
    return VerifyResult(True, checked)
