"""Units, people and the caller: /units, /people, /me."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Query, Router, Schema

from campaigndesk.org import access
from campaigndesk.org.models import RoleGrant, Unit, UnitKind

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
    units = access.visible_units(person(request)).select_related("parent")
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
    return keyset_page(request, units, filters, order=["path"])


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
    people = access.visible_people(viewer).select_related("unit")
    if filters.unit is not None:
        people = people.filter(unit_id=filters.unit)
    if filters.q:
        people = people.filter(Q(username__icontains=filters.q) | Q(full_name__icontains=filters.q))
    return keyset_page(request, people, filters, order=["username"])


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
