"""Issuing, revoking and using API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

from campaigndesk import clock
from campaigndesk.core import generation, writes
from campaigndesk.org import access
from campaigndesk.org.models import User

from .models import SHOWN_CHARS, ApiToken, hash_key, new_key

# last_used_at is written at most this often per token, so a busy script does not
# turn every read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def issue_token(
    actor: Any, user: User, name: str, *, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user`. Returns the token and its key; the key is not kept
    and cannot be shown again."""
    access.require(actor, "api.issue_token", user)
    raw_key = new_key()
    token = ApiToken(
        user=user,
        name=name,
        key_prefix=raw_key[:SHOWN_CHARS],
        key_hash=hash_key(raw_key),
        created_at=clock.now(),
        expires_at=expires_at,
    )
    with transaction.atomic():
        writes.create(actor, token, action="api.issue_token")
    return token, raw_key


def revoke_token(actor: Any, token: ApiToken) -> ApiToken:
    access.require(actor, "api.revoke_token", token)
    if token.revoked:
        return token
    with transaction.atomic():
        return writes.update(actor, token, {"revoked": True}, action="api.revoke_token")


def authenticate_key(raw_key: str) -> ApiToken | None:
    """The usable token with this key, with its person loaded, or None."""
    if not raw_key:
        return None
    # The reference stamp rides along (core/generation.py): a script's request has no
    # session read to carry it, and its grants then come from the process cache.
    token = (
        ApiToken.objects.usable()
        .select_related("user")
        .filter(key_hash=hash_key(raw_key))
        .annotate(reference_stamp=RawSQL(generation.STAMP_SUBQUERY, ()))  # noqa: S611 (a constant)
        .first()
    )
    if token is not None:
        generation.note(ApiToken.objects.db, token.reference_stamp)
        note_token_use(token)
    return token


def note_token_use(token: ApiToken) -> None:
    """Stamp last_used_at, at most once a minute per token.

    Not audited: it is bookkeeping, not a change anyone makes. The conditional update
    lets concurrent requests on several servers race safely: one of them writes.
    """
    now = clock.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    token.last_used_at = now
