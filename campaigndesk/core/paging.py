"""Paging for every list. Lists here are bounded (units, people, campaign set-up);
the large lists of later capabilities (ledger, suggestions) page by key instead."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200


def per_page(request: HttpRequest, default: int = DEFAULT_PER_PAGE) -> int:
    try:
        value = int(request.GET.get("per_page", default))
    except ValueError:
        return default
    return max(1, min(value, MAX_PER_PAGE))


def paginate(request: HttpRequest, queryset: QuerySet, default: int = DEFAULT_PER_PAGE) -> Page:
    """The page named by ?page= (out-of-range and junk numbers give the nearest page)."""
    paginator = Paginator(queryset, per_page(request, default))
    return paginator.get_page(request.GET.get("page"))
