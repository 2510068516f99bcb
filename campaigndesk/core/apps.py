from typing import Any

from django.apps import AppConfig, apps
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "campaigndesk.core"
    label = "core"

    def ready(self) -> None:
        from . import generation

        # After every migrate: a migration that rebuilds a table on SQLite drops its triggers.
        post_migrate.connect(_install_generation, sender=self, dispatch_uid="core-generation")
        request_started.connect(generation.begin_request, dispatch_uid="core-generation-begin")
        request_finished.connect(generation.end_request, dispatch_uid="core-generation-end")
        for label in generation.WATCHED_MODELS:
            generation.connect_signals(apps.get_model(label))


def _install_generation(using: str = "default", **kwargs: Any) -> None:
    from . import generation

    generation.install(using)
