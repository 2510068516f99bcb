"""The session store (core/sessions.py): Django's database sessions with a precompiled read."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone


def test_the_project_uses_its_database_session_store():
    assert settings.SESSION_ENGINE == "campaigndesk.core.sessions"


def test_a_signed_in_person_stays_signed_in_from_page_to_page(world, client_for):
    client = client_for(world.office)
    for _ in range(2):
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert response.context["user"] == world.office


def test_an_expired_session_signs_the_person_out(world, client_for):
    client = client_for(world.office)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_signing_out_ends_the_session_for_a_copied_cookie_too(world, client_for):
    client = client_for(world.office)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = thief.get(reverse("home"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=cookie).exists()


def test_an_unknown_or_malformed_session_cookie_is_a_visitor_without_a_session(db):
    for value in ("x" * 32, "short", "'; DROP TABLE django_session; --"):
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = value
        response = client.get(reverse("home"))
        assert response.status_code == 302
    assert Session.objects.count() == 0
