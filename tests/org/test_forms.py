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


def test_people_filter_offers_the_units_the_actor_sees_indented_and_escaped(world):
    from django.utils import translation

    from campaigndesk.org.forms import INDENT, PersonFilterForm

    world.street.name_zh = "<b>街道</b>"
    world.street.save(update_fields=["name_zh"])
    form = PersonFilterForm({"unit": world.street.pk}, actor=world.gjz_head)
    assert form.is_valid(), form.errors
    with translation.override("zh-hans"):
        html = str(form["unit"])
    assert html.startswith('<select id="id_unit" name="unit">')
    assert f'<option value="{world.ganjingzi.pk}">甘井子区</option>' in html
    # One level below the head's own unit, selected, and the name escaped.
    assert (
        f'<option value="{world.street.pk}" selected>{INDENT}&lt;b&gt;街道&lt;/b&gt;</option>'
        in html
    )
    # Units outside the actor's scope are neither offered nor accepted.
    assert f'value="{world.zhongshan.pk}"' not in html
    assert not PersonFilterForm({"unit": world.zhongshan.pk}, actor=world.gjz_head).is_valid()


def test_people_filter_shows_english_names_in_english(world):
    from django.utils import translation

    from campaigndesk.org.forms import PersonFilterForm

    with translation.override("en"):
        html = str(PersonFilterForm({}, actor=world.office)["unit"])
    assert f'<option value="{world.city.pk}">Dalian</option>' in html
    assert '<option value="" selected>All units</option>' in html


def test_plain_select_marks_the_chosen_value_and_escapes_labels():
    from django import forms

    from campaigndesk.org.forms import PlainSelect

    class F(forms.Form):
        pick = forms.ChoiceField(
            required=False, choices=[("", "All"), ("a", "<A>"), ("b", "B")], widget=PlainSelect
        )

    assert str(F({"pick": "b"})["pick"]) == (
        '<select id="id_pick" name="pick"><option value="">All</option>'
        '<option value="a">&lt;A&gt;</option><option value="b" selected>B</option></select>'
    )
    assert '<option value="" selected>All</option>' in str(F({})["pick"])
