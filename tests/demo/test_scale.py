"""`campaigndesk scale`: deterministic synthetic units and people, in bulk, audited once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client

from campaigndesk.audit import trail
from campaigndesk.audit.models import AuditRecord
from campaigndesk.demo import scale
from campaigndesk.demo.names import pinyin_join
from campaigndesk.org.models import Role, RoleGrant, Unit, UnitKind, User
from tests.factories import UnitFactory


@pytest.fixture
def city(db):
    return UnitFactory(code="DL", name_zh="大连市", name_en="Dalian", kind=UnitKind.CITY)


def run(*args: str) -> str:
    out = StringIO()
    call_command("scale", *args, stdout=out)
    return out.getvalue()


def scale_units(seed: int = 1):
    return Unit.objects.filter(code__startswith=f"S{seed}-").order_by("code")


def snapshot(seed: int = 1) -> list[tuple]:
    rows = scale_units(seed).values_list("code", "name_zh", "name_en", "kind", "parent__code")
    people = User.objects.filter(username__startswith=f"scale-{seed}-").order_by("username")
    return list(rows) + list(people.values_list("username", "full_name", "unit__code"))


class Rollback(Exception):
    pass


def in_a_fresh_database(*args: str) -> list[tuple]:
    """Run the command, read what it made, then undo it all, as if the database were new."""
    try:
        with transaction.atomic():
            run(*args)
            made = snapshot()
            raise Rollback
    except Rollback:
        pass
    assert not scale_units().exists()
    return made


def test_scale_creates_the_asked_number_of_units_below_the_city(city):
    run("--units", "40", "--seed", "1")
    units = {u.pk: u for u in Unit.objects.all()}
    made = [u for u in units.values() if u.code.startswith("S1-")]
    assert len(made) == 40
    for u in made:
        parent = units[u.parent_id]
        assert u.path == Unit.path_for(u.pk, parent.path)
        assert u.depth == parent.depth + 1
        assert u.is_within(city)
        assert u.name_zh and u.name_en
    top = [u for u in made if u.parent_id == city.pk]
    assert top and all(u.kind != UnitKind.SUBUNIT for u in top)
    assert Unit.objects.subtree_of(city).count() == 41


def test_scale_gives_each_unit_a_liaison_and_a_head_with_grants(city):
    run("--units", "40", "--seed", "1")
    assert User.objects.filter(username__startswith="scale-1-").count() == 80
    grants = RoleGrant.objects.filter(user__username__startswith="scale-1-")
    assert grants.filter(role=Role.LIAISON).count() == 40
    assert grants.filter(role=Role.UNIT_HEAD).count() == 40
    liaison = User.objects.select_related("unit").get(username="scale-1-u7-liaison")
    assert liaison.unit.code == "S1-000007"
    assert list(liaison.grants.values_list("role", "unit__code")) == [("liaison", "S1-000007")]


def test_scale_people_sign_in_only_when_a_password_is_given(city):
    run("--units", "3", "--seed", "1", "--password", "Scale-test-pass-1")
    run("--units", "3", "--seed", "2")
    assert Client().login(username="scale-1-u1-liaison", password="Scale-test-pass-1")
    assert not User.objects.get(username="scale-2-u1-liaison").has_usable_password()


def test_same_seed_gives_the_same_codes_and_names_in_two_fresh_databases(city):
    first = in_a_fresh_database("--units", "40", "--seed", "1")
    second = in_a_fresh_database("--units", "40", "--seed", "1")
    assert len(first) == 40 + 80
    assert first == second


def test_different_seeds_give_different_names(city):
    run("--units", "20", "--seed", "1")
    run("--units", "20", "--seed", "2")
    one = list(scale_units(1).values_list("name_zh", flat=True))
    two = list(scale_units(2).values_list("name_zh", flat=True))
    assert one != two


def test_running_again_with_the_same_seed_adds_nothing_and_no_audit_record(city):
    run("--units", "40", "--seed", "1")
    records = AuditRecord.objects.count()
    output = run("--units", "40", "--seed", "1")
    assert "nothing new" in output
    assert scale_units().count() == 40
    assert User.objects.filter(username__startswith="scale-1-").count() == 80
    assert AuditRecord.objects.count() == records


def test_a_larger_count_extends_the_tree_without_touching_what_is_there(city):
    smaller = in_a_fresh_database("--units", "45", "--seed", "1")
    run("--units", "30", "--seed", "1")
    before = dict(scale_units().values_list("code", "pk"))
    run("--units", "45", "--seed", "1")
    after = dict(scale_units().values_list("code", "pk"))
    assert len(after) == 45
    assert {code: after[code] for code in before} == before
    assert snapshot() == smaller


def test_one_audit_record_sums_up_a_load_and_the_chain_verifies(city):
    run("--units", "40", "--seed", "1")
    record = AuditRecord.objects.get(action="demo.scale")
    assert record.object_id == str(city.pk)
    assert record.source == "command:scale"
    assert record.after["seed"] == 1
    assert record.after["created"] == {"units": 40, "people": 80, "grants": 80}
    assert trail.verify().ok


@pytest.mark.parametrize("option", ["--units", "--seed", "--people-per-unit", "--tasks"])
def test_negative_numbers_are_refused_with_a_clear_error(city, option):
    args = [option, "-5"] if option == "--units" else ["--units", "1", option, "-5"]
    with pytest.raises(CommandError, match=rf"{option}: must be 0 or more, not -5"):
        run(*args)
    assert not Unit.objects.exclude(pk=city.pk).exists()


def test_without_a_count_the_command_says_what_it_can_make(city):
    with pytest.raises(CommandError, match="--units, --tasks, --suggestions"):
        run("--seed", "3")


def test_a_missing_generator_asked_for_zero_is_reported_and_the_rest_runs(city, monkeypatch):
    monkeypatch.delitem(scale._REGISTRY, "tasks", raising=False)
    output = run("--units", "5", "--tasks", "0", "--seed", "1")
    assert "No generator for tasks is registered yet (it lands with the ledger)" in output
    assert scale_units().count() == 5


def test_a_missing_generator_asked_for_rows_is_an_error_before_anything_is_made(city, monkeypatch):
    monkeypatch.delitem(scale._REGISTRY, "suggestions", raising=False)
    with pytest.raises(CommandError, match="Cannot make 10 suggestions: no generator"):
        run("--units", "5", "--suggestions", "10")
    assert not scale_units().exists()
    assert not AuditRecord.objects.filter(action="demo.scale").exists()


def test_registered_generators_run_in_their_order_and_count_in_the_audit(city, monkeypatch):
    ran: list[str] = []

    def fake_suggestions(ctx: scale.ScaleContext, count: int) -> dict[str, int]:
        ran.append(f"suggestions:{ctx.scale_units().count()}")
        return {"suggestions": count}

    monkeypatch.setitem(
        scale._REGISTRY, "suggestions", scale.Registered("suggestions", fake_suggestions, 30)
    )
    run("--suggestions", "7", "--units", "4", "--seed", "1")
    assert ran == ["suggestions:4"]  # units (order 10) ran first
    created = AuditRecord.objects.get(action="demo.scale").after["created"]
    assert created["suggestions"] == 7 and created["units"] == 4


def test_scale_needs_a_unit_to_build_under(db):
    with pytest.raises(CommandError, match="load the demo first"):
        run("--units", "5")


def test_scale_builds_under_the_unit_named_by_root(city):
    district = UnitFactory(code="ELSEWHERE", parent=city, kind=UnitKind.DISTRICT)
    run("--units", "6", "--root", "ELSEWHERE", "--seed", "1")
    assert all(u.is_within(district) for u in scale_units())
    with pytest.raises(CommandError, match="no unit with the code 'NOPE'"):
        run("--units", "6", "--root", "NOPE")


def test_pinyin_names_take_an_apostrophe_before_a_vowel_syllable():
    assert pinyin_join(["xi", "an"]) == "Xi'an"
    assert pinyin_join(["xing", "gang"]) == "Xinggang"


def test_reserved_ids_come_after_every_existing_unit(city):
    ids = scale.reserve_ids(Unit, 3)
    assert len(set(ids)) == 3 and min(ids) > city.pk
