"""Query counts that must not grow with the ledger: a deep page of the list, a unit and
light filter, a district liaison's list and dashboard, each with 10 and then 100 tasks.

(The first pages of the list and the workspace, the office's dashboard and the task page
are counted in test_lists, test_workspace, test_dashboard and test_task_views.)
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from campaigndesk import clock
from campaigndesk.ledger import actions
from campaigndesk.ledger.filters import keyset_page
from campaigndesk.ledger.models import Task
from campaigndesk.ledger.periods import ensure_periods

LIST = "/desk/ledger/tasks/"
DASHBOARD = "/desk/ledger/dashboard/"
START = dt.date(2018, 10, 8)


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


@pytest.fixture
def fill(world, django_capture_on_commit_callbacks):
    ensure_periods(world.campaign)
    units = [world.ganjingzi, world.street, world.zhongshan]

    def make(n: int, start: int) -> None:
        # As a transaction of its own: its commit hooks (which mark the stored figures
        # stale, one queued per transaction) run at the end of the block.
        transaction.get_connection().__dict__.pop("_ledger_stamps", None)
        with django_capture_on_commit_callbacks(execute=True), at(START):
            for i in range(start, start + n):
                actions.create_task(
                    world.office,
                    campaign=world.campaign,
                    title=f"任务{i}",
                    lead_unit=units[i % 3],
                    deadline=dt.date(2018, 10, 10) + dt.timedelta(days=i % 40),
                    co_units=[world.bureau] if i % 4 == 0 else [],
                    key_task=world.key_task,
                    phase=world.phase1,
                )

    return make


def count(client, url: str, params: dict | None = None, warm: bool = True) -> int:
    """The queries of a request; after an unmeasured one when `warm`, so that the person,
    their grants and the current campaign come from the process cache in every
    measurement alike (a task write leaves them be)."""
    with at(START + dt.timedelta(days=30)):
        if warm:
            client.get(url, params or {})
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def middle_cursor() -> str:
    first = keyset_page(Task.objects.all(), "deadline", None, Task.objects.count() // 2)
    assert first.next_cursor
    return first.next_cursor


def test_a_deep_page_runs_the_same_queries_for_10_and_100_tasks(world, client_for, fill):
    client = client_for(world.office)
    fill(10, 0)
    ten = count(client, LIST, {"cursor": middle_cursor(), "size": 5})
    fill(90, 10)
    hundred = count(client, LIST, {"cursor": middle_cursor(), "size": 50})
    # As the first page (see test_lists): the cursor changes only the page's WHERE.
    assert ten == hundred == count(client, LIST)


def test_a_unit_and_light_filter_runs_the_same_queries_for_10_and_100_tasks(
    world, client_for, fill
):
    client = client_for(world.office)
    params = {"unit": world.ganjingzi.pk, "light": ["green", "red", "yellow", "grey"]}
    fill(10, 0)
    ten = count(client, LIST, params)
    fill(90, 10)
    # 1 session and the reference stamp, 2 the page with its co-units' names, 3 counts
    # by light (a filter narrower than the campaign: no stored figures). (The person,
    # their grants, the current campaign, the filter's unit, the filter bar's key tasks,
    # phases, campaigns and units and the saved filters: the process cache.)
    assert ten == count(client, LIST, params) == 3


def test_a_liaisons_list_runs_the_same_queries_for_10_and_100_tasks(world, client_for, fill):
    client = client_for(world.gjz_liaison)
    fill(10, 0)
    ten = count(client, LIST)
    fill(90, 10)
    assert ten == count(client, LIST)


def test_a_liaisons_dashboard_reads_stored_figures_with_10_or_100_tasks(world, client_for, fill):
    client = client_for(world.gjz_liaison)
    count(client, DASHBOARD, warm=False)  # before any task: the person and grants cached
    fill(10, 0)
    fresh = count(client, DASHBOARD, warm=False)
    ten = count(client, DASHBOARD, warm=False)
    fill(90, 10)
    assert count(client, DASHBOARD, warm=False) == fresh  # computed again after the writes
    # 1 session and the reference stamp, 2 the stored figures' row at the campaign's
    # version (its id only): the body made from it is kept in the process.
    assert ten == count(client, DASHBOARD, warm=False) == 2
