"""GET /units and /people build their JSON from the rows directly; it is byte for byte
what the page schemas (UnitPage, PersonPage) made of the same model instances, for each
role, language, filter and page, over session and token alike; and a kept page is
the caller's own until units, people or grants change."""

from __future__ import annotations

import pytest

from campaigndesk.api import org as org_api
from tests.factories import UnitFactory

from .conftest import API

PERSONAS = ["office", "leader", "viewer", "gjz_head", "gjz_liaison", "street_liaison", "nobody"]
UNIT_QUERIES = [
    {},
    {"lang": "en"},
    {"limit": 2},
    {"kind": "district", "lang": "en"},
    {"q": "GJZ"},
    {"is_active": "false"},
    {"limit": 0},
]
PEOPLE_QUERIES = [{}, {"lang": "en"}, {"limit": 2}, {"q": "liaison"}, {"bogus": "1"}]


def _walk(client, path, params):
    """Every page's status, body and language, following `next`."""
    pages, response = [], client.get(f"{API}{path}", params)
    while True:
        pages.append((response.status_code, response.content, response["Content-Language"]))
        if response.status_code != 200 or not response.json()["next"]:
            return pages
        response = client.get(response.json()["next"])


@pytest.fixture
def more_units(world):
    # An English name left empty, and a deactivated unit: both fall back or show as the
    # schema did.
    UnitFactory(code="GJZ-EMPTY", parent=world.ganjingzi, name_en="")
    UnitFactory(code="GJZ-OFF", parent=world.ganjingzi, is_active=False)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_lists_answer_as_the_page_schemas_did(
    world, more_units, api_client, token_client, monkeypatch, persona
):
    user = getattr(world, persona)
    clients = [api_client(user), token_client(user)]

    def walk_all():
        return [
            [_walk(c, "/units", q) for q in UNIT_QUERIES]
            + [_walk(c, "/people", q) for q in PEOPLE_QUERIES]
            + [_walk(c, "/people", {"unit": world.ganjingzi.pk, "lang": "en"})]
            for c in clients
        ]

    built = walk_all()
    # The same requests with the model instances handed to ninja's schemas, as before.
    monkeypatch.setattr(org_api, "_unit_out", lambda english, kinds, unit: unit)
    monkeypatch.setattr(org_api, "_person_out", lambda viewer, english, someone: someone)
    monkeypatch.setattr(org_api, "_kept", lambda request, kind, viewer, build: build())
    assert built == walk_all()
    if persona not in ("street_liaison", "nobody"):  # they see one unit or none
        assert any(len(pages) > 1 for lists in built for pages in lists)


def test_a_kept_page_is_read_once_and_shows_a_change_at_once(
    world, api_client, django_assert_num_queries
):
    office, liaison = api_client(world.office), api_client(world.zs_liaison)
    first = office.get(f"{API}/people", {"lang": "en"})
    units = office.get(f"{API}/units", {"limit": 3})
    # Asked again: only the session with the reference stamp is read.
    with django_assert_num_queries(1):
        assert office.get(f"{API}/people", {"lang": "en"}).content == first.content
    with django_assert_num_queries(1):
        assert office.get(f"{API}/units", {"limit": 3}).content == units.content
    # Another caller, their own people and contact details.
    theirs = liaison.get(f"{API}/people", {"lang": "en"}).json()["items"]
    assert {p["username"] for p in theirs} == {"zs_liaison"}
    # A renamed person, however written, shows at once.
    type(world.office).objects.filter(pk=world.zs_liaison.pk).update(full_name="Renamed")
    again = office.get(f"{API}/people", {"lang": "en"}).json()["items"]
    assert {p["full_name"] for p in again if p["username"] == "zs_liaison"} == {"Renamed"}
