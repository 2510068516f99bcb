"""Tracking's cost is pinned: the attempt counted, the suggestion read once (compiled and,
on PostgreSQL, planned once per connection), and the counter's commit not waited for."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from campaigndesk.portal import queries as portal
from campaigndesk.suggestions import intake
from campaigndesk.suggestions.models import IntakeThrottle

BODY = "建议在甘井子区增设社区便民服务站，方便老年人办事。"


@pytest.fixture
def sent(world):
    return intake.submit(campaign=world.campaign, title="增设便民服务站", body=BODY, client="c")


def test_tracking_through_the_api_counts_the_attempt_and_reads_the_suggestion_once(world, sent):
    client = Client(REMOTE_ADDR="198.51.100.30", headers={"accept-language": "en"})
    url = f"/api/v1/public/suggestions/{sent.tracking_number}"
    assert client.get(url, {"code": sent.secret_code}).status_code == 200  # warm caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"code": sent.secret_code.lower()})
    assert response.status_code == 200, response.content
    assert response.json()["tracking_number"] == sent.tracking_number
    sql = [q["sql"] for q in queries.captured_queries]
    # The attempt counted (one upsert), then the suggestion with all the page shows.
    assert len(sql) == 2, "\n".join(sql)
    assert "suggestions_intakethrottle" in sql[0]
    assert client.get(url, {"code": "WRONG"}).status_code == 404


def test_the_private_link_checks_the_code_with_one_plain_read(world, sent):
    client = Client(REMOTE_ADDR="198.51.100.31")
    url = f"/track/{sent.tracking_number}/"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"code": sent.secret_code})
    assert response.status_code == 302 and response["Location"] == url
    sql = [q["sql"] for q in queries.captured_queries]
    # The attempt counted, then number and code checked; nothing else (no session).
    assert len(sql) == 2, "\n".join(sql)
    assert '"secret_hash" FROM' in sql[1]
    assert client.get(url).status_code == 200  # the signed cookie opens the status page
    assert intake.check_code(sent.tracking_number, "WRONG", "c2") is None
    assert intake.check_code(sent.tracking_number.lower(), sent.secret_code, "c2") == (
        sent.tracking_number
    )


def test_the_citizen_read_builds_the_suggestion_and_its_related_rows(world, sent):
    s = portal.get_for_citizen(f" {sent.tracking_number.lower()} ")
    assert s.pk == sent.suggestion.pk and s.campaign == world.campaign
    assert s.created_at == sent.suggestion.created_at  # converted as the ORM does
    with CaptureQueriesContext(connection) as queries:
        view = portal.citizen_view(s)
    assert not queries.captured_queries  # everything shown was read with it
    assert view["campaign"] == world.campaign.title
    assert portal.get_for_citizen("JY000000-AAAAA") is None


@pytest.mark.django_db(transaction=True)
def test_a_tracking_count_outside_a_transaction_commits_without_changing_the_connection(world):
    assert intake.hit("t:solo", 5, 600) is None
    assert IntakeThrottle.objects.get(key="t:solo").count == 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"  # only that statement's commit was not waited for
