"""Sending reminders out: email once, signed webhook calls, retries with back-off, at most once."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from campaigndesk import clock
from campaigndesk.audit.models import AuditRecord
from campaigndesk.ledger import actions, delivery
from campaigndesk.ledger.digest import queue_digests
from campaigndesk.ledger.models import (
    Delivery,
    DeliveryStatus,
    Escalation,
    ReminderKind,
    UnitWebhook,
)
from campaigndesk.ledger.reminders import issue_reminder, send_manual_reminder
from campaigndesk.org import access

T0 = dt.datetime(2018, 12, 17, 2, 0, tzinfo=dt.UTC)  # 10:00 in Dalian, a Monday
SLACK = dt.timedelta(seconds=5)


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(2), tzinfo=dt.UTC))


def make_task(
    world,
    *,
    unit=None,
    title="梳理营商环境问题清单",
    deadline=dt.date(2018, 12, 14),
    accept=True,
    day=dt.date(2018, 12, 3),
):
    with at(day):
        task = actions.create_task(
            world.office,
            campaign=world.campaign,
            title=title,
            lead_unit=unit or world.ganjingzi,
            deadline=deadline,
        )
        if accept:
            liaison = {world.ganjingzi.pk: world.gjz_liaison, world.zhongshan.pk: world.zs_liaison}
            actions.accept_task(liaison[task.lead_unit_id], task)
    task.refresh_from_db()
    return task


def remind(world, task, key="overdue:2018-12-14:liaison", message=""):
    with clock.frozen_at(T0):
        return issue_reminder(
            access.SYSTEM,
            task,
            kind=ReminderKind.OVERDUE,
            level=Escalation.LIAISON,
            key=key,
            message=message,
        )


class Recorder(BaseHTTPRequestHandler):
    received: list[dict]

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"headers": self.headers, "body": body})  # case-insensitive
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    """A chat robot on 127.0.0.1 at a random port, recording what it receives."""
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hook_for(world, url, secret="s3cret"):  # noqa: S107 (a test secret)
    with clock.frozen_at(T0):
        return delivery.save_webhook(
            world.office, world.ganjingzi, url=url, secret=secret, is_active=True
        )


# --- email ------------------------------------------------------------------------------------


def test_reminder_email_goes_to_the_outbox_once_in_chinese_with_english_below(world):
    task = make_task(world)
    remind(world, task, message="请于本周内完成整改。")
    counts = delivery.deliver_due(T0)
    assert counts["sent"] == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [world.gjz_liaison.email]
    assert task.title in email.subject
    assert "---------- English ----------" in email.body
    assert email.body.count(task.title) == 2  # once per language
    assert "请于本周内完成整改。" in email.body
    assert "甘井子区" in email.body and "Ganjingzi District" in email.body
    assert f"/desk/ledger/tasks/{task.pk}/" in email.body
    # Running again sends nothing more.
    assert delivery.deliver_due(T0 + dt.timedelta(minutes=5))["sent"] == 0
    assert len(mail.outbox) == 1
    sent = Delivery.objects.get(channel=Delivery.Channel.EMAIL)
    assert (sent.status, sent.attempts) == (DeliveryStatus.SENT, 1)
    assert T0 <= sent.sent_at < T0 + SLACK


def test_manual_reminder_by_the_office_is_emailed_to_the_liaison(world):
    task = make_task(world)
    with clock.frozen_at(T0):
        assert send_manual_reminder(world.office, [task], "请尽快签收并反馈。") == 1
        delivery.deliver_due()
    assert [m.to for m in mail.outbox] == [[world.gjz_liaison.email]]
    assert "请尽快签收并反馈。" in mail.outbox[0].body


def test_a_person_without_an_email_address_fails_at_once_without_retries(world):
    world.gjz_liaison.email = ""
    world.gjz_liaison.save(update_fields=["email"])
    task = make_task(world)
    remind(world, task)
    # No address, no email delivery queued at all.
    assert not Delivery.objects.filter(channel=Delivery.Channel.EMAIL).exists()
    row = Delivery.objects.create(
        channel=Delivery.Channel.EMAIL,
        key="email:manual-test",
        recipient=world.gjz_liaison,
        payload={"title": "x", "url": ""},
        next_attempt_at=T0,
    )
    delivery.deliver_due(T0)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)
    assert "email address" in row.last_error
    assert mail.outbox == []


# --- webhooks ---------------------------------------------------------------------------------


def test_webhook_receives_one_signed_json_post(world, robot):
    port = robot.server_address[1]
    hook_for(world, f"http://127.0.0.1:{port}/robot")
    task = make_task(world)
    reminder = remind(world, task, message="请反馈进展。")
    counts = delivery.deliver_due(T0)
    assert counts["sent"] == 2  # the liaison's email and the unit's robot
    assert len(robot.received) == 1
    call = robot.received[0]
    body = call["body"]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert call["headers"]["X-CampaignDesk-Signature"] == expected
    assert call["headers"]["Content-Type"].startswith("application/json")
    data = json.loads(body)
    assert data["event"] == "reminder"
    assert (data["reminder"], data["task"], data["kind"]) == (reminder.pk, task.pk, "overdue")
    assert data["message"] == "请反馈进展。"
    assert task.title in data["text"]
    delivery.deliver_due(T0 + dt.timedelta(minutes=10))
    assert len(robot.received) == 1


def test_a_webhook_without_a_secret_is_posted_unsigned(world, robot):
    hook_for(world, f"http://127.0.0.1:{robot.server_address[1]}/", secret="")
    remind(world, make_task(world))
    delivery.deliver_due(T0)
    assert len(robot.received) == 1
    assert "X-CampaignDesk-Signature" not in robot.received[0]["headers"]


def test_a_failing_webhook_is_retried_with_back_off_and_ends_failed(world):
    hook_for(world, f"http://127.0.0.1:{closed_port()}/robot")
    remind(world, make_task(world))
    row = Delivery.objects.get(channel=Delivery.Channel.WEBHOOK)
    now, waits = T0, []
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        # Not due yet a moment before its time: nothing is tried.
        if attempt > 1:
            delivery.deliver_due(row.next_attempt_at - dt.timedelta(seconds=30))
            row.refresh_from_db()
            assert row.attempts == attempt - 1
        now = row.next_attempt_at + SLACK
        delivery.deliver_due(now)
        row.refresh_from_db()
        assert row.attempts == attempt
        if row.status == DeliveryStatus.PENDING:
            waits.append(round((row.next_attempt_at - now).total_seconds() / 60))
    assert waits == [1, 2, 4, 8, 16]
    assert row.status == DeliveryStatus.FAILED
    assert row.attempts == delivery.MAX_ATTEMPTS
    assert "refused" in row.last_error.lower() or "URLError" in row.last_error
    # A failed delivery is never tried again.
    delivery.deliver_due(now + dt.timedelta(days=1))
    row.refresh_from_db()
    assert row.attempts == delivery.MAX_ATTEMPTS


def test_a_switched_off_webhook_is_not_called(world, robot):
    hook = hook_for(world, f"http://127.0.0.1:{robot.server_address[1]}/")
    remind(world, make_task(world))
    with clock.frozen_at(T0):
        delivery.save_webhook(
            world.office, world.ganjingzi, url=hook.url, secret=None, is_active=False
        )
    delivery.deliver_due(T0)
    assert robot.received == []
    assert Delivery.objects.get(channel=Delivery.Channel.WEBHOOK).status == DeliveryStatus.FAILED


def test_only_http_and_https_addresses_are_posted_to():
    with pytest.raises(delivery.PermanentError):
        delivery.post_json("file:///etc/passwd", {"a": 1})
    with pytest.raises(delivery.PermanentError):
        delivery.post_json("ftp://example.invalid/x", {"a": 1})


# --- at most once -----------------------------------------------------------------------------


def test_two_workers_claiming_the_same_delivery_send_it_once(world):
    remind(world, make_task(world))
    row = Delivery.objects.get(channel=Delivery.Channel.EMAIL)
    assert delivery.claim(row.pk, T0) is True
    assert delivery.claim(row.pk, T0) is False  # the second worker touches no row
    # The second worker's whole run skips it while the first sends it.
    counts = delivery.deliver_due(T0)
    assert counts["sent"] == 0
    row.refresh_from_db()
    assert delivery.deliver_one(row, T0) == "sent"
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT


def test_a_delivery_left_sending_by_a_crashed_worker_is_failed_not_sent_again(world):
    remind(world, make_task(world))
    row = Delivery.objects.get(channel=Delivery.Channel.EMAIL)
    assert delivery.claim(row.pk, T0)
    # Ten minutes on, the claim may still be sending: left alone.
    assert delivery.deliver_due(T0 + dt.timedelta(minutes=10))["stale"] == 0
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENDING
    counts = delivery.deliver_due(T0 + dt.timedelta(minutes=16))
    row.refresh_from_db()
    assert counts["stale"] == 1
    assert row.status == DeliveryStatus.FAILED
    assert "not sent again" in row.last_error
    assert mail.outbox == []


# --- the daily digest -------------------------------------------------------------------------


def test_digest_lists_only_the_recipients_own_items_and_nothing_for_an_idle_person(world):
    overdue = make_task(world, title="甘井子逾期任务")
    to_accept = make_task(
        world, title="甘井子待签收任务", deadline=dt.date(2019, 3, 29), accept=False
    )
    due_soon = make_task(world, title="甘井子临期任务", deadline=dt.date(2018, 12, 19))
    theirs = make_task(world, title="中山区任务", unit=world.zhongshan)
    with clock.frozen_at(T0):
        assert queue_digests() == 3  # gjz liaison and head, zs liaison
        assert queue_digests() == 0  # one a person a day
    rows = {d.recipient.username: d.payload for d in Delivery.objects.filter(channel="digest")}
    assert set(rows) == {"gjz_liaison", "gjz_head", "zs_liaison"}  # street_liaison has nothing
    gjz = rows["gjz_liaison"]["sections"]
    assert [t["id"] for t in gjz["overdue"]] == [overdue.pk]
    assert [t["id"] for t in gjz["to_accept"]] == [to_accept.pk]
    assert [t["id"] for t in gjz["due_soon"]] == [due_soon.pk]
    ids = {t["id"] for section in gjz.values() for t in section}
    assert theirs.pk not in ids
    zs = rows["zs_liaison"]["sections"]
    assert {t["id"] for section in zs.values() for t in section} == {theirs.pk}

    delivery.deliver_due(T0)
    by_person = {m.to[0]: m for m in mail.outbox}
    body = by_person[world.gjz_liaison.email].body
    assert "甘井子逾期任务" in body and "甘井子待签收任务" in body and "甘井子临期任务" in body
    assert "中山区任务" not in body
    assert "---------- English ----------" in body
    assert "甘井子" not in by_person[world.zs_liaison.email].body
    assert world.street_liaison.email not in by_person


def test_digest_of_the_office_lists_its_unread_notifications_of_the_day(world):
    task = make_task(world)
    with clock.frozen_at(T0):
        issue_reminder(
            access.SYSTEM,
            task,
            kind=ReminderKind.OVERDUE,
            level=Escalation.OFFICE,
            key="overdue:2018-12-14:office",
        )
    with clock.frozen_at(T0 + dt.timedelta(hours=20)):
        queue_digests()
    office = Delivery.objects.get(channel="digest", recipient=world.office)
    assert [n["title"] for n in office.payload["notifications"]] == [
        office.payload["notifications"][0]["title"]
    ]
    assert task.title in office.payload["notifications"][0]["title"]
    assert not any(office.payload["sections"].values())  # the office leads no task itself


# --- setting up a webhook ---------------------------------------------------------------------


def test_the_trail_records_a_webhook_change_but_never_its_secret(world):
    hook = hook_for(world, "https://robot.example.invalid/a", secret="top-secret-1")
    with clock.frozen_at(T0):
        delivery.save_webhook(
            world.gjz_head, world.ganjingzi, url=hook.url, secret="top-secret-2", is_active=True
        )
    records = AuditRecord.objects.filter(action__startswith="ledger.webhook")
    assert records.count() == 2
    for record in records:
        assert "top-secret" not in json.dumps([record.before, record.after])
    assert records.order_by("pk").last().after == {"secret_changed": True}
    hook.refresh_from_db()
    assert hook.secret == "top-secret-2"


def test_a_liaison_may_not_set_the_units_webhook_and_ftp_is_refused(world):
    with pytest.raises(PermissionDenied):
        delivery.save_webhook(
            world.gjz_liaison, world.ganjingzi, url="https://x.invalid/", secret="", is_active=True
        )
    with pytest.raises(PermissionDenied):
        delivery.save_webhook(
            world.gjz_head, world.zhongshan, url="https://x.invalid/", secret="", is_active=True
        )
    with pytest.raises(ValidationError):
        delivery.save_webhook(
            world.office, world.ganjingzi, url="ftp://x.invalid/", secret="", is_active=True
        )
    assert not UnitWebhook.objects.exists()
