"""Issue #5's bad-input acceptance, in one place, through the portal form and the public
API: each gets a clear form error or a 4xx with a message, nothing is half-written (no
suggestion, attachment, stored file or spent check question is left behind), and the
server goes on serving others.

(Most cases are also tested where their feature lives: tests/portal/test_suggest.py,
tests/portal/test_track.py, tests/api/test_public_api.py; this file adds what was not
covered, NUL bytes and malformed Unicode in every field and in the tokens, and checks
the "nothing half-written" part for all of them.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from campaigndesk.audit.models import AuditRecord
from campaigndesk.suggestions import intake
from campaigndesk.suggestions.models import (
    ChallengeUse,
    IntakeThrottle,
    Suggestion,
    SuggestionAttachment,
)
from tests.portal.conftest import BODY, answer_of, frozen_clock

API = "/api/v1"
EN = {"accept-language": "en"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def setup(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(intake, "CHALLENGE_MIN_SECONDS", 0)
    cache.clear()


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def nothing_written(settings) -> None:
    assert not Suggestion.objects.exists()
    assert not SuggestionAttachment.objects.exists()
    assert not AuditRecord.objects.filter(action="suggestions.submit").exists()
    assert stored_files(settings) == []


def others_still_served(world) -> None:
    """Another citizen, from another address, still gets a receipt."""
    client = Client(REMOTE_ADDR="192.0.2.200")
    response = client.post("/suggest/", form(client))
    assert response.status_code == 302, response.content.decode()[:500]
    assert Suggestion.objects.count() >= 1


def form(client: Client, **overrides) -> dict:
    token, answer = answer_of(client.get("/suggest/").content.decode())
    data = {
        "title": "增设便民服务站",
        "body": BODY,
        "challenge": answer,
        "challenge_token": token,
        "website": "",
    }
    data.update(overrides)
    return data


def api_payload(client: Client, **overrides) -> dict:
    token = client.get(f"{API}/public/challenge").json()["token"]
    data = {
        "campaign": "dalian-2018",
        "title": "增设便民服务站",
        "body": BODY,
        "challenge_token": token,
        "challenge_answer": signing.loads(token, salt=intake.CHALLENGE_SALT)["s"],
    }
    data.update(overrides)
    return data


def api_post(client: Client, body) -> object:
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(f"{API}/public/suggestions", raw, content_type="application/json")


# --- attachments ---------------------------------------------------------------------------------


def test_a_20_mb_attachment_is_a_form_error_and_no_byte_is_kept(world, settings):
    client = Client(REMOTE_ADDR="198.51.100.1")
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (20 * 1024 * 1024), "application/pdf")
    response = client.post("/suggest/", form(client, files=big), headers=EN)
    assert response.status_code == 200
    assert "scan.pdf is larger than 10 MB." in response.content.decode()
    nothing_written(settings)
    others_still_served(world)


def test_an_exe_renamed_pdf_is_a_form_error_next_to_a_good_file(world, settings):
    client = Client(REMOTE_ADDR="198.51.100.1")
    good = SimpleUploadedFile("plan.pdf", PDF, "application/pdf")
    exe = SimpleUploadedFile("setup.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    response = client.post("/suggest/", form(client, files=[good, exe]), headers=EN)
    assert response.status_code == 200
    assert "setup.pdf is not an accepted file." in response.content.decode()
    nothing_written(settings)  # not even the good file
    others_still_served(world)


# --- text --------------------------------------------------------------------------------------


def test_100000_characters_are_a_form_error_and_a_413_from_the_api(world, settings):
    client = Client(REMOTE_ADDR="198.51.100.1")
    page = client.post("/suggest/", form(client, body="字" * 100_000), headers=EN)
    assert page.status_code == 200
    assert "at most 5000 characters (it has 100000)" in page.content.decode()
    api = Client(REMOTE_ADDR="198.51.100.2", headers=EN)
    response = api_post(api, api_payload(api, title="题" * 100_000))
    assert response.status_code == 413
    assert response.json()["detail"]
    nothing_written(settings)
    others_still_served(world)


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>",
        "'; DROP TABLE suggestions_suggestion; -- ' OR '1'='1",
        '" UNION SELECT secret_hash FROM suggestions_suggestion --',
    ],
)
def test_script_tags_and_sql_are_kept_as_text_and_never_rendered(world, text):
    client = Client(REMOTE_ADDR="198.51.100.1")
    assert client.post("/suggest/", form(client, title=text[:100], body=text)).status_code == 302
    s = Suggestion.objects.get()
    assert s.body == text
    page = client.get(f"/track/{s.tracking_number}/").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page or "&#x27;" in page or "&quot;" in page
    assert Suggestion.objects.count() == 1  # the table is still there


# --- malformed Unicode and NUL bytes ----------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "body", "name"])
def test_a_nul_byte_in_a_form_field_is_a_form_error(world, settings, field):
    client = Client(REMOTE_ADDR="198.51.100.1")
    data = form(client, **{field: f"开头\x00{BODY}"})
    response = client.post("/suggest/", data, headers=EN)
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    nothing_written(settings)
    assert not ChallengeUse.objects.exists()  # the question stays answerable


@pytest.mark.parametrize("raw", [b"\xed\xa0\x80", b"\xff\xfe", b"\xc3"])
def test_invalid_utf8_in_the_form_is_a_form_error(world, settings, raw):
    client = Client(REMOTE_ADDR="198.51.100.1")
    body = encode_multipart(BOUNDARY, form(client)).replace(BODY.encode(), raw + BODY.encode())
    response = client.generic("POST", "/suggest/", body, MULTIPART_CONTENT, headers=EN)
    assert response.status_code == 200
    assert "The text contains characters that are not valid Unicode." in response.content.decode()
    nothing_written(settings)


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": "坏的\ud800标题"},
        {"body": "坏的\udfff文字，足够长的文字内容。"},
        {"name": "王\ud83d"},
        {"email": "a\ud800@example.invalid"},
        {"phone": "139\u0000\ud800"},
        {"campaign": "dalian\ud800"},
        {"challenge_token": "\ud800:abc"},
        {"challenge_token": "\u0000"},
        {"challenge_token": "abc~\ud800"},
        {"challenge_token": "abc~1\u0000"},
        {"email": "a\u0000@example.invalid"},
    ],
)
def test_malformed_unicode_and_nul_in_json_get_a_4xx_with_a_message(world, settings, overrides):
    api = Client(REMOTE_ADDR="198.51.100.2", headers=EN)
    response = api_post(api, api_payload(api, **overrides))
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["detail"]
    nothing_written(settings)


@pytest.mark.parametrize("token", ["\ud800:abc", "abc~\ud800", "\x00", "é:x", "x" * 5000, ""])
def test_a_made_up_check_token_is_refused_cleanly_by_the_domain_module(db, token):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="expired"):
        intake.check_challenge(token, 7)
    assert not ChallengeUse.objects.exists()


def test_nul_bytes_in_json_text_are_removed_not_stored(world):
    api = Client(REMOTE_ADDR="198.51.100.2", headers=EN)
    payload = api_payload(api, title="标\u0000题", body=f"\u0000{BODY}\u0000", name="王\u0000")
    response = api_post(api, payload)
    assert response.status_code == 201
    s = Suggestion.objects.get()
    assert "\x00" not in s.title + s.body + s.name
    assert s.title == "标题"


def test_a_body_that_is_not_utf8_json_is_a_400_or_422(world, settings):
    api = Client(REMOTE_ADDR="198.51.100.2", headers=EN)
    for raw in (b'{"title": "\xed\xa0\x80"}', b"\x00\x00\x00{", b'{"title": "a"'):
        response = api_post(api, raw)
        assert response.status_code in (400, 422), raw
        assert response.json()["detail"]
    nothing_written(settings)


# --- tracking ----------------------------------------------------------------------------------------


@pytest.fixture
def sent(world):
    return intake.submit(
        campaign=world.campaign, title="增设便民服务站", body=BODY, client="c0", throttle=False
    )


@pytest.mark.parametrize("code", ["WRONGCODE", "", "\x00", "%00", "' OR 1=1 --", "码" * 50])
def test_a_wrong_tracking_code_is_the_same_clear_answer_everywhere(world, sent, code):
    number = sent.tracking_number
    portal = Client(REMOTE_ADDR="198.51.100.3", headers=EN)
    page = portal.post("/track/", {"number": number, "code": code})
    assert page.status_code in (200, 404)
    text = page.content.decode()
    # The generic answer, or the field's own error (empty, NUL, longer than a code can be).
    assert "We found no suggestion with this number and code." in text or "errorlist" in text
    link = portal.get(f"/track/{number}/", {"code": code})
    assert link.status_code in (302, 404)
    if link.status_code == 302:  # an empty code is no code: on to the tracking form
        assert link["Location"].startswith("/track/?")
    api = Client(REMOTE_ADDR="198.51.100.4", headers=EN)
    response = api.get(f"{API}/public/suggestions/{number}", {"code": code})
    assert response.status_code in (404, 422)
    assert response.json()["detail"]
    assert code not in ("WRONGCODE",) or response.status_code == 404


def test_a_wrong_or_malformed_tracking_number_is_a_clear_4xx(world, sent):
    api = Client(REMOTE_ADDR="198.51.100.4", headers=EN)
    for number in ("JY000000-XXXXX", "JY%00", "x" * 30):
        response = api.get(f"{API}/public/suggestions/{number}", {"code": sent.secret_code})
        assert response.status_code in (404, 422), number
        assert response.json()["detail"]
    portal = Client(REMOTE_ADDR="198.51.100.3", headers=EN)
    page = portal.post("/track/", {"number": "JY\x00", "code": sent.secret_code})
    assert page.status_code in (200, 404)


# --- a flood -----------------------------------------------------------------------------------------


def test_a_flood_from_one_address_is_refused_with_429_and_writes_nothing_more(world, settings):
    limit = intake.PER_CLIENT[0][0]
    with frozen_clock():
        flooder = Client(REMOTE_ADDR="203.0.113.66", headers=EN)
        statuses = [
            api_post(flooder, api_payload(flooder, email=f"f{i}@example.invalid")).status_code
            for i in range(limit + 5)
        ]
        assert statuses == [201] * limit + [429] * 5
        refused = api_post(flooder, api_payload(flooder))
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        assert refused.json()["detail"].startswith("Too many suggestions")
        assert Suggestion.objects.count() == limit
        # The refused ones left no rows, files or audit records behind.
        assert AuditRecord.objects.filter(action="suggestions.submit").count() == limit
        assert stored_files(settings) == []
        others_still_served(world)
        assert Suggestion.objects.count() == limit + 1
    assert IntakeThrottle.objects.exists()  # counted in the database, for every app server
