"""GET /me: the caller, their unit and their role grants."""

from __future__ import annotations

import pytest

from campaigndesk.org.models import Role
from tests.factories import grant

from .conftest import API


def test_me_shows_the_liaison_with_their_unit_and_role(world, api_client):
    body = api_client(world.gjz_liaison).get(f"{API}/me", {"lang": "en"}).json()
    assert body["username"] == "gjz_liaison"
    assert body["unit"]["name"] == "Ganjingzi District"
    assert body["email"] == "gjz_liaison@example.invalid"
    assert body["roles"] == [
        {
            "role": "liaison",
            "role_label": "Unit liaison",
            "unit": {
                "id": world.ganjingzi.pk,
                "code": "GJZ",
                "name": "Ganjingzi District",
                "name_zh": "甘井子区",
                "name_en": "Ganjingzi District",
            },
        }
    ]
    assert body["language"] == "en"


def test_me_lists_every_role_grant(world, api_client):
    grant(world.gjz_liaison, Role.VIEWER, world.zhongshan)
    body = api_client(world.gjz_liaison).get(f"{API}/me").json()
    assert {(r["role"], r["unit"]["code"]) for r in body["roles"]} == {
        ("liaison", "GJZ"),
        ("viewer", "ZS"),
    }


def test_me_works_for_a_person_without_role_or_unit(world, api_client):
    world.nobody.unit = None
    world.nobody.save(update_fields=["unit"])
    body = api_client(world.nobody).get(f"{API}/me").json()
    assert body["roles"] == [] and body["unit"] is None


@pytest.mark.parametrize("persona", ["office", "zs_liaison", "nobody"])
def test_me_answers_every_signed_in_persona(world, api_client, persona):
    response = api_client(getattr(world, persona)).get(f"{API}/me")
    assert response.status_code == 200
    assert response.json()["username"] == persona


def test_me_needs_authentication(world, api_client):
    assert api_client(world.citizen).get(f"{API}/me").status_code == 401


def test_me_by_token_is_the_tokens_holder(world, token_client):
    body = token_client(world.zs_liaison).get(f"{API}/me").json()
    assert body["username"] == "zs_liaison"
