"""Figures about suggestions: counts by day, category, district and unit; how units answer.

Pure reads, for this app's figures page, the dashboard and the unit scorecards: each
function takes a campaign and a range of days (local dates, both ends included) and
returns plain data. Spam is left out of every figure.

Each figure is one GROUP BY in the database, plus one query for the names of what it
groups by; Python only folds the grouped rows (a few hundred at most), never one row
per suggestion. Every query is restricted to one campaign and to the days received,
written so the (campaign, status, created_at) index serves it: the status filter lists
every status counted, which lets the database scan that index by range for each
status instead of reading the whole campaign.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign
from campaigndesk.org.models import Unit

from .models import AWAITING_ANSWER, Category, Status, Suggestion, Verdict

COUNTED = tuple(s for s in Status if s != Status.SPAM)
DEFAULT_DAYS = 30
MAX_DAYS = 400

NO_CATEGORY = _("No category")
NO_DISTRICT = _("No district given")


class LocalDate(TruncDate):
    """The local calendar date of a timestamp.

    PostgreSQL computes it natively. Django's TruncDate on SQLite calls a Python function
    per row; SQLite's own date() shifted by the zone's offset (today's: exact for zones
    without daylight saving, such as China's) is many times faster.
    """

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        sql, params = compiler.compile(self.lhs)
        offset = None
        if settings.USE_TZ:
            zone = self.tzinfo or timezone.get_current_timezone()
            offset = timezone.now().astimezone(zone).utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset else 0
        return f"date({sql}, %s)", [*params, f"{minutes:+d} minutes"]


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 30 days, today included."""
    today = today or clock.today()
    return today - dt.timedelta(days=DEFAULT_DAYS - 1), today


def start_of_day(day: dt.date) -> dt.datetime:
    """Local midnight at the start of `day`."""
    moment = dt.datetime.combine(day, dt.time())
    return timezone.make_aware(moment) if settings.USE_TZ else moment


def received(campaign: Campaign, start: dt.date, end: dt.date) -> QuerySet[Suggestion]:
    """Suggestions received in the campaign from `start` to `end` (local days, inclusive)."""
    return Suggestion.objects.filter(
        campaign=campaign,
        status__in=COUNTED,
        created_at__gte=start_of_day(start),
        created_at__lt=start_of_day(end + dt.timedelta(days=1)),
    ).order_by()


# --- counts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    count: int


@dataclass(frozen=True)
class Tally:
    """A count of suggestions for one category, district or unit (`key` None: none given)."""

    key: Any
    label: str
    count: int


def by_day(campaign: Campaign, start: dt.date, end: dt.date) -> list[DayCount]:
    """Suggestions received each day of the range, every day present (zero when none)."""
    rows = (
        received(campaign, start, end)
        .annotate(day=LocalDate("created_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    found: dict[dt.date, int] = {}
    for day, n in rows:
        if isinstance(day, str):  # SQLite's date() gives text
            day = dt.date.fromisoformat(day)
        found[day] = found.get(day, 0) + n
    days = (end - start).days + 1
    return [
        DayCount(start + dt.timedelta(days=i), found.get(start + dt.timedelta(days=i), 0))
        for i in range(max(days, 0))
    ]


def _grouped(qs: QuerySet[Suggestion], column: str) -> dict[int | None, int]:
    return dict(qs.values_list(column).annotate(n=Count("pk")))


def by_category(campaign: Campaign, start: dt.date, end: dt.date) -> list[Tally]:
    """Suggestions by the category the citizen chose, most first; two queries."""
    found = _grouped(received(campaign, start, end), "category_id")
    names = Category.objects.in_bulk([pk for pk in found if pk is not None])
    rows = [
        Tally(names.get(pk), names[pk].name if pk in names else str(NO_CATEGORY), n)
        for pk, n in found.items()
        if pk is None or pk in names
    ]
    return sorted(rows, key=lambda r: (-r.count, r.key is None, r.label))


def by_district(campaign: Campaign, start: dt.date, end: dt.date) -> list[Tally]:
    """Suggestions by the district they concern, most first; two queries."""
    found = _grouped(received(campaign, start, end), "district_id")
    units = Unit.objects.in_bulk([pk for pk in found if pk is not None])
    rows = [
        Tally(units.get(pk), units[pk].name if pk in units else str(NO_DISTRICT), n)
        for pk, n in found.items()
        if pk is None or pk in units
    ]
    return sorted(rows, key=lambda r: (-r.count, r.key is None, r.label))


# --- by answering unit ---------------------------------------------------------------------------


@dataclass
class UnitFigures:
    """How one unit handled the suggestions routed to it (of those received in the range)."""

    unit: Unit
    routed: int = 0
    answered: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0  # awaiting an answer past its deadline, today
    rated: int = 0
    satisfied: int = 0
    basic: int = 0
    not_satisfied: int = 0

    @property
    def on_time_rate(self) -> int | None:
        """Percent of answers given on time; None before any answer."""
        return round(100 * self.on_time / self.answered) if self.answered else None

    @property
    def satisfaction_rate(self) -> int | None:
        """Percent of rated answers the citizen found satisfying or basically so."""
        return round(100 * (self.satisfied + self.basic) / self.rated) if self.rated else None


@dataclass
class UnitBreakdown:
    units: list[UnitFigures] = field(default_factory=list)
    not_routed: int = 0  # received in the range and not (or no longer) with a unit


def by_unit(
    campaign: Campaign, start: dt.date, end: dt.date, today: dt.date | None = None
) -> UnitBreakdown:
    """Routed, answered on time / late, overdue now, and the citizens' verdicts, by the
    answering unit; one GROUP BY and the units' names."""
    today = today or clock.today()
    answered = Q(answered_at__isnull=False)
    rated = ~Q(verdict="")
    rows = (
        received(campaign, start, end)
        .values("unit_id")
        .annotate(
            routed=Count("pk"),
            answered=Count("pk", filter=answered),
            on_time=Count("pk", filter=answered & Q(answered_late=False)),
            late=Count("pk", filter=answered & Q(answered_late=True)),
            overdue=Count("pk", filter=Q(status__in=AWAITING_ANSWER, answer_due__lt=today)),
            rated=Count("pk", filter=rated),
            satisfied=Count("pk", filter=Q(verdict=Verdict.SATISFIED)),
            basic=Count("pk", filter=Q(verdict=Verdict.BASIC)),
            not_satisfied=Count("pk", filter=Q(verdict=Verdict.NOT_SATISFIED)),
        )
    )
    rows = list(rows)
    units = Unit.objects.in_bulk([r["unit_id"] for r in rows if r["unit_id"] is not None])
    result = UnitBreakdown()
    for r in rows:
        unit = units.get(r.pop("unit_id"))
        if unit is None:
            result.not_routed += r["routed"]
            continue
        result.units.append(UnitFigures(unit, **r))
    result.units.sort(key=lambda f: f.unit.path)
    return result


# --- all of it -----------------------------------------------------------------------------------


@dataclass
class Figures:
    campaign: Campaign
    start: dt.date
    end: dt.date
    days: list[DayCount]
    categories: list[Tally]
    districts: list[Tally]
    units: UnitBreakdown

    @property
    def total(self) -> int:
        return sum(d.count for d in self.days)


def figures(
    campaign: Campaign, start: dt.date, end: dt.date, today: dt.date | None = None
) -> Figures:
    """Every figure for the range: seven queries, however many suggestions there are."""
    return Figures(
        campaign=campaign,
        start=start,
        end=end,
        days=by_day(campaign, start, end),
        categories=by_category(campaign, start, end),
        districts=by_district(campaign, start, end),
        units=by_unit(campaign, start, end, today),
    )
