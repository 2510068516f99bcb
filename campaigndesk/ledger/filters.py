"""The ledger's filter: one definition for the list, the export, bulk reminders and the API.

`LedgerFilter(data, user)` validates query parameters like a form (bad values come
back as form errors, never a 500) and `.queryset()` returns the visible, filtered
tasks. Sorting and keyset paging are in `keyset_page()`: a deep page costs the same
as the first, with no OFFSET scan and no full COUNT.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import connections
from django.db.models import BooleanField, Expression, F, Q, QuerySet, Value
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from campaigndesk.campaigns.models import Campaign, KeyTask, Phase
from campaigndesk.core import generation
from campaigndesk.core.compiled import STAND_IN_INT, bind, compile_shape
from campaigndesk.org import access
from campaigndesk.org.models import Unit, subtree_q

from .models import Light, Source, Task, TaskStatus
from .queries import led_by_units_of, visible_tasks

# sort name → (model field, descending)
SORTS: dict[str, tuple[str, bool]] = {
    "deadline": ("deadline", False),
    "-deadline": ("deadline", True),
    "updated": ("updated_at", True),
    "priority": ("priority", False),
    "created": ("created_at", True),
}
DEFAULT_SORT = "deadline"


class _LazyChoices(ModelChoiceIterator):
    """A model choice field's choices that read its queryset when iterated, not when
    made: building it is left to the first use (see LazyModelChoiceField)."""

    def __init__(self, field: forms.ModelChoiceField):
        self.field = field

    @property
    def queryset(self) -> QuerySet[Any]:  # type: ignore[override]
        return self.field.queryset


class LazyModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose queryset may be given as a function, built on first use:
    most requests only render kept options and validate from kept rows, and building
    the querysets of four fields (visible units, key tasks, phases) cost more than that."""

    iterator = _LazyChoices
    _make: Any = None

    def _get_queryset(self) -> QuerySet[Any] | None:
        if self._make is not None:
            make, self._make = self._make, None
            self._queryset = make()
        return self._queryset

    def _set_queryset(self, queryset: QuerySet[Any] | None) -> None:
        self._make = None
        super()._set_queryset(queryset)

    queryset = property(_get_queryset, _set_queryset)

    def make_queryset(self, make: Any) -> None:
        """The queryset is `make()`, called when it is first read."""
        self._make = make
        self.widget.choices = self.choices


class CampaignField(LazyModelChoiceField):
    """A campaign choice that takes the campaign the caller has already read (the one
    under way, on the list) without reading it again."""

    known: Campaign | None = None

    def to_python(self, value: Any) -> Any:
        known = self.known
        if known is not None and value not in self.empty_values and str(value) == str(known.pk):
            return known
        return super().to_python(value)


class VisibleUnitField(LazyModelChoiceField):
    """A unit among those the person sees, looked up in the process cache (per person
    and unit, until a unit or grant changes: core/generation.py) instead of a query on
    every filtered page. Same answers and errors as ModelChoiceField."""

    person_pk: Any = None

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if self.person_pk is None:  # a command's system actor: no one to key the cache by
            return super().to_python(value)
        if isinstance(value, Unit):
            value = value.pk
        try:
            pk = int(str(value))
        except ValueError:
            pk = None
        if pk is None or not -(2**63) <= pk < 2**63:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        names = [f.attname for f in Unit._meta.concrete_fields]
        row = generation.cached(
            "ledger.visible_unit",
            (self.person_pk, pk),
            lambda: self.queryset.filter(pk=pk).values_list(*names).first(),
        )
        if row is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return Unit.from_db(Unit.objects.db, names, list(row))


def _field_copy(field: forms.Field) -> forms.Field:
    """`field` as Django's Field.__deepcopy__ copies it, without the deep copies: its
    widget and choices are replaced, never changed in place (a dozen fields a request,
    the deep copies cost a tenth of the list's CPU)."""
    result = copy.copy(field)
    result.widget = copy.copy(field.widget)
    result.widget.attrs = field.widget.attrs.copy()
    result.error_messages = field.error_messages.copy()
    result.validators = field.validators[:]
    if isinstance(field, LazyModelChoiceField):
        result.make_queryset(field.queryset.all)  # a copy of its own, as Django's, when read
    elif isinstance(field, forms.ModelChoiceField):
        result.queryset = field.queryset  # a copy of its own (.all()), as Django's
    return result


class _Fields(dict):
    """The form's declared fields, copied field by field (`_field_copy`) for each form."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return {name: _field_copy(field) for name, field in self.items()}


class LedgerFilter(forms.Form):
    campaign = CampaignField(queryset=Campaign.objects.all(), required=False, label=_("Campaign"))
    unit = VisibleUnitField(
        queryset=Unit.objects.none(), required=False, label=_("Unit (and below)")
    )
    key_task = LazyModelChoiceField(
        queryset=KeyTask.objects.all(), required=False, label=_("Key task")
    )
    phase = LazyModelChoiceField(queryset=Phase.objects.all(), required=False, label=_("Phase"))
    source = forms.ChoiceField(
        choices=[("", "—"), *Source.choices], required=False, label=_("Source")
    )
    status = forms.MultipleChoiceField(
        choices=TaskStatus.choices, required=False, label=_("Status")
    )
    light = forms.MultipleChoiceField(choices=Light.choices, required=False, label=_("Light"))
    due_from = forms.DateField(required=False, label=_("Due from"))
    due_to = forms.DateField(required=False, label=_("Due to"))
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    top_level = forms.BooleanField(required=False, label=_("Top-level tasks only"))
    # The tasks the person acts for (accepts, reports on): a co-unit's share is left out.
    led_by_mine = forms.BooleanField(required=False, label=_("Led by my units"))
    sort = forms.ChoiceField(
        choices=[(k, k) for k in SORTS], required=False, label=_("Sort"), initial=DEFAULT_SORT
    )

    def __init__(self, data: Any, user: Any, campaign: Campaign | None = None, **kwargs: Any):
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["unit"].make_queryset(lambda: access.visible_units(user))
        self.fields["unit"].person_pk = getattr(user, "pk", None)
        self.fields["campaign"].known = campaign

    @property
    def narrows(self) -> bool:
        """Whether the valid filter names more than a campaign (and a sort)."""
        return any(v for k, v in self.cleaned_data.items() if k not in ("campaign", "sort"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("due_from"), cleaned.get("due_to")
        if start and end and end < start:
            self.add_error("due_to", _("The end of the range is before its start."))
        return cleaned

    def queryset(self) -> QuerySet[Task]:
        """Visible tasks matching the filter; an invalid filter matches nothing."""
        qs = visible_tasks(self.user)
        if not self.is_valid():
            return qs.none()
        return self._narrowed(qs, self.cleaned_data)

    def _narrowed(self, qs: QuerySet[Task], c: dict[str, Any]) -> QuerySet[Task]:
        """`qs` with the filter `c` (the cleaned data, or stand-ins of the same shape:
        see `shaped`)."""
        for name in ("campaign", "key_task", "phase"):
            if c.get(name):
                qs = qs.filter(**{name: c[name]})
        if c.get("unit"):
            qs = qs.filter(subtree_q("unit_path", c["unit"].path))
        if c.get("source"):
            qs = qs.filter(source=c["source"])
        if c.get("status"):
            qs = qs.filter(status__in=c["status"])
        if c.get("light"):
            qs = qs.filter(light__in=c["light"])
        if c.get("due_from"):
            qs = qs.filter(deadline__gte=c["due_from"])
        if c.get("due_to"):
            qs = qs.filter(deadline__lte=c["due_to"])
        if c.get("q"):
            qs = qs.filter(Q(title__icontains=c["q"]) | Q(source_ref__icontains=c["q"]))
        if c.get("top_level"):
            qs = qs.filter(parent__isnull=True)
        if c.get("led_by_mine"):
            qs = qs.filter(led_by_units_of(self.user))
        return qs

    @property
    def sort_order(self) -> str:
        value = self.cleaned_data.get("sort") if self.is_valid() else None
        return value or DEFAULT_SORT


LedgerFilter.base_fields = _Fields(LedgerFilter.base_fields)


@dataclass
class KeysetPage:
    items: list[Any]  # tasks, or dicts of their values
    next_cursor: str | None
    has_previous: bool


def _encode(value: Any, pk: int) -> str:
    raw = json.dumps([value.isoformat() if hasattr(value, "isoformat") else value, pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, field: str) -> tuple[Any, int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if field == "deadline":
            value = dt.date.fromisoformat(value)
        elif field in ("updated_at", "created_at"):
            value = dt.datetime.fromisoformat(value)
        elif field == "priority":
            value = int(value)
        return value, int(pk)
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        return None


class RowAfter(Expression):
    """The row-value comparison "(field, id) > (value, pk)" (or "<"), on every backend.

    Django compiles its tuple lookups to an OR of terms on SQLite; a row value is what
    lets the database seek straight to (value, pk) in a (…, field, id) index, even when
    many rows share the value (priority has three).
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, field: str, desc: bool, value: Any, pk: int):
        super().__init__()
        self.op = "<" if desc else ">"
        self.lhs: list[Any] = [F(field), F("id")]
        self.rhs: list[Any] = [value, pk]

    def resolve_expression(self, query: Any = None, *args: Any, **kwargs: Any) -> RowAfter:
        c = self.copy()
        c.lhs = [e.resolve_expression(query, *args, **kwargs) for e in self.lhs]
        c.rhs = [
            (
                v if hasattr(v, "resolve_expression") else Value(v, output_field=e.output_field)
            ).resolve_expression(query, *args, **kwargs)
            for e, v in zip(c.lhs, self.rhs, strict=True)
        ]
        return c

    def get_source_expressions(self) -> list[Any]:
        return [*self.lhs, *self.rhs]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        self.lhs, self.rhs = list(exprs[:2]), list(exprs[2:])

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        left = [compiler.compile(e) for e in self.lhs]
        right = [compiler.compile(e) for e in self.rhs]
        sql = "({}) {} ({})".format(
            ", ".join(s for s, _p in left), self.op, ", ".join(s for s, _p in right)
        )
        return sql, [p for _s, ps in (*left, *right) for p in ps]


def after_key(field: str, desc: bool, value: Any, pk: int) -> Q:
    """Rows after (value, pk) in the order (field, id), both ascending or both descending.

    "field >= value AND (field, id) > (value, pk)": the plain range lets any planner seek
    into the (campaign, field, id) index; the row value then starts at the exact row
    (PostgreSQL and SQLite both take it as an index condition). An OR of terms instead
    ("field > value OR (field = value AND id > pk)") scans the index from its start on
    SQLite.
    """
    op = "lt" if desc else "gt"
    return Q(**{f"{field}__{op}e": value}) & Q(RowAfter(field, desc, value, pk))


def keyset_page(qs: QuerySet[Task], sort: str, cursor: str | None, size: int) -> KeysetPage:
    """One page of `qs` in `sort` order, after `cursor` (from the previous page's `next_cursor`).

    `qs` may be a `.values()` queryset that includes the sort's field. A malformed cursor
    starts from the first page.
    """
    field, desc = SORTS.get(sort, SORTS[DEFAULT_SORT])
    order = [f"-{field}", "-id"] if desc else [field, "id"]
    qs = qs.order_by(*order)
    after = _decode(cursor, field) if cursor else None
    if after is not None:
        qs = qs.filter(after_key(field, desc, *after))
    rows = list(qs[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        # Model rows, or dicts from `.values()` with the sort's field among them.
        key = (
            (last[field], last["id"]) if isinstance(last, dict) else (getattr(last, field), last.pk)
        )
        next_cursor = _encode(*key)
    return KeysetPage(items=items, next_cursor=next_cursor, has_previous=after is not None)


# --- the common filters, compiled once per process --------------------------------------------
#
# A filter's shape (which fields are set, how many lights, the sort, whether a cursor, the
# page size, what the person sees) names its SQL, compiled once (core/compiled.py); each
# request binds its own values.

_STAND_IN_DAY = dt.date(1001, 1, 1)
_STAND_IN_TIME = dt.datetime(1001, 1, 1, 1, 1, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Shaped:
    """A valid filter as shape and values: `key` names the SQL, `stand_ins` build it,
    `values` are bound in their places (both as the database receives them)."""

    key: tuple[Any, ...]
    stand_ins: list[Any]
    values: list[Any]
    data: dict[str, Any]  # cleaned data with stand-ins for `LedgerFilter._narrowed`
    form: LedgerFilter

    def queryset(self) -> QuerySet[Task]:
        return self.form._narrowed(visible_tasks(self.form.user), self.data)


def _prep(field: str, value: Any) -> Any:
    return Task._meta.get_field(field).get_db_prep_value(value, connections["default"])


def shaped(form: LedgerFilter) -> Shaped | None:
    """The valid `form` as a shape and its values; None for a filter the compiled path
    does not take (a search or a range of deadlines: the ORM's query then)."""
    if not form.is_valid():
        return None
    found = form.__dict__.get("_shaped", _MISSING)
    if found is _MISSING:  # the page and its counts ask it both
        found = form.__dict__["_shaped"] = _shaped(form)
    return found


_MISSING = object()


def _shaped(form: LedgerFilter) -> Shaped | None:
    c = form.cleaned_data
    if c.get("q") or c.get("due_from") or c.get("due_to"):
        return None
    g = access.grants(form.user)
    key: list[Any] = [
        getattr(form.user, "pk", None) is None,
        g.superuser,
        tuple(g.paths()),
        tuple(g.paths(access.UNIT_ROLES)) if c.get("led_by_mine") else None,
        bool(c.get("top_level")),
    ]
    stand_ins: list[Any] = []
    values: list[Any] = []
    data: dict[str, Any] = {"top_level": c.get("top_level"), "led_by_mine": c.get("led_by_mine")}

    def bound(stand_in: Any, value: Any) -> Any:
        stand_ins.append(stand_in)
        values.append(value)
        return stand_in

    for name in ("campaign", "key_task", "phase"):
        chosen = c.get(name)
        key.append(bool(chosen))
        if chosen:
            data[name] = bound(STAND_IN_INT - len(stand_ins), chosen.pk)
    unit = c.get("unit")
    key.append(bool(unit))
    if unit:
        path = f"\x01unit{len(stand_ins)}/"
        data["unit"] = Unit(path=path)
        bound(path, unit.path)
        bound(path[:-1] + "0", unit.path[:-1] + "0")
    source = c.get("source")
    key.append(bool(source))
    if source:
        data["source"] = bound(f"\x01source{len(stand_ins)}", source)
    for name in ("status", "light"):
        chosen = list(dict.fromkeys(c.get(name) or ()))  # as `__in` drops repeats
        key.append(len(chosen))
        if chosen:
            data[name] = [bound(f"\x01{name}{len(stand_ins)}", v) for v in chosen]
    return Shaped(tuple(key), stand_ins, values, data, form)


_STAND_IN_KEYS = {"deadline": _STAND_IN_DAY, "priority": STAND_IN_INT + 10_000}


class _Slot(Expression):
    """Where a subquery compiled apart goes in a compiled shape (see compiled_page)."""

    def __init__(self, name: str, output_field: Any):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return f"(NULL /* {self.name} */)", []


def _placeholders(sql: str) -> int:
    # Django's SQL writes a literal "%" as "%%": only a lone "%s" takes a parameter.
    return sum(1 for found in re.findall(r"%%|%s", sql) if found == "%s")


def compiled_page(
    form: LedgerFilter,
    columns: str,
    select: Any,
    cursor: str | None,
    size: int,
    subqueries: dict[str, Any] | None = None,
) -> KeysetPage | None:
    """`keyset_page(select(form.queryset(), **subqueries), form.sort_order, cursor, size)`
    from SQL compiled once per shape (`columns` names what `select` reads); None when
    the filter's shape is not one compiled (the caller then asks keyset_page).

    `subqueries` (uncorrelated Subquery columns, as `select` takes them) are compiled
    on each request and put in their places: their values (today, the time) are not
    the filter's.
    """
    shape = shaped(form)
    if shape is None:
        return None
    subqueries = subqueries or {}
    sort = form.sort_order
    field, desc = SORTS.get(sort, SORTS[DEFAULT_SORT])
    after = _decode(cursor, field) if cursor else None
    stand_ins, values = list(shape.stand_ins), list(shape.values)
    if after is not None:
        value_in = _prep(field, _STAND_IN_KEYS.get(field, _STAND_IN_TIME))
        pk_in = STAND_IN_INT + 20_000
        stand_ins += [value_in, pk_in]
        values += [_prep(field, after[0]), _prep("id", after[1])]
    key = ("page", columns, sort, after is not None, size, *sorted(subqueries), *shape.key)

    def build() -> QuerySet[Task]:
        slots = {name: _Slot(name, sub.output_field) for name, sub in subqueries.items()}
        qs = select(shape.queryset(), **slots)
        qs = qs.order_by(*([f"-{field}", "-id"] if desc else [field, "id"]))
        if after is not None:
            stand_in = _STAND_IN_KEYS.get(field, _STAND_IN_TIME)
            qs = qs.filter(after_key(field, desc, stand_in, STAND_IN_INT + 20_000))
        return qs[: size + 1]

    compiled = compile_shape(key, build, stand_ins)
    if compiled is None:
        return None
    sql, params = compiled.sql, bind(compiled, values)
    for name, sub in subqueries.items():
        slot = f"(NULL /* {name} */)"
        at = sql.index(slot)
        sub_sql, sub_params = sub.query.get_compiler(compiled.compiler.using).as_sql()
        k = _placeholders(sql[:at])
        sql = f"{sql[:at]}({sub_sql}){sql[at + len(slot) :]}"
        params[k:k] = sub_params
    with connections[compiled.compiler.using].cursor() as db:
        db.execute(sql, params)
        found = db.fetchall()
    if compiled.converters:
        found = list(compiled.compiler.apply_converters(found, compiled.converters))
    names = compiled.names
    rows = [dict(zip(names, row, strict=True)) for row in found]
    items = rows[:size]
    next_cursor = _encode(items[-1][field], items[-1]["id"]) if len(rows) > size else None
    return KeysetPage(items=items, next_cursor=next_cursor, has_previous=after is not None)
