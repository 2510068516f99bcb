"""The zh-Hans catalogue is complete, up to date and safe to render.

Every string a person reads is translated (see CONVENTIONS, "Text and languages"):
no entry of the catalogue is empty or fuzzy, every string marked in the source has
an entry, each translation keeps its msgid's placeholders and markup, and a page
rendered in each language shows that language.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

import campaigndesk

PROJECT_ROOT = Path(campaigndesk.__file__).resolve().parent.parent
CATALOGUE_NAME = "campaigndesk/locale/zh_Hans/LC_MESSAGES/django.po"
CATALOGUE = PROJECT_ROOT / CATALOGUE_NAME

# The same patterns as the command below, so the test sees what a developer sees.
IGNORE_PATTERNS = [".venv/*", "tests/*"]
UPDATE_COMMAND = (
    ".venv/bin/campaigndesk makemessages -l zh_Hans "
    "--ignore '.venv/*' --ignore 'tests/*' --no-obsolete"
)

needs_gettext = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("xgettext", "msgmerge", "msgfmt")),
    reason="GNU gettext (xgettext, msgmerge, msgfmt) is not installed",
)


@dataclass
class Entry:
    """One message of a .po file, as gettext would read it."""

    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.msgctxt or "", self.msgid)

    def __str__(self) -> str:
        context = f" [{self.msgctxt}]" if self.msgctxt else ""
        return f"line {self.line}{context}: {self.msgid!r}"


def _unquote(text: str) -> str:
    # A .po string is a C string; the escapes gettext writes (\" \\ \n \t) read the
    # same as in a Python literal.
    return ast.literal_eval(text.strip())


def parse_po(path: Path) -> list[Entry]:
    """A small reader for .po files as gettext writes them: one entry per block of
    lines, blocks separated by an empty line."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, raw in enumerate([*lines, ""], start=1):
        line = raw.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry = None
            continue
        if entry is None:
            entry = Entry(line=number)
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        elif line.startswith("#"):
            continue  # translator, extracted, reference and previous-msgid comments
        if not line.startswith('"'):
            keyword, _, line = line.partition(" ")
            if keyword.startswith("msgstr["):
                target = ("msgstr", int(keyword[len("msgstr[") : -1]))
            elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
                target = (keyword, 0)
                if keyword != "msgstr":
                    setattr(entry, keyword, "")
            else:
                raise ValueError(f"{path}:{number}: cannot read {raw!r}")
        name, index = target
        if name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + _unquote(line)
        else:
            setattr(entry, name, getattr(entry, name) + _unquote(line))
    return entries


def messages(path: Path) -> list[Entry]:
    """The catalogue's messages, without its header."""
    return [e for e in parse_po(path) if e.msgid and not e.obsolete]


# --- placeholders ---------------------------------------------------------------------

PYTHON_FORMAT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*\d*(?:\.\d+)?(?P<kind>[diouxXeEfFgGcrsa%])"
)
BRACE_FORMAT = re.compile(r"\{[A-Za-z_][\w.]*\}")
MARKUP = re.compile(r"</?[A-Za-z][^<>]*>|&(?:[a-z]+|#\d+);")


def placeholders(text: str) -> tuple[frozenset[str], int]:
    """Named %(...)s placeholders, and the number of positional ones (%s, %d ...)."""
    named, positional = set(), 0
    for match in PYTHON_FORMAT.finditer(text):
        if match["kind"] == "%":
            continue
        if match["name"] is not None:
            named.add(match["name"])
        else:
            positional += 1
    return frozenset(named), positional


def newline_edges(text: str) -> tuple[bool, bool]:
    return text.startswith("\n"), text.endswith("\n")


# --- the tests ------------------------------------------------------------------------


def test_the_catalogue_exists_and_says_chinese_has_one_plural_form():
    assert CATALOGUE.is_file(), f"{CATALOGUE} is missing; create it with: {UPDATE_COMMAND}"
    header = next(e for e in parse_po(CATALOGUE) if e.msgid == "")
    assert "nplurals=1; plural=0;" in header.msgstr[0]
    assert "fuzzy" not in header.flags, "the header is marked fuzzy: msgfmt would skip it"


def test_every_entry_is_translated_and_none_is_fuzzy_or_obsolete():
    entries = parse_po(CATALOGUE)
    obsolete = [str(e) for e in entries if e.obsolete]
    fuzzy = [str(e) for e in entries if e.msgid and "fuzzy" in e.flags]
    untranslated = [
        str(e)
        for e in messages(CATALOGUE)
        if not e.msgstr or any(not text.strip() for text in e.msgstr.values())
    ]
    assert len(messages(CATALOGUE)) > 0
    assert not obsolete, f"obsolete (#~) entries; run {UPDATE_COMMAND}: {obsolete[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries to check and translate: {fuzzy[:20]}"
    assert not untranslated, (
        f"{len(untranslated)} untranslated entries in {CATALOGUE_NAME}: {untranslated[:20]}"
    )


def test_plural_entries_have_exactly_the_one_chinese_form():
    wrong = [
        f"{e}: {sorted(e.msgstr)}"
        for e in messages(CATALOGUE)
        if e.msgid_plural is not None and sorted(e.msgstr) != [0]
    ]
    assert not wrong, f"Chinese has one plural form, msgstr[0] only: {wrong[:20]}"


def test_each_translation_keeps_the_placeholders_and_markup_of_its_msgid():
    wrong = []
    for e in messages(CATALOGUE):
        source = e.msgid_plural if e.msgid_plural is not None else e.msgid
        for text in e.msgstr.values():
            if not text:
                continue  # reported by the completeness test
            if placeholders(text) != placeholders(source):
                wrong.append(f"{e}: placeholders {placeholders(source)} → {text!r}")
            if sorted(BRACE_FORMAT.findall(text)) != sorted(BRACE_FORMAT.findall(source)):
                wrong.append(f"{e}: braces → {text!r}")
            if Counter(MARKUP.findall(text)) != Counter(MARKUP.findall(source)):
                wrong.append(f"{e}: markup → {text!r}")
            if newline_edges(text) != newline_edges(source):
                wrong.append(f"{e}: leading or trailing newline differs → {text!r}")
    assert not wrong, "\n".join(wrong[:30])


@needs_gettext
def test_msgfmt_accepts_the_catalogue(tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@needs_gettext
def test_the_catalogue_holds_every_string_marked_in_the_source(tmp_path, settings, monkeypatch):
    # makemessages writes into the first locale directory it finds; hide the project's
    # own (ignore it) and point LOCALE_PATHS at an empty one, so the committed file is
    # never touched and the fresh extraction lands in tmp_path.
    fresh_dir = tmp_path / "locale"
    (fresh_dir / "zh_Hans" / "LC_MESSAGES").mkdir(parents=True)
    settings.LOCALE_PATHS = [str(fresh_dir)]
    monkeypatch.chdir(PROJECT_ROOT)
    committed_bytes = CATALOGUE.read_bytes()

    call_command(
        "makemessages",
        locale=["zh_Hans"],
        ignore_patterns=[*IGNORE_PATTERNS, "campaigndesk/locale"],
        no_obsolete=True,
        verbosity=0,
    )

    assert CATALOGUE.read_bytes() == committed_bytes, "the check must not rewrite the catalogue"
    fresh = {e.key for e in messages(fresh_dir / "zh_Hans" / "LC_MESSAGES" / "django.po")}
    committed = {e.key for e in messages(CATALOGUE)}
    missing = [
        f"{msgid!r} [{context}]" if context else repr(msgid)
        for context, msgid in sorted(set(fresh) - committed)
    ]
    assert not missing, (
        f"{len(missing)} string(s) marked for translation are not in the zh-Hans catalogue, "
        f"e.g. {missing[:10]}.\nUpdate the catalogue from the project root with\n"
        f"    {UPDATE_COMMAND}\n"
        f"then translate the new entries in {CATALOGUE_NAME} "
        "and run `make messages` to compile it."
    )


@pytest.fixture
def compiled_catalogue(tmp_path, settings):
    """The committed .po compiled afresh, so the page test does not depend on a stale .mo."""
    if not shutil.which("msgfmt"):
        pytest.skip("GNU gettext (msgfmt) is not installed")
    target = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    subprocess.run(
        ["msgfmt", "-o", str(target / "django.mo"), str(CATALOGUE)], check=True, timeout=30
    )
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]


def test_the_sign_in_page_speaks_chinese_or_english_as_asked(client, compiled_catalogue):
    url = reverse("login")

    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.status_code == english.status_code == 200
    assert chinese["Content-Language"] == "zh-hans"
    assert "登录" in chinese.content.decode()
    assert "Forgot your password?" not in chinese.content.decode()
    assert english["Content-Language"] == "en"
    assert "Sign in" in english.content.decode()
    assert "登录" not in english.content.decode()


@pytest.mark.product_language
def test_chinese_is_the_default_language(client, compiled_catalogue):
    page = client.get(reverse("login")).content.decode()
    assert "忘记密码？" in page
