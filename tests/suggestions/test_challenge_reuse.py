"""A solved check question is good for one submission: a replay is refused, on every
app server (the spent tokens are in the database), and an old token expires."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from campaigndesk import clock
from campaigndesk.suggestions import intake, jobs
from campaigndesk.suggestions.models import ChallengeUse, Suggestion
from tests.portal.conftest import answer_of, citizen, form_data

API = "/api/v1"
BODY = "建议在甘井子区增设社区便民服务站，方便老年人办事。"


@pytest.fixture(autouse=True)
def quick_challenge(monkeypatch):
    monkeypatch.setattr(intake, "CHALLENGE_MIN_SECONDS", 0)
    cache.clear()


def solved() -> tuple[str, int]:
    _question, token = intake.make_challenge()
    return token, signing.loads(token, salt=intake.CHALLENGE_SALT)["s"]


def test_two_challenges_are_never_the_same_token():
    tokens = {intake.make_challenge()[1] for _ in range(20)}
    assert len(tokens) == 20


def test_a_solved_token_is_spent_by_its_first_check(world):
    token, answer = solved()
    intake.check_challenge(token, answer)
    assert ChallengeUse.objects.count() == 1
    with pytest.raises(ValidationError, match="already used"):
        intake.check_challenge(token, answer)


def test_a_wrong_answer_spends_the_token_so_sums_cannot_be_tried_in_turn(world):
    token, answer = solved()
    with pytest.raises(ValidationError, match="wrong"):
        intake.check_challenge(token, answer + 1)
    with pytest.raises(ValidationError, match="already used"):
        intake.check_challenge(token, answer)


def test_an_expired_token_is_refused_even_unspent(world):
    old = signing.dumps({"s": 5, "t": 0, "n": "x"}, salt=intake.CHALLENGE_SALT)
    with pytest.raises(ValidationError, match="expired"):
        intake.check_challenge(old, 5)
    assert not ChallengeUse.objects.exists()


def test_a_token_checked_without_spending_is_spent_by_the_submission(world):
    token, answer = solved()
    intake.check_challenge(token, answer, consume=False)
    intake.check_challenge(token, answer, consume=False)  # a form shown again
    data = dict(campaign=world.campaign, title="增设便民服务站", body=BODY, client="c")
    intake.submit(**data, challenge_token=token)
    with pytest.raises(ValidationError, match="already used"):
        intake.check_challenge(token, answer, consume=False)
    with pytest.raises(ValidationError, match="already used"):
        intake.submit(**data, challenge_token=token)
    assert Suggestion.objects.count() == 1


def test_a_failed_submission_leaves_the_token_unspent(world):
    token, _answer = solved()
    data = dict(campaign=world.campaign, body=BODY, client="c", challenge_token=token)
    with pytest.raises(ValidationError):
        intake.submit(title="", **data)
    assert not ChallengeUse.objects.exists()
    intake.submit(title="增设便民服务站", **data)
    assert ChallengeUse.objects.count() == 1


def test_book_tickets_are_single_use_each_and_bounded(world):
    book = intake.make_challenge_book(7, tickets=3, made_at=time.time() - 60)
    for ticket in range(3):
        intake.check_challenge(f"{book}~{ticket}", 7)
    with pytest.raises(ValidationError, match="already used"):
        intake.check_challenge(f"{book}~1", 7)
    for bad in ("3", "-1", "x", "", "１"):
        with pytest.raises(ValidationError, match="expired"):
            intake.check_challenge(f"{book}~{bad}", 7)
    with pytest.raises(ValidationError, match="wrong"):
        intake.check_challenge(f"{intake.make_challenge_book(7, tickets=3)}~0", 8)


def test_a_plain_token_is_not_a_book_and_a_book_is_not_a_plain_token(world):
    token, answer = solved()
    with pytest.raises(ValidationError, match="expired"):
        intake.check_challenge(f"{token}~0", answer)
    book = intake.make_challenge_book(7, tickets=3)
    with pytest.raises(ValidationError, match="expired"):
        intake.check_challenge(book, 7)


def test_spent_tokens_are_forgotten_once_they_have_expired(world):
    now = clock.now()
    ChallengeUse.objects.create(key="old", used_at=now - dt.timedelta(hours=4))
    ChallengeUse.objects.create(key="recent", used_at=now - dt.timedelta(minutes=30))
    assert jobs.prune_challenges.call() == 1
    assert list(ChallengeUse.objects.values_list("key", flat=True)) == ["recent"]
    assert any(p.job.endswith("prune_challenges") for p in jobs.SCHEDULE)


# --- through the portal and the public API ------------------------------------------------------


def test_the_portal_refuses_a_replayed_form_with_a_clear_message(world):
    client = citizen()
    data = form_data(client)
    assert client.post("/suggest/", data).status_code == 302
    other = citizen("203.0.113.9")  # another sender (another app server sees the same table)
    page = other.post("/suggest/", data, headers={"accept-language": "en"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "This check question was already used. Please answer the new one." in text
    assert answer_of(text)[0] != data["challenge_token"]  # a new question is shown
    assert Suggestion.objects.count() == 1


def test_the_portal_keeps_a_solved_question_when_another_field_is_wrong(world):
    client = citizen()
    data = form_data(client, title="")
    assert client.post("/suggest/", data).status_code == 200
    data["title"] = "增设便民服务站"
    assert client.post("/suggest/", data).status_code == 302
    assert Suggestion.objects.count() == 1


def test_the_public_api_refuses_a_replayed_token_with_422(world):
    client = Client(REMOTE_ADDR="198.51.100.7", headers={"accept-language": "en"})
    token = client.get(f"{API}/public/challenge").json()["token"]
    payload = {
        "campaign": world.campaign.code,
        "title": "增设便民服务站",
        "body": BODY,
        "challenge_token": token,
        "challenge_answer": signing.loads(token, salt=intake.CHALLENGE_SALT)["s"],
    }
    url = f"{API}/public/suggestions"
    first = client.post(url, json.dumps(payload), content_type="application/json")
    assert first.status_code == 201
    again = client.post(url, json.dumps(payload), content_type="application/json")
    assert again.status_code == 422
    assert "already used" in again.json()["detail"]
    assert Suggestion.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_servers_spending_one_token_at_once_only_one_succeeds():
    """Each thread has its own database connection, as two app servers would."""
    import threading

    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory test database locks whole tables; run with PostgreSQL")
    token, answer = solved()
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def attempt():
        try:
            barrier.wait()
            intake.check_challenge(token, answer)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] == "ok" and outcomes.count("ok") == 1, outcomes
    assert all("already used" in o for o in outcomes if o != "ok")
    assert ChallengeUse.objects.count() == 1
