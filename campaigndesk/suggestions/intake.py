"""Public intake: a citizen submits without an account and tracks with a number and a code.

Every acknowledged submission is committed before the tracking number is shown,
so none is lost. Abuse controls need no outside service: rate limits per client
address and per contact (counted in the database, shared by every app server), a
honeypot field, a signed arithmetic challenge that must not be answered too fast,
length limits, and text cleaned of control characters (it is never rendered as HTML).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import logging
import os
import posixpath
import re
import secrets
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.core import rows
from campaigndesk.core.uploads import DOC, DOCX, GIF, JPEG, PDF, PNG, WEBP, check_upload

from .models import ChallengeUse, Channel, IntakeThrottle, Suggestion, SuggestionAttachment

MAX_TITLE = 120
MAX_BODY = 5000
MIN_BODY = 10
MAX_FILES = 3
MAX_FILE_BYTES = 10 * 1024 * 1024
SUGGESTION_KINDS = (PDF, PNG, JPEG, GIF, WEBP, DOCX, DOC)

# (limit, window in seconds)
PER_CLIENT = [(5, 600), (30, 86400)]
PER_CONTACT = [(5, 86400)]
TRACK_ATTEMPTS = (20, 600)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CHALLENGE_SALT = "campaigndesk.suggestions.challenge"
CHALLENGE_MIN_SECONDS = 2
CHALLENGE_MAX_AGE = 2 * 60 * 60
CHALLENGE_BOOK_SALT = "campaigndesk.suggestions.challenge-book"
CHALLENGE_SLACK = 60 * 60  # spent tokens are kept this much longer, for clocks that differ

logger = logging.getLogger(__name__)

# Called inside the submission's transaction with the new suggestion (the triage
# app registers auto-routing and duplicate detection here), before its audit record. A
# hook whose work is audited itself (auto-routing) returns a function instead, called
# after the record, so the trail has the suggestion's creation first. Every submission
# pays for the hooks: one that must not break intake catches its own errors, and
# writes single statements rather than opening a savepoint (two more round trips each).
INTAKE_HOOKS: list[Callable[[Suggestion], Callable[[], None] | None]] = []


class Throttled(Exception):
    """Too many attempts from one client or contact; `retry_after` is in seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def client_hash(address: str) -> str:
    """A keyed hash of the client's address: counts attempts without storing the address."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"client:{address}".encode(), hashlib.sha256).hexdigest()[:32]


def _contact_hash(contact: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"contact:{contact.lower()}".encode(), hashlib.sha256).hexdigest()[:32]


def _count(
    attempts: Iterable[tuple[str, int]], now: int, *, durable: bool = True
) -> dict[tuple[str, int], int]:
    """Count one attempt under each (key, window length); {(key, window): count now}.

    ONE statement for all of them: an upsert that adds to the window's row (or makes
    it) and returns the new count. Rows are sorted, so two requests counting the same
    keys lock them in the same order; a key named twice counts twice.

    `durable=False`, for a count that is its own transaction (autocommit): on PostgreSQL
    its commit does not wait for the disk (a WAL flush took 1-8 ms, most of a tracking
    request). A crash can forget the last fraction of a second's counts, which lets a
    sender a few more attempts: nothing else is lost. Inside a transaction the setting
    would make the whole transaction's commit asynchronous, so it is refused there.
    """
    rows = Counter((key[:80], now // seconds) for key, seconds in attempts)
    if not rows:
        return {}
    ordered = sorted(rows.items())
    table = IntakeThrottle._meta.db_table
    qn = connection.ops.quote_name
    key, window, count = qn("key"), qn("window"), qn("count")
    values = ", ".join(["(%s, %s, %s)"] * len(ordered))
    # Names come from the model; every value is a parameter.
    sql = (
        f"INSERT INTO {qn(table)} ({key}, {window}, {count}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({key}, {window}) DO UPDATE "
        f"SET {count} = {qn(table)}.{count} + EXCLUDED.{count} "
        f"RETURNING {key}, {window}, {count}"
    )
    if not durable and connection.vendor == "postgresql":
        if connection.in_atomic_block:
            raise RuntimeError("a count in a transaction commits with it, durably")
        # Set for this statement's own transaction only (is_local), before its commit.
        sql += ", set_config('synchronous_commit', 'off', true)"
    params = [v for (k, w), n in ordered for v in (k, w, n)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(row[0], int(row[1])): int(row[2]) for row in cursor.fetchall()}


def hit(key: str, limit: int, window_seconds: int) -> int | None:
    """Count one attempt for `key`; None when allowed, else seconds until it is allowed again.

    Outside a transaction the count is committed without waiting for the disk (see _count).
    """
    now = int(clock.now().timestamp())
    window = now // window_seconds
    durable = connection.in_atomic_block
    count = _count([(key, window_seconds)], now, durable=durable).get((key[:80], window), 0)
    if count > limit:
        return (window + 1) * window_seconds - now
    return None


def _rate_checks(client: str, contacts: Iterable[str]) -> list[tuple[str, int, int]]:
    checks = [(f"c:{client}"[:80], limit, seconds) for limit, seconds in PER_CLIENT]
    checks += [
        (f"p:{_contact_hash(c)}"[:80], limit, seconds)
        for c in contacts
        if c
        for limit, seconds in PER_CONTACT
    ]
    return checks


def _check_rates(client: str, contacts: Iterable[str]) -> None:
    """Count the attempt under the client's and each contact's limits (one statement);
    raise Throttled when one is over. Run inside the submission's transaction, so a
    refused or failed submission is not counted (it is rolled back with the rest)."""
    checks = _rate_checks(client, contacts)
    now = int(clock.now().timestamp())
    counts = _count([(key, seconds) for key, _limit, seconds in checks], now)
    waits = [
        (now // seconds + 1) * seconds - now
        for key, limit, seconds in checks
        if counts.get((key, now // seconds), 0) > limit
    ]
    if waits:
        wait = max(waits)
        minutes = max(1, round(wait / 60))
        raise Throttled(
            _("Too many suggestions from the same sender. Please try again in %(minutes)s minutes.")
            % {"minutes": minutes},
            wait,
        )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(
    value: str, *, field: str, max_length: int, min_length: int = 0, multiline: bool = True
) -> str:
    """NFC-normalised text without control or direction-override characters.

    Malformed Unicode (lone surrogates) is refused rather than stored.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            {field: _("The text contains characters that are not valid Unicode.")}
        ) from None
    value = unicodedata.normalize("NFC", value)
    value = _CONTROL.sub("", value.replace("\r\n", "\n"))
    if not multiline:
        value = " ".join(value.split())
    value = value.strip()
    if len(value) > max_length:
        raise ValidationError(
            {
                field: _("Please keep this to %(max)s characters (it has %(count)s).")
                % {"max": max_length, "count": len(value)}
            }
        )
    if len(value) < min_length:
        raise ValidationError(
            {field: _("Please write at least %(min)s characters.") % {"min": min_length}}
        )
    return value


def make_challenge() -> tuple[str, str]:
    """A small sum and a signed token that carries its answer, the time it was made and
    a random nonce (so no two tokens are alike, and each can be spent once)."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps(
        {"s": a + b, "t": int(time.time()), "n": secrets.token_urlsafe(12)},
        salt=CHALLENGE_SALT,
        compress=True,
    )
    return _("What is %(a)s plus %(b)s?") % {"a": a, "b": b}, token


def make_challenge_book(answer: int, tickets: int, *, made_at: float | None = None) -> str:
    """A signed book of `tickets` single-use tokens for one answered sum, for load tests.

    Ticket `i` is sent as `"<book>~<i>"`; each is spent like a token of its own, so a
    replay is refused the same way. Only a holder of SECRET_KEY can make a book (as it
    could forge any token); the server never hands one out.
    """
    payload = {
        "s": answer,
        "t": int(made_at if made_at is not None else time.time()),
        "n": secrets.token_urlsafe(12),
        "b": tickets,
    }
    return signing.dumps(payload, salt=CHALLENGE_BOOK_SALT, compress=True)


def _expired() -> ValidationError:
    return ValidationError(
        {"challenge": _("The check question expired. Please answer the new one.")}
    )


def _challenge_data(token: str) -> tuple[dict[str, Any], str]:
    """The token's signed content and the key it is spent under; raises when forged or old."""
    raw, salt, ticket = token or "", CHALLENGE_SALT, None
    if not isinstance(raw, str) or not raw.isascii() or len(raw) > 1000:
        raise _expired()  # a signed token is short ASCII; this one was made up
    if "~" in raw:  # signed tokens never hold "~": a ticket of a book
        raw, _sep, ticket = raw.rpartition("~")
        salt = CHALLENGE_BOOK_SALT
    try:
        data = signing.loads(raw, salt=salt, max_age=CHALLENGE_MAX_AGE)
    except signing.BadSignature:
        raise _expired() from None
    if not isinstance(data, dict) or "s" not in data:
        raise _expired()
    if ticket is not None:
        if not ticket.isascii() or not ticket.isdigit() or int(ticket) >= int(data.get("b", 0)):
            raise _expired()
        spent = f"book:{data.get('n', '')}~{int(ticket)}"
    else:
        # Tokens made before they carried a nonce are told apart by their text.
        spent = f"token:{data.get('n') or raw}"
    return data, hashlib.sha256(spent.encode()).hexdigest()


def _spend(key: str) -> bool:
    """Mark a token spent; False when it already was (here or on another app server).

    One statement, no savepoint: a spent key is skipped (ON CONFLICT DO NOTHING), which
    leaves the surrounding transaction usable. When another transaction is spending the
    same key at this moment, the database waits for it to end first.
    """
    qn = connection.ops.quote_name
    table = qn(ChallengeUse._meta.db_table)  # names from the model, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({qn('key')}, {qn('used_at')}) VALUES (%s, %s) "  # noqa: S608
            f"ON CONFLICT ({qn('key')}) DO NOTHING",
            [key, connection.ops.adapt_datetimefield_value(clock.now())],
        )
        return cursor.rowcount == 1


def _used() -> ValidationError:
    return ValidationError(
        {"challenge": _("This check question was already used. Please answer the new one.")}
    )


def check_challenge(token: str, answer: Any, *, consume: bool = True, look_up: bool = True) -> str:
    """Refuse a forged, expired, already used, too fast or wrong answer.

    Each token has one attempt: a wrong or too fast answer spends it too, so a robot
    cannot try every sum on one token. A right answer spends it now (`consume`) or,
    with `consume=False`, when `submit(challenge_key=...)` saves the suggestion, in the
    same transaction (the portal: a citizen whose form has another mistake keeps the
    question answered; the public API: no transaction of its own). `look_up=False`
    skips asking whether a right answer's token was spent already, for a caller that
    spends it right after (a spent one is refused there, as "already used").
    Returns the key it is spent under.
    """
    data, key = _challenge_data(token)
    if look_up and ChallengeUse.objects.filter(key=key).exists():
        raise _used()
    age = time.time() - data.get("t", 0)
    if age > CHALLENGE_MAX_AGE:
        raise _expired()
    if age < CHALLENGE_MIN_SECONDS:
        if not _spend(key):
            raise _used()
        raise ValidationError(
            {"challenge": _("That was too fast. Please read the question and try again.")}
        )
    if str(answer).strip() != str(data["s"]):
        if not _spend(key):
            raise _used()
        raise ValidationError({"challenge": _("The answer to the check question is wrong.")})
    if consume and not _spend(key):
        raise _used()
    return key


def prune_challenges(now: Any = None) -> int:
    """Forget spent tokens that could no longer be accepted anyway; returns how many."""
    cutoff = (now or clock.now()) - dt.timedelta(seconds=CHALLENGE_MAX_AGE + CHALLENGE_SLACK)
    deleted, _kinds = ChallengeUse.objects.filter(used_at__lt=cutoff).delete()
    return deleted


def new_tracking_number(campaign: Any) -> str:
    """E.g. JY181220-7K3MQ: readable over the phone, unguessable enough with its code."""
    stamp = timezone.localtime(clock.now()).strftime("%y%m%d")
    return f"JY{stamp}-{''.join(secrets.choice(CODE_ALPHABET) for _ in range(5))}"


def hash_code(code: str) -> str:
    """Keyed, so a copy of the database alone does not let anyone try codes offline."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"code:{code.strip().upper()}".encode(), hashlib.sha256).hexdigest()


def _remove_files(names: Iterable[str]) -> None:
    """Delete stored files, and their folder (suggestions/<id>/) when it is left empty."""
    folders = set()
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("intake: could not remove %s after a rollback", name)
        folders.add(posixpath.dirname(name))
    for folder in folders:
        with contextlib.suppress(NotImplementedError, OSError):  # not local, or not empty
            os.rmdir(default_storage.path(folder))


@dataclass
class Receipt:
    suggestion: Suggestion
    tracking_number: str
    secret_code: str


def submit(
    *,
    campaign: Any,
    title: str,
    body: str,
    client: str,
    category: Any = None,
    key_task: Any = None,
    district: Any = None,
    name: str = "",
    phone: str = "",
    email: str = "",
    files: Iterable[Any] = (),
    channel: str = Channel.WEB,
    source_note: str = "",
    actor: Any = None,
    throttle: bool = True,
    challenge_token: str | None = None,
    challenge_key: str | None = None,
) -> Receipt:
    """Take in one suggestion. Raises ValidationError (form errors) or Throttled.

    `challenge_token`, checked before with `check_challenge(consume=False)` (or the key
    that returned, as `challenge_key`), is spent in the suggestion's transaction: a
    second submission with it is refused. Attachments are stored in the transaction
    and removed again when it is rolled back, so no file is left without its
    suggestion. (Callers that wrap a submission with files in a larger transaction of
    their own must clean up likewise; none does.)

    One transaction, so one commit, holds everything: the rate counts, the spent
    token, the suggestion, its files, the intake hooks' rows and the audit record (last
    but for audited hook work such as an automatic route, see INTAKE_HOOKS). When the
    call returns, the suggestion is committed (unless the caller holds a transaction
    open around it).
    """
    if not campaign.accepts_suggestions:
        raise ValidationError(_("This campaign is not taking suggestions at the moment."))
    title = clean_text(title, field="title", max_length=MAX_TITLE, min_length=2, multiline=False)
    body = clean_text(body, field="body", max_length=MAX_BODY, min_length=MIN_BODY)
    name = clean_text(name, field="name", max_length=60, multiline=False)
    phone = clean_text(phone, field="phone", max_length=30, multiline=False)
    if phone and not re.fullmatch(r"[0-9+()\- ]{5,30}", phone):
        raise ValidationError({"phone": _("Enter a phone number with digits only.")})
    email = clean_text(email, field="email", max_length=254, multiline=False)
    if category is not None and category.campaign_id != campaign.pk:
        raise ValidationError({"category": _("Choose a category of this campaign.")})
    if key_task is not None and key_task.campaign_id != campaign.pk:
        raise ValidationError({"key_task": _("Choose a key task of this campaign.")})
    files = list(files)
    if len(files) > MAX_FILES:
        raise ValidationError({"files": _("Attach at most %(max)s files.") % {"max": MAX_FILES}})
    kinds = [check_upload(f, SUGGESTION_KINDS, MAX_FILE_BYTES) for f in files]
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    secret_hash = hash_code(code)
    now = clock.now()
    spend = challenge_key
    if spend is None and challenge_token is not None:
        spend = _challenge_data(challenge_token)[1]
    for _attempt in range(5):
        number = new_tracking_number(campaign)
        written: list[str] = []  # files stored by this attempt, removed if it fails
        try:
            with transaction.atomic():
                if throttle:  # counted with the submission: a refused one rolls back
                    _check_rates(client, [phone, email])
                if spend is not None and not _spend(spend):
                    raise _used()
                suggestion = Suggestion(
                    campaign=campaign,
                    tracking_number=number,
                    secret_hash=secret_hash,
                    title=title,
                    body=body,
                    category=category,
                    key_task=key_task,
                    district=district,
                    name=name,
                    phone=phone,
                    email=email,
                    channel=channel,
                    source_note=source_note[:200],
                    client_hash=client,
                    created_at=now,
                    updated_at=now,
                )
                rows.insert(suggestion)  # save() compiled this INSERT on every submission
                for upload, kind in zip(files, kinds, strict=True):
                    attachment = SuggestionAttachment(
                        suggestion=suggestion,
                        name=upload.name[:200],
                        size=upload.size,
                        content_type=kind.content_type,
                    )
                    attachment.file.save(
                        f"{secrets.token_hex(8)}{kind.extensions[0]}", upload, save=False
                    )
                    written.append(attachment.file.name)
                    attachment.save()
                then = [hook(suggestion) for hook in INTAKE_HOOKS]
                after = trail.snapshot(suggestion)
                after.pop("secret_hash", None)
                trail.record(actor, "create", suggestion, action="suggestions.submit", after=after)
                for audited in then:
                    if audited is not None:
                        audited()
            return Receipt(suggestion, number, code)
        except IntegrityError:
            _remove_files(written)
            if Suggestion.objects.filter(tracking_number=number).exists():
                continue  # a tracking number collision: draw another
            raise
        except BaseException:
            # Rolled back (a later check, a hook, the database, the commit itself): the
            # stored files must not outlive the rows that named them.
            _remove_files(written)
            raise
    raise RuntimeError("could not draw a free tracking number")


def _throttle_tracking(client: str) -> None:
    limit, seconds = TRACK_ATTEMPTS
    if hit(f"t:{client}", limit, seconds) is not None:
        raise Throttled(_("Too many tracking attempts. Please wait a few minutes."), seconds)


def _normal_number(number: str) -> str:
    return (number or "").strip().upper()[:20]


def _read(number: str) -> Suggestion | None:
    # The number is unique: no ORDER BY (first() would sort by the model's ordering).
    rows = Suggestion.objects.select_related("category", "unit").filter(tracking_number=number)
    return next(iter(rows.order_by()[:1]), None)


def track(
    number: str, code: str, client: str, read: Callable[[str], Suggestion | None] = _read
) -> Suggestion | None:
    """The suggestion when number and code match; None otherwise (same answer for both).

    `read` finds it by its number with what the caller goes on to show, so it is read
    once (by default with its category and unit).
    """
    _throttle_tracking(client)
    suggestion = read(_normal_number(number))
    if suggestion is None or not hmac.compare_digest(suggestion.secret_hash, hash_code(code or "")):
        return None
    return suggestion


@functools.cache
def _code_sql(vendor: str) -> str:
    qn = connection.ops.quote_name
    table = qn(Suggestion._meta.db_table)
    number, secret = qn("tracking_number"), qn("secret_hash")
    return f"SELECT {number}, {secret} FROM {table} WHERE {number} = %s"  # noqa: S608


def check_code(number: str, code: str, client: str) -> str | None:
    """The suggestion's tracking number when number and code match; None otherwise.

    As `track`, for a caller that only needs to know (the portal's private link and its
    form remember the number and redirect): one plain read of two columns."""
    _throttle_tracking(client)
    with connection.cursor() as cursor:
        cursor.execute(_code_sql(connection.vendor), [_normal_number(number)])
        row = cursor.fetchone()
    if row is None or not hmac.compare_digest(row[1], hash_code(code or "")):
        return None
    return row[0]
