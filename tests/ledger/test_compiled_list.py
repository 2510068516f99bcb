"""The ledger list's page and light counts from SQL compiled once per filter shape
(filters.compile_shape) give what the ORM's query gives, for every role, filter,
sort and cursor; and a filter that can match nothing shows an empty list, not a 500."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.http import QueryDict
from django.urls import reverse

from campaigndesk.ledger import figures, stats
from campaigndesk.ledger.filters import (
    SORTS,
    LedgerFilter,
    compiled_page,
    keyset_page,
)
from campaigndesk.ledger.models import Source
from campaigndesk.ledger.views.lists import COUNT_CAP, compiled_light_counts
from campaigndesk.ledger.views.rows import ledger_values

from .conftest import on_start_day, spread_tasks


@pytest.fixture(autouse=True)
def frozen():
    with on_start_day():
        yield


@pytest.fixture
def tasks(world):
    return spread_tasks(
        world,
        rounds=3,
        first_deadline=dt.date(2018, 12, 1),
        deadline_days=4,
        phaseless_every=3,
        co_units={world.zhongshan: [world.ganjingzi]},
    )


FILTERS = [
    "",
    "light=red&light=yellow",
    "light=grey&light=grey",
    "status=assigned",
    f"source={Source.choices[0][0]}",
    "top_level=on",
    "led_by_mine=on",
    "led_by_mine=on&status=assigned",
]


def _orm(form, sort, cursor, size):
    field = SORTS[sort][0]
    return keyset_page(ledger_values(form.queryset(), field), sort, cursor, size)


@pytest.mark.parametrize("username", ["office", "gjz_liaison", "zs_liaison", "street_liaison"])
def test_compiled_pages_and_counts_match_the_orm(world, tasks, username):
    user = getattr(world, username)
    units = ["", f"unit={world.ganjingzi.pk}", f"unit={world.zhongshan.pk}"]
    parts = ["", f"key_task={world.key_task.pk}", f"phase={world.phase1.pk}"]
    for filt, unit, part, sort in itertools.product(FILTERS, units, parts, SORTS):
        query = "&".join(q for q in (filt, unit, part, f"sort={sort}") if q)
        form = LedgerFilter(QueryDict(query), user)
        if not form.is_valid():  # a unit the person does not see
            continue
        cursor = None
        for _step in range(4):  # every page, through the cursors
            fast = compiled_page(
                form, "desk", lambda qs, s=sort: ledger_values(qs, SORTS[s][0]), cursor, 2
            )
            slow = _orm(form, sort, cursor, 2)
            if fast is None:  # matches nothing by construction: the ORM's empty page
                assert username == "office" and "led_by_mine" in query, query
                assert not slow.items
                break
            assert (fast.items, fast.next_cursor, fast.has_previous) == (
                slow.items,
                slow.next_cursor,
                slow.has_previous,
            ), (username, query, cursor)
            if not slow.next_cursor:
                break
            cursor = slow.next_cursor
        counts = compiled_light_counts(form)
        if counts is not None:
            orm = stats.capped_light_counts(figures.indexed(form.queryset(), user), COUNT_CAP)
            assert counts == orm, (username, query)


def test_a_search_or_a_date_range_takes_the_orm_query(world, tasks):
    for query in ("q=任务", "due_from=2018-12-02", "due_to=2018-12-02"):
        form = LedgerFilter(QueryDict(query), world.office)
        assert form.is_valid()
        assert (
            compiled_page(form, "desk", lambda qs: ledger_values(qs, "deadline"), None, 5) is None
        )


def test_a_malformed_cursor_starts_from_the_first_page(world, tasks):
    form = LedgerFilter(QueryDict("light=grey"), world.office)
    first = compiled_page(form, "desk", lambda qs: ledger_values(qs, "deadline"), None, 3)
    bad = compiled_page(form, "desk", lambda qs: ledger_values(qs, "deadline"), "!!garbage", 3)
    assert bad is not None and first is not None
    assert bad.items == first.items and not bad.has_previous


def test_led_by_my_units_for_the_office_lists_nothing_and_counts_zero(world, tasks, client_for):
    url = reverse("ledger:list")
    response = client_for(world.office).get(url, {"led_by_mine": "on"})
    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts.total == 0 and not counts.capped
    assert set(counts.by_light) == {light.value for light in stats.LIGHT_ORDER}
    assert not response.context["page"].items


def test_the_stored_figures_column_is_read_with_the_compiled_page(world, tasks, client_for):
    from campaigndesk.ledger.views.lists import STORED, _stored

    client = client_for(world.office)
    assert client.get(reverse("ledger:dashboard")).status_code == 200  # stores the figures
    for query, cursor in ((f"campaign={world.campaign.pk}", None), ("", None)):
        form = LedgerFilter(QueryDict(query), world.office)
        assert form.is_valid()
        stored = _stored(form)
        assert bool(stored) == bool(query)
        fast = compiled_page(
            form,
            "desk",
            lambda qs, **more: ledger_values(qs, "deadline", **more),
            cursor,
            5,
            subqueries=stored,
        )
        slow = keyset_page(
            ledger_values(form.queryset(), "deadline", **stored), "deadline", cursor, 5
        )
        assert fast is not None
        assert (fast.items, fast.next_cursor) == (slow.items, slow.next_cursor)
        if stored:
            assert fast.items[0][STORED] is not None  # the stored figures, current
            # The next page too, through its cursor.
            after = compiled_page(
                form,
                "desk",
                lambda qs, **more: ledger_values(qs, "deadline", **more),
                fast.next_cursor,
                5,
                subqueries=stored,
            )
            orm = keyset_page(
                ledger_values(form.queryset(), "deadline", **stored),
                "deadline",
                fast.next_cursor,
                5,
            )
            assert after is not None and after.items == orm.items
