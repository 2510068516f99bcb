"""GET /people and /people/{id}: people whose unit the caller sees; contact details
only where org.view_contact allows (the person, the office, heads over the unit)."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

from .conftest import API

EVERYONE = {
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
SEES = {
    "office": EVERYONE,
    "leader": EVERYONE,
    "viewer": EVERYONE,
    "gjz_liaison": {"gjz_head", "gjz_liaison", "street_liaison"},
    "street_liaison": {"street_liaison"},
    "zs_liaison": {"zs_liaison"},
}


@pytest.mark.parametrize("persona", sorted(SEES))
def test_each_persona_lists_the_people_of_their_units(world, api_client, persona):
    response = api_client(getattr(world, persona)).get(f"{API}/people")
    assert response.status_code == 200
    body = response.json()
    assert {p["username"] for p in body["items"]} == SEES[persona]
    assert body["count"] == len(SEES[persona])


def test_person_without_a_role_may_not_list_people(world, api_client):
    response = api_client(world.nobody).get(f"{API}/people")
    assert response.status_code == 403
    assert response.json()["detail"]


def test_anonymous_caller_gets_401_on_people(world, api_client):
    assert api_client(world.citizen).get(f"{API}/people").status_code == 401
    assert api_client(world.citizen).get(f"{API}/people/{world.office.pk}").status_code == 401


def test_office_sees_contact_fields(world, api_client):
    world.gjz_liaison.phone = "0411-1234567"
    world.gjz_liaison.save(update_fields=["phone"])
    body = api_client(world.office).get(f"{API}/people/{world.gjz_liaison.pk}").json()
    assert body["email"] == "gjz_liaison@example.invalid"
    assert body["phone"] == "0411-1234567"


@pytest.mark.parametrize(
    "persona, someone",
    [
        ("gjz_liaison", "street_liaison"),
        ("street_liaison", "colleague"),
        ("viewer", "gjz_head"),
        ("leader", "gjz_head"),
        ("inspector", "zs_liaison"),
    ],
)
def test_contact_fields_are_hidden_from_people_who_are_not_office(
    world, api_client, persona, someone
):
    if someone == "colleague":
        world.colleague = UserFactory(unit=world.street, phone="0411-7654321")
    person = getattr(world, someone)
    body = api_client(getattr(world, persona)).get(f"{API}/people/{person.pk}").json()
    assert body["id"] == person.pk
    assert body["email"] is None
    assert body["phone"] is None


def test_contact_fields_are_hidden_in_the_list_from_a_liaison(world, api_client):
    items = api_client(world.gjz_liaison).get(f"{API}/people").json()["items"]
    others = [p for p in items if p["username"] != "gjz_liaison"]
    assert others and all(p["email"] is None and p["phone"] is None for p in others)
    me = next(p for p in items if p["username"] == "gjz_liaison")
    assert me["email"] == "gjz_liaison@example.invalid"


def test_unit_head_sees_the_contact_fields_of_their_units_people(world, api_client):
    body = api_client(world.gjz_head).get(f"{API}/people/{world.street_liaison.pk}").json()
    assert body["email"] == "street_liaison@example.invalid"


def test_liaison_of_another_district_gets_404_for_a_ganjingzi_person(world, api_client):
    response = api_client(world.zs_liaison).get(f"{API}/people/{world.gjz_liaison.pk}")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_unknown_and_malformed_person_ids(world, api_client):
    client = api_client(world.office)
    assert client.get(f"{API}/people/424242").status_code == 404
    response = client.get(f"{API}/people/someone")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path", "person_id"]


def test_deactivated_people_are_not_listed(world, api_client):
    gone = UserFactory(username="gone", unit=world.ganjingzi, is_active=False)
    client = api_client(world.office)
    assert "gone" not in {p["username"] for p in client.get(f"{API}/people").json()["items"]}
    assert client.get(f"{API}/people/{gone.pk}").status_code == 404


def test_people_filter_by_unit_and_text(world, api_client):
    client = api_client(world.office)
    in_gjz = client.get(f"{API}/people", {"unit": world.ganjingzi.pk}).json()["items"]
    assert {p["username"] for p in in_gjz} == {"gjz_head", "gjz_liaison"}
    found = client.get(f"{API}/people", {"q": "liaison"}).json()["items"]
    assert {p["username"] for p in found} == {"gjz_liaison", "street_liaison", "zs_liaison"}


def test_people_page_by_user_name(world, api_client):
    client = api_client(world.office)
    first = client.get(f"{API}/people", {"limit": 4}).json()
    second = client.get(first["next"]).json()
    names = [p["username"] for p in first["items"] + second["items"]]
    assert names[:8] == sorted(names)[:8]
    assert first["count"] == len(EVERYONE)


@pytest.mark.parametrize("rows", [10, 100])
def test_people_list_query_count_does_not_grow_with_the_page(
    world, api_client, django_assert_num_queries, rows
):
    UserFactory.create_batch(rows, unit=world.street)
    client = api_client(world.office)
    # 1 session, 2 the caller, 3 their role grants, 4 COUNT, 5 the page with units joined.
    # Contact visibility is decided from the cached grants: no query per person.
    with django_assert_num_queries(5):
        response = client.get(f"{API}/people", {"limit": 200})
    assert len(response.json()["items"]) == rows + len(EVERYONE)
