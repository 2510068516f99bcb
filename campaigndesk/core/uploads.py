"""Checking uploaded files by their content, not by their name.

An .exe renamed .pdf is refused: the first bytes decide what a file is.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Kind:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = Kind("PDF", "application/pdf", (".pdf",))
PNG = Kind("PNG", "image/png", (".png",))
JPEG = Kind("JPEG", "image/jpeg", (".jpg", ".jpeg"))
GIF = Kind("GIF", "image/gif", (".gif",))
WEBP = Kind("WebP", "image/webp", (".webp",))
DOCX = Kind(
    "Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
XLSX = Kind(
    "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
)
DOC = Kind("Word 97", "application/msword", (".doc",))

EVIDENCE_KINDS = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, DOC)


def sniff(head: bytes, file: UploadedFile | None = None) -> Kind | None:
    """What the file is, judged from its first bytes (and, for Office files, its zip index)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return DOC
    if head.startswith(b"PK\x03\x04") and file is not None:
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            file.seek(0)
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    return None


def check_upload(
    file: UploadedFile,
    allowed: tuple[Kind, ...] = EVIDENCE_KINDS,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> Kind:
    """The file's kind, or a ValidationError that tells the person what to send instead."""
    if file.size is not None and file.size > max_bytes:
        raise ValidationError(
            _("%(name)s is %(size)s MB; files may be at most %(max)s MB.")
            % {
                "name": file.name,
                "size": round(file.size / 1_048_576, 1),
                "max": max_bytes // 1_048_576,
            }
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    kind = sniff(head, file)
    if kind is None or kind not in allowed:
        raise ValidationError(
            _("%(name)s is not an accepted file. Send %(kinds)s.")
            % {"name": file.name, "kinds": ", ".join(k.label for k in allowed)}
        )
    return kind
