from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from campaigndesk.audit import trail
from campaigndesk.campaigns.models import Campaign
from campaigndesk.org import access
from campaigndesk.org.models import User
from campaigndesk.suggestions import importing

AUDIT_SOURCE = "command:import_suggestions"


class Command(BaseCommand):
    help = (
        "Import suggestions gathered offline (on paper, at meetings, by the hotline) from an "
        ".xlsx file, all or nothing: every row is checked first and each problem is listed "
        "by row and column; only a clean file is written, in one transaction, as the office "
        "person named by --user. --dry-run checks and writes nothing. --template OUT writes "
        "the empty template instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="The .xlsx file to import.")
        parser.add_argument("--campaign", required=True, metavar="CODE", help="Campaign code.")
        parser.add_argument(
            "--user", metavar="USERNAME", help="The office person the import is made as."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument("--template", metavar="OUT", help="Write the template to OUT.")
        parser.add_argument(
            "--lang",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Language of the report (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = Campaign.objects.filter(code=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"There is no campaign with the code {options['campaign']!r}.")
        with translation.override(options["lang"]):
            if options["template"]:
                Path(options["template"]).write_bytes(importing.build_template(campaign))
                self.stdout.write(f"Template written to {options['template']}.")
                return
            if not options["file"]:
                raise CommandError("Name the .xlsx file to import (or --template OUT).")
            self._import(campaign, options)

    def _import(self, campaign: Campaign, options: dict[str, Any]) -> None:
        if not options["user"]:
            raise CommandError("Name the office person the import is made as: --user USERNAME.")
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"There is no active person with the username {options['user']!r}.")
        if not access.can(actor, "suggestions.triage"):
            raise CommandError(f"{actor.username} is not in the office: only the office imports.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        with path.open("rb") as handle:
            upload = File(handle, name=path.name)
            if options["dry_run"]:
                report = importing.validate(upload, campaign)
                self._fail_on(report)
                self.stdout.write(
                    f"{report.rows} rows checked, no problems found. Nothing was written (--dry-run)."
                )
                return
            try:
                with trail.source(AUDIT_SOURCE):
                    result = importing.import_rows(actor, upload, campaign)
            except PermissionDenied:
                raise CommandError(f"{actor.username} may not import suggestions.") from None
        if isinstance(result, importing.ImportReport):
            self._fail_on(result)
        self.stdout.write(f"{result} suggestions imported into {campaign.code}.")

    def _fail_on(self, report: importing.ImportReport) -> None:
        if report.ok:
            return
        for line in report.lines():
            self.stdout.write(line)
        raise CommandError(
            f"Nothing was imported: {len(report.problems)} problem(s) in {report.rows} rows."
        )
