"""Synthetic data at scale, for load tests and for trying the product with a big city.

`campaigndesk scale` runs generators from a registry. Each capability registers its
own in `<app>/scale_generators.py` (found by autodiscovery), so the command grows
with the product: this app brings `units` (with their people and role grants); the
ledger brings `tasks`, public suggestions bring `suggestions`.

A generator is `fn(ctx, count) -> dict[str, int]` (what it created, by kind). It
must be deterministic for a seed, skip what an earlier run with the same seed made,
and write in bulk (`insert_rows`, or `bulk_create` in batches): no actions,
no per-row audit. The command
writes one audit record for the whole load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TextIO

from django.db import connection, models
from django.utils.module_loading import autodiscover_modules

from campaigndesk.org.models import Unit

BATCH_SIZE = 2000

# Generators the command always offers, and the capability each arrives with.
PLANNED: dict[str, str] = {
    "units": "the organisation (org)",
    "tasks": "the ledger",
    "suggestions": "public suggestions",
}


@dataclass
class ScaleContext:
    """What every generator gets: the seed, the unit the data hangs under, options."""

    seed: int
    root: Unit
    people_per_unit: int = 2
    password_hash: str = ""
    batch_size: int = BATCH_SIZE
    stdout: TextIO | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def unit_code_prefix(self) -> str:
        """Codes of the units made with this seed start with this (see `unit_code`)."""
        return f"S{self.seed}-"

    def unit_code(self, index: int) -> str:
        return f"{self.unit_code_prefix}{index:06d}"

    def username(self, unit_index: int, suffix: str) -> str:
        return f"scale-{self.seed}-u{unit_index}-{suffix}"

    def scale_units(self):
        """This seed's units, for generators that hang data on them (tasks, suggestions)."""
        return Unit.objects.filter(code__startswith=self.unit_code_prefix)

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)


Generator = Callable[[ScaleContext, int], dict[str, int]]


@dataclass(frozen=True)
class Registered:
    name: str
    fn: Generator
    order: int


_REGISTRY: dict[str, Registered] = {}


def register_generator(name: str, fn: Generator | None = None, *, order: int = 100) -> Any:
    """Register `fn` as the generator for `--<name>`; usable as a decorator.

    Lower `order` runs first: units (10) before tasks (20) before suggestions (30).
    """

    def register(f: Generator) -> Generator:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.fn is not f:
            raise RuntimeError(f"scale generator {name!r} registered twice")
        _REGISTRY[name] = Registered(name, f, order)
        return f

    return register(fn) if fn is not None else register


def discover() -> None:
    autodiscover_modules("scale_generators")


def registered() -> list[Registered]:
    return sorted(_REGISTRY.values(), key=lambda r: (r.order, r.name))


def get_generator(name: str) -> Registered | None:
    return _REGISTRY.get(name)


def offered_names() -> list[str]:
    """Every `--<name>` the command accepts: the planned ones and any registered."""
    names = list(PLANNED)
    names += [r.name for r in registered() if r.name not in PLANNED]
    return names


# --- bulk writing helpers ---------------------------------------------------------------------


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` new rows, reserved before inserting them.

    Knowing the ids up front lets a generator compute materialised paths and foreign
    keys in Python and insert each row once. PostgreSQL hands them out from the
    table's sequence (safe beside other writers); SQLite continues after the highest
    id ever used (its AUTOINCREMENT counter), and its writers are serialised by the
    transaction, so nobody else can take them meanwhile.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    pk_column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), pk_column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quoted_table = connection.ops.quote_name(table)
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(pk_column)}) FROM {quoted_table}")  # noqa: S608
        highest = cursor.fetchone()[0] or 0
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            if row and row[0]:
                highest = max(highest, row[0])
    return list(range(highest + 1, highest + 1 + count))


# Field types whose Python values need the backend's conversion before a raw insert.
_PREPARED_TYPES = frozenset(
    {"DateTimeField", "DateField", "TimeField", "DecimalField", "JSONField", "UUIDField"}
)


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    batch_size: int = BATCH_SIZE,
) -> int:
    """Insert plain tuples (one value per name in `fields`) with `executemany`; returns how many.

    No model instances, no signals, no validation, no audit: the fast path for
    synthetic data, several times quicker than `bulk_create` at a million rows.
    Columns left out get NULL, so every NOT NULL column must be named.
    """
    opts = model._meta
    columns = [opts.get_field(name) for name in fields]
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names come from the model)
        qn(opts.db_table),
        ", ".join(qn(f.column) for f in columns),
        ", ".join(["%s"] * len(columns)),
    )
    prepared = [(i, f) for i, f in enumerate(columns) if f.get_internal_type() in _PREPARED_TYPES]
    total = 0
    it = iter(rows)
    with connection.cursor() as cursor:
        while batch := [tuple(r) for r in islice(it, batch_size)]:
            if prepared:
                batch = [_prepare(row, prepared) for row in batch]
            if connection.vendor == "postgresql":
                # COPY is PostgreSQL's bulk path: several times faster than INSERTs.
                copy_sql = "COPY {} ({}) FROM STDIN".format(
                    qn(opts.db_table), ", ".join(qn(f.column) for f in columns)
                )
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                cursor.executemany(sql, batch)
            total += len(batch)
    return total


def _prepare(row: tuple[Any, ...], prepared: list[tuple[int, models.Field]]) -> tuple[Any, ...]:
    values = list(row)
    for i, f in prepared:
        values[i] = f.get_db_prep_save(values[i], connection)
    return tuple(values)
