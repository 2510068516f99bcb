"""The unit inbox: suggestions routed to the person's units (and the units below them).

Four tabs: to accept, to answer (with the deadline and its light), awaiting the unit
head's endorsement, and answered. Pages go by key, deadline first (the answered tab:
latest answer first); the tab figures come from one GROUP BY on the unit's
(unit_path, status) index, so the page runs the same queries for ten suggestions or
ten thousand.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from campaigndesk import clock
from campaigndesk.org import access

from ..models import Status
from ..queries import answering_suggestions, keyset_page
from .common import page_size, url_with

# tab -> (label, statuses, sort, the field the sort reads)
TABS: dict[str, tuple[Any, tuple[str, ...], str, str]] = {
    "accept": (_("To accept"), (Status.ROUTED,), "due", "answer_due"),
    "answer": (_("To answer"), (Status.ACCEPTED,), "due", "answer_due"),
    "endorse": (
        _("Awaiting the unit head"),
        (Status.PENDING_ENDORSEMENT,),
        "due",
        "answer_due",
    ),
    "answered": (
        _("Answered"),
        (Status.ANSWERED, Status.CLOSED, Status.REOPENED),
        "-answered",
        "answered_at",
    ),
}
DEFAULT_TAB = "accept"


@require_safe
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(user, "suggestions.answer_inbox")
    tab = request.GET.get("tab", DEFAULT_TAB)
    if tab not in TABS:
        tab = DEFAULT_TAB
    label, statuses, sort, field = TABS[tab]
    everything = answering_suggestions(user)
    all_statuses = [s for t in TABS.values() for s in t[1]]
    counted = dict(
        everything.filter(status__in=all_statuses)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    qs = everything.filter(status__in=statuses, **{f"{field}__isnull": False}).select_related(
        "category", "unit"
    )
    page = keyset_page(qs, sort, request.GET.get("cursor"), page_size(request.GET))
    base = url_with("suggestions:mine", f"tab={tab}")
    context = {
        "tab": tab,
        "tab_label": label,
        "tabs": [
            {
                "key": key,
                "label": spec[0],
                "count": sum(counted.get(s, 0) for s in spec[1]),
                "url": url_with("suggestions:mine", f"tab={key}"),
                "current": key == tab,
            }
            for key, spec in TABS.items()
        ],
        "page": page,
        "today": clock.today(),
        "first_url": base,
        "next_url": f"{base}&cursor={page.next_cursor}" if page.next_cursor else None,
    }
    return render(request, "suggestions/mine.html", context)
