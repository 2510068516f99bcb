"""What `campaigndesk bench` sends to the suggestion paths (see campaigndesk/perf/paths.py).

Each function is resolved once, in the bench database, by `bench_probe` (which runs with
the server's SECRET_KEY, so a signed challenge made here is valid on the server).

The public paths run the intake's abuse controls in full. Each request comes from a
sender of its own: `X-Forwarded-For: {ip}` (the bench server trusts loopback as its
proxy, TRUSTED_PROXIES), so the per-address limits count without refusing the bench.
Each submission leaves an email address of its own ({n}), so the per-contact limit
counts too (a row per contact, as for citizens who leave one) and never trips. Each
answers the check question with a ticket of its own (`{n}`) from a signed book, so
each spends a token as a citizen's does, and a replay would be refused.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

BENCH_CLIENT = "bench"
ONE_SENDER_PER_REQUEST = {"X-Forwarded-For": "{ip}"}
TICKETS = 10**18  # more than the load generator can number


def _campaign() -> Any:
    from campaigndesk.campaigns.models import Campaign

    return (
        Campaign.objects.filter(is_public=True, accepts_suggestions=True)
        .order_by("-starts_on", "-pk")
        .first()
    )


def submit_body(user: Any = None) -> str:
    """A public API submission: the campaign, a title, text and email address unique per
    request ({n}), and the check question answered with ticket {n} of a book signed a
    minute ago (intake refuses an answer given in under two seconds; the book lasts as a
    token does)."""
    from . import intake

    campaign = _campaign()
    book = intake.make_challenge_book(7, TICKETS, made_at=time.time() - 60)
    body = {
        "campaign": campaign.code if campaign else "",
        "title": "基准测试建议 {n}",
        "body": "这是基准测试提交的一条建议，编号 {n}，用于测量提交的吞吐量。",
        "email": "bench-{n}@example.invalid",
        "challenge_token": f"{book}~{{n}}",
        "challenge_answer": 7,
    }
    return json.dumps(body, ensure_ascii=False)


def _tracked() -> tuple[str, str]:
    """A suggestion's number and code: a generated one (they share a known code), else
    one submitted here for the purpose."""
    from . import intake
    from .models import Suggestion
    from .scale_generators import SCALE_CODE

    # The generated rows' code was hashed with the SECRET_KEY of the run that made them
    # (the demo's); the bench server runs with a key of its own, under which that hash
    # no longer matches (the code is keyed, intake.hash_code), and tracking answered 404.
    # Use them only when the key is the same; else submit one under this key.
    row = (
        Suggestion.objects.filter(client_hash__startswith="scale:")
        .order_by("-id")
        .values_list("tracking_number", "secret_hash")
        .first()
    )
    if row is not None and row[1] == intake.hash_code(SCALE_CODE):
        return row[0], SCALE_CODE
    receipt = intake.submit(
        campaign=_campaign(),
        title="基准测试跟踪",
        body="用于测量按编号查询的吞吐量。",
        client=BENCH_CLIENT,
        throttle=False,
    )
    return receipt.tracking_number, receipt.secret_code


def track_url(user: Any = None) -> str:
    """Tracking one suggestion by number and code through the public API."""
    number, code = _tracked()
    return f"/api/v1/public/suggestions/{number}?{urlencode({'code': code})}"


def portal_track_url(user: Any = None) -> str:
    """The citizen's private link to the portal's tracking page: it checks the number and
    code (under the per-address limit), remembers them in the session and redirects to
    the status page (302)."""
    number, code = _tracked()
    return f"/track/{number}/?{urlencode({'code': code})}"


def queue_deep_url(user: Any = None) -> str:
    """The office's triage queue (its default filter: the campaign under way, new
    suggestions) from half-way down: the cursor of the row in the middle."""
    from django.http import QueryDict

    from .forms import QueueFilter
    from .queries import _encode
    from .views.common import with_current_campaign

    data = with_current_campaign(QueryDict())
    form = QueueFilter(data, user)
    if not form.is_valid():
        return "/desk/suggestions/queue/"
    qs = form.queryset().order_by("created_at", "id")
    total = qs.count()
    row = qs.values_list("created_at", "id")[total // 2 : total // 2 + 1].first()
    if row is None:
        return "/desk/suggestions/queue/"
    return f"/desk/suggestions/queue/?{urlencode({**data.dict(), 'cursor': _encode(*row)})}"


def deep_list_url(user: Any = None) -> str:
    """The staff list from the middle of all suggestions: a cursor half-way down."""
    from .models import Suggestion

    total = Suggestion.objects.count()
    row = (
        Suggestion.objects.order_by("-created_at", "-id")
        .values_list("created_at", "id")[total // 2 : total // 2 + 1]
        .first()
    )
    if row is None:
        return "/api/v1/suggestions"
    from campaigndesk.api.suggestions import encode_cursor

    return f"/api/v1/suggestions?{urlencode({'cursor': encode_cursor(*row)})}"
