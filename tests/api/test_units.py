"""GET /units and /units/{id}: scoped to the caller's units, paged by key."""

from __future__ import annotations

import pytest

from campaigndesk.org.models import UnitKind
from tests.factories import UnitFactory

from .conftest import API

ALL = {"CITY", "OFFICE", "GJZ", "GJZ-ST", "ZS", "KJJ"}
SEES = {
    "office": ALL,
    "leader": ALL,
    "inspector": ALL,
    "viewer": ALL,
    "gjz_head": {"GJZ", "GJZ-ST"},
    "gjz_liaison": {"GJZ", "GJZ-ST"},
    "street_liaison": {"GJZ-ST"},
    "zs_liaison": {"ZS"},
    "nobody": set(),
}


@pytest.mark.parametrize("persona", sorted(SEES))
def test_each_persona_lists_exactly_the_units_in_their_scope(world, api_client, persona):
    response = api_client(getattr(world, persona)).get(f"{API}/units")
    assert response.status_code == 200
    body = response.json()
    assert {u["code"] for u in body["items"]} == SEES[persona]
    assert body["count"] == len(SEES[persona])
    assert body["next"] is None


def test_anonymous_caller_gets_401_json_on_the_unit_list(world, api_client):
    response = api_client(world.citizen).get(f"{API}/units")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_units_come_in_tree_order_with_their_parent(world, api_client):
    body = api_client(world.office).get(f"{API}/units").json()
    codes = [u["code"] for u in body["items"]]
    assert codes.index("CITY") < codes.index("GJZ") < codes.index("GJZ-ST")
    street = next(u for u in body["items"] if u["code"] == "GJZ-ST")
    assert street["parent"]["id"] == world.ganjingzi.pk
    assert street["depth"] == 2
    assert street["kind"] == UnitKind.SUBUNIT


def test_units_filter_by_kind_parent_and_text(world, api_client):
    client = api_client(world.office)
    districts = client.get(f"{API}/units", {"kind": "district"}).json()["items"]
    assert {u["code"] for u in districts} == {"GJZ", "ZS"}
    below_city = client.get(f"{API}/units", {"parent": world.city.pk}).json()["items"]
    assert {u["code"] for u in below_city} == {"OFFICE", "GJZ", "ZS", "KJJ"}
    found = client.get(f"{API}/units", {"q": "甘井子"}).json()["items"]
    assert {u["code"] for u in found} == {"GJZ", "GJZ-ST"}
    found_en = client.get(f"{API}/units", {"q": "zhongshan"}).json()["items"]
    assert [u["code"] for u in found_en] == ["ZS"]


def test_filters_never_widen_the_scope(world, api_client):
    items = (
        api_client(world.gjz_liaison).get(f"{API}/units", {"parent": world.city.pk}).json()["items"]
    )
    assert [u["code"] for u in items] == ["GJZ"]


def test_unknown_kind_is_422_json(world, api_client):
    response = api_client(world.office).get(f"{API}/units", {"kind": "planet"})
    assert response.status_code == 422
    assert "kind" in response.json()["detail"]
    assert response.json()["errors"][0]["loc"] == ["query", "kind"]


@pytest.mark.parametrize("persona", ["office", "gjz_liaison", "gjz_head"])
def test_persona_reads_ganjingzi(world, api_client, persona):
    response = api_client(getattr(world, persona)).get(f"{API}/units/{world.ganjingzi.pk}")
    assert response.status_code == 200
    assert response.json()["code"] == "GJZ"


@pytest.mark.parametrize("persona", ["zs_liaison", "street_liaison", "nobody"])
def test_persona_outside_ganjingzi_gets_404_not_403(world, api_client, persona):
    response = api_client(getattr(world, persona)).get(
        f"{API}/units/{world.ganjingzi.pk}", {"lang": "en"}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_anonymous_caller_gets_401_on_a_unit(world, api_client):
    response = api_client(world.citizen).get(f"{API}/units/{world.ganjingzi.pk}")
    assert response.status_code == 401


def test_unknown_unit_id_is_404_json(world, api_client):
    response = api_client(world.office).get(f"{API}/units/987654")
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize("bad", ["abc", "1.5", "0", "-3", "99999999999999999999999"])
def test_unit_id_that_is_not_an_id_is_422_json_not_500(world, api_client, bad):
    response = api_client(world.office).get(f"{API}/units/{bad}")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert body["errors"][0]["loc"] == ["path", "unit_id"]


def test_bilingual_name_follows_accept_language_and_lang(world, api_client):
    client = api_client(world.office)
    url = f"{API}/units/{world.ganjingzi.pk}"
    zh = client.get(url, headers={"Accept-Language": "zh-Hans"}).json()
    en = client.get(url, headers={"Accept-Language": "en"}).json()
    forced = client.get(url, {"lang": "en"}, headers={"Accept-Language": "zh-Hans"})
    assert zh["name"] == "甘井子区"
    assert en["name"] == "Ganjingzi District"
    assert forced.json()["name"] == "Ganjingzi District"
    assert forced["Content-Language"] == "en"
    for body in (zh, en):
        assert (body["name_zh"], body["name_en"]) == ("甘井子区", "Ganjingzi District")


def test_english_name_falls_back_to_chinese_when_missing(world, api_client):
    unit = UnitFactory(code="NOEN", name_en="", parent=world.city)
    body = api_client(world.office).get(f"{API}/units/{unit.pk}", {"lang": "en"}).json()
    assert body["name"] == unit.name_zh
    assert body["name_en"] == ""


# --- paging -----------------------------------------------------------------------------------


def test_pages_follow_next_until_every_unit_is_seen_once(world, api_client):
    for n in range(7):
        UnitFactory(code=f"X{n}", parent=world.bureau)
    client = api_client(world.office)
    seen, url, pages = [], f"{API}/units?limit=5&kind=bureau", 0
    while url:
        body = client.get(url).json()
        assert body["count"] == 8
        seen += [u["code"] for u in body["items"]]
        url, pages = body["next"], pages + 1
    assert pages == 2
    assert len(seen) == len(set(seen)) == 8


def test_next_keeps_the_filters_and_the_limit(world, api_client):
    body = api_client(world.office).get(f"{API}/units", {"limit": 2, "lang": "en"}).json()
    assert body["next"].startswith("http://testserver/api/v1/units?")
    assert "limit=2" in body["next"] and "lang=en" in body["next"]
    assert f"after={body['items'][-1]['id']}" in body["next"]


def test_after_an_id_outside_the_scope_gives_an_empty_page(world, api_client):
    body = api_client(world.gjz_liaison).get(f"{API}/units", {"after": world.zhongshan.pk}).json()
    assert body["items"] == []


@pytest.mark.parametrize("limit", ["0", "201", "1000", "ten"])
def test_limit_outside_1_to_200_is_422_with_detail(world, api_client, limit):
    response = api_client(world.office).get(f"{API}/units", {"limit": limit})
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    assert "limit" in response.json()["detail"]


def test_limit_200_is_accepted(world, api_client):
    assert api_client(world.office).get(f"{API}/units", {"limit": 200}).status_code == 200


@pytest.mark.parametrize("rows", [10, 100])
def test_unit_list_query_count_does_not_grow_with_the_page(
    world, api_client, django_assert_num_queries, rows
):
    UnitFactory.create_batch(rows, parent=world.bureau)
    client = api_client(world.office)
    # 1 session, 2 the person, 3 their role grants, 4 COUNT of the list,
    # 5 the page with each unit's parent joined.
    with django_assert_num_queries(5):
        response = client.get(f"{API}/units", {"limit": 200})
    assert len(response.json()["items"]) == rows + 6
