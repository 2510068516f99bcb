"""The caller's notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from campaigndesk.ledger import reminders
from campaigndesk.ledger.models import Notification

from ..auth import person
from ..common import Id, Page, PageQuery, StrictQuery, keyset_page, responses

router = Router(tags=["notifications"])


# --- the inbox --------------------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    task_id: int | None
    url: str = Field(description="Where it points on the desk.")
    created_at: dt.datetime
    read_at: dt.datetime | None
    read: bool

    @staticmethod
    def resolve_read(obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationPage(Page[NotificationOut]):
    unread: int = Field(description="The caller's unread notifications, on all pages.")


class NotificationFilters(PageQuery):
    unread: bool | None = Field(None, description="true: only unread; false: only read.")


@router.get("/notifications", response=responses(NotificationPage), summary="List my notifications")
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> Any:
    """The caller's own inbox (reminders and notices), newest first."""
    me = person(request)
    notes = Notification.objects.filter(recipient=me)
    if filters.unread is not None:
        notes = notes.filter(read_at__isnull=filters.unread)
    page = keyset_page(request, notes, filters, order=["-created_at", "-id"])
    page["unread"] = reminders.unread_count(me)
    return page


class ReadIn(Schema):
    model_config = {"extra": "forbid"}

    ids: list[Id] | None = Field(None, max_length=500, description="Mark these read.")
    all: bool = Field(False, description="Mark every unread notification read.")


class ReadOut(Schema):
    marked: int = Field(description="How many were unread and are now read.")
    unread: int


@router.post(
    "/notifications/read",
    response=responses(ReadOut, 400),
    summary="Mark my notifications read",
)
def read_notifications(request: HttpRequest, payload: ReadIn, query: Query[StrictQuery]) -> Any:
    """Send `ids` or `all: true`. Ids that are not the caller's are skipped."""
    me = person(request)
    if payload.all == (payload.ids is not None):
        raise ValidationError(_("Send either a list of ids or all: true."))
    if payload.all:
        marked = reminders.mark_all_read(me)
    else:
        mine = Notification.objects.filter(pk__in=payload.ids or [], recipient=me)
        marked = reminders.mark_read(me, list(mine.only("pk", "recipient_id")))
    return {"marked": marked, "unread": reminders.unread_count(me)}
