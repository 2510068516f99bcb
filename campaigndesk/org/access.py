"""Who may see and change what: the one place that answers.

A role grant covers its unit and every unit below it. The office's grants sit at
the city, so the office sees all; a district liaison's grant sits at the district.
Views, the API and commands ask `can()` / `require()` and take their querysets
from the `visible_*` functions here; none filters by unit on its own.

Each rule is a named function registered with `@rule("app.verb")`. Apps that
come later register their rules in their own `rules.py`, imported by their
AppConfig, so the registry below stays the single gate.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.http import Http404

from campaigndesk.core import generation

from .models import PATH_STEP, Role, RoleGrant, Unit, UnitQuerySet, User, subtree_q

# Roles that watch over their scope rather than work in it.
OVERSIGHT_ROLES = frozenset({Role.LEADER, Role.OFFICE, Role.INSPECTOR, Role.VIEWER})
# Roles that act for a unit.
UNIT_ROLES = frozenset({Role.UNIT_HEAD, Role.LIAISON})
ALL_ROLES = frozenset(Role.values)

_CACHE_ATTR = "_campaigndesk_grants"


class SystemActor:
    """Who acts when a command or a background job changes data (demo loader, reminders).

    It passes every rule; the audit trail names it by the command that ran it.
    """

    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    username = "system"

    def get_username(self) -> str:
        return self.username

    def __str__(self) -> str:
        return self.username


SYSTEM = SystemActor()


@dataclass(frozen=True)
class Grants:
    """A person's role grants as unit paths, read once per request."""

    by_role: dict[str, tuple[str, ...]] = field(default_factory=dict)
    superuser: bool = False

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.by_role)

    def paths(self, roles: Iterable[str] | None = None) -> list[str]:
        wanted = self.by_role.keys() if roles is None else roles
        found = {p for r in wanted for p in self.by_role.get(r, ())}
        # Drop paths already covered by a shorter one, so querysets stay small.
        return sorted(p for p in found if not any(p != q and p.startswith(q) for q in found))

    def covers(self, unit: Unit, roles: Iterable[str] | None = None) -> bool:
        if self.superuser:
            return True
        return any(unit.path.startswith(p) for p in self.paths(roles))

    def has(self, *roles: str) -> bool:
        return self.superuser or any(r in self.by_role for r in roles)


def grants(user: Any) -> Grants:
    if isinstance(user, SystemActor):
        return Grants(superuser=True)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Grants()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    # Kept per process until a unit, person or grant changes (core/generation.py).
    result = generation.cached(
        "grants", (user.pk, user.is_superuser), lambda: _read_grants(user.pk, user.is_superuser)
    )
    setattr(user, _CACHE_ATTR, result)
    return result


def _read_grants(user_id: int, superuser: bool) -> Grants:
    by_role: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_grants_sql(connection.vendor), [user_id])
        for role, path in cursor.fetchall():
            by_role.setdefault(role, []).append(path)
    return Grants({r: tuple(p) for r, p in by_role.items()}, superuser=superuser)


@functools.cache
def _grants_sql(vendor: str) -> str:
    """The SQL of `grants()`'s one query, compiled by the ORM once per process.

    Every signed-in request runs it; compiling the queryset cost several times more
    than running it (about 0.3-0.5 ms a request).
    """
    marker = -1
    query = (
        RoleGrant.objects.filter(user_id=marker, unit__is_active=True)
        .values_list("role", "unit__path")
        .query
    )
    sql, params = query.sql_with_params()
    if tuple(params) != (marker,):  # the SQL must take the person's id as its only parameter
        raise RuntimeError(f"unexpected parameters in the grants query: {params!r}")
    return sql


def forget_grants(user: Any) -> None:
    """Drop the cached grants after they change within the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
    generation.forget()


def roles_of(user: Any) -> frozenset[str]:
    g = grants(user)
    return ALL_ROLES if g.superuser else g.roles


def is_office(user: Any) -> bool:
    return grants(user).has(Role.OFFICE)


def _path_filter(paths: list[str], prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= subtree_q(f"{prefix}path", p)
    return q


def visible_units(user: Any, roles: Iterable[str] | None = None) -> UnitQuerySet:
    """Units the person may see: the units of their grants and everything below."""
    g = grants(user)
    if g.superuser:
        return Unit.objects.all()
    paths = g.paths(roles)
    if not paths:
        return Unit.objects.none()
    return Unit.objects.filter(_path_filter(paths))


def unit_filter(user: Any, unit_field: str, roles: Iterable[str] | None = None) -> Q:
    """A Q that keeps rows whose `unit_field` lies in the person's scope.

    For other apps' querysets: `Task.objects.filter(unit_filter(user, "lead_unit"))`.
    """
    g = grants(user)
    if g.superuser:
        return Q()
    paths = g.paths(roles)
    if not paths:
        return Q(pk__in=[])
    return _path_filter(paths, prefix=f"{unit_field}__")


def visible_people(user: Any, *, include_inactive: bool = False):
    """People whose unit lies in the person's scope; deactivated accounts only on request
    (the office needs them to reactivate someone)."""
    if not grants(user).has(*ALL_ROLES):
        return User.objects.none()
    people = User.objects.filter(unit_filter(user, "unit"))
    return people if include_inactive else people.filter(is_active=True)


def sees_whole_city(user: Any, roles: Iterable[str] | None = None) -> bool:
    """True when one of the person's grants (of `roles`) sits at the top of the tree."""
    g = grants(user)
    return g.superuser or any(len(p) == PATH_STEP + 1 for p in g.paths(roles))


def scope_depth(user: Any) -> int:
    """Depth of the shallowest unit the person sees (0 for the root), for indenting trees."""
    paths = grants(user).paths()
    if grants(user).superuser or not paths:
        return 0
    return min(len(p) // (PATH_STEP + 1) for p in paths) - 1


def get_unit_for_user(user: Any, pk: int) -> Unit:
    """The unit, or 404 when it does not exist or lies outside the person's scope."""
    try:
        unit = Unit.objects.select_related("parent").get(pk=pk)
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not grants(user).covers(unit):
        raise Http404
    return unit


def get_person_for_user(user: Any, pk: int, *, include_inactive: bool = False) -> User:
    try:
        pk = int(pk)
    except (ValueError, TypeError):
        raise Http404 from None
    person = (
        visible_people(user, include_inactive=include_inactive)
        .select_related("unit")
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise Http404
    return person


# --- the rule registry ------------------------------------------------------------------

Rule = Callable[[Any, Any], bool]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        if name in RULES:
            raise RuntimeError(f"access rule {name!r} registered twice")
        RULES[name] = fn
        return fn

    return register


def can(user: Any, perm: str, obj: Any = None) -> bool:
    try:
        check = RULES[perm]
    except KeyError:
        raise LookupError(f"no access rule named {perm!r}") from None
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(check(user, obj))


def require(user: Any, perm: str, obj: Any = None) -> None:
    if not can(user, perm, obj):
        raise PermissionDenied(perm)


# --- org rules ----------------------------------------------------------------------------


@rule("org.view_unit")
def _view_unit(user: Any, unit: Unit | None) -> bool:
    """A unit in the person's scope (None: whether they see any unit at all)."""
    if unit is None:
        return grants(user).has(*ALL_ROLES)
    return grants(user).covers(unit)


@rule("org.view_people")
def _view_people(user: Any, _obj: Any) -> bool:
    return grants(user).has(*ALL_ROLES)


@rule("org.view_person")
def _view_person(user: Any, person: User) -> bool:
    """The same people `visible_people` lists (deactivated ones to those who manage them)."""
    if grants(user).superuser:
        return True
    if person.unit_id is None or not grants(user).has(*ALL_ROLES):
        return False
    if not person.is_active and not _manage_people(user, person.unit):
        return False
    return grants(user).covers(person.unit)


@rule("org.view_contact")
def _view_contact(user: Any, person: User) -> bool:
    """Phone and e-mail: the person themself, the office and unit heads over their unit."""
    if user.pk is not None and user.pk == person.pk:
        return True
    if person.unit_id is None:
        return grants(user).superuser
    return grants(user).covers(person.unit, [Role.OFFICE, Role.UNIT_HEAD])


@rule("org.manage_unit")
def _manage_unit(user: Any, unit: Unit | None) -> bool:
    """Office supervisors create and edit units inside their scope (None: anywhere in it)."""
    g = grants(user)
    if unit is None:
        return g.has(Role.OFFICE)
    return g.covers(unit, [Role.OFFICE])


@rule("org.create_top_unit")
def _create_top_unit(user: Any, _obj: Any) -> bool:
    """A unit with no parent: only the office whose scope is a whole tree, not a
    district's office supervisor."""
    return sees_whole_city(user, [Role.OFFICE])


@rule("org.manage_people")
def _manage_people(user: Any, unit: Unit | None) -> bool:
    return _manage_unit(user, unit)


@rule("audit.view_trail")
def _view_trail(user: Any, _obj: Any) -> bool:
    """The whole trail: the office, the leading group and city-level auditors (viewers)."""
    return sees_whole_city(user, [Role.OFFICE, Role.LEADER, Role.VIEWER])
