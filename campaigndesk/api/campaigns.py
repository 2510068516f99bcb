"""Campaigns with their phases and key tasks: /campaigns/..."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply
from pydantic import StringConstraints

from campaigndesk.campaigns import actions, queries
from campaigndesk.campaigns.models import (
    Campaign,
    CampaignStatus,
    KeyTask,
    Phase,
    ReportingCycle,
    WorkCalendar,
)
from campaigndesk.org import access

from .auth import person
from .common import Id, Page, PageQuery, SearchText, StrictQuery, keyset_page, responses
from .org import UnitRef

router = Router(tags=["campaigns"])

NO_SUCH_UNIT = gettext_lazy("There is no such unit among the units you can see.")

StatusCode = Literal[tuple(CampaignStatus.values)]  # type: ignore[valid-type]
CycleCode = Literal[tuple(ReportingCycle.values)]  # type: ignore[valid-type]


class CalendarRef(Schema):
    id: int
    name: str
    name_zh: str
    name_en: str
    country: str = Field(description="Whose public holidays count; empty for weekends only.")


class CampaignOut(Schema):
    id: int
    code: str
    title: str = Field(description="In the request's language (falls back to the other).")
    title_zh: str
    title_en: str
    theme: str
    theme_zh: str
    theme_en: str
    summary: str
    summary_zh: str
    summary_en: str
    starts_on: dt.date
    ends_on: dt.date
    status: StatusCode  # type: ignore[valid-type]
    status_label: str
    reporting_cycle: CycleCode  # type: ignore[valid-type]
    reporting_cycle_label: str
    warning_window_days: int
    is_public: bool
    lead_unit: UnitRef | None
    office_unit: UnitRef | None
    calendar: CalendarRef
    phase_count: int
    key_task_count: int

    @staticmethod
    def resolve_status_label(obj: Campaign) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_reporting_cycle_label(obj: Campaign) -> str:
        return str(obj.get_reporting_cycle_display())


class CampaignPage(Page[CampaignOut]):
    pass


class PhaseOut(Schema):
    id: int
    number: int
    name: str
    name_zh: str
    name_en: str
    aim: str
    aim_zh: str
    aim_en: str
    starts_on: dt.date
    ends_on: dt.date


class PhasePage(Page[PhaseOut]):
    pass


class KeyTaskOut(Schema):
    id: int
    number: int
    code: str
    title: str
    title_zh: str
    title_en: str
    content: str
    content_zh: str
    content_en: str
    lead_unit: UnitRef | None


class KeyTaskPage(Page[KeyTaskOut]):
    pass


class CampaignFilters(PageQuery):
    status: StatusCode | None = None  # type: ignore[valid-type]
    q: SearchText | None = Field(None, description="Part of the code or of either title.")


def _campaigns() -> Any:
    return queries.campaigns_for_listing().select_related("calendar", "lead_unit", "office_unit")


@router.get("/campaigns", response=responses(CampaignPage, 403), summary="List campaigns")
def list_campaigns(request: HttpRequest, filters: Query[CampaignFilters]) -> Any:
    """Every campaign, newest first. Campaigns are city-wide: anyone with a role reads them."""
    access.require(person(request), "campaigns.view")
    campaigns = _campaigns()
    if filters.status:
        campaigns = campaigns.filter(status=filters.status)
    if filters.q:
        campaigns = campaigns.filter(
            Q(code__icontains=filters.q)
            | Q(title_zh__icontains=filters.q)
            | Q(title_en__icontains=filters.q)
        )
    return keyset_page(request, campaigns, filters, order=["-starts_on", "-id"])


@router.get(
    "/campaigns/{campaign_id}", response=responses(CampaignOut, 403, 404), summary="Get a campaign"
)
def get_campaign(request: HttpRequest, campaign_id: Id, query: Query[StrictQuery]) -> Any:
    return queries.get_campaign_for_user(person(request), campaign_id, queryset=_campaigns())


@router.get(
    "/campaigns/{campaign_id}/phases",
    response=responses(PhasePage, 403, 404),
    summary="List a campaign's phases",
)
def list_phases(request: HttpRequest, campaign_id: Id, filters: Query[PageQuery]) -> Any:
    """The campaign's phases in order."""
    campaign = queries.get_campaign_for_user(person(request), campaign_id)
    return keyset_page(request, queries.phases_of(campaign), filters, order=["number"])


@router.get(
    "/campaigns/{campaign_id}/key-tasks",
    response=responses(KeyTaskPage, 403, 404),
    summary="List a campaign's key tasks",
)
def list_key_tasks(request: HttpRequest, campaign_id: Id, filters: Query[PageQuery]) -> Any:
    """The campaign's key tasks in order, each with its lead unit."""
    campaign = queries.get_campaign_for_user(person(request), campaign_id)
    return keyset_page(request, queries.key_tasks_of(campaign), filters, order=["number"])


# --- setting up phases and key tasks ------------------------------------------------------------
# The office's campaign screens: add, change and delete phases and key tasks through
# `campaigns.actions` (audited; a phase must lie inside the campaign and overlap no other,
# numbers are used once per campaign, and a phase or key task in use cannot be deleted).

NO_NUL = r"^[^\x00]*$"
Number = Annotated[int, Field(ge=1, le=32767)]


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


LongText = _text(10000)
KeyTaskCode = Annotated[str, StringConstraints(max_length=20, pattern=r"^[A-Za-z0-9_-]*$")]


class PhaseIn(Schema):
    model_config = {"extra": "forbid"}

    number: Number
    name_zh: _text(120, 1)  # type: ignore[valid-type]
    name_en: _text(200) = ""  # type: ignore[valid-type]
    starts_on: dt.date
    ends_on: dt.date
    aim_zh: LongText = ""  # type: ignore[valid-type]
    aim_en: LongText = ""  # type: ignore[valid-type]


class PhasePatch(Schema):
    """Only the fields sent change."""

    model_config = {"extra": "forbid"}

    number: Number = None  # type: ignore[assignment]
    name_zh: _text(120, 1) = None  # type: ignore[valid-type]
    name_en: _text(200) = None  # type: ignore[valid-type]
    starts_on: dt.date = None  # type: ignore[assignment]
    ends_on: dt.date = None  # type: ignore[assignment]
    aim_zh: LongText = None  # type: ignore[valid-type]
    aim_en: LongText = None  # type: ignore[valid-type]


class KeyTaskIn(Schema):
    model_config = {"extra": "forbid"}

    number: Number
    code: KeyTaskCode = ""  # type: ignore[valid-type]
    title_zh: _text(200, 1)  # type: ignore[valid-type]
    title_en: _text(300) = ""  # type: ignore[valid-type]
    content_zh: LongText = ""  # type: ignore[valid-type]
    content_en: LongText = ""  # type: ignore[valid-type]
    lead_unit: Id | None = Field(None, description="The unit that leads it.")


class KeyTaskPatch(Schema):
    """Only the fields sent change; `lead_unit: null` clears the lead unit."""

    model_config = {"extra": "forbid"}

    number: Number = None  # type: ignore[assignment]
    code: KeyTaskCode = None  # type: ignore[valid-type]
    title_zh: _text(200, 1) = None  # type: ignore[valid-type]
    title_en: _text(300) = None  # type: ignore[valid-type]
    content_zh: LongText = None  # type: ignore[valid-type]
    content_en: LongText = None  # type: ignore[valid-type]
    lead_unit: Id | None = None


def _sent(payload: Schema) -> dict[str, Any]:
    return {name: getattr(payload, name) for name in payload.model_fields_set}


def _key_task_fields(user: Any, fields: dict[str, Any]) -> dict[str, Any]:
    if fields.get("lead_unit") is not None:
        unit = access.visible_units(user).filter(pk=fields["lead_unit"], is_active=True).first()
        if unit is None:
            raise ValidationError({"lead_unit": NO_SUCH_UNIT})
        fields["lead_unit"] = unit
    return fields


def _part(model: type[Phase] | type[KeyTask], user: Any, pk: int) -> Any:
    """The phase or key task, 404 when there is none or its campaign is hidden."""
    part = model.objects.select_related("campaign").filter(pk=pk).first()
    if part is None or not access.can(user, "campaigns.view", part.campaign):
        raise Http404
    return part


@router.post(
    "/campaigns/{campaign_id}/phases",
    response=responses(PhaseOut, 400, 403, 404, ok_status=201),
    summary="Add a phase",
)
def create_phase(
    request: HttpRequest, campaign_id: Id, payload: PhaseIn, query: Query[StrictQuery]
) -> Any:
    """The office adds a phase inside the campaign's dates, overlapping no other."""
    user = person(request)
    campaign = queries.get_campaign_for_user(user, campaign_id)
    return Reply(201, actions.create_phase(user, campaign, **payload.dict()))


@router.patch(
    "/phases/{phase_id}", response=responses(PhaseOut, 400, 403, 404), summary="Change a phase"
)
def update_phase(
    request: HttpRequest, phase_id: Id, payload: PhasePatch, query: Query[StrictQuery]
) -> Any:
    user = person(request)
    return actions.update_phase(user, _part(Phase, user, phase_id), _sent(payload))


@router.delete(
    "/phases/{phase_id}", response=responses(PhaseOut, 403, 404), summary="Delete a phase"
)
def delete_phase(request: HttpRequest, phase_id: Id, query: Query[StrictQuery]) -> Any:
    """A phase that tasks still name cannot be deleted (422). The answer is the phase as
    it was."""
    user = person(request)
    phase = _part(Phase, user, phase_id)
    gone = copy.copy(phase)  # deleting clears the instance's pk
    actions.delete_phase(user, phase)
    return gone


@router.post(
    "/campaigns/{campaign_id}/key-tasks",
    response=responses(KeyTaskOut, 400, 403, 404, ok_status=201),
    summary="Add a key task",
)
def create_key_task(
    request: HttpRequest, campaign_id: Id, payload: KeyTaskIn, query: Query[StrictQuery]
) -> Any:
    user = person(request)
    campaign = queries.get_campaign_for_user(user, campaign_id)
    fields = _key_task_fields(user, payload.dict())
    return Reply(201, actions.create_key_task(user, campaign, **fields))


@router.patch(
    "/key-tasks/{key_task_id}",
    response=responses(KeyTaskOut, 400, 403, 404),
    summary="Change a key task",
)
def update_key_task(
    request: HttpRequest, key_task_id: Id, payload: KeyTaskPatch, query: Query[StrictQuery]
) -> Any:
    user = person(request)
    key_task = _part(KeyTask, user, key_task_id)
    return actions.update_key_task(user, key_task, _key_task_fields(user, _sent(payload)))


@router.delete(
    "/key-tasks/{key_task_id}",
    response=responses(KeyTaskOut, 403, 404),
    summary="Delete a key task",
)
def delete_key_task(request: HttpRequest, key_task_id: Id, query: Query[StrictQuery]) -> Any:
    """A key task that tasks or plans still name cannot be deleted (422). The answer is
    the key task as it was."""
    user = person(request)
    key_task = _part(KeyTask, user, key_task_id)
    gone = copy.copy(key_task)
    actions.delete_key_task(user, key_task)
    return gone


# --- creating and changing campaigns -----------------------------------------------------------

Code = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")]
Days = Annotated[int, Field(ge=0, le=90)]
Points = Annotated[int, Field(ge=0, le=100)]
NO_SUCH_CALENDAR = gettext_lazy("There is no such working-day calendar.")


class CampaignIn(Schema):
    model_config = {"extra": "forbid"}

    code: Code = Field(description="Used in addresses, e.g. dalian-2018.")  # type: ignore[valid-type]
    title_zh: _text(200, 1)  # type: ignore[valid-type]
    title_en: _text(300) = ""  # type: ignore[valid-type]
    theme_zh: _text(200) = ""  # type: ignore[valid-type]
    theme_en: _text(400) = ""  # type: ignore[valid-type]
    summary_zh: LongText = ""  # type: ignore[valid-type]
    summary_en: LongText = ""  # type: ignore[valid-type]
    starts_on: dt.date
    ends_on: dt.date
    status: StatusCode = CampaignStatus.PREPARING  # type: ignore[valid-type]
    calendar: Id | None = Field(None, description="Leave out to give it a calendar of its own.")
    reporting_cycle: CycleCode = ReportingCycle.WEEKLY  # type: ignore[valid-type]
    warning_window_days: Days = 3
    accept_limit_days: Days = 3
    return_limit_days: Days = 3
    remind_before_days: Days = 3
    lag_yellow_points: Points = 10
    lag_red_points: Points = 30
    lead_unit: Id | None = Field(None, description="The leading group.")
    office_unit: Id | None = Field(None, description="The leading group's office.")
    is_public: bool = True


class CampaignPatch(Schema):
    """Only the fields sent change; `lead_unit` and `office_unit` may be null."""

    model_config = {"extra": "forbid"}

    code: Code = None  # type: ignore[valid-type]
    title_zh: _text(200, 1) = None  # type: ignore[valid-type]
    title_en: _text(300) = None  # type: ignore[valid-type]
    theme_zh: _text(200) = None  # type: ignore[valid-type]
    theme_en: _text(400) = None  # type: ignore[valid-type]
    summary_zh: LongText = None  # type: ignore[valid-type]
    summary_en: LongText = None  # type: ignore[valid-type]
    starts_on: dt.date = None  # type: ignore[assignment]
    ends_on: dt.date = None  # type: ignore[assignment]
    status: StatusCode = None  # type: ignore[valid-type]
    calendar: Id = None  # type: ignore[assignment]
    reporting_cycle: CycleCode = None  # type: ignore[valid-type]
    warning_window_days: Days = None  # type: ignore[assignment]
    accept_limit_days: Days = None  # type: ignore[assignment]
    return_limit_days: Days = None  # type: ignore[assignment]
    remind_before_days: Days = None  # type: ignore[assignment]
    lag_yellow_points: Points = None  # type: ignore[assignment]
    lag_red_points: Points = None  # type: ignore[assignment]
    lead_unit: Id | None = None
    office_unit: Id | None = None
    is_public: bool = None  # type: ignore[assignment]


def _campaign_fields(user: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """Ids to rows: units among those the caller sees, an existing calendar."""
    for name in ("lead_unit", "office_unit"):
        if fields.get(name) is not None:
            unit = access.visible_units(user).filter(pk=fields[name], is_active=True).first()
            if unit is None:
                raise ValidationError({name: NO_SUCH_UNIT})
            fields[name] = unit
    if fields.get("calendar") is not None:
        calendar = WorkCalendar.objects.filter(pk=fields["calendar"]).first()
        if calendar is None:
            raise ValidationError({"calendar": NO_SUCH_CALENDAR})
        fields["calendar"] = calendar
    return fields


@router.post(
    "/campaigns",
    response=responses(CampaignOut, 400, 403, ok_status=201),
    summary="Create a campaign",
)
def create_campaign(request: HttpRequest, payload: CampaignIn, query: Query[StrictQuery]) -> Any:
    """The office sets up a campaign; its phases and key tasks are added next."""
    user = person(request)
    access.require(user, "campaigns.manage")
    campaign = actions.create_campaign(user, **_campaign_fields(user, payload.dict()))
    return Reply(201, queries.get_campaign_for_user(user, campaign.pk, queryset=_campaigns()))


@router.patch(
    "/campaigns/{campaign_id}",
    response=responses(CampaignOut, 400, 403, 404),
    summary="Change a campaign",
)
def update_campaign(
    request: HttpRequest, campaign_id: Id, payload: CampaignPatch, query: Query[StrictQuery]
) -> Any:
    """Its dates must still hold its phases; the code stays unique."""
    user = person(request)
    campaign = queries.get_campaign_for_user(user, campaign_id)
    actions.update_campaign(user, campaign, _campaign_fields(user, _sent(payload)))
    return queries.get_campaign_for_user(user, campaign.pk, queryset=_campaigns())


# --- the working-day calendar -------------------------------------------------------------------


class CalendarDayOut(Schema):
    id: int
    date: dt.date
    is_workday: bool = Field(description="true: worked although the package says off.")
    note: str


class CalendarDayPage(Page[CalendarDayOut]):
    calendar: CalendarRef = Field(description="Other campaigns may share it.")


class CalendarDayIn(Schema):
    model_config = {"extra": "forbid"}

    is_workday: bool
    note: _text(80) = ""  # type: ignore[valid-type]


@router.get(
    "/campaigns/{campaign_id}/calendar-days",
    response=responses(CalendarDayPage, 403, 404),
    summary="List the calendar's exception days",
)
def list_calendar_days(request: HttpRequest, campaign_id: Id, filters: Query[PageQuery]) -> Any:
    """The days the office made working days or days off on the campaign's calendar,
    latest first (the public holiday package decides the rest)."""
    campaign = queries.get_campaign_for_user(
        person(request), campaign_id, Campaign.objects.select_related("calendar")
    )
    page = keyset_page(
        request, queries.calendar_days(campaign.calendar), filters, order=["-date", "-id"]
    )
    return {**page, "calendar": campaign.calendar}


@router.put(
    "/campaigns/{campaign_id}/calendar-days/{date}",
    response={**responses(CalendarDayOut, 400, 403, 404), 201: CalendarDayOut},
    summary="Make a day a working day or a day off",
)
def set_calendar_day(
    request: HttpRequest,
    campaign_id: Id,
    date: dt.date,
    payload: CalendarDayIn,
    query: Query[StrictQuery],
) -> Any:
    """On the campaign's calendar (and so for every campaign sharing it): 201 for a new
    exception, 200 when it changes one."""
    user = person(request)
    campaign = queries.get_campaign_for_user(
        user, campaign_id, Campaign.objects.select_related("calendar")
    )
    access.require(user, "campaigns.manage", campaign)
    existed = queries.calendar_days(campaign.calendar).filter(date=date).exists()
    day = actions.set_calendar_day(
        user, campaign.calendar, date, is_workday=payload.is_workday, note=payload.note
    )
    return Reply(200 if existed else 201, day)
