"""The inbox, its unread badge, and the webhook settings screen, role by role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from campaigndesk import clock
from campaigndesk.ledger.models import Delivery, Notification, UnitWebhook

T0 = dt.datetime(2018, 12, 17, 2, 0, tzinfo=dt.UTC)


def login_url_in(response) -> bool:
    return response.status_code == 302 and reverse("login") in response["Location"]


def notify(person, n=1, *, read=False, start=T0):
    """n notifications for `person`, one a minute from `start` (the newest is the last)."""
    return Notification.objects.bulk_create(
        Notification(
            recipient=person,
            title=f"提醒 {person.username} #{i}",
            body="请尽快反馈。",
            url="/desk/ledger/tasks/1/",
            created_at=start + dt.timedelta(minutes=i),
            read_at=start if read else None,
        )
        for i in range(n)
    )


def titles(response) -> list[str]:
    return [n.title for n in response.context["items"]]


# --- the inbox --------------------------------------------------------------------------------


def test_liaison_sees_only_their_own_notifications_newest_first(world, client_for):
    notify(world.gjz_liaison, 3)
    notify(world.zs_liaison, 2)
    response = client_for(world.gjz_liaison).get(reverse("ledger:inbox"))
    assert response.status_code == 200
    assert titles(response) == [f"提醒 gjz_liaison #{i}" for i in (2, 1, 0)]
    assert "zs_liaison" not in response.content.decode()
    assert response.context["unread"] == 3


def test_viewer_has_an_inbox_of_their_own_and_sees_it_empty(world, client_for):
    notify(world.gjz_liaison, 2)
    response = client_for(world.viewer).get(reverse("ledger:inbox"))
    assert response.status_code == 200
    assert titles(response) == []
    assert 'class="empty"' in response.content.decode()


def test_anonymous_visitor_is_sent_to_sign_in_from_the_inbox_and_its_actions(world, client_for):
    note = notify(world.gjz_liaison)[0]
    client = client_for(None)
    assert login_url_in(client.get(reverse("ledger:inbox")))
    assert login_url_in(client.post(reverse("ledger:inbox_read", args=[note.pk])))
    assert login_url_in(client.post(reverse("ledger:inbox_read_all")))
    note.refresh_from_db()
    assert note.read_at is None


def test_inbox_addresses_refuse_the_wrong_method(world, client_for):
    note = notify(world.gjz_liaison)[0]
    client = client_for(world.gjz_liaison)
    assert client.post(reverse("ledger:inbox")).status_code == 405
    assert client.post(reverse("ledger:inbox_count")).status_code == 405
    assert client.get(reverse("ledger:inbox_read", args=[note.pk])).status_code == 405
    assert client.get(reverse("ledger:inbox_read_all")).status_code == 405


def test_unread_only_filter_leaves_out_what_was_read(world, client_for):
    notify(world.gjz_liaison, 2, read=True)
    notify(world.gjz_liaison, 1, start=T0 + dt.timedelta(hours=1))
    response = client_for(world.gjz_liaison).get(reverse("ledger:inbox"), {"unread": "1"})
    assert titles(response) == ["提醒 gjz_liaison #0"]
    assert response.context["unread_only"] is True


def test_inbox_pages_by_key_without_repeating_or_skipping(world, client_for):
    notify(world.gjz_liaison, 5)
    client = client_for(world.gjz_liaison)
    first = client.get(reverse("ledger:inbox"), {"per_page": 2})
    assert titles(first) == ["提醒 gjz_liaison #4", "提醒 gjz_liaison #3"]
    cursor = first.context["next_cursor"]
    second = client.get(reverse("ledger:inbox"), {"per_page": 2, "after": cursor})
    assert titles(second) == ["提醒 gjz_liaison #2", "提醒 gjz_liaison #1"]
    assert second.context["has_previous"] is True
    third = client.get(
        reverse("ledger:inbox"), {"per_page": 2, "after": second.context["next_cursor"]}
    )
    assert titles(third) == ["提醒 gjz_liaison #0"]
    assert third.context["next_cursor"] is None
    junk = client.get(reverse("ledger:inbox"), {"per_page": 2, "after": "%%%not-a-cursor"})
    assert titles(junk) == titles(first)


def test_marking_one_notification_read_returns_to_the_page_it_came_from(world, client_for):
    older, newer = notify(world.gjz_liaison, 2)
    with clock.frozen_at(T0 + dt.timedelta(hours=1)):
        response = client_for(world.gjz_liaison).post(
            reverse("ledger:inbox_read", args=[older.pk]),
            {"next": reverse("ledger:inbox") + "?unread=1"},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:inbox") + "?unread=1"
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.read_at == T0 + dt.timedelta(hours=1)
    assert newer.read_at is None


def test_marking_read_never_goes_back_to_another_site(world, client_for):
    note = notify(world.gjz_liaison)[0]
    response = client_for(world.gjz_liaison).post(
        reverse("ledger:inbox_read", args=[note.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("ledger:inbox")


def test_another_persons_notification_is_not_found_and_stays_unread(world, client_for):
    theirs = notify(world.zs_liaison)[0]
    response = client_for(world.gjz_liaison).post(reverse("ledger:inbox_read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # Not even the office reads another person's inbox.
    assert (
        client_for(world.office).post(reverse("ledger:inbox_read", args=[theirs.pk])).status_code
        == 404
    )


def test_mark_all_read_touches_only_the_persons_own_notifications(world, client_for):
    notify(world.gjz_liaison, 3)
    notify(world.zs_liaison, 2)
    response = client_for(world.gjz_liaison).post(reverse("ledger:inbox_read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(
        recipient=world.gjz_liaison, read_at__isnull=True
    ).exists()
    assert (
        Notification.objects.filter(recipient=world.zs_liaison, read_at__isnull=True).count() == 2
    )


def test_unit_head_is_offered_the_webhook_of_their_unit_from_the_inbox(world, client_for):
    page = client_for(world.gjz_head).get(reverse("ledger:inbox")).content.decode()
    assert reverse("ledger:webhook", args=[world.ganjingzi.pk]) in page
    liaison_page = client_for(world.gjz_liaison).get(reverse("ledger:inbox")).content.decode()
    assert "/webhook/" not in liaison_page


# --- the badge --------------------------------------------------------------------------------


def test_badge_shows_the_unread_count_and_caps_it_at_99(world, client_for):
    client = client_for(world.gjz_liaison)
    empty = client.get(reverse("ledger:inbox_count"))
    assert empty.status_code == 200
    assert empty.content.decode().strip() == ""
    notify(world.gjz_liaison, 3)
    notify(world.gjz_liaison, 2, read=True)
    three = client.get(reverse("ledger:inbox_count")).content.decode()
    assert "3" in three and 'class="badge red"' in three
    notify(world.gjz_liaison, 150, start=T0 + dt.timedelta(days=1))
    many = client.get(reverse("ledger:inbox_count")).content.decode()
    assert "99+" in many


def test_badge_answers_a_signed_out_visitor_with_nothing_rather_than_the_sign_in_page(
    world, client_for
):
    # htmx follows redirects and would paste the sign-in page into the top bar.
    response = client_for(None).get(reverse("ledger:inbox_count"))
    assert response.status_code == 204
    assert response.content == b""


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [10, 100])
def test_inbox_query_count_does_not_grow_with_notifications(
    world, client_for, django_assert_num_queries, n
):
    notify(world.gjz_liaison, n)
    client = client_for(world.gjz_liaison)
    client.get(reverse("ledger:inbox"))  # warm the content-type and per-process caches
    # 1 session and the reference stamp, 2 the page of notifications, 3 the unread figure
    # (counted to 100), 4 the units the person heads (webhook links). (The person and
    # their role grants for the menu come from the process cache.)
    with django_assert_num_queries(4):
        response = client.get(reverse("ledger:inbox"), {"per_page": 200})
    assert len(response.context["items"]) == n


@pytest.mark.parametrize("n", [10, 100])
def test_badge_query_count_does_not_grow_with_notifications(
    world, client_for, django_assert_num_queries, n
):
    notify(world.gjz_liaison, n)
    client = client_for(world.gjz_liaison)
    # 1 session, 2 user, 3 the unread figure (counted no further than 100).
    with django_assert_num_queries(3):
        client.get(reverse("ledger:inbox_count"))


# --- the webhook screen -----------------------------------------------------------------------


def webhook_url(unit) -> str:
    return reverse("ledger:webhook", args=[unit.pk])


def test_office_sets_a_units_webhook(world, client_for):
    client = client_for(world.office)
    assert client.get(webhook_url(world.ganjingzi)).status_code == 200
    response = client.post(
        webhook_url(world.ganjingzi),
        {"url": "https://robot.example.invalid/send", "secret": "abc123", "is_active": "on"},
    )
    assert response.status_code == 302
    hook = UnitWebhook.objects.get(unit=world.ganjingzi)
    assert (hook.url, hook.secret, hook.is_active) == (
        "https://robot.example.invalid/send",
        "abc123",
        True,
    )


def test_unit_head_changes_the_address_and_a_blank_secret_keeps_the_old_one(world, client_for):
    UnitWebhook.objects.create(unit=world.ganjingzi, url="https://a.invalid/", secret="keep-me")
    client = client_for(world.gjz_head)
    page = client.get(webhook_url(world.ganjingzi)).content.decode()
    assert "keep-me" not in page  # the secret is never shown back
    client.post(webhook_url(world.ganjingzi), {"url": "https://b.invalid/", "secret": ""})
    hook = UnitWebhook.objects.get(unit=world.ganjingzi)
    assert (hook.url, hook.secret, hook.is_active) == ("https://b.invalid/", "keep-me", False)
    client.post(
        webhook_url(world.ganjingzi),
        {"url": "https://b.invalid/", "clear_secret": "on", "is_active": "on"},
    )
    hook.refresh_from_db()
    assert (hook.secret, hook.is_active) == ("", True)


def test_a_webhook_address_that_is_not_http_is_refused_with_a_message(world, client_for):
    response = client_for(world.office).post(
        webhook_url(world.ganjingzi), {"url": "ftp://robot.example.invalid/", "is_active": "on"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["url"]
    assert not UnitWebhook.objects.exists()


def test_liaison_and_viewer_may_not_manage_the_webhook(world, client_for):
    assert client_for(world.gjz_liaison).get(webhook_url(world.ganjingzi)).status_code == 403
    assert client_for(world.viewer).get(webhook_url(world.ganjingzi)).status_code == 403
    response = client_for(world.gjz_liaison).post(
        webhook_url(world.ganjingzi), {"url": "https://x.invalid/", "is_active": "on"}
    )
    assert response.status_code == 403
    assert not UnitWebhook.objects.exists()


def test_a_unit_outside_ones_scope_is_not_found(world, client_for):
    assert client_for(world.gjz_head).get(webhook_url(world.zhongshan)).status_code == 404
    assert client_for(world.zs_liaison).get(webhook_url(world.ganjingzi)).status_code == 404
    assert (
        client_for(world.gjz_head).get(reverse("ledger:webhook", args=[999999])).status_code == 404
    )


def test_anonymous_visitor_is_sent_to_sign_in_from_the_webhook_screen(world, client_for):
    assert login_url_in(client_for(None).get(webhook_url(world.ganjingzi)))
    assert login_url_in(
        client_for(None).post(reverse("ledger:webhook_delete", args=[world.ganjingzi.pk]))
    )


def test_webhook_screen_refuses_the_wrong_method(world, client_for):
    client = client_for(world.office)
    assert client.put(webhook_url(world.ganjingzi)).status_code == 405
    assert (
        client.get(reverse("ledger:webhook_delete", args=[world.ganjingzi.pk])).status_code == 405
    )
    assert client.get(reverse("ledger:webhook_test", args=[world.ganjingzi.pk])).status_code == 405


def test_test_message_is_queued_and_removing_the_webhook_deletes_it(world, client_for):
    hook = UnitWebhook.objects.create(unit=world.ganjingzi, url="https://a.invalid/")
    client = client_for(world.gjz_head)
    client.post(reverse("ledger:webhook_test", args=[world.ganjingzi.pk]))
    queued = Delivery.objects.get(webhook=hook)
    assert queued.payload["event"] == "test"
    page = client.get(webhook_url(world.ganjingzi))
    assert page.context["recent"] == [queued]
    client.post(reverse("ledger:webhook_delete", args=[world.ganjingzi.pk]))
    assert not UnitWebhook.objects.exists()
