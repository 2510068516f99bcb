"""A unit's chat-robot webhook: the office or the unit's head sets its address, secret
and switch, as on the desk's webhook screen (`ledger.delivery`).

A unit outside the caller's scope is a 404; a unit they see but may not manage a 403.
The secret is never shown back (`secret_set` says whether there is one).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import StringConstraints

from campaigndesk.ledger import delivery
from campaigndesk.ledger.models import Delivery, UnitWebhook
from campaigndesk.org import access
from campaigndesk.org.models import Role, Unit

from ..auth import person
from ..common import Id, Page, PageQuery, StrictQuery, keyset_page, responses
from ..org import UnitRef
from .schemas import NO_NUL

router = Router(tags=["webhooks"])

RECENT_DELIVERIES = 10
# Who manages a unit's webhook (rule `ledger.manage_webhook`): the office, or the head
# of the unit or of a unit above it. The list below keeps to the same scope.
MANAGERS = (Role.OFFICE, Role.UNIT_HEAD)

WebhookUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=NO_NUL)
]
Secret = Annotated[str, StringConstraints(max_length=100, pattern=NO_NUL)]


class DeliveryOut(Schema):
    id: int
    event: str = Field(description="reminder, digest or test.")
    status: str
    status_label: str
    attempts: int
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str

    @staticmethod
    def resolve_event(obj: Delivery) -> str:
        payload = obj.payload if isinstance(obj.payload, dict) else {}
        return str(payload.get("event") or "reminder")

    @staticmethod
    def resolve_status_label(obj: Delivery) -> str:
        return str(obj.get_status_display())


class WebhookRow(Schema):
    unit: UnitRef
    url: str
    is_active: bool = Field(description="Reminders are sent to the address.")
    secret_set: bool = Field(description="Calls are signed (X-CampaignDesk-Signature).")

    @staticmethod
    def resolve_secret_set(obj: UnitWebhook) -> bool:
        return bool(obj.secret)


class WebhookOut(WebhookRow):
    recent_deliveries: list[DeliveryOut] = Field(
        description=f"The last {RECENT_DELIVERIES} calls, latest first."
    )

    @staticmethod
    def resolve_recent_deliveries(obj: UnitWebhook) -> list[Delivery]:
        return list(
            Delivery.objects.filter(webhook=obj).order_by("-next_attempt_at", "-id")[
                :RECENT_DELIVERIES
            ]
        )


class WebhookPage(Page[WebhookRow]):
    pass


class WebhookIn(Schema):
    model_config = {"extra": "forbid"}

    url: WebhookUrl = Field(  # type: ignore[valid-type]
        description="The robot's address, starting with http:// or https://."
    )
    secret: Secret | None = Field(  # type: ignore[valid-type]
        None,
        description="The signing secret. Leave out (or null) to keep the current one; an "
        "empty string removes it (calls are then not signed).",
    )
    is_active: bool = Field(True, description="Send reminders to this address.")


class QueuedOut(Schema):
    delivery: DeliveryOut
    detail: str


def _unit_for_manager(user: Any, unit_id: int) -> Unit:
    unit = access.get_unit_for_user(user, unit_id)
    access.require(user, "ledger.manage_webhook", unit)
    return unit


def _hook_of(unit: Unit) -> UnitWebhook:
    hook = UnitWebhook.objects.filter(unit=unit).select_related("unit").first()
    if hook is None:
        raise Http404
    return hook


@router.get("/webhooks", response=responses(WebhookPage, 403), summary="List units' webhooks")
def list_webhooks(request: HttpRequest, filters: Query[PageQuery]) -> Any:
    """The webhooks of the units the caller manages (the office: every unit's; a unit
    head: their unit's and those below it), in unit-tree order."""
    user = person(request)
    access.require(user, "ledger.manage_webhook")
    hooks = UnitWebhook.objects.filter(access.unit_filter(user, "unit", MANAGERS))
    return keyset_page(request, hooks.select_related("unit"), filters, order=["unit__path", "id"])


@router.get(
    "/units/{unit_id}/webhook",
    response=responses(WebhookOut, 403, 404),
    summary="Get a unit's webhook",
)
def get_webhook(request: HttpRequest, unit_id: Id, query: Query[StrictQuery]) -> Any:
    """The unit's webhook with its last calls; 404 when the unit has none."""
    return _hook_of(_unit_for_manager(person(request), unit_id))


@router.put(
    "/units/{unit_id}/webhook",
    response={**responses(WebhookOut, 400, 403, 404), 201: WebhookOut},
    summary="Set a unit's webhook",
)
def put_webhook(
    request: HttpRequest, unit_id: Id, payload: WebhookIn, query: Query[StrictQuery]
) -> Any:
    """Set the unit's webhook (201) or change it (200)."""
    user = person(request)
    unit = _unit_for_manager(user, unit_id)
    existed = UnitWebhook.objects.filter(unit=unit).exists()
    delivery.save_webhook(
        user, unit, url=payload.url, secret=payload.secret, is_active=payload.is_active
    )
    return Status(200 if existed else 201, _hook_of(unit))


@router.delete(
    "/units/{unit_id}/webhook",
    response=responses(WebhookRow, 403, 404),
    summary="Remove a unit's webhook",
)
def delete_webhook(request: HttpRequest, unit_id: Id, query: Query[StrictQuery]) -> Any:
    """The answer is the webhook as it was; 404 when the unit has none."""
    user = person(request)
    hook = _hook_of(_unit_for_manager(user, unit_id))
    gone = copy.copy(hook)  # deleting clears the instance's pk
    delivery.delete_webhook(user, hook)
    return gone


@router.post(
    "/units/{unit_id}/webhook/test",
    response=responses(QueuedOut, 403, 404, ok_status=202),
    summary="Send a test message to a unit's webhook",
)
def test_webhook(request: HttpRequest, unit_id: Id, query: Query[StrictQuery]) -> Any:
    """Queue one test message; it is sent within a minute (see `recent_deliveries`)."""
    user = person(request)
    unit = _unit_for_manager(user, unit_id)
    hook = UnitWebhook.objects.filter(unit=unit).select_related("unit").first()
    if hook is None:
        raise ValidationError(_("Save an address first."))
    queued = delivery.queue_test(user, hook)
    detail = _("A test message is queued; it is sent within a minute.")
    return Status(202, {"delivery": queued, "detail": detail})
