"""Which API tokens a person sees: their own, and the office's people's."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from campaigndesk.org import access
from campaigndesk.org.models import Role

from .models import ApiToken


def tokens_visible_to(user: Any) -> QuerySet[ApiToken]:
    own = Q(user_id=user.pk) if getattr(user, "pk", None) is not None else Q(pk__in=[])
    scope = access.unit_filter(user, "user__unit", [Role.OFFICE])
    return ApiToken.objects.filter(own | scope).select_related("user")


def get_token_for_user(user: Any, pk: int) -> ApiToken:
    """The token, or 404 when it is not the person's nor within the office's units."""
    token = tokens_visible_to(user).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token
