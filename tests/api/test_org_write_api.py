"""Changing the organisation under /api/v1/: units (top-level and below), people and role
grants, with the screens' rules (org.access and org.forms): happy paths audited, the
personas refused, bad input as 4xx JSON with nothing written."""

from __future__ import annotations

import pytest

from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import verify
from campaigndesk.org.models import Role, RoleGrant, Unit, User
from tests.factories import UserFactory, grant

from . import test_ledger_api_more as ledger_more

PASSWORD = "Zq8!longer-than-ten"


@pytest.fixture
def api(api_client):
    return lambda user: ledger_more.Api(api_client(user))


error = ledger_more.error


@pytest.fixture
def district_office(world):
    """An office supervisor whose scope is Ganjingzi only."""
    user = UserFactory(username="gjz_office", unit=world.ganjingzi)
    grant(user, Role.OFFICE, world.ganjingzi)
    return user


def unit_body(**fields):
    return {"parent": None, "code": "NEW", "name_zh": "新单位", "kind": "bureau", **fields}


# --- units ------------------------------------------------------------------------------------


def test_the_office_creates_a_unit_below_one_it_manages_audited(world, api):
    response = api(world.office).post(
        "/units", unit_body(parent=world.city.pk, name_en="New Bureau")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "NEW" and body["parent"]["code"] == "CITY" and body["depth"] == 1
    unit = Unit.objects.get(code="NEW")
    assert unit.path.startswith(world.city.path)
    assert AuditRecord.objects.filter(action="org.create_unit", object_id=str(unit.pk)).exists()
    assert verify().ok


def test_the_city_office_creates_a_top_level_unit_and_gets_its_office_role(world, api):
    response = api(world.office).post("/units", unit_body(code="TOP", kind="city"))
    assert response.status_code == 201, response.content
    top = Unit.objects.get(code="TOP")
    assert top.parent_id is None and response.json()["depth"] == 0
    assert RoleGrant.objects.filter(user=world.office, unit=top, role=Role.OFFICE).exists()


def test_a_district_office_creates_below_its_district_but_not_at_the_top(
    world, api, district_office
):
    me = api(district_office)
    response = me.post("/units", unit_body(parent=world.ganjingzi.pk, kind="subunit"))
    assert response.status_code == 201, response.content
    assert error(me.post("/units", unit_body(code="TOP2", kind="city")))["errors"][0]["loc"] == [
        "body",
        "parent",
    ]
    error(me.post("/units", unit_body(code="ZS2", parent=world.zhongshan.pk)))
    assert not Unit.objects.filter(code__in=["TOP2", "ZS2"]).exists()


@pytest.mark.parametrize("who", ["leader", "viewer", "gjz_head", "gjz_liaison", "nobody"])
def test_who_does_not_manage_units_may_not_create_one(world, api, who):
    error(api(getattr(world, who)).post("/units", unit_body(parent=world.city.pk)), 403)
    assert not Unit.objects.filter(code="NEW").exists()


def test_unit_bad_input_is_a_422_and_writes_nothing(world, api):
    office = api(world.office)
    body = error(office.post("/units", unit_body(parent=world.city.pk, code="gjz")))
    assert "already exists" in body["detail"]  # codes are unique whatever their case
    error(office.post("/units", unit_body(parent=world.city.pk, kind="galaxy")))
    error(office.post("/units", unit_body(parent=999999)))
    error(office.post("/units", unit_body(parent=world.city.pk, name_zh="")))
    error(office.post("/units", unit_body(parent=world.city.pk, colour="red")))
    error(office.post("/units", {"code": "X"}))
    assert Unit.objects.count() == 6
    error(api(world.citizen).post("/units", unit_body()), 401)


def test_the_office_changes_a_unit_and_only_what_was_sent(world, api):
    office = api(world.office)
    response = office.patch(
        f"/units/{world.zhongshan.pk}", {"name_en": "Zhongshan", "sort_order": 3}
    )
    assert response.status_code == 200, response.content
    world.zhongshan.refresh_from_db()
    assert (world.zhongshan.name_en, world.zhongshan.sort_order) == ("Zhongshan", 3)
    assert world.zhongshan.name_zh == "中山区" and world.zhongshan.code == "ZS"
    record = AuditRecord.objects.get(action="org.update_unit")
    assert record.after["name_en"] == "Zhongshan"
    office.patch(f"/units/{world.zhongshan.pk}", {"is_active": None, "name_en": None})
    world.zhongshan.refresh_from_db()
    assert world.zhongshan.is_active and world.zhongshan.name_en == "Zhongshan"  # null: kept
    office.patch(f"/units/{world.zhongshan.pk}", {"is_active": False})
    world.zhongshan.refresh_from_db()
    assert not world.zhongshan.is_active


def test_unit_changes_keep_the_screens_rules(world, api, district_office):
    error(api(district_office).patch(f"/units/{world.zhongshan.pk}", {"name_en": "x"}), 404)
    error(api(world.leader).patch(f"/units/{world.zhongshan.pk}", {"name_en": "x"}), 403)
    error(api(world.gjz_head).patch(f"/units/{world.ganjingzi.pk}", {"name_en": "x"}), 403)
    office = api(world.office)
    error(office.patch(f"/units/{world.zhongshan.pk}", {"code": "NEWCODE"}))
    error(office.patch(f"/units/{world.zhongshan.pk}", {"name_zh": ""}))
    error(office.patch(f"/units/{world.zhongshan.pk}", {"sort_order": -1}))
    error(office.patch("/units/999999", {"name_en": "x"}), 404)
    world.zhongshan.refresh_from_db()
    assert world.zhongshan.name_en == "Zhongshan District"
    assert not AuditRecord.objects.filter(action="org.update_unit").exists()


def test_the_office_moves_a_unit_but_never_below_itself(world, api):
    office = api(world.office)
    response = office.post(f"/units/{world.street.pk}/move", {"parent": world.zhongshan.pk})
    assert response.status_code == 200, response.content
    assert response.json()["parent"]["code"] == "ZS"
    error(office.post(f"/units/{world.ganjingzi.pk}/move", {"parent": world.ganjingzi.pk}))
    error(
        api(world.gjz_head).post(f"/units/{world.ganjingzi.pk}/move", {"parent": world.bureau.pk}),
        403,
    )
    assert AuditRecord.objects.filter(action="org.move_unit").count() == 1


# --- people -----------------------------------------------------------------------------------


def person_body(**fields):
    return {
        "username": "newbie",
        "full_name": "新人",
        "unit": fields.pop("unit"),
        "password": PASSWORD,
        **fields,
    }


def test_the_office_creates_a_person_who_can_sign_in(world, api, client):
    response = api(world.office).post(
        "/people", person_body(unit=world.zhongshan.pk, phone="13900000000")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "newbie" and body["unit"]["code"] == "ZS"
    assert body["phone"] == "13900000000"  # the office sees contact details
    created = User.objects.get(username="newbie")
    assert created.check_password(PASSWORD)
    record = AuditRecord.objects.get(action="org.create_person")
    assert "password" not in (record.after or {})


def test_a_district_office_creates_people_only_in_its_district(world, api, district_office):
    me = api(district_office)
    assert me.post("/people", person_body(unit=world.street.pk)).status_code == 201
    error(me.post("/people", person_body(username="other", unit=world.zhongshan.pk)))
    error(api(world.gjz_head).post("/people", person_body(username="x", unit=world.street.pk)), 403)
    error(api(world.citizen).post("/people", person_body(username="y", unit=world.street.pk)), 401)
    assert set(
        User.objects.filter(username__in=["newbie", "other", "x", "y"]).values_list(
            "username", flat=True
        )
    ) == {"newbie"}


def test_person_bad_input_is_a_422_and_writes_nothing(world, api):
    office = api(world.office)
    before = User.objects.count()
    body = error(office.post("/people", person_body(unit=world.zhongshan.pk, password="123")))
    assert body["errors"][0]["loc"][-1] == "password2"  # the password validators' field
    error(office.post("/people", person_body(username="office", unit=world.zhongshan.pk)))
    error(office.post("/people", person_body(unit=999999)))
    error(office.post("/people", person_body(unit=world.zhongshan.pk, email="not-an-address")))
    error(office.post("/people", person_body(unit=world.zhongshan.pk, full_name="")))
    assert User.objects.count() == before


def test_the_office_changes_a_person_and_only_what_was_sent(world, api):
    office = api(world.office)
    response = office.patch(
        f"/people/{world.zs_liaison.pk}", {"title": "科长", "unit": world.bureau.pk}
    )
    assert response.status_code == 200, response.content
    world.zs_liaison.refresh_from_db()
    assert world.zs_liaison.title == "科长" and world.zs_liaison.unit == world.bureau
    assert AuditRecord.objects.filter(action="org.update_person").count() == 1
    office.patch(f"/people/{world.zs_liaison.pk}", {"is_active": False})
    world.zs_liaison.refresh_from_db()
    assert not world.zs_liaison.is_active
    # A deactivated person is still found by whoever manages people.
    assert office.patch(f"/people/{world.zs_liaison.pk}", {"is_active": True}).status_code == 200


def test_person_changes_keep_the_screens_rules(world, api, district_office):
    office = api(world.office)
    error(office.patch(f"/people/{world.office.pk}", {"is_active": False}))  # not oneself
    error(office.patch(f"/people/{world.zs_liaison.pk}", {"username": "renamed"}))
    error(office.patch(f"/people/{world.zs_liaison.pk}", {"unit": 999999}))
    error(api(district_office).patch(f"/people/{world.zs_liaison.pk}", {"title": "x"}), 404)
    error(api(world.gjz_head).patch(f"/people/{world.gjz_liaison.pk}", {"title": "x"}), 403)
    error(office.patch("/people/999999", {"title": "x"}), 404)
    assert not AuditRecord.objects.filter(action="org.update_person").exists()


# --- role grants ----------------------------------------------------------------------------------


def test_the_office_grants_and_revokes_a_role_audited(world, api):
    office = api(world.office)
    response = office.post(
        f"/people/{world.nobody.pk}/roles", {"role": "liaison", "unit": world.bureau.pk}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"] == "liaison" and body["unit"]["code"] == "KJJ"
    assert body["person_id"] == world.nobody.pk
    assert api(world.nobody).get("/me").json()["roles"][0]["role"] == "liaison"
    gone = office.send("delete", f"/people/{world.nobody.pk}/roles/{body['id']}")
    assert gone.status_code == 200 and gone.json() == body
    assert not RoleGrant.objects.filter(user=world.nobody).exists()
    done = list(
        AuditRecord.objects.filter(action__in=["org.grant_role", "org.revoke_role"])
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert done == ["org.grant_role", "org.revoke_role"]


def test_role_grants_keep_the_screens_rules(world, api, district_office):
    office = api(world.office)
    held = {"role": "liaison", "unit": world.ganjingzi.pk}
    assert (
        "already holds"
        in error(office.post(f"/people/{world.gjz_liaison.pk}/roles", held))["detail"]
    )
    own = RoleGrant.objects.get(user=world.office, role=Role.OFFICE)
    body = error(office.send("delete", f"/people/{world.office.pk}/roles/{own.pk}"))
    assert "own office role" in body["detail"]
    error(
        api(district_office).post(
            f"/people/{world.street_liaison.pk}/roles", {"role": "office", "unit": world.city.pk}
        )
    )
    error(api(world.gjz_head).post(f"/people/{world.gjz_liaison.pk}/roles", held), 403)
    liaison = RoleGrant.objects.get(user=world.zs_liaison)
    error(
        api(district_office).send("delete", f"/people/{world.zs_liaison.pk}/roles/{liaison.pk}"),
        404,
    )
    error(
        api(world.leader).send("delete", f"/people/{world.zs_liaison.pk}/roles/{liaison.pk}"), 403
    )
    assert RoleGrant.objects.filter(pk=liaison.pk).exists()


def test_role_bad_input_is_a_422_or_404(world, api):
    office = api(world.office)
    path = f"/people/{world.nobody.pk}/roles"
    error(office.post(path, {"role": "emperor", "unit": world.bureau.pk}))
    error(office.post(path, {"role": "liaison", "unit": 999999}))
    error(office.post(path, {"role": "liaison"}))
    error(office.send("delete", f"/people/{world.nobody.pk}/roles/999999"), 404)
    other = RoleGrant.objects.get(user=world.zs_liaison)
    error(office.send("delete", f"/people/{world.nobody.pk}/roles/{other.pk}"), 404)  # not theirs
    assert not RoleGrant.objects.filter(user=world.nobody).exists()
