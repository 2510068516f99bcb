"""Campaigns with their phases and key tasks: /campaigns/..."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from campaigndesk.campaigns import queries
from campaigndesk.campaigns.models import Campaign, CampaignStatus, ReportingCycle
from campaigndesk.org import access

from .auth import person
from .common import Id, Page, PageQuery, SearchText, StrictQuery, keyset_page, responses
from .org import UnitRef

router = Router(tags=["campaigns"])

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
