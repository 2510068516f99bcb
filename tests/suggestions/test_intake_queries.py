"""A submission's cost is pinned: one transaction of a fixed number of statements, with
every guarantee kept (rate limits, the single-use challenge, the audit record, the
duplicate search's task, durability before the receipt)."""

from __future__ import annotations

import json
import time

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import verify
from campaigndesk.suggestions import intake
from campaigndesk.suggestions.models import ChallengeUse, IntakeThrottle, Suggestion
from campaigndesk.triage import hooks
from campaigndesk.triage.models import SuggestionSignature

BODY = "建议在甘井子区增设社区便民服务站，方便老年人办事。"
URL = "/api/v1/public/suggestions"

# The reference stamp (the campaign and its auto-route threshold are kept in the
# process under it); then in ONE transaction: SAVEPOINT (BEGIN outside a test), the rate
# counts (one upsert for the address's two windows and the contact), the challenge
# spent, the suggestion, the intake hook's duplicate search task row (written in the
# transaction, not committed after it: the task signs the suggestion), the audit record
# (no lock: it is chained after the commit), RELEASE (COMMIT).
SUBMIT_QUERIES = 8
# After the commit, the record's seal on PostgreSQL: take the sealer's lock if a record
# waits, read the waiting records with the chain's head, chain them and move the head
# (one statement), let go, look again. SQLite: look, then the same in a transaction
# (SAVEPOINT, read, UPDATE per record and the head's, RELEASE).
SEAL_QUERIES = 5 if connection.vendor == "postgresql" else 6


@pytest.fixture
def book():
    return intake.make_challenge_book(7, tickets=100, made_at=time.time() - 60)


def payload(world, book, n: int, **overrides) -> str:
    data = {
        "campaign": world.campaign.code,
        "title": f"增设便民服务站 {n}",
        "body": BODY,
        "email": f"c{n}@example.invalid",
        "challenge_token": f"{book}~{n}",
        "challenge_answer": 7,
        **overrides,
    }
    return json.dumps(data, ensure_ascii=False)


def post(client: Client, body: str):
    return client.post(URL, body, content_type="application/json")


def test_a_public_submission_runs_a_fixed_number_of_queries(world, book):
    client = Client(REMOTE_ADDR="198.51.100.20", headers={"accept-language": "en"})
    assert post(client, payload(world, book, 0)).status_code == 201  # warm caches
    with CaptureQueriesContext(connection) as queries:
        response = post(client, payload(world, book, 1))
    assert response.status_code == 201, response.content
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == SUBMIT_QUERIES, "\n".join(sql)
    assert sum(s.startswith(("SAVEPOINT", "BEGIN")) for s in sql) == 1  # one transaction
    # No lock of the audit chain inside the transaction: submissions commit in parallel.
    assert not any("audit_chainhead" in q for q in sql)
    assert "audit_auditrecord" in sql[-2]
    s = Suggestion.objects.get(tracking_number=response.json()["tracking_number"])
    assert AuditRecord.objects.filter(object_id=str(s.pk), action="suggestions.submit").exists()
    assert not SuggestionSignature.objects.filter(suggestion=s).exists()  # the task's work
    assert ChallengeUse.objects.count() == 2
    assert sum("dbtaskresult" in q for q in sql) == 1  # triage's one job
    assert any("dbtaskresult" in q and "after_intake" in q for q in sql)
    assert verify().ok


def test_a_submissions_audit_record_is_sealed_after_its_commit(
    world, book, django_capture_on_commit_callbacks
):
    client = Client(REMOTE_ADDR="198.51.100.21", headers={"accept-language": "en"})
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, payload(world, book, 0)).status_code == 201  # warm caches
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post(client, payload(world, book, 1))
    assert response.status_code == 201, response.content
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == SUBMIT_QUERIES + SEAL_QUERIES, "\n".join(sql)
    s = Suggestion.objects.get(tracking_number=response.json()["tracking_number"])
    record = AuditRecord.objects.get(object_id=str(s.pk), action="suggestions.submit")
    assert record.seq == AuditRecord.objects.count() and len(record.hash) == 64


def test_intake_submit_itself_runs_a_fixed_number_of_queries(world):
    intake.submit(campaign=world.campaign, title="预热", body=BODY, client="warm")
    with CaptureQueriesContext(connection) as queries:
        intake.submit(
            campaign=world.campaign,
            title="增设便民服务站",
            body=BODY,
            client="a",
            phone="13800000000",
        )
    # As above without the stamp (read by the threshold's lookup here) and the challenge.
    assert len(queries.captured_queries) == SUBMIT_QUERIES - 1


def test_a_refused_submission_neither_counts_nor_spends_the_token(world, book):
    client = Client(REMOTE_ADDR="198.51.100.21", headers={"accept-language": "en"})
    bad = post(client, payload(world, book, 3, phone="call me"))
    assert bad.status_code == 422
    assert not IntakeThrottle.objects.exists() and not ChallengeUse.objects.exists()
    assert post(client, payload(world, book, 3)).status_code == 201  # the same ticket
    replay = post(client, payload(world, book, 3, title="再来一次"))
    assert replay.status_code == 422 and "already used" in replay.json()["detail"]
    assert Suggestion.objects.count() == 1
    # The replay was rolled back with its counts: only the accepted one counted.
    assert set(IntakeThrottle.objects.values_list("count", flat=True)) == {1}


def test_a_throttled_submission_is_not_counted_and_keeps_the_limit(world):
    limit = intake.PER_CLIENT[0][0]
    for i in range(limit):
        intake.submit(
            campaign=world.campaign, title="便民服务", body=BODY, client=f"x{i}" if i else "f"
        )
    for _ in range(limit - 1):
        intake.submit(campaign=world.campaign, title="便民服务", body=BODY, client="f")
    for _ in range(2):
        with pytest.raises(intake.Throttled):
            intake.submit(campaign=world.campaign, title="便民服务", body=BODY, client="f")
    counts = IntakeThrottle.objects.filter(key="c:f").values_list("count", flat=True)
    assert set(counts) == {limit}
    assert Suggestion.objects.filter(client_hash="f").count() == limit


def test_a_contact_named_twice_counts_twice(world):
    both = dict(campaign=world.campaign, title="便民", body=BODY, phone="12345", email="12345")
    for client in ("y1", "y2"):
        intake.submit(**both, client=client)
    key = f"p:{intake._contact_hash('12345')}"
    assert IntakeThrottle.objects.get(key=key).count == 4  # as two checks of one key did
    with pytest.raises(intake.Throttled):  # 6 > 5
        intake.submit(**both, client="y3")
    assert IntakeThrottle.objects.get(key=key).count == 4


def test_a_database_error_in_a_hook_fails_the_submission_instead_of_losing_it(world, monkeypatch):
    """A hook that swallowed a database error would leave a broken transaction whose
    commit silently drops the suggestion after its receipt; it must fail instead."""

    def broken(*_a, **_kw):
        raise DatabaseError("disk full")

    monkeypatch.setattr(hooks, "enqueue_with_commit", broken)  # the triage job's row
    with pytest.raises(DatabaseError):
        intake.submit(campaign=world.campaign, title="增设便民服务站", body=BODY, client="c")
    assert not Suggestion.objects.exists()
    assert not AuditRecord.objects.filter(action="suggestions.submit").exists()


def test_a_campaign_closed_between_two_submissions_refuses_the_second(world, book):
    client = Client(REMOTE_ADDR="198.51.100.22", headers={"accept-language": "en"})
    assert post(client, payload(world, book, 0)).status_code == 201  # the campaign is kept
    world.campaign.is_public = False
    world.campaign.save(update_fields=["is_public"])
    refused = post(client, payload(world, book, 1))
    assert refused.status_code == 422 and "campaign" in refused.json()["detail"].lower()
    assert Suggestion.objects.count() == 1
