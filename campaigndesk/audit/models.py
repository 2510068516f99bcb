"""The audit trail: an append-only, hash-chained record of every change."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Verb(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    ACTION = "action", _("acted on")


class AuditRecord(models.Model):
    """One change. `seq` has no gaps: it is handed out under the chain head's lock."""

    seq = models.BigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(_("when"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        # The trail outlives the people in it, and the actor id is hashed, so
        # deleting a person must not touch their records.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("who"), max_length=150)
    verb = models.CharField(_("change"), max_length=10, choices=Verb.choices)
    action = models.CharField(_("action"), max_length=80)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    source = models.CharField(_("source"), max_length=255, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "seq"], name="audit_object_idx")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit records are append-only")

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field that differs."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class ChainHead(models.Model):
    """The single row whose lock serialises appends to the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"audit chain at {self.last_seq}"
