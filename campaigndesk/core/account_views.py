"""Password change and reset, recorded in the audit trail like any other write."""

from django.contrib.auth import views as auth_views
from django.db import transaction

from campaigndesk.audit import trail


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            trail.record(self.request.user, "action", form.user, action="org.change_own_password")
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            trail.record(None, "action", form.user, action="org.reset_password")
        return response
