"""The office's screens for setting up a campaign: its phases, key tasks and calendar.

Everyone with a role reads a campaign (it is city-wide); only the office
changes it (`campaigns.manage`), so the forms answer 403, not 404, to others.
Every write goes through `actions`; a rule the action refuses comes back into
the form as an error. The phase and key-task sections add rows in place with
htmx and work as ordinary pages without it.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from campaigndesk.core.actionviews import show_errors
from campaigndesk.core.bilingual import current_is_english
from campaigndesk.core.paging import paginate
from campaigndesk.org import access

from . import actions, queries
from .forms import CalendarDayForm, CampaignForm, KeyTaskForm, PhaseForm
from .models import Campaign

GET_POST = ["GET", "POST"]


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def _changes(form: BaseForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data}


def _other_language(obj: Any, *fields: str) -> dict[str, str]:
    """The text of each bilingual field in the language not shown, when it differs."""
    suffix = "zh" if current_is_english() else "en"
    result = {}
    for name in fields:
        other = getattr(obj, f"{name}_{suffix}", "") or ""
        result[name] = other if other != getattr(obj, name) else ""
    return result


def _detail_url(campaign: Campaign | int, anchor: str = "") -> str:
    pk = campaign if isinstance(campaign, int) else campaign.pk
    url = reverse("campaigns:detail", args=[pk])
    return f"{url}#{anchor}" if anchor else url


# --- campaigns -------------------------------------------------------------------------------


@require_safe
@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "campaigns.view")
    page = paginate(request, queries.campaigns_for_listing())
    return render(
        request,
        "campaigns/campaign_list.html",
        {"page": page, "can_manage": queries.can_manage(request.user)},
    )


@require_safe
@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = queries.get_campaign_for_user(request.user, pk, queries.campaign_for_page())
    other_lang = "zh-Hans" if current_is_english() else "en"
    context = {
        "campaign": campaign,
        "phases": campaign.phases.all(),
        "key_tasks": campaign.key_tasks.all(),
        "can_manage": queries.can_manage(request.user, campaign),
        "other": _other_language(campaign, "title", "theme", "summary"),
        "other_lang": other_lang,
    }
    return render(request, "campaigns/campaign_detail.html", context)


@require_http_methods(GET_POST)
@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "campaigns.manage")
    form = CampaignForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = actions.create_campaign(request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(
                request,
                _("The campaign “%(title)s” was created. Add its phases and key tasks next.")
                % {"title": campaign.title},
            )
            return redirect(_detail_url(campaign))
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": None})


@require_http_methods(GET_POST)
@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = queries.get_campaign_for_edit(request.user, pk)
    # The form works on a copy: the action compares the original with the changes.
    form = CampaignForm(
        request.POST if request.method == "POST" else None,
        instance=copy.copy(campaign),
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_campaign(request.user, campaign, _changes(form))
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The campaign was saved."))
            return redirect(_detail_url(campaign))
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


# --- phases ----------------------------------------------------------------------------------


def _phase_section(
    request: HttpRequest, campaign: Campaign, form: PhaseForm | None = None, notice: str = ""
) -> HttpResponse:
    context = {
        "campaign": campaign,
        "phases": queries.phases_of(campaign),
        "can_manage": True,
        "phase_form": form,
        "notice": notice,
    }
    response = render(request, "campaigns/_phases.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(GET_POST)
@login_required
def phase_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = queries.get_campaign_for_edit(request.user, pk)
    if request.method == "POST":
        form = PhaseForm(request.POST, campaign=campaign)
    else:
        form = PhaseForm(campaign=campaign, initial=queries.next_phase_defaults(campaign))
    if request.method == "POST" and form.is_valid():
        try:
            phase = actions.create_phase(request.user, campaign, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            notice = _("Phase %(number)s was added.") % {"number": phase.number}
            if _is_htmx(request):
                return _phase_section(request, campaign, notice=notice)
            messages.success(request, notice)
            return redirect(_detail_url(campaign, "phases"))
    if _is_htmx(request):
        return _phase_section(request, campaign, form)
    response = render(
        request, "campaigns/phase_form.html", {"form": form, "campaign": campaign, "phase": None}
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(GET_POST)
@login_required
def phase_edit(request: HttpRequest, pk: int) -> HttpResponse:
    phase = queries.get_phase_for_edit(request.user, pk)
    campaign = phase.campaign
    form = PhaseForm(
        request.POST if request.method == "POST" else None,
        campaign=campaign,
        instance=copy.copy(phase),
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_phase(request.user, phase, _changes(form))
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Phase %(number)s was saved.") % {"number": phase.number})
            return redirect(_detail_url(campaign, "phases"))
    return render(
        request, "campaigns/phase_form.html", {"form": form, "campaign": campaign, "phase": phase}
    )


@require_http_methods(GET_POST)
@login_required
def phase_delete(request: HttpRequest, pk: int) -> HttpResponse:
    phase = queries.get_phase_for_edit(request.user, pk)
    campaign = phase.campaign
    error = ""
    if request.method == "POST":
        try:
            actions.delete_phase(request.user, phase)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Phase %(number)s was deleted.") % {"number": phase.number})
            return redirect(_detail_url(campaign, "phases"))
    question = _("Delete phase %(number)s, “%(name)s”?") % {
        "number": phase.number,
        "name": phase.name,
    }
    return render(
        request,
        "campaigns/confirm_delete.html",
        {
            "campaign": campaign,
            "question": question,
            "error": error,
            "cancel_url": _detail_url(campaign, "phases"),
        },
    )


# --- key tasks -------------------------------------------------------------------------------


def _key_task_section(
    request: HttpRequest, campaign: Campaign, form: KeyTaskForm | None = None, notice: str = ""
) -> HttpResponse:
    context = {
        "campaign": campaign,
        "key_tasks": queries.key_tasks_of(campaign),
        "can_manage": True,
        "key_task_form": form,
        "notice": notice,
    }
    response = render(request, "campaigns/_key_tasks.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(GET_POST)
@login_required
def key_task_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = queries.get_campaign_for_edit(request.user, pk)
    if request.method == "POST":
        form = KeyTaskForm(request.POST, campaign=campaign, user=request.user)
    else:
        form = KeyTaskForm(
            campaign=campaign,
            user=request.user,
            initial={"number": queries.next_key_task_number(campaign)},
        )
    if request.method == "POST" and form.is_valid():
        try:
            key_task = actions.create_key_task(request.user, campaign, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            notice = _("Key task %(number)s was added.") % {"number": key_task.number}
            if _is_htmx(request):
                return _key_task_section(request, campaign, notice=notice)
            messages.success(request, notice)
            return redirect(_detail_url(campaign, "key-tasks"))
    if _is_htmx(request):
        return _key_task_section(request, campaign, form)
    response = render(
        request,
        "campaigns/key_task_form.html",
        {"form": form, "campaign": campaign, "key_task": None},
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(GET_POST)
@login_required
def key_task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    key_task = queries.get_key_task_for_edit(request.user, pk)
    campaign = key_task.campaign
    form = KeyTaskForm(
        request.POST if request.method == "POST" else None,
        campaign=campaign,
        user=request.user,
        instance=copy.copy(key_task),
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_key_task(request.user, key_task, _changes(form))
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(
                request, _("Key task %(number)s was saved.") % {"number": key_task.number}
            )
            return redirect(_detail_url(campaign, "key-tasks"))
    return render(
        request,
        "campaigns/key_task_form.html",
        {"form": form, "campaign": campaign, "key_task": key_task},
    )


@require_http_methods(GET_POST)
@login_required
def key_task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    key_task = queries.get_key_task_for_edit(request.user, pk)
    campaign = key_task.campaign
    error = ""
    if request.method == "POST":
        try:
            actions.delete_key_task(request.user, key_task)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request, _("Key task %(number)s was deleted.") % {"number": key_task.number}
            )
            return redirect(_detail_url(campaign, "key-tasks"))
    question = _("Delete key task %(number)s, “%(title)s”?") % {
        "number": key_task.number,
        "title": key_task.title,
    }
    return render(
        request,
        "campaigns/confirm_delete.html",
        {
            "campaign": campaign,
            "question": question,
            "error": error,
            "cancel_url": _detail_url(campaign, "key-tasks"),
        },
    )


# --- working-day calendar -----------------------------------------------------------------------


@require_http_methods(GET_POST)
@login_required
def calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign calendar's exception days; the office marks a day as worked or off."""
    campaign = queries.get_campaign_for_user(
        request.user, pk, Campaign.objects.select_related("calendar")
    )
    can_manage = queries.can_manage(request.user, campaign)
    work_calendar = campaign.calendar
    form = None
    if request.method == "POST":
        access.require(request.user, "campaigns.manage", campaign)
        form = CalendarDayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.set_calendar_day(
                    request.user,
                    work_calendar,
                    data["date"],
                    is_workday=data["is_workday"],
                    note=data["note"],
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                if data["is_workday"]:
                    text = _("%(date)s is now a working day.")
                else:
                    text = _("%(date)s is now a day off.")
                messages.success(request, text % {"date": data["date"].isoformat()})
                return redirect("campaigns:calendar", pk=campaign.pk)
    elif can_manage:
        form = CalendarDayForm()
    context = {
        "campaign": campaign,
        "work_calendar": work_calendar,
        "page": paginate(request, queries.calendar_days(work_calendar)),
        "shared_with": list(
            queries.campaigns_using(work_calendar)
            .exclude(pk=campaign.pk)
            .order_by("-starts_on")[:20]
        ),
        "can_manage": can_manage,
        "form": form,
    }
    return render(request, "campaigns/calendar.html", context)
