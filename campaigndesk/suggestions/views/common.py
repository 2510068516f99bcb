"""What the suggestion screens share: list paging, the query string, campaign choice."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest, QueryDict
from django.urls import reverse

from campaigndesk.campaigns.models import Campaign
from campaigndesk.campaigns.queries import current_campaign

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_size(params: QueryDict) -> int:
    try:
        size = int(params.get("size", PAGE_SIZE))
    except ValueError:
        return PAGE_SIZE
    return max(1, min(size, MAX_PAGE_SIZE))


def with_params(query: str, **changes: Any) -> str:
    """`query` with some parameters replaced (None removes one)."""
    params = QueryDict(query, mutable=True)
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        elif isinstance(value, (list, tuple)):
            params.setlist(name, [str(v) for v in value])
        else:
            params[name] = str(value)
    return params.urlencode()


def clean_query(params: QueryDict | str) -> str:
    """A list's filter as a query string, without its cursor (to come back to page one)."""
    data = QueryDict(params, mutable=True) if isinstance(params, str) else params.copy()
    for name in ("cursor", "csrfmiddlewaretoken"):
        data.pop(name, None)
    return data.urlencode()


def url_with(name: str, query: str = "") -> str:
    url = reverse(name)
    return f"{url}?{query}" if query else url


def with_current_campaign(params: QueryDict) -> QueryDict:
    """The filter as a list applies it: without a campaign, the one under way."""
    data = params.copy()
    if "campaign" not in data:
        campaign = current_campaign()
        if campaign is not None:
            data["campaign"] = str(campaign.pk)
    return data


def campaign_choices() -> list[Campaign]:
    return list(Campaign.objects.order_by("-starts_on", "-pk")[:50])


def report_errors(request: HttpRequest, form: BaseForm | None = None, exc: Any = None) -> None:
    """A refused list action's messages, for the page it goes back to."""
    if form is not None:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    if exc is not None:
        for message in exc.messages:
            messages.error(request, message)


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request for a part of the page (not a boosted page, not a history restore)."""
    h = request.headers
    return (
        h.get("HX-Request") == "true"
        and not h.get("HX-Boosted")
        and not h.get("HX-History-Restore-Request")
    )
