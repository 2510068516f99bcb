"""Suggestions from the public (献良策): intake, routing, answers, verdicts, publication."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from campaigndesk.campaigns.models import Campaign, KeyTask
from campaigndesk.core.bilingual import bilingual
from campaigndesk.core.import_jobs import ImportJobBase, status_field
from campaigndesk.core.import_jobs import ImportStatus as ImportStatus  # named here by the API
from campaigndesk.org.models import Unit


class Category(models.Model):
    """A subject a citizen can choose; routes to a default unit before the model has learned."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="suggestion_categories"
    )
    code = models.SlugField(_("code"), max_length=30)
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    default_unit = models.ForeignKey(
        Unit,
        verbose_name=_("default unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    name = bilingual("name")

    class Meta:
        verbose_name = _("suggestion category")
        verbose_name_plural = _("suggestion categories")
        ordering = ["campaign", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="unique_category_code")
        ]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("state", "Received")
    ROUTED = "routed", _("Sent to a unit")
    ACCEPTED = "accepted", _("Being handled")
    PENDING_ENDORSEMENT = "pending_endorsement", _("Answer awaiting the unit head")
    ANSWERED = "answered", _("Answered")
    REOPENED = "reopened", _("Reopened after a complaint")
    CLOSED = "closed", pgettext_lazy("state", "Closed")
    DUPLICATE = "duplicate", _("Duplicate")
    OUT_OF_SCOPE = "out_of_scope", _("Outside the campaign's remit")
    SPAM = "spam", _("Spam")
    WITHDRAWN = "withdrawn", _("Withdrawn by the citizen")


OPEN_STATUSES = (
    Status.RECEIVED,
    Status.ROUTED,
    Status.ACCEPTED,
    Status.PENDING_ENDORSEMENT,
    Status.REOPENED,
)
# States in which a unit owes an answer and the deadline runs.
AWAITING_ANSWER = (Status.ROUTED, Status.ACCEPTED, Status.PENDING_ENDORSEMENT)


class Outcome(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    REFERENCE = "reference", _("Taken for reference")
    EXPLAINED = "explained", _("Explained (already done or planned)")
    NOT_ADOPTED = "not_adopted", _("Not adopted, with reasons")


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")


class Channel(models.TextChoices):
    WEB = "web", _("Public portal")
    API = "api", _("Public API")
    PAPER = "paper", _("Paper form")
    MEETING = "meeting", _("Meeting or forum")
    HOTLINE = "hotline", _("Hotline")
    OTHER = "other", _("Other")


class SuggestionQuerySet(models.QuerySet["Suggestion"]):
    def open(self) -> SuggestionQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def published(self) -> SuggestionQuerySet:
        return self.filter(is_published=True)

    def for_queue(self) -> SuggestionQuerySet:
        return self.select_related("category", "district", "unit")


class Suggestion(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="suggestions")
    tracking_number = models.CharField(_("tracking number"), max_length=20, unique=True)
    # sha256 of the citizen's secret code; the code itself is shown once, at submission.
    secret_hash = models.CharField(max_length=64)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("suggestion"))
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    key_task = models.ForeignKey(
        KeyTask,
        verbose_name=_("key task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    district = models.ForeignKey(
        Unit,
        verbose_name=_("district concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Contact details: seen only by the office and the unit that answers.
    name = models.CharField(_("name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    source_note = models.CharField(_("where it was gathered"), max_length=200, blank=True)
    # A keyed hash of the sender's address: enough to rate-limit, not to identify.
    client_hash = models.CharField(max_length=64, blank=True, db_index=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("answering unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    unit_path = models.CharField(max_length=255, blank=True, editable=False)
    co_units = models.ManyToManyField(
        Unit, blank=True, related_name="shared_suggestions", verbose_name=_("co-responsible units")
    )
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    answer_due = models.DateField(_("answer due"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    task_deadline = models.DateField(_("deadline of the task it opens"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_late = models.BooleanField(_("answered late"), default=False)
    # Same colours as the ledger's (ledger.lights): yellow near the answer deadline, red past it.
    light = models.CharField(_("warning light"), max_length=8, default="green")
    reminder_count = models.PositiveSmallIntegerField(_("reminders"), default=0)
    # The ledger task opened when the suggestion was adopted (created through ledger.actions).
    task = models.ForeignKey(
        "ledger.Task",
        verbose_name=_("ledger task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    status_note = models.TextField(_("note"), blank=True)
    verdict = models.CharField(
        _("citizen's verdict"), max_length=14, choices=Verdict.choices, blank=True
    )
    verdict_comment = models.TextField(_("citizen's comment"), blank=True)
    verdict_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    is_outstanding = models.BooleanField(_("outstanding suggestion"), default=False)
    support_count = models.PositiveIntegerField(_("support"), default=0)
    created_at = models.DateTimeField(_("received at"))
    updated_at = models.DateTimeField(_("updated at"))
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The triage queue: one status at a time, in (created_at, id) order with no sort.
            models.Index(fields=["campaign", "status", "created_at", "id"], name="sugg_queue_idx"),
            models.Index(fields=["unit_path", "status", "answer_due"], name="sugg_unit_idx"),
            models.Index(fields=["client_hash", "created_at"], name="sugg_client_idx"),
            models.Index(
                fields=["campaign", "is_published", "published_at"], name="sugg_public_idx"
            ),
            models.Index(fields=["status", "answer_due"], name="sugg_due_idx"),
            # The staff list pages by (created_at, id) with and without a status filter.
            models.Index(fields=["created_at", "id"], name="sugg_received_idx"),
            models.Index(fields=["status", "created_at", "id"], name="sugg_status_received_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def attachment_path(instance: SuggestionAttachment, filename: str) -> str:
    return f"suggestions/{instance.suggestion_id}/{filename}"


class SuggestionAttachment(models.Model):
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class IntakeThrottle(models.Model):
    """Counts of recent attempts per key (a client address or a contact), in fixed windows.

    Kept in the database so every app server sees the same counts.
    """

    key = models.CharField(max_length=80)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="unique_throttle_window")
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}: {self.count}"


class ChallengeUse(models.Model):
    """A check-question token already spent: a second use of it is refused.

    In the database, so a token spent on one app server is spent on all. A row is
    needed only while its token could still be accepted (`intake.CHALLENGE_MAX_AGE`);
    `intake.prune_challenges` deletes older ones.
    """

    key = models.CharField(max_length=64, primary_key=True)
    used_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key[:12]}@{self.used_at:%Y-%m-%d %H:%M}"


class SuggestionReminder(models.Model):
    """One automatic reminder about an answer falling due or overdue.

    The key names the occasion and the level ("red:2018-12-24"); (suggestion, key) is
    unique, so the scan reminds nobody twice, even when two workers run it at once.
    A new answer deadline (the suggestion was routed again) is a new occasion.
    """

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="reminders")
    key = models.CharField(max_length=60)
    level = models.CharField(_("sent to"), max_length=12)
    created_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("answer reminder")
        verbose_name_plural = _("answer reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "key"], name="one_suggestion_reminder_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.suggestion_id}:{self.key}"


class SuggestionImportJob(ImportJobBase):
    """A long offline import, run in the background with a progress bar. All or nothing:
    its report keeps every problem by row and column, or how many suggestions were taken
    in: {"ok": bool, "rows": n, "problems": [{"row", "column", "field", "message"}],
    "written": n, "notice": "..."}. The suggestions themselves are audited by intake; the
    job is bookkeeping."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    status = status_field(
        writing=_("Taking in the suggestions"),
        refused=_("Refused: nothing was imported"),
        failed=_("Stopped by an error: nothing was imported"),
    )
    writing_words = ngettext_lazy(
        "Taking in %(count)s suggestion in one transaction.",
        "Taking in %(count)s suggestions in one transaction.",
        "count",
    )

    # The file holds citizens' names and phone numbers: kept no longer than needed.
    delete_file_when_finished = True

    class Meta(ImportJobBase.Meta):
        verbose_name = _("suggestion import")
        verbose_name_plural = _("suggestion imports")
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="sugg_import_owner_created")
        ]
