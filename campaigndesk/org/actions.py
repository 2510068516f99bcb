"""Every change to units, people and role grants."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigndesk.audit import trail
from campaigndesk.core import writes

from . import access
from .models import Role, RoleGrant, Unit, User

UNIT_FIELDS = ("code", "name_zh", "name_en", "short_name_zh", "kind", "sort_order", "is_active")
PERSON_FIELDS = ("username", "full_name", "email", "title", "phone", "unit", "is_active")


def create_unit(actor: Any, *, parent: Unit | None, **fields: Any) -> Unit:
    """A unit below `parent`, or a top-level unit (parent None) for the office that
    sees a whole tree. Whoever creates a top-level unit is given the office role
    over it, audited like any grant: no grant of theirs covers a new tree."""
    if parent is None:
        access.require(actor, "org.create_top_unit")
    else:
        access.require(actor, "org.manage_unit", parent)
    with transaction.atomic():
        unit = Unit(parent=parent, **fields)
        # path needs the id, so insert with a provisional unique path, then fix it.
        unit.path = f"~{fields.get('code', '')}/"
        unit.depth = parent.depth + 1 if parent else 0
        unit.full_clean(exclude=["path"])
        unit.save(force_insert=True)
        unit.path = Unit.path_for(unit.pk, parent.path if parent else "")
        unit.save(update_fields=["path"])
        trail.record_create(actor, unit, action="org.create_unit")
        if parent is None and not access.grants(actor).covers(unit):
            writes.create(
                actor, RoleGrant(user=actor, unit=unit, role=Role.OFFICE), action="org.grant_role"
            )
    access.forget_grants(actor)
    return unit


def update_unit(actor: Any, unit: Unit, changes: dict[str, Any]) -> Unit:
    access.require(actor, "org.manage_unit", unit)
    unknown = set(changes) - set(UNIT_FIELDS)
    if unknown:
        raise ValueError(f"update_unit cannot change {sorted(unknown)}")
    with transaction.atomic():
        return writes.update(actor, unit, changes, action="org.update_unit")


def move_unit(actor: Any, unit: Unit, new_parent: Unit) -> Unit:
    """Put a unit (and its subtree) under another parent."""
    access.require(actor, "org.manage_unit", unit)
    access.require(actor, "org.manage_unit", new_parent)
    if new_parent.is_within(unit):
        raise ValidationError(_("A unit cannot be moved below itself."))
    if new_parent.pk == unit.parent_id:
        return unit
    with transaction.atomic():
        old_path, new_path = unit.path, Unit.path_for(unit.pk, new_parent.path)
        depth_shift = new_parent.depth + 1 - unit.depth
        # Descendants' paths and depths are derived from the tree, so only the moved
        # unit's own record goes into the audit trail.
        below = list(Unit.objects.subtree_of(unit).exclude(pk=unit.pk).select_for_update())
        for u in below:
            u.path = new_path + u.path[len(old_path) :]
            u.depth += depth_shift
        Unit.objects.bulk_update(below, ["path", "depth"], batch_size=500)
        writes.update(
            actor,
            unit,
            {"parent": new_parent, "path": new_path, "depth": unit.depth + depth_shift},
            action="org.move_unit",
        )
    return unit


def create_person(actor: Any, *, password: str | None = None, **fields: Any) -> User:
    access.require(actor, "org.manage_people", fields.get("unit"))
    with transaction.atomic():
        person = User(**fields)
        if password:
            person.set_password(password)
        else:
            person.set_unusable_password()
        return writes.create(actor, person, action="org.create_person")


def update_person(actor: Any, person: User, changes: dict[str, Any]) -> User:
    access.require(actor, "org.manage_people", person.unit)
    if "unit" in changes:
        access.require(actor, "org.manage_people", changes["unit"])
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"update_person cannot change {sorted(unknown)}")
    with transaction.atomic():
        return writes.update(actor, person, changes, action="org.update_person")


def set_password(actor: Any, person: User, raw_password: str) -> None:
    """A person changes their own password, or the office resets someone's."""
    if actor.pk != person.pk:
        access.require(actor, "org.manage_people", person.unit)
    with transaction.atomic():
        person.set_password(raw_password)
        person.save(update_fields=["password"])
        trail.record(actor, "action", person, action="org.set_password")


def grant_role(actor: Any, person: User, role: str, unit: Unit) -> RoleGrant:
    access.require(actor, "org.manage_people", unit)
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    with transaction.atomic():
        existing = RoleGrant.objects.filter(user=person, unit=unit, role=role).first()
        if existing:
            return existing
        grant = writes.create(
            actor, RoleGrant(user=person, unit=unit, role=role), action="org.grant_role"
        )
    access.forget_grants(person)
    return grant


def revoke_role(actor: Any, grant: RoleGrant) -> None:
    access.require(actor, "org.manage_people", grant.unit)
    if grant.role == Role.OFFICE and actor.pk is not None and actor.pk == grant.user_id:
        # Otherwise the last office supervisor could lock everyone out of the set-up.
        raise ValidationError(
            _("You cannot revoke your own office role. Ask another office supervisor.")
        )
    with transaction.atomic():
        writes.delete(actor, grant, action="org.revoke_role")
    access.forget_grants(grant.user)
