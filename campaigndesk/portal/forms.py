"""The citizen's forms: a suggestion, tracking by number and code, and the verdict."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from campaigndesk.core.uploads import check_upload
from campaigndesk.suggestions import intake
from campaigndesk.suggestions.models import Outcome, Verdict

from . import queries

NOT_UNICODE = _("The text contains characters that are not valid Unicode.")
TOO_LARGE = _("%(name)s is larger than %(max)s MB. Send a smaller file.")
TOO_MANY = _("Attach at most %(max)s files.")
ACCEPT = ".pdf,.doc,.docx,.jpg,.jpeg,.png,.gif,.webp"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (the pattern in Django's documentation)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _valid_unicode(value: str) -> str:
    # Invalid UTF-8 in a request body reaches us as U+FFFD: refuse it, as intake
    # refuses lone surrogates, rather than store text the citizen did not write.
    if "\ufffd" in value:
        raise ValidationError(NOT_UNICODE)
    return value


class PortalForm(forms.Form):
    required_css_class = "required"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class KeyTaskChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number}. {obj.title}"


class SuggestionForm(PortalForm):
    title = forms.CharField(
        label=_("Title"),
        max_length=intake.MAX_TITLE,
        help_text=_("One line that sums up your suggestion."),
    )
    body = forms.CharField(
        label=_("Your suggestion"),
        min_length=intake.MIN_BODY,
        max_length=intake.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 9}),
        help_text=_("What should be done, where, and why. At most 5,000 characters."),
    )
    category = forms.ModelChoiceField(
        label=_("Subject"),
        queryset=None,
        required=False,
        empty_label=_("(choose one if it fits)"),
    )
    key_task = KeyTaskChoice(
        label=_("Key task of the campaign it concerns"),
        queryset=None,
        required=False,
        empty_label=_("(none in particular)"),
    )
    district = forms.ModelChoiceField(
        label=_("District it concerns"),
        queryset=None,
        required=False,
        empty_label=_("(the whole city)"),
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    files = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_(
            "Up to 3 files: photos (JPEG, PNG, GIF, WebP), PDF or Word, each at most 10 MB."
        ),
    )
    # The honeypot: hidden by a class in portal.css, so people never fill it and
    # simple robots do. Its name is one a robot expects to fill.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    challenge = forms.CharField(
        label=_("Check question"),
        max_length=5,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "portal-short"}
        ),
        help_text=_("Answer with a number. It tells us a person is writing."),
    )
    challenge_token = forms.CharField(widget=forms.HiddenInput, max_length=500)

    def __init__(
        self,
        *args: Any,
        campaign: Any,
        question: str = "",
        oversized: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.oversized = list(oversized)
        self.fields["category"].queryset = queries.categories_of(campaign)
        self.fields["key_task"].queryset = queries.key_tasks_of(campaign)
        self.fields["district"].queryset = queries.districts_of(campaign)
        if question:
            self.fields["challenge"].label = question

    def main_fields(self) -> list[Any]:
        return [self[n] for n in ("title", "body", "category", "key_task", "district", "files")]

    def contact_fields(self) -> list[Any]:
        return [self[n] for n in ("name", "phone", "email")]

    @property
    def honeypot_filled(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    def clean_title(self) -> str:
        return _valid_unicode(self.cleaned_data["title"])

    def clean_body(self) -> str:
        return _valid_unicode(self.cleaned_data["body"])

    def clean_name(self) -> str:
        return _valid_unicode(self.cleaned_data["name"])

    def clean_files(self) -> list[Any]:
        files = self.cleaned_data.get("files") or []
        max_mb = intake.MAX_FILE_BYTES // 1_048_576
        errors = [TOO_LARGE % {"name": name, "max": max_mb} for name in self.oversized]
        if len(files) + len(self.oversized) > intake.MAX_FILES:
            errors.append(TOO_MANY % {"max": intake.MAX_FILES})
        for upload in files:
            try:
                check_upload(upload, intake.SUGGESTION_KINDS, intake.MAX_FILE_BYTES)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return files

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "challenge" in data and "challenge_token" in data:
            # Spent when the suggestion is saved, so a form with another mistake keeps it.
            intake.check_challenge(data["challenge_token"], data["challenge"], consume=False)
        return data


class TrackForm(PortalForm):
    number = forms.CharField(
        label=_("Tracking number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text=_("For example JY181220-7K3MQ."),
    )
    code = forms.CharField(
        label=_("Secret code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text=_("The eight letters and digits you were given with the number."),
    )


class RateForm(PortalForm):
    verdict = forms.ChoiceField(
        label=_("Are you satisfied with the answer?"),
        choices=Verdict.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional. If you are not satisfied, say why: the office reads it."),
    )

    def clean_comment(self) -> str:
        value = _valid_unicode(self.cleaned_data["comment"])
        try:
            return intake.clean_text(value, field="comment", max_length=1000)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class PublishedFilterForm(PortalForm):
    """The filter bar of the published list. Unknown values are ignored, not errors."""

    campaign = forms.ChoiceField(label=_("Campaign"), required=False)
    q = forms.CharField(
        label=_("Search"),
        max_length=100,
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": _("Words in the title or text")}),
    )
    category = forms.ChoiceField(label=_("Subject"), required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("Any outcome")), *Outcome.choices],
    )
    outstanding = forms.BooleanField(label=_("Outstanding suggestions only"), required=False)

    def __init__(
        self, *args: Any, campaign: Any = None, campaigns: Iterable[Any] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        campaigns = list(campaigns)
        if len(campaigns) > 1:
            self.fields["campaign"].choices = [(c.code, c.title) for c in campaigns]
        else:
            del self.fields["campaign"]
        categories = queries.categories_of(campaign) if campaign is not None else []
        self.fields["category"].choices = [
            ("", _("Any subject")),
            *[(c.code, c.name) for c in categories],
        ]

    def filters(self) -> dict[str, Any]:
        if not self.is_bound:
            return {"q": "", "category": "", "outcome": "", "outstanding": False}
        self.is_valid()
        data = self.cleaned_data
        q = data.get("q") or ""
        return {
            "q": q.replace("\x00", "").strip(),
            "category": data.get("category") or "",
            "outcome": data.get("outcome") or "",
            "outstanding": bool(data.get("outstanding")),
        }
