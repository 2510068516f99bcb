"""Queries compiled once per process and shape, their values bound per request.

Building and compiling an ORM query can cost more CPU than the database takes to answer
it (about 2 ms for a ledger page). When the SQL depends only on a query's shape (which
filters are set, how many values, the sort, whether a cursor, what the person sees), not
on its values, it is compiled once per shape from stand-in values no row can have, and
each request binds its own values in their places (`bind`, `fetch`). Callers name the
shape by a key of their own, first element their kind ("page", "audit.page", ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections

STAND_IN_INT = -(2**62)  # below every id, priority and sequence number
SHAPES_LIMIT = 512  # compiled queries kept per process, the oldest dropped first


def stand_in_ints(n: int) -> list[int]:
    """`n` distinct ids no row has, to compile a query over `n` ids once (compile_shape)."""
    return [STAND_IN_INT - 100_000 - i for i in range(n)]


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, int], ...]  # (position among params, index of the bound value)
    names: tuple[str, ...]  # the columns, as `.values()` names them
    converters: dict[int, Any]  # the compiler's, as results_iter applies them
    compiler: Any


_compiled: dict[Any, Compiled] = {}


def compile_shape(key: Any, build: Any, stand_ins: list[Any]) -> Compiled | None:
    """`build()`'s query (made from `stand_ins`, as the database receives them) compiled
    once per `key`; None when it matches nothing or a stand-in is not among its
    parameters (then the caller runs the ORM's query)."""
    found = _compiled.get(key)
    if found is not None:
        return found
    qs = build()
    if qs.query.is_empty():
        return None
    compiler = qs.query.get_compiler(qs.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    index = {value: i for i, value in enumerate(stand_ins)}
    slots = []
    for position, value in enumerate(params):
        try:
            i = index.get(value)
        except TypeError:  # an unhashable parameter is never a stand-in
            i = None
        if i is not None and type(value) is type(stand_ins[i]):
            slots.append((position, i))
    if {i for _p, i in slots} != set(range(len(stand_ins))):
        return None
    query = compiler.query
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
    found = Compiled(sql, tuple(params), tuple(slots), names, converters, compiler)
    while len(_compiled) >= SHAPES_LIMIT:
        _compiled.pop(next(iter(_compiled)), None)
    _compiled[key] = found
    return found


def bind(compiled: Compiled, values: list[Any]) -> list[Any]:
    params = list(compiled.params)
    for position, i in compiled.slots:
        params[position] = values[i]
    return params


def fetch(compiled: Compiled, values: list[Any], sql: str | None = None) -> list[Any]:
    """The compiled query's rows (or those of `sql` built around it) for `values`."""
    with connections[compiled.compiler.using].cursor() as cursor:
        cursor.execute(sql or compiled.sql, bind(compiled, values))
        rows = cursor.fetchall()
    if compiled.converters and sql is None:
        rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
    return rows
