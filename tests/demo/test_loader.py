"""The Dalian 2018 demo: what `load_demo()` builds, and that it builds it once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from campaigndesk.audit import trail
from campaigndesk.audit.models import AuditRecord
from campaigndesk.campaigns.models import (
    CalendarDay,
    Campaign,
    CampaignStatus,
    KeyTask,
    Phase,
    ReportingCycle,
    WorkCalendar,
)
from campaigndesk.demo import dalian_units as du
from campaigndesk.demo.loader import DEMO_ACCOUNTS, load_demo
from campaigndesk.org.models import Role, RoleGrant, Unit, UnitKind, User

DISTRICTS_ZH = (
    "中山区",
    "西岗区",
    "沙河口区",
    "甘井子区",
    "旅顺口区",
    "金州区",
    "普兰店区",
    "瓦房店市",
    "庄河市",
    "长海县",
)


@pytest.fixture(scope="module")
def loaded_once(django_db_setup, django_db_blocker):
    """Load the demo once for this module's read-only tests, and roll it back after them.

    Each test still runs in its own savepoint (the `db` fixture), so what a test
    changes (a login's last_login) is undone before the next.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield load_demo()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(loaded_once, db):
    return loaded_once


def _counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "people": User.objects.count(),
        "grants": RoleGrant.objects.count(),
        "campaigns": Campaign.objects.count(),
        "phases": Phase.objects.count(),
        "key_tasks": KeyTask.objects.count(),
        "calendars": WorkCalendar.objects.count(),
        "calendar_days": CalendarDay.objects.count(),
        "audit": AuditRecord.objects.count(),
    }


def test_demo_builds_every_district_county_and_county_level_city(demo):
    city = Unit.objects.get(code=du.CITY)
    names = set(Unit.objects.filter(parent=city).values_list("name_zh", flat=True))
    assert set(DISTRICTS_ZH) <= names
    assert Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.COUNTY]).count() == 10


def test_demo_builds_the_four_zones_and_the_main_bureaus(demo):
    zones = set(Unit.objects.filter(kind=UnitKind.ZONE).values_list("short_name_zh", flat=True))
    assert zones == {"金普新区", "高新区", "长兴岛经济区", "花园口经济区"}
    bureaus = set(Unit.objects.filter(kind=UnitKind.BUREAU).values_list("short_name_zh", flat=True))
    for short in ("市发改委", "市工信局", "市财政局", "市营商局", "市卫健委", "市信访局"):
        assert short in bureaus


def test_demo_has_the_five_units_named_in_the_article(demo):
    named = {u.code: u for u in Unit.objects.filter(code__in=du.NAMED_IN_ARTICLE)}
    assert {u.name_en for u in named.values()} == {
        "Ganjingzi District",
        "City Planning Bureau",
        "Municipal Science and Technology Bureau",
        "Municipal Bureau of Commerce",
        "Dalian High-tech Industrial Zone",
    }
    assert named[du.GANJINGZI].name_zh == "甘井子区"
    assert named[du.SCIENCE_BUREAU].name_zh == "市科学技术局"
    assert named[du.COMMERCE_BUREAU].name_zh == "市商务局"


def test_demo_units_form_a_tree_below_the_city_with_matching_paths(demo):
    units = {u.pk: u for u in Unit.objects.all()}
    roots = [u for u in units.values() if u.parent_id is None]
    assert [r.code for r in roots] == [du.CITY]
    for u in units.values():
        parent = units.get(u.parent_id)
        assert u.path == Unit.path_for(u.pk, parent.path if parent else "")
        assert u.depth == (parent.depth + 1 if parent else 0)
        assert u.name_zh and u.name_en


def test_demo_leading_group_holds_its_office_and_ganjingzi_its_streets(demo):
    group = Unit.objects.get(code=du.LEADING_GROUP)
    office = Unit.objects.get(code=du.OFFICE)
    assert group.kind == UnitKind.LEADING_GROUP and office.parent == group
    assert office.kind == UnitKind.OFFICE
    streets = Unit.objects.filter(parent__code=du.GANJINGZI).values_list("short_name_zh", flat=True)
    assert {"椒金山街道", "泡崖街道"} <= set(streets)
    assert Unit.objects.filter(parent__code=du.SCIENCE_BUREAU).exists()


def test_demo_campaign_has_its_24_character_theme_in_both_languages(demo):
    campaign = Campaign.objects.get(code="dalian-2018")
    assert len(campaign.theme_zh.replace("、", "")) == 24
    assert campaign.theme_en.startswith("Emancipate the mind")
    assert campaign.title_zh == "解放思想推动高质量发展大讨论大实践活动"
    assert "Emancipate the Mind" in campaign.title_en
    assert "谭作钧" in campaign.summary_zh and "Tan Zuojun" in campaign.summary_en
    assert "谭成旭" in campaign.summary_zh and "Tan Chengxu" in campaign.summary_en


def test_demo_campaign_is_active_weekly_and_run_by_the_leading_group_and_office(demo):
    campaign = Campaign.objects.select_related("lead_unit", "office_unit", "calendar").get(
        code="dalian-2018"
    )
    assert campaign.status == CampaignStatus.ACTIVE
    assert campaign.reporting_cycle == ReportingCycle.WEEKLY
    assert campaign.lead_unit.code == du.LEADING_GROUP
    assert campaign.office_unit.code == du.OFFICE
    assert str(campaign.starts_on) == "2018-11-22" and str(campaign.ends_on) == "2019-12-31"
    assert campaign.calendar.country == "CN"
    days = list(campaign.calendar.days.values_list("is_workday", flat=True))
    assert sorted(days) == [False, True]


def test_demo_campaign_has_two_phases_that_fill_its_dates(demo):
    campaign = Campaign.objects.get(code="dalian-2018")
    first, second = campaign.phases.order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert first.starts_on == campaign.starts_on and str(first.ends_on) == "2018-12-31"
    assert str(second.starts_on) == "2019-01-01" and second.ends_on == campaign.ends_on
    assert "七破七立" in first.aim_zh and "seven breaks" in first.aim_en
    assert first.aim_zh.count("破") >= 7
    assert "常态化" in second.aim_zh and "routine" in second.aim_en


def test_demo_campaign_has_six_key_tasks_with_lead_units_in_both_languages(demo):
    tasks = list(KeyTask.objects.filter(campaign__code="dalian-2018").order_by("number"))
    assert [t.number for t in tasks] == [1, 2, 3, 4, 5, 6]
    for task in tasks:
        assert task.title_zh and task.title_en and task.content_zh and task.content_en
        assert task.lead_unit is not None
    assert "上海" in tasks[2].title_zh and "Shanghai" in tasks[2].title_en
    assert "营商环境" in tasks[4].title_zh


def test_every_role_has_a_demo_account_that_signs_in_with_the_printed_password(demo):
    assert {a.role for a in DEMO_ACCOUNTS} == set(Role.values)
    for account in DEMO_ACCOUNTS:
        assert Client().login(username=account.username, password=account.password), account


def test_demo_passwords_pass_the_password_validators(demo):
    for account in DEMO_ACCOUNTS:
        validate_password(account.password, User.objects.get(username=account.username))
    assert len({a.password for a in DEMO_ACCOUNTS}) == len(DEMO_ACCOUNTS)


def test_each_demo_account_holds_its_role_over_its_unit(demo):
    for account in DEMO_ACCOUNTS:
        person = User.objects.get(username=account.username)
        grants = list(person.grants.values_list("role", "unit__code"))
        assert grants == [(account.role, account.unit)]
        assert person.unit.code == account.home and person.full_name


def test_real_officials_appear_in_the_text_but_have_no_accounts(demo):
    assert not User.objects.filter(full_name__in=["谭作钧", "谭成旭"]).exists()


def test_loading_twice_changes_no_counts_and_adds_no_audit_records(demo):
    before = _counts()
    again = load_demo()
    assert again.created is False
    assert _counts() == before


def test_the_load_is_in_the_audit_trail_and_the_chain_verifies(demo):
    assert demo.created and demo.audit_records == AuditRecord.objects.count()
    sources = set(AuditRecord.objects.values_list("source", flat=True))
    # Ledger tasks opened by adopting a demo suggestion name it (suggestions.actions).
    assert {s for s in sources if not s.startswith("suggestion:")} == {"command:demo"}
    assert trail.verify().ok
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "intact" in out.getvalue()
