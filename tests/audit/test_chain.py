"""The audit chain: what each org action writes, and that tampering is found and named.

Tampering goes around the ORM (which refuses to change a record) with raw SQL on
audit_auditrecord, the way someone with database access would.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from campaigndesk.audit import trail
from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import history_of, verify
from campaigndesk.org import actions
from campaigndesk.org.models import Role, Unit


def only(records):
    records = list(records)
    assert len(records) == 1, records
    return records[0]


# --- what each action records ------------------------------------------------------------


def test_create_unit_records_the_new_unit(world):
    unit = actions.create_unit(
        world.office, parent=world.ganjingzi, code="GJZ-2", name_zh="第二街道", kind="subunit"
    )
    record = only(history_of(unit))
    assert (record.verb, record.action) == ("create", "org.create_unit")
    assert record.actor == world.office and record.actor_label == "office"
    assert record.before is None
    assert record.after["code"] == "GJZ-2"
    assert record.after["parent_id"] == world.ganjingzi.pk
    assert record.after["path"] == unit.path  # the final path, not the provisional one


def test_update_unit_records_only_the_changed_fields(world):
    actions.update_unit(world.office, world.bureau, {"name_en": "Science Bureau", "sort_order": 0})
    record = only(history_of(world.bureau))
    assert (record.verb, record.action) == ("update", "org.update_unit")
    assert record.before == {"name_en": "Municipal Science and Technology Bureau"}
    assert record.after == {"name_en": "Science Bureau"}


def test_move_unit_records_the_new_parent_path_and_depth(world):
    actions.move_unit(world.office, world.street, world.zhongshan)
    record = only(history_of(world.street))
    assert (record.verb, record.action) == ("update", "org.move_unit")
    assert record.before["parent_id"] == world.ganjingzi.pk
    assert record.after["parent_id"] == world.zhongshan.pk
    assert record.after["path"].startswith(world.zhongshan.path)


def test_create_person_records_the_account_without_its_password(world):
    person = actions.create_person(
        world.office,
        password="Harbour-lights-2018",
        username="new_person",
        full_name="新人",
        unit=world.bureau,
    )
    record = only(history_of(person))
    assert (record.verb, record.action) == ("create", "org.create_person")
    assert record.after["username"] == "new_person"
    assert "password" not in record.after
    assert person.password not in json.dumps(record.after)


def test_update_person_records_the_changed_fields(world):
    actions.update_person(world.office, world.nobody, {"title": "处长"})
    record = only(history_of(world.nobody))
    assert (record.verb, record.action) == ("update", "org.update_person")
    assert (record.before, record.after) == ({"title": ""}, {"title": "处长"})


def test_set_password_records_the_act_but_no_hash(world):
    actions.set_password(world.office, world.nobody, "Seaside-walk-2019")
    record = only(history_of(world.nobody))
    assert (record.verb, record.action) == ("action", "org.set_password")
    assert record.before is None and record.after is None


def test_grant_and_revoke_record_the_grant_with_person_unit_and_role(world):
    role_grant = actions.grant_role(world.office, world.nobody, Role.VIEWER, world.bureau)
    grant_id = role_grant.pk
    actions.revoke_role(world.office, role_grant)
    granted, revoked = AuditRecord.objects.filter(object_id=str(grant_id)).order_by("pk")
    assert (granted.verb, granted.action) == ("create", "org.grant_role")
    assert (revoked.verb, revoked.action) == ("delete", "org.revoke_role")
    expected = {"user_id": world.nobody.pk, "unit_id": world.bureau.pk, "role": "viewer"}
    assert expected.items() <= granted.after.items()
    assert expected.items() <= revoked.before.items()


def test_a_refused_action_writes_no_record(world):
    with pytest.raises(Exception, match="unit"):
        actions.update_unit(world.gjz_head, world.ganjingzi, {"name_en": "x"})
    with pytest.raises(Exception, match="below itself"):
        actions.move_unit(world.office, world.ganjingzi, world.street)
    assert not AuditRecord.objects.exists()


# --- verifying the chain -----------------------------------------------------------------


@pytest.fixture
def chain(world, django_capture_on_commit_callbacks):
    """Eight records from the org actions, sealed as their commits have them sealed;
    returns their seqs in order."""
    with django_capture_on_commit_callbacks(execute=True):
        _eight_records(world)
    seqs = list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 9))
    return seqs


def _eight_records(world):
    office = world.office
    unit = actions.create_unit(
        office, parent=world.city, code="NEW", name_zh="新单位", kind="bureau"
    )
    actions.update_unit(office, unit, {"name_en": "New bureau"})
    actions.move_unit(office, unit, world.ganjingzi)
    person = actions.create_person(office, username="p1", full_name="甲", unit=unit)
    actions.update_person(office, person, {"title": "科员"})
    actions.set_password(office, person, "Seaside-walk-2019")
    role_grant = actions.grant_role(office, person, Role.LIAISON, unit)
    actions.revoke_role(office, role_grant)


def run_sql(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_intact_chain_verifies(chain):
    result = verify()
    assert result.ok
    assert result.checked == len(chain)
    assert result.first_bad_seq is None


def test_an_empty_trail_verifies(world):
    assert verify().ok


def test_a_changed_text_column_is_found_at_its_record(chain):
    run_sql("UPDATE audit_auditrecord SET object_repr = %s WHERE seq = %s", ["forged", 3])
    result = verify()
    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.checked == 2
    assert "does not match its hash" in result.reason


def test_a_changed_json_column_is_found_at_its_record(chain):
    forged = json.dumps({"name_en": "Somebody else"})
    cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    run_sql(f"UPDATE audit_auditrecord SET after = {cast} WHERE seq = %s", [forged, 2])
    assert AuditRecord.objects.get(seq=2).after == {"name_en": "Somebody else"}
    result = verify()
    assert (result.ok, result.first_bad_seq) == (False, 2)


def test_a_deleted_middle_record_is_named_as_missing(chain):
    run_sql("DELETE FROM audit_auditrecord WHERE seq = %s", [4])
    result = verify()
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "record 4 is missing" in result.reason


def test_a_deleted_last_record_is_named_by_the_chain_head(chain):
    last = chain[-1]
    run_sql("DELETE FROM audit_auditrecord WHERE seq = %s", [last])
    result = verify()
    assert (result.ok, result.first_bad_seq) == (False, last)
    assert f"says {last} records but {last - 1} are present" in result.reason


def test_two_swapped_records_are_found_at_the_first_of_them(chain):
    run_sql("UPDATE audit_auditrecord SET seq = -1 WHERE seq = %s", [5])
    run_sql("UPDATE audit_auditrecord SET seq = 5 WHERE seq = %s", [6])
    run_sql("UPDATE audit_auditrecord SET seq = 6 WHERE seq = -1")
    result = verify()
    assert (result.ok, result.first_bad_seq) == (False, 5)
    assert "link to the previous record is broken" in result.reason


def test_a_record_forged_with_a_fresh_hash_still_breaks_the_next_link(chain):
    # Rewriting a record and its own hash is not enough: the next record points at the old one.
    run_sql(
        "UPDATE audit_auditrecord SET object_repr = %s, hash = %s WHERE seq = %s",
        ["x", "f" * 64, 3],
    )
    result = verify()
    assert not result.ok and result.first_bad_seq == 3


# --- the command ---------------------------------------------------------------------------


def test_audit_verify_command_reports_an_intact_chain(chain, capsys):
    call_command("audit", "verify")
    assert "audit trail intact: 8 records checked." in capsys.readouterr().out


def test_audit_verify_command_fails_naming_the_tampered_record(chain):
    run_sql("UPDATE audit_auditrecord SET object_repr = %s WHERE seq = %s", ["forged", 6])
    with pytest.raises(CommandError, match="broken at record 6"):
        call_command("audit", "verify")


def test_audit_verify_command_fails_on_a_deleted_record(chain):
    run_sql("DELETE FROM audit_auditrecord WHERE seq = %s", [2])
    with pytest.raises(CommandError, match="record 2 is missing"):
        call_command("audit", "verify")


# --- append-only -------------------------------------------------------------------------


def test_an_audit_record_refuses_to_be_saved_again(chain):
    record = AuditRecord.objects.get(seq=1)
    record.object_repr = "forged"
    with pytest.raises(RuntimeError, match="append-only"):
        record.save()
    assert AuditRecord.objects.get(seq=1).object_repr != "forged"


def test_an_audit_record_refuses_to_be_deleted(chain):
    with pytest.raises(RuntimeError, match="append-only"):
        AuditRecord.objects.get(seq=1).delete()
    assert AuditRecord.objects.filter(seq=1).exists()


@pytest.mark.django_db(transaction=True)
def test_records_are_only_written_inside_a_transaction(world):
    with pytest.raises(RuntimeError, match="atomic"):
        trail.record(world.office, "action", world.city)
    assert not AuditRecord.objects.exists()


def test_the_chain_stays_intact_across_many_units(world):
    for i in range(30):
        actions.create_unit(
            world.office, parent=world.bureau, code=f"B{i}", name_zh=f"处{i}", kind="subunit"
        )
    assert Unit.objects.filter(parent=world.bureau).count() == 30
    result = verify(chunk_size=7)  # several chunks
    assert result.ok and result.checked == 30


# --- sealing after the commit --------------------------------------------------------------


def test_a_record_waits_unchained_until_its_transaction_commits(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as hooks:
        actions.update_unit(world.office, world.bureau, {"name_en": "Renamed bureau"})
    rec = AuditRecord.objects.get()
    assert (rec.seq, rec.prev_hash, rec.hash) == (None, "", "")
    assert trail.waiting_count() == 1
    assert len(hooks) == 1  # one seal queued for the transaction
    hooks[0]()  # the commit runs it
    rec.refresh_from_db()
    assert rec.seq == 1 and rec.prev_hash == trail.GENESIS and len(rec.hash) == 64
    assert trail.waiting_count() == 0


def test_one_seal_is_queued_per_transaction_however_many_records(
    world, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks() as hooks, transaction.atomic():
        for i in range(5):
            actions.create_unit(
                world.office, parent=world.bureau, code=f"Q{i}", name_zh=f"处{i}", kind="subunit"
            )
    assert len(hooks) == 1
    assert trail.waiting_count() == 5
    hooks[0]()
    assert list(AuditRecord.objects.order_by("pk").values_list("seq", flat=True)) == [1, 2, 3, 4, 5]


def test_a_seal_queued_in_a_rolled_back_savepoint_is_queued_again(
    world, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks() as hooks, transaction.atomic():
        try:
            with transaction.atomic():
                actions.update_unit(world.office, world.bureau, {"name_en": "Gone"})
                raise ValueError("undo the savepoint")
        except ValueError:
            pass
        actions.update_unit(world.office, world.bureau, {"name_en": "Kept"})
    assert len(hooks) == 1
    hooks[0]()
    assert [r.after for r in AuditRecord.objects.all()] == [{"name_en": "Kept"}]
    assert AuditRecord.objects.get().seq == 1


def test_sealing_in_batches_keeps_the_chain_gapless(world):
    for i in range(12):
        actions.create_unit(
            world.office, parent=world.bureau, code=f"S{i}", name_zh=f"处{i}", kind="subunit"
        )
    assert trail.waiting_count() == 12
    assert trail.seal(batch=5) == 12  # three batches: 5, 5, 2
    assert list(AuditRecord.objects.order_by("pk").values_list("seq", flat=True)) == list(
        range(1, 13)
    )
    result = verify()
    assert (result.ok, result.checked, result.sealed_now) == (True, 12, 0)


def test_verify_chains_the_waiting_records_first(world):
    actions.update_unit(world.office, world.bureau, {"name_en": "Renamed"})
    actions.update_unit(world.office, world.bureau, {"name_en": "Renamed again"})
    result = verify()
    assert (result.ok, result.checked, result.sealed_now) == (True, 2, 2)
    assert trail.waiting_count() == 0


def test_records_sealed_later_continue_the_chain(chain, world):
    actions.update_unit(world.office, world.bureau, {"name_en": "Later"})
    assert trail.seal() == 1
    last, before = AuditRecord.objects.order_by("-seq")[:2]
    assert (last.seq, last.prev_hash) == (9, before.hash)
    assert verify().ok


def test_audit_seal_command_chains_the_waiting_records(world, capsys):
    actions.update_unit(world.office, world.bureau, {"name_en": "Sealed by hand"})
    call_command("audit", "seal")
    assert "1 records chained." in capsys.readouterr().out
    assert AuditRecord.objects.get().seq == 1


def test_the_minute_job_seals_what_no_writer_sealed(world):
    from campaigndesk.audit import jobs
    from campaigndesk.core import scheduler

    actions.update_unit(world.office, world.bureau, {"name_en": "Left waiting"})
    assert "campaigndesk.audit.jobs.seal_waiting" in {p.job for p in scheduler.schedule()}
    assert jobs.seal_waiting() == 1
    assert trail.waiting_count() == 0
