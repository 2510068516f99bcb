"""The three audited writes every app's actions are made of.

Each app's `actions.py` checks permission and domain rules, then calls these
inside its transaction; they validate the model, save only what changed and
append the audit record in the same transaction.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

from campaigndesk.audit import trail

M = TypeVar("M", bound=models.Model)


def _require_atomic() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audited writes must run inside transaction.atomic()")


def create(
    actor: Any, obj: M, *, action: str = "", exclude_validation: list[str] | None = None
) -> M:
    _require_atomic()
    obj.full_clean(exclude=exclude_validation)
    obj.save(force_insert=True)
    trail.record_create(actor, obj, action=action)
    return obj


def update(actor: Any, obj: M, changes: dict[str, Any], *, action: str = "") -> M:
    """Apply `changes` (field name -> value), validate, save those fields, record the diff."""
    _require_atomic()
    fields = [obj._meta.get_field(name) for name in changes]
    before = trail.snapshot(obj, [f.name for f in fields])
    for name, value in changes.items():
        setattr(obj, name, value)
    # Validate what changed (and the model's own clean()); re-checking every
    # untouched foreign key cost a query each on every save.
    changed = {f.name for f in fields}
    obj.full_clean(exclude=[f.name for f in obj._meta.fields if f.name not in changed])
    if changes:
        obj.save(update_fields=[f.name for f in fields])
    trail.record_update(actor, obj, before, action=action)
    return obj


def delete(actor: Any, obj: models.Model, *, action: str = "") -> None:
    _require_atomic()
    trail.record_delete(actor, obj, action=action)
    obj.delete()
