"""Issuing and revoking API tokens: the actions, the endpoints and the command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client

from campaigndesk.api import actions
from campaigndesk.api.models import ApiToken, hash_key
from campaigndesk.audit import trail
from campaigndesk.audit.models import AuditRecord

from .conftest import API

# --- actions ---------------------------------------------------------------------------------


def test_a_person_issues_their_own_token_and_it_is_audited(world):
    token, key = actions.issue_token(world.gjz_liaison, world.gjz_liaison, "ledger script")
    assert token.user == world.gjz_liaison and token.key_hash == hash_key(key)
    record = trail.history_of(token).get()
    assert record.action == "api.issue_token"
    assert record.actor == world.gjz_liaison
    assert key not in str(record.after)
    assert trail.verify().ok


def test_office_issues_a_token_for_someone_in_its_units(world):
    token, _key = actions.issue_token(world.office, world.zs_liaison, "district sync")
    assert token.user == world.zs_liaison


@pytest.mark.parametrize("actor", ["gjz_liaison", "gjz_head", "viewer", "leader"])
def test_only_the_office_issues_tokens_for_others(world, actor):
    with pytest.raises(PermissionDenied):
        actions.issue_token(getattr(world, actor), world.street_liaison, "not mine")
    assert not ApiToken.objects.exists()


def test_no_token_for_a_deactivated_person(world):
    world.zs_liaison.is_active = False
    world.zs_liaison.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        actions.issue_token(world.office, world.zs_liaison, "too late")


def test_holder_and_office_revoke_others_may_not(world):
    token, _ = actions.issue_token(world.office, world.gjz_liaison, "a")
    with pytest.raises(PermissionDenied):
        actions.revoke_token(world.zs_liaison, token)
    actions.revoke_token(world.gjz_liaison, token)
    token.refresh_from_db()
    assert token.revoked
    other, _ = actions.issue_token(world.office, world.gjz_liaison, "b")
    actions.revoke_token(world.office, other)
    assert trail.history_of(other).filter(action="api.revoke_token").count() == 1


def test_revoking_twice_writes_one_record(world):
    token, _ = actions.issue_token(world.office, world.office, "a")
    actions.revoke_token(world.office, token)
    actions.revoke_token(world.office, token)
    assert trail.history_of(token).filter(action="api.revoke_token").count() == 1


# --- endpoints ------------------------------------------------------------------------------


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_token(client: Client) -> str:
    client.get(f"{API}/docs")  # any page that renders the CSRF token sets its cookie
    return client.cookies["csrftoken"].value


def test_session_issues_a_token_with_the_csrf_token(world):
    client = csrf_client(world.gjz_liaison)
    response = client.post(
        f"{API}/tokens",
        {"name": "my script"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["key"].startswith(body["token"]["key_prefix"])
    assert body["token"]["user"]["username"] == "gjz_liaison"
    assert (
        Client(headers={"Authorization": f"Bearer {body['key']}"}).get(f"{API}/me").status_code
        == 200
    )


def test_session_without_the_csrf_token_gets_403_json(world):
    response = csrf_client(world.gjz_liaison).post(
        f"{API}/tokens?lang=en", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_a_token_cannot_issue_tokens(world, issue_key):
    _token, key = issue_key(world.office)
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key}"})
    response = client.post(f"{API}/tokens?lang=en", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert "token" in response.json()["detail"]
    assert ApiToken.objects.count() == 1


def test_a_token_needs_no_csrf_token_to_revoke(world, issue_key):
    token, key = issue_key(world.office)
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key}"})
    assert client.delete(f"{API}/tokens/{token.pk}").status_code == 200


def test_anonymous_caller_cannot_issue_tokens(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"{API}/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 401
    assert not ApiToken.objects.exists()


def test_session_cannot_revoke_without_the_csrf_token(world, issue_key):
    token, _ = issue_key(world.gjz_liaison)
    response = csrf_client(world.gjz_liaison).delete(f"{API}/tokens/{token.pk}")
    assert response.status_code == 403
    token.refresh_from_db()
    assert not token.revoked


def test_office_issues_a_token_for_a_person_by_id(world, api_client):
    response = api_client(world.office).post(
        f"{API}/tokens",
        {"name": "sync", "user_id": world.zs_liaison.pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["token"]["user"]["id"] == world.zs_liaison.pk


def test_liaison_may_not_issue_for_a_colleague(world, api_client):
    response = api_client(world.gjz_liaison).post(
        f"{API}/tokens",
        {"name": "sync", "user_id": world.street_liaison.pk},
        content_type="application/json",
    )
    assert response.status_code == 403


@pytest.mark.parametrize("user_id", [987654, "world.zs_liaison"])
def test_unknown_or_invisible_person_id_is_422_not_500(world, api_client, user_id):
    if user_id == "world.zs_liaison":
        user_id = world.zs_liaison.pk
    response = api_client(world.gjz_liaison).post(
        f"{API}/tokens", {"name": "sync", "user_id": user_id}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "user_id"]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": "x", "colour": "red"}, "colour"),
        ({"name": "x", "user_id": "me"}, "user_id"),
        ({"name": "x", "expires_at": "2018-10-08T09:00:00"}, "expires_at"),
        ({"name": "x", "expires_at": "2000-01-01T00:00:00+08:00"}, "expires_at"),
        ({"name": "x", "expires_at": "soon"}, "expires_at"),
    ],
)
def test_bad_token_requests_are_422_naming_the_field(world, api_client, payload, field):
    response = api_client(world.office).post(
        f"{API}/tokens", payload, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert field in body["detail"]
    assert body["errors"][0]["loc"][-1] == field


def test_a_body_that_is_not_json_is_a_400_json_error(world, api_client):
    response = api_client(world.office).post(
        f"{API}/tokens", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"]


def test_token_with_expiry_in_the_future_is_accepted(world, api_client):
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    response = api_client(world.office).post(
        f"{API}/tokens", {"name": "x", "expires_at": later}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["token"]["expires_at"]


def test_list_shows_own_tokens_and_the_office_sees_its_peoples(world, api_client, issue_key):
    issue_key(world.gjz_liaison, "mine")
    issue_key(world.zs_liaison, "theirs")
    mine = api_client(world.gjz_liaison).get(f"{API}/tokens").json()
    assert [t["name"] for t in mine["items"]] == ["mine"]
    assert "key" not in mine["items"][0] and "key_hash" not in mine["items"][0]
    everyone = api_client(world.office).get(f"{API}/tokens").json()
    assert {t["name"] for t in everyone["items"]} == {"mine", "theirs"}
    only = api_client(world.office).get(f"{API}/tokens", {"user": world.zs_liaison.pk}).json()
    assert [t["name"] for t in only["items"]] == ["theirs"]


def test_revoke_by_delete(world, issue_key):
    token, key = issue_key(world.gjz_liaison)
    client = Client(headers={"Authorization": f"Bearer {key}"})
    response = client.delete(f"{API}/tokens/{token.pk}")
    assert response.status_code == 200
    assert response.json()["revoked"] is True
    assert client.get(f"{API}/me").status_code == 401


def test_revoking_someone_elses_token_is_404(world, api_client, issue_key):
    token, _ = issue_key(world.gjz_liaison)
    assert api_client(world.zs_liaison).delete(f"{API}/tokens/{token.pk}").status_code == 404
    assert api_client(world.office).delete(f"{API}/tokens/{token.pk}").status_code == 200


# --- the command ----------------------------------------------------------------------------


def test_issue_token_command_prints_the_key_once_and_audits_as_the_command(world):
    out = StringIO()
    call_command("issue_token", "gjz_liaison", "--name", "nightly export", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.key_hash == hash_key(key) and token.name == "nightly export"
    assert token.expires_at is None
    record = AuditRecord.objects.get(action="api.issue_token")
    assert record.source == "command:issue_token"
    assert record.actor is None and record.actor_label.startswith("system")
    assert Client(headers={"Authorization": f"Bearer {key}"}).get(f"{API}/me").status_code == 200


def test_issue_token_command_sets_an_expiry(world):
    call_command("issue_token", "office", "--name", "x", "--days", "30", stdout=StringIO())
    assert ApiToken.objects.get().expires_at is not None


@pytest.mark.parametrize(
    "args",
    [
        ["ghost", "--name", "x"],
        ["office", "--name", "x", "--days", "0"],
        ["office", "--name", "x" * 81],
    ],
)
def test_issue_token_command_refuses_bad_input(world, args):
    with pytest.raises(CommandError):
        call_command("issue_token", *args, stdout=StringIO())
    assert not ApiToken.objects.exists()
