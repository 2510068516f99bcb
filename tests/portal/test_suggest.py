"""The suggestion form end to end, and every kind of bad input the issue names."""

from __future__ import annotations

import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from campaigndesk.suggestions import intake
from campaigndesk.suggestions.models import Channel, Suggestion, SuggestionAttachment

from .conftest import (
    BODY,
    EMAIL,
    PHONE,
    answer_of,
    citizen,
    form_data,
    frozen_clock,
    receipt_of,
    submit,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def media_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.product_language
def test_a_citizen_sends_a_suggestion_and_sees_the_number_and_code_once(world, category):
    client = citizen()
    page = client.get("/suggest/").content.decode()
    assert category.name_zh in page
    assert world.ganjingzi.name_zh in page and world.zhongshan.name_zh in page
    assert world.bureau.name_zh not in page  # a bureau is not a district
    assert world.key_task.title_zh in page
    response = submit(
        client,
        category=category.pk,
        key_task=world.key_task.pk,
        district=world.ganjingzi.pk,
        files=SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
    )
    assert response.status_code == 302 and response["Location"] == "/suggest/received/"
    s = Suggestion.objects.get()
    assert (s.title, s.body, s.phone, s.email) == ("增设便民服务站", BODY, PHONE, EMAIL)
    assert s.category == category and s.district == world.ganjingzi
    assert s.key_task == world.key_task and s.channel == Channel.WEB
    assert s.client_hash == intake.client_hash("198.51.100.7")
    assert s.attachments.get().content_type == "image/png"
    receipt = receipt_of(client)
    page = client.get("/suggest/received/").content.decode()
    assert receipt["number"] == s.tracking_number
    assert s.tracking_number in page and receipt["code"] in page
    assert f'href="/track/{s.tracking_number}/?code={receipt["code"]}"' in page
    assert "http://testserver/track/" in page  # the private link, written out to copy
    assert "data-print" in page
    # The code is stored only as a keyed hash.
    assert receipt["code"] not in s.secret_hash


def test_the_receipt_and_status_pages_load_nothing_from_outside(world):
    client = citizen()
    submit(client)
    number = receipt_of(client)["number"]
    for path in ("/suggest/received/", f"/track/{number}/"):
        page = client.get(path).content.decode()
        assert not re.search(r"""(src|href|action)=["'](https?:)?//""", page), path
        assert "<script>" not in page and "style=" not in page


def test_reloading_the_receipt_shows_it_again_and_submits_nothing(world):
    client = citizen()
    response = submit(client)
    first = client.get(response["Location"]).content.decode()
    again = client.get("/suggest/received/").content.decode()
    assert Suggestion.objects.count() == 1
    number = Suggestion.objects.get().tracking_number
    assert number in first and number in again


def test_the_receipt_page_without_a_submission_says_there_is_nothing_to_show(world):
    response = Client(headers={"accept-language": "en"}).get("/suggest/received/")
    assert response.status_code == 200
    assert "No receipt to show" in response.content.decode()


def test_a_filled_honeypot_pretends_success_and_saves_nothing(world):
    client = citizen()
    response = submit(client, website="http://spam.example")
    assert response.status_code == 302 and response["Location"] == "/suggest/received/"
    assert not Suggestion.objects.exists()
    page = client.get("/suggest/received/").content.decode()
    assert receipt_of(client)["number"] in page  # looks like any receipt


def test_the_honeypot_is_hidden_by_a_class_not_an_inline_style(world):
    page = Client().get("/suggest/").content.decode()
    assert '<div class="portal-hp" aria-hidden="true">' in page
    assert 'name="website"' in page
    assert "style=" not in page


def test_a_wrong_answer_to_the_check_question_is_a_form_error_with_a_new_question(world):
    client = citizen()
    data = form_data(client)
    data["challenge"] = str(int(data["challenge"]) + 1)
    response = client.post("/suggest/", data, headers={"accept-language": "en"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The answer to the check question is wrong." in page
    # A fresh question (it may by chance be the same sum drawn in the same second).
    _token, answer = answer_of(page)
    assert 'name="challenge" value=' not in page  # the wrong answer is cleared
    a, b = re.search(r"What is (\d) plus (\d)\?", page).groups()
    assert int(a) + int(b) == int(answer)  # the question shown is the new token's
    assert not Suggestion.objects.exists()


def test_a_forged_or_missing_challenge_token_is_refused(world):
    client = citizen()
    for token in ("forged", ""):
        data = form_data(client, challenge_token=token)
        assert client.post("/suggest/", data).status_code == 200
    assert not Suggestion.objects.exists()


def test_an_answer_given_too_fast_is_refused(world, monkeypatch):
    monkeypatch.setattr(intake, "CHALLENGE_MIN_SECONDS", 60)
    client = citizen()
    response = client.post("/suggest/", form_data(client), headers={"accept-language": "en"})
    assert "That was too fast." in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_solved_question_stays_solved_when_another_field_is_wrong(world):
    client = citizen()
    data = form_data(client, title="")
    page = client.post("/suggest/", data, headers={"accept-language": "en"}).content.decode()
    assert answer_of(page)[0] == data["challenge_token"]
    assert "Check question (answered)" in page
    assert "Please correct the marked fields and send again." in page
    assert f'value="{data["challenge"]}"' in page


def test_100000_characters_of_text_are_a_form_error(world):
    client = citizen()
    response = client.post(
        "/suggest/", form_data(client, body="字" * 100_000), headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    assert "at most 5000 characters (it has 100000)" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_script_tags_are_shown_escaped_and_sql_is_stored_as_text(world):
    client = citizen()
    body = "<script>alert(1)</script> '; DROP TABLE suggestions_suggestion; --"
    response = submit(client, title="<b>粗体</b>标题", body=body)
    assert response.status_code == 302
    s = Suggestion.objects.get()
    assert s.body == body and s.title == "<b>粗体</b>标题"
    page = client.get(f"/track/{s.tracking_number}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page and "<b>粗体" not in page
    assert Suggestion.objects.count() == 1  # the table is still there


def test_malformed_unicode_is_a_form_error(world):
    client = citizen()
    data = form_data(client)
    # A UTF-8-encoded lone surrogate and a stray byte: not text any browser would send.
    body = encode_multipart(BOUNDARY, data).replace(
        BODY.encode(), b"\xed\xa0\x80\xff" + BODY.encode()
    )
    response = client.generic(
        "POST", "/suggest/", body, MULTIPART_CONTENT, headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    assert "The text contains characters that are not valid Unicode." in (response.content.decode())
    assert not Suggestion.objects.exists()


def test_an_exe_renamed_pdf_is_a_form_error_and_nothing_is_written(world, settings):
    client = citizen()
    exe = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    response = client.post(
        "/suggest/", form_data(client, files=exe), headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    assert "plan.pdf is not an accepted file." in response.content.decode()
    assert not Suggestion.objects.exists() and not SuggestionAttachment.objects.exists()
    assert media_files(settings) == []


def test_a_20_mb_file_is_a_form_error_and_nothing_is_written(world, settings):
    client = citizen()
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (20 * 1024 * 1024), "application/pdf")
    response = client.post(
        "/suggest/", form_data(client, files=big), headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    assert "scan.pdf is larger than 10 MB." in response.content.decode()
    assert not Suggestion.objects.exists()
    assert media_files(settings) == []


def test_more_than_three_files_are_a_form_error(world):
    client = citizen()
    files = [SimpleUploadedFile(f"p{i}.pdf", PDF, "application/pdf") for i in range(4)]
    response = client.post(
        "/suggest/", form_data(client, files=files), headers={"accept-language": "en"}
    )
    assert "Attach at most 3 files." in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_request_larger_than_any_allowed_form_is_refused_unread(world):
    response = citizen().post(
        "/suggest/",
        b"x",
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(40 * 1024 * 1024),
        headers={"accept-language": "en"},
    )
    assert response.status_code == 413


def test_a_flood_from_one_address_gets_429_while_another_address_still_gets_through(world):
    with frozen_clock():
        limit = intake.PER_CLIENT[0][0]
        flooder = citizen("203.0.113.5")
        for i in range(limit):
            assert submit(flooder, phone="", email=f"a{i}@example.invalid").status_code == 302
        response = submit(flooder, phone="", email="another@example.invalid")
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert Suggestion.objects.count() == limit
        other = citizen("198.51.100.99")
        assert submit(other, phone="", email="other@example.invalid").status_code == 302
        assert Suggestion.objects.count() == limit + 1


def test_the_same_phone_from_many_addresses_gets_429(world):
    with frozen_clock():
        limit = intake.PER_CONTACT[0][0]
        for i in range(limit):
            assert submit(citizen(f"198.51.100.{i + 1}"), email="").status_code == 302
        response = submit(citizen("198.51.100.200"), email="")
        assert response.status_code == 429
        assert Suggestion.objects.count() == limit


def test_the_sender_address_comes_from_remote_addr_not_x_forwarded_for(world):
    client = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.9.9.9")
    submit(client)
    assert Suggestion.objects.get().client_hash == intake.client_hash("203.0.113.5")


def test_the_form_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    data = form_data(client)
    del data["website"]
    assert client.post("/suggest/", data).status_code == 403
    assert not Suggestion.objects.exists()


def test_the_form_of_a_campaign_that_takes_no_suggestions_says_so(world):
    world.campaign.accepts_suggestions = False
    world.campaign.save()
    page = Client(headers={"accept-language": "en"}).get("/suggest/").content.decode()
    assert "not taking suggestions" in page and 'name="title"' not in page


def test_the_form_of_a_named_campaign_and_of_an_unknown_one(world):
    assert Client().get("/campaigns/dalian-2018/suggest/").status_code == 200
    assert Client().get("/campaigns/nope/suggest/").status_code == 404


def test_the_form_answers_405_to_other_methods(world):
    assert Client().put("/suggest/").status_code == 405
    assert Client().delete("/suggest/received/").status_code == 405


def test_the_privacy_note_says_who_sees_contact_details(world):
    page = Client(headers={"accept-language": "en"}).get("/suggest/").content.decode()
    assert "Only the campaign office and the unit that answers your suggestion" in page
