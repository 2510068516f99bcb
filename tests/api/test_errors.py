"""Every error is JSON {"detail": ...} in the request's language, with the right code."""

from __future__ import annotations

import logging

import pytest
from django.utils import translation

from campaigndesk.org import access

from .conftest import API


@pytest.fixture
def marked_gettext(monkeypatch):
    """Make every translated string show the language it was translated into."""

    def fake(message):
        return f"[{translation.get_language()}] {message}"

    monkeypatch.setattr(translation._trans, "gettext", fake)


def test_validation_error_is_422_with_detail_and_errors(world, api_client):
    response = api_client(world.office).get(
        f"{API}/units", {"limit": "many", "kind": "x", "lang": "en"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == body["errors"][0]["msg"]
    assert {tuple(e["loc"]) for e in body["errors"]} == {("query", "limit"), ("query", "kind")}
    assert {e["type"] for e in body["errors"]} == {"int_parsing", "literal_error"}
    kind = next(e for e in body["errors"] if e["type"] == "literal_error")
    assert kind["msg"].startswith("kind must be one of 'city', 'leading_group', ")
    assert " or " not in kind["msg"]


def test_error_messages_are_translated_into_the_requested_language(
    world, api_client, marked_gettext
):
    client = api_client(world.office)
    zh = client.get(f"{API}/units", {"limit": 0}, headers={"Accept-Language": "zh-Hans"})
    en = client.get(f"{API}/units", {"limit": 0, "lang": "en"})
    assert zh.json()["detail"].startswith("[zh-hans] ")
    assert en.json()["detail"] == "[en] limit must be at least 1."
    missing = client.get(f"{API}/units/999999", {"lang": "en"})
    assert missing.json()["detail"] == "[en] Not found."
    anonymous = api_client(world.citizen).get(f"{API}/units", {"lang": "en"})
    assert anonymous.json()["detail"].startswith("[en] ")


def test_unknown_query_parameter_is_422(world, api_client):
    response = api_client(world.office).get(f"{API}/units", {"knd": "district", "lang": "en"})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "loc": ["query", "knd"],
        "msg": "knd is not a parameter of this address.",
        "type": "unknown_parameter",
    }


def test_unknown_language_is_422(world, api_client):
    response = api_client(world.office).get(f"{API}/me", {"lang": "fr"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "lang"]


def test_anonymous_caller_gets_401_before_parameters_are_checked(world, api_client):
    response = api_client(world.citizen).get(f"{API}/units", {"limit": 0})
    assert response.status_code == 401


def test_text_filter_with_a_nul_character_is_422_not_500(world, api_client):
    response = api_client(world.office).get(f"{API}/units", {"q": "a\x00b"})
    assert response.status_code == 422


def test_wrong_method_is_405_json_with_allow(world, api_client):
    response = api_client(world.office).delete(f"{API}/units/{world.city.pk}")
    assert response.status_code == 405
    assert response.json()["detail"]
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}


@pytest.mark.parametrize("path", ["/", "/nothing", "/units/1/children", "/v2/units"])
def test_unknown_address_under_the_api_is_404_json(world, api_client, path):
    response = api_client(world.office).get(f"{API}{path}", {"lang": "en"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_unexpected_error_is_500_json_and_logged(world, api_client, monkeypatch, caplog):
    def broken(user):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(access, "visible_units", broken)
    with caplog.at_level(logging.ERROR, logger="campaigndesk.api"):
        response = api_client(world.office).get(f"{API}/units")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "fire" not in response.json()["detail"]
    assert any("database on fire" in (r.exc_text or "") for r in caplog.records)


def test_method_and_address_errors_follow_lang_too(world, api_client, marked_gettext):
    client = api_client(world.office)
    wrong_method = client.delete(f"{API}/units?lang=en")
    assert wrong_method.json()["detail"] == "[en] This address does not accept the DELETE method."
    assert client.get(f"{API}/nowhere", {"lang": "en"}).json()["detail"] == "[en] Not found."
