"""The office's page for suggestions gathered offline: download the template, upload the
filled-in .xlsx, and see either how many were imported or every problem by row and column
(nothing is written unless every row is correct; see `importing.py`). A long file is
taken in in the background: its job page shows a progress bar (polled by htmx), then
the same report (`import_jobs.py`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from campaigndesk.campaigns.models import Campaign
from campaigndesk.campaigns.queries import current_campaign
from campaigndesk.core.import_jobs import progress_poll
from campaigndesk.core.uploads import XLSX
from campaigndesk.org import access

from . import import_jobs, importing
from .models import SuggestionImportJob

MAX_LISTED = 1000  # problems listed on a job's page (the count says how many in all)

# The file and the form around it: anything larger is refused before it is read.
MAX_REQUEST_BYTES = importing.MAX_IMPORT_BYTES + 64 * 1024


class ImportForm(forms.Form):
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.filter(accepts_suggestions=True).order_by("-starts_on"),
        label=gettext_lazy("Campaign"),
        empty_label=None,
    )
    file = forms.FileField(
        label=gettext_lazy("Filled-in template (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


def _context(form: ImportForm, report: importing.ImportReport | None = None) -> dict:
    return {
        "form": form,
        "report": report,
        "max_rows": f"{importing.MAX_ROWS:,}",
        "max_mb": importing.MAX_IMPORT_BYTES // 1_048_576,
        "inline_rows": import_jobs.INLINE_ROWS,
    }


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "suggestions.triage")
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_REQUEST_BYTES:
            form = ImportForm(initial={"campaign": current_campaign()})
            context = _context(form)
            context["error"] = _("The file is larger than %(max)s MB.") % {
                "max": importing.MAX_IMPORT_BYTES // 1_048_576
            }
            return render(request, "suggestions/import.html", context, status=413)
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            result = import_jobs.start_import(
                request.user,
                form.cleaned_data["file"],
                form.cleaned_data["campaign"],
                language=translation.get_language() or "",
            )
            if isinstance(result, SuggestionImportJob):
                return redirect("suggestions_import:job", pk=result.pk)
            if isinstance(result, int):
                messages.success(
                    request,
                    ngettext(
                        "%(count)s suggestion was imported.",
                        "%(count)s suggestions were imported.",
                        result,
                    )
                    % {"count": result},
                )
                return redirect("suggestions_import:upload")
            return render(request, "suggestions/import.html", _context(form, result), status=422)
        return render(request, "suggestions/import.html", _context(form), status=400)
    form = ImportForm(initial={"campaign": current_campaign()})
    return render(request, "suggestions/import.html", _context(form))


@login_required
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    """The template, with the drop-down lists of the chosen (or the current) campaign."""
    access.require(request.user, "suggestions.triage")
    campaign = None
    if request.GET.get("campaign", "").isdigit():
        campaign = Campaign.objects.filter(pk=request.GET["campaign"]).first()
    campaign = campaign or current_campaign()
    response = HttpResponse(importing.build_template(campaign), content_type=XLSX.content_type)
    response["Content-Disposition"] = f'attachment; filename="{importing.TEMPLATE_NAME}"'
    return response


@login_required
@require_GET
def job(request: HttpRequest, pk: int) -> HttpResponse:
    """One long import: its progress bar while it runs (polled by htmx), then its report."""
    access.require(request.user, "suggestions.triage")
    found = import_jobs.get_job_for_user(request.user, pk)
    if polled := progress_poll(request, found):
        return polled
    problems = found.report.get("problems", []) if isinstance(found.report, dict) else []
    context = {"job": found, "problems": problems[:MAX_LISTED], "listed": MAX_LISTED}
    return render(request, "suggestions/import_job.html", context)
