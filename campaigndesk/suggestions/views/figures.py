"""The suggestion figures page: counts by day, category, district and answering unit;
answer timeliness and the citizens' satisfaction by unit.

The figures come from `stats.figures` (pure: campaign and range of days in, data out,
reused by the dashboard and the unit scorecards); this view only turns them into
ECharts options (drawn by app.js from `data-chart`) and the tables under them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from campaigndesk import clock
from campaigndesk.campaigns.queries import current_campaign
from campaigndesk.org import access

from .. import stats
from ..forms import FiguresForm
from .common import campaign_choices

# The colours of app.css's badges.
GREEN, YELLOW, RED, BLUE = "#2e8b57", "#d4a017", "#c0392b", "#1d5fa8"


def _grid(bottom: int = 8) -> dict[str, Any]:
    return {"left": 8, "right": 16, "top": 24, "bottom": bottom, "containLabel": True}


def day_chart(days: list[stats.DayCount]) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "axis"},
        "grid": _grid(),
        "xAxis": {"type": "category", "data": [f"{d.day:%m-%d}" for d in days]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "name": _("Suggestions"), "data": [d.count for d in days]}],
    }


def tally_chart(rows: list[stats.Tally]) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "axis"},
        "grid": _grid(),
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "inverse": True, "data": [r.label for r in rows]},
        "series": [{"type": "bar", "name": _("Suggestions"), "data": [r.count for r in rows]}],
    }


def timeliness_chart(units: list[stats.UnitFigures]) -> dict[str, Any]:
    def series(name: str, colour: str, values: list[int]) -> dict[str, Any]:
        return {
            "type": "bar",
            "stack": "answers",
            "name": name,
            "itemStyle": {"color": colour},
            "data": values,
        }

    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": _grid(32),
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "inverse": True, "data": [f.unit.name for f in units]},
        "series": [
            series(_("Answered on time"), GREEN, [f.on_time for f in units]),
            series(_("Answered late"), YELLOW, [f.late for f in units]),
            series(_("Overdue now"), RED, [f.overdue for f in units]),
        ],
    }


def satisfaction_chart(units: list[stats.UnitFigures]) -> dict[str, Any]:
    rated = [f for f in units if f.rated]
    return {
        "tooltip": {"trigger": "axis"},
        "grid": _grid(),
        "xAxis": {"type": "value", "max": 100, "name": "%"},
        "yAxis": {"type": "category", "inverse": True, "data": [f.unit.name for f in rated]},
        "series": [
            {
                "type": "bar",
                "name": _("Satisfied or basically satisfied (%)"),
                "itemStyle": {"color": BLUE},
                "data": [f.satisfaction_rate for f in rated],
            }
        ],
    }


def _range(
    start: dt.date | None, end: dt.date | None, default_start: dt.date, default_end: dt.date
) -> tuple[dt.date, dt.date]:
    """The range asked for; with one end only, 30 days from or up to it."""
    span = dt.timedelta(days=stats.DEFAULT_DAYS - 1)
    if start and end:
        return start, end
    if start:
        return start, start + span
    if end:
        return end - span, end
    return default_start, default_end


@require_safe
@login_required
def figures(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(user, "suggestions.view_figures")
    form = FiguresForm(request.GET or None)
    today = clock.today()
    start, end = stats.default_range(today)
    campaign = None
    if form.is_bound and form.is_valid():
        campaign = form.cleaned_data["campaign"]
        start, end = _range(form.cleaned_data["start"], form.cleaned_data["end"], start, end)
    campaign = campaign or current_campaign()
    context: dict[str, Any] = {
        "form": form,
        "campaign": campaign,
        "campaigns": campaign_choices(),
        "start": start,
        "end": end,
        "today": today,
        "office_tabs": access.can(user, "suggestions.triage"),
    }
    if campaign is not None and not form.errors:
        data = stats.figures(campaign, start, end, today)
        context.update(
            {
                "data": data,
                "charts": {
                    "days": day_chart(data.days),
                    "categories": tally_chart(data.categories),
                    "districts": tally_chart(data.districts),
                    "timeliness": timeliness_chart(data.units.units),
                    "satisfaction": satisfaction_chart(data.units.units),
                },
                "any_rated": any(f.rated for f in data.units.units),
            }
        )
    return render(request, "suggestions/figures.html", context)
