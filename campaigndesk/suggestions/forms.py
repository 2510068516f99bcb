"""Forms of the staff screens for suggestions: list filters and the action forms.

Filters validate query parameters like a form (a bad value is a form error, never a
500) and return the filtered queryset. Action forms check the shape of what a person
typed (a unit from the list, a tracking number that exists, a date); whether the act
may happen (state, who acts) is the actions' business, and their `ValidationError`
goes back into these forms. Empty notes and reasons are left for the actions to
refuse, so the person reads the action's own message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from campaigndesk.campaigns.models import Campaign, KeyTask
from campaigndesk.org.forms import PlainSelect
from campaigndesk.org.models import Unit, subtree_q

from .models import AWAITING_ANSWER, Category, Channel, Outcome, Status, Suggestion
from .queries import visible_suggestions
from .stats import MAX_DAYS, start_of_day

QUEUE_STATUSES = (Status.RECEIVED, Status.REOPENED)
PUBLISHABLE = (Status.ANSWERED, Status.CLOSED)
MAX_NOTE = 1000
MAX_ANSWER = 5000


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PlainSelectMultiple(forms.SelectMultiple):
    """org.forms.PlainSelect for several choices: the queue's co-unit select lists every
    unit of the city, and Django's two templates per <option> cost more than its rows."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        selected = {str(v) for v in self.format_value(value)}
        built = flatatt({"name": name, **self.build_attrs(self.attrs, attrs)})
        parts = [f"<select{built} multiple>"]
        for key, label in self.choices:
            key = "" if key is None else str(key)
            mark = " selected" if key in selected else ""
            parts.append(f'<option value="{escape(key)}"{mark}>{escape(label)}</option>')
        parts.append("</select>")
        return SafeString("".join(parts))


class UnitField(forms.ModelChoiceField):
    """A unit named by its code (select options and the queue's typed-in choice alike),
    shown in tree order, indented by depth."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Unit.objects.filter(is_active=True).order_by("path"))
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("widget", PlainSelect)
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Choose the unit that answers."),
                "invalid_choice": _("Choose a unit from the list."),
            },
        )
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Unit) -> str:
        return f"{'· ' * obj.depth}{obj.name}"


class UnitsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Unit.objects.filter(is_active=True).order_by("path"))
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", PlainSelectMultiple)
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Unit) -> str:
        return f"{'· ' * obj.depth}{obj.name}"


def share_choices(fields: list[forms.Field], units: list[Unit]) -> None:
    """Give several unit selects the same, already-read list of units (one query, not one
    per select)."""
    for f in fields:
        label = f.label_from_instance
        choices = [(u.code, label(u)) for u in units]
        if isinstance(f, forms.ModelChoiceField) and not isinstance(
            f, forms.ModelMultipleChoiceField
        ):
            choices = [("", f.empty_label or ""), *choices]
        f.choices = choices


# --- filters ---------------------------------------------------------------------------------


class _Filter(forms.Form):
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.all(), required=False, label=_("Campaign"), widget=PlainSelect
    )
    q = forms.CharField(required=False, max_length=100, label=_("Search"))

    def __init__(self, data: Any, user: Any, **kwargs: Any):
        super().__init__(data, **kwargs)
        self.user = user

    def base(self) -> QuerySet[Suggestion]:
        return visible_suggestions(self.user)

    def narrow(self, qs: QuerySet[Suggestion], c: dict[str, Any]) -> QuerySet[Suggestion]:
        return qs

    def queryset(self) -> QuerySet[Suggestion]:
        """Visible suggestions matching the filter; an invalid filter matches nothing."""
        qs = self.base()
        if not self.is_valid():
            return qs.none()
        c = self.cleaned_data
        if c.get("campaign"):
            qs = qs.filter(campaign=c["campaign"])
        if c.get("q"):
            text = c["q"].strip()
            qs = qs.filter(
                Q(tracking_number=text.upper()) | Q(title__icontains=text) | Q(body__icontains=text)
            )
        return self.narrow(qs, c)


class QueueFilter(_Filter):
    """The triage queue: new and reopened suggestions, oldest first."""

    status = forms.MultipleChoiceField(
        choices=[(s.value, s.label) for s in QUEUE_STATUSES],
        required=False,
        label=_("Status"),
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), required=False, label=_("Category"), widget=PlainSelect
    )
    key_task = forms.ModelChoiceField(
        queryset=KeyTask.objects.all(), required=False, label=_("Key task"), widget=PlainSelect
    )
    district = forms.ModelChoiceField(
        queryset=Unit.objects.all(), required=False, label=_("District"), widget=PlainSelect
    )
    channel = forms.ChoiceField(
        choices=[("", "—"), *Channel.choices],
        required=False,
        label=_("Channel"),
        widget=PlainSelect,
    )
    received_from = forms.DateField(required=False, label=_("Received from"), widget=_date_widget())
    received_to = forms.DateField(required=False, label=_("Received to"), widget=_date_widget())

    field_order = [
        "campaign",
        "status",
        "category",
        "key_task",
        "district",
        "channel",
        "received_from",
        "received_to",
        "q",
    ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", _("The end of the range is before its start."))
        return cleaned

    def statuses(self) -> list[str]:
        return list(dict.fromkeys(self.cleaned_data.get("status") or QUEUE_STATUSES))

    def parts(self) -> list[QuerySet[Suggestion]]:
        """The queryset split by status, one `status = ...` each: the (campaign, status,
        created_at, id) index yields each in queue order, while `status IN (...)` would
        make the database sort every matching row (see queries.keyset_page)."""
        whole = self.cleaned_data
        return [self.queryset_with(dict(whole, status=[status])) for status in self.statuses()]

    def queryset_with(self, cleaned: dict[str, Any]) -> QuerySet[Suggestion]:
        saved = self.cleaned_data
        self.cleaned_data = cleaned
        try:
            return self.queryset()
        finally:
            self.cleaned_data = saved

    def narrow(self, qs: QuerySet[Suggestion], c: dict[str, Any]) -> QuerySet[Suggestion]:
        statuses = list(dict.fromkeys(c.get("status") or QUEUE_STATUSES))
        qs = qs.filter(status=statuses[0]) if len(statuses) == 1 else qs.filter(status__in=statuses)
        for name in ("category", "key_task", "district"):
            if c.get(name):
                qs = qs.filter(**{name: c[name]})
        if c.get("channel"):
            qs = qs.filter(channel=c["channel"])
        # Local days as moments, so the (campaign, status, created_at) index serves the range.
        if c.get("received_from"):
            qs = qs.filter(created_at__gte=start_of_day(c["received_from"]))
        if c.get("received_to"):
            qs = qs.filter(created_at__lt=start_of_day(c["received_to"] + dt.timedelta(days=1)))
        return qs


YES_NO = [("", _("Either")), ("yes", _("Yes")), ("no", _("No"))]


class PublicationFilter(_Filter):
    """Answered suggestions, for the office to publish and to pick outstanding ones."""

    status = forms.ChoiceField(
        choices=[("", _("Answered or closed")), *[(s.value, s.label) for s in PUBLISHABLE]],
        required=False,
        label=_("Status"),
    )
    published = forms.ChoiceField(choices=YES_NO, required=False, label=_("Published"))
    outstanding = forms.ChoiceField(choices=YES_NO, required=False, label=_("Outstanding"))

    field_order = ["campaign", "status", "published", "outstanding", "q"]

    def narrow(self, qs: QuerySet[Suggestion], c: dict[str, Any]) -> QuerySet[Suggestion]:
        qs = qs.filter(status=c["status"]) if c.get("status") else qs.filter(status__in=PUBLISHABLE)
        for name, column in (("published", "is_published"), ("outstanding", "is_outstanding")):
            if c.get(name):
                qs = qs.filter(**{column: c[name] == "yes"})
        return qs


class OverdueFilter(forms.Form):
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.all(), required=False, label=_("Campaign")
    )
    unit = UnitField(required=False, label=_("Answering unit (and below)"))

    def __init__(self, data: Any, user: Any, **kwargs: Any):
        super().__init__(data, **kwargs)
        self.user = user

    def queryset(self, today: dt.date) -> QuerySet[Suggestion]:
        qs = visible_suggestions(self.user)
        if not self.is_valid():
            return qs.none()
        qs = qs.filter(status__in=AWAITING_ANSWER, answer_due__lt=today)
        if self.cleaned_data.get("campaign"):
            qs = qs.filter(campaign=self.cleaned_data["campaign"])
        if self.cleaned_data.get("unit"):
            qs = qs.filter(subtree_q("unit_path", self.cleaned_data["unit"].path))
        return qs


# --- action forms ------------------------------------------------------------------------------


class RouteForm(forms.Form):
    unit = UnitField(label=_("Answering unit"))
    co_units = UnitsField(
        label=_("Co-responsible units"),
        help_text=_("They see the suggestion and help; the answering unit answers."),
    )
    note = forms.CharField(
        label=_("Note to the unit"), required=False, max_length=MAX_NOTE, widget=_text(2)
    )


class _Many(forms.Form):
    """Suggestions ticked in a list; the page's query string, to go back to it."""

    suggestion = forms.ModelMultipleChoiceField(
        queryset=Suggestion.objects.none(),
        error_messages={"required": _("Tick at least one suggestion.")},
    )
    query = forms.CharField(required=False, max_length=2000)

    def __init__(self, data: Any, user: Any, **kwargs: Any):
        super().__init__(data, **kwargs)
        self.fields["suggestion"].queryset = visible_suggestions(user).select_related(
            "campaign__calendar"
        )


class BulkRouteForm(_Many, RouteForm):
    pass


class BulkSpamForm(_Many):
    pass


class BulkPublicationForm(_Many):
    op = forms.ChoiceField(
        choices=[
            ("publish", _("Publish")),
            ("unpublish", _("Take off the portal")),
            ("outstanding", _("Mark as outstanding")),
            ("not_outstanding", _("No longer outstanding")),
        ]
    )


class _One(forms.Form):
    """One suggestion of a list, and the list's query string."""

    suggestion = forms.ModelChoiceField(queryset=Suggestion.objects.none())
    query = forms.CharField(required=False, max_length=2000)

    def __init__(self, data: Any, user: Any, **kwargs: Any):
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["suggestion"].queryset = visible_suggestions(user)


def resolve_original(user: Any, number: str, suggestion: Suggestion | None) -> Suggestion:
    """The suggestion a duplicate repeats, by its tracking number, in the same campaign."""
    number = (number or "").strip().upper()
    original = visible_suggestions(user).filter(tracking_number=number).first()
    if original is None:
        raise forms.ValidationError(
            _("No suggestion has the tracking number %(number)s."), params={"number": number}
        )
    if suggestion is not None and original.campaign_id != suggestion.campaign_id:
        raise forms.ValidationError(_("Choose a suggestion of the same campaign."))
    return original


ORIGINAL_LABEL = _("Tracking number of the original")
ORIGINAL_REQUIRED = _("Give the tracking number of the original suggestion.")


class DuplicateForm(forms.Form):
    original = forms.CharField(
        label=ORIGINAL_LABEL, max_length=20, error_messages={"required": ORIGINAL_REQUIRED}
    )

    def __init__(self, *args: Any, user: Any, suggestion: Suggestion, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.suggestion = suggestion

    def clean_original(self) -> Suggestion:
        return resolve_original(self.user, self.cleaned_data["original"], self.suggestion)


class QueueDuplicateForm(_One):
    original = forms.CharField(
        label=ORIGINAL_LABEL, max_length=20, error_messages={"required": ORIGINAL_REQUIRED}
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("suggestion") is not None and cleaned.get("original"):
            try:
                cleaned["original"] = resolve_original(
                    self.user, cleaned["original"], cleaned["suggestion"]
                )
            except forms.ValidationError as exc:
                self.add_error("original", exc)
        return cleaned


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_NOTE, widget=_text(2))


class QueueNoteForm(_One, NoteForm):
    pass


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Which unit should answer it, or why it is not yours"),
        required=False,
        max_length=MAX_NOTE,
        widget=_text(2),
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("What the answer needs"), required=False, max_length=MAX_NOTE, widget=_text(2)
    )


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", "—"), *Outcome.choices],
        required=False,
    )
    answer = forms.CharField(
        label=_("Answer to the citizen"),
        required=False,
        max_length=MAX_ANSWER,
        widget=_text(6),
        help_text=_("The citizen reads this with the tracking number; it may be published."),
    )
    task_deadline = forms.DateField(
        label=_("Deadline of the task it opens"),
        required=False,
        widget=_date_widget(),
        help_text=_("Only for an adopted suggestion: it becomes a task on the ledger."),
    )


def _flag(value: Any) -> bool:
    return value == "1"


class FlagForm(forms.Form):
    """An on/off switch sent by the button pressed (value "1" or "0")."""

    value = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=_flag)


class FiguresForm(forms.Form):
    """The figures page's campaign and range of days (both ends included)."""

    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.all(), required=False, label=_("Campaign")
    )
    start = forms.DateField(required=False, label=_("From"), widget=_date_widget())
    end = forms.DateField(required=False, label=_("To"), widget=_date_widget())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end of the range is before its start."))
            elif (end - start).days >= MAX_DAYS:
                self.add_error(
                    "end", _("Choose at most %(days)s days at once.") % {"days": MAX_DAYS}
                )
        return cleaned
