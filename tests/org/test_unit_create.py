"""The office's "New unit" screen: a unit under any unit it manages, or at the top.

Role by role: the city office creates top-level and child units; a district's office
supervisor creates units inside its district only; leaders, inspectors, viewers, unit
heads and liaisons read but never create; anonymous visitors sign in first.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import history_of, verify
from campaigndesk.org import access, actions
from campaigndesk.org.models import Role, RoleGrant, Unit, UnitKind
from tests.factories import UserFactory, grant

URL = "/desk/org/units/new/"


def unit_data(**overrides):
    data = {
        "parent": "",
        "code": "NEW-1",
        "name_zh": "新单位",
        "name_en": "A new unit",
        "short_name_zh": "",
        "kind": UnitKind.BUREAU,
        "sort_order": 5,
    }
    return {**data, **overrides}


@pytest.fixture
def district_office(world):
    """An office supervisor whose scope is Ganjingzi District only."""
    person = UserFactory(username="gjz_office", unit=world.ganjingzi)
    grant(person, Role.OFFICE, world.ganjingzi)
    return person


def test_the_screen_has_its_address():
    assert reverse("org:unit_create_top") == URL


def test_city_office_creates_a_top_level_unit_and_keeps_charge_of_it(world, client_for):
    client = client_for(world.office)
    form = client.get(URL).context["form"]
    # The top of the office's scope is offered first, and so is "no parent".
    assert form.initial["parent"] == world.city.pk
    assert form.fields["parent"].empty_label == "None: a top-level unit"
    response = client.post(URL, unit_data())
    unit = Unit.objects.get(code="NEW-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:unit_detail", args=[unit.pk])
    assert unit.parent is None and unit.depth == 0 and unit.path == f"{unit.pk:07d}/"
    assert (unit.name_zh, unit.kind, unit.sort_order) == ("新单位", UnitKind.BUREAU, 5)
    # No grant of the office covered the new tree, so the creator is given one.
    assert RoleGrant.objects.filter(user=world.office, unit=unit, role=Role.OFFICE).exists()
    assert client.get(response["Location"]).status_code == 200
    assert history_of(unit).get().action == "org.create_unit"
    grant_record = AuditRecord.objects.filter(action="org.grant_role").get()
    assert grant_record.actor == world.office and grant_record.source == f"POST {URL}"
    assert verify().ok


def test_city_office_creates_a_child_unit_from_the_same_screen(world, client_for):
    response = client_for(world.office).post(
        URL, unit_data(parent=world.zhongshan.pk, kind=UnitKind.SUBUNIT)
    )
    unit = Unit.objects.get(code="NEW-1")
    assert response.status_code == 302
    assert unit.parent == world.zhongshan and unit.is_within(world.zhongshan)
    assert unit.depth == world.zhongshan.depth + 1
    assert history_of(unit).get().actor == world.office
    # Inside the office's scope already: no extra grant.
    assert not RoleGrant.objects.filter(unit=unit).exists()


def test_district_office_creates_inside_its_district_only(world, client_for, district_office):
    client = client_for(district_office)
    field = client.get(URL).context["form"].fields["parent"]
    assert field.required and set(field.queryset) == {world.ganjingzi, world.street}
    assert client.post(URL, unit_data(parent=world.street.pk)).status_code == 302
    assert Unit.objects.get(code="NEW-1").parent == world.street

    outside = client.post(URL, unit_data(code="NEW-2", parent=world.zhongshan.pk))
    assert "Select a valid choice" in outside.context["form"].errors["parent"][0]
    top = client.post(URL, unit_data(code="NEW-3"))
    assert top.context["form"].errors["parent"] == ["This field is required."]
    assert not Unit.objects.filter(code__in=["NEW-2", "NEW-3"]).exists()


@pytest.mark.parametrize(
    "persona", ["leader", "inspector", "viewer", "gjz_head", "gjz_liaison", "nobody"]
)
def test_roles_other_than_the_office_may_not_create_units(world, client_for, persona):
    client = client_for(getattr(world, persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, unit_data()).status_code == 403
    assert client.post(URL, unit_data(parent=world.ganjingzi.pk)).status_code == 403
    assert not Unit.objects.filter(code="NEW-1").exists()


@pytest.mark.parametrize("persona", ["leader", "inspector", "viewer"])
def test_read_only_roles_may_not_add_a_sub_unit_either(world, client_for, persona):
    url = reverse("org:unit_create", args=[world.ganjingzi.pk])
    assert client_for(getattr(world, persona)).post(url, unit_data()).status_code == 403
    assert not Unit.objects.filter(code="NEW-1").exists()


def test_anonymous_visitor_is_sent_to_sign_in(world, client_for):
    response = client_for(None).post(URL, unit_data())
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not Unit.objects.filter(code="NEW-1").exists()


def test_the_screen_refuses_put(world, client_for):
    assert client_for(world.office).put(URL).status_code == 405


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "gjz"}, "code", "A unit with the code gjz already exists."),
        ({"code": "bad code!"}, "code", "Use letters, digits, dot, dash and underscore only."),
        ({"name_zh": "  "}, "name_zh", "This field is required."),
        ({"kind": "planet"}, "kind", "Select a valid choice."),
        ({"parent": "999999"}, "parent", "Select a valid choice."),
        ({"parent": "x"}, "parent", "Select a valid choice."),
        ({"sort_order": -1}, "sort_order", "greater than or equal to 0"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_written(
    world, client_for, overrides, field, message
):
    before = AuditRecord.objects.count()
    response = client_for(world.office).post(URL, unit_data(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert AuditRecord.objects.count() == before
    assert not Unit.objects.filter(name_zh="新单位").exists()


def test_units_list_offers_the_screen_to_the_office_only(world, client_for):
    list_url = reverse("org:unit_list")
    assert URL in client_for(world.office).get(list_url).content.decode()
    assert URL not in client_for(world.gjz_head).get(list_url).content.decode()


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("office", True),
        ("leader", False),
        ("inspector", False),
        ("viewer", False),
        ("gjz_head", False),
        ("gjz_liaison", False),
        ("nobody", False),
    ],
)
def test_who_may_create_a_top_level_unit(world, persona, allowed):
    assert access.can(getattr(world, persona), "org.create_top_unit") is allowed


def test_a_district_office_may_not_create_a_top_level_unit_through_the_action(
    world, district_office
):
    assert not access.can(district_office, "org.create_top_unit")
    with pytest.raises(PermissionDenied):
        actions.create_unit(
            district_office, parent=None, code="TOP", name_zh="顶", kind=UnitKind.OTHER
        )
    assert not Unit.objects.filter(code="TOP").exists()
