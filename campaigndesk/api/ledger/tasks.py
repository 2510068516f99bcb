"""Tasks on the ledger: the list, a task, its reports and history; assign and edit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.renderers import JSONRenderer
from ninja.responses import Response, Status
from pydantic import ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from campaigndesk import clock
from campaigndesk.audit.templatetags.audit import field_changes, hidden_fields, related_names
from campaigndesk.audit.trail import history_of
from campaigndesk.campaigns.models import Campaign, KeyTask, Phase, PlanMeasure
from campaigndesk.core.bilingual import current_is_english
from campaigndesk.core.compiled import compile_shape, fetch, stand_in_ints
from campaigndesk.ledger import actions
from campaigndesk.ledger.filters import LedgerFilter, compiled_page
from campaigndesk.ledger.filters import keyset_page as ledger_page
from campaigndesk.ledger.models import (
    Light,
    Priority,
    ProgressReport,
    Source,
    Task,
    TaskCoUnit,
    TaskStatus,
)
from campaigndesk.ledger.queries import get_task_for_edit, get_task_for_user
from campaigndesk.org import access
from campaigndesk.org.models import Unit

from ..auth import person
from ..common import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Id,
    Page,
    PageQuery,
    SearchText,
    StrictQuery,
    keyset_page,
    responses,
)
from .schemas import (
    BAD_CURSOR,
    CHILDREN_SHOWN,
    NO_SUCH_CAMPAIGN,
    NO_SUCH_UNIT,
    OTHER_CAMPAIGN,
    REMINDERS_SHOWN,
    REPORTS_SHOWN,
    WORKING,
    Cursor,
    LeaderName,
    LongText,
    MilestoneTitle,
    NewSourceCode,
    PriorityCode,
    ReportPage,
    SortCode,
    SourceCode,
    SourceRef,
    TaskOut,
    TaskPage,
    Title,
    labels_of,
    task_url_pattern,
)

router = Router(tags=["ledger"])


# --- reading tasks --------------------------------------------------------------------------


def _repeatable(values: list[str], example: str) -> Any:
    return Field(
        [],
        description=f"Repeat for several: {example}.",
        json_schema_extra={"items": {"type": "string", "enum": list(values)}},
    )


class TaskFilterParams(StrictQuery):
    """The ledger filter's parameters, shared by the list and its export."""

    campaign: Id | None = None
    unit: Id | None = Field(None, description="Tasks led by this unit or a unit below it.")
    key_task: Id | None = None
    phase: Id | None = None
    source: SourceCode | None = None  # type: ignore[valid-type]
    # Lists of plain strings checked as a whole below: ninja reports an error in an item
    # of a query list as `filters.status.0`, not as the parameter the caller sent.
    status: list[str] = _repeatable(TaskStatus.values, "`?status=assigned&status=returned`")
    light: list[str] = _repeatable(Light.values, "`?light=red&light=grey`")
    due_from: dt.date | None = Field(None, description="Deadline on or after this day.")
    due_to: dt.date | None = Field(None, description="Deadline on or before this day.")
    q: SearchText | None = Field(None, description="Part of the title or source reference.")
    top_level: bool = Field(False, description="Only tasks that are not splits of another.")
    led_by_mine: bool = Field(
        False, description="Only tasks led by the caller's units, not those shared as a co-unit."
    )
    sort: SortCode = Field(  # type: ignore[valid-type]
        "deadline",
        description="deadline, -deadline (latest first), updated and created (newest first), "
        "priority (urgent first).",
    )

    @field_validator("status", "light")
    @classmethod
    def _known(cls, values: list[str], info: ValidationInfo) -> list[str]:
        allowed = TaskStatus.values if info.field_name == "status" else Light.values
        if any(value not in allowed for value in values):
            expected = ", ".join(repr(a) for a in allowed)
            raise PydanticCustomError(
                "literal_error", "Input should be {expected}", {"expected": expected}
            )
        return values


class TaskFilters(TaskFilterParams):
    cursor: Cursor | None = Field(None, description="Where the page starts: follow `next`.")
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}."
    )


def filter_form(filters: TaskFilterParams, user: Any) -> LedgerFilter:
    """The ledger's own filter form, bound to the parsed parameters."""
    data = QueryDict(mutable=True)
    for name in ("campaign", "unit", "key_task", "phase", "source", "due_from", "due_to", "q"):
        value = getattr(filters, name)
        if value is not None:
            data[name] = str(value)
    data.setlist("status", filters.status)
    data.setlist("light", filters.light)
    if filters.top_level:
        data["top_level"] = "on"
    if filters.led_by_mine:
        data["led_by_mine"] = "on"
    data["sort"] = filters.sort
    return LedgerFilter(data, user)


def _query_error(field: str, message: str, kind: str) -> Status:
    msg = _("%(field)s: %(message)s") % {"field": field, "message": message}
    item = {"loc": ["query", field], "msg": msg, "type": kind}
    return Status(422, {"detail": msg, "errors": [item]})


def form_errors(form: LedgerFilter) -> Status:
    errors = []
    for field, field_errors in form.errors.as_data().items():
        for error in field_errors:
            for message in error.messages:
                msg = _("%(field)s: %(message)s") % {"field": field, "message": message}
                loc = ["query", field] if field != "__all__" else ["query"]
                errors.append({"loc": loc, "msg": msg, "type": error.code or "invalid"})
    return Status(422, {"detail": errors[0]["msg"], "errors": errors})


# A TaskRow's own columns and those of its key task, phase and lead unit, read as plain
# values: a page of 50 model rows, validated attribute by attribute through ninja's
# getter, cost four fifths of GET /tasks.
ROW_VALUES = (
    "id",
    "campaign_id",
    "parent_id",
    "depth",
    "title",
    "key_task_id",
    "key_task__number",
    "key_task__title_zh",
    "key_task__title_en",
    "phase_id",
    "phase__number",
    "phase__name_zh",
    "phase__name_en",
    "source",
    "lead_unit_id",
    "lead_unit__code",
    "lead_unit__name_zh",
    "lead_unit__name_en",
    "responsible_leader",
    "starts_on",
    "deadline",
    "priority",
    "status",
    "progress",
    "light",
    "accept_by",
    "accepted_late",
    "report_late_count",
    "finished_late",
    "reminder_count",
    "reopen_count",
    "version",
    "updated_at",
)
# The one sort key not shown: read only when the page is sorted by it (keyset_page's
# cursor reads it), fifty timestamps fewer to parse otherwise.
SORTED_ROW_VALUES = {"created": (*ROW_VALUES, "created_at")}


def _pick(english: bool, zh: str, en: str) -> str:
    # As the models' bilingual properties do, for the request's language.
    return (en or zh) if english else (zh or en)


def _unit_ref(english: bool, pk: int, code: str, zh: str, en: str) -> dict[str, Any]:
    return {"id": pk, "code": code, "name": _pick(english, zh, en), "name_zh": zh, "name_en": en}


def _links(task_ids: list[int]) -> Any:
    return (
        TaskCoUnit.objects.filter(task_id__in=task_ids)
        .order_by("task_id", "unit__path")
        .values_list("task_id", "unit_id", "unit__code", "unit__name_zh", "unit__name_en")
    )


def _co_units(task_ids: list[int], english: bool) -> dict[int, list[dict[str, Any]]]:
    """Each task's co-units as UnitRef dicts in unit order (one query)."""
    found: dict[int, list[dict[str, Any]]] = {}
    if not task_ids:
        return found
    # Compiled once per number of tasks (ledger/filters.py): building it cost more than
    # the read.
    stand_ins = stand_in_ints(len(task_ids))
    compiled = compile_shape(("api.co_units", len(task_ids)), lambda: _links(stand_ins), stand_ins)
    links = _links(task_ids) if compiled is None else fetch(compiled, task_ids)
    for task_id, *unit in links:
        found.setdefault(task_id, []).append(_unit_ref(english, *unit))
    return found


def _numbered_ref(english: bool, row: dict[str, Any], rel: str, field: str) -> dict | None:
    """A key task's or phase's ref ({id, number, title|name, _zh, _en}) from `row`'s values."""
    if row[f"{rel}_id"] is None:
        return None
    zh, en = row[f"{rel}__{field}_zh"], row[f"{rel}__{field}_en"]
    return {
        "id": row[f"{rel}_id"],
        "number": row[f"{rel}__number"],
        field: _pick(english, zh, en),
        f"{field}_zh": zh,
        f"{field}_en": en,
    }


def task_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """TaskRow's JSON, in its fields' order, from `ROW_VALUES` dicts."""
    english = current_is_english()
    co_units = _co_units([row["id"] for row in rows], english)
    # The labels once per page, not once per row and field (each asked the language).
    language = get_language()
    sources, priorities = labels_of(Source, language), labels_of(Priority, language)
    statuses, lights = labels_of(TaskStatus, language), labels_of(Light, language)
    url = task_url_pattern()
    items = []
    for r in rows:
        key_task = _numbered_ref(english, r, "key_task", "title")
        phase = _numbered_ref(english, r, "phase", "name")
        pk = r["id"]
        items.append(
            {
                "id": pk,
                "url": url.format(pk),
                "campaign_id": r["campaign_id"],
                "parent_id": r["parent_id"],
                "depth": r["depth"],
                "title": r["title"],
                "key_task": key_task,
                "phase": phase,
                "source": r["source"],
                "source_label": sources.get(r["source"], str(r["source"])),
                "lead_unit": _unit_ref(
                    english,
                    r["lead_unit_id"],
                    r["lead_unit__code"],
                    r["lead_unit__name_zh"],
                    r["lead_unit__name_en"],
                ),
                "co_units": co_units.get(pk, []),
                "responsible_leader": r["responsible_leader"],
                "starts_on": r["starts_on"].isoformat(),
                "deadline": r["deadline"].isoformat(),
                "priority": r["priority"],
                "priority_label": priorities.get(r["priority"], str(r["priority"])),
                "status": r["status"],
                "status_label": statuses.get(r["status"], str(r["status"])),
                "progress": r["progress"],
                "light": r["light"],
                "light_label": lights.get(r["light"], str(r["light"])),
                "accept_by": r["accept_by"] and r["accept_by"].isoformat(),
                "accepted_late": r["accepted_late"],
                "report_late_count": r["report_late_count"],
                "finished_late": r["finished_late"],
                "reminder_count": r["reminder_count"],
                "reopen_count": r["reopen_count"],
                "version": r["version"],
                "updated_at": r["updated_at"],
            }
        )
    return items


_JSON = JSONRenderer()


def _row_values(sort: str) -> Any:
    """The page's columns: what a TaskRow shows, and the sort's key."""
    fields = SORTED_ROW_VALUES.get(sort, ROW_VALUES)
    return lambda tasks: tasks.values(*fields)


@router.get("/tasks", response=responses(TaskPage, 403), summary="List tasks on the ledger")
def list_tasks(request: HttpRequest, filters: Query[TaskFilters]) -> Any:
    """The tasks the caller sees (their units, the units below, and tasks they share as a
    co-responsible unit), filtered like the desk's ledger list. A filter naming a unit
    outside the caller's units is a 422. Pages by key: a deep page costs the same as the
    first; the list is not counted (`count` is null)."""
    user = person(request)
    access.require(user, "ledger.view")
    form = filter_form(filters, user)
    if not form.is_valid():
        return form_errors(form)
    # SQL compiled once per filter shape (ledger/filters.py), else the ORM's query.
    select = _row_values(form.sort_order)
    page = compiled_page(form, "api", select, filters.cursor, filters.limit)
    if page is None:
        page = ledger_page(select(form.queryset()), form.sort_order, filters.cursor, filters.limit)
    if filters.cursor and not page.has_previous:  # the ledger's page ignores a bad cursor
        return _query_error("cursor", str(BAD_CURSOR), "invalid")
    next_url = None
    if page.next_cursor:
        params = request.GET.copy()
        params["cursor"] = page.next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    body = {"items": task_rows(page.items), "count": None, "next": next_url}
    # Built as TaskPage dumps it, so rendered as ninja would without validating again
    # what the database gave (tests/api compare the two).
    content = _JSON.render(request, body, response_status=200)
    return HttpResponse(content, content_type=f"{_JSON.media_type}; charset={_JSON.charset}")


def _has_units_below(unit: Unit) -> bool:
    return Unit.objects.subtree_of(unit).filter(is_active=True).exclude(pk=unit.pk).exists()


def _actions(user: Any, task: Task, children: list[Task]) -> list[str]:
    """What the caller may do now: the task page's buttons (the actions check again)."""
    act = access.can(user, "ledger.act_for_unit", task)
    supervise = access.can(user, "ledger.supervise", task)
    status, working = task.status, task.status in WORKING
    ended = (TaskStatus.CLOSED, TaskStatus.CANCELLED)
    if len(children) <= CHILDREN_SHOWN:
        live = any(c.status != TaskStatus.CANCELLED for c in children)
        open_children = any(c.status not in ended for c in children)
    else:  # more children than the page lists: ask the database
        live = task.children.exclude(status=TaskStatus.CANCELLED).exists()
        open_children = task.children.exclude(status__in=ended).exists()
    today = clock.today()
    offers = {
        "accept": act and status == TaskStatus.ASSIGNED,
        "return": act
        and status == TaskStatus.ASSIGNED
        and (task.return_by is None or today <= task.return_by),
        "progress": act and working and not live,
        "report-done": act and working and not open_children,
        "split": act and working and _has_units_below(task.lead_unit),
        "close": supervise
        and status == TaskStatus.REPORTED
        and task.reported_by_id != getattr(user, "pk", None),
        "send-back": supervise and status == TaskStatus.REPORTED,
        "reopen": supervise and status == TaskStatus.CLOSED,
        "cancel": supervise and status not in (TaskStatus.CLOSED, TaskStatus.CANCELLED),
        "reassign": supervise and status in (TaskStatus.ASSIGNED, TaskStatus.RETURNED),
        "remind": supervise and task.is_open,
        "edit": task.is_open and access.can(user, "ledger.edit_task", task),
    }
    return [name for name, allowed in offers.items() if allowed]


def reports_of(task_id: int) -> Any:
    return (
        ProgressReport.objects.filter(task_id=task_id)
        .select_related("period", "reported_by")
        .prefetch_related("attachments")
    )


def task_detail(request: HttpRequest, task_id: int) -> Task:
    """The task, read afresh, with everything its page shows."""
    user = person(request)
    task = get_task_for_user(user, task_id)
    co_units = TaskCoUnit.objects.select_related("unit")
    prefetch_related_objects([task], Prefetch("co_unit_links", queryset=co_units))
    children = list(
        task.children.select_related("lead_unit").order_by("deadline", "id")[: CHILDREN_SHOWN + 1]
    )
    plan_id = None
    if task.measure_id:
        measures = PlanMeasure.objects.filter(pk=task.measure_id)
        plan_id = measures.values_list("plan_id", flat=True).first()
    task.api_detail = {  # type: ignore[attr-defined]
        "plan_id": plan_id,
        "milestones": list(task.milestones.all()),
        "children": children,
        "reports": list(reports_of(task.pk).order_by("-period__number")[:REPORTS_SHOWN]),
        "evidence": list(task.attachments.filter(report__isnull=True).order_by("uploaded_at")),
        "reminders": list(task.reminders.select_related("sent_by")[:REMINDERS_SHOWN]),
        "actions": _actions(user, task, children),
    }
    return task


@router.get("/tasks/{task_id}", response=responses(TaskOut, 403, 404), summary="Get a task")
def get_task(request: HttpRequest, task_id: Id, query: Query[StrictQuery]) -> Any:
    """A task with its co-units, milestones, children, latest reports, evidence, reminders
    and the actions the caller may take; 404 outside the caller's units."""
    return task_detail(request, task_id)


@router.get(
    "/tasks/{task_id}/reports",
    response=responses(ReportPage, 403, 404),
    summary="List a task's progress reports",
)
def list_reports(request: HttpRequest, task_id: Id, filters: Query[PageQuery]) -> Any:
    """The task's progress reports, latest period first, with their attachments."""
    task = get_task_for_user(person(request), task_id)
    return keyset_page(request, reports_of(task.pk), filters, order=["-period__number", "-id"])


class ChangeOut(Schema):
    field: str
    label: str = Field(description="The field's name in the request's language.")
    before: str = Field(description="As a person reads it; `(hidden)` when masked.")
    after: str
    hidden: bool = Field(description="The caller may not read this field's values.")


class HistoryOut(Schema):
    id: int
    seq: int | None = Field(
        description="Position in the tamper-evident audit chain; empty for the moment between "
        "the change's commit and its record's sealing."
    )
    at: dt.datetime
    actor: str = Field(description="User name, or `system` for jobs and commands.")
    verb: str
    verb_label: str
    action: str = Field(description="The action's code, e.g. ledger.accept_task.")
    changes: list[ChangeOut]


class HistoryPage(Page[HistoryOut]):
    pass


@router.get(
    "/tasks/{task_id}/history",
    response=responses(HistoryPage, 403, 404),
    summary="List a task's audit records",
)
def task_history(request: HttpRequest, task_id: Id, filters: Query[PageQuery]) -> Any:
    """Every audited change of the task, newest first: who, when, which action, and each
    field before and after. Fields the caller may not read are masked."""
    user = person(request)
    task = get_task_for_user(user, task_id)
    records = history_of(task).select_related("content_type")
    page = keyset_page(request, records, filters, order=["-pk"])
    names = related_names(page["items"])
    page["items"] = [
        {
            "id": r.pk,
            "seq": r.seq,
            "at": r.at,
            "actor": r.actor_label,
            "verb": r.verb,
            "verb_label": str(r.get_verb_display()),
            "action": r.action,
            "changes": [
                {"field": c.name, **vars(c)}
                for c in field_changes(r, hidden_fields(user, r, task), names)
            ],
        }
        for r in page["items"]
    ]
    return page


# --- creating and editing -----------------------------------------------------------------


class MilestoneIn(Schema):
    model_config = {"extra": "forbid"}

    title: MilestoneTitle  # type: ignore[valid-type]
    due: dt.date


class TaskIn(Schema):
    model_config = {"extra": "forbid"}

    campaign: Id
    title: Title  # type: ignore[valid-type]
    description: LongText = ""  # type: ignore[valid-type]
    key_task: Id | None = Field(None, description="A key task of the campaign.")
    phase: Id | None = Field(None, description="A phase of the campaign.")
    source: NewSourceCode = Source.INSTRUCTION  # type: ignore[valid-type]
    source_ref: SourceRef = Field(  # type: ignore[valid-type]
        "", description="Document number or what it came from."
    )
    lead_unit: Id
    co_units: list[Id] = Field([], max_length=50, description="Co-responsible units.")
    responsible_leader: LeaderName = ""  # type: ignore[valid-type]
    starts_on: dt.date | None = Field(None, description="Leave out to start today.")
    deadline: dt.date
    priority: PriorityCode = Priority.NORMAL  # type: ignore[valid-type]
    milestones: list[MilestoneIn] = Field([], max_length=12)


def _campaign_part(field: str, pk: int | None, campaign: Campaign) -> Any:
    """The key task or phase `pk` of the campaign (None for None); 422 when it is not one."""
    if pk is None:
        return None
    model = KeyTask if field == "key_task" else Phase
    part = model.objects.filter(pk=pk, campaign=campaign).first()
    if part is None:
        raise ValidationError({field: OTHER_CAMPAIGN})
    return part


def unit_for(user: Any, pk: int, field: str) -> Unit:
    unit = access.visible_units(user).filter(pk=pk, is_active=True).first()
    if unit is None:
        raise ValidationError({field: NO_SUCH_UNIT})
    return unit


@router.post(
    "/tasks",
    response=responses(TaskOut, 400, 403, ok_status=201),
    summary="Assign a task (交办)",
)
def create_task(request: HttpRequest, payload: TaskIn, query: Query[StrictQuery]) -> Any:
    """The office puts a task on the ledger for a unit, with co-responsible units and
    milestones. The deadline must fall within the campaign, after the start."""
    actor = person(request)
    access.require(actor, "ledger.create_task")
    campaign = Campaign.objects.filter(pk=payload.campaign).first()
    if campaign is None:
        raise ValidationError({"campaign": NO_SUCH_CAMPAIGN})
    lead = unit_for(actor, payload.lead_unit, "lead_unit")
    wanted = set(payload.co_units)
    co_units = list(access.visible_units(actor).filter(pk__in=wanted, is_active=True))
    if len(co_units) != len(wanted):
        raise ValidationError({"co_units": NO_SUCH_UNIT})
    if lead.pk in wanted:
        raise ValidationError(
            {"co_units": _("The lead unit cannot also be a co-responsible unit.")}
        )
    task = actions.create_task(
        actor,
        campaign=campaign,
        title=payload.title,
        description=payload.description,
        key_task=_campaign_part("key_task", payload.key_task, campaign),
        phase=_campaign_part("phase", payload.phase, campaign),
        source=payload.source,
        source_ref=payload.source_ref,
        lead_unit=lead,
        co_units=co_units,
        responsible_leader=payload.responsible_leader,
        starts_on=payload.starts_on,
        deadline=payload.deadline,
        priority=payload.priority,
        milestones=sorted(((m.title, m.due) for m in payload.milestones), key=lambda m: m[1]),
    )
    return Status(201, task_detail(request, task.pk))


class TaskPatch(Schema):
    """Only the fields sent change. A field cannot be set to null except `key_task` and
    `phase` (null clears them)."""

    model_config = {"extra": "forbid"}

    version: int = Field(ge=1, le=2**31 - 1, description="The version the caller last read.")
    title: Title = None  # type: ignore[valid-type,assignment]
    description: LongText = None  # type: ignore[valid-type,assignment]
    starts_on: dt.date = None  # type: ignore[assignment]
    deadline: dt.date = None  # type: ignore[assignment]
    priority: PriorityCode = None  # type: ignore[valid-type,assignment]
    responsible_leader: LeaderName = None  # type: ignore[valid-type,assignment]
    source_ref: SourceRef = None  # type: ignore[valid-type,assignment]
    key_task: Id | None = None
    phase: Id | None = None


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _shown(name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    field = Task._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _conflict(conflict: actions.ConflictError) -> HttpResponse:
    """409: the task moved on since the caller read it; what they sent is not saved."""
    differences, errors = [], []
    for name, saved, yours in conflict.differences:
        label = str(Task._meta.get_field(name).verbose_name)
        differences.append(
            {"field": name, "label": label, "saved": _plain(saved), "yours": _plain(yours)}
        )
        msg = _("%(label)s is now “%(saved)s”; you sent “%(yours)s”.") % {
            "label": label,
            "saved": _shown(name, saved),
            "yours": _shown(name, yours),
        }
        errors.append({"loc": ["body", name], "msg": msg, "type": "conflict"})
    body = {
        "detail": str(conflict),
        "errors": errors or None,
        "differences": differences,
        "version": conflict.task.version,
    }
    return Response(body, status=409, json_dumps_params={"ensure_ascii": False})


@router.patch(
    "/tasks/{task_id}",
    response=responses(TaskOut, 400, 403, 404, 409),
    summary="Edit a task's details",
)
def update_task(
    request: HttpRequest, task_id: Id, payload: TaskPatch, query: Query[StrictQuery]
) -> Any:
    """Change a task's title, description, dates, priority, leader, key task, phase or
    source reference. Send the `version` you read: when someone saved the task since,
    nothing is saved and the answer is 409 with `errors` (one per field that differs,
    type `conflict`) and, beside them, `differences` (a list of {field, label, saved,
    yours}) and the task's current `version`: read it again and redo the change."""
    actor = person(request)
    task = get_task_for_edit(actor, task_id, "ledger.edit_task")
    sent = payload.model_fields_set - {"version"}
    changes: dict[str, Any] = {name: getattr(payload, name) for name in sent}
    if "key_task" in changes:
        changes["key_task"] = _campaign_part("key_task", changes["key_task"], task.campaign)
    if "phase" in changes:
        changes["phase"] = _campaign_part("phase", changes["phase"], task.campaign)
    unchanged = all(getattr(task, name) == value for name, value in changes.items())
    if task.version == payload.version and unchanged:
        return task_detail(request, task.pk)  # nothing to write, nothing to lose
    try:
        actions.update_task(actor, task, changes, expected_version=payload.version)
    except actions.ConflictError as conflict:
        return _conflict(conflict)
    return task_detail(request, task.pk)
