"""The hot-topics page: clusters of a campaign's suggestions for a period (office, leaders)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from campaigndesk.campaigns.models import Campaign
from campaigndesk.core.paging import paginate
from campaigndesk.org import access

from . import topics

MAX_DAYS = 366
ORDER_CHOICES = [
    ("hot", _("Hottest (size, growth and support)")),
    ("size", _("Largest")),
    ("growth", _("Fastest growing")),
    ("support", _("Most supported")),
]


class PeriodForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.order_by("-starts_on"), empty_label=None
    )
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    order = forms.ChoiceField(label=_("Order"), choices=ORDER_CHOICES, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The period must end on or after its first day."))
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(_("Choose a period of at most a year."))
        return data


def _initial() -> dict[str, Any]:
    start, end = topics.default_period()
    return {"campaign": Campaign.objects.order_by("-starts_on").first(), "start": start, "end": end}


def _period(request: HttpRequest) -> tuple[PeriodForm, dict[str, Any] | None]:
    if not any(k in request.GET for k in ("campaign", "start", "end")):
        data = {k: getattr(v, "pk", v) for k, v in _initial().items()}
        data["order"] = "hot"
        form = PeriodForm(data)
    else:
        form = PeriodForm(request.GET)
    if form.is_valid() and form.cleaned_data["campaign"] is not None:
        return form, form.cleaned_data
    return form, None


@require_http_methods(["GET"])
@login_required
def topic_list(request: HttpRequest) -> HttpResponse:
    """The period's hot topics, read from the cache (computed when missing or stale)."""
    access.require(request.user, "triage.view")
    form, period = _period(request)
    page = run = None
    order = "hot"
    if period is not None:
        run = topics.topic_run(period["campaign"], period["start"], period["end"])
        order = period.get("order") or "hot"
        found = topics.topics_of(run, limit=200, order=order)
        page = paginate(request, found, default=20)
    return render(
        request,
        "triage/topics/list.html",
        {
            "form": form,
            "page": page,
            "run": run,
            "order": order,
            "can_refresh": access.can(request.user, "triage.manage"),
        },
    )


@require_POST
@login_required
def refresh(request: HttpRequest) -> HttpResponse:
    """Recompute the period's topics now (the office)."""
    access.require(request.user, "triage.manage")
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid campaign and period."))
        return redirect("triage_topics:list")
    period = form.cleaned_data
    run = topics.topic_run(period["campaign"], period["start"], period["end"], refresh=True)
    messages.success(
        request,
        _("The topics were computed again from %(count)s suggestions.") % {"count": run.size},
    )
    query = urlencode(
        {
            "campaign": period["campaign"].pk,
            "start": period["start"].isoformat(),
            "end": period["end"].isoformat(),
            "order": period.get("order") or "hot",
        }
    )
    return redirect(f"{reverse('triage_topics:list')}?{query}")


@require_http_methods(["GET"])
@login_required
def block(request: HttpRequest) -> HttpResponse:
    """The dashboard's hot-topics block, loaded after the page (htmx): the topics of the
    last 30 days, read from the stored run, so the dashboard's own figures never wait on
    a clustering."""
    access.require(request.user, "triage.view")
    campaign = Campaign.objects.filter(pk=_int(request.GET.get("campaign"))).first()
    if campaign is None:
        return HttpResponse(status=404)
    start, end = topics.default_period()
    query = urlencode({"campaign": campaign.pk, "start": start, "end": end, "order": "hot"})
    return render(
        request,
        "triage/topics/_block.html",
        {
            "topics": bulletin_topics(campaign),
            "more_url": f"{reverse('triage_topics:list')}?{query}",
        },
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def bulletin_topics(campaign: Any, end: dt.date | None = None, limit: int = 5) -> list:
    """The hot topics of the 30 days up to `end` for a bulletin or dashboard block; render
    them with `{% include "triage/topics/_block.html" with topics=... %}`."""
    start, end = topics.default_period(end)
    return topics.hot_topics(campaign, start, end, limit=limit)
