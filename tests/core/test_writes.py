"""The audited writes every action is built from."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from campaigndesk import clock
from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import history_of, source, verify
from campaigndesk.campaigns.models import Phase
from campaigndesk.core import writes
from campaigndesk.org.access import SYSTEM


def test_update_saves_validates_and_records_only_changed_fields(world):
    with transaction.atomic():
        writes.update(
            world.office,
            world.phase1,
            {"name_en": "Breaking barriers", "name_zh": world.phase1.name_zh},
        )
    record = history_of(world.phase1).first()
    assert record.before == {"name_en": "Phase 1"}
    assert record.after == {"name_en": "Breaking barriers"}
    assert record.actor == world.office
    assert verify().ok


def test_update_with_invalid_values_writes_nothing(world):
    before = AuditRecord.objects.count()
    with pytest.raises(ValidationError), transaction.atomic():
        writes.update(world.office, world.phase1, {"ends_on": dt.date(2030, 1, 1)})
    world.phase1.refresh_from_db()
    assert world.phase1.ends_on != dt.date(2030, 1, 1)
    assert AuditRecord.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_writes_refuse_to_run_outside_a_transaction(world):
    with pytest.raises(RuntimeError, match="atomic"):
        writes.update(world.office, world.phase1, {"name_en": "x"})


def test_system_actor_is_named_by_its_command(world):
    with source("command:demo"), transaction.atomic():
        phase = writes.create(
            SYSTEM,
            Phase(
                campaign=world.campaign,
                number=2,
                name_zh="第二阶段",
                starts_on=dt.date(2019, 1, 1),
                ends_on=dt.date(2019, 6, 30),
            ),
        )
    record = history_of(phase).get()
    assert record.actor_id is None
    assert record.actor_label == "system (command:demo)"
    assert record.source == "command:demo"


def test_delete_keeps_the_deleted_values_in_the_trail(world):
    pk = world.key_task.pk
    with transaction.atomic():
        writes.delete(world.office, world.key_task)
    record = AuditRecord.objects.filter(object_id=str(pk), verb="delete").get()
    assert record.before["title_zh"] == "重点任务1"
    assert verify().ok


def test_frozen_clock_stamps_the_record(world):
    moment = dt.datetime(2018, 11, 22, 9, 30, tzinfo=dt.UTC)
    with clock.frozen_at(moment), transaction.atomic():
        writes.update(world.office, world.campaign, {"warning_window_days": 5})
    assert history_of(world.campaign).first().at == moment
    assert verify().ok


def test_bilingual_fields_follow_the_active_language(world):
    with translation.override("en"):
        assert world.ganjingzi.name == "Ganjingzi District"
    with translation.override("zh-hans"):
        assert world.ganjingzi.name == "甘井子区"
    world.ganjingzi.name_en = ""
    with translation.override("en"):
        assert world.ganjingzi.name == "甘井子区"
