"""The person's inbox: reminders and other notifications, newest first, and the unread badge.

Only the person's own notifications exist here: another person's notification id
is a 404. Pages go by key on (created_at, id), so a long inbox is never counted
or offset; the unread figure is counted up to 100 ("99+").
"""

from __future__ import annotations

import base64
import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from campaigndesk.core.paging import per_page
from campaigndesk.org.models import Role

from .. import reminders
from ..models import Notification

PAGE_SIZE = 30
BADGE_CAP = 99


def _encode(n: Notification) -> str:
    raw = json.dumps([n.created_at.isoformat(), n.pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[dt.datetime, int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return dt.datetime.fromisoformat(at), int(pk)
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def unread_figure(user) -> int:
    """Unread notifications, counted no further than the badge shows (99+)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    return unread.order_by()[: BADGE_CAP + 1].count()


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    unread_only = request.GET.get("unread") == "1"
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    after = _decode(request.GET.get("after", ""))
    if after is not None:
        at, pk = after
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    size = per_page(request, PAGE_SIZE)
    rows = list(qs.order_by("-created_at", "-id")[: size + 1])
    items = rows[:size]
    context = {
        "items": items,
        "next_cursor": _encode(items[-1]) if len(rows) > size else None,
        "has_previous": after is not None,
        "unread_only": unread_only,
        "unread": unread_figure(user),
        "badge_cap": BADGE_CAP,
        "head_of": list(
            user.grants.filter(role=Role.UNIT_HEAD, unit__is_active=True)
            .select_related("unit")
            .order_by("unit__path")
        ),
    }
    return render(request, "ledger/inbox/list.html", context)


@never_cache
@require_safe
def inbox_count(request: HttpRequest) -> HttpResponse:
    """The unread badge for the top bar, loaded by htmx.

    A signed-out visitor gets an empty 204, not the sign-in page: htmx would paste
    that page into the top bar (it follows the redirect).
    """
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(
        request,
        "ledger/inbox/_count.html",
        {"unread": unread_figure(request.user), "badge_cap": BADGE_CAP},
    )


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("ledger:inbox")
    return redirect(target)


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    note = Notification.objects.filter(pk=pk, recipient=request.user).first()
    if note is None:
        raise Http404
    reminders.mark_read(request.user, [note])
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = reminders.mark_all_read(request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return _back(request)
