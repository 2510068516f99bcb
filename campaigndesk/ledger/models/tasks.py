"""Tasks on the ledger (台账), pressed down level by level."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigndesk.campaigns.models import Campaign, KeyTask, Phase, PlanMeasure
from campaigndesk.org.models import Unit


class TaskStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    RETURNED = "returned", _("Returned by the unit")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    REPORTED = "reported", _("Reported done")
    CLOSED = "closed", _("Verified and closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (
    TaskStatus.ASSIGNED,
    TaskStatus.RETURNED,
    TaskStatus.ACCEPTED,
    TaskStatus.IN_PROGRESS,
    TaskStatus.REPORTED,
)
WORKING_STATUSES = (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS)


class Light(models.TextChoices):
    GREEN = "green", _("Green: on track")
    YELLOW = "yellow", _("Yellow: deadline near or behind schedule")
    RED = "red", _("Red: overdue")
    GREY = "grey", _("Grey: not accepted in time")
    NONE = "none", _("No light (closed or cancelled)")


# Worst first: a parent shows the worst light among itself and its children.
LIGHT_SEVERITY = {Light.RED: 4, Light.GREY: 3, Light.YELLOW: 2, Light.GREEN: 1, Light.NONE: 0}


class Source(models.TextChoices):
    WORK_PLAN = "work_plan", _("Work plan")
    FINDING = "finding", _("Inspection finding")
    SUGGESTION = "suggestion", _("Adopted suggestion")
    MEETING = "meeting", _("Meeting decision")
    INSTRUCTION = "instruction", _("Leader's instruction")
    SPLIT = "split", _("Split from a parent task")


class Priority(models.IntegerChoices):
    NORMAL = 2, _("Normal")
    HIGH = 1, _("High")
    URGENT = 0, _("Urgent")


# What no list shows: left out of list queries (for_ledger()).
LONG_TEXTS = ("description", "completion_note", "status_reason")


class TaskQuerySet(models.QuerySet["Task"]):
    def open(self) -> TaskQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today) -> TaskQuerySet:
        return self.open().exclude(status=TaskStatus.REPORTED).filter(deadline__lt=today)

    def for_ledger(self) -> TaskQuerySet:
        """What a ledger row shows, in one query; co-units with their units come in a
        second, prefetched (one query, not one for the links and one for the units).
        The long texts no row shows are left in the database."""
        co_units = TaskCoUnit.objects.select_related("unit")
        return (
            self.select_related("lead_unit", "key_task")
            .prefetch_related(models.Prefetch("co_unit_links", queryset=co_units))
            .defer(*LONG_TEXTS)
        )


class Task(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="tasks")
    key_task = models.ForeignKey(
        KeyTask,
        verbose_name=_("key task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    phase = models.ForeignKey(
        Phase,
        verbose_name=_("phase"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    title = models.CharField(_("task"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.INSTRUCTION
    )
    source_ref = models.CharField(
        _("source reference"),
        max_length=120,
        blank=True,
        help_text=_("Document number or the item it came from."),
    )
    measure = models.ForeignKey(
        PlanMeasure, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="led_tasks"
    )
    # Copy of lead_unit.path: "tasks of my unit and below" is one indexed prefix scan
    # on this table, without a join, at 100,000 rows.
    unit_path = models.CharField(max_length=255, editable=False, db_index=True)
    co_units = models.ManyToManyField(
        Unit,
        through="TaskCoUnit",
        related_name="shared_tasks",
        verbose_name=_("co-responsible units"),
    )
    responsible_leader = models.CharField(_("responsible leader"), max_length=80, blank=True)
    starts_on = models.DateField(_("starts on"))
    deadline = models.DateField(_("deadline"))
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.ASSIGNED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    light = models.CharField(
        _("warning light"), max_length=8, choices=Light.choices, default=Light.GREEN
    )
    light_since = models.DateField(null=True, blank=True, editable=False)
    # Lateness is kept beside the state, not as states (practice.md).
    accept_by = models.DateField(_("accept by"), null=True, blank=True)
    return_by = models.DateField(_("return by"), null=True, blank=True)
    accepted_late = models.BooleanField(_("accepted late"), default=False)
    report_late_count = models.PositiveSmallIntegerField(_("late progress reports"), default=0)
    finished_late = models.BooleanField(_("finished late"), default=False)
    reminder_count = models.PositiveSmallIntegerField(_("reminders"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("times sent back or reopened"), default=0)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported done at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completion_note = models.TextField(_("completion report"), blank=True)
    status_reason = models.TextField(
        _("reason"),
        blank=True,
        help_text=_("Why it was returned, sent back, reopened or cancelled."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    # Optimistic lock: a save that names an older version is refused and shown the difference.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "id"]
        indexes = [
            # The ledger list's sorts (ledger/filters.py SORTS), each with id as the tiebreak,
            # so keyset_page reads one page from the index in either direction.
            models.Index(fields=["campaign", "deadline", "id"], name="task_campaign_deadline"),
            models.Index(fields=["campaign", "updated_at", "id"], name="task_campaign_updated"),
            models.Index(fields=["campaign", "created_at", "id"], name="task_campaign_created"),
            models.Index(fields=["campaign", "priority", "id"], name="task_campaign_priority"),
            # By status or light in (deadline, id) order: the workspace's groups read the
            # first rows of their status or light straight from the index (70 ms down to
            # 7 ms for a district's red tasks on PostgreSQL at city scale).
            models.Index(
                fields=["campaign", "status", "deadline", "id"], name="task_campaign_status_id"
            ),
            models.Index(
                fields=["campaign", "light", "deadline", "id"], name="task_campaign_light_id"
            ),
            # A unit's subtree by light (the list's "a district's red and yellow tasks"):
            # the matching rows straight from the index, however large the campaign.
            # Without it PostgreSQL ANDed the unit_path index with the light one, which
            # reads every red and yellow task of the campaign (32,000 at city scale): the
            # page and its counts 12 + 7 ms, now under 1 ms each.
            models.Index(
                fields=["campaign", "light", "unit_path"], name="task_campaign_light_unit"
            ),
            # The same sorts over every campaign: GET /api/v1/tasks without ?campaign=
            # (a sort of 100,000 rows for each page without them, 130 ms on PostgreSQL).
            models.Index(fields=["deadline", "id"], name="task_deadline"),
            models.Index(fields=["updated_at", "id"], name="task_updated"),
            models.Index(fields=["created_at", "id"], name="task_created"),
            models.Index(fields=["priority", "id"], name="task_priority"),
            models.Index(fields=["unit_path", "deadline"], name="task_unit_deadline"),
            models.Index(fields=["lead_unit", "status"], name="task_unit_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_leaf(self) -> bool:
        return not self.children.exists()


class TaskCoUnit(models.Model):
    """A co-responsible unit (配合单位): it sees the task and reports its own part."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="co_unit_links")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("co-responsible unit")
        verbose_name_plural = _("co-responsible units")
        constraints = [models.UniqueConstraint(fields=["task", "unit"], name="unique_task_co_unit")]

    def __str__(self) -> str:
        return f"{self.task_id} · {self.unit_id}"


class TaskMilestone(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["task", "due", "id"]

    def __str__(self) -> str:
        return self.title


class SavedFilter(models.Model):
    """A ledger filter a person keeps under a name."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filter"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="unique_saved_filter_name")
        ]

    def __str__(self) -> str:
        return self.name
