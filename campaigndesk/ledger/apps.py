from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "campaigndesk.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from campaigndesk.core import generation

        from . import figures, hooks, rules  # noqa: F401  (access rules, plan hooks, figure stamps)

        # The list shows a person's saved filters on every page: kept with the rest.
        generation.watch("ledger.SavedFilter")
