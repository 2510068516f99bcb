"""A submission that fails after its attachments were stored leaves no file behind:
the files are removed with the rolled-back rows (real storage in a temporary MEDIA_ROOT)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError

from campaigndesk.audit import trail
from campaigndesk.suggestions import intake
from campaigndesk.suggestions.models import Suggestion, SuggestionAttachment

BODY = "建议在甘井子区增设社区便民服务站，方便老年人办事。"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def uploads() -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile("plan.pdf", PDF), SimpleUploadedFile("photo.png", PNG)]


def submit(world, **overrides):
    data = dict(campaign=world.campaign, title="增设便民服务站", body=BODY, client="c")
    data.update(overrides)
    return intake.submit(**data)


def test_a_committed_submission_keeps_its_files(world, media):
    receipt = submit(world, files=uploads())
    files = stored(media)
    assert len(files) == 2
    assert {a.file.path for a in receipt.suggestion.attachments.all()} == {str(p) for p in files}


def test_a_hook_refusing_after_the_files_were_written_leaves_no_file(world, media, monkeypatch):
    def refuse(suggestion):
        assert suggestion.attachments.count() == 2  # the files are written by now
        raise ValidationError("refused late")

    monkeypatch.setattr(intake, "INTAKE_HOOKS", [refuse])
    with pytest.raises(ValidationError, match="refused late"):
        submit(world, files=uploads())
    assert stored(media) == []
    assert not any(media.rglob("suggestions/*"))  # nor an empty folder
    assert not Suggestion.objects.exists()
    assert not SuggestionAttachment.objects.exists()


def test_a_database_error_after_the_files_leaves_no_file(world, media, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(trail, "record", broken)
    with pytest.raises(DatabaseError):
        submit(world, files=uploads())
    assert stored(media) == []
    assert not Suggestion.objects.exists()


def test_a_spent_challenge_refuses_before_any_file_is_written(world, media):
    token = f"{intake.make_challenge_book(7, tickets=1)}~0"
    submit(world, challenge_token=token)
    with pytest.raises(ValidationError, match="already used"):
        submit(world, files=uploads(), challenge_token=token)
    assert stored(media) == []
    assert Suggestion.objects.count() == 1


def test_a_tracking_number_collision_keeps_only_the_final_attempts_files(world, media, monkeypatch):
    taken = submit(world).tracking_number
    numbers = iter([taken, "JY181203-FRESH"])
    monkeypatch.setattr(intake, "new_tracking_number", lambda campaign: next(numbers))
    receipt = submit(world, files=uploads())
    assert receipt.tracking_number == "JY181203-FRESH"
    files = stored(media)
    assert len(files) == 2
    assert {a.file.path for a in receipt.suggestion.attachments.all()} == {str(p) for p in files}
