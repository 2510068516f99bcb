"""A campaign's figures, as on the desk's dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from campaigndesk import clock
from campaigndesk.campaigns import queries as campaign_queries
from campaigndesk.ledger import figures, stats
from campaigndesk.ledger.models import TaskStatus
from campaigndesk.org import access

from ..auth import person
from ..common import Id, StrictQuery, responses
from ..org import UnitRef
from .schemas import CampaignRef, LightCode, PhaseRef, StatusCode

router = Router(tags=["dashboard"])


# --- the dashboard ----------------------------------------------------------------------------


class LightCount(Schema):
    light: LightCode  # type: ignore[valid-type]
    label: str
    count: int


class StatusCount(Schema):
    status: StatusCode  # type: ignore[valid-type]
    label: str
    count: int


class UnitFiguresOut(Schema):
    unit: UnitRef = Field(description="A unit right below the city, with everything below it.")
    total: int
    closed: int
    on_time: int
    overdue: int
    on_time_rate: int | None = Field(description="Percent of closed tasks closed in time.")


class PhaseFiguresOut(Schema):
    phase: PhaseRef | None = Field(description="null: tasks not placed in a phase.")
    total: int
    closed: int
    average_progress: int
    closed_share: int


class TrendPointOut(Schema):
    starts_on: dt.date
    ends_on: dt.date
    closed: int = Field(description="Closed during the period.")
    due: int = Field(description="Falling due during the period.")
    done: int = Field(description="Of those due, reported done or closed.")
    overdue: int = Field(description="Of those due, past the deadline and not reported done.")


class DashboardOut(Schema):
    campaign: CampaignRef
    today: dt.date
    total: int
    lights: list[LightCount]
    statuses: list[StatusCount]
    units: list[UnitFiguresOut]
    phases: list[PhaseFiguresOut]
    trend_by_period: bool = Field(description="false: calendar weeks (no reporting periods).")
    trend: list[TrendPointOut]


@router.get(
    "/campaigns/{campaign_id}/dashboard",
    response=responses(DashboardOut, 403, 404),
    summary="A campaign's figures",
)
def dashboard(request: HttpRequest, campaign_id: Id, query: Query[StrictQuery]) -> Any:
    """The dashboard's figures over the tasks the caller sees: counts by light and by
    status, on-time rate by unit, progress by phase and the trend by period; cancelled
    tasks are left out of units, phases, trend. Computed once per change of the ledger
    (and day) and kept, like the desk's dashboard."""
    user = person(request)
    campaign = campaign_queries.get_campaign_for_user(user, campaign_id)
    access.require(user, "ledger.view")
    today = clock.today()
    # The desk dashboard's stored figures (ledger.figures): one row read while no write
    # has changed them, instead of the GROUP BYs over the campaign on every request.
    found = figures.dashboard_figures(user, campaign, today)
    lights, statuses = found.lights, found.statuses
    parts, trend = found.breakdown, found.trend
    return {
        "campaign": campaign,
        "today": today,
        "total": sum(statuses.values()),
        "lights": [
            {"light": k, "label": str(stats.LIGHT_NAMES[k]), "count": n} for k, n in lights.items()
        ],
        "statuses": [
            {"status": k, "label": str(TaskStatus(k).label), "count": n}
            for k, n in statuses.items()
        ],
        "units": [{**vars(f), "on_time_rate": f.on_time_rate} for f in parts.units],
        "phases": [
            {**vars(f), "average_progress": f.average_progress, "closed_share": f.closed_share}
            for f in parts.phases
        ],
        "trend_by_period": trend.by_period,
        "trend": trend.points,
    }
