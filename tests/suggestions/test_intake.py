"""A citizen's suggestion comes in, gets a number and a code, and can be tracked."""

import datetime as dt

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigndesk import clock
from campaigndesk.audit.trail import history_of, verify
from campaigndesk.suggestions import intake
from campaigndesk.suggestions.models import Status, Suggestion

BODY = "建议在甘井子区增设社区便民服务站，方便老年人办事。"


def submit(world, **overrides):
    data = dict(campaign=world.campaign, title="增设便民服务站", body=BODY, client="client-a")
    data.update(overrides)
    return intake.submit(**data)


def test_submission_gives_a_number_and_a_code_that_track_it(world):
    receipt = submit(world, phone="13800000000")
    s = Suggestion.objects.get(tracking_number=receipt.tracking_number)
    assert s.status == Status.RECEIVED
    assert receipt.secret_code not in s.secret_hash
    assert intake.track(receipt.tracking_number, receipt.secret_code.lower(), "client-a") == s
    assert intake.track(receipt.tracking_number, "WRONGCODE", "client-a") is None
    assert intake.track("JY000000-XXXXX", receipt.secret_code, "client-a") is None
    record = history_of(s).get()
    assert "secret_hash" not in record.after
    assert verify().ok


def test_text_is_cleaned_and_limited(world):
    receipt = submit(world, title="  标题\u202e反转 ", body=BODY + "\x00\x07")
    s = receipt.suggestion
    assert s.title == "标题反转"
    assert "\x00" not in s.body
    with pytest.raises(ValidationError) as too_long:
        submit(world, body="字" * 100_000)
    assert "body" in too_long.value.message_dict
    with pytest.raises(ValidationError, match="not valid Unicode"):
        submit(world, body="坏的\ud800文字" * 3)


def test_script_tags_are_stored_as_text_not_markup(world):
    receipt = submit(world, body="<script>alert(1)</script>'; DROP TABLE suggestions;--")
    assert receipt.suggestion.body.startswith("<script>")
    assert Suggestion.objects.count() == 1


def test_a_flood_from_one_address_is_throttled_and_others_still_get_through(world):
    for _ in range(intake.PER_CLIENT[0][0]):
        submit(world, client="flooder")
    with pytest.raises(intake.Throttled) as throttled:
        submit(world, client="flooder")
    assert throttled.value.retry_after > 0
    submit(world, client="someone-else")
    assert Suggestion.objects.filter(client_hash="flooder").count() == intake.PER_CLIENT[0][0]


def test_the_same_contact_from_many_addresses_is_throttled(world):
    for i in range(intake.PER_CONTACT[0][0]):
        submit(world, client=f"addr-{i}", email="same@example.invalid")
    with pytest.raises(intake.Throttled):
        submit(world, client="addr-x", email="SAME@example.invalid")


def test_an_exe_renamed_pdf_is_refused_and_nothing_is_written(world):
    fake = SimpleUploadedFile(
        "plan.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf"
    )
    with pytest.raises(ValidationError, match="not an accepted file"):
        submit(world, files=[fake])
    assert not Suggestion.objects.exists()


def test_an_oversized_attachment_is_refused(world):
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (intake.MAX_FILE_BYTES + 1))
    with pytest.raises(ValidationError, match="at most"):
        submit(world, files=[big])
    assert not Suggestion.objects.exists()


def test_a_real_pdf_is_kept(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF\n")
    receipt = submit(world, files=[pdf])
    attachment = receipt.suggestion.attachments.get()
    assert attachment.content_type == "application/pdf"
    assert attachment.name == "plan.pdf"


def test_the_challenge_must_be_answered_right_and_not_too_fast(db):
    question, token = intake.make_challenge()
    answer = signing.loads(token, salt=intake.CHALLENGE_SALT)["s"]
    with pytest.raises(ValidationError, match="too fast"):
        intake.check_challenge(token, answer)
    old = signing.dumps({"s": answer, "t": 0}, salt=intake.CHALLENGE_SALT)
    with pytest.raises(ValidationError, match="expired"):
        intake.check_challenge(old, answer)
    import time

    aged = signing.dumps({"s": answer, "t": int(time.time()) - 10}, salt=intake.CHALLENGE_SALT)
    intake.check_challenge(aged, answer)
    # Each token has one attempt (tests/suggestions/test_challenge_reuse.py): a new one.
    wrong = signing.dumps(
        {"s": answer, "t": int(time.time()) - 10, "n": "w"}, salt=intake.CHALLENGE_SALT
    )
    with pytest.raises(ValidationError, match="wrong"):
        intake.check_challenge(wrong, answer + 1)
    assert "?" in question or "？" in question


def test_a_closed_campaign_takes_no_suggestions(world):
    world.campaign.accepts_suggestions = False
    world.campaign.save()
    with pytest.raises(ValidationError, match="not taking"):
        submit(world)


def test_tracking_attempts_are_limited(world):
    receipt = submit(world)
    with clock.frozen_at(dt.datetime(2018, 12, 20, 10, tzinfo=dt.UTC)):
        for _ in range(intake.TRACK_ATTEMPTS[0]):
            intake.track(receipt.tracking_number, "BAD", "guesser")
        with pytest.raises(intake.Throttled):
            intake.track(receipt.tracking_number, receipt.secret_code, "guesser")
