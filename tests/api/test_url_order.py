"""The citizens' operations are found first, and the order never changes which route a
path reaches (campaigndesk/api/urls.py puts the public/ patterns before the rest)."""

from __future__ import annotations

from django.urls import get_resolver, resolve

from campaigndesk.api.urls import PUBLIC, api


def _routes() -> list[str]:
    return [str(p.pattern) for p in api.urls[0]]


def test_the_api_comes_right_after_healthz_and_its_public_routes_first():
    root = [str(p.pattern) for p in get_resolver().url_patterns]
    assert root[:2] == ["healthz", "api/v1/"]
    routes = _routes()
    public = [r for r in routes if r.startswith(PUBLIC)]
    assert "public/suggestions" in public
    assert routes[: len(public)] == public


def test_every_route_starts_with_a_literal_segment_so_order_cannot_change_a_match():
    # A route starting with a parameter (or the catch-all 404, which stays last) could
    # match a public/ path; none but the catch-all does.
    routes = _routes()
    assert routes[-1] == "^.*$"
    assert [r for r in routes[:-1] if r.startswith(("<", "^"))] == []


def test_each_public_path_reaches_its_own_operation():
    assert resolve("/api/v1/public/suggestions").url_name == "submit_suggestion"
    assert resolve("/api/v1/public/challenge").url_name == "get_challenge"
    assert resolve("/api/v1/public/suggestions/JY181220-ABCDE").url_name == "track_suggestion"
    assert resolve("/api/v1/tasks").url_name == "list_tasks"
    assert resolve("/api/v1/no-such-thing").url_name == "not-found"
