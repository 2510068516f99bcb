"""Clients for the API: signed in by session, by bearer token, or not at all."""

from __future__ import annotations

import pytest
from django.test import Client

from campaigndesk.api import actions
from campaigndesk.org import access

API = "/api/v1"


@pytest.fixture
def api_client(client_for):
    """`api_client(user)`: a session client (anonymous for the citizen)."""
    return client_for


@pytest.fixture
def issue_key(db):
    """`issue_key(user, **kw)` issues a token as the system and returns (token, key)."""

    def make(user, name: str = "test script", **kwargs):
        return actions.issue_token(access.SYSTEM, user, name, **kwargs)

    return make


@pytest.fixture
def token_client(issue_key):
    """`token_client(user)`: a client that sends a fresh bearer token and no cookie."""

    def make(user) -> Client:
        _token, key = issue_key(user)
        return Client(headers={"Authorization": f"Bearer {key}"})

    return make
