"""The dashboard's stored figures (ledger.figures): the same as computed live, per
person's scope and day, and out of date after every kind of write that changes them.

A write marks the figures stale when its transaction commits; a test runs in one
transaction, so writes run inside `committed()`, which runs those commit hooks.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from campaigndesk import clock
from campaigndesk.ledger import actions, figures, stats
from campaigndesk.ledger.lights import refresh_lights
from campaigndesk.ledger.models import LedgerFigures, LedgerStamp, Task
from campaigndesk.ledger.periods import ensure_periods
from campaigndesk.ledger.queries import visible_tasks
from campaigndesk.org.models import Role
from tests.factories import PhaseFactory, UserFactory, grant

START = dt.date(2018, 10, 8)
TODAY = dt.date(2018, 11, 5)


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


def make_task(world, title, unit, deadline, **fields) -> Task:
    fields.setdefault("phase", world.phase1)
    return actions.create_task(
        world.office,
        campaign=world.campaign,
        title=title,
        lead_unit=unit,
        deadline=deadline,
        **fields,
    )


@pytest.fixture
def ledger(world, committed):
    with committed():
        return make_ledger(world)


def make_ledger(world):
    ensure_periods(world.campaign)
    with at(START):
        done = make_task(world, "办结", world.ganjingzi, dt.date(2018, 10, 19))
        late = make_task(world, "逾期", world.zhongshan, dt.date(2018, 10, 26))
        make_task(world, "街道", world.street, dt.date(2018, 12, 14), phase=None)
        actions.accept_task(world.gjz_liaison, done)
        actions.accept_task(world.zs_liaison, late)
    with at(dt.date(2018, 10, 17)):
        actions.report_done(world.gjz_liaison, done, note="已完成")
    with at(dt.date(2018, 10, 18)):
        actions.close_task(world.office, done)
    with at(TODAY):
        refresh_lights(world.campaign, clock.today())
    return {"done": done, "late": late}


def live(user, world) -> dict:
    tasks = visible_tasks(user).filter(campaign=world.campaign)
    parts = stats.breakdown(tasks, world.campaign, TODAY)
    trend = stats.trend(tasks, world.campaign, TODAY)
    return {
        "lights": stats.light_counts(tasks),
        "statuses": stats.status_counts(tasks),
        "units": [vars(f) for f in parts.units],
        "phases": [vars(f) for f in parts.phases],
        "trend": [vars(p) for p in trend.points],
    }


def stored(user, world) -> dict:
    with at(TODAY):
        f = figures.dashboard_figures(user, world.campaign, TODAY)
    return {
        "lights": f.lights,
        "statuses": f.statuses,
        "units": [vars(u) for u in f.breakdown.units],
        "phases": [vars(p) for p in f.breakdown.phases],
        "trend": [vars(p) for p in f.trend.points],
    }


def test_stored_figures_equal_the_live_ones_for_the_office_and_a_liaison(world, ledger):
    for user in (world.office, world.gjz_liaison, world.zs_liaison):
        first, again = stored(user, world), stored(user, world)
        with at(TODAY):
            assert first == again == live(user, world), user.username
    # One row per scope: the office's whole ledger and each district's.
    assert LedgerFigures.objects.count() == 3


def test_a_second_request_reads_the_stored_row_without_counting_tasks(
    world, ledger, django_assert_num_queries
):
    stored(world.office, world)
    # 1 the stored figures at the campaign's version, 2 their units, 3 their phases.
    with django_assert_num_queries(3), at(TODAY):
        figures.dashboard_figures(world.office, world.campaign, TODAY)


def test_people_with_the_same_units_share_figures_and_the_office_sees_all(world, ledger):
    other = UserFactory(username="gjz_liaison2", unit=world.ganjingzi)
    grant(other, Role.LIAISON, world.ganjingzi)
    assert figures.scope_of(other) == figures.scope_of(world.gjz_liaison)
    assert figures.scope_of(world.office) == figures.scope_of(world.leader) == figures.ALL
    assert figures.scope_of(world.zs_liaison) != figures.scope_of(world.gjz_liaison)
    assert figures.scope_of(world.nobody) == figures.NOTHING
    assert stored(world.nobody, world)["statuses"]["assigned"] == 0


def test_a_task_written_after_the_figures_were_stored_is_counted(world, ledger, committed):
    before = stored(world.office, world)
    with committed(), at(TODAY):
        make_task(world, "新任务", world.zhongshan, dt.date(2018, 12, 20))
    after = stored(world.office, world)
    assert sum(after["statuses"].values()) == sum(before["statuses"].values()) + 1
    with at(TODAY):
        assert after == live(world.office, world)


def test_a_status_change_moves_the_figures(world, ledger, committed):
    before = stored(world.zs_liaison, world)
    with committed(), at(TODAY):
        actions.report_done(world.zs_liaison, Task.objects.get(pk=ledger["late"].pk), note="完")
    after = stored(world.zs_liaison, world)
    assert after["statuses"]["reported"] == before["statuses"]["reported"] + 1
    assert after["units"][0]["overdue"] == before["units"][0]["overdue"] - 1


def test_sharing_a_task_with_a_unit_adds_it_to_that_units_figures(world, ledger, committed):
    before = stored(world.gjz_liaison, world)
    with committed(), at(TODAY):
        make_task(world, "共建", world.zhongshan, dt.date(2018, 12, 1), co_units=[world.ganjingzi])
    after = stored(world.gjz_liaison, world)
    assert sum(after["statuses"].values()) == sum(before["statuses"].values()) + 1


def test_the_nightly_light_refresh_makes_the_figures_stale(world, ledger, committed):
    with committed(), at(TODAY):
        soon = make_task(world, "将到期", world.zhongshan, dt.date(2018, 11, 9))
        actions.accept_task(world.zs_liaison, soon)
    before = stored(world.office, world)
    # Time passes without a write: the task falls due and turns red overnight.
    day = dt.date(2018, 11, 12)
    with committed(), at(day):
        refresh_lights(world.campaign, day)
    with at(TODAY):
        later = figures.dashboard_figures(world.office, world.campaign, TODAY)
    assert later.lights["red"] == before["lights"]["red"] + 1


def test_figures_of_another_day_are_computed_again_and_old_days_dropped(world, ledger):
    stored(world.office, world)
    tomorrow = TODAY + dt.timedelta(days=1)
    with at(tomorrow):
        figures.dashboard_figures(world.office, world.campaign, tomorrow)
    assert list(LedgerFigures.objects.values_list("day", flat=True)) == [tomorrow]


def test_a_new_phase_shows_with_zero_tasks(world, ledger, committed):
    stored(world.office, world)
    with committed(), at(TODAY):
        phase = PhaseFactory(campaign=world.campaign, number=2)
    phases = [p["phase"] for p in stored(world.office, world)["phases"]]
    assert phase in phases


def test_a_transactions_writes_mark_the_figures_stale_once_when_it_commits(
    world, ledger, django_capture_on_commit_callbacks
):
    stored(world.office, world)
    version = LedgerStamp.objects.get(campaign=world.campaign).version
    transaction.get_connection().__dict__.pop("_ledger_stamps", None)  # see committed()
    with django_capture_on_commit_callbacks() as hooks, at(TODAY):
        make_task(world, "一", world.zhongshan, dt.date(2018, 12, 20))
        make_task(world, "二", world.zhongshan, dt.date(2018, 12, 21))
    # Nothing changes before the commit (no lock on the stamp during the transaction)...
    assert LedgerStamp.objects.get(campaign=world.campaign).version == version
    bumps = [hook for hook in hooks if isinstance(hook, figures._Bump)]
    assert len(bumps) == 1  # ...and one bump for the two tasks
    bumps[0]()
    assert LedgerStamp.objects.get(campaign=world.campaign).version == version + 1
    assert sum(stored(world.office, world)["statuses"].values()) == 5


def test_figures_older_than_their_maximum_age_are_computed_again(world, ledger):
    stored(world.office, world)
    LedgerFigures.objects.update(figures={**LedgerFigures.objects.get().figures, "lights": {}})
    # The stored row is read as it is (a light it lacks reads as none).
    assert set(stored(world.office, world)["lights"].values()) == {0}
    later = dt.datetime.combine(TODAY, dt.time(10), tzinfo=dt.UTC) + figures.MAX_AGE
    with clock.frozen_at(later + dt.timedelta(seconds=1)):
        again = figures.dashboard_figures(world.office, world.campaign, TODAY)
    assert sum(again.lights.values()) == 3
