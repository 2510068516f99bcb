"""What `campaigndesk bench` sends to the suggestion paths (see campaigndesk/perf/paths.py).

Each function is resolved once, in the bench database, by `bench_probe` (which runs with
the server's SECRET_KEY, so a signed challenge made here is valid on the server).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

BENCH_CLIENT = "bench"


def _campaign() -> Any:
    from campaigndesk.campaigns.models import Campaign

    return (
        Campaign.objects.filter(is_public=True, accepts_suggestions=True)
        .order_by("-starts_on", "-pk")
        .first()
    )


def submit_body(user: Any = None) -> str:
    """A public API submission: the campaign, a title and text unique per request ({n}),
    and an answered challenge signed a minute ago (intake refuses one answered in under
    two seconds, and a signed token can be answered until it expires)."""
    from django.core import signing

    from . import intake

    campaign = _campaign()
    token = signing.dumps(
        {"s": 7, "t": int(time.time()) - 60}, salt=intake.CHALLENGE_SALT, compress=True
    )
    body = {
        "campaign": campaign.code if campaign else "",
        "title": "基准测试建议 {n}",
        "body": "这是基准测试提交的一条建议，编号 {n}，用于测量提交的吞吐量。",
        "challenge_token": token,
        "challenge_answer": 7,
    }
    return json.dumps(body, ensure_ascii=False)


def track_url(user: Any = None) -> str:
    """Tracking one suggestion by number and code: a generated one (they share a known
    code), else one submitted here for the purpose."""
    from . import intake
    from .models import Suggestion
    from .scale_generators import SCALE_CODE

    number = (
        Suggestion.objects.filter(client_hash__startswith="scale:")
        .order_by("-id")
        .values_list("tracking_number", flat=True)
        .first()
    )
    code = SCALE_CODE
    if number is None:
        receipt = intake.submit(
            campaign=_campaign(),
            title="基准测试跟踪",
            body="用于测量按编号查询的吞吐量。",
            client=BENCH_CLIENT,
            throttle=False,
        )
        number, code = receipt.tracking_number, receipt.secret_code
    return f"/api/v1/public/suggestions/{number}?{urlencode({'code': code})}"


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
