"""The office's page for the routing model: versions with their measured and live quality,
roll back, train now, keywords per unit (cold start) and the auto-route threshold."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from campaigndesk.campaigns.models import Campaign
from campaigndesk.core.paging import paginate
from campaigndesk.org import access

from . import jobs, predict, training
from .models import RoutingModel, TriageSettings, UnitKeyword


class KeywordForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=None)
    keyword = forms.CharField(label=gettext_lazy("Keyword"), max_length=60)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = access.visible_units(user).filter(is_active=True)


class ThresholdForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("Campaign"), queryset=Campaign.objects.all()
    )
    auto_route_threshold = forms.FloatField(
        label=gettext_lazy("Route automatically at a confidence of at least"),
        required=False,
        min_value=0.01,
        max_value=1.0,
        help_text=gettext_lazy("Between 0.01 and 1; leave empty to turn automatic routing off."),
    )


def _page(request: HttpRequest, keyword_form=None, threshold_form=None, status=200):
    access.require(request.user, "triage.view")
    page = paginate(
        request,
        RoutingModel.objects.defer("blob")
        .select_related("campaign")
        .order_by("-created_at", "-id"),
    )
    live = predict.live_precision(page.object_list)
    rows = [(m, *live[m.pk]) for m in page.object_list]
    history = None
    if not rows:  # why there is no model yet: the history it would learn from
        n, units = training.history_size()
        history = {
            "rows": n,
            "units": units,
            "enough": training.can_train(n, units),
            "min_rows": training.MIN_ROWS,
        }
    can_manage = access.can(request.user, "triage.manage")
    return render(
        request,
        "triage/models.html",
        {
            "page": page,
            "rows": rows,
            "can_manage": can_manage,
            "history": history,
            "keywords": UnitKeyword.objects.select_related("unit").order_by(
                "unit__path", "keyword"
            )[:200],
            "settings_list": TriageSettings.objects.select_related("campaign"),
            "keyword_form": keyword_form or KeywordForm(request.user),
            "threshold_form": threshold_form or ThresholdForm(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def models_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def train_now(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "triage.train")
    jobs.retrain_routing.enqueue(trained_by=request.user.get_username())
    messages.success(
        request, _("Training has started; the new version appears here when it is done.")
    )
    return redirect("triage:models")


@login_required
@require_POST
def activate(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, "triage.view")
    model = get_object_or_404(RoutingModel.objects.defer("blob"), pk=pk)
    training.activate(request.user, model)
    messages.success(request, _("Version %(v)s is now active.") % {"v": model.version})
    return redirect("triage:models")


@login_required
@require_POST
def add_keyword(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "triage.manage")
    form = KeywordForm(request.user, request.POST)
    if form.is_valid():
        try:
            training.add_keyword(
                request.user, form.cleaned_data["unit"], form.cleaned_data["keyword"]
            )
        except ValidationError as e:
            form.add_error("keyword", e.message_dict.get("keyword", e.messages))
        else:
            messages.success(request, _("Keyword added."))
            return redirect("triage:models")
    return _page(request, keyword_form=form, status=400)


@login_required
@require_POST
def remove_keyword(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, "triage.manage")
    kw = get_object_or_404(
        UnitKeyword, pk=pk, unit__in=access.visible_units(request.user).values("pk")
    )
    training.remove_keyword(request.user, kw)
    messages.success(request, _("Keyword removed."))
    return redirect("triage:models")


@login_required
@require_POST
def set_threshold(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "triage.manage")
    form = ThresholdForm(request.POST)
    if form.is_valid():
        try:
            training.set_threshold(
                request.user,
                form.cleaned_data["campaign"],
                form.cleaned_data["auto_route_threshold"],
            )
        except ValidationError as e:
            form.add_error("auto_route_threshold", e.messages)
        else:
            messages.success(request, _("Automatic routing saved."))
            return redirect("triage:models")
    return _page(request, threshold_form=form, status=400)
