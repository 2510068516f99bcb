"""Every error the API returns is JSON `{"detail": "..."}` in the request's language.

Validation errors add `errors`, each with a translated `msg`; `detail` repeats the
first one. Pydantic's own messages are English only, so the usual error types get
a sentence of ours and the rest fall back to a generic one.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .auth import CsrfFailed

logger = logging.getLogger("campaigndesk.api")

NOT_FOUND = _("Not found.")
FORBIDDEN = _("You may not do this.")
SIGN_IN = _("Sign in, or send an API token in the Authorization header (Bearer).")
BAD_TOKEN = _("The API token is unknown, has expired or was revoked.")
CSRF_FAILED = _(
    "The CSRF check failed: with a session, send the X-CSRFToken header; "
    "scripts should use an API token instead."
)
BAD_BODY = _("The request body is not valid JSON.")
SERVER_ERROR = _("Something went wrong on the server. The error has been logged.")
METHOD_NOT_ALLOWED = _("This address does not accept the %(method)s method.")


class Refused(PermissionDenied):
    """A 403 that says why (PermissionDenied from access.require names only the rule)."""

    def __init__(self, detail: Any) -> None:
        super().__init__(str(detail))
        self.detail = detail


# Pydantic error type -> our sentence. Placeholders: %(field)s and the error's context.
MESSAGES: dict[str, Any] = {
    "missing": _("%(field)s is required."),
    "int_parsing": _("%(field)s must be a whole number."),
    "int_type": _("%(field)s must be a whole number."),
    "int_from_float": _("%(field)s must be a whole number."),
    "greater_than_equal": _("%(field)s must be at least %(ge)s."),
    "greater_than": _("%(field)s must be greater than %(gt)s."),
    "less_than_equal": _("%(field)s must be at most %(le)s."),
    "less_than": _("%(field)s must be less than %(lt)s."),
    "literal_error": _("%(field)s must be one of %(expected)s."),
    "enum": _("%(field)s must be one of %(expected)s."),
    "bool_parsing": _("%(field)s must be true or false."),
    "bool_type": _("%(field)s must be true or false."),
    "string_type": _("%(field)s must be text."),
    "string_too_short": _("%(field)s must not be empty."),
    "string_too_long": _("%(field)s must be at most %(max_length)s characters long."),
    "string_pattern_mismatch": _("%(field)s contains characters that are not allowed."),
    "datetime_parsing": _("%(field)s must be a date and time such as 2018-09-01T09:00:00+08:00."),
    "datetime_from_date_parsing": _(
        "%(field)s must be a date and time such as 2018-09-01T09:00:00+08:00."
    ),
    "datetime_type": _("%(field)s must be a date and time such as 2018-09-01T09:00:00+08:00."),
    "timezone_aware": _("%(field)s must name its time zone, e.g. +08:00."),
    "date_parsing": _("%(field)s must be a date such as 2018-09-01."),
    "date_from_datetime_parsing": _("%(field)s must be a date such as 2018-09-01."),
    "extra_forbidden": _("%(field)s is not an accepted field."),
    "unknown_parameter": _("%(name)s is not a parameter of this address."),
    "model_attributes_type": _("%(field)s must be a JSON object."),
    "dict_type": _("%(field)s must be a JSON object."),
    "model_type": _("%(field)s must be a JSON object."),
    "future_datetime": _("%(field)s must lie in the future."),
}
FALLBACK = _("%(field)s is not valid.")

# Sources ninja puts first in `loc`, and the name it gives a whole-body parameter.
_SOURCES = {"query", "path", "body", "header", "cookie", "form", "file"}


def _field_name(loc: list[Any]) -> str:
    names = [str(p) for p in loc if p not in _SOURCES and p != "payload"]
    return ".".join(names) or (str(loc[0]) if loc else "request")


def translate_error(error: dict[str, Any]) -> dict[str, Any]:
    """One pydantic error as {"loc", "msg", "type"}, `msg` in the active language."""
    kind = error.get("type", "")
    ctx = {k: v for k, v in (error.get("ctx") or {}).items() if not isinstance(v, Exception)}
    loc = list(error.get("loc", []))
    if kind == "unknown_parameter":
        loc = ["query", ctx.get("name", "")]
    template = MESSAGES.get(kind, FALLBACK)
    values = {"field": _field_name(loc), **{k: str(v) for k, v in ctx.items()}}
    if "expected" in values:
        # pydantic joins the choices with an English "or": list them instead.
        values["expected"] = values["expected"].replace(" or ", ", ")
    try:
        msg = str(template) % values
    except (KeyError, ValueError, TypeError):
        msg = str(FALLBACK) % {"field": values["field"]}
    return {"loc": loc, "msg": msg, "type": kind}


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, detail: Any, **extra: Any
) -> HttpResponse:
    return api.create_response(request, {"detail": str(detail), **extra}, status=status)


def install_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default handlers (which answer in English, and with a plain-text
    traceback or Django's HTML page for unexpected errors)."""

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [translate_error(e) for e in exc.errors]
        detail = errors[0]["msg"] if errors else FALLBACK % {"field": "request"}
        return error_response(api, request, 422, detail, errors=errors)

    @api.exception_handler(DjangoValidationError)
    def model_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # An action's full_clean() refusing the data: its messages are already translated.
        messages = exc.messages or [str(FALLBACK % {"field": "request"})]
        errors = []
        if hasattr(exc, "error_dict"):
            for field, field_errors in exc.message_dict.items():
                errors += [
                    {"loc": ["body", field], "msg": m, "type": "invalid"} for m in field_errors
                ]
        else:
            errors = [{"loc": ["body"], "msg": m, "type": "invalid"} for m in messages]
        return error_response(api, request, 422, errors[0]["msg"], errors=errors)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        has_token = request.headers.get("Authorization", "").lower().startswith("bearer ")
        response = error_response(api, request, 401, BAD_TOKEN if has_token else SIGN_IN)
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(CsrfFailed)
    def csrf_failed(request: HttpRequest, exc: CsrfFailed) -> HttpResponse:
        return error_response(api, request, 403, CSRF_FAILED)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail: Any = str(exc)
        if exc.status_code == 400:
            detail = BAD_BODY
        elif exc.status_code == 403:
            detail = FORBIDDEN
        return error_response(api, request, exc.status_code, detail)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, NOT_FOUND)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(api, request, 403, getattr(exc, "detail", FORBIDDEN))

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return error_response(api, request, 500, SERVER_ERROR)
