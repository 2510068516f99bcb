"""API tokens: the bearer credentials of scripts and other systems."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigndesk import clock

KEY_PREFIX = "cdk_"  # lets secret scanners and people recognise a CampaignDesk key
SHOWN_CHARS = 8  # the start of the key kept in clear, to tell tokens apart


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(raw_key: str) -> str:
    """The key's SHA-256. Keys are 256 random bits, so a fast hash is enough:
    there is nothing to guess that a slow hash would protect."""
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        """Not revoked, not expired, held by an active person."""
        return self.filter(revoked=False, user__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=clock.now())
        )


class ApiToken(models.Model):
    """A key a person hands to a script. Only the key's hash is kept; the key is
    shown once, when it is issued."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(
        _("name"),
        max_length=80,
        help_text=_("What the token is for, e.g. the district's ledger script."),
    )
    key_prefix = models.CharField(_("key starts with"), max_length=SHOWN_CHARS, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= clock.now()
