"""Working days on a campaign's calendar.

The country's public holidays and adjusted working days come from the
`chinese_calendar` package for the years it covers; outside them weekends count
as days off. The office's own CalendarDay entries override both.

A `Workdays` object answers in O(log n) after building a cumulative count once,
so the nightly light refresh over 100,000 tasks does not walk the calendar per task.
"""

from __future__ import annotations

import bisect
import datetime as dt
from functools import cached_property, lru_cache

import chinese_calendar

from campaigndesk.campaigns.models import WorkCalendar

ONE_DAY = dt.timedelta(days=1)


# The package's answer never changes while the process runs, and each call scans its
# tables for their first and last year: remembered, a calendar of 1,200 days builds in
# about a millisecond instead of a tenth of a second (every task action builds one).
@lru_cache(maxsize=8192)
def _country_workday(country: str, day: dt.date) -> bool:
    if country == "CN":
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # a year the package does not cover yet
            pass
    return day.weekday() < 5


@lru_cache(maxsize=256)
def _year_counts(country: str, year: int) -> tuple[int, ...]:
    """The country's working days from 1 January to each day of `year`, inclusive."""
    counts, n, day = [], 0, dt.date(year, 1, 1)
    while day.year == year:
        n += _country_workday(country, day)
        counts.append(n)
        day += ONE_DAY
    return tuple(counts)


def _country_count(country: str, start: dt.date, end: dt.date) -> int:
    """The country's working days in (start, end], start <= end, by whole years: a task
    seven years overdue is no longer 2,500 days looked up one by one."""
    n = (
        _year_counts(country, end.year)[end.timetuple().tm_yday - 1]
        - _year_counts(country, start.year)[start.timetuple().tm_yday - 1]
    )
    for year in range(start.year, end.year):
        n += _year_counts(country, year)[-1]
    return n


# A count over at most this many days is made without listing the span (see count_between).
DIRECT_COUNT_DAYS = 200


class Workdays:
    def __init__(self, calendar: WorkCalendar | None, span: tuple[dt.date, dt.date] | None = None):
        self.country = calendar.country if calendar else "CN"
        self.overrides: dict[dt.date, bool] = (
            dict(calendar.days.values_list("date", "is_workday"))
            if calendar and calendar.pk
            else {}
        )
        today = dt.date.today()
        self.first, self.last = span or (
            today - dt.timedelta(days=3 * 366),
            today + dt.timedelta(days=3 * 366),
        )

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _country_workday(self.country, day)

    @cached_property
    def _days(self) -> list[dt.date]:
        """Every working day in the span, sorted."""
        days, day = [], self.first
        while day <= self.last:
            if self.is_workday(day):
                days.append(day)
            day += ONE_DAY
        return days

    def _inside(self, *days: dt.date) -> bool:
        return all(self.first <= d <= self.last for d in days)

    def count_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end comes before start."""
        if end < start:
            return -self.count_between(end, start)
        # Outside the span, or one count over a few months before the span's working
        # days are listed (a task page's "days left"): count the days themselves rather
        # than list every working day of the span (3 years) for one answer.
        if not self._inside(start, end) or (
            "_days" not in self.__dict__ and (end - start).days <= DIRECT_COUNT_DAYS
        ):
            n = _country_count(self.country, start, end)
            for day, workday in self.overrides.items():
                if start < day <= end:
                    n += workday - _country_workday(self.country, day)
            return n
        return bisect.bisect_right(self._days, end) - bisect.bisect_right(self._days, start)

    def add(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (n >= 0; n = 0 gives `start`)."""
        if n <= 0:
            return start
        if self._inside(start):
            i = bisect.bisect_right(self._days, start) + n - 1
            if i < len(self._days):
                return self._days[i]
        day = start
        while n:
            day += ONE_DAY
            n -= self.is_workday(day)
        return day

    def subtract(self, end: dt.date, n: int) -> dt.date:
        """The working day n working days before `end` (n >= 0)."""
        day = end
        while n > 0:
            day -= ONE_DAY
            n -= self.is_workday(day)
        return day


def for_campaign(campaign) -> Workdays:
    margin = dt.timedelta(days=400)
    return Workdays(campaign.calendar, (campaign.starts_on - margin, campaign.ends_on + margin))
