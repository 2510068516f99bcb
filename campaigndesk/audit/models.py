"""The audit trail: an append-only, hash-chained record of every change.

A record is written with the change, in its transaction, and chained (given its `seq`
and hashes) right after that transaction commits, by `trail.seal()`: chaining inside
the transaction held one lock through every commit's disk flush, so all audited writes
of all app servers committed one at a time.
"""

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
    """One change. `seq` is its place in the chain, without gaps, handed out when it is
    sealed; until then (moments after its commit) `seq` is empty and so are the hashes."""

    seq = models.BigIntegerField(unique=True, null=True, blank=True, editable=False)
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
    prev_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-id"]  # the order written; `seq` is the order sealed
        indexes = [
            models.Index(fields=["content_type", "object_id", "id"], name="audit_object_id_idx"),
            # Only the records waiting to be sealed: a handful, however long the trail.
            models.Index(
                fields=["id"], name="audit_unsealed_idx", condition=models.Q(seq__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq or '?'} {self.action} {self.object_repr}"

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
    """The single row that names the chain's last sealed record."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"audit chain at {self.last_seq}"
