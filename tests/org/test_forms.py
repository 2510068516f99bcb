"""The org forms on their own: validation messages and how action errors reach the page."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from campaigndesk.org.forms import (
    GrantForm,
    PersonEditForm,
    UnitCreateForm,
    UnitEditForm,
    UnitMoveForm,
    add_action_errors,
)
from campaigndesk.org.models import Role


def test_unit_edit_form_leaves_the_callers_unit_untouched_until_the_action_runs(world):
    form = UnitEditForm(
        {"name_zh": "新名字", "name_en": "New", "kind": "district", "sort_order": 1},
        instance=world.zhongshan,
    )
    assert form.is_valid(), form.errors
    # The action compares against the unit as it was, so the audit record has a diff.
    assert world.zhongshan.name_zh == "中山区"
    assert form.changes()["name_zh"] == "新名字"
    assert form.changes()["is_active"] is False


def test_unit_create_form_strips_and_checks_the_code(world):
    form = UnitCreateForm({"code": " zs ", "name_zh": "x", "kind": "district", "sort_order": 0})
    assert not form.is_valid()
    assert form.errors["code"] == ["A unit with the code zs already exists. Choose another code."]


def test_move_form_offers_only_the_units_the_actor_manages(world):
    form = UnitMoveForm(unit=world.street, actor=world.gjz_head)
    assert list(form.fields["parent"].queryset) == []
    form = UnitMoveForm(unit=world.street, actor=world.office)
    assert world.zhongshan in form.fields["parent"].queryset


def test_move_form_labels_units_indented_by_depth(world):
    form = UnitMoveForm(unit=world.zhongshan, actor=world.office)
    labels = dict(
        (choice.instance.code, label)
        for choice, label in form.fields["parent"].choices
        if hasattr(choice, "instance")
    )
    assert labels["CITY"] == "Dalian"
    assert labels["GJZ-ST"] == "\u3000\u3000A street office of Ganjingzi"


def test_move_form_refuses_a_descendant_as_parent(world):
    form = UnitMoveForm({"parent": world.street.pk}, unit=world.ganjingzi, actor=world.office)
    assert not form.is_valid()
    assert form.errors["parent"] == [
        "A unit cannot be moved below itself or below one of its own sub-units."
    ]


def test_grant_form_refuses_a_role_the_person_already_holds(world):
    form = GrantForm(
        {"role": Role.UNIT_HEAD, "unit": world.ganjingzi.pk},
        person=world.gjz_head,
        actor=world.office,
    )
    assert not form.is_valid()
    assert form.non_field_errors() == ["This person already holds this role over this unit."]


def test_person_edit_form_lets_others_deactivate_a_person(world):
    data = {"full_name": "某人", "unit": world.ganjingzi.pk, "email": "", "title": "", "phone": ""}
    form = PersonEditForm(data, instance=world.gjz_liaison, actor=world.office)
    assert form.is_valid(), form.errors
    assert form.changes()["is_active"] is False
    assert world.gjz_liaison.is_active is True


def test_action_errors_land_on_their_fields_or_above_the_form(world):
    form = UnitMoveForm({"parent": world.zhongshan.pk}, unit=world.street, actor=world.office)
    assert form.is_valid()
    add_action_errors(form, ValidationError({"parent": "No.", "path": "Broken."}))
    add_action_errors(form, ValidationError("Not now."))
    assert form.errors["parent"] == ["No."]
    assert form.non_field_errors() == ["Broken.", "Not now."]
