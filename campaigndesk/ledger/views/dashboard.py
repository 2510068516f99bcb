"""The ledger dashboard: counts by light and status, on-time rate by unit, the trend,
progress by phase. The figures come from `ledger.stats` (GROUP BYs, reused by bulletins
and the API), computed once per ledger version and stored (`ledger.figures`); this view
only turns them into ECharts options and tables.

Each chart item carries the address of the ledger list filtered to it (`url`), which
app.js opens on click; the tables under the charts give the same figures and links.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from typing import Any
from urllib.parse import quote_plus

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_safe

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign
from campaigndesk.core import generation
from campaigndesk.core.bilingual import current_is_english
from campaigndesk.org import access

from .. import stats
from ..figures import Figures, current_figures, dashboard_figures
from ..models import Light, TaskStatus
from .lists import campaign_choices, campaign_for_request

# The colours of app.css's badges, so a light looks the same in the chart and the table.
LIGHT_COLOURS = {
    Light.RED: "#c0392b",
    Light.GREY: "#6c7a89",
    Light.YELLOW: "#d4a017",
    Light.GREEN: "#2e8b57",
    Light.NONE: "#b8c2cc",
}
OVERDUE_STATUSES = list(stats.LATE_STATUSES)


def _list_url(campaign: Campaign, **params: Any) -> str:
    # Called a few hundred times per page (two links per unit at city scale): the list's
    # address is reversed once, and the query is encoded without a QueryDict.
    pairs: list[tuple[str, Any]] = [("campaign", campaign.pk)]
    for name, value in params.items():
        if isinstance(value, (list, tuple)):
            pairs.extend((name, v) for v in value)
        else:
            pairs.append((name, value))
    query = "&".join(f"{name}={_quoted(value)}" for name, value in pairs)
    return f"{_ledger_list_url(get_script_prefix())}?{query}"


_URL_SAFE = re.compile(r"[A-Za-z0-9_.\-~]*\Z")  # what quote_plus leaves as it is


def _quoted(value: Any) -> str:
    """urlencode's quoting of one value, without its work for the ids, light and status
    codes and ISO dates that make up nearly every value here."""
    text = str(value)
    return text if _URL_SAFE.match(text) else quote_plus(text)


@functools.lru_cache(maxsize=8)
def _ledger_list_url(prefix: str) -> str:
    return reverse("ledger:list")


def _tooltip(trigger: str = "item") -> dict[str, Any]:
    return {"trigger": trigger}


def _lights(campaign: Campaign, counts: dict[str, int]) -> tuple[list[dict], dict]:
    rows = [
        {
            "light": light,
            "name": stats.LIGHT_NAMES[light],
            "count": counts[light],
            "url": _list_url(campaign, light=light),
        }
        for light in stats.LIGHT_ORDER
    ]
    option = {
        "tooltip": _tooltip(),
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "70%"],
                "label": {"formatter": "{b}: {c}"},
                "data": [
                    {
                        "name": r["name"],
                        "value": r["count"],
                        "url": r["url"],
                        "itemStyle": {"color": LIGHT_COLOURS[r["light"]]},
                    }
                    for r in rows
                    if r["count"]
                ],
            }
        ],
    }
    return rows, option


def _statuses(campaign: Campaign, counts: dict[str, int]) -> tuple[list[dict], dict]:
    rows = [
        {
            "status": status,
            "name": TaskStatus(status).label,
            "count": counts[status],
            "url": _list_url(campaign, status=status),
        }
        for status in counts
    ]
    option = {
        "tooltip": _tooltip("axis"),
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "inverse": True, "data": [r["name"] for r in rows]},
        "series": [
            {
                "type": "bar",
                "name": _("Tasks"),
                "data": [{"value": r["count"], "url": r["url"]} for r in rows],
            }
        ],
    }
    return rows, option


def _units(user: Any, campaign: Campaign, units: list[stats.UnitFigures]) -> tuple[list, dict]:
    grants = access.grants(user)
    yesterday = (clock.today() - dt.timedelta(days=1)).isoformat()
    rows = [
        {
            "figures": f,
            # Only units the person may filter by get a link (a shared task's lead unit
            # may lie outside their own units).
            "url": _list_url(campaign, unit=f.unit.pk) if grants.covers(f.unit) else None,
        }
        for f in units
    ]
    names = [r["figures"].unit.name for r in rows]
    option = {
        "tooltip": _tooltip("axis"),
        "legend": {"bottom": 0},
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 32, "containLabel": True},
        "xAxis": [
            {"type": "value", "name": _("On time (%)"), "max": 100},
            {"type": "value", "name": _("Overdue"), "minInterval": 1},
        ],
        "yAxis": {"type": "category", "inverse": True, "data": names},
        "series": [
            {
                "type": "bar",
                "name": _("On-time rate (%)"),
                "xAxisIndex": 0,
                "data": [
                    {"value": r["figures"].on_time_rate, "url": r["url"]}
                    if r["url"]
                    else {"value": r["figures"].on_time_rate}
                    for r in rows
                ],
            },
            {
                "type": "bar",
                "name": _("Overdue now"),
                "xAxisIndex": 1,
                "itemStyle": {"color": LIGHT_COLOURS[Light.RED]},
                "data": [
                    {
                        "value": r["figures"].overdue,
                        "url": _list_url(
                            campaign,
                            unit=r["figures"].unit.pk,
                            status=OVERDUE_STATUSES,
                            due_to=yesterday,
                        ),
                    }
                    if r["url"]
                    else {"value": r["figures"].overdue}
                    for r in rows
                ],
            },
        ],
    }
    return rows, option


def _trend(campaign: Campaign, trend: stats.Trend) -> tuple[list[dict], dict]:
    today = clock.today()
    yesterday = today - dt.timedelta(days=1)
    rows = []
    for p in trend.points:
        span = {"due_from": p.starts_on.isoformat(), "due_to": p.ends_on.isoformat()}
        past = {
            "due_from": p.starts_on.isoformat(),
            "due_to": min(p.ends_on, yesterday).isoformat(),
        }
        rows.append(
            {
                "point": p,
                "label": f"{p.starts_on:%m-%d}–{p.ends_on:%m-%d}",
                "due_url": _list_url(campaign, **span),
                "overdue_url": _list_url(campaign, status=OVERDUE_STATUSES, **past),
                "closed_url": _list_url(campaign, status=TaskStatus.CLOSED),
            }
        )
    option = {
        "tooltip": _tooltip("axis"),
        "legend": {"bottom": 0},
        "grid": {"left": 8, "right": 16, "top": 24, "bottom": 32, "containLabel": True},
        "xAxis": {"type": "category", "data": [r["label"] for r in rows]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "type": "bar",
                "name": _("Closed in the period"),
                "data": [{"value": r["point"].closed, "url": r["closed_url"]} for r in rows],
            },
            {
                "type": "line",
                "name": _("Falling due in the period"),
                "data": [{"value": r["point"].due, "url": r["due_url"]} for r in rows],
            },
            {
                "type": "line",
                "name": _("Of those, overdue now"),
                "itemStyle": {"color": LIGHT_COLOURS[Light.RED]},
                "data": [
                    {"value": r["point"].overdue, "url": r["overdue_url"]}
                    if r["point"].starts_on < today
                    else {"value": r["point"].overdue}
                    for r in rows
                ],
            },
        ],
    }
    return rows, option


def _phases(campaign: Campaign, phases: list[stats.PhaseFigures]) -> tuple[list[dict], dict]:
    rows = [
        {
            "figures": f,
            "name": f.phase.name if f.phase else _("No phase"),
            "url": _list_url(campaign, phase=f.phase.pk) if f.phase else None,
        }
        for f in phases
    ]

    def item(value: int, url: str | None) -> dict[str, Any]:
        return {"value": value, "url": url} if url else {"value": value}

    option = {
        "tooltip": _tooltip("axis"),
        "legend": {"bottom": 0},
        "grid": {"left": 8, "right": 16, "top": 24, "bottom": 32, "containLabel": True},
        "xAxis": {"type": "category", "data": [r["name"] for r in rows]},
        "yAxis": [
            {"type": "value", "minInterval": 1},
            {"type": "value", "max": 100, "name": "%"},
        ],
        "series": [
            {
                "type": "bar",
                "name": _("Tasks"),
                "data": [item(r["figures"].total, r["url"]) for r in rows],
            },
            {
                "type": "bar",
                "name": pgettext("count", "Closed"),
                "data": [item(r["figures"].closed, r["url"]) for r in rows],
            },
            {
                "type": "line",
                "name": _("Average progress (%)"),
                "yAxisIndex": 1,
                "data": [item(r["figures"].average_progress, r["url"]) for r in rows],
            },
        ],
    }
    return rows, option


def _unit_table(rows: list[dict[str, Any]]) -> SafeString:
    """The units table's rows (a hundred units at city scale), built here rather than in
    a template loop; the markup is the template's."""
    esc = html.escape
    english = current_is_english()
    out = []
    for row in rows:
        f = row["figures"]
        unit = f.unit
        name = esc((unit.name_en or unit.name_zh) if english else (unit.name_zh or unit.name_en))
        link = f'<a href="{esc(row["url"])}">{name}</a>' if row["url"] else name
        rate = '<span class="muted">—</span>' if f.on_time_rate is None else f"{f.on_time_rate}%"
        out.append(
            "<tr>\n"
            f"          <td>{link}</td>\n"
            f'          <td class="num">{f.total}</td>\n'
            f'          <td class="num">{f.closed}</td>\n'
            f'          <td class="num">{f.on_time}</td>\n'
            f'          <td class="num">{rate}</td>\n'
            f'          <td class="num">{f.overdue}</td>\n'
            "        </tr>"
        )
    return mark_safe("\n        ".join(out))  # noqa: S308 (every value escaped above)


def _trend_table(rows: list[dict[str, Any]]) -> SafeString:
    """The trend table's rows, as the units table's."""
    esc = html.escape
    out = []
    for row in rows:
        p = row["point"]
        starts = esc(date_format(p.starts_on, "SHORT_DATE_FORMAT"))
        ends = esc(date_format(p.ends_on, "SHORT_DATE_FORMAT"))
        overdue = f'<a href="{esc(row["overdue_url"])}">{p.overdue}</a>' if p.overdue else "0"
        out.append(
            "<tr>\n"
            f'          <td class="nowrap">{starts} – {ends}</td>\n'
            f'          <td class="num">{p.closed}</td>\n'
            f'          <td class="num"><a href="{esc(row["due_url"])}">{p.due}</a></td>\n'
            f'          <td class="num">{p.done}</td>\n'
            f'          <td class="num">{overdue}</td>\n'
            "        </tr>"
        )
    return mark_safe("\n        ".join(out))  # noqa: S308 (every value escaped above)


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(user, "ledger.view")
    campaign = campaign_for_request(request)
    if campaign is None:
        return render(request, "ledger/dashboard/dashboard.html", {"body": _body(request, None)})
    today = clock.today()
    # The stored figures' row names the body: rendered once per process for a person,
    # language and row, until a write makes new figures or a watched table (units,
    # phases, campaigns, grants) changes. One small read instead of the figures' JSON,
    # their units and phases, and the rendering.
    made = current_figures(user, campaign, today)
    figures = None
    if made is None:  # out of date: computed and stored now, and rendered from that
        figures = dashboard_figures(user, campaign, today)
        made = current_figures(user, campaign, today)
    if made is None:  # a write came in between: this once, not kept
        body = _body(request, campaign, figures)
    else:
        key = (user.pk, campaign.pk, made, translation.get_language(), today)
        body = generation.cached(
            "ledger.dashboard", key, lambda: _body(request, campaign, figures), limit=BODY_LIMIT
        )
    return render(request, "ledger/dashboard/dashboard.html", {"body": body})


BODY_LIMIT = 500  # rendered bodies of about 70 kB


def _body(request: HttpRequest, campaign: Any, figures: Figures | None = None) -> SafeString:
    """The page's body; from `figures` when the caller has just computed them, else from
    the stored ones (one row read, unless a write has changed them)."""
    user = request.user
    context: dict[str, Any] = {"campaign": campaign, "campaigns": campaign_choices()}
    if campaign is None:
        return render_to_string("ledger/dashboard/_body.html", context, request=request)
    today = clock.today()
    if figures is None:
        figures = dashboard_figures(user, campaign, today)
    light_counts, status_counts = figures.lights, figures.statuses
    parts, trend = figures.breakdown, figures.trend
    light_rows, light_chart = _lights(campaign, light_counts)
    status_rows, status_chart = _statuses(campaign, status_counts)
    unit_rows, unit_chart = _units(user, campaign, parts.units)
    trend_rows, trend_chart = _trend(campaign, trend)
    phase_rows, phase_chart = _phases(campaign, parts.phases)
    total = sum(status_counts.values())
    context.update(
        {
            "today": today,
            "total": total,
            "open": sum(status_counts[s] for s in stats.LATE_STATUSES)
            + status_counts[TaskStatus.REPORTED],
            "closed": status_counts[TaskStatus.CLOSED],
            "red": light_counts[Light.RED],
            "light_rows": light_rows,
            "status_rows": status_rows,
            "unit_rows": unit_rows,
            "unit_table": _unit_table(unit_rows),
            "trend_table": _trend_table(trend_rows),
            "trend_rows": trend_rows,
            "trend_by_period": trend.by_period,
            "phase_rows": phase_rows,
            "charts": {
                "lights": light_chart,
                "statuses": status_chart,
                "units": unit_chart,
                "trend": trend_chart,
                "phases": phase_chart,
            },
            "all_url": _list_url(campaign),
            "show_topics": access.can(user, "triage.view"),
        }
    )
    return render_to_string("ledger/dashboard/_body.html", context, request=request)
