"""Publication (office): answered suggestions, to publish on the portal and to pick the
outstanding ones (优秀建议), one by one or ticked together.

The portal shows a published suggestion with its answer and never its contact
details (`queries.public_view`). The list pages by key, newest first.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from campaigndesk.org import access

from .. import actions
from ..forms import PUBLISHABLE, BulkPublicationForm, PublicationFilter
from ..queries import KeysetPage, keyset_page
from .common import (
    clean_query,
    page_size,
    report_errors,
    url_with,
    with_current_campaign,
    with_params,
)


@require_safe
@login_required
def publication(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(user, "suggestions.triage")
    data = with_current_campaign(request.GET)
    form = PublicationFilter(data, user)
    form.fields["campaign"].empty_label = _("All campaigns")
    for name in ("campaign", "status", "published", "outstanding"):
        form.fields[name].widget.attrs["data-autosubmit"] = ""
    query = clean_query(data)
    if form.is_valid():
        qs = form.queryset().select_related("category", "unit")
        page = keyset_page(qs, "-received", request.GET.get("cursor"), page_size(request.GET))
    else:
        page = KeysetPage(items=[], next_cursor=None, has_previous=False)
    context = {
        "form": form,
        "page": page,
        "query": query,
        "list_url": url_with("suggestions:publication", query),
        "next_url": url_with("suggestions:publication", with_params(query, cursor=page.next_cursor))
        if page.next_cursor
        else None,
        "max_batch": actions.MAX_BATCH,
    }
    return render(request, "suggestions/publication.html", context)


def _done(op: str, n: int) -> str:
    # Spelled out so the message extractor finds each sentence.
    if op == "publish":
        text = ngettext(
            "%(count)s suggestion was published.", "%(count)s suggestions were published.", n
        )
    elif op == "unpublish":
        text = ngettext(
            "%(count)s suggestion was taken off the portal.",
            "%(count)s suggestions were taken off the portal.",
            n,
        )
    elif op == "outstanding":
        text = ngettext(
            "%(count)s suggestion was marked as outstanding.",
            "%(count)s suggestions were marked as outstanding.",
            n,
        )
    else:
        text = ngettext(
            "%(count)s suggestion is no longer marked as outstanding.",
            "%(count)s suggestions are no longer marked as outstanding.",
            n,
        )
    return text % {"count": n}


@require_POST
@login_required
def apply(request: HttpRequest) -> HttpResponse:
    """Publish, take off, or mark (or unmark) as outstanding the ticked suggestions: all or
    none."""
    user = request.user
    access.require(user, "suggestions.triage")
    form = BulkPublicationForm(request.POST, user)
    back = redirect(url_with("suggestions:publication", clean_query(request.POST.get("query", ""))))
    if not form.is_valid():
        report_errors(request, form)
        return back
    chosen = list(form.cleaned_data["suggestion"])
    op = form.cleaned_data["op"]
    if len(chosen) > actions.MAX_BATCH:
        messages.error(
            request, _("Change at most %(max)s suggestions at once.") % {"max": actions.MAX_BATCH}
        )
        return back
    try:
        with transaction.atomic():
            for s in chosen:
                if op in ("publish", "unpublish"):
                    actions.publish(user, s, published=op == "publish")
                elif s.status not in PUBLISHABLE:
                    raise ValidationError(
                        _("%(number)s is not answered, so it cannot be marked as outstanding.")
                        % {"number": s.tracking_number}
                    )
                else:
                    actions.publish(
                        user, s, published=s.is_published, outstanding=op == "outstanding"
                    )
    except ValidationError as exc:
        report_errors(request, exc=exc)
        return back
    messages.success(request, _done(op, len(chosen)))
    return back
