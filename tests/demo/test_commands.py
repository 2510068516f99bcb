"""`campaigndesk demo` and `campaigndesk load_demo`, and loading beside existing data."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from campaigndesk.audit.models import AuditRecord
from campaigndesk.demo import dalian_units as du
from campaigndesk.demo.loader import DEMO_ACCOUNTS, load_demo
from campaigndesk.demo.management.commands import demo as demo_command
from campaigndesk.org.models import Unit, UnitKind
from tests.factories import UnitFactory


@pytest.fixture
def calls(monkeypatch):
    """Commands the demo command starts itself (migrate, runserver, the scheduler's
    background loop), recorded, not run."""
    from campaigndesk.core import scheduler

    made: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(demo_command, "call_command", lambda *a, **kw: made.append((a, kw)))
    monkeypatch.setattr(
        scheduler, "start_in_background", lambda **kw: made.append((("scheduler",), kw))
    )
    return made


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_demo_command_loads_and_prints_every_account_with_its_password(db, calls):
    output = run("demo")
    assert "Loaded the Dalian 2018 demo" in output
    for account in DEMO_ACCOUNTS:
        line = next(line for line in output.splitlines() if line.startswith(account.username + " "))
        assert account.password in line
    assert "甘井子区 Ganjingzi District" in output
    assert "http://127.0.0.1:8000/accounts/login/" in output
    assert calls == []  # the test database is migrated and --serve was not given


def test_demo_command_a_second_time_changes_nothing_and_says_so(db, calls):
    run("demo")
    records = AuditRecord.objects.count()
    output = run("demo", "--no-input")
    assert "already loaded; nothing was changed" in output
    assert "Demo-2018-office" in output
    assert AuditRecord.objects.count() == records


def test_demo_command_serves_on_the_given_address_without_the_reloader(db, calls):
    output = run("demo", "--serve", "127.0.0.1:8123")
    assert "Sign in at http://127.0.0.1:8123/accounts/login/" in output
    assert calls == [
        (("scheduler",), {"inline": True}),
        (("runserver", "127.0.0.1:8123"), {"use_reloader": False}),
    ]


def test_demo_command_migrates_first_when_the_database_needs_it(db, calls, monkeypatch):
    monkeypatch.setattr(demo_command, "_needs_migration", lambda: True)
    run("demo")
    assert calls == [(("migrate",), {"interactive": False, "verbosity": 0})]


def test_load_demo_command_loads_without_printing_accounts(db):
    output = run("load_demo")
    assert "Loaded the Dalian 2018 demo" in output
    assert "Demo-2018-office" not in output
    assert "already loaded" in run("load_demo")


def test_demo_reuses_a_city_that_already_exists(db):
    city = UnitFactory(code=du.CITY, name_zh="大连市", name_en="Dalian", kind=UnitKind.CITY)
    summary = load_demo()
    assert summary.created
    assert Unit.objects.filter(code=du.CITY).count() == 1
    assert Unit.objects.get(code=du.GANJINGZI).parent == city
    assert summary.units == len(du.UNITS) - 1
