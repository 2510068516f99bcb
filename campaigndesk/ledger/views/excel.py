"""Excel in and out of the ledger: the export of any filtered list, the import
templates, the upload form, and each import's page with its progress bar and report.

The export takes the list's own query parameters (`LedgerFilter`), so "Export" on a
filtered list gives exactly the rows the person sees there. The workbook is built in
a spooled temporary file and streamed to the client in blocks (see `excel.py`).
"""

from __future__ import annotations

import tempfile
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign
from campaigndesk.campaigns.queries import current_campaign
from campaigndesk.core.import_jobs import progress_poll
from campaigndesk.core.paging import DEFAULT_PER_PAGE, paginate, per_page
from campaigndesk.org import access

from ..excel import (
    MAX_IMPORT_BYTES,
    MAX_ROWS,
    XLSX_CONTENT_TYPE,
    export_heading,
    write_ledger,
    write_template,
)
from ..filters import LedgerFilter
from ..import_jobs import get_job_for_user, import_kinds_for, start_import
from ..models import ImportJob, ImportKind

# Workbooks up to this size stay in memory; bigger ones spill to a temporary file.
SPOOL_BYTES = 4 * 1024 * 1024
BLOCK_BYTES = 64 * 1024


def _xlsx_response(spool: Any, filename: str) -> FileResponse:
    spool.seek(0)
    response = FileResponse(
        spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
    response.block_size = BLOCK_BYTES
    return response


@require_GET
@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The filtered ledger as .xlsx, in the offices' layout and the person's language."""
    user = request.user
    access.require(user, "ledger.view")
    form = LedgerFilter(request.GET, user)
    if not form.is_valid():
        return render(request, "ledger/excel/export_error.html", {"form": form}, status=400)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
    try:
        write_ledger(
            spool,
            form.queryset(),
            sort=form.sort_order,
            heading=export_heading(form.cleaned_data.get("campaign")),
        )
    except BaseException:
        spool.close()
        raise
    filename = _("ledger-%(date)s.xlsx") % {"date": clock.today().isoformat()}
    return _xlsx_response(spool, filename)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("The file holds"), widget=forms.RadioSelect)
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("-starts_on", "-pk"),
        required=False,
        label=gettext_lazy("Campaign of the new tasks"),
    )
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, ImportKind(k).label) for k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
        if ImportKind.TASKS not in kinds:
            del self.fields["campaign"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("kind") == ImportKind.TASKS and not cleaned.get("campaign"):
            self.add_error("campaign", _("Choose the campaign the tasks belong to."))
        return cleaned


def _import_kinds(user: Any) -> list[str]:
    kinds = import_kinds_for(user)
    if not kinds:
        raise PermissionDenied
    return kinds


@require_http_methods(["GET", "POST"])
@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a filled-in template; the import checks every row before writing any."""
    user = request.user
    kinds = _import_kinds(user)
    campaign = current_campaign()
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        kinds=kinds,
        initial={"campaign": campaign},
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = start_import(
                user,
                form.cleaned_data["kind"],
                form.cleaned_data["file"],
                campaign=form.cleaned_data.get("campaign"),
                language=getattr(request, "LANGUAGE_CODE", ""),
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("ledger:import_job", job.pk)
    jobs = ImportJob.objects.filter(created_by=user).select_related("campaign").defer("report")
    context = {
        "form": form,
        "kinds": kinds,
        "campaign": campaign,
        "page": paginate(request, jobs),
        "max_rows": f"{MAX_ROWS:,}",
        "max_mb": MAX_IMPORT_BYTES // 1_048_576,
    }
    return render(request, "ledger/excel/import.html", context, status=400 if form.errors else 200)


@require_GET
@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The empty template (tasks), or one with a row per task the person reports on."""
    if kind not in ImportKind.values:
        raise Http404
    if kind not in _import_kinds(request.user):
        raise PermissionDenied
    campaign = None
    if kind == ImportKind.TASKS:
        campaign = current_campaign()
        if request.GET.get("campaign"):
            try:
                campaign = Campaign.objects.get(pk=request.GET["campaign"])
            except (Campaign.DoesNotExist, ValueError):
                raise Http404 from None
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
    try:
        write_template(spool, kind, request.user, campaign)
    except BaseException:
        spool.close()
        raise
    names = {
        ImportKind.TASKS: _("tasks-template.xlsx"),
        ImportKind.PROGRESS: _("progress-template.xlsx"),
    }
    return _xlsx_response(spool, names[ImportKind(kind)])


@require_GET
@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: its progress bar while it runs (polled by htmx), then its report."""
    job = get_job_for_user(request.user, pk)
    if polled := progress_poll(request, job):
        return polled
    errors = job.report.get("errors", []) if isinstance(job.report, dict) else []
    page = Paginator(errors, per_page(request, DEFAULT_PER_PAGE)).get_page(request.GET.get("page"))
    return render(request, "ledger/excel/import_job.html", {"job": job, "page": page})
