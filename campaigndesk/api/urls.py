"""The JSON API under /api/v1/: its routers, authentication, errors and documents.

The OpenAPI document is at /api/v1/openapi.json and Swagger UI at /api/v1/docs,
both readable without signing in (they describe the API, they hold no data).
Swagger UI is served from the project's own static files: django-ninja ships them
and only falls back to a CDN when "ninja" is missing from INSTALLED_APPS. The online
validator badge is switched off, so the page makes no outside call, and it runs
under the project's strict Content-Security-Policy unchanged.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Swagger

from . import (  # org_writes adds its operations to org.router
    audit,
    campaigns,
    ledger,
    org,
    org_writes,  # noqa: F401
    plans,
    public,
    suggestions_staff,
    tokens,
    triage,
)
from .auth import AUTH
from .common import in_requested_language, requested_language
from .errors import METHOD_NOT_ALLOWED, NOT_FOUND, install_handlers
from .suggestions import router as suggestions_router

DESCRIPTION = _(
    "Everything the desk's screens show and do: the campaign's set-up, the ledger, work "
    "plans, suggestions with their triage, the organisation and the audit trail. "
    "Authenticate with the desk's session or with `Authorization: Bearer <key>` "
    "(a key from `campaigndesk issue_token`). "
    "Lists page by key: follow `next`. Bilingual fields come as `name_zh`, `name_en` and "
    "`name` in the request's language (Accept-Language or `?lang=`). Every error is JSON "
    '`{"detail": "..."}`.'
)


def _json_error(
    request: HttpRequest, status: int, detail: Any, params: dict[str, Any] | None = None
) -> HttpResponse:
    language = requested_language(request)
    with translation.override(language):
        text = str(detail) % params if params else str(detail)
    body = json.dumps({"detail": text}, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    response["Content-Language"] = language
    return response


def _json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a wrong method with a plain-text 405; give it the JSON error body."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allow = response.get("Allow", "")
            params = {"method": request.method}
            response = _json_error(request, 405, METHOD_NOT_ALLOWED, params)
            response["Allow"] = allow
        return response

    return wrapper


def _not_found(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return _json_error(request, 404, NOT_FOUND)


PUBLIC = "public/"  # the citizens' operations (api/public.py)


class CampaignDeskAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list[Any], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if not isinstance(pattern, URLPattern):
                continue
            if pattern.name == "api-root":
                # ninja's root view only raises Http404 (Django's HTML page).
                pattern.callback = _not_found
            else:
                pattern.callback = _json_method_not_allowed(pattern.callback)
        # Django tries the patterns in order, and ninja lists the citizens' operations
        # after a hundred others: finding POST public/suggestions took 77 us, six times
        # as long as /healthz (19 us when first). Every route starts with a literal
        # segment, so moving the public/ ones first changes how fast a path is found,
        # never which route it finds.
        patterns.sort(key=lambda p: not str(getattr(p, "pattern", "")).startswith(PUBLIC))
        # Anything else under /api/v1/ is a JSON 404, not the desk's HTML page.
        patterns = [*patterns, re_path(r"^.*$", _not_found, name="not-found")]
        return patterns, app_name, namespace


api = CampaignDeskAPI(
    title="CampaignDesk API",
    version="1",
    description=DESCRIPTION,  # type: ignore[arg-type]  (rendered per request)
    urls_namespace="api",
    auth=AUTH,
    docs=Swagger(settings={"validatorUrl": None}),
)
api.add_decorator(in_requested_language, mode="view")
install_handlers(api)
api.add_router("", org.router)
api.add_router("", campaigns.router)
api.add_router("", tokens.router)
api.add_router("", ledger.router)
api.add_router("", plans.router)
api.add_router("", public.router)
api.add_router("", suggestions_staff.router)
api.add_router("", triage.router)
api.add_router("", audit.router)
api.add_router("", suggestions_router)
