"""Writing one new row without building the ORM's INSERT each time.

For the hottest writes (a citizen's submission, its audit record): `Model.save()`
compiles the same INSERT on every call, which cost more than running it.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connections, models, router


@functools.cache
def insert_statement(
    model: type[models.Model], alias: str, vendor: str
) -> tuple[str, tuple[models.Field, ...], bool]:
    """The model's INSERT for a database, its columns' fields, and whether it returns the
    new key (RETURNING); else the key is asked for after it."""
    connection = connections[alias]
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not (f.primary_key and f.db_returning))
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if meta.pk in fields:  # the key is set by the caller
        return sql, fields, False
    returning, _params = connection.ops.return_insert_columns([meta.pk]) or ("", ())
    return f"{sql} {returning}".rstrip(), fields, bool(returning)


def values(obj: models.Model, fields: tuple[models.Field, ...], connection: Any) -> list[Any]:
    """The parameters of `insert_statement` for `obj`, each prepared by its field."""
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def insert(obj: models.Model, using: str | None = None) -> None:
    """INSERT `obj` as `obj.save(force_insert=True)` would (each value prepared by its
    field, `auto_now` and defaults included), and set its key; no signals are sent, so
    only for models that have no receivers."""
    model = type(obj)
    alias = using or router.db_for_write(model, instance=obj)
    connection = connections[alias]
    sql, fields, returning = insert_statement(model, alias, connection.vendor)
    meta = model._meta
    if meta.pk not in fields and getattr(obj, meta.pk.attname) is not None:
        raise ValueError("insert() draws the key: this object has one already")
    with connection.cursor() as cursor:
        cursor.execute(sql, values(obj, fields, connection))
        if meta.pk not in fields:
            if returning:
                pk = cursor.fetchone()[0]
            else:
                pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
            for convert in meta.pk.get_db_converters(connection):
                pk = convert(pk, meta.pk, connection)
            setattr(obj, meta.pk.attname, pk)
    obj._state.adding = False
    obj._state.db = alias
