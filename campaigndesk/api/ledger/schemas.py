"""What the ledger's addresses send and answer: shared types and output schemas."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any, Literal

from django.db.models import Choices
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language, gettext_lazy
from ninja import Field, Schema
from pydantic import StringConstraints

from campaigndesk import clock
from campaigndesk.ledger.filters import SORTS
from campaigndesk.ledger.models import Light, Priority, ReportingPeriod, Source, Task, TaskStatus
from campaigndesk.org.models import Unit

from ..common import Page
from ..org import UnitRef

StatusCode = Literal[tuple(TaskStatus.values)]  # type: ignore[valid-type]
LightCode = Literal[tuple(Light.values)]  # type: ignore[valid-type]
SourceCode = Literal[tuple(Source.values)]  # type: ignore[valid-type]
# A split is made by POST /tasks/{id}/split, not named as a source.
NEW_SOURCES = tuple(v for v in Source.values if v != Source.SPLIT)
NewSourceCode = Literal[NEW_SOURCES]  # type: ignore[valid-type]
PriorityCode = Literal[tuple(Priority.values)]  # type: ignore[valid-type]
SortCode = Literal[tuple(SORTS)]  # type: ignore[valid-type]

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL


def _text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=min_length > 0,
            min_length=min_length,
            max_length=max_length,
            pattern=NO_NUL,
        ),
    ]


Title = _text(300, 1)
MilestoneTitle = _text(200, 1)
LongText = _text(10000)
Reason = _text(2000)
Message = _text(1000)
SourceRef = _text(120)
LeaderName = _text(80)
Cursor = Annotated[str, StringConstraints(max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]

CHILDREN_SHOWN = 100
REPORTS_SHOWN = 5
REMINDERS_SHOWN = 10
WORKING = (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS)

NO_SUCH_UNIT = gettext_lazy("There is no such unit among the units you can see.")
NO_SUCH_CAMPAIGN = gettext_lazy("There is no such campaign.")
OTHER_CAMPAIGN = gettext_lazy("This belongs to another campaign.")
NO_SUCH_PERIOD = gettext_lazy("The task's campaign has no such reporting period.")
BAD_CURSOR = gettext_lazy("This is not a cursor of this list: follow `next` from the last page.")


# --- output ---------------------------------------------------------------------------------


@functools.cache
def labels_of(choices: type[Choices], language: str | None) -> dict[Any, str]:
    """value -> label of `choices` in `language`, made once per process."""
    return {value: str(label) for value, label in choices.choices}


def label(choices: type[Choices], value: Any) -> str:
    """A choice's label in the request's language: a page of 50 rows asked
    `get_FOO_display()` 200 times, each hashing lazy labels (a third of GET /tasks)."""
    return labels_of(choices, get_language()).get(value, str(value))


@functools.cache
def _task_url(prefix: str) -> str:
    pk = 2_147_483_647  # a placeholder id, replaced in the reversed address
    return reverse("ledger:task", args=[pk]).replace(str(pk), "{}")


def task_url(pk: int) -> str:
    """The task's page on the desk, reversed once per process (and script prefix)."""
    return _task_url(get_script_prefix()).format(pk)


def task_url_pattern() -> str:
    """`task_url` as a pattern to format with each task's id: the script prefix asked
    once for a page of tasks, not once a task."""
    return _task_url(get_script_prefix())


class KeyTaskRef(Schema):
    id: int
    number: int
    title: str = Field(description="In the request's language (falls back to the other).")
    title_zh: str
    title_en: str


class PhaseRef(Schema):
    id: int
    number: int
    name: str
    name_zh: str
    name_en: str


class PersonRef(Schema):
    id: int
    username: str
    display_name: str


class TaskRow(Schema):
    """A row of the ledger."""

    id: int
    url: str = Field(description="The task's page on the desk.")
    campaign_id: int
    parent_id: int | None
    depth: int = Field(description="0 for a task the office assigned, 1 for its split, ...")
    title: str
    key_task: KeyTaskRef | None
    phase: PhaseRef | None
    source: SourceCode  # type: ignore[valid-type]
    source_label: str
    lead_unit: UnitRef
    co_units: list[UnitRef] = Field(description="Co-responsible units (配合单位).")
    responsible_leader: str
    starts_on: dt.date
    deadline: dt.date
    priority: PriorityCode = Field(  # type: ignore[valid-type]
        description="0 urgent, 1 high, 2 normal."
    )
    priority_label: str
    status: StatusCode  # type: ignore[valid-type]
    status_label: str
    progress: int = Field(description="Percent; a split task's is rolled up from its children.")
    light: LightCode  # type: ignore[valid-type]
    light_label: str
    accept_by: dt.date | None
    accepted_late: bool
    report_late_count: int
    finished_late: bool
    reminder_count: int
    reopen_count: int
    version: int = Field(description="Send it back with PATCH: a stale version is a 409.")
    updated_at: dt.datetime

    @staticmethod
    def resolve_url(obj: Task) -> str:
        return task_url(obj.pk)

    @staticmethod
    def resolve_co_units(obj: Task) -> list[Unit]:
        return sorted((link.unit for link in obj.co_unit_links.all()), key=lambda u: u.path)

    @staticmethod
    def resolve_source_label(obj: Task) -> str:
        return label(Source, obj.source)

    @staticmethod
    def resolve_priority_label(obj: Task) -> str:
        return label(Priority, obj.priority)

    @staticmethod
    def resolve_status_label(obj: Task) -> str:
        return label(TaskStatus, obj.status)

    @staticmethod
    def resolve_light_label(obj: Task) -> str:
        return label(Light, obj.light)


class TaskPage(Schema):
    items: list[TaskRow]
    count: int | None = Field(
        description="Always null: the ledger is not counted on every request (100,000 rows). "
        "Figures by light and status are at /campaigns/{campaign_id}/dashboard."
    )
    next: str | None = Field(description="The address of the next page; null on the last.")


class CampaignRef(Schema):
    id: int
    code: str
    title: str
    title_zh: str
    title_en: str


class TaskBrief(Schema):
    id: int
    title: str
    lead_unit: UnitRef
    status: StatusCode  # type: ignore[valid-type]
    light: LightCode  # type: ignore[valid-type]
    progress: int
    deadline: dt.date


class MilestoneOut(Schema):
    id: int
    title: str
    due: dt.date
    done_on: dt.date | None


class AttachmentOut(Schema):
    id: int
    name: str
    size: int = Field(description="Bytes.")
    content_type: str
    uploaded_at: dt.datetime
    url: str = Field(description="Download address on the desk (same access as the task).")
    download: str = Field(description="Download address in the API (works with a token).")

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return reverse("ledger:attachment", args=[obj.pk])

    @staticmethod
    def resolve_download(obj: Any) -> str:
        return reverse("api:attachment", args=[obj.pk])


class PeriodOut(Schema):
    id: int
    number: int
    starts_on: dt.date
    ends_on: dt.date
    due_on: dt.date = Field(description="Reports for the period are late after this day.")
    locked: bool = Field(description="Locked by the office: its reports no longer change.")
    locked_at: dt.datetime | None
    current: bool = Field(description="Today falls in this period.")

    @staticmethod
    def resolve_locked(obj: ReportingPeriod) -> bool:
        return obj.is_locked

    @staticmethod
    def resolve_current(obj: ReportingPeriod) -> bool:
        return obj.starts_on <= clock.today() <= obj.ends_on


class ReportOut(Schema):
    id: int
    task_id: int
    period: PeriodOut
    progress: int
    text: str
    problems: str
    reported_by: PersonRef
    reported_at: dt.datetime
    is_late: bool
    attachments: list[AttachmentOut]


class ReportPage(Page[ReportOut]):
    pass


class ReminderOut(Schema):
    id: int
    kind: str
    kind_label: str
    level: str
    level_label: str
    message: str
    sent_by: PersonRef | None
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_level_label(obj: Any) -> str:
        return str(obj.get_level_display())


ActionName = Literal[
    "accept",
    "return",
    "progress",
    "report-done",
    "split",
    "close",
    "send-back",
    "reopen",
    "cancel",
    "reassign",
    "remind",
    "edit",
]


class TaskOut(TaskRow):
    """A task with what its page shows."""

    campaign: CampaignRef
    parent: TaskBrief | None
    description: str
    source_ref: str
    plan_id: int | None = Field(description="The work plan whose measure made this task.")
    return_by: dt.date | None = Field(description="The unit may return the task until then.")
    status_reason: str = Field(description="Why it was last returned, sent back or cancelled.")
    completion_note: str
    accepted_at: dt.datetime | None
    reported_at: dt.datetime | None
    reported_by: PersonRef | None
    closed_at: dt.datetime | None
    created_at: dt.datetime
    milestones: list[MilestoneOut]
    children: list[TaskBrief] = Field(description=f"The first {CHILDREN_SHOWN} by deadline.")
    more_children: bool
    latest_reports: list[ReportOut] = Field(
        description=f"The last {REPORTS_SHOWN}; all of them at /tasks/{{task_id}}/reports."
    )
    evidence: list[AttachmentOut] = Field(description="Files reported with the completion.")
    reminders: list[ReminderOut] = Field(description=f"The last {REMINDERS_SHOWN}.")
    actions: list[ActionName] = Field(
        description="What the caller may do to the task now (the addresses under it)."
    )

    @staticmethod
    def resolve_plan_id(obj: Task) -> int | None:
        return obj.api_detail["plan_id"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_milestones(obj: Task) -> list[Any]:
        return obj.api_detail["milestones"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_children(obj: Task) -> list[Task]:
        return obj.api_detail["children"][:CHILDREN_SHOWN]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_more_children(obj: Task) -> bool:
        return len(obj.api_detail["children"]) > CHILDREN_SHOWN  # type: ignore[attr-defined]

    @staticmethod
    def resolve_latest_reports(obj: Task) -> list[Any]:
        return obj.api_detail["reports"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_evidence(obj: Task) -> list[Any]:
        return obj.api_detail["evidence"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_reminders(obj: Task) -> list[Any]:
        return obj.api_detail["reminders"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_actions(obj: Task) -> list[str]:
        return obj.api_detail["actions"]  # type: ignore[attr-defined]
