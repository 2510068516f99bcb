"""The client address the rate limits count: REMOTE_ADDR, or behind a trusted proxy
(TRUSTED_PROXIES) the address that proxy saw, never one a client wrote itself."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory

from campaigndesk.perf.paths import by_name
from campaigndesk.perf.probe import encode_body
from campaigndesk.portal.queries import client_address
from campaigndesk.suggestions import bench_paths, intake
from campaigndesk.suggestions.models import IntakeThrottle, Suggestion

from .conftest import frozen_clock


def address(remote: str, forwarded: str | None = None) -> str:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert address("198.51.100.7", "203.0.113.1") == "198.51.100.7"


def test_a_trusted_proxy_gives_the_address_it_saw(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    assert address("127.0.0.1", "203.0.113.1") == "203.0.113.1"
    # A client's own entries come first; the proxies appended theirs on the right.
    assert address("127.0.0.1", "1.2.3.4, 203.0.113.1, 10.1.2.3") == "203.0.113.1"
    assert address("127.0.0.1", "2001:db8::1") == "2001:db8::1"


def test_a_client_that_is_no_proxy_cannot_pose_as_another(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert address("198.51.100.7", "203.0.113.1") == "198.51.100.7"


def test_a_forwarded_header_that_is_not_addresses_counts_as_the_proxy(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert address("127.0.0.1", "") == "127.0.0.1"
    assert address("127.0.0.1", "<script>, 203.0.113.1x") == "127.0.0.1"
    assert address("127.0.0.1", "127.0.0.1") == "127.0.0.1"  # only proxies: the last one


@pytest.fixture
def bench_proxy(settings, world):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    return Client(REMOTE_ADDR="127.0.0.1", headers={"accept-language": "en"})


def bench_request(path_name: str, n: int) -> tuple[str, dict[str, str], str | None]:
    """The bench path's URL, headers and body, filled in as the load generator does."""
    from campaigndesk.perf.loadgen import Request

    path = by_name()[path_name]
    body, _type = encode_body(path.resolve_body(None))
    req = Request(path.method, path.resolve_url(None), path.headers or {}, body).nth(5, 1, n)
    return req.url, dict(req.headers), req.body


def test_the_bench_submissions_pass_every_limit_as_senders_of_their_own(bench_proxy):
    with frozen_clock():
        statuses = []
        for n in range(1, 13):  # more than one address may send in ten minutes
            url, headers, body = bench_request("suggest-submit", n)
            response = bench_proxy.post(url, body, content_type="application/json", headers=headers)
            statuses.append(response.status_code)
    assert statuses == [201] * 12
    assert Suggestion.objects.count() == 12
    assert len(set(Suggestion.objects.values_list("client_hash", flat=True))) == 12
    assert len(set(Suggestion.objects.values_list("email", flat=True))) == 12  # 12 contacts
    assert IntakeThrottle.objects.filter(key__startswith="p:").count() == 12  # all counted


def test_the_same_bench_ticket_twice_is_refused_and_one_address_is_still_limited(bench_proxy):
    url, _headers, body = bench_request("suggest-submit", 1)
    with frozen_clock():
        assert bench_proxy.post(url, body, content_type="application/json").status_code == 201
        again = bench_proxy.post(url, body, content_type="application/json")
        assert again.status_code == 422
        assert "already used" in again.json()["detail"]
        # Every request from one forwarded address: the per-address limit still bites.
        statuses = []
        for n in range(2, 2 + intake.PER_CLIENT[0][0] + 1):
            _url, _headers, body = bench_request("suggest-submit", n)
            one = {"X-Forwarded-For": "203.0.113.50"}
            reply = bench_proxy.post(url, body, content_type="application/json", headers=one)
            statuses.append(reply.status_code)
    assert statuses == [201] * intake.PER_CLIENT[0][0] + [429]
    assert json.loads(reply.content)["detail"]


def test_the_bench_tracks_many_times_without_tripping_the_tracking_limit(bench_proxy):
    limit, _seconds = intake.TRACK_ATTEMPTS
    with frozen_clock():
        for path_name, expect in (("suggest-track", 200), ("portal-track", 302)):
            statuses = set()
            for n in range(1, limit + 5):
                url, headers, _body = bench_request(path_name, n)
                statuses.add(bench_proxy.get(url, headers=headers).status_code)
            assert statuses == {expect}, path_name


def test_the_bench_server_trusts_loopback_as_its_proxy(tmp_path):
    from campaigndesk.perf.runner import server_env

    env = server_env("sqlite:///x", tmp_path, "k" * 50)
    assert env["TRUSTED_PROXIES"] == "127.0.0.1,::1"
    assert bench_paths.ONE_SENDER_PER_REQUEST == {"X-Forwarded-For": "{ip}"}
