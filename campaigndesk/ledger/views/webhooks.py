"""A unit's chat-robot webhook: the office or the unit's head sets its address, secret and switch.

Units outside the person's scope are 404; a unit they see but may not manage is 403.
The secret is never shown back: a blank field keeps it, a tick removes it.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from campaigndesk.org import access
from campaigndesk.org.models import Unit

from .. import delivery
from ..models import Delivery, UnitWebhook

RECENT_DELIVERIES = 10


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=gettext_lazy("Address"),
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("The robot's address, starting with http:// or https://."),
    )
    secret = forms.CharField(
        label=gettext_lazy("Signing secret"),
        max_length=100,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy(
            "Each call carries X-CampaignDesk-Signature: sha256=HMAC of the body with this "
            "secret. Leave it blank to keep the current secret."
        ),
    )
    clear_secret = forms.BooleanField(
        label=gettext_lazy("Remove the secret (calls are then not signed)"), required=False
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Send reminders to this address"), required=False, initial=True
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise ValidationError(_("Give an address starting with http:// or https://."))
        return url

    def secret_to_save(self) -> str | None:
        """The new secret, "" to remove it, or None to keep the current one."""
        if self.cleaned_data.get("clear_secret"):
            return ""
        return self.cleaned_data.get("secret") or None


def _unit_for_manager(request: HttpRequest, unit_pk: int) -> Unit:
    unit = access.get_unit_for_user(request.user, unit_pk)
    access.require(request.user, "ledger.manage_webhook", unit)
    return unit


@login_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = _unit_for_manager(request, unit_pk)
    hook = UnitWebhook.objects.filter(unit=unit).first()
    initial = {"url": hook.url, "is_active": hook.is_active} if hook else {"is_active": True}
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            delivery.save_webhook(
                request.user,
                unit,
                url=form.cleaned_data["url"],
                secret=form.secret_to_save(),
                is_active=form.cleaned_data["is_active"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The webhook is saved."))
            return redirect("ledger:webhook", unit_pk=unit.pk)
    recent = []
    if hook is not None:
        recent = list(
            Delivery.objects.filter(webhook=hook).order_by("-next_attempt_at", "-id")[
                :RECENT_DELIVERIES
            ]
        )
    context = {"unit": unit, "hook": hook, "form": form, "recent": recent}
    return render(request, "ledger/inbox/webhook.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = _unit_for_manager(request, unit_pk)
    hook = UnitWebhook.objects.filter(unit=unit).select_related("unit").first()
    if hook is not None:
        delivery.delete_webhook(request.user, hook)
        messages.success(request, _("The webhook is removed."))
    return redirect("ledger:webhook", unit_pk=unit.pk)


@login_required
@require_POST
def webhook_test(request: HttpRequest, unit_pk: int) -> HttpResponse:
    unit = _unit_for_manager(request, unit_pk)
    hook = UnitWebhook.objects.filter(unit=unit).select_related("unit").first()
    if hook is None:
        messages.error(request, _("Save an address first."))
    else:
        delivery.queue_test(request.user, hook)
        messages.success(request, _("A test message is queued; it is sent within a minute."))
    return redirect("ledger:webhook", unit_pk=unit.pk)
