"""The office's campaign set-up screens under /api/v1/: phases and key tasks added,
changed and deleted through the audited campaign actions, by the office only."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import verify
from campaigndesk.campaigns.models import CalendarDay, KeyTask, Phase
from campaigndesk.ledger import actions as ledger_actions

from . import test_ledger_api_more as more


@pytest.fixture
def api(api_client):
    return lambda user: more.Api(api_client(user))


def phase_body(world, number=2, **extra):
    return {
        "number": number,
        "name_zh": "第二阶段",
        "starts_on": "2019-01-01",
        "ends_on": "2019-02-28",
        **extra,
    }


def test_the_office_adds_changes_and_deletes_a_phase_audited(world, api):
    office = api(world.office)
    path = f"/campaigns/{world.campaign.pk}/phases"
    made = office.post(path, phase_body(world))
    assert made.status_code == 201, made.content
    phase = made.json()
    assert phase["number"] == 2 and phase["name_zh"] == "第二阶段"
    changed = office.send("patch", f"/phases/{phase['id']}", {"name_en": "Phase two"})
    assert changed.status_code == 200 and changed.json()["name_en"] == "Phase two"
    listed = office.get(path).json()["items"]
    assert [p["number"] for p in listed] == [1, 2]
    gone = office.send("delete", f"/phases/{phase['id']}")
    assert gone.status_code == 200 and gone.json()["id"] == phase["id"]
    assert not Phase.objects.filter(pk=phase["id"]).exists()
    done = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"campaigns.create_phase", "campaigns.update_phase", "campaigns.delete_phase"} <= done
    assert verify().ok


def test_the_office_adds_changes_and_deletes_a_key_task(world, api):
    office = api(world.office)
    body = {"number": 2, "code": "KT-2", "title_zh": "重点任务二", "lead_unit": world.bureau.pk}
    made = office.post(f"/campaigns/{world.campaign.pk}/key-tasks", body)
    assert made.status_code == 201, made.content
    key_task = made.json()
    assert key_task["lead_unit"]["id"] == world.bureau.pk
    changed = office.send("patch", f"/key-tasks/{key_task['id']}", {"lead_unit": None})
    assert changed.status_code == 200 and changed.json()["lead_unit"] is None
    assert office.send("delete", f"/key-tasks/{key_task['id']}").status_code == 200
    assert not KeyTask.objects.filter(pk=key_task["id"]).exists()
    assert AuditRecord.objects.filter(action="campaigns.create_key_task").count() == 1


def test_only_the_office_sets_a_campaign_up(world, api):
    phase, key_task = world.phase1, world.key_task
    for persona in (world.gjz_liaison, world.gjz_head, world.leader, world.viewer):
        client = api(persona)
        more.error(client.post(f"/campaigns/{world.campaign.pk}/phases", phase_body(world)), 403)
        more.error(client.send("patch", f"/phases/{phase.pk}", {"name_en": "x"}), 403)
        more.error(client.send("delete", f"/phases/{phase.pk}"), 403)
        body = {"number": 2, "title_zh": "x"}
        more.error(client.post(f"/campaigns/{world.campaign.pk}/key-tasks", body), 403)
        more.error(client.send("patch", f"/key-tasks/{key_task.pk}", {"title_en": "x"}), 403)
        more.error(client.send("delete", f"/key-tasks/{key_task.pk}"), 403)
    more.error(api(world.citizen).send("delete", f"/phases/{phase.pk}"), 401)
    assert Phase.objects.count() == 1 and KeyTask.objects.count() == 1


def test_bad_set_up_is_a_422_and_writes_nothing(world, api):
    office = api(world.office)
    phases = f"/campaigns/{world.campaign.pk}/phases"
    more.error(office.post(phases, phase_body(world, number=1)))  # number taken
    more.error(office.post(phases, phase_body(world, starts_on="2030-01-01", ends_on="2030-02-01")))
    more.error(office.post(phases, phase_body(world, name_zh=" ")))
    more.error(office.post(phases, phase_body(world, colour="red")))
    more.error(office.send("patch", f"/phases/{world.phase1.pk}", {"number": 0}))
    key_tasks = f"/campaigns/{world.campaign.pk}/key-tasks"
    more.error(office.post(key_tasks, {"number": 1, "title_zh": "x"}))  # number taken
    more.error(office.post(key_tasks, {"number": 3, "title_zh": "x", "code": "no spaces"}))
    more.error(office.post(key_tasks, {"number": 3, "title_zh": "x", "lead_unit": 999999}))
    more.error(office.post("/campaigns/999999/key-tasks", {"number": 3, "title_zh": "x"}), 404)
    more.error(office.send("patch", "/key-tasks/999999", {"title_en": "x"}), 404)
    # In use: a task names the key task and the phase.
    ledger_actions.create_task(
        world.office,
        campaign=world.campaign,
        title="任务",
        lead_unit=world.ganjingzi,
        starts_on=world.campaign.starts_on,
        deadline=world.campaign.ends_on,
        key_task=world.key_task,
        phase=world.phase1,
    )
    more.error(office.send("delete", f"/key-tasks/{world.key_task.pk}"))
    more.error(office.send("delete", f"/phases/{world.phase1.pk}"))
    assert Phase.objects.count() == 1 and KeyTask.objects.count() == 1


# --- campaigns ----------------------------------------------------------------------------------

CAMPAIGN = {
    "code": "dalian-2019",
    "title_zh": "2019年营商环境建设年",
    "starts_on": "2019-01-01",
    "ends_on": "2019-12-31",
}


def test_the_office_creates_and_changes_a_campaign_audited(world, api):
    office = api(world.office)
    made = office.post("/campaigns", {**CAMPAIGN, "office_unit": world.office_unit.pk})
    assert made.status_code == 201, made.content
    campaign = made.json()
    assert campaign["code"] == "dalian-2019" and campaign["status"] == "preparing"
    assert campaign["office_unit"]["id"] == world.office_unit.pk and campaign["phase_count"] == 0
    changed = office.send(
        "patch", f"/campaigns/{campaign['id']}", {"title_en": "Year of 2019", "office_unit": None}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["title_en"] == "Year of 2019" and changed.json()["office_unit"] is None
    done = AuditRecord.objects.filter(
        action__in=["campaigns.create_campaign", "campaigns.update_campaign"]
    )
    assert done.count() == 2
    assert verify().ok


def test_only_the_office_creates_or_changes_a_campaign(world, api):
    for persona in (world.gjz_liaison, world.leader, world.viewer, world.nobody):
        more.error(api(persona).post("/campaigns", CAMPAIGN), 403)
        patch = api(persona).send("patch", f"/campaigns/{world.campaign.pk}", {"title_en": "x"})
        assert patch.status_code in (403, 404), patch.content
    more.error(api(world.citizen).post("/campaigns", CAMPAIGN), 401)
    world.campaign.refresh_from_db()
    assert world.campaign.title_en != "x"


def test_bad_campaigns_are_a_422(world, api):
    office = api(world.office)
    more.error(office.post("/campaigns", {**CAMPAIGN, "code": "no spaces"}))
    more.error(office.post("/campaigns", {**CAMPAIGN, "code": world.campaign.code}))
    more.error(office.post("/campaigns", {**CAMPAIGN, "ends_on": "2018-12-31"}))
    more.error(office.post("/campaigns", {**CAMPAIGN, "lead_unit": 999999}))
    more.error(office.post("/campaigns", {**CAMPAIGN, "calendar": 999999}))
    more.error(office.post("/campaigns", {**CAMPAIGN, "warning_window_days": 91}))
    # Its phase would no longer fit.
    more.error(office.send("patch", f"/campaigns/{world.campaign.pk}", {"ends_on": "2018-10-01"}))
    more.error(office.send("patch", "/campaigns/999999", {"title_en": "x"}), 404)
    assert not AuditRecord.objects.filter(action="campaigns.create_campaign").exists()


# --- the working-day calendar -------------------------------------------------------------------


def test_the_office_marks_calendar_days(world, api):
    office = api(world.office)
    path = f"/campaigns/{world.campaign.pk}/calendar-days"
    made = office.send("put", f"{path}/2018-10-08", {"is_workday": False, "note": "台风"})
    assert made.status_code == 201, made.content
    changed = office.send("put", f"{path}/2018-10-08", {"is_workday": True})
    assert changed.status_code == 200 and changed.json()["is_workday"] is True
    listed = api(world.gjz_liaison).get(path).json()  # everyone with a role reads it
    assert [d["date"] for d in listed["items"]] == ["2018-10-08"]
    assert listed["calendar"]["id"] == world.campaign.calendar_id
    assert AuditRecord.objects.filter(action="campaigns.set_calendar_day").count() == 2


def test_only_the_office_marks_calendar_days_and_bad_input_is_a_422(world, api):
    path = f"/campaigns/{world.campaign.pk}/calendar-days"
    for persona in (world.gjz_liaison, world.leader, world.viewer):
        more.error(api(persona).send("put", f"{path}/2018-10-08", {"is_workday": False}), 403)
    more.error(api(world.citizen).get(path), 401)
    office = api(world.office)
    more.error(office.send("put", f"{path}/2018-02-30", {"is_workday": False}))
    more.error(office.send("put", f"{path}/2018-10-08", {}))
    more.error(office.send("put", f"{path}/2018-10-08", {"is_workday": False, "note": "x" * 81}))
    more.error(office.get(path, limit=0))
    assert office.get(path).json()["items"] == []


def test_calendar_days_cost_the_same_for_10_and_100(world, api):
    office = api(world.office)
    path = f"/campaigns/{world.campaign.pk}/calendar-days"

    def add(start, count):
        CalendarDay.objects.bulk_create(
            CalendarDay(
                calendar=world.campaign.calendar,
                date=dt.date(2018, 1, 1) + dt.timedelta(days=i),
                is_workday=False,
            )
            for i in range(start, start + count)
        )

    add(0, 10)
    # warm up: the person and their grants then come from the process cache
    office.get(path, limit=200)
    small = more.queries_for(lambda: office.get(path, limit=200))
    add(10, 90)
    assert len(office.get(path, limit=200).json()["items"]) == 100
    assert more.queries_for(lambda: office.get(path, limit=200)) == small
