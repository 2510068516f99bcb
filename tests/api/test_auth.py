"""Authentication: the desk's session or a bearer token; anything else is a 401."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from campaigndesk import clock
from campaigndesk.api import actions
from campaigndesk.api.models import ApiToken
from campaigndesk.org import access

from .conftest import API

MOMENT = timezone.make_aware(dt.datetime(2018, 10, 8, 9, 0))


def bearer(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_valid_token_reads_as_its_holder(world, issue_key):
    _token, key = issue_key(world.gjz_liaison)
    response = bearer(key).get(f"{API}/units")
    assert response.status_code == 200
    assert {u["code"] for u in response.json()["items"]} == {"GJZ", "GJZ-ST"}


def test_token_holder_outside_ganjingzi_gets_404(world, token_client):
    response = token_client(world.zs_liaison).get(f"{API}/units/{world.ganjingzi.pk}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        "Bearer cdk_not-a-real-key",
        "Bearer ",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Token something",
    ],
)
def test_wrong_or_malformed_credentials_get_401_json(world, header):
    response = Client(headers={"Authorization": header}).get(f"{API}/units")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_wrong_token_says_the_token_is_not_valid(world, issue_key):
    _token, key = issue_key(world.office)
    response = bearer(key + "x").get(f"{API}/me", {"lang": "en"})
    assert response.status_code == 401
    assert "token" in response.json()["detail"].lower()


def test_revoked_token_is_refused(world, issue_key):
    token, key = issue_key(world.office)
    assert bearer(key).get(f"{API}/me").status_code == 200
    actions.revoke_token(world.office, token)
    assert bearer(key).get(f"{API}/me").status_code == 401


def test_expired_token_is_refused(world, issue_key):
    with clock.frozen_at(MOMENT):
        _token, key = issue_key(world.office, expires_at=MOMENT + dt.timedelta(days=1))
        assert bearer(key).get(f"{API}/me").status_code == 200
    with clock.frozen_at(MOMENT + dt.timedelta(days=1)):
        assert bearer(key).get(f"{API}/me").status_code == 401


def test_token_of_a_deactivated_person_is_refused(world, issue_key):
    _token, key = issue_key(world.gjz_liaison)
    world.gjz_liaison.is_active = False
    world.gjz_liaison.save(update_fields=["is_active"])
    assert bearer(key).get(f"{API}/me").status_code == 401


def test_session_reads_without_a_token(world, api_client):
    assert api_client(world.office).get(f"{API}/me").json()["username"] == "office"


def test_signing_in_with_a_password_opens_the_api(world, password):
    client = Client()
    assert client.login(username="gjz_liaison", password=password)
    assert client.get(f"{API}/me").status_code == 200
    client.logout()
    assert client.get(f"{API}/me").status_code == 401


def test_a_token_wins_over_the_session(world, api_client, issue_key):
    _token, key = issue_key(world.zs_liaison)
    client = api_client(world.office)
    response = client.get(f"{API}/me", headers={"Authorization": f"Bearer {key}"})
    assert response.json()["username"] == "zs_liaison"


def test_last_used_is_stamped_at_most_once_a_minute(world, issue_key):
    with clock.frozen_at(MOMENT):
        token, key = issue_key(world.office)
        assert token.last_used_at is None
        bearer(key).get(f"{API}/me")
    token.refresh_from_db()
    assert token.last_used_at == MOMENT
    with clock.frozen_at(MOMENT + dt.timedelta(seconds=59)):
        bearer(key).get(f"{API}/me")
    token.refresh_from_db()
    assert token.last_used_at == MOMENT
    with clock.frozen_at(MOMENT + dt.timedelta(seconds=61)):
        bearer(key).get(f"{API}/me")
    token.refresh_from_db()
    assert token.last_used_at == MOMENT + dt.timedelta(seconds=61)


def test_a_token_used_within_the_minute_costs_no_write(world, issue_key, django_assert_num_queries):
    with clock.frozen_at(MOMENT):
        _token, key = issue_key(world.office)
        client = bearer(key)
        client.get(f"{API}/me")
        # 1 the token with its holder, 2 the holder's role grants with units, 3 home unit.
        with django_assert_num_queries(3):
            client.get(f"{API}/me")


def test_only_the_hash_of_the_key_is_stored(world, issue_key):
    token, key = issue_key(world.office)
    row = ApiToken.objects.values().get(pk=token.pk)
    assert key not in {str(v) for v in row.values()}
    assert row["key_prefix"] == key[:8]
    assert len(row["key_hash"]) == 64


def test_unit_list_query_count_is_the_same_by_token(world, issue_key, django_assert_num_queries):
    with clock.frozen_at(MOMENT):
        _token, key = issue_key(world.office)
        client = bearer(key)
        client.get(f"{API}/units")
        # 1 the token with its holder and the reference stamp (the grants come from the
        # process cache, read by the first request), 2 COUNT, 3 the page.
        with django_assert_num_queries(3):
            client.get(f"{API}/units", {"limit": 5})
        # The same page again is kept until units or grants change: the token only.
        with django_assert_num_queries(1):
            client.get(f"{API}/units", {"limit": 5})


def test_system_actor_issued_token_works_like_any_other(world):
    _token, key = actions.issue_token(access.SYSTEM, world.viewer, "report export")
    assert bearer(key).get(f"{API}/campaigns").status_code == 200
