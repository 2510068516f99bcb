"""Reads of suggestions shared by views, API, exports and jobs."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import Q, QuerySet
from django.http import Http404

from campaigndesk.org import access
from campaigndesk.org.access import OVERSIGHT_ROLES, UNIT_ROLES
from campaigndesk.org.models import subtree_q

from .models import Suggestion


def visible_suggestions(user: Any):
    """City-level oversight sees all; a unit sees what was routed to it (and below) or shared."""
    if access.sees_whole_city(user, OVERSIGHT_ROLES):
        return Suggestion.objects.all()
    paths = access.grants(user).paths()
    if not paths:
        return Suggestion.objects.none()
    q = Q(pk__in=[])
    for p in paths:
        q |= subtree_q("unit_path", p)
    shared = Suggestion.co_units.through.objects.filter(access.unit_filter(user, "unit")).values(
        "suggestion_id"
    )
    return Suggestion.objects.filter(q | Q(pk__in=shared))


def answering_suggestions(user: Any) -> QuerySet[Suggestion]:
    """What the person's units (and the units below them) were asked to answer: the unit
    inbox. Only unit roles count; suggestions merely shared with a unit are left out."""
    paths = access.grants(user).paths(UNIT_ROLES)
    if not paths:
        return Suggestion.objects.none()
    q = Q(pk__in=[])
    for p in paths:
        q |= subtree_q("unit_path", p)
    return Suggestion.objects.filter(q)


def get_suggestion_for_user(user: Any, pk: Any) -> Suggestion:
    try:
        return (
            visible_suggestions(user)
            .select_related("campaign", "category", "district", "unit", "key_task")
            .get(pk=pk)
        )
    except (Suggestion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def public_view(s: Suggestion) -> dict[str, Any]:
    """What anyone may read of a published suggestion: no contact details, no internal notes."""
    return {
        "tracking_number": s.tracking_number,
        "title": s.title,
        "body": s.body,
        "category": s.category.name if s.category_id else "",
        "district": s.district.name if s.district_id else "",
        "outcome": s.get_outcome_display() if s.outcome else "",
        "answer": s.answer,
        "unit": s.unit.name if s.unit_id else "",
        "answered_at": s.answered_at,
        "is_outstanding": s.is_outstanding,
    }


# --- keyset paging ------------------------------------------------------------------------------

# sort name -> (field, descending). Each field is never null in the lists that use it
# (they filter on it), and each list filters on indexed columns first.
SORTS: dict[str, tuple[str, bool]] = {
    "received": ("created_at", False),  # the triage queue: oldest first
    "-received": ("created_at", True),
    "due": ("answer_due", False),  # the unit inbox and the overdue list
    "-answered": ("answered_at", True),
}


@dataclass
class KeysetPage:
    items: list[Suggestion]
    next_cursor: str | None
    has_previous: bool


def _encode(value: Any, pk: int) -> str:
    raw = json.dumps([value.isoformat() if hasattr(value, "isoformat") else value, pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, field: str) -> tuple[Any, int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if field == "answer_due":
            value = dt.date.fromisoformat(value)
        else:
            value = dt.datetime.fromisoformat(value)
        return value, int(pk)
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def after_q(field: str, value: Any, pk: int, desc: bool) -> Q:
    """Rows after (value, pk) in (field, id) order. The redundant bound on `field` alone
    (>= or <=) lets both databases range-scan the (field, id) index instead of reading
    the rows before the cursor to test the OR."""
    op = "lt" if desc else "gt"
    bound = Q(**{f"{field}__{op}e": value})
    return bound & (Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))


def _from_cursor(
    sort: str, cursor: str | None
) -> tuple[Callable[[QuerySet[Suggestion]], QuerySet[Suggestion]], tuple[Any, int] | None]:
    """A queryset in `sort` order from after `cursor`, and the decoded cursor (None for
    the first page or a malformed cursor)."""
    field, desc = SORTS[sort]
    order = [f"-{field}", "-id"] if desc else [field, "id"]
    after = _decode(cursor, field) if cursor else None

    def ordered(q: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
        q = q.order_by(*order)
        if after is not None:
            q = q.filter(after_q(field, after[0], after[1], desc))
        return q

    return ordered, after


def keyset_page(
    qs: QuerySet[Suggestion],
    sort: str,
    cursor: str | None,
    size: int,
    parts: Sequence[QuerySet[Suggestion]] | None = None,
) -> KeysetPage:
    """One page of `qs` in `sort` order after `cursor` (the previous page's `next_cursor`):
    no OFFSET and no COUNT, so a deep page costs what the first does. A malformed cursor
    starts from the first page.

    `parts`: `qs` split into disjoint querysets (the triage queue: one per status). No
    index yields the rows of `status IN (a, b)` in (field, id) order, so the database
    would read and sort every matching row (70,000 in the city's queue) for one page;
    each part reads its first size + 1 rows in index order instead, and they merge here:
    one short query per part, whatever the page size."""
    field, desc = SORTS[sort]
    ordered, after = _from_cursor(sort, cursor)

    def first(q: QuerySet[Suggestion]) -> list[Suggestion]:
        return list(ordered(q)[: size + 1])

    if parts and len(parts) > 1:
        rows = [row for part in parts for row in first(part)]
        rows.sort(key=lambda s: (getattr(s, field), s.pk), reverse=desc)
        rows = rows[: size + 1]
    else:
        rows = first(parts[0] if parts else qs)
    items = rows[:size]
    more = len(rows) > size
    next_cursor = _encode(getattr(items[-1], field), items[-1].pk) if more else None
    return KeysetPage(items=items, next_cursor=next_cursor, has_previous=after is not None)


@dataclass
class KeysetRows:
    rows: list[tuple[Any, ...]]
    next_cursor: str | None
    has_previous: bool


def keyset_reads(
    parts: Sequence[QuerySet[Suggestion]],
    sort: str,
    cursor: str | None,
    size: int,
    fields: Sequence[str],
) -> list[QuerySet[Suggestion]]:
    """The reads of `keyset_rows`, not yet run: one per part, or on PostgreSQL one."""
    field, desc = SORTS[sort]
    order = [f"-{field}", "-id"] if desc else [field, "id"]
    ordered, _after = _from_cursor(sort, cursor)

    def first(q: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
        return ordered(q).values_list(*fields)[: size + 1]

    reads = [first(part) for part in parts]
    if len(reads) > 1 and connection.features.supports_slicing_ordering_in_compound:
        # The database merges the parts' (at most) size + 1 rows each and sends the
        # first size + 1: half the rows to read in Python.
        return [reads[0].union(*reads[1:], all=True).order_by(*order)[: size + 1]]
    return reads


def keyset_merge(
    results: Sequence[Sequence[tuple[Any, ...]]],
    sort: str,
    cursor: str | None,
    size: int,
    fields: Sequence[str],
) -> KeysetRows:
    """The page from the rows of `keyset_reads` (in the same order)."""
    field, desc = SORTS[sort]
    at, pk_at = fields.index(field), fields.index("id")
    if len(results) > 1:
        rows = [row for result in results for row in result]
        rows.sort(key=lambda r: (r[at], r[pk_at]), reverse=desc)
    else:
        rows = list(results[0]) if results else []
    rows = rows[: size + 1]
    items = rows[:size]
    more = len(rows) > size
    next_cursor = _encode(items[-1][at], items[-1][pk_at]) if more else None
    has_previous = bool(cursor) and _decode(cursor, field) is not None
    return KeysetRows(rows=items, next_cursor=next_cursor, has_previous=has_previous)


def keyset_rows(
    parts: Sequence[QuerySet[Suggestion]],
    sort: str,
    cursor: str | None,
    size: int,
    fields: Sequence[str],
) -> KeysetRows:
    """`keyset_page` as plain tuples of `fields` (which name "id" and the sort's field):
    the triage queue reads size + 1 rows of each part and keeps `size`, so model rows
    would be built for twice the rows it shows. On PostgreSQL the parts are one query,
    a UNION ALL of each part's own ordered and limited read (each still an index range
    scan of one status) whose first size + 1 rows the database sends; SQLite cannot
    order the parts of a compound query, so there it is one query per part, merged
    here."""
    reads = keyset_reads(parts, sort, cursor, size, fields)
    return keyset_merge([list(read) for read in reads], sort, cursor, size, fields)


@dataclass(frozen=True)
class CompiledRead:
    """A read compiled by the ORM once, to be run again as it is: its SQL, parameters
    and the ORM's converters of its columns (SQLite's dates and times). `sql` is None
    for a read that cannot match anything."""

    sql: str | None
    params: tuple[Any, ...]
    converters: dict[int, tuple[list[Any], Any]]
    alias: str

    @classmethod
    def of(cls, queryset: QuerySet[Any]) -> CompiledRead:
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return cls(None, (), {}, queryset.db)
        columns = [col for col, _sql, _alias in compiler.select][: compiler.col_count]
        return cls(sql, tuple(params), compiler.get_converters(columns), queryset.db)

    def rows(self) -> list[tuple[Any, ...]]:
        if self.sql is None:
            return []
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        out = []
        for row in rows:
            row = list(row)
            for i, (converters, expression) in self.converters.items():
                for convert in converters:
                    row[i] = convert(row[i], expression, connection)
            out.append(tuple(row))
        return out

    def count(self) -> int:
        """How many rows the read yields (it is limited, as the capped counts are)."""
        if self.sql is None:
            return 0
        with connections[self.alias].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({self.sql}) subquery", self.params)  # noqa: S608
            return cursor.fetchone()[0]
