"""Reporting periods: the list and the office's lock."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router

from campaigndesk.campaigns import queries as campaign_queries
from campaigndesk.ledger import periods
from campaigndesk.ledger.models import ReportingPeriod
from campaigndesk.org import access

from ..auth import person
from ..common import Id, Page, PageQuery, StrictQuery, keyset_page, responses
from .schemas import PeriodOut

router = Router(tags=["reporting periods"])


# --- reporting periods ------------------------------------------------------------------------


class PeriodPage(Page[PeriodOut]):
    pass


@router.get(
    "/campaigns/{campaign_id}/periods",
    response=responses(PeriodPage, 403, 404),
    summary="List a campaign's reporting periods",
)
def list_periods(request: HttpRequest, campaign_id: Id, filters: Query[PageQuery]) -> Any:
    """The periods of the campaign's reporting cycle in order, each with its lock."""
    campaign = campaign_queries.get_campaign_for_user(person(request), campaign_id)
    if not campaign.reporting_periods.exists():
        periods.ensure_periods(campaign)  # derived from the campaign's dates and cycle
    return keyset_page(
        request, ReportingPeriod.objects.filter(campaign=campaign), filters, order=["number"]
    )


@router.post(
    "/periods/{period_id}/lock",
    response=responses(PeriodOut, 403, 404),
    summary="Lock a reporting period",
)
def lock_period(request: HttpRequest, period_id: Id, query: Query[StrictQuery]) -> Any:
    """The office freezes a period that has ended: its reports can no longer change.
    Locking a locked period changes nothing."""
    actor = person(request)
    period = ReportingPeriod.objects.select_related("campaign").filter(pk=period_id).first()
    if period is None:
        raise Http404
    access.require(actor, "campaigns.view", period.campaign)
    access.require(actor, "ledger.supervise", period)
    if not period.is_locked:
        periods.lock_period(actor, period)
    return period
