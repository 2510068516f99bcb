"""The public API: submit, track, rate, withdraw and read published suggestions without
an account, with the portal's limits."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client

from campaigndesk.suggestions import actions, intake
from campaigndesk.suggestions.models import Category, Channel, Outcome, Status, Suggestion, Verdict
from tests.portal.conftest import EMAIL, PHONE, answered, at, frozen_clock, published_suggestions

from .conftest import API

EN = {"accept-language": "en"}


@pytest.fixture(autouse=True)
def quick_challenge(monkeypatch):
    monkeypatch.setattr(intake, "CHALLENGE_MIN_SECONDS", 0)
    cache.clear()


@pytest.fixture
def category(world):
    return Category.objects.create(
        campaign=world.campaign, code="business", name_zh="营商环境", name_en="Business"
    )


def client(address: str = "198.51.100.7") -> Client:
    return Client(REMOTE_ADDR=address, headers=EN)


def challenge(c: Client) -> dict:
    response = c.get(f"{API}/public/challenge")
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["question"]
    answer = signing.loads(token, salt=intake.CHALLENGE_SALT)["s"]
    return {"challenge_token": token, "challenge_answer": answer}


def payload(c: Client, **overrides) -> dict:
    data = {
        "campaign": "dalian-2018",
        "title": "增设便民服务站",
        "body": "建议在甘井子区增设社区便民服务站。",
        "phone": PHONE,
        "email": EMAIL,
        **challenge(c),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(c: Client, url: str, data) -> object:
    body = data if isinstance(data, bytes | str) else json.dumps(data)
    return c.post(url, body, content_type="application/json")


def submit(c: Client, **overrides):
    return post(c, f"{API}/public/suggestions", payload(c, **overrides))


@pytest.fixture
def sent(world):
    with at(dt.date(2018, 12, 3)):
        return intake.submit(
            campaign=world.campaign,
            title="增设便民服务站",
            body="建议增设社区便民服务站。",
            client="c1",
            phone=PHONE,
            email=EMAIL,
        )


def test_submit_gives_the_number_and_code_and_stores_the_suggestion(world, category):
    c = client()
    response = submit(c, category="business", district="GJZ", key_task=1)
    assert response.status_code == 201, response.content
    body = response.json()
    s = Suggestion.objects.get(tracking_number=body["tracking_number"])
    assert s.channel == Channel.API and s.category == category
    assert s.district == world.ganjingzi and s.key_task == world.key_task
    assert s.client_hash == intake.client_hash("198.51.100.7")
    assert body["status"] == Status.RECEIVED
    assert body["private_link"].endswith(f"/track/{s.tracking_number}/?code={body['secret_code']}")
    tracked = c.get(f"{API}/public/suggestions/{s.tracking_number}", {"code": body["secret_code"]})
    assert tracked.status_code == 200
    assert tracked.json()["title"] == "增设便民服务站"


def test_submit_needs_no_csrf_token_and_no_sign_in(world):
    c = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.8")
    assert submit(c).status_code == 201


def test_the_challenge_is_required_and_checked(world):
    c = client()
    wrong = payload(c)
    wrong["challenge_answer"] += 1
    response = post(c, f"{API}/public/suggestions", wrong)
    assert response.status_code == 422
    assert response.json()["detail"] == "The answer to the check question is wrong."
    forged = post(c, f"{API}/public/suggestions", payload(c, challenge_token="forged"))
    assert forged.status_code == 422
    missing = payload(c)
    del missing["challenge_token"]
    assert post(c, f"{API}/public/suggestions", missing).status_code == 422
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"campaign": "no-such-campaign"}, "campaign"),
        ({"category": "nope"}, "category"),
        ({"district": "KJJ"}, "district"),  # a bureau, not a district
        ({"key_task": 9}, "key_task"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"body": "字" * 5001}, "body"),
        ({"body": "短"}, "body"),
        ({"title": ""}, "title"),
        ({"body": "坏的\ud800文字，足够长的文字内容。"}, "body"),
        ({"extra_field": 1}, "extra_field"),
    ],
)
def test_bad_fields_get_422_with_the_field_named(world, category, overrides, field):
    c = client()
    response = submit(c, **overrides)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert any(field in [str(p) for p in e["loc"]] for e in errors), errors
    assert response.json()["detail"]
    assert not Suggestion.objects.exists()


def test_script_tags_and_sql_are_stored_as_text(world):
    body = "<script>alert(1)</script>'; DROP TABLE suggestions_suggestion; --"
    assert submit(client(), body=body).status_code == 201
    assert Suggestion.objects.get().body == body


def test_a_body_that_is_not_json_or_not_utf8_is_a_400(world):
    c = client()
    assert post(c, f"{API}/public/suggestions", "{not json").status_code == 400
    assert post(c, f"{API}/public/suggestions", b'{"title": "\xff"}').status_code == 400


def test_100000_characters_are_refused_with_413_before_the_body_is_read(world):
    c = client()
    response = post(c, f"{API}/public/suggestions", payload(c, body="字" * 100_000))
    assert response.status_code == 413
    assert "64 KB" in response.json()["detail"]
    assert not Suggestion.objects.exists()


def test_a_flood_from_one_address_gets_429_with_retry_after_and_others_still_submit(world):
    with frozen_clock():
        limit = intake.PER_CLIENT[0][0]
        flooder = client("203.0.113.5")
        for i in range(limit):
            assert submit(flooder, phone=None, email=f"a{i}@example.invalid").status_code == 201
        response = submit(flooder, phone=None, email="b@example.invalid")
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert response.json()["detail"].startswith("Too many suggestions")
        assert (
            submit(client("198.51.100.99"), phone=None, email="c@example.invalid").status_code
            == 201
        )
        assert Suggestion.objects.count() == limit + 1


def test_track_with_a_wrong_code_or_number_is_the_same_generic_404(world, sent):
    c = client()
    wrong_code = c.get(f"{API}/public/suggestions/{sent.tracking_number}", {"code": "WRONG"})
    wrong_number = c.get(f"{API}/public/suggestions/JY000000-AAAAA", {"code": sent.secret_code})
    assert wrong_code.status_code == wrong_number.status_code == 404
    assert wrong_code.json() == wrong_number.json()
    assert c.get(f"{API}/public/suggestions/{sent.tracking_number}").status_code == 422
    assert c.get(f"{API}/public/suggestions/bad%20number", {"code": "X"}).status_code == 422


def test_track_shows_the_status_and_never_contact_details(world, sent):
    response = client().get(
        f"{API}/public/suggestions/{sent.tracking_number}", {"code": sent.secret_code}
    )
    body = response.json()
    assert body["status"] == Status.RECEIVED and body["can_withdraw"] is True
    assert body["status_text"].startswith("We have received your suggestion.")
    text = response.content.decode()
    assert PHONE not in text and EMAIL not in text


def test_too_many_tracking_attempts_get_429(world, sent):
    with frozen_clock():
        c = client("203.0.113.9")
        for _ in range(intake.TRACK_ATTEMPTS[0]):
            c.get(f"{API}/public/suggestions/{sent.tracking_number}", {"code": "WRONG"})
        response = c.get(f"{API}/public/suggestions/{sent.tracking_number}", {"code": "WRONG"})
        assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_track_shows_the_endorsed_answer_and_the_task_progress(world, sent):
    answered(world, sent.suggestion, Outcome.ADOPTED, task_deadline=dt.date(2019, 6, 30))
    body = (
        client()
        .get(f"{API}/public/suggestions/{sent.tracking_number}", {"code": sent.secret_code})
        .json()
    )
    assert body["status"] == Status.ANSWERED and body["can_rate"] is True
    assert body["answer"] == "已研究，纳入明年计划。" and body["outcome"] == Outcome.ADOPTED
    assert body["task"]["progress"] == 0 and body["task"]["status"] == "accepted"


def test_rating_the_answer(world, sent):
    answered(world, sent.suggestion)
    c = client()
    url = f"{API}/public/suggestions/{sent.tracking_number}/rating"
    assert post(c, url, {"code": "WRONG", "verdict": "satisfied"}).status_code == 404
    assert post(c, url, {"code": sent.secret_code, "verdict": "great"}).status_code == 422
    response = post(
        c, url, {"code": sent.secret_code, "verdict": Verdict.NOT_SATISFIED, "comment": "太慢"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == Status.REOPENED
    assert response.json()["verdict_comment"] == "太慢"
    again = post(c, url, {"code": sent.secret_code, "verdict": Verdict.SATISFIED})
    assert again.status_code == 422  # only an answered suggestion is rated, once


def test_withdrawing_before_the_answer(world, sent):
    c = client()
    url = f"{API}/public/suggestions/{sent.tracking_number}/withdraw"
    assert post(c, url, {"code": "WRONG"}).status_code == 404
    response = post(c, url, {"code": sent.secret_code})
    assert response.status_code == 200 and response.json()["status"] == Status.WITHDRAWN
    assert post(c, url, {"code": sent.secret_code}).status_code == 422


def test_an_answered_suggestion_cannot_be_withdrawn(world, sent):
    answered(world, sent.suggestion)
    url = f"{API}/public/suggestions/{sent.tracking_number}/withdraw"
    assert post(client(), url, {"code": sent.secret_code}).status_code == 422
    sent.suggestion.refresh_from_db()
    assert sent.suggestion.status == Status.ANSWERED


def test_a_duplicate_tracks_the_original(world, sent):
    with at(dt.date(2018, 12, 3)):
        later = intake.submit(
            campaign=world.campaign, title="便民站", body="希望多建便民服务站点。", client="c2"
        )
    actions.mark_duplicate(world.office, later.suggestion, sent.suggestion)
    body = (
        client()
        .get(f"{API}/public/suggestions/{later.tracking_number}", {"code": later.secret_code})
        .json()
    )
    assert body["duplicate_of"]["tracking_number"] == sent.tracking_number
    assert "body" not in body["duplicate_of"]


def test_the_published_list_has_no_contact_details_and_filters(world, category):
    published_suggestions(world, category, 12)
    c = client()
    response = c.get(f"{API}/public/published", {"limit": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 12 and len(body["items"]) == 5 and body["next"]
    assert PHONE not in response.content.decode() and EMAIL not in response.content.decode()
    assert set(body["items"][0]) == {
        "tracking_number",
        "title",
        "body",
        "category",
        "district",
        "outcome",
        "answer",
        "unit",
        "answered_at",
        "is_outstanding",
    }
    following = c.get(body["next"]).json()
    assert len(following["items"]) == 5
    assert following["items"][0]["tracking_number"] != body["items"][0]["tracking_number"]
    assert c.get(f"{API}/public/published", {"outstanding": "true"}).json()["count"] == 3
    assert c.get(f"{API}/public/published", {"q": "公开建议 11"}).json()["count"] == 1
    assert c.get(f"{API}/public/published", {"outcome": "adopted"}).json()["count"] == 6
    assert c.get(f"{API}/public/published", {"campaign": "nope"}).status_code == 422
    assert c.get(f"{API}/public/published", {"colour": "red"}).status_code == 422


def test_public_operations_need_no_authentication_in_the_document(world):
    document = Client().get(f"{API}/openapi.json").json()
    public = {p: item for p, item in document["paths"].items() if p.startswith("/api/v1/public/")}
    assert set(public) == {
        "/api/v1/public/challenge",
        "/api/v1/public/suggestions",
        "/api/v1/public/suggestions/{number}",
        "/api/v1/public/suggestions/{number}/rating",
        "/api/v1/public/suggestions/{number}/withdraw",
        "/api/v1/public/published",
    }
    for item in public.values():
        for operation in item.values():
            assert not operation.get("security")
            assert "401" not in operation["responses"] and "422" in operation["responses"]


def test_wrong_methods_get_a_json_405(world):
    response = client().delete(f"{API}/public/suggestions")
    assert response.status_code == 405 and response.json()["detail"]
