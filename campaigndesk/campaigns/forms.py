"""Forms for the office's campaign set-up screens.

They check input and the model's own rules (so most mistakes show at once); the
actions check the rules that span rows (unique numbers, phases inside the
campaign) and the view shows their `ValidationError` in the same form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigndesk.org import access
from campaigndesk.org.models import Unit

from .models import Campaign, KeyTask, Phase


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitChoiceField(forms.ModelChoiceField):
    """Units in tree order, indented by depth."""

    def label_from_instance(self, obj: Unit) -> str:
        return f"{'· ' * obj.depth}{obj.name}"


def unit_choices(user: Any, *current: Unit | None):
    """Active units the person may see, plus any inactive unit already chosen."""
    keep = [u.pk for u in current if u is not None]
    return access.visible_units(user).filter(Q(is_active=True) | Q(pk__in=keep)).order_by("path")


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "code",
            "title_zh",
            "title_en",
            "theme_zh",
            "theme_en",
            "summary_zh",
            "summary_en",
            "starts_on",
            "ends_on",
            "status",
            "calendar",
            "reporting_cycle",
            "warning_window_days",
            "accept_limit_days",
            "return_limit_days",
            "remind_before_days",
            "lag_yellow_points",
            "lag_red_points",
            "lead_unit",
            "office_unit",
            "is_public",
        ]
        field_classes = {"lead_unit": UnitChoiceField, "office_unit": UnitChoiceField}
        widgets = {
            "starts_on": _date_widget(),
            "ends_on": _date_widget(),
            "summary_zh": forms.Textarea(attrs={"rows": 5}),
            "summary_en": forms.Textarea(attrs={"rows": 5}),
        }
        error_messages = {
            "code": {"unique": _("Another campaign already uses this code.")},
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        lead = instance.lead_unit if instance.lead_unit_id else None
        office = instance.office_unit if instance.office_unit_id else None
        self.fields["lead_unit"].queryset = unit_choices(user, lead)
        self.fields["office_unit"].queryset = unit_choices(user, office)
        self.fields["calendar"].queryset = self.fields["calendar"].queryset.order_by("pk")
        if instance.pk is None:
            # A new campaign may start its own calendar (see actions.create_campaign).
            self.fields["calendar"].required = False
            self.fields["calendar"].empty_label = _(
                "A new calendar with mainland China's public holidays"
            )


class PhaseForm(forms.ModelForm):
    class Meta:
        model = Phase
        fields = ["number", "name_zh", "name_en", "starts_on", "ends_on", "aim_zh", "aim_en"]
        widgets = {
            "starts_on": _date_widget(),
            "ends_on": _date_widget(),
            "aim_zh": forms.Textarea(attrs={"rows": 3}),
            "aim_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        # The model's clean() checks the dates against the campaign and its other phases.
        kwargs.setdefault("instance", Phase(campaign=campaign))
        super().__init__(*args, **kwargs)


class KeyTaskForm(forms.ModelForm):
    class Meta:
        model = KeyTask
        fields = ["number", "code", "title_zh", "title_en", "content_zh", "content_en", "lead_unit"]
        field_classes = {"lead_unit": UnitChoiceField}
        widgets = {
            "content_zh": forms.Textarea(attrs={"rows": 4}),
            "content_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, campaign: Campaign, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("instance", KeyTask(campaign=campaign))
        super().__init__(*args, **kwargs)
        current = self.instance.lead_unit if self.instance.lead_unit_id else None
        self.fields["lead_unit"].queryset = unit_choices(user, current)


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=_date_widget())
    is_workday = forms.TypedChoiceField(
        label=_("This day is"),
        choices=[("1", _("a working day")), ("0", _("a day off"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=80,
        required=False,
        help_text=_("For example: National Day holiday, or weekend made a working day."),
    )
