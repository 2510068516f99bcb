"""The access module, role by role: what each persona of the shared world sees and may do.

The world: CITY with OFFICE, GJZ (with GJZ-ST below it), ZS and KJJ below it. The
leader, office, inspector and viewer hold their roles over the city (their home unit
is OFFICE); the Ganjingzi head and liaison over GJZ; a street liaison over GJZ-ST; a
Zhongshan liaison over ZS; "nobody" works in KJJ without a role; the citizen is
anonymous.
"""

from __future__ import annotations

import pytest
from django.http import Http404

from campaigndesk.org import access
from campaigndesk.org.models import Role
from tests.factories import UserFactory, grant

PERSONAS = [
    "leader",
    "office",
    "inspector",
    "viewer",
    "gjz_head",
    "gjz_liaison",
    "street_liaison",
    "zs_liaison",
    "nobody",
    "citizen",
]
ALL_UNITS = {"CITY", "OFFICE", "GJZ", "GJZ-ST", "ZS", "KJJ"}
ALL_PEOPLE = {
    "leader",
    "office",
    "inspector",
    "viewer",
    "gjz_head",
    "gjz_liaison",
    "street_liaison",
    "zs_liaison",
    "nobody",
}
GJZ_PEOPLE = {"gjz_head", "gjz_liaison", "street_liaison"}

VISIBLE_UNITS = {
    "leader": ALL_UNITS,
    "office": ALL_UNITS,
    "inspector": ALL_UNITS,
    "viewer": ALL_UNITS,
    "gjz_head": {"GJZ", "GJZ-ST"},
    "gjz_liaison": {"GJZ", "GJZ-ST"},
    "street_liaison": {"GJZ-ST"},
    "zs_liaison": {"ZS"},
    "nobody": set(),
    "citizen": set(),
}
VISIBLE_PEOPLE = {
    "leader": ALL_PEOPLE,
    "office": ALL_PEOPLE,
    "inspector": ALL_PEOPLE,
    "viewer": ALL_PEOPLE,
    "gjz_head": GJZ_PEOPLE,
    "gjz_liaison": GJZ_PEOPLE,
    "street_liaison": {"street_liaison"},
    "zs_liaison": {"zs_liaison"},
    "nobody": set(),
    "citizen": set(),
}

# perm, the object it is asked about (an attribute of the world, or None), and who passes.
CAN = [
    ("org.view_unit", None, set(PERSONAS) - {"nobody", "citizen"}),
    (
        "org.view_unit",
        "ganjingzi",
        {"leader", "office", "inspector", "viewer", "gjz_head", "gjz_liaison"},
    ),
    (
        "org.view_unit",
        "street",
        {"leader", "office", "inspector", "viewer", "gjz_head", "gjz_liaison", "street_liaison"},
    ),
    ("org.view_unit", "zhongshan", {"leader", "office", "inspector", "viewer", "zs_liaison"}),
    ("org.view_unit", "city", {"leader", "office", "inspector", "viewer"}),
    ("org.manage_unit", None, {"office"}),
    ("org.manage_unit", "ganjingzi", {"office"}),
    ("org.manage_unit", "city", {"office"}),
    ("org.manage_people", None, {"office"}),
    ("org.manage_people", "street", {"office"}),
    ("org.view_people", None, set(PERSONAS) - {"nobody", "citizen"}),
    (
        "org.view_person",
        "gjz_liaison",
        {"leader", "office", "inspector", "viewer", "gjz_head", "gjz_liaison"},
    ),
    ("org.view_person", "zs_liaison", {"leader", "office", "inspector", "viewer", "zs_liaison"}),
    ("org.view_contact", "gjz_liaison", {"office", "gjz_head", "gjz_liaison"}),
    ("org.view_contact", "street_liaison", {"office", "gjz_head", "street_liaison"}),
    ("org.view_contact", "office", {"office"}),
    ("audit.view_trail", None, {"leader", "office", "viewer"}),
    ("campaigns.view", None, set(PERSONAS) - {"nobody", "citizen"}),
    ("campaigns.view", "campaign", set(PERSONAS) - {"nobody", "citizen"}),
    ("campaigns.manage", None, {"office"}),
    ("campaigns.manage", "campaign", {"office"}),
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_sees_exactly_the_units_of_its_grants_and_below(world, persona):
    units = access.visible_units(getattr(world, persona))
    assert set(units.values_list("code", flat=True)) == VISIBLE_UNITS[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_sees_exactly_the_people_of_its_units(world, persona):
    people = access.visible_people(getattr(world, persona))
    assert set(people.values_list("username", flat=True)) == VISIBLE_PEOPLE[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_passes_exactly_the_rules_meant_for_it(world, persona):
    user = getattr(world, persona)
    wrong = [
        f"{perm}({target}) should be {persona in allowed}"
        for perm, target, allowed in CAN
        if access.can(user, perm, getattr(world, target) if target else None)
        is not (persona in allowed)
    ]
    assert wrong == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_get_unit_for_user_gives_404_for_every_unit_outside_the_scope(world, persona):
    user = getattr(world, persona)
    for unit in [world.city, world.office_unit, world.ganjingzi, world.street, world.zhongshan]:
        if unit.code in VISIBLE_UNITS[persona]:
            assert access.get_unit_for_user(user, unit.pk) == unit
        else:
            with pytest.raises(Http404):
                access.get_unit_for_user(user, unit.pk)


@pytest.mark.parametrize("persona", PERSONAS)
def test_get_person_for_user_gives_404_for_every_person_outside_the_scope(world, persona):
    user = getattr(world, persona)
    for username in sorted(ALL_PEOPLE):
        person = getattr(world, username)
        if username in VISIBLE_PEOPLE[persona]:
            assert access.get_person_for_user(user, person.pk) == person
        else:
            with pytest.raises(Http404):
                access.get_person_for_user(user, person.pk)


@pytest.mark.parametrize("pk", [999_999, "x", None])
def test_lookups_of_missing_or_malformed_ids_give_404(world, pk):
    with pytest.raises(Http404):
        access.get_unit_for_user(world.office, pk)
    with pytest.raises(Http404):
        access.get_person_for_user(world.office, pk)


def test_deactivated_people_are_hidden_unless_asked_for(world):
    world.gjz_liaison.is_active = False
    world.gjz_liaison.save(update_fields=["is_active"])
    assert world.gjz_liaison not in access.visible_people(world.office)
    assert world.gjz_liaison in access.visible_people(world.office, include_inactive=True)
    with pytest.raises(Http404):
        access.get_person_for_user(world.office, world.gjz_liaison.pk)
    found = access.get_person_for_user(world.office, world.gjz_liaison.pk, include_inactive=True)
    assert found == world.gjz_liaison


def test_only_people_who_manage_them_may_view_deactivated_people(world):
    world.gjz_liaison.is_active = False
    world.gjz_liaison.save(update_fields=["is_active"])
    assert access.can(world.office, "org.view_person", world.gjz_liaison)
    assert not access.can(world.gjz_head, "org.view_person", world.gjz_liaison)
    assert not access.can(world.leader, "org.view_person", world.gjz_liaison)


def test_a_deactivated_person_sees_nothing(world):
    world.gjz_liaison.is_active = False
    assert not access.visible_units(world.gjz_liaison).exists()
    assert not access.can(world.gjz_liaison, "org.view_unit", world.ganjingzi)


def test_a_district_office_manages_its_district_only(world):
    district_office = UserFactory(username="gjz_office", unit=world.ganjingzi)
    grant(district_office, Role.OFFICE, world.ganjingzi)
    assert access.can(district_office, "org.manage_unit", world.street)
    assert not access.can(district_office, "org.manage_unit", world.zhongshan)
    assert not access.can(district_office, "org.manage_people", world.city)
    # The trail is for the city level only.
    assert not access.can(district_office, "audit.view_trail")


def test_the_system_actor_sees_and_may_do_everything(world):
    assert set(access.visible_units(access.SYSTEM).values_list("code", flat=True)) == ALL_UNITS
    assert access.can(access.SYSTEM, "org.manage_unit", world.street)
    assert access.can(access.SYSTEM, "audit.view_trail")


@pytest.mark.parametrize(
    ("persona", "depth"),
    [("office", 0), ("gjz_head", 1), ("street_liaison", 2), ("nobody", 0), ("citizen", 0)],
)
def test_scope_depth_is_the_depth_of_the_shallowest_unit_seen(world, persona, depth):
    assert access.scope_depth(getattr(world, persona)) == depth


def test_an_unknown_rule_name_is_a_programming_error(world):
    with pytest.raises(LookupError):
        access.can(world.office, "org.no_such_rule")
