"""The triage queue at scale: it reads one status at a time through the
(campaign, status, created_at, id) index and merges the pages, a cursor bounds
created_at, nothing counts the whole queue, and the order stays exact across pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigndesk import clock
from campaigndesk.suggestions import hints, intake
from campaigndesk.suggestions.models import Status, Suggestion

QUEUE = "/desk/suggestions/queue/"
DAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def only_the_built_in_hints(monkeypatch):
    monkeypatch.setattr(hints, "HINT_PROVIDERS", [hints.by_category])


def submit(world, minute: int) -> Suggestion:
    moment = dt.datetime.combine(DAY, dt.time(8, minute), tzinfo=dt.UTC)
    with clock.frozen_at(moment):
        return intake.submit(
            campaign=world.campaign,
            title=f"建议{minute}",
            body="建议把企业开办时间压缩到三个工作日以内。",
            client="c",
            throttle=False,
        ).suggestion


def interleaved(world) -> list[int]:
    """Nine suggestions received a minute apart, every third one reopened (a test
    shortcut: the reopening path has its own tests), in queue order."""
    made = [submit(world, minute) for minute in range(9)]
    reopened = [s.pk for s in made[::3]]
    Suggestion.objects.filter(pk__in=reopened).update(status=Status.REOPENED)
    return [s.pk for s in made]


def page_ids(response) -> list[int]:
    return [s.pk for s in response.context["page"].items]


def test_pages_merge_the_statuses_in_arrival_order(world, client_for):
    expected = interleaved(world)
    client = client_for(world.office)
    seen: list[int] = []
    url = f"{QUEUE}?campaign={world.campaign.pk}&size=2"
    for _ in range(10):
        response = client.get(url)
        assert response.status_code == 200
        seen += page_ids(response)
        if not response.context["next_url"]:
            break
        url = response.context["next_url"]
    assert seen == expected


def test_one_status_filter_pages_the_same_way(world, client_for):
    expected = interleaved(world)
    reopened = [pk for pk in expected if Suggestion.objects.get(pk=pk).status == Status.REOPENED]
    client = client_for(world.office)
    first = client.get(QUEUE, {"campaign": world.campaign.pk, "status": "reopened", "size": 2})
    assert page_ids(first) == reopened[:2]
    second = client.get(first.context["next_url"])
    assert page_ids(second) == reopened[2:]


def queue_sql(client, params) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(QUEUE, params)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_the_queue_reads_each_status_by_index_and_counts_at_most_a_cap(world, client_for):
    interleaved(world)
    client = client_for(world.office)
    first = client.get(QUEUE, {"campaign": world.campaign.pk, "size": 2})
    cursor = first.context["page"].next_cursor
    sql = queue_sql(client, {"campaign": world.campaign.pk, "size": 2, "cursor": cursor})
    # The page's reads (size + 1 rows each): one per queue status, each on one status
    # (an IN list would make the database sort every matching row), ordered and
    # limited on its own and bounded at the cursor's moment. On PostgreSQL they are the
    # parts of one UNION ALL; SQLite runs one query each.
    queries = [q for q in sql if 'FROM "suggestions_suggestion"' in q and "LIMIT 3" in q]
    assert len(queries) == (1 if connection.features.supports_slicing_ordering_in_compound else 2)
    pages = [part for q in queries for part in q.split(" UNION ALL ")]
    assert len(pages) == 2
    assert all("ORDER BY" in q for q in pages), pages
    assert all('"status" IN' not in q for q in pages), pages
    assert any("'received'" in q or '"status" = ' in q for q in pages)
    assert all('"created_at" >= ' in q for q in pages), pages
    counts = [q for q in sql if "COUNT(" in q.upper()]
    assert counts, "the capped count is expected"
    assert all("LIMIT 1001" in q for q in counts), counts


def plan_of(qs) -> str:
    """The database's plan for `qs` (on PostgreSQL with scans that ignore the index
    priced out: the test tables are tiny, and the question is whether the index can
    yield the order, not whether it is worth it for ten rows)."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            # Stale statistics from earlier tests can make sorting one estimated row the
            # cheapest plan; the question is whether an index can give the order at all.
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


def test_the_queue_index_yields_one_status_in_queue_order_without_sorting(world):
    interleaved(world)
    qs = (
        Suggestion.objects.filter(campaign=world.campaign, status=Status.RECEIVED)
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:51]
    )
    found = plan_of(qs)
    # Either index yields one status in queue order; on ten-row test tables PostgreSQL's
    # choice between them follows whatever statistics earlier tests left.
    assert "sugg_queue_idx" in found or "sugg_status_received_idx" in found, found
    assert "TEMP B-TREE" not in found, found  # SQLite sorting
    assert "Sort" not in found, found  # PostgreSQL sorting


def test_the_union_of_the_status_reads_sorts_nothing_on_postgresql(world):
    """The page's reads as the queue sends them to PostgreSQL: each part takes its rows
    from an index in queue order, and the union appends them (the merge is in Python)."""
    if not connection.features.supports_slicing_ordering_in_compound:
        pytest.skip("SQLite reads each status with a query of its own (tested above)")
    interleaved(world)
    parts = [
        Suggestion.objects.filter(campaign=world.campaign, status=status)
        .order_by("created_at", "id")
        .values_list("id", "created_at")[:51]
        for status in (Status.RECEIVED, Status.REOPENED)
    ]
    found = plan_of(parts[0].union(parts[1], all=True))
    assert "sugg_queue_idx" in found or "sugg_status_received_idx" in found, found
    assert "Sort" not in found, found
