from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from campaigndesk.demo.loader import load_demo

from .demo import describe


class Command(BaseCommand):
    help = (
        "Load the Dalian 2018 demo (units, people, the campaign with its phases and key "
        "tasks) through the audited actions. Does nothing when it is already loaded."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(describe(load_demo()))
