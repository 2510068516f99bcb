"""Fields kept in both Chinese and English, read in the person's language."""

from __future__ import annotations

from typing import Any

from django.utils import translation


def current_is_english() -> bool:
    return (translation.get_language() or "zh-hans").startswith("en")


def bilingual(field: str) -> property:
    """A read-only attribute that returns `<field>_en` or `<field>_zh` for the active language.

    Falls back to the other language when the preferred one is empty, so a record
    entered in one language only still shows something.
    """

    def getter(obj: Any) -> str:
        zh = getattr(obj, f"{field}_zh", "") or ""
        en = getattr(obj, f"{field}_en", "") or ""
        if current_is_english():
            return en or zh
        return zh or en

    return property(getter)
