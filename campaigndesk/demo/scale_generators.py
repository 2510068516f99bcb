"""The `units` generator: a synthetic unit tree under the city, with people and grants.

The tree is produced as a stream from the seed: a top-level unit (district, county,
zone or municipal bureau) followed by its sub-units (street offices and their
communities, towns and villages, divisions, zone departments), then the next top-level
unit. Unit number n is therefore the same whatever count is asked for, so
`--units 500` after `--units 300` with the same seed adds 200 units and changes none.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from django.utils import timezone

from campaigndesk.org.models import Role, RoleGrant, Unit, UnitKind, User

from .names import BUREAUS, DIVISIONS, ZONE_DEPARTMENTS, NameMaker
from .scale import ScaleContext, insert_rows, register_generator, reserve_ids

TOP_SORT_BASE = 10_000  # after the hand-made units, whose sort orders stay below it


@dataclass(frozen=True)
class PlannedUnit:
    index: int  # 1, 2, 3 ... in stream order; 0 is the root
    parent: int
    kind: str
    name_zh: str
    name_en: str
    short_name_zh: str
    sort_order: int


def plan_units(seed: int) -> Iterator[PlannedUnit]:
    """The endless, deterministic stream of units for `seed`, parents before children."""
    rng = random.Random(f"campaigndesk.scale.units:{seed}")
    names = NameMaker(rng)
    top_names: set[str] = set()
    bureaus = list(BUREAUS)
    rng.shuffle(bureaus)
    counter = 0
    top_number = 0

    def unit(parent: int, kind: str, zh: str, en: str, short: str, order: int) -> PlannedUnit:
        nonlocal counter
        counter += 1
        return PlannedUnit(counter, parent, kind, zh, en, short, order)

    while True:
        top_number += 1
        order = TOP_SORT_BASE + top_number * 10
        weights = {"district": 30, "county": 15, "zone": 10, "bureau": 45 if bureaus else 0}
        choice = rng.choices(list(weights), weights=list(weights.values()))[0]
        if choice == "bureau":
            zh, en = bureaus.pop()
            top = unit(0, UnitKind.BUREAU, zh, en, zh, order)
            yield top
            for n, (div_zh, div_en) in enumerate(rng.sample(DIVISIONS, rng.randint(2, 6)), 1):
                yield unit(
                    top.index, UnitKind.SUBUNIT, zh + div_zh, f"{div_en}, {en}", div_zh, n * 10
                )
            continue
        place_zh, place_en = names.place(top_names)
        if choice == "zone":
            industrial = rng.random() < 0.4
            suffix_zh, suffix_en = (
                ("工业园区", "Industrial Park")
                if industrial
                else ("经济开发区", "Economic Development Zone")
            )
            zh, en = place_zh + suffix_zh, f"{place_en} {suffix_en}"
            top = unit(0, UnitKind.ZONE, zh, en, zh, order)
            yield top
            depts = rng.sample(ZONE_DEPARTMENTS, rng.randint(3, 6))
            for n, (dept_zh, dept_en) in enumerate(depts, 1):
                yield unit(
                    top.index, UnitKind.SUBUNIT, zh + dept_zh, f"{dept_en}, {en}", dept_zh, n * 10
                )
            continue
        if choice == "district":
            zh, en = place_zh + "区", f"{place_en} District"
            kind = UnitKind.DISTRICT
            child = ("街道", "Street Office")
            grandchild = ("社区", "Community")
        else:
            city = rng.random() < 0.5
            zh, en = (
                (place_zh + "市", f"{place_en} City")
                if city
                else (
                    place_zh + "县",
                    f"{place_en} County",
                )
            )
            kind = UnitKind.COUNTY
            child = ("镇", "Town")
            grandchild = ("村", "Village")
        top = unit(0, kind, zh, en, zh, order)
        yield top
        child_names: set[str] = set()
        for n in range(1, rng.randint(4, 10) + 1):
            c_zh, c_en = names.place(child_names)
            sub = unit(
                top.index,
                UnitKind.SUBUNIT,
                f"{zh}{c_zh}{child[0]}",
                f"{c_en} {child[1]}, {en}",
                c_zh + child[0],
                n * 10,
            )
            yield sub
            grand_names: set[str] = set()
            for m in range(1, rng.randint(0, 5) + 1):
                g_zh, g_en = names.place(grand_names)
                yield unit(
                    sub.index,
                    UnitKind.SUBUNIT,
                    f"{c_zh}{child[0]}{g_zh}{grandchild[0]}",
                    f"{g_en} {grandchild[1]}, {c_en} {child[1]}",
                    g_zh + grandchild[0],
                    m * 10,
                )


# Who each generated unit gets, in order; more than two people repeat the liaison.
PEOPLE_ROLES: tuple[tuple[str, str, str], ...] = (
    ("liaison", Role.LIAISON, "联络员"),
    ("head", Role.UNIT_HEAD, "主要负责人"),
)


def _person_slot(k: int) -> tuple[str, str, str]:
    if k < len(PEOPLE_ROLES):
        return PEOPLE_ROLES[k]
    return (f"liaison{k}", Role.LIAISON, "联络员")


UNIT_COLUMNS = (
    "id",
    "code",
    "name_zh",
    "name_en",
    "short_name_zh",
    "kind",
    "parent_id",
    "path",
    "depth",
    "sort_order",
    "is_active",
)
USER_COLUMNS = (
    "id",
    "password",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "full_name",
    "unit_id",
    "title",
    "phone",
)
GRANT_COLUMNS = ("user_id", "unit_id", "role", "granted_at")


@register_generator("units", order=10)
def generate_units(ctx: ScaleContext, count: int) -> dict[str, int]:
    """Make this seed's first `count` units (skipping those made before) and their people."""
    planned = list(islice(plan_units(ctx.seed), count))
    existing = {
        code: (pk, path, depth)
        for code, pk, path, depth in Unit.objects.filter(
            code__startswith=ctx.unit_code_prefix
        ).values_list("code", "pk", "path", "depth")
    }
    placed: dict[int, tuple[int, str, int]] = {0: (ctx.root.pk, ctx.root.path, ctx.root.depth)}
    new: list[PlannedUnit] = []
    for p in planned:
        found = existing.get(ctx.unit_code(p.index))
        if found:
            placed[p.index] = found
        else:
            new.append(p)

    rows = []
    for p, pk in zip(new, reserve_ids(Unit, len(new)), strict=True):
        parent_pk, parent_path, parent_depth = placed[p.parent]
        path = Unit.path_for(pk, parent_path)
        placed[p.index] = (pk, path, parent_depth + 1)
        rows.append(
            (
                pk,
                ctx.unit_code(p.index),
                p.name_zh,
                p.name_en,
                p.short_name_zh,
                p.kind,
                parent_pk,
                path,
                parent_depth + 1,
                p.sort_order,
                True,
            )
        )
    insert_rows(Unit, UNIT_COLUMNS, rows, ctx.batch_size)
    if rows:
        ctx.say(f"  units: {len(rows)} new, {len(planned) - len(rows)} already there")

    people, grants = _people_for(ctx, planned, placed)
    return {"units": len(rows), "people": people, "grants": grants}


def _people_for(
    ctx: ScaleContext, planned: list[PlannedUnit], placed: dict[int, tuple[int, str, int]]
) -> tuple[int, int]:
    """`people_per_unit` people for each unit, skipping usernames already taken."""
    if ctx.people_per_unit <= 0 or not planned:
        return 0, 0
    taken = set(
        User.objects.filter(username__startswith=f"scale-{ctx.seed}-u").values_list(
            "username", flat=True
        )
    )
    wanted: list[tuple[PlannedUnit, int]] = []
    for p in planned:
        for k in range(ctx.people_per_unit):
            if ctx.username(p.index, _person_slot(k)[0]) not in taken:
                wanted.append((p, k))
    if not wanted:
        return 0, 0
    now = timezone.now()
    users = []
    grants = []
    for (p, k), pk in zip(wanted, reserve_ids(User, len(wanted)), strict=True):
        suffix, role, title = _person_slot(k)
        # One small stream per person: names stay the same whatever else is asked for.
        rng = random.Random(f"campaigndesk.scale.people:{ctx.seed}:{p.index}:{k}")
        unit_pk = placed[p.index][0]
        username = ctx.username(p.index, suffix)
        users.append(
            (
                pk,
                ctx.password_hash,
                False,
                username,
                "",
                "",
                "",
                False,
                True,
                now,
                NameMaker(rng).person(),
                unit_pk,
                title,
                "",
            )
        )
        grants.append((pk, unit_pk, str(role), now))
    insert_rows(User, USER_COLUMNS, users, ctx.batch_size)
    insert_rows(RoleGrant, GRANT_COLUMNS, grants, ctx.batch_size)
    ctx.say(f"  people: {len(users)} new, each with a role grant on their unit")
    return len(users), len(grants)
