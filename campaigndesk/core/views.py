from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from campaigndesk import clock
from campaigndesk.campaigns.queries import current_campaign
from campaigndesk.core import generation
from campaigndesk.org import access


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers a query, 503 otherwise. No session, no template."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # Everything the overview shows comes from watched tables (campaigns, phases, key
    # tasks, units, people, grants) and the day: its body is kept per person, language
    # and day until one of them changes (core/generation.py).
    user = request.user
    key = (user.pk, translation.get_language(), clock.today())
    body = generation.cached("core.home", key, lambda: _home_body(request), limit=HOME_LIMIT)
    return render(request, "core/home.html", {"body": body})


HOME_LIMIT = 2000  # bodies of 2-4 kB: one per person of a city's offices


def _home_body(request: HttpRequest) -> SafeString:
    user = request.user
    g = access.grants(user)
    context = {
        "campaign": current_campaign() if access.can(user, "campaigns.view") else None,
        "grants": user.grants.select_related("unit").order_by("role", "unit__path"),
        "has_any_role": bool(g.by_role) or g.superuser,
    }
    return render_to_string("core/_home_body.html", context, request=request)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    return render(
        request,
        "core/error.html",
        {"status": status, "title": title, "message": message},
        status=status,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        400,
        _("Bad request"),
        _("The request could not be understood. Check the address or the form and try again."),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        403,
        _("Not allowed"),
        _("Your role does not allow this. Ask the campaign office if you need it."),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 404, _("Not found"), _("There is nothing here, or it is outside your units.")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # No template context processors here: they may be what failed.
    if _wants_json(request):
        return JsonResponse(
            {"detail": _("Something went wrong on our side. The error was logged.")}, status=500
        )
    return render(request, "500.html", status=500)
