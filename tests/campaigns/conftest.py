"""Helpers for the campaign set-up screens' tests."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English, whatever catalogues are compiled."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    """The shared `client_for`, asking for English pages unless a test says otherwise."""

    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def url_of(world):
    """`url_of("phase_edit")`: the address of each screen for the world's own objects."""

    def make(name: str, pk: int | None = None) -> str:
        if name in ("list", "new"):
            return reverse(f"campaigns:{name}")
        if pk is None:
            if name.startswith("phase_") and name != "phase_new":
                pk = world.phase1.pk
            elif name.startswith("key_task_") and name != "key_task_new":
                pk = world.key_task.pk
            else:
                pk = world.campaign.pk
        return reverse(f"campaigns:{name}", args=[pk])

    return make
