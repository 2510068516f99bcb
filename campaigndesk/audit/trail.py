"""Writing and checking the audit trail.

Every action calls `record()` inside its own transaction, so the record and the
change commit together or not at all. Each record carries the hash of the one
before; `verify()` recomputes the chain and names the first record that does
not fit (changed, deleted or reordered).
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
from django.db import connections, models, transaction
from django.db.models.fields.files import FieldFile

from campaigndesk import clock
from campaigndesk.core import generation, rows

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
    """Append one record. Must run inside the transaction that made the change."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("audit.record() must run inside transaction.atomic()")
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    # The head row's lock makes seq gapless and the chain linear across servers. It is
    # held until the commit: every write of the app queues here, so it is plain
    # statements with no ORM query to build: lock, then insert and move the head (one
    # statement on PostgreSQL, two elsewhere).
    last_seq, last_hash = _lock_head(conn)
    rec = AuditRecord(
        seq=last_seq + 1,
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
        prev_hash=last_hash,
    )
    rec.hash = _digest(_payload(rec, f"{ct.app_label}.{ct.model}"))
    if obj._meta.label in generation.WATCHED_MODELS:  # e.g. a QuerySet.update(): no signal
        generation.forget()
    if conn.vendor == "postgresql":
        sql, fields, _returning = _append_sql(conn.alias, conn.vendor)
        with conn.cursor() as cursor:
            cursor.execute(sql, [*rows.values(rec, fields, conn), rec.seq, rec.hash])
            row = cursor.fetchone()
        if row is None:
            raise RuntimeError("the audit chain head is missing")
        rec.pk, rec._state.adding, rec._state.db = row[0], False, conn.alias
    else:
        rows.insert(rec, using=conn.alias)
        with conn.cursor() as cursor:
            cursor.execute(_head_sql(conn)[1], [rec.seq, rec.hash])
    return rec


@functools.cache
def _append_sql(alias: str, vendor: str) -> tuple[str, tuple[models.Field, ...], bool]:
    """PostgreSQL: the record's INSERT and the head's move in one statement (one round trip
    less while the head is locked); the statement returns the new record's id."""
    insert, fields, returning = rows.insert_statement(AuditRecord, alias, vendor)
    if not returning:
        raise RuntimeError("the audit record's INSERT does not return its id")
    conn = connections[alias]
    qn = conn.ops.quote_name
    move = _head_sql(conn)[1]
    sql = f"WITH rec AS ({insert}) {move} RETURNING (SELECT {qn(AuditRecord._meta.pk.column)} FROM rec)"  # noqa: S608
    return sql, fields, returning


def _head_sql(conn: Any) -> tuple[str, str]:
    """(lock and read the head, move it) for a connection's database (names from the model)."""
    qn = conn.ops.quote_name
    table, seq, last = qn(ChainHead._meta.db_table), qn("last_seq"), qn("last_hash")
    lock = " FOR UPDATE" if conn.features.has_select_for_update else ""
    return (
        f"SELECT {seq}, {last} FROM {table} WHERE {qn('id')} = 1{lock}",  # noqa: S608
        f"UPDATE {table} SET {seq} = %s, {last} = %s WHERE {qn('id')} = 1",  # noqa: S608
    )


def _lock_head(conn: Any) -> tuple[int, str]:
    """The chain head's (last_seq, last_hash), its row locked until the commit; the
    head is made on the very first record."""
    with conn.cursor() as cursor:
        cursor.execute(_head_sql(conn)[0])
        row = cursor.fetchone()
    if row is None:
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        return head.last_seq, head.last_hash
    return int(row[0]), row[1]


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
    return AuditRecord.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related(
        "actor"
    )


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def verify(chunk_size: int = 5000) -> VerifyResult:
    """Recompute the chain from the first record; stop at the first that does not fit."""
    labels = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for rec in AuditRecord.objects.order_by("seq").iterator(chunk_size=chunk_size):
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
