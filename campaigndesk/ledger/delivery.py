"""Sending deliveries: reminder emails, daily digests and unit webhooks (chat robots).

`deliver_due()` runs every minute (jobs.deliver). Each due Delivery is claimed with a
conditional update (pending → sending) that must touch exactly one row, so two
workers never both send it. Then it is sent and marked sent. A failure puts it
back to pending with an exponential back-off (1, 2, 4, 8, 16 minutes); the sixth
failure marks it failed with the last error.

At most once: a delivery still 'sending' 15 minutes after its claim belongs to a
worker that died mid-send. Whether the message left is unknown, so it is marked
failed, never sent again: a reminder is never sent twice.

Email goes through django.core.mail (EMAIL_URL), Chinese first with the English
below. A webhook is a JSON POST with the header
`X-CampaignDesk-Signature: sha256=<HMAC-SHA256 of the body with the unit's secret>`
(when a secret is set), 5 s timeout, http and https addresses only.

This module is also where a unit's webhook is set, changed and removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.audit.models import Verb
from campaigndesk.org import access
from campaigndesk.org.models import Unit

from .models import Delivery, DeliveryStatus, UnitWebhook
from .reminders import reminder_title

MAX_ATTEMPTS = 6
STALE_AFTER = dt.timedelta(minutes=15)
WEBHOOK_TIMEOUT = 5
WEBHOOK_SCHEMES = ("http", "https")
SIGNATURE_HEADER = "X-CampaignDesk-Signature"
LANGUAGES = ("zh-hans", "en")  # Chinese first, English below


class PermanentError(Exception):
    """A delivery that cannot succeed by trying again (no address, webhook removed)."""


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the n-th failed attempt: 1, 2, 4, 8, … minutes."""
    return dt.timedelta(minutes=2 ** max(attempts - 1, 0))


# --- claiming and the outcome ------------------------------------------------------------------


def claim(pk: int, now: dt.datetime) -> bool:
    """Take the delivery for this worker: True only for the one update that changed its row.

    The claim time is kept in next_attempt_at, to find claims whose worker died.
    """
    return (
        Delivery.objects.filter(
            pk=pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).update(status=DeliveryStatus.SENDING, next_attempt_at=now)
        == 1
    )


def fail_stale(now: dt.datetime) -> int:
    """Mark deliveries stuck in 'sending' (a crashed worker) failed; they are not re-sent."""
    return Delivery.objects.filter(
        status=DeliveryStatus.SENDING, next_attempt_at__lt=now - STALE_AFTER
    ).update(
        status=DeliveryStatus.FAILED,
        last_error="The worker stopped while sending; not sent again, so as never to send twice.",
    )


def _sent(pk: int, now: dt.datetime) -> None:
    Delivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT, sent_at=now, attempts=F("attempts") + 1, last_error=""
    )


def _failed(delivery: Delivery, now: dt.datetime, error: str, *, permanent: bool) -> str:
    attempts = delivery.attempts + 1
    done = permanent or attempts >= MAX_ATTEMPTS
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.FAILED if done else DeliveryStatus.PENDING,
        attempts=attempts,
        next_attempt_at=now if done else now + backoff(attempts),
        last_error=error[:2000],
    )
    return "failed" if done else "retry"


def deliver_one(delivery: Delivery, now: dt.datetime) -> str:
    """Send a delivery this worker has claimed; returns sent, retry or failed."""
    try:
        send(delivery)
    except PermanentError as exc:
        return _failed(delivery, now, str(exc), permanent=True)
    except Exception as exc:  # any failure of the channel is retried
        return _failed(delivery, now, f"{type(exc).__name__}: {exc}", permanent=False)
    _sent(delivery.pk, now)
    return "sent"


def deliver_due(now: dt.datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Send up to `limit` due deliveries; returns counts of sent, retry, failed, stale, skipped."""
    now = now or clock.now()
    started = time.monotonic()
    counts = {"sent": 0, "retry": 0, "failed": 0, "stale": fail_stale(now), "skipped": 0}
    due = (
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in list(due):
        # The claim time moves with the batch, so a slow batch's claims are not taken for stale.
        moment = now + dt.timedelta(seconds=time.monotonic() - started)
        if not claim(pk, moment):
            counts["skipped"] += 1  # another worker has it
            continue
        delivery = Delivery.objects.select_related("recipient", "webhook").get(pk=pk)
        counts[deliver_one(delivery, moment)] += 1
    return counts


# --- the channels ---------------------------------------------------------------------------------


def send(delivery: Delivery) -> None:
    if delivery.channel == Delivery.Channel.WEBHOOK:
        hook = delivery.webhook
        if hook is None or not hook.is_active:
            raise PermanentError("The unit's webhook was removed or switched off.")
        post_json(hook.url, webhook_body(delivery.payload), hook.secret)
        return
    person = delivery.recipient
    if person is None or not person.is_active or not person.email:
        raise PermanentError("The recipient has no active account with an email address.")
    if delivery.channel == Delivery.Channel.DIGEST:
        subject, body = digest_email(delivery.payload)
    else:
        subject, body = reminder_email(delivery.payload)
    EmailMessage(subject, body, to=[person.email]).send(fail_silently=False)


def site_url() -> str:
    """Where the app is reached from outside (optional setting SITE_URL), for links in mail."""
    return getattr(settings, "SITE_URL", "").rstrip("/")


def absolute(path: str) -> str:
    if not path or "://" in path:
        return path
    return site_url() + path


def _both(template: str, context: dict[str, Any]) -> list[str]:
    texts = []
    for language in LANGUAGES:
        with translation.override(language):
            texts.append(render_to_string(template, context).strip())
    return texts


def _separate(texts: list[str]) -> str:
    return "\n\n---------- English ----------\n\n".join(texts) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def _titles(payload: dict[str, Any]) -> list[str]:
    if "kind" not in payload:
        return [payload.get("title", "")] * len(LANGUAGES)
    titles = []
    for language in LANGUAGES:
        with translation.override(language):
            titles.append(
                reminder_title(payload["kind"], payload["deadline"], payload["task_title"])
            )
    return titles


def reminder_email(payload: dict[str, Any]) -> tuple[str, str]:
    titles = _titles(payload)
    units = (payload.get("unit", ""), payload.get("unit_en") or payload.get("unit", ""))
    context = {"p": payload, "url": absolute(payload.get("url", ""))}
    texts = []
    for language, title, unit in zip(LANGUAGES, titles, units, strict=True):
        with translation.override(language):
            texts.append(
                render_to_string(
                    "ledger/inbox/email/reminder.txt", {**context, "title": title, "unit": unit}
                ).strip()
            )
    return _one_line(titles[0]), _separate(texts)


def digest_email(payload: dict[str, Any]) -> tuple[str, str]:
    context = {
        "p": payload,
        "site": site_url(),
        "inbox_url": absolute(payload.get("inbox_url", "")),
    }
    with translation.override(LANGUAGES[0]):
        subject = _("Your CampaignDesk digest for %(date)s") % {"date": payload["date"]}
    return _one_line(subject), _separate(_both("ledger/inbox/email/digest.txt", context))


def webhook_body(payload: dict[str, Any]) -> dict[str, Any]:
    """What a chat robot receives: the reminder's data and a ready-made two-language text."""
    body = {"event": "reminder", **payload}
    if body.get("url"):
        body["url"] = absolute(body["url"])
    if "text" not in body:
        lines = list(dict.fromkeys(_titles(payload)))  # one line when both read the same
        if payload.get("message"):
            lines.append(payload["message"])
        if body.get("url"):
            lines.append(body["url"])
        body["text"] = "\n".join(lines)
    return body


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in WEBHOOK_SCHEMES or not parts.hostname:
        raise PermanentError(f"Not an http or https address: {url[:100]}")


def post_json(url: str, data: dict[str, Any], secret: str = "") -> int:
    """POST `data` as JSON; returns the HTTP status. Raises on a failure or a non-2xx answer."""
    check_webhook_url(url)
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "CampaignDesk"}
    if secret:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    # S310: the scheme is checked above (http or https only).
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
        response.read(1024)
        return response.status


# --- setting up a unit's webhook ------------------------------------------------------------


def _audit_view(hook: UnitWebhook) -> dict[str, Any]:
    """What the audit trail keeps of a webhook: never the secret itself."""
    return {
        "unit_id": hook.unit_id,
        "url": hook.url,
        "is_active": hook.is_active,
        "secret_set": bool(hook.secret),
    }


def _check_url(url: str) -> None:
    if urlsplit(url).scheme not in WEBHOOK_SCHEMES:
        raise ValidationError({"url": _("Give an address starting with http:// or https://.")})


def save_webhook(
    actor: Any, unit: Unit, *, url: str, secret: str | None, is_active: bool
) -> UnitWebhook:
    """Set or change the unit's webhook. `secret=None` keeps the current secret."""
    access.require(actor, "ledger.manage_webhook", unit)
    _check_url(url)
    with transaction.atomic():
        hook = UnitWebhook.objects.select_for_update().filter(unit=unit).first()
        if hook is None:
            hook = UnitWebhook(unit=unit, url=url, secret=secret or "", is_active=is_active)
            hook.full_clean()
            hook.save(force_insert=True)
            trail.record(
                actor, Verb.CREATE, hook, action="ledger.webhook.create", after=_audit_view(hook)
            )
            return hook
        before = _audit_view(hook)
        secret_changed = secret is not None and secret != hook.secret
        hook.url, hook.is_active = url, is_active
        if secret is not None:
            hook.secret = secret
        hook.full_clean()
        hook.save(update_fields=["url", "secret", "is_active"])
        after = _audit_view(hook)
        changed = {k for k in after if after[k] != before[k]}
        if secret_changed:
            changed.add("secret_changed")
            before["secret_changed"], after["secret_changed"] = False, True
        if changed:
            trail.record(
                actor,
                Verb.UPDATE,
                hook,
                action="ledger.webhook.update",
                before={k: before[k] for k in changed},
                after={k: after[k] for k in changed},
            )
        return hook


def delete_webhook(actor: Any, hook: UnitWebhook) -> None:
    access.require(actor, "ledger.manage_webhook", hook.unit)
    with transaction.atomic():
        trail.record(
            actor, Verb.DELETE, hook, action="ledger.webhook.delete", before=_audit_view(hook)
        )
        hook.delete()


def queue_test(actor: Any, hook: UnitWebhook) -> Delivery:
    """Queue one test message to the webhook (sent by the next delivery run)."""
    access.require(actor, "ledger.manage_webhook", hook.unit)
    now = clock.now()
    texts = []
    for language in LANGUAGES:
        with translation.override(language):
            texts.append(
                _("Test message from CampaignDesk for %(unit)s.") % {"unit": hook.unit.name}
            )
    return Delivery.objects.create(
        channel=Delivery.Channel.WEBHOOK,
        key=f"webhook-test:{hook.pk}:{now:%Y%m%d%H%M%S%f}",
        webhook=hook,
        payload={"event": "test", "unit": hook.unit.name_zh, "text": "\n".join(texts)},
        next_attempt_at=now,
    )
