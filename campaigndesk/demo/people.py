"""What the demo's loaders share: its e-mail domain, its local moments, and the units'
liaisons and heads a story needs."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from campaigndesk.org import access
from campaigndesk.org import actions as org_actions
from campaigndesk.org.models import Role, Unit, User

EMAIL_DOMAIN = "demo.campaigndesk.invalid"


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def unit_person(unit: Unit, role: str, full_name: str) -> tuple[User, bool]:
    """The unit's liaison or head (its username made from the unit's code), found or
    created, and granted the role; True when it was created."""
    suffix = "liaison" if role == Role.LIAISON else "head"
    username = f"{unit.code.lower().removeprefix('dl-').replace('-', '_')}_{suffix}"
    person = User.objects.filter(username=username).first()
    created = person is None
    if person is None:
        label = "联络员" if role == Role.LIAISON else "主要负责人"
        person = org_actions.create_person(
            access.SYSTEM,
            username=username,
            full_name=full_name,
            title=f"{unit.short_name_zh or unit.name_zh}{label}",
            email=f"{username}@{EMAIL_DOMAIN}",
            unit=unit,
        )
    org_actions.grant_role(access.SYSTEM, person, role, unit)
    return person, created
