import datetime as dt

import pytest

from campaigndesk import clock
from campaigndesk.ledger import actions
from campaigndesk.ledger.filters import LedgerFilter, keyset_page
from campaigndesk.ledger.models import Task


@pytest.fixture
def tasks(world):
    moment = dt.datetime(2018, 10, 8, 10, tzinfo=dt.UTC)
    made = []
    with clock.frozen_at(moment):
        for i in range(7):
            unit = world.ganjingzi if i % 2 else world.zhongshan
            made.append(
                actions.create_task(
                    world.office,
                    campaign=world.campaign,
                    title=f"任务{i}",
                    lead_unit=unit,
                    deadline=dt.date(2018, 11, 1) + dt.timedelta(days=i // 2),
                )
            )
    return made


def test_keyset_pages_walk_every_task_once_in_order(tasks, world):
    seen, cursor = [], None
    while True:
        page = keyset_page(Task.objects.all(), "deadline", cursor, 3)
        seen.extend(page.items)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert [t.pk for t in seen] == [t.pk for t in sorted(tasks, key=lambda t: (t.deadline, t.pk))]


def test_descending_keyset_pages_match_the_descending_order(tasks):
    first = keyset_page(Task.objects.all(), "-deadline", None, 4)
    second = keyset_page(Task.objects.all(), "-deadline", first.next_cursor, 4)
    expected = sorted(tasks, key=lambda t: (t.deadline, t.pk), reverse=True)
    assert [t.pk for t in first.items + second.items] == [t.pk for t in expected]
    assert second.next_cursor is None


def test_a_malformed_cursor_starts_from_the_first_page(tasks):
    page = keyset_page(Task.objects.all(), "deadline", "not-a-cursor!!", 2)
    assert not page.has_previous
    assert len(page.items) == 2


def test_liaison_filter_sees_only_own_district(tasks, world):
    f = LedgerFilter({}, world.gjz_liaison)
    assert {t.lead_unit_id for t in f.queryset()} == {world.ganjingzi.pk}


def test_filter_by_unit_outside_scope_is_a_form_error(tasks, world):
    f = LedgerFilter({"unit": world.zhongshan.pk}, world.gjz_liaison)
    assert not f.is_valid()
    assert "unit" in f.errors
    assert not f.queryset().exists()


def test_filter_by_deadline_range_and_text(tasks, world):
    f = LedgerFilter({"due_from": "2018-11-02", "due_to": "2018-11-02", "q": "任务"}, world.office)
    assert {t.title for t in f.queryset()} == {"任务2", "任务3"}
    bad = LedgerFilter({"due_from": "2018-11-05", "due_to": "2018-11-01"}, world.office)
    assert "due_to" in bad.errors
