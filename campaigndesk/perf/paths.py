"""The paths `campaigndesk bench` drives, one line each.

A capability that builds a screen adds its path here, with the ratio of `/healthz`
throughput it must reach at city scale (see docs/performance.md):

    BenchPath("ledger-deep", "/desk/ledger/", auth="session", target_ratio=LIST,
              url=lambda user: ledger_deep_page_url(user)),

`url` is a path, or a callable that takes the bench user (None for anonymous paths)
and returns one from the bench database, e.g. a deep page or one task's page.
`body` is sent with POST: a dict (form-encoded) or a string (JSON); the text `{n}`
in it is replaced by a number unique to each request, so submissions differ, and
`{ip}` by an address unique to each request (also in `headers`: the bench server
trusts loopback as a proxy, so `X-Forwarded-For: {ip}` makes each request a sender
of its own while the per-address rate limits still run).
Session POSTs carry the CSRF cookie and X-CSRFToken header; token paths need none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from campaigndesk.ledger import bench_paths as ledger_paths
from campaigndesk.suggestions import bench_paths as suggestion_paths

Auth = Literal["none", "session", "token"]

# Targets, as a share of /healthz requests per second in the same run.
LIST = 0.08  # list pages: ledger, triage queue, workspace, staff lists, API lists
DASHBOARD = 0.05  # dashboards: figures indexed or pre-aggregated
SUBMIT = 0.30  # one-row writes with validation, rate limit and audit record
P95_LIMIT_MS = 150.0  # every page at city scale, PostgreSQL, concurrency 8
EXPORT_LIMIT_S = 30  # the Excel export of 100,000 ledger rows

DEFAULT_USER = "office"  # the demo's campaign office account; sees the whole city


@dataclass(frozen=True)
class BenchPath:
    name: str
    url: str | Callable[[Any], str]
    method: str = "GET"
    auth: Auth = "none"
    body: dict[str, str] | str | Callable[[Any], dict[str, str] | str] | None = None
    target_ratio: float | None = None  # None: measured, no target (the baseline)
    expect: int = 200  # the status a correct response has
    user: str = DEFAULT_USER  # username for session and token paths
    concurrency: int | None = None  # overrides --concurrency
    # Slow paths (an export of 100,000 rows): time this many requests one after
    # another instead of a timed load; the report gives their seconds as latency.
    repeat: int | None = None
    # A download's own time limit instead of a page's P95_LIMIT_MS (the export: 30 s).
    # A path with one is not a page: the growth check does not judge it.
    limit_ms: float | None = None
    # Extra request headers; `{n}` and `{ip}` in a value are filled in per request.
    headers: dict[str, str] | None = None
    # A write path: the table each acknowledged request (status `expect`) adds one row
    # to. The bench counts both, and a difference is a lost or unacknowledged write.
    stored_table: str | None = None

    def __post_init__(self) -> None:
        if self.auth not in ("none", "session", "token"):
            raise ValueError(f"{self.name}: auth must be none, session or token.")
        if self.method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            raise ValueError(f"{self.name}: unsupported method {self.method}.")

    def resolve_url(self, user: Any = None) -> str:
        return self.url(user) if callable(self.url) else self.url

    def resolve_body(self, user: Any = None) -> dict[str, str] | str | None:
        return self.body(user) if callable(self.body) else self.body


BASELINE = "healthz"

PATHS: list[BenchPath] = [
    BenchPath(BASELINE, "/healthz"),
    BenchPath("portal-home", "/", target_ratio=LIST),
    BenchPath("desk-home", "/desk/", auth="session", target_ratio=DASHBOARD),
    BenchPath("units-list", "/desk/org/units/", auth="session", target_ratio=LIST),
    BenchPath("people-list", "/desk/org/people/", auth="session", target_ratio=LIST),
    BenchPath("campaigns-list", "/desk/campaigns/", auth="session", target_ratio=LIST),
    BenchPath("audit-list", "/desk/audit/", auth="session", target_ratio=LIST),
    BenchPath("api-units", "/api/v1/units", auth="token", target_ratio=LIST),
    BenchPath("api-people", "/api/v1/people", auth="token", target_ratio=LIST),
    BenchPath("api-campaigns", "/api/v1/campaigns", auth="token", target_ratio=LIST),
    # The ledger: list (first page, a deep cursor, a district's red and yellow tasks), a
    # district liaison's workspace, the dashboard, a task's page, the API list, the export.
    BenchPath("ledger-list", ledger_paths.LIST, auth="session", target_ratio=LIST),
    BenchPath("ledger-deep", ledger_paths.deep_list_url, auth="session", target_ratio=LIST),
    BenchPath("ledger-filtered", ledger_paths.filtered_list_url, auth="session", target_ratio=LIST),
    BenchPath(
        "workspace",
        ledger_paths.WORKSPACE,
        auth="session",
        user=ledger_paths.WORKSPACE_USER,
        target_ratio=LIST,
    ),
    BenchPath("dashboard", ledger_paths.DASHBOARD, auth="session", target_ratio=DASHBOARD),
    BenchPath("task-page", ledger_paths.task_url, auth="session", target_ratio=LIST),
    BenchPath("api-tasks", ledger_paths.API_TASKS, auth="token", target_ratio=LIST),
    BenchPath(
        "ledger-export",
        ledger_paths.export_url,
        auth="session",
        repeat=2,
        limit_ms=EXPORT_LIMIT_S * 1000,
    ),
    # Public suggestions: submit and track through the public API (same limits as the form).
    # Each request a sender of its own (X-Forwarded-For: {ip}); every 201 must be a new row.
    BenchPath(
        "suggest-submit",
        "/api/v1/public/suggestions",
        method="POST",
        body=suggestion_paths.submit_body,
        target_ratio=SUBMIT,
        expect=201,
        headers=suggestion_paths.ONE_SENDER_PER_REQUEST,
        stored_table="suggestions_suggestion",
    ),
    BenchPath(
        "suggest-track",
        suggestion_paths.track_url,
        target_ratio=SUBMIT,
        headers=suggestion_paths.ONE_SENDER_PER_REQUEST,
    ),
    BenchPath(  # the private link: number and code checked, then on to the status page
        "portal-track",
        suggestion_paths.portal_track_url,
        target_ratio=LIST,
        expect=302,
        headers=suggestion_paths.ONE_SENDER_PER_REQUEST,
    ),
    BenchPath("triage-queue", "/desk/suggestions/queue/", auth="session", target_ratio=LIST),
    BenchPath(
        "triage-queue-deep", suggestion_paths.queue_deep_url, auth="session", target_ratio=LIST
    ),
    BenchPath("api-suggestions", "/api/v1/suggestions", auth="token", target_ratio=LIST),
    BenchPath(
        "api-suggestions-deep", suggestion_paths.deep_list_url, auth="token", target_ratio=LIST
    ),
]


def by_name(paths: Iterable[BenchPath] | None = None) -> dict[str, BenchPath]:
    result: dict[str, BenchPath] = {}
    for p in PATHS if paths is None else paths:
        if p.name in result:
            raise ValueError(f"Two bench paths are named {p.name!r}.")
        result[p.name] = p
    return result


def select(only: Iterable[str] | None) -> list[BenchPath]:
    """The registered paths named in `only` (all when empty), baseline first.

    Raises KeyError naming the unknown names."""
    registry = by_name()
    wanted = [n for n in (only or []) if n]
    unknown = [n for n in wanted if n not in registry]
    if unknown:
        raise KeyError(", ".join(unknown))
    if not wanted:
        return list(registry.values())
    names = [BASELINE, *(n for n in wanted if n != BASELINE)]
    return [registry[n] for n in names]
