"""Keyset paging in every sort of the ledger list: each task once, in order, across ties,
with the row-value key condition that lets the database seek into the sort's index."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigndesk import clock
from campaigndesk.ledger import actions
from campaigndesk.ledger.filters import SORTS, keyset_page
from campaigndesk.ledger.models import Priority, Task

PRIORITIES = [Priority.NORMAL, Priority.HIGH, Priority.URGENT]


@pytest.fixture
def tasks(world):
    """Eleven tasks sharing few deadlines, priorities and creation moments: many ties."""
    made = []
    for i in range(11):
        moment = dt.datetime(2018, 10, 8, 10 + i % 3, tzinfo=dt.UTC)
        with clock.frozen_at(moment):
            made.append(
                actions.create_task(
                    world.office,
                    campaign=world.campaign,
                    title=f"任务{i}",
                    lead_unit=world.ganjingzi if i % 2 else world.zhongshan,
                    deadline=dt.date(2018, 11, 1) + dt.timedelta(days=i % 4),
                    priority=PRIORITIES[i % 3],
                )
            )
    return made


def walk(sort: str, size: int) -> list[int]:
    seen, cursor = [], None
    while True:
        page = keyset_page(Task.objects.filter(campaign__isnull=False), sort, cursor, size)
        seen.extend(t.pk for t in page.items)
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", list(SORTS))
def test_every_sort_pages_through_each_task_once_in_its_order(tasks, sort):
    field, desc = SORTS[sort]
    rows = list(Task.objects.values_list(field, "id"))
    expected = [pk for _v, pk in sorted(rows, reverse=desc)]
    for size in (1, 2, 4):
        assert walk(sort, size) == expected, size


def test_a_later_page_asks_for_the_rows_after_the_cursor_as_a_row_value(tasks):
    first = keyset_page(Task.objects.all(), "priority", None, 3)
    with CaptureQueriesContext(connection) as ctx:
        keyset_page(Task.objects.all(), "priority", first.next_cursor, 3)
    sql = ctx.captured_queries[0]["sql"].replace('"', "")
    # "priority >= v AND (priority, id) > (v, pk)": a seek to the exact row, not an OR.
    assert "ledger_task.priority >= " in sql
    assert "(ledger_task.priority, ledger_task.id) > (" in sql
    assert " OR " not in sql
