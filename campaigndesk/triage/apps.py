from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "campaigndesk.triage"
    label = "triage"
    verbose_name = _("Learned triage")

    def ready(self) -> None:
        # Each part registers its hooks (queue hints, intake, rules) when present.
        from importlib import import_module
        from importlib.util import find_spec

        from campaigndesk.core import generation

        # Every submission asks for its campaign's auto-route threshold and whether a
        # model is active (hooks._threshold): kept with the reference data.
        generation.watch("triage.TriageSettings")
        generation.watch("triage.RoutingModel")

        for part in ("rules", "hooks", "dup_hooks"):
            if find_spec(f"{self.name}.{part}") is not None:
                import_module(f"{self.name}.{part}")
