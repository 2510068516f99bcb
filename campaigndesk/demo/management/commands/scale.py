from __future__ import annotations

import argparse
import time
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from campaigndesk.audit import trail
from campaigndesk.audit.models import Verb
from campaigndesk.demo import scale
from campaigndesk.demo.dalian_units import CITY
from campaigndesk.org import access
from campaigndesk.org.models import Unit

AUDIT_SOURCE = "command:scale"


def count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def positive(text: str) -> int:
    value = count(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


class Command(BaseCommand):
    help = (
        "Make deterministic synthetic data for load tests: a unit tree with people and role "
        "grants under the city, and (once their capabilities exist) tasks and suggestions. "
        "The same --seed always gives the same names and codes; running again with the same "
        "seed adds only what is missing. Writes in bulk with one audit record for the load."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        scale.discover()
        for name in scale.offered_names():
            note = ""
            if scale.get_generator(name) is None:
                note = f" No generator yet: it arrives with {scale.PLANNED.get(name, name)}."
            parser.add_argument(
                f"--{name}",
                type=count,
                metavar="N",
                help=f"How many {name} this seed should have in all.{note}",
            )
        parser.add_argument(
            "--seed", type=count, default=2018, help="Seed of the generators (default 2018)."
        )
        parser.add_argument(
            "--people-per-unit",
            type=count,
            default=2,
            metavar="K",
            help="People per generated unit: a liaison, a unit head, then more liaisons "
            "(default 2).",
        )
        parser.add_argument(
            "--password",
            help="One password for every generated person (hashed once). Without it they "
            "cannot sign in.",
        )
        parser.add_argument(
            "--root",
            metavar="CODE",
            help=f"Code of the unit to build under (default {CITY}, or the only top-level unit).",
        )
        parser.add_argument(
            "--batch-size", type=positive, default=scale.BATCH_SIZE, help="Rows per insert."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        asked = {
            name: options[name.replace("-", "_")]
            for name in scale.offered_names()
            if options.get(name.replace("-", "_")) is not None
        }
        if not asked:
            names = ", ".join(f"--{n}" for n in scale.offered_names())
            raise CommandError(f"Say what to make with {names}, e.g. --units 300.")
        self._check_generators(asked)
        root = _root(options.get("root"))
        password = options.get("password")
        ctx = scale.ScaleContext(
            seed=options["seed"],
            root=root,
            people_per_unit=options["people_per_unit"],
            password_hash=make_password(password or None),
            batch_size=options["batch_size"],
            stdout=self.stdout,
            options=options,
        )
        started = time.monotonic()
        created: dict[str, int] = {}
        with trail.source(AUDIT_SOURCE), transaction.atomic():
            # A second run at the same time waits here, then finds this one's rows.
            Unit.objects.select_for_update().filter(pk=root.pk).first()
            for reg in scale.registered():
                wanted = asked.get(reg.name)
                if not wanted:
                    continue
                t0 = time.monotonic()
                self.stdout.write(f"{reg.name}: making up to {wanted} (seed {ctx.seed}) ...")
                for kind, n in reg.fn(ctx, wanted).items():
                    created[kind] = created.get(kind, 0) + n
                self.stdout.write(f"{reg.name}: done in {time.monotonic() - t0:.2f} s")
            if any(created.values()):
                trail.record(
                    access.SYSTEM,
                    Verb.ACTION,
                    root,
                    action="demo.scale",
                    after={"seed": ctx.seed, "requested": asked, "created": created},
                )
        made = ", ".join(f"{n} {kind}" for kind, n in created.items() if n) or "nothing new"
        self.stdout.write(
            f"Scale data under {root.code} (seed {ctx.seed}): {made}, "
            f"in {time.monotonic() - started:.2f} s."
        )

    def _check_generators(self, asked: dict[str, int]) -> None:
        for name, n in asked.items():
            if scale.get_generator(name) is not None:
                continue
            where = scale.PLANNED.get(name, "its capability")
            if n:
                raise CommandError(
                    f"Cannot make {n} {name}: no generator for {name} is registered yet. "
                    f"It lands with {where}."
                )
            self.stdout.write(
                f"No generator for {name} is registered yet (it lands with {where}); "
                f"nothing to do for --{name} 0."
            )


def _root(code: str | None) -> Unit:
    if code:
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(f"There is no unit with the code {code!r}.")
        return unit
    unit = Unit.objects.filter(code=CITY).first()
    if unit is not None:
        return unit
    tops = list(Unit.objects.filter(parent__isnull=True)[:2])
    if len(tops) == 1:
        return tops[0]
    raise CommandError(
        "No unit to build under: load the demo first (campaigndesk load_demo) "
        "or name one with --root CODE."
    )
