"""Working days counted by whole years agree with counting them one by one."""

from __future__ import annotations

import datetime as dt
import random

from campaigndesk.ledger.workdays import ONE_DAY, Workdays


def day_by_day(workdays: Workdays, start: dt.date, end: dt.date) -> int:
    if end < start:
        return -day_by_day(workdays, end, start)
    n, day = 0, start
    while day < end:
        day += ONE_DAY
        n += workdays.is_workday(day)
    return n


def test_counts_over_years_and_office_corrections_match_a_day_by_day_count():
    workdays = Workdays(None, (dt.date(2018, 1, 1), dt.date(2020, 1, 1)))
    # A Sunday made a working day, a Monday made a holiday, both outside the span too.
    workdays.overrides = {
        dt.date(2018, 10, 7): True,
        dt.date(2019, 3, 4): False,
        dt.date(2025, 5, 4): True,
        dt.date(2026, 3, 2): False,
    }
    rng = random.Random(2018)
    for _ in range(500):
        start = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(4000))
        end = start + dt.timedelta(days=rng.randrange(-3000, 3000))
        assert workdays.count_between(start, end) == day_by_day(workdays, start, end)
    # A task seven years overdue, as a task page counts it.
    start, end = dt.date(2019, 9, 20), dt.date(2026, 11, 28)
    assert workdays.count_between(start, end) == day_by_day(workdays, start, end)
