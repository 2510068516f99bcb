"""Who is calling: a signed-in person (session cookie) or a script (bearer token).

The token comes first: a request that carries one is a script's and needs no CSRF
token. A session needs the CSRF token on unsafe methods, as the desk's forms do.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from . import actions


class CsrfFailed(HttpError):
    def __init__(self) -> None:
        super().__init__(403, "CSRF check failed")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a key issued by `issue_token`."""

    openapi_description = "An API token: `campaigndesk issue_token USERNAME --name NAME`."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = actions.authenticate_key(token.strip())
        if api_token is None:
            return None
        request.api_token = api_token  # type: ignore[attr-defined]
        request.user = api_token.user
        return api_token.user


class SessionCookieAuth(SessionAuth):
    """Django's session, as on the desk; unsafe methods need the CSRF token."""

    openapi_description = "The desk's session cookie; send X-CSRFToken on unsafe methods."

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        if key is None:
            # No session cookie, no ambient credential to forge: answer 401, not a CSRF 403.
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request):
            raise CsrfFailed()
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None


token_auth = TokenAuth()
session_auth = SessionCookieAuth()
AUTH = [token_auth, session_auth]


def by_token(request: HttpRequest) -> bool:
    return getattr(request, "api_token", None) is not None


def person(request: HttpRequest) -> Any:
    """The person the request acts for (set by whichever authentication passed)."""
    return request.auth  # type: ignore[attr-defined]
