"""The caller's API tokens: list, issue (signed in only), revoke."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime, field_validator
from pydantic_core import PydanticCustomError

from campaigndesk import clock
from campaigndesk.org import access

from . import actions
from .auth import by_token, person
from .common import Id, Page, PageQuery, StrictQuery, keyset_page, responses
from .errors import Refused
from .queries import get_token_for_user, tokens_visible_to

router = Router(tags=["tokens"])

TOKENS_CANNOT_ISSUE = _("An API token cannot issue tokens: sign in to issue one.")
NO_SUCH_PERSON = _("There is no such person among the people you can see.")


class TokenOwner(Schema):
    id: int
    username: str
    display_name: str


class TokenOut(Schema):
    id: int
    name: str
    key_prefix: str = Field(description="The first characters of the key, to tell tokens apart.")
    user: TokenOwner
    created_at: dt.datetime
    last_used_at: dt.datetime | None = Field(description="Updated at most once a minute.")
    expires_at: dt.datetime | None
    revoked: bool


class TokenPage(Page[TokenOut]):
    pass


class TokenIssued(Schema):
    token: TokenOut
    key: str = Field(description="The key. It is shown this once and cannot be read again.")


class TokenIn(Schema):
    model_config = {"extra": "forbid"}

    name: str = Field(min_length=1, max_length=80, pattern=r"^[^\x00]*$")
    expires_at: AwareDatetime | None = Field(None, description="Leave out for no expiry.")
    user_id: Id | None = Field(
        None, description="Whose token (the office issues them for its people); default: yours."
    )

    @field_validator("expires_at")
    @classmethod
    def _in_future(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value <= clock.now():
            raise PydanticCustomError("future_datetime", "The expiry must lie in the future.")
        return value


class TokenFilters(PageQuery):
    user: Id | None = Field(None, description="Only this person's tokens.")


@router.get("/tokens", response=responses(TokenPage), summary="List API tokens")
def list_tokens(request: HttpRequest, filters: Query[TokenFilters]) -> Any:
    """The caller's tokens and, for the office, those of the people in its units; newest first."""
    tokens = tokens_visible_to(person(request))
    if filters.user is not None:
        tokens = tokens.filter(user_id=filters.user)
    return keyset_page(request, tokens, filters, order=["-id"])


@router.post(
    "/tokens",
    response=responses(TokenIssued, 400, 403, ok_status=201),
    summary="Issue an API token",
)
def issue_token(request: HttpRequest, payload: TokenIn, query: Query[StrictQuery]) -> Any:
    """A new token. Only a signed-in person may issue one, with the session's CSRF token:
    a token cannot mint tokens, or revoking a leaked one would not be enough."""
    if by_token(request):
        raise Refused(TOKENS_CANNOT_ISSUE)
    actor = person(request)
    owner = actor
    if payload.user_id is not None and payload.user_id != actor.pk:
        owner = (
            access.visible_people(actor).select_related("unit").filter(pk=payload.user_id).first()
        )
        if owner is None:
            raise ValidationError({"user_id": NO_SUCH_PERSON})
    token, key = actions.issue_token(actor, owner, payload.name, expires_at=payload.expires_at)
    return Status(201, {"token": token, "key": key})


@router.delete(
    "/tokens/{token_id}", response=responses(TokenOut, 403, 404), summary="Revoke an API token"
)
def revoke_token(request: HttpRequest, token_id: Id, query: Query[StrictQuery]) -> Any:
    """Revoke a token at once; it stays listed as revoked. Revoking twice is harmless."""
    actor = person(request)
    token = get_token_for_user(actor, token_id)
    return actions.revoke_token(actor, token)
