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
    """The period's hot topics as stored: never clustered here. A missing or stale run has
    one refresh queued by `topics.read_topics`, and the page says so."""
    access.require(request.user, "triage.view")
    form, period = _period(request)
    page = shown = None
    order = "hot"
    if period is not None:
        shown = topics.read_topics(period["campaign"], period["start"], period["end"])
        order = period.get("order") or "hot"
        if shown.run is not None:
            found = topics.topics_of(shown.run, limit=200, order=order)
            page = paginate(request, found, default=20)
    return render(
        request,
        "triage/topics/list.html",
        {
            "form": form,
            "page": page,
            "shown": shown,
            "period": period,
            "order": order,
            "can_refresh": access.can(request.user, "triage.manage"),
        },
    )


@require_POST
@login_required
def refresh(request: HttpRequest) -> HttpResponse:
    """Have the period's topics computed again in the background (the office): a click
    must not hold a worker for the minute a city's clustering takes."""
    access.require(request.user, "triage.manage")
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid campaign and period."))
        return redirect("triage_topics:list")
    period = form.cleaned_data
    campaign, start, end = period["campaign"], period["start"], period["end"]
    result = topics.request_refresh(campaign, start, end, topics.stored_run(campaign, start, end))
    if result is None:
        messages.info(
            request,
            _("The topics of this period are already being computed. Reload the page in a minute."),
        )
    elif result.is_finished:  # the task ran at once (TASKS_IMMEDIATE=1)
        run = topics.stored_run(campaign, start, end)
        messages.success(
            request,
            _("The topics were computed again from %(count)s suggestions.")
            % {"count": run.size if run else 0},
        )
    else:
        messages.success(
            request,
            _(
                "The topics are being computed again in the background. Reload the page in "
                "a minute to see them."
            ),
        )
    query = urlencode(
        {
            "campaign": campaign.pk,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "order": period.get("order") or "hot",
        }
    )
    return redirect(f"{reverse('triage_topics:list')}?{query}")


@require_http_methods(["GET"])
@login_required
def block(request: HttpRequest) -> HttpResponse:
    """The dashboard's hot-topics block, loaded after the page (htmx): the topics of the
    last 30 days as stored, so neither the dashboard nor the block waits on a clustering.
    Before the first run it is a placeholder that loads itself again a little later."""
    access.require(request.user, "triage.view")
    campaign = Campaign.objects.filter(pk=_int(request.GET.get("campaign"))).first()
    if campaign is None:
        return HttpResponse(status=404)
    start, end = topics.default_period()
    shown = topics.read_topics(campaign, start, end)
    query = urlencode({"campaign": campaign.pk, "start": start, "end": end, "order": "hot"})
    return render(
        request,
        "triage/topics/_block.html",
        {
            "topics": topics.topics_of(shown.run, limit=5) if shown.run else [],
            "computed_at": shown.run.computed_at if shown.run else None,
            "computing": shown.run is None and shown.refreshing,
            "reload_url": request.get_full_path(),
            "more_url": f"{reverse('triage_topics:list')}?{query}",
        },
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def bulletin_topics(
    campaign: Any, end: dt.date | None = None, limit: int = 5, *, compute: bool = False
) -> list:
    """The hot topics of the 30 days up to `end` for a bulletin; render them with
    `{% include "triage/topics/_block.html" with topics=... %}`.

    By default the stored run only (a request may call it: [] before the first run, and
    a refresh queued when missing or stale); a bulletin made in the background passes
    `compute=True` to have them clustered there when missing or stale."""
    start, end = topics.default_period(end)
    return topics.hot_topics(campaign, start, end, limit=limit, compute=compute)
