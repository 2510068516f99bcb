"""One request per path through Django's test client, inside the bench database.

Runs in a `campaigndesk bench_probe` subprocess pointed at the bench database with
the server's SECRET_KEY. It signs the bench user in (a real session row the server
will accept), issues an API token when the API offers them, resolves each path's
URL and body, and counts the queries each request runs.
"""

from __future__ import annotations

import importlib
import json
import secrets
import string
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from . import loadgen
from .paths import BenchPath

TOKEN_NAME = "campaigndesk bench"  # noqa: S105 (a label, not a secret)
CSRF_ALPHABET = string.ascii_letters + string.digits


def encode_body(body: dict[str, str] | str | None) -> tuple[str | None, str | None]:
    """(body, content type): a dict is a form, a string is JSON."""
    if body is None:
        return None, None
    if isinstance(body, dict):
        return urlencode(body), "application/x-www-form-urlencoded"
    return body, "application/json"


def token_issuer() -> Any | None:
    """The API's `issue_token` action, when the API issues tokens."""
    try:
        return importlib.import_module("campaigndesk.api.actions").issue_token
    except (ImportError, AttributeError):
        return None


class Credentials:
    """A signed-in session, a CSRF secret and an API token per bench user."""

    def __init__(self, with_tokens: bool = True) -> None:
        self.csrf = "".join(secrets.choice(CSRF_ALPHABET) for _ in range(32))
        self.sessions: dict[str, str] = {}
        self.tokens: dict[str, str | None] = {}
        self.with_tokens = with_tokens
        self.users: dict[str, Any] = {}

    def user(self, username: str) -> Any:
        if username not in self.users:
            self.users[username] = get_user_model().objects.get(username=username)
        return self.users[username]

    def session(self, username: str) -> str:
        if username not in self.sessions:
            client = Client()
            client.force_login(self.user(username))
            self.sessions[username] = client.cookies[settings.SESSION_COOKIE_NAME].value
        return self.sessions[username]

    def token(self, username: str) -> str | None:
        if username not in self.tokens:
            issue = token_issuer() if self.with_tokens else None
            if issue is None:
                self.tokens[username] = None
            else:
                from campaigndesk.org import access

                _, key = issue(access.SYSTEM, self.user(username), TOKEN_NAME)
                self.tokens[username] = key
        return self.tokens[username]

    def headers(self, path: BenchPath) -> tuple[dict[str, str], str]:
        """HTTP headers for the path, and the auth actually used (token falls back
        to the session when the API issues no tokens)."""
        auth = path.auth
        if auth == "token" and self.token(path.user) is None:
            auth = "session"
        headers: dict[str, str] = {}
        cookies = []
        if auth == "token":
            headers["Authorization"] = f"Bearer {self.token(path.user)}"
        elif auth == "session":
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={self.session(path.user)}")
        if auth != "token":
            # Anonymous forms (a citizen's suggestion) need the CSRF pair as much as the desk's.
            cookies.append(f"{settings.CSRF_COOKIE_NAME}={self.csrf}")
            if path.method != "GET":
                headers["X-CSRFToken"] = self.csrf
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        return headers, auth


def _environ(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}


def probe(
    paths: Iterable[BenchPath], with_tokens: bool = True, host: str = "127.0.0.1"
) -> dict[str, Any]:
    """For each path: its URL, body, request headers, status and query count.

    Each request runs twice and the second is counted, so one-time work (a cache
    filled on first use) does not count: the figure is what every request costs."""
    creds = Credentials(with_tokens=with_tokens)
    out: dict[str, Any] = {"paths": {}}
    for path in paths:
        user = creds.user(path.user) if path.auth != "none" else None
        entry: dict[str, Any] = {"auth": path.auth}
        try:
            url = path.resolve_url(user)
            body, content_type = encode_body(path.resolve_body(user))
            headers, entry["auth"] = creds.headers(path)
            headers.update(path.headers or {})
            if content_type:
                headers["Content-Type"] = content_type
            # The cookie header is sent as is; the test client keeps its own jar empty.
            client = Client(enforce_csrf_checks=True, raise_request_exception=False)
            status, queries = None, None
            series = loadgen.next_series()
            for attempt in range(2):
                # "Thread" 99: numbers the load generator (threads 0 and 1) never sends.
                one = loadgen.Request(path.method, url, headers, body).nth(series, 99, attempt + 1)
                sent = one.body
                with CaptureQueriesContext(connection) as ctx:
                    response = client.generic(
                        path.method,
                        url,
                        data=sent or "",
                        content_type=content_type or "application/octet-stream",
                        HTTP_HOST=host,
                        **_environ({k: v for k, v in one.headers.items() if k != "Content-Type"}),
                    )
                    if hasattr(response, "streaming_content"):
                        for _ in response.streaming_content:
                            pass
                status, queries = response.status_code, len(ctx.captured_queries)
            entry.update(url=url, body=body, headers=headers, status=status, queries=queries)
        except Exception as exc:  # report it; the other paths still run
            entry.update(error=f"{type(exc).__name__}: {exc}")
        out["paths"][path.name] = entry
    return out


def dumps(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False)
