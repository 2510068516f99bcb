from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigndesk import clock
from campaigndesk.api import actions
from campaigndesk.audit import trail
from campaigndesk.org import access
from campaigndesk.org.models import User


class Command(BaseCommand):
    help = (
        "Issue an API token for a person and print its key once: it is not stored and "
        "cannot be shown again. Scripts send it as `Authorization: Bearer <key>`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="Whose token it is.")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--days", type=int, default=None, help="Expire after this many days (default: never)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no person with user name {options['username']!r}.")
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days must be 1 or more.")
        expires_at = clock.now() + dt.timedelta(days=days) if days else None
        with trail.source("command:issue_token"):
            try:
                token, key = actions.issue_token(
                    access.SYSTEM, user, options["name"], expires_at=expires_at
                )
            except PermissionDenied:
                raise CommandError(
                    f"{user.username} is deactivated: a token would not work."
                ) from None
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"Token {token.key_prefix}… for {user.username} ({token.name}).")
        if expires_at:
            self.stdout.write(f"It expires at {expires_at.isoformat()}.")
        self.stdout.write("The key is shown this once; keep it secret:")
        self.stdout.write(key)
