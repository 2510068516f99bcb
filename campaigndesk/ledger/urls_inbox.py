"""The inbox, its unread badge, and a unit's webhook settings."""

from django.urls import path

from .views import inbox, webhooks

urlpatterns = [
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/count/", inbox.inbox_count, name="inbox_count"),
    path("inbox/read-all/", inbox.mark_all_read, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", inbox.mark_read, name="inbox_read"),
    path("units/<int:unit_pk>/webhook/", webhooks.webhook_edit, name="webhook"),
    path("units/<int:unit_pk>/webhook/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path("units/<int:unit_pk>/webhook/test/", webhooks.webhook_test, name="webhook_test"),
]
