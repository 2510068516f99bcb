"""Forms of the task page, the task create and edit screens, and the work plan screens.

They check the shape of what a person typed (a number, a date, a unit from the
list); the rules that decide whether the change may happen (state, dates against
the campaign, who may act) live in the actions, whose `ValidationError` the views
put back into these forms. Empty reasons, notes and messages are left for the
actions to refuse, so the person reads the action's own, specific message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigndesk.campaigns.forms import UnitChoiceField
from campaigndesk.campaigns.models import Campaign, KeyTask, Phase, PlanStatus
from campaigndesk.core.uploads import check_upload
from campaigndesk.org import access
from campaigndesk.org.models import Unit

from .actions import EDITABLE_FIELDS
from .models import Priority, Source, Task


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files at once, each checked by its content (an .exe renamed .pdf is refused).

    The action checks them again; checking here first puts the message next to the
    field and keeps a bad file from leaving good ones half-stored.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [single(item, initial) for item in items if item]
        for upload in files:
            check_upload(upload)
        return files


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{'· ' * obj.depth}{obj.name}"


def _unit_queryset(units):
    return units.filter(is_active=True).order_by("path")


# --- the task page's action forms -------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, widget=_text())


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    text = forms.CharField(label=_("Progress made"), required=False, widget=_text(4))
    problems = forms.CharField(label=_("Problems and next steps"), required=False, widget=_text())
    files = EvidenceField(
        label=_("Attachments"),
        help_text=_("PDF, images, Word or Excel files, at most 20 MB each."),
    )


class DoneForm(forms.Form):
    note = forms.CharField(label=_("What was done"), required=False, widget=_text(5))
    files = EvidenceField(
        label=_("Evidence"),
        help_text=_("PDF, images, Word or Excel files, at most 20 MB each."),
    )


class SplitForm(forms.Form):
    """A child task for a unit below the task's lead unit."""

    lead_unit = UnitChoiceField(queryset=Unit.objects.none(), label=_("Unit"))
    title = forms.CharField(label=_("Task"), max_length=300)
    starts_on = forms.DateField(
        label=_("Starts on"),
        required=False,
        widget=_date_widget(),
        help_text=_("Leave empty to start today, or when the parent task starts."),
    )
    deadline = forms.DateField(label=_("Deadline"), widget=_date_widget())
    description = forms.CharField(label=_("Description"), required=False, widget=_text())

    def __init__(self, *args: Any, parent: Task, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"deadline": parent.deadline})
        super().__init__(*args, **kwargs)
        below = Unit.objects.subtree_of(parent.lead_unit).exclude(pk=parent.lead_unit_id)
        self.fields["lead_unit"].queryset = _unit_queryset(below)


class ReassignForm(forms.Form):
    lead_unit = UnitChoiceField(queryset=Unit.objects.none(), label=_("New lead unit"))

    def __init__(self, *args: Any, task: Task, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = access.visible_units(user)
        if task.parent_id:  # a child task stays below its parent's unit, never on it
            parent_unit = task.parent.lead_unit
            units = units.filter(path__startswith=parent_unit.path).exclude(pk=parent_unit.pk)
        self.fields["lead_unit"].queryset = _unit_queryset(units.exclude(pk=task.lead_unit_id))


class RemindForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the unit"),
        required=False,
        widget=_text(),
        help_text=_("The unit's liaisons receive it in their inbox, by e-mail and by webhook."),
    )


# --- create and edit a task ---------------------------------------------------------------------


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200, required=False)
    due = forms.DateField(label=_("Due"), required=False, widget=_date_widget())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("title") and not data.get("due"):
            self.add_error("due", _("Give the milestone a date."))
        if data.get("due") and not data.get("title"):
            self.add_error("title", _("Name the milestone."))
        return data


MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=3, max_num=12, validate_max=True)


def milestone_rows(formset: forms.BaseFormSet) -> list[tuple[str, dt.date]]:
    """The filled rows of a valid milestone formset, in date order."""
    rows = [
        (f.cleaned_data["title"], f.cleaned_data["due"])
        for f in formset.forms
        if f.cleaned_data.get("title") and f.cleaned_data.get("due")
    ]
    return sorted(rows, key=lambda row: row[1])


class CampaignLabelled(forms.ModelChoiceField):
    """Key tasks and phases, named with their campaign when there is more than one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.many_campaigns = False

    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj.number}. {obj}"
        return f"{obj.campaign} · {label}" if self.many_campaigns else label


def _scope_to_campaigns(form: forms.Form, campaigns) -> None:
    ids = [c.pk for c in campaigns]
    for name, model in (("key_task", KeyTask), ("phase", Phase)):
        field = form.fields[name]
        field.queryset = (
            model.objects.filter(campaign__in=ids)
            .select_related("campaign")
            .order_by("campaign__starts_on", "number")
        )
        field.many_campaigns = len(ids) > 1


def _check_campaign_parts(form: forms.Form, campaign: Campaign | None) -> None:
    data = form.cleaned_data
    for name in ("key_task", "phase"):
        part = data.get(name)
        if part is not None and campaign is not None and part.campaign_id != campaign.pk:
            form.add_error(name, _("This belongs to another campaign."))


TASK_SOURCES = [choice for choice in Source.choices if choice[0] != Source.SPLIT]


class TaskCreateForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none(), label=_("Campaign"))
    title = forms.CharField(label=_("Task"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=_text(5))
    key_task = CampaignLabelled(
        queryset=KeyTask.objects.none(), label=_("Key task"), required=False
    )
    phase = CampaignLabelled(queryset=Phase.objects.none(), label=_("Phase"), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=TASK_SOURCES, initial=Source.INSTRUCTION)
    source_ref = forms.CharField(
        label=_("Source reference"),
        max_length=120,
        required=False,
        help_text=_("Document number or the item it came from."),
    )
    lead_unit = UnitChoiceField(queryset=Unit.objects.none(), label=_("Lead unit"))
    co_units = UnitsChoiceField(
        queryset=Unit.objects.none(),
        label=_("Co-responsible units"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    responsible_leader = forms.CharField(
        label=_("Responsible leader"), max_length=80, required=False
    )
    starts_on = forms.DateField(
        label=_("Starts on"),
        required=False,
        widget=_date_widget(),
        help_text=_("Leave empty to start today."),
    )
    deadline = forms.DateField(label=_("Deadline"), widget=_date_widget())
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaigns = list(Campaign.objects.order_by("-starts_on"))
        self.fields["campaign"].queryset = Campaign.objects.order_by("-starts_on")
        _scope_to_campaigns(self, campaigns)
        units = _unit_queryset(access.visible_units(user))
        self.fields["lead_unit"].queryset = units
        self.fields["co_units"].queryset = units

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _check_campaign_parts(self, data.get("campaign"))
        lead, co_units = data.get("lead_unit"), data.get("co_units") or []
        if lead is not None and lead in co_units:
            self.add_error("co_units", _("The lead unit cannot also be a co-responsible unit."))
        return data


class TaskEditForm(forms.Form):
    """The editable details of a task, with the version the person loaded.

    `update_task` refuses the save when the task has moved past that version, so a
    second person's save never silently overwrites the first's.
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Task"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=_text(5))
    key_task = CampaignLabelled(
        queryset=KeyTask.objects.none(), label=_("Key task"), required=False
    )
    phase = CampaignLabelled(queryset=Phase.objects.none(), label=_("Phase"), required=False)
    source_ref = forms.CharField(label=_("Source reference"), max_length=120, required=False)
    responsible_leader = forms.CharField(
        label=_("Responsible leader"), max_length=80, required=False
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=_date_widget())
    deadline = forms.DateField(label=_("Deadline"), widget=_date_widget())
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)

    def __init__(self, *args: Any, task: Task, **kwargs: Any) -> None:
        initial = {name: getattr(task, name) for name in EDITABLE_FIELDS}
        initial["version"] = task.version
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.task = task
        _scope_to_campaigns(self, [task.campaign])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _check_campaign_parts(self, self.task.campaign)
        return data

    def changes(self) -> dict[str, Any]:
        """The editable fields whose value differs from the task as this form knows it."""
        return {
            name: self.cleaned_data[name]
            for name in EDITABLE_FIELDS
            if name in self.changed_data and name in self.cleaned_data
        }


# --- work plans ---------------------------------------------------------------------------------


class PlanFilterForm(forms.Form):
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("-starts_on"), required=False, label=_("Campaign")
    )
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *PlanStatus.choices], required=False, label=_("Status")
    )


class PlanStartForm(forms.Form):
    unit = UnitChoiceField(queryset=Unit.objects.none(), label=_("Unit"))

    def __init__(self, *args: Any, user: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = access.visible_units(user, access.UNIT_ROLES).exclude(work_plans__campaign=campaign)
        self.fields["unit"].queryset = _unit_queryset(units)
        if getattr(user, "unit_id", None):
            self.fields["unit"].initial = user.unit_id


class PlanSummaryForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), required=False, widget=_text(8))


class MeasureForm(forms.Form):
    key_task = CampaignLabelled(
        queryset=KeyTask.objects.none(), label=_("Key task"), required=False
    )
    title = forms.CharField(label=_("Measure"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=_text(4))
    owner_name = forms.CharField(label=_("Responsible person"), max_length=80, required=False)
    deadline = forms.DateField(label=_("Deadline"), widget=_date_widget())

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key_task"].queryset = KeyTask.objects.filter(campaign=campaign).order_by(
            "number"
        )


def milestones_json(formset: forms.BaseFormSet) -> list[dict[str, str]]:
    """A measure's milestones as stored: a list of {title, due} with ISO dates."""
    return [{"title": t, "due": d.isoformat()} for t, d in milestone_rows(formset)]


def milestones_initial(milestones: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for m in milestones or []:
        due = m.get("due")
        try:
            due = dt.date.fromisoformat(due) if due else None
        except (TypeError, ValueError):
            due = None
        rows.append({"title": m.get("title", ""), "due": due})
    return rows


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=_text())
