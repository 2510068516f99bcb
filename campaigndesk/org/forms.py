"""Forms for the unit and people screens.

They validate input and hand clean data to `org.actions`; none of them saves. Edit
forms work on a copy of the object, so the action still sees the values before the
change and records the difference in the audit trail.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm, UserCreationForm, UsernameField
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from campaigndesk.core.bilingual import current_is_english

from . import access
from .models import Role, RoleGrant, Unit, UnitKind, User

INDENT = "\u3000"  # an ideographic space: the tree reads the same in either language


class UnitChoiceField(forms.ModelChoiceField):
    """Units in tree order, each indented by its depth."""

    def __init__(self, queryset, *, base_depth: int = 0, **kwargs: Any) -> None:
        self.base_depth = base_depth
        super().__init__(queryset.order_by("path"), **kwargs)

    def label_from_instance(self, obj: Unit) -> str:
        return f"{INDENT * max(obj.depth - self.base_depth, 0)}{obj.name}"


class PlainSelect(forms.Select):
    """A <select> of flat choices built by plain string formatting.

    Django's Select renders every <option> through two templates, which on a list
    page costs more than the rows below it.
    """

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        selected = {str(v) for v in self.format_value(value)}
        parts = [f"<select{flatatt({'name': name, **self.build_attrs(self.attrs, attrs)})}>"]
        for key, label in self.choices:
            key = "" if key is None else str(key)
            mark = " selected" if key in selected else ""
            parts.append(f'<option value="{escape(key)}"{mark}>{escape(label)}</option>')
        parts.append("</select>")
        return SafeString("".join(parts))


class UnitTreeSelect(forms.Select):
    """A <select> of units in tree order, built by plain string formatting.

    Django's Select renders every <option> through two templates; over a city's
    hundreds of units that cost several times more than the rest of a list page.
    This widget reads only the columns it shows (no model instances) and keeps the
    field's own queryset for validation.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units: Any = Unit.objects.none()
        self.base_depth = 0
        self.empty_label: str | None = None

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        selected = {str(v) for v in self.format_value(value)}
        english = current_is_english()
        parts = [f"<select{flatatt({'name': name, **self.build_attrs(self.attrs, attrs)})}>"]
        if self.empty_label is not None:
            mark = " selected" if "" in selected or not selected else ""
            parts.append(f'<option value=""{mark}>{escape(self.empty_label)}</option>')
        rows = self.units.order_by("path").values_list("pk", "name_zh", "name_en", "depth")
        for pk, name_zh, name_en, depth in rows:
            label = (name_en or name_zh) if english else (name_zh or name_en)
            indent = INDENT * max(depth - self.base_depth, 0)
            mark = " selected" if str(pk) in selected else ""
            parts.append(f'<option value="{pk}"{mark}>{indent}{escape(label)}</option>')
        parts.append("</select>")
        return SafeString("".join(parts))


def _unit_tree_field(queryset: Any, base_depth: int, **kwargs: Any) -> UnitChoiceField:
    field = UnitChoiceField(queryset, base_depth=base_depth, widget=UnitTreeSelect, **kwargs)
    widget = field.widget
    widget.units, widget.base_depth = field.queryset, field.base_depth
    widget.empty_label = None if field.empty_label is None else str(field.empty_label)
    return field


def unit_filter_field(actor: Any, **kwargs: Any) -> UnitChoiceField:
    """A choice of the units the actor sees, for list filters."""
    return _unit_tree_field(
        access.visible_units(actor), base_depth=access.scope_depth(actor), **kwargs
    )


def managed_units_field(actor: Any, **kwargs: Any) -> UnitChoiceField:
    """A choice of the units the actor may manage (office scope)."""
    return _unit_tree_field(
        access.visible_units(actor, [Role.OFFICE]), base_depth=access.scope_depth(actor), **kwargs
    )


def add_action_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a ValidationError raised by an action on the form: on its field when the
    form has one, otherwise above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for e in errors:
                form.add_error(target, e)
    else:
        form.add_error(None, error)


class _CopyInstanceMixin:
    """Let a ModelForm validate against a copy, leaving the caller's object untouched."""

    def __init__(self, *args: Any, instance: Any, **kwargs: Any) -> None:
        self.original = instance
        super().__init__(*args, instance=copy.copy(instance), **kwargs)  # type: ignore[call-arg]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}  # type: ignore[attr-defined]

    def save(self, commit: bool = True) -> Any:
        raise NotImplementedError("org forms never save: pass changes() to an org action")


# --- filters ------------------------------------------------------------------------------


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *UnitKind.choices],
        widget=PlainSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name or code")


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units")
    )
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", _("All roles")), *Role.choices],
        widget=PlainSelect,
    )
    inactive = forms.BooleanField(label=_("Include deactivated accounts"), required=False)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name, user name or position")
        self.fields["unit"] = unit_filter_field(
            actor,
            label=_("Unit"),
            required=False,
            empty_label=_("All units"),
        )
        if not access.can(actor, "org.manage_people"):
            del self.fields["inactive"]


# --- units --------------------------------------------------------------------------------


class _UnitFieldsForm(forms.ModelForm):
    def clean_name_zh(self) -> str:
        return self.cleaned_data["name_zh"].strip()


class UnitCreateForm(_UnitFieldsForm):
    """A new unit's fields; with `actor`, also its parent among the units the actor
    manages, or none (a top-level unit) when the actor may create one."""

    class Meta:
        model = Unit
        fields = ["code", "name_zh", "name_en", "short_name_zh", "kind", "sort_order"]

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if actor is not None:
            extra: dict[str, Any] = {"required": True}
            if access.can(actor, "org.create_top_unit"):
                extra = {"required": False, "empty_label": _("None: a top-level unit")}
            self.fields["parent"] = managed_units_field(
                actor,
                label=_("Parent unit"),
                help_text=_("The new unit sits below this unit."),
                **extra,
            )
            self.order_fields(["parent"])

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        # Codes are compared without regard to case: "gjz" and "GJZ" would confuse people.
        if Unit.objects.filter(code__iexact=code).exists():
            raise ValidationError(
                _("A unit with the code %(code)s already exists. Choose another code."),
                code="duplicate_code",
                params={"code": code},
            )
        return code

    def save(self, commit: bool = True) -> Any:
        raise NotImplementedError("org forms never save: use org.actions.create_unit")


class UnitEditForm(_CopyInstanceMixin, _UnitFieldsForm):
    class Meta:
        model = Unit
        fields = ["name_zh", "name_en", "short_name_zh", "kind", "sort_order", "is_active"]


class UnitMoveForm(forms.Form):
    parent = forms.ModelChoiceField(label=_("New parent unit"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, unit: Unit, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["parent"] = managed_units_field(actor, label=_("New parent unit"))

    def clean_parent(self) -> Unit:
        parent: Unit = self.cleaned_data["parent"]
        if parent.is_within(self.unit):
            raise ValidationError(
                _("A unit cannot be moved below itself or below one of its own sub-units."),
                code="cycle",
            )
        if parent.pk == self.unit.parent_id:
            raise ValidationError(_("The unit is already under this parent."), code="same")
        return parent


# --- people -------------------------------------------------------------------------------


class PersonCreateForm(UserCreationForm):
    """A new account with an initial password checked by the password validators."""

    class Meta:
        model = User
        fields = ["username", "full_name", "email", "unit", "title", "phone"]
        field_classes = {"username": UsernameField}

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = managed_units_field(actor, label=_("Unit"))
        self.fields["full_name"].required = True
        self.fields["password1"].label = _("Initial password")

    def person_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def save(self, commit: bool = True) -> Any:
        raise NotImplementedError("org forms never save: use org.actions.create_person")


class PersonEditForm(_CopyInstanceMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "email", "unit", "title", "phone", "is_active"]

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["unit"] = managed_units_field(actor, label=_("Unit"))
        self.fields["full_name"].required = True
        self.fields["is_active"].help_text = _(
            "A deactivated person cannot sign in; their records stay."
        )

    def clean_is_active(self) -> bool:
        active = self.cleaned_data["is_active"]
        if not active and self.original.pk == getattr(self.actor, "pk", None):
            raise ValidationError(_("You cannot deactivate your own account."), code="self")
        return active


class PersonPasswordForm(SetPasswordForm):
    """The office sets a new password for someone (checked by the password validators)."""

    def save(self, commit: bool = True) -> Any:
        raise NotImplementedError("org forms never save: use org.actions.set_password")


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = forms.ModelChoiceField(label=_("Over unit"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, person: User, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["unit"] = managed_units_field(
            actor,
            label=_("Over unit"),
            help_text=_("The role covers this unit and every unit below it."),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        role, unit = data.get("role"), data.get("unit")
        if role and unit:
            if RoleGrant.objects.filter(user=self.person, unit=unit, role=role).exists():
                raise ValidationError(
                    _("This person already holds this role over this unit."), code="duplicate"
                )
            if not unit.is_active:
                self.add_error(
                    "unit",
                    ValidationError(
                        _("This unit is deactivated: a role over it would have no effect."),
                        code="inactive",
                    ),
                )
        return data


__all__ = [
    "GrantForm",
    "PersonCreateForm",
    "PersonEditForm",
    "PersonFilterForm",
    "PersonPasswordForm",
    "UnitCreateForm",
    "UnitEditForm",
    "UnitFilterForm",
    "UnitMoveForm",
    "add_action_errors",
]
