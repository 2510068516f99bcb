"""Load the Dalian 2018 demo through the same actions people use, so the audit trail
holds every unit, person, grant and campaign record it creates.

`load_demo()` is idempotent: once the campaign "dalian-2018" exists it returns at
once. The load runs in one transaction, so a failed load leaves nothing behind, and
units or people that already exist (a city set up by hand before the demo, say) are
reused by code and username rather than duplicated.
"""

from __future__ import annotations

import logging
import time
import zlib
from dataclasses import dataclass, field

from django.db import connection, transaction

from campaigndesk.audit import trail
from campaigndesk.audit.models import AuditRecord
from campaigndesk.campaigns import actions as campaign_actions
from campaigndesk.campaigns.models import Campaign, CampaignStatus, ReportingCycle
from campaigndesk.org import access
from campaigndesk.org import actions as org_actions
from campaigndesk.org.models import RoleGrant, Unit, User

from . import dalian_campaign as dc
from . import dalian_ledger
from . import dalian_units as du
from .accounts import DEMO_ACCOUNTS, DemoAccount
from .dalian_suggestions import build_suggestions
from .people import EMAIL_DOMAIN

__all__ = ["DEMO_ACCOUNTS", "DemoAccount", "DemoSummary", "load_demo"]

AUDIT_SOURCE = "command:demo"
# Any number will do; it only has to be the same in every process that loads the demo.
_LOCK_KEY = zlib.crc32(b"campaigndesk.demo.load_demo")


@dataclass
class DemoSummary:
    """What a call of `load_demo()` found or made."""

    created: bool
    campaign_code: str = dc.CAMPAIGN_CODE
    units: int = 0
    people: int = 0
    grants: int = 0
    phases: int = 0
    key_tasks: int = 0
    audit_records: int = 0
    seconds: float = 0.0
    accounts: tuple[DemoAccount, ...] = field(default=DEMO_ACCOUNTS, repr=False)


def demo_loaded() -> bool:
    return Campaign.objects.filter(code=dc.CAMPAIGN_CODE).exists()


def load_demo() -> DemoSummary:
    """Create the Dalian 2018 demo unless it is there already."""
    # The demo runs its background tasks at once (TASKS_IMMEDIATE): each one's RUNNING
    # and SUCCESSFUL lines, seven hundred of them, would bury the accounts printed after.
    tasks_log = logging.getLogger("django_tasks")
    level = tasks_log.level
    tasks_log.setLevel(max(level, logging.WARNING))
    try:
        return _load_demo()
    finally:
        tasks_log.setLevel(level)


def _load_demo() -> DemoSummary:
    started = time.monotonic()
    if demo_loaded():
        return DemoSummary(created=False, seconds=time.monotonic() - started)
    with trail.source(AUDIT_SOURCE), transaction.atomic():
        _serialise_loaders()
        if demo_loaded():  # another process loaded it while this one waited
            return DemoSummary(created=False, seconds=time.monotonic() - started)
        first_id = _last_record_id()
        summary = DemoSummary(created=True)
        by_code = _ensure_units(summary)
        _ensure_people(summary, by_code)
        campaign = _create_campaign(summary, by_code)
        dalian_ledger.build_ledger(campaign)
        build_suggestions(campaign)
        from campaigndesk.triage.demo import train_demo_model  # triage's own hook

        train_demo_model()
        summary.audit_records = AuditRecord.objects.filter(pk__gt=first_id).count()
    summary.seconds = time.monotonic() - started
    return summary


def _serialise_loaders() -> None:
    """Make a second concurrent loader wait for the first to commit.

    SQLite already serialises writers (transactions begin IMMEDIATE); PostgreSQL
    needs a lock, and an advisory one leaves every table free for others.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _last_record_id() -> int:
    last = AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def _ensure_units(summary: DemoSummary) -> dict[str, Unit]:
    codes = [spec.code for spec in du.UNITS]
    by_code = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    for spec in du.UNITS:
        if spec.code in by_code:
            continue
        by_code[spec.code] = org_actions.create_unit(
            access.SYSTEM,
            parent=by_code[spec.parent] if spec.parent else None,
            code=spec.code,
            name_zh=spec.name_zh,
            name_en=spec.name_en,
            short_name_zh=spec.short_name_zh,
            kind=spec.kind,
            sort_order=spec.sort_order,
        )
        summary.units += 1
    return by_code


def _ensure_people(summary: DemoSummary, by_code: dict[str, Unit]) -> None:
    existing = {
        u.username: u for u in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
    }
    for account in DEMO_ACCOUNTS:
        person = existing.get(account.username)
        if person is None:
            person = org_actions.create_person(
                access.SYSTEM,
                password=account.password,
                username=account.username,
                full_name=account.full_name,
                title=account.title,
                email=f"{account.username}@{EMAIL_DOMAIN}",
                unit=by_code[account.home],
            )
            summary.people += 1
        unit = by_code[account.unit]
        if not RoleGrant.objects.filter(user=person, unit=unit, role=account.role).exists():
            org_actions.grant_role(access.SYSTEM, person, account.role, unit)
            summary.grants += 1


def _create_campaign(summary: DemoSummary, by_code: dict[str, Unit]) -> Campaign:
    actor = access.SYSTEM
    calendar = campaign_actions.create_calendar(
        actor, name_zh=dc.CALENDAR_NAME_ZH, name_en=dc.CALENDAR_NAME_EN, country="CN"
    )
    for day in dc.CALENDAR_DAYS:
        campaign_actions.set_calendar_day(
            actor, calendar, day.date, is_workday=day.is_workday, note=day.note
        )
    campaign = campaign_actions.create_campaign(
        actor,
        code=dc.CAMPAIGN_CODE,
        title_zh=dc.TITLE_ZH,
        title_en=dc.TITLE_EN,
        theme_zh=dc.THEME_ZH,
        theme_en=dc.THEME_EN,
        summary_zh=dc.SUMMARY_ZH,
        summary_en=dc.SUMMARY_EN,
        starts_on=dc.STARTS_ON,
        ends_on=dc.ENDS_ON,
        status=CampaignStatus.ACTIVE,
        calendar=calendar,
        reporting_cycle=ReportingCycle.WEEKLY,
        lead_unit=by_code[dc.LEAD_UNIT],
        office_unit=by_code[dc.OFFICE_UNIT],
        is_public=True,
    )
    for phase in dc.PHASES:
        campaign_actions.create_phase(
            actor,
            campaign,
            number=phase.number,
            name_zh=phase.name_zh,
            name_en=phase.name_en,
            starts_on=phase.starts_on,
            ends_on=phase.ends_on,
            aim_zh=phase.aim_zh,
            aim_en=phase.aim_en,
        )
        summary.phases += 1
    for task in dc.KEY_TASKS:
        campaign_actions.create_key_task(
            actor,
            campaign,
            number=task.number,
            code=task.code,
            title_zh=task.title_zh,
            title_en=task.title_en,
            content_zh=task.content_zh,
            content_en=task.content_en,
            lead_unit=by_code[task.lead_unit],
        )
        summary.key_tasks += 1
    return campaign
