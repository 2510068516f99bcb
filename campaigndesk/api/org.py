"""Units, people and the caller: /units, /people, /me."""

from __future__ import annotations

import functools
from typing import Any, Literal

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import Field, Query, Router, Schema
from ninja.renderers import JSONRenderer

from campaigndesk.core import generation
from campaigndesk.core.bilingual import current_is_english
from campaigndesk.org import access
from campaigndesk.org.models import RoleGrant, Unit, UnitKind, User

from .auth import person
from .common import Id, Page, PageQuery, SearchText, StrictQuery, keyset_page, responses

router = Router(tags=["organisation"])

UnitKindCode = Literal[tuple(UnitKind.values)]  # type: ignore[valid-type]


class UnitRef(Schema):
    """A unit named in another record."""

    id: int
    code: str
    name: str = Field(description="In the request's language (falls back to the other).")
    name_zh: str
    name_en: str


class UnitOut(UnitRef):
    short_name_zh: str
    kind: UnitKindCode  # type: ignore[valid-type]
    kind_label: str
    parent: UnitRef | None
    depth: int = Field(description="0 for a top unit (the city), 1 below it, and so on.")
    sort_order: int
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj: Unit) -> str:
        return str(obj.get_kind_display())


class UnitPage(Page[UnitOut]):
    pass


class UnitFilters(PageQuery):
    kind: UnitKindCode | None = None  # type: ignore[valid-type]
    parent: Id | None = Field(None, description="Only the units directly below this one.")
    q: SearchText | None = Field(None, description="Part of the code or of either name.")
    is_active: bool | None = None


@router.get("/units", response=responses(UnitPage), summary="List units")
def list_units(request: HttpRequest, filters: Query[UnitFilters]) -> Any:
    """The units the caller sees (their units and everything below), in tree order."""
    viewer = person(request)
    return _kept(request, "api.units", viewer, lambda: _unit_page(request, viewer, filters))


def _unit_page(request: HttpRequest, viewer: User, filters: UnitFilters) -> dict[str, Any]:
    units = access.visible_units(viewer).select_related("parent")
    if filters.kind:
        units = units.filter(kind=filters.kind)
    if filters.parent is not None:
        units = units.filter(parent_id=filters.parent)
    if filters.q:
        units = units.filter(
            Q(code__icontains=filters.q)
            | Q(name_zh__icontains=filters.q)
            | Q(name_en__icontains=filters.q)
            | Q(short_name_zh__icontains=filters.q)
        )
    if filters.is_active is not None:
        units = units.filter(is_active=filters.is_active)
    # path is unique and sorts a parent before its children.
    page = keyset_page(request, units, filters, order=["path"])
    english = current_is_english()
    kinds = _kind_labels(translation.get_language())
    page["items"] = [_unit_out(english, kinds, unit) for unit in page["items"]]
    return page


@functools.lru_cache(maxsize=8)
def _kind_labels(language: str | None) -> dict[str, str]:
    # get_kind_display() per row hashed the lazy choices each time: a third of the page.
    return {value: str(label) for value, label in UnitKind.choices}


_JSON = JSONRenderer()
PAGES_KEPT = 500  # rendered pages of 10-50 kB, per kind


def _kept(request: HttpRequest, kind: str, viewer: User, build: Any) -> HttpResponse:
    """The page `build()` gives, rendered as ninja renders its page schema without
    validating again what the database gave (building the schema from fifty model
    instances cost more than the queries; tests/api compare the two).

    Units, people and grants are all the lists show, and who asks (their grants): the
    rendered page is kept per caller, language and address (`next` is absolute) until
    any of those tables changes (core/generation.py), as the desk's lists are.
    """
    key = (viewer.pk, translation.get_language(), request.build_absolute_uri())
    content = generation.cached(
        kind, key, lambda: _JSON.render(request, build(), response_status=200), limit=PAGES_KEPT
    )
    return HttpResponse(content, content_type=f"{_JSON.media_type}; charset={_JSON.charset}")


def _unit_ref(english: bool, unit: Unit | None) -> dict[str, Any] | None:
    """UnitRef's JSON, in its fields' order; `name` as Unit.name reads it."""
    if unit is None:
        return None
    zh, en = unit.name_zh or "", unit.name_en or ""
    return {
        "id": unit.pk,
        "code": unit.code,
        "name": (en or zh) if english else (zh or en),
        "name_zh": unit.name_zh,
        "name_en": unit.name_en,
    }


def _unit_out(english: bool, kinds: dict[Any, str], unit: Unit) -> dict[str, Any]:
    """UnitOut's JSON, in its fields' order (kind labels looked up once per page)."""
    return {
        **_unit_ref(english, unit),  # type: ignore[dict-item]
        "short_name_zh": unit.short_name_zh,
        "kind": unit.kind,
        "kind_label": kinds.get(unit.kind, str(unit.kind)),
        "parent": _unit_ref(english, unit.parent),
        "depth": unit.depth,
        "sort_order": unit.sort_order,
        "is_active": unit.is_active,
    }


@router.get("/units/{unit_id}", response=responses(UnitOut, 404), summary="Get a unit")
def get_unit(request: HttpRequest, unit_id: Id, query: Query[StrictQuery]) -> Any:
    """One unit; 404 when it does not exist or lies outside the caller's units."""
    return access.get_unit_for_user(person(request), unit_id)


# --- people ---------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    username: str
    full_name: str
    display_name: str
    title: str
    unit: UnitRef | None
    is_active: bool
    email: str | None = Field(
        description="Contact details: only to the person, the office and heads over their unit; "
        "null for everyone else."
    )
    phone: str | None = Field(description="As `email`.")

    @staticmethod
    def resolve_email(obj: Any, context: dict[str, Any]) -> str | None:
        return obj.email if _sees_contact(context, obj) else None

    @staticmethod
    def resolve_phone(obj: Any, context: dict[str, Any]) -> str | None:
        return obj.phone if _sees_contact(context, obj) else None


def _sees_contact(context: dict[str, Any], someone: Any) -> bool:
    return access.can(person(context["request"]), "org.view_contact", someone)


class PersonPage(Page[PersonOut]):
    pass


class PersonFilters(PageQuery):
    unit: Id | None = Field(None, description="Only the people of this unit (not below it).")
    q: SearchText | None = Field(None, description="Part of the user name or full name.")


@router.get("/people", response=responses(PersonPage, 403), summary="List people")
def list_people(request: HttpRequest, filters: Query[PersonFilters]) -> Any:
    """Active people whose unit the caller sees, by user name."""
    viewer = person(request)
    access.require(viewer, "org.view_people")
    return _kept(request, "api.people", viewer, lambda: _person_page(request, viewer, filters))


def _person_page(request: HttpRequest, viewer: User, filters: PersonFilters) -> dict[str, Any]:
    people = access.visible_people(viewer).select_related("unit")
    if filters.unit is not None:
        people = people.filter(unit_id=filters.unit)
    if filters.q:
        people = people.filter(Q(username__icontains=filters.q) | Q(full_name__icontains=filters.q))
    page = keyset_page(request, people, filters, order=["username"])
    english = current_is_english()
    page["items"] = [_person_out(viewer, english, someone) for someone in page["items"]]
    return page


def _person_out(viewer: User, english: bool, someone: User) -> dict[str, Any]:
    """PersonOut's JSON, in its fields' order."""
    contact = access.can(viewer, "org.view_contact", someone)
    return {
        "id": someone.pk,
        "username": someone.username,
        "full_name": someone.full_name,
        "display_name": someone.display_name,
        "title": someone.title,
        "unit": _unit_ref(english, someone.unit),
        "is_active": someone.is_active,
        "email": someone.email if contact else None,
        "phone": someone.phone if contact else None,
    }


@router.get("/people/{person_id}", response=responses(PersonOut, 404), summary="Get a person")
def get_person(request: HttpRequest, person_id: Id, query: Query[StrictQuery]) -> Any:
    """One person; 404 when they are not among the people the caller sees."""
    return access.get_person_for_user(person(request), person_id)


# --- me ---------------------------------------------------------------------------------------


class GrantOut(Schema):
    role: str
    role_label: str
    unit: UnitRef

    @staticmethod
    def resolve_role_label(obj: RoleGrant) -> str:
        return str(obj.get_role_display())


class MeOut(PersonOut):
    roles: list[GrantOut] = Field(description="The caller's role grants, each over a unit.")
    language: str = Field(description="The language the API answers this request in.")

    # One's own contact details are always shown.
    @staticmethod
    def resolve_email(obj: dict[str, Any]) -> str:
        return obj["email"]

    @staticmethod
    def resolve_phone(obj: dict[str, Any]) -> str:
        return obj["phone"]


@router.get("/me", response=responses(MeOut), summary="Who am I")
def me(request: HttpRequest, query: Query[StrictQuery]) -> Any:
    """The caller, their unit and their roles."""
    caller = person(request)
    roles = list(
        RoleGrant.objects.filter(user=caller).select_related("unit").order_by("unit__path", "role")
    )
    home = Unit.objects.filter(pk=caller.unit_id).first() if caller.unit_id else None
    return {
        "id": caller.pk,
        "username": caller.username,
        "full_name": caller.full_name,
        "display_name": caller.display_name,
        "title": caller.title,
        "unit": home,
        "is_active": caller.is_active,
        "email": caller.email,
        "phone": caller.phone,
        "roles": roles,
        "language": translation.get_language(),
    }
