from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    name = "campaigndesk.suggestions"
    label = "suggestions"
    verbose_name = _("Suggestions")

    def ready(self) -> None:
        from campaigndesk.audit.templatetags.audit import register_private_fields

        from . import rules  # noqa: F401  (registers access rules)

        # A citizen's contact details stay out of sight in the audit trail too.
        register_private_fields(
            "suggestions.suggestion",
            {"name", "phone", "email", "client_hash"},
            "suggestions.view_contact",
        )
