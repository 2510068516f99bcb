"""Changing the organisation under /api/v1/: create, change and move units, create and
change people, grant and revoke roles.

The same as the desk's organisation screens: each body goes through the screen's form
(`org.forms`: unique codes, the units the caller manages, the password validators, no
deactivating oneself, no role twice) and then the org action (`org.actions`), which
checks `org.manage_unit` / `org.manage_people` / `org.create_top_unit` again and audits
the change. These operations sit on the organisation router (`org.router`), beside the
reads of the same paths.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Schema
from ninja.responses import Status
from pydantic import StringConstraints

from campaigndesk.org import access, actions
from campaigndesk.org.forms import (
    GrantForm,
    PersonCreateForm,
    PersonEditForm,
    UnitCreateForm,
    UnitEditForm,
    UnitMoveForm,
)
from campaigndesk.org.models import Role, RoleGrant, Unit, User

from .auth import person
from .common import Id, StrictQuery, form_refusal, responses
from .org import PersonOut, UnitKindCode, UnitOut, UnitRef, router

RoleCode = Literal[tuple(Role.values)]  # type: ignore[valid-type]


def _text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[
        str, StringConstraints(min_length=min_length, max_length=max_length, pattern=r"^[^\x00]*$")
    ]


# --- units ------------------------------------------------------------------------------------


class UnitCreateIn(Schema):
    model_config = {"extra": "forbid"}

    parent: Id | None = Field(
        description="A unit the caller manages; null for a top-level unit (only the office "
        "over a whole tree)."
    )
    code: _text(40, 1)  # type: ignore[valid-type]
    name_zh: _text(120, 1)  # type: ignore[valid-type]
    name_en: _text(200) = ""  # type: ignore[valid-type]
    short_name_zh: _text(40) = ""  # type: ignore[valid-type]
    kind: UnitKindCode  # type: ignore[valid-type]
    sort_order: int = Field(0, ge=0, le=2**31 - 1)


class UnitChangeIn(Schema):
    model_config = {"extra": "forbid"}

    name_zh: _text(120, 1) | None = None  # type: ignore[valid-type]
    name_en: _text(200) | None = None  # type: ignore[valid-type]
    short_name_zh: _text(40) | None = None  # type: ignore[valid-type]
    kind: UnitKindCode | None = None  # type: ignore[valid-type]
    sort_order: int | None = Field(None, ge=0, le=2**31 - 1)
    is_active: bool | None = None


class UnitMoveIn(Schema):
    model_config = {"extra": "forbid"}

    parent: Id = Field(description="The new parent, a unit the caller manages.")


def _sent(payload: Schema) -> dict[str, Any]:
    """The fields a PATCH sent; null leaves a field as it is (send "" to clear a text)."""
    return {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}


def _unit_out(pk: int) -> Unit:
    return Unit.objects.select_related("parent").get(pk=pk)


@router.post(
    "/units",
    response=responses(UnitOut, 400, 403, ok_status=201),
    summary="Create a unit",
)
def create_unit(request: HttpRequest, payload: UnitCreateIn, query: Query[StrictQuery]) -> Any:
    """A unit below a unit the office manages, or (parent null) at the top of a new tree:
    only for the office over a whole tree, who is then given the office role over it.
    Codes are unique whatever their case. Audited."""
    user = person(request)
    access.require(user, "org.manage_unit")
    data = payload.dict()
    form = UnitCreateForm({k: v for k, v in data.items() if v is not None}, actor=user)
    if not form.is_valid():
        raise form_refusal(form)
    fields = dict(form.cleaned_data)
    parent = fields.pop("parent")
    unit = actions.create_unit(user, parent=parent, **fields)
    return Status(201, _unit_out(unit.pk))


def _managed_unit(request: HttpRequest, unit_id: int) -> tuple[Any, Unit]:
    """404 outside the caller's units, 403 when they may not manage it."""
    user = person(request)
    unit = access.get_unit_for_user(user, unit_id)
    access.require(user, "org.manage_unit", unit)
    return user, unit


@router.patch(
    "/units/{unit_id}",
    response=responses(UnitOut, 400, 403, 404),
    summary="Change a unit",
)
def change_unit(
    request: HttpRequest, unit_id: Id, payload: UnitChangeIn, query: Query[StrictQuery]
) -> Any:
    """The fields sent change, the others stay (the code never changes). Audited."""
    user, unit = _managed_unit(request, unit_id)
    form = UnitEditForm(None, instance=unit)
    data = {name: getattr(unit, name) for name in form.fields}
    data.update(_sent(payload))
    form = UnitEditForm(data, instance=unit)
    if not form.is_valid():
        raise form_refusal(form)
    actions.update_unit(user, unit, form.changes())
    return _unit_out(unit.pk)


@router.post(
    "/units/{unit_id}/move",
    response=responses(UnitOut, 400, 403, 404),
    summary="Move a unit under another parent",
)
def move_unit(
    request: HttpRequest, unit_id: Id, payload: UnitMoveIn, query: Query[StrictQuery]
) -> Any:
    """The unit moves with every unit below it; never below itself. Audited."""
    user, unit = _managed_unit(request, unit_id)
    form = UnitMoveForm({"parent": payload.parent}, unit=unit, actor=user)
    if not form.is_valid():
        raise form_refusal(form)
    actions.move_unit(user, unit, form.cleaned_data["parent"])
    return _unit_out(unit.pk)


# --- people -----------------------------------------------------------------------------------


class PersonCreateIn(Schema):
    model_config = {"extra": "forbid"}

    username: _text(150, 1)  # type: ignore[valid-type]
    full_name: _text(80, 1)  # type: ignore[valid-type]
    unit: Id = Field(description="A unit the caller manages.")
    email: _text(254) = ""  # type: ignore[valid-type]
    title: _text(80) = ""  # type: ignore[valid-type]
    phone: _text(30) = ""  # type: ignore[valid-type]
    password: _text(128, 1) = Field(  # type: ignore[valid-type]
        description="The initial password, checked by the password validators."
    )


class PersonChangeIn(Schema):
    model_config = {"extra": "forbid"}

    full_name: _text(80, 1) | None = None  # type: ignore[valid-type]
    email: _text(254) | None = None  # type: ignore[valid-type]
    unit: Id | None = Field(None, description="A unit the caller manages.")
    title: _text(80) | None = None  # type: ignore[valid-type]
    phone: _text(30) | None = None  # type: ignore[valid-type]
    is_active: bool | None = Field(None, description="false: the person can no longer sign in.")


def _person_out(pk: int) -> User:
    return User.objects.select_related("unit").get(pk=pk)


@router.post(
    "/people",
    response=responses(PersonOut, 400, 403, ok_status=201),
    summary="Create a person",
)
def create_person(request: HttpRequest, payload: PersonCreateIn, query: Query[StrictQuery]) -> Any:
    """An account in a unit the office manages, with an initial password. Audited."""
    user = person(request)
    access.require(user, "org.manage_people")
    data = payload.dict()
    password = data.pop("password")
    form = PersonCreateForm({**data, "password1": password, "password2": password}, actor=user)
    if not form.is_valid():
        raise form_refusal(form)
    created = actions.create_person(user, password=password, **form.person_fields())
    return Status(201, _person_out(created.pk))


def _managed_person(request: HttpRequest, person_id: int) -> tuple[Any, User]:
    """404 when the caller does not see the person (deactivated ones are found by those
    who manage people), 403 when they may not manage them."""
    user = person(request)
    found = access.get_person_for_user(
        user, person_id, include_inactive=access.can(user, "org.manage_people")
    )
    access.require(user, "org.manage_people", found.unit)
    return user, found


@router.patch(
    "/people/{person_id}",
    response=responses(PersonOut, 400, 403, 404),
    summary="Change a person",
)
def change_person(
    request: HttpRequest, person_id: Id, payload: PersonChangeIn, query: Query[StrictQuery]
) -> Any:
    """The fields sent change, the others stay (the user name never changes). No one
    deactivates their own account. Audited."""
    user, found = _managed_person(request, person_id)
    form = PersonEditForm(None, instance=found, actor=user)
    data = {name: getattr(found, name) for name in form.fields}
    data["unit"] = found.unit_id
    data.update(_sent(payload))
    form = PersonEditForm(data, instance=found, actor=user)
    if not form.is_valid():
        raise form_refusal(form)
    actions.update_person(user, found, form.changes())
    return _person_out(found.pk)


# --- role grants ----------------------------------------------------------------------------------


class GrantIn(Schema):
    model_config = {"extra": "forbid"}

    role: RoleCode  # type: ignore[valid-type]
    unit: Id = Field(description="The role covers this unit and every unit below it.")


class GrantRow(Schema):
    id: int
    person_id: int
    role: RoleCode  # type: ignore[valid-type]
    role_label: str
    unit: UnitRef

    @staticmethod
    def resolve_person_id(obj: RoleGrant) -> int:
        return obj.user_id

    @staticmethod
    def resolve_role_label(obj: RoleGrant) -> str:
        return str(obj.get_role_display())


@router.post(
    "/people/{person_id}/roles",
    response=responses(GrantRow, 400, 403, 404, ok_status=201),
    summary="Give a person a role over a unit",
)
def grant_role(
    request: HttpRequest, person_id: Id, payload: GrantIn, query: Query[StrictQuery]
) -> Any:
    """Over a unit the office manages and that is active; a role once only. Audited."""
    user, found = _managed_person(request, person_id)
    form = GrantForm(payload.dict(), person=found, actor=user)
    if not form.is_valid():
        raise form_refusal(form)
    grant = actions.grant_role(user, found, form.cleaned_data["role"], form.cleaned_data["unit"])
    return Status(201, RoleGrant.objects.select_related("unit").get(pk=grant.pk))


@router.delete(
    "/people/{person_id}/roles/{grant_id}",
    response=responses(GrantRow, 403, 404),
    summary="Revoke a person's role",
)
def revoke_role(
    request: HttpRequest, person_id: Id, grant_id: Id, query: Query[StrictQuery]
) -> Any:
    """Whoever manages the role's unit; no one revokes their own office role. Audited.
    The answer is the grant as it was."""
    user = person(request)
    found = access.get_person_for_user(
        user, person_id, include_inactive=access.can(user, "org.manage_people")
    )
    grant = RoleGrant.objects.select_related("unit").filter(pk=grant_id, user=found).first()
    if grant is None:
        raise Http404
    gone = copy.copy(grant)  # deleting clears the instance's pk
    actions.revoke_role(user, grant)
    return gone
