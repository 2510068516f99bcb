"""The `suggestions` generator of `campaigndesk scale`: public suggestions in bulk.

A million suggestions load in minutes: rows are drawn as plain tuples and written with
`insert_rows` (COPY on PostgreSQL, executemany on SQLite) under ids reserved up front,
with no model instances, signals, actions or per-row audit records (the command writes
one audit record for the whole load).

The stream is deterministic for a seed: suggestion number n is the same whatever count
is asked for, so `--suggestions 500` after `--suggestions 300` adds 200. It is drawn
against the units below the root, the campaign (the demo's when it is loaded, else the
first, else one made for the seed), its categories and calendar, the ledger tasks that
came from suggestions, and the day (`clock.today()`, within the campaign's dates).

What the rows look like:

- titles and texts in Chinese, composed from subjects (housing, heating, transport,
  schools, business permits, ...) × the names of the units below the root (district,
  street, town) × ways of asking, so they vary enough for duplicate detection and
  clustering, and about one in ten repeats an earlier suggestion with small changes
  (as people do): a share of near-duplicates;
- states in realistic proportions at the reference day, each with the dates its story
  reached (routed, accepted, answered, rated), answer deadlines on the campaign's
  working-day calendar, lateness, the warning light the scan would give, who answered
  and who endorsed (the unit's liaison and head, when it has them), publication;
- adopted answers only where a ledger task from a suggestion is there to link to (a
  task is opened by the adoption, so an adopted answer without one would be a lie);
- unique tracking numbers (`JY181203-` and nine characters that encode the seed and
  the number) and one secret code for all of them (`SCALE_CODE`, hashed once), so load
  tests can track any of them.

The seed's rows carry `client_hash = "scale:<seed>"`: that is how a later run finds them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign, CampaignStatus, ReportingCycle, WorkCalendar
from campaigndesk.demo.dalian_campaign import CAMPAIGN_CODE as DEMO_CAMPAIGN
from campaigndesk.demo.names import NameMaker
from campaigndesk.demo.scale import ScaleContext, insert_rows, register_generator, reserve_ids
from campaigndesk.ledger.workdays import Workdays, for_campaign
from campaigndesk.org.models import Role, RoleGrant, Unit, UnitKind

from .intake import CODE_ALPHABET, hash_code
from .models import AWAITING_ANSWER, Category, Channel, Outcome, Status, Suggestion, Verdict
from .scale_phrases import (
    ANSWERED_BY,
    ANSWERS,
    ASKING,
    CATEGORIES,
    CLOSINGS,
    OPENERS,
    OUT_OF_SCOPE_NOTE,
    OUT_OF_SCOPE_TEXTS,
    PLEAS,
    SPAM_TEXTS,
    SUBJECTS,
)

SCALE_CODE = "SCALE-DEMO"  # the secret code of every generated suggestion
NOT_ANSWERING = (UnitKind.CITY, UnitKind.LEADING_GROUP, UnitKind.OFFICE)
DISTRICT_KINDS = (UnitKind.DISTRICT, UnitKind.COUNTY, UnitKind.ZONE)
ONE_DAY = dt.timedelta(days=1)
NEAR_DUPLICATE_SHARE = 0.1
RECENT = 2000  # near-duplicates repeat one of this many earlier suggestions

# Final state, weight, the steps its story reaches.
STATES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    (Status.RECEIVED, 5, ()),
    (Status.ROUTED, 6, ("route",)),
    (Status.ACCEPTED, 12, ("route", "accept")),
    (Status.PENDING_ENDORSEMENT, 5, ("route", "accept", "draft")),
    (Status.ANSWERED, 25, ("route", "accept", "draft", "endorse")),
    (Status.CLOSED, 30, ("route", "accept", "draft", "endorse", "rate")),
    (Status.REOPENED, 2, ("route", "accept", "draft", "endorse", "rate")),
    (Status.DUPLICATE, 6, ("dismiss",)),
    (Status.OUT_OF_SCOPE, 3, ("dismiss",)),
    (Status.SPAM, 3, ("dismiss",)),
    (Status.WITHDRAWN, 3, ("withdraw",)),
)
# Open suggestions arrived within this many days of the reference day (most of them).
RECENT_DAYS = {
    Status.RECEIVED: 4,
    Status.ROUTED: 12,
    Status.ACCEPTED: 25,
    Status.PENDING_ENDORSEMENT: 35,
}
# Working days each step takes after the one before (drawn from these).
ROUTE_DAYS = (1, 1, 1, 2, 2, 3)
ACCEPT_DAYS = (0, 0, 1, 1, 2, 3, 5)
DRAFT_DAYS = (2, 3, 3, 4, 5, 5, 6, 7, 8, 9, 10, 11, 12, 14, 17)
ENDORSE_DAYS = (0, 0, 1, 1, 2, 4)
RATE_DAYS = (1, 2, 3, 5, 8)
OUTCOMES = (Outcome.ADOPTED, Outcome.REFERENCE, Outcome.EXPLAINED, Outcome.NOT_ADOPTED)
OUTCOME_WEIGHTS = (15, 35, 35, 15)
CHANNELS = (Channel.WEB, Channel.API, Channel.PAPER, Channel.MEETING, Channel.HOTLINE)
CHANNEL_WEIGHTS = (80, 5, 6, 5, 4)

COLUMNS = (
    "id",
    "campaign_id",
    "tracking_number",
    "secret_hash",
    "title",
    "body",
    "category_id",
    "key_task_id",
    "district_id",
    "name",
    "phone",
    "email",
    "channel",
    "source_note",
    "client_hash",
    "status",
    "unit_id",
    "unit_path",
    "routed_at",
    "accepted_at",
    "answer_due",
    "outcome",
    "answer",
    "task_deadline",
    "answered_by_id",
    "endorsed_by_id",
    "answered_at",
    "answered_late",
    "light",
    "reminder_count",
    "task_id",
    "duplicate_of_id",
    "status_note",
    "verdict",
    "verdict_comment",
    "verdict_at",
    "is_published",
    "published_at",
    "is_outstanding",
    "support_count",
    "created_at",
    "updated_at",
    "version",
)
CO_UNIT_COLUMNS = ("suggestion_id", "unit_id")
VERDICT_WEIGHTS = ((Verdict.SATISFIED, 65), (Verdict.BASIC, 30), (Verdict.NOT_SATISFIED, 5))


def marker(seed: int) -> str:
    """The client_hash of this seed's rows (real ones are 32 hex digits)."""
    return f"scale:{seed}"


def _b32(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        chars.append(CODE_ALPHABET[digit])
    return "".join(reversed(chars))


def tracking_number(seed: int, index: int, day: dt.date) -> str:
    """Unique per (seed mod 32768, index < 2**30), and longer than the 5 characters real
    numbers have after the dash. The index is scrambled (an odd multiplier is a bijection
    modulo 2**30) so that numbers do not run in sequence."""
    mixed = (index * 0x2545F491 + 0x1B873593) % (1 << 30)
    return f"JY{day:%y%m%d}-{_b32((seed * 2654435761) % 32768, 3)}{_b32(mixed, 6)}"


_NUMBER = re.compile(r"\{n:(\d+)-(\d+)\}")


def _numbers(randint: Any, text: str) -> str:
    """Replace each {n:lo-hi} with a number between lo and hi."""
    if "{n:" not in text:
        return text
    return _NUMBER.sub(lambda m: str(randint(int(m[1]), int(m[2]))), text)


# --- what the stream is drawn against ------------------------------------------------------


@dataclass
class _Unit:
    pk: int
    path: str
    label: str
    liaison: int | None
    head: int | None


@dataclass
class _Setting:
    campaign: Campaign
    units: list[_Unit]
    tops: list[int]  # positions of units right below the root
    places: list[tuple[str, int, int]]  # (name, unit position, its district's position)
    answerers: list[list[int]]  # per subject: positions of the units that answer it
    districts: list[int]
    categories: dict[str, int]
    key_tasks: list[int]
    tasks: list[tuple[int, int, dt.date]]  # ledger tasks from suggestions: (id, unit id, start)
    unit_index: dict[int, int]
    start: dt.date
    ref: dt.date
    workdays: Workdays


def _setting(ctx: ScaleContext, made: dict[str, int]) -> _Setting | None:
    """The units, campaign, categories and tasks the stream is drawn against."""
    rows = list(
        Unit.objects.subtree_of(ctx.root)
        .exclude(kind__in=NOT_ANSWERING)
        .filter(is_active=True)
        .order_by("code")
        .values_list("pk", "path", "short_name_zh", "name_zh", "kind", "parent_id")
    )
    if not rows:
        return None
    people: dict[tuple[int, str], int] = {}
    grants = RoleGrant.objects.filter(
        role__in=(Role.LIAISON, Role.UNIT_HEAD), unit__path__startswith=ctx.root.path
    ).order_by("-user_id")
    for unit_id, role, user_id in grants.values_list("unit_id", "role", "user_id"):
        people[(unit_id, role)] = user_id  # the first person of each unit and role wins
    units = [
        _Unit(
            pk,
            path,
            short or name,
            people.get((pk, Role.LIAISON)),
            people.get((pk, Role.UNIT_HEAD)),
        )
        for pk, path, short, name, _kind, _parent in rows
    ]
    district_of: dict[int, int] = {}
    for pk, _path, _short, _name, kind, parent in rows:  # parents come before children
        if kind in DISTRICT_KINDS:
            district_of[pk] = pk
        elif parent in district_of:
            district_of[pk] = district_of[parent]
    # Where people say the problem is: the districts, counties and zones and the units
    # below them (name, position of the unit, position of its district).
    position = by_pk = {u.pk: i for i, u in enumerate(units)}
    places = [
        (u.label, i, position[district_of[u.pk]])
        for i, u in enumerate(units)
        if u.pk in district_of
    ]
    tops = [i for i, row in enumerate(rows) if row[5] == ctx.root.pk]
    answerers = []
    for subject in SUBJECTS:
        words, _local = ANSWERED_BY.get(subject.core, ((), False))
        found = [i for i in tops if any(w in rows[i][3] for w in words)]
        answerers.append(found or tops or list(range(len(units))))
    campaign = _campaign(ctx, made)
    today = clock.today()
    categories = _categories(campaign, made)
    tasks = list(
        _linkable_tasks(campaign, ctx.seed)
        .values_list("pk", "lead_unit_id", "starts_on")
        .order_by("pk")
    )
    return _Setting(
        campaign=campaign,
        units=units,
        tops=tops,
        places=places,
        answerers=answerers,
        districts=sorted(set(district_of.values())),
        categories=categories,
        key_tasks=list(campaign.key_tasks.order_by("number").values_list("pk", flat=True)),
        tasks=[t for t in tasks if t[1] in by_pk],
        unit_index=position,
        start=campaign.starts_on,
        ref=min(max(today, campaign.starts_on), campaign.ends_on),
        workdays=for_campaign(campaign),
    )


def _linkable_tasks(campaign: Campaign, seed: int) -> Any:
    """Ledger tasks that came from a suggestion, for adopted answers to link to; not those
    another suggestion (the demo's, another seed's) is linked to already."""
    from campaigndesk.ledger.models import Source, Task

    taken = (
        Suggestion.objects.filter(task__isnull=False)
        .exclude(client_hash=marker(seed))
        .values("task_id")
    )
    return Task.objects.filter(
        campaign=campaign, source=Source.SUGGESTION, parent__isnull=True
    ).exclude(pk__in=taken)


def _campaign(ctx: ScaleContext, made: dict[str, int]) -> Campaign:
    """The demo campaign, else the first campaign, else one made for this seed."""
    campaign = (
        Campaign.objects.filter(code=DEMO_CAMPAIGN).first()
        or Campaign.objects.order_by("pk").first()
    )
    if campaign is not None:
        return Campaign.objects.select_related("calendar").get(pk=campaign.pk)
    today = clock.today()
    (calendar,) = WorkCalendar.objects.bulk_create(
        [WorkCalendar(name_zh="中国大陆工作日", name_en="Mainland China working days")]
    )
    (campaign,) = Campaign.objects.bulk_create(
        [
            Campaign(
                code=f"scale-{ctx.seed}",
                title_zh=f"规模测试专项行动（种子 {ctx.seed}）",
                title_en=f"Scale test campaign (seed {ctx.seed})",
                starts_on=today - dt.timedelta(days=60),
                ends_on=today + dt.timedelta(days=300),
                status=CampaignStatus.ACTIVE,
                calendar=calendar,
                reporting_cycle=ReportingCycle.WEEKLY,
                lead_unit=ctx.root,
                office_unit=ctx.root,
                is_public=True,
            )
        ]
    )
    made["campaigns"] = made.get("campaigns", 0) + 1
    return Campaign.objects.select_related("calendar").get(pk=campaign.pk)


def _categories(campaign: Campaign, made: dict[str, int]) -> dict[str, int]:
    existing = dict(Category.objects.filter(campaign=campaign).values_list("code", "pk"))
    missing = [
        Category(campaign=campaign, code=code, name_zh=zh, name_en=en, sort_order=i * 10)
        for i, (code, zh, en) in enumerate(CATEGORIES, 1)
        if code not in existing
    ]
    if missing:
        Category.objects.bulk_create(missing)
        made["categories"] = made.get("categories", 0) + len(missing)
        existing = dict(Category.objects.filter(campaign=campaign).values_list("code", "pk"))
    return existing


# --- the stream ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    """One drawn suggestion; `values` are in COLUMNS order without the id."""

    index: int
    values: list[Any]
    dup_of: int | None  # index of the suggestion it repeats
    co_unit: int | None


class _Drawer:
    def __init__(self, seed: int, s: _Setting) -> None:
        self.seed, self.s = seed, s
        self.rng = random.Random(f"campaigndesk.scale.suggestions:{seed}")
        self.random = self.rng.random  # the fast primitive: every draw below is built on it
        self.state_cum = list(itertools.accumulate(w for _st, w, _steps in STATES))
        self.outcome_cum = list(itertools.accumulate(OUTCOME_WEIGHTS))
        self.channel_cum = list(itertools.accumulate(CHANNEL_WEIGHTS))
        self.verdicts = [v for v, _w in VERDICT_WEIGHTS]
        self.verdict_cum = list(itertools.accumulate(w for _v, w in VERDICT_WEIGHTS))
        self.prefix = _b32((seed * 2654435761) % 32768, 3)
        names = NameMaker(random.Random(f"campaigndesk.scale.suggestions.names:{seed}"))
        self.names = [names.person() for _ in range(4000)]
        self.tz = timezone.get_current_timezone()
        self.secret = hash_code(SCALE_CODE)  # once for all rows
        self.marker = marker(seed)
        self.days = [s.start + ONE_DAY * i for i in range((s.ref - s.start).days + 1)]
        self.states = [st for st, _w, _steps in STATES]
        self.steps = {st: steps for st, _w, steps in STATES}
        self.recent: list[tuple[int, str, str, int]] = []  # (index, title, body, subject)
        self.next_task = 0
        c = s.campaign
        self.limit = c.answer_limit_days
        self.window = c.warning_window_days
        self.window_end = s.workdays.add(s.ref, self.window + 1)
        self.category_of = [s.categories.get(sub.category) for sub in SUBJECTS]
        self.add_cache: dict[tuple[dt.date, int], dt.date] = {}

    def add(self, day: dt.date, n: int) -> dt.date:
        key = (day, n)
        found = self.add_cache.get(key)
        if found is None:
            found = self.add_cache[key] = self.s.workdays.add(day, n)
        return found

    def at(self, day: dt.date, hour: int, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)

    def stream(self) -> Iterator[_Row]:
        index = 0
        while True:
            yield self.draw(index)
            index += 1

    def pick(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]

    def randint(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def randrange(self, n: int) -> int:
        return int(self.random() * n)

    def draw(self, index: int) -> _Row:
        s = self.s
        r, pick, randrange = self.random, self.pick, self.randrange
        status = self.states[bisect.bisect(self.state_cum, r() * self.state_cum[-1])]
        steps = self.steps[status]
        task = None
        outcome = ""
        if "draft" in steps:
            outcome = OUTCOMES[bisect.bisect(self.outcome_cum, r() * self.outcome_cum[-1])]
            if outcome == Outcome.ADOPTED and "endorse" in steps:
                if self.next_task < len(s.tasks):
                    task = s.tasks[self.next_task]
                    self.next_task += 1
                else:
                    outcome = Outcome.REFERENCE  # no task to link the adoption to
        # The text: mostly new, sometimes a repeat of a recent one, lightly changed.
        dup_of = None
        if self.recent and r() < NEAR_DUPLICATE_SHARE:
            original, title, body, subject_no, where = pick(self.recent)
            if status == Status.DUPLICATE:
                dup_of = original
            title = title + pick(("", "（再次反映）", "，望尽快解决"))
            body = pick(OPENERS) + body
        elif status == Status.SPAM:
            title, body = pick(SPAM_TEXTS)
            subject_no, where = -1, None
        elif status == Status.OUT_OF_SCOPE:
            title, body = pick(OUT_OF_SCOPE_TEXTS)
            subject_no, where = -1, None
        else:
            subject_no = randrange(len(SUBJECTS))
            subject = SUBJECTS[subject_no]
            where = pick(s.places) if s.places else None
            place = where[0] if where else "我市"
            title = pick(subject.titles).replace("{place}", place)
            # "的建议" and "问题亟待解决" follow a subject, not a request or a question.
            plea = title.startswith("建议") or "能否" in title or "什么时候" in title
            title += pick(PLEAS if plea else ASKING)
            body = (
                pick(OPENERS)
                + _numbers(self.randint, pick(subject.problems).replace("{place}", place))
                + pick(subject.proposals)
                + pick(CLOSINGS)
            )
        if status == Status.DUPLICATE and dup_of is None:
            if self.recent:
                dup_of = pick(self.recent)[0]
            else:
                status, steps = Status.RECEIVED, ()
        if subject_no >= 0 and status != Status.DUPLICATE:
            self.recent.append((index, title[:120], body, subject_no, where))
            if len(self.recent) > RECENT:
                self.recent.pop(randrange(RECENT))
        return self._dated(
            index, status, steps, title[:120], body, subject_no, where, outcome, task, dup_of
        )

    def _dated(
        self,
        index: int,
        status: str,
        steps: tuple[str, ...],
        title: str,
        body: str,
        subject_no: int,
        where: tuple[str, int, int] | None,
        outcome: str,
        task: tuple[int, int, dt.date] | None,
        dup_of: int | None,
    ) -> _Row:
        s = self.s
        r, pick, randint, randrange = self.random, self.pick, self.randint, self.randrange
        route = pick(ROUTE_DAYS)
        accept = pick(ACCEPT_DAYS)
        draft = pick(DRAFT_DAYS)
        endorse = pick(ENDORSE_DAYS)
        span = (0, route, route + accept, route + accept + draft)[min(len(steps), 3)]
        if len(steps) > 3:
            span += endorse
        if steps and steps[0] != "route":
            span = 0
        # What is still open arrived recently, save a few that have waited too long.
        recent = RECENT_DAYS.get(status)
        first = 0
        if recent is not None and (status == Status.RECEIVED or r() > 0.1):
            first = max(0, len(self.days) - recent)
        if status == Status.RECEIVED:
            span = 0
        # Working days to calendar days, roughly; the chain below is exact.
        last = max(first, len(self.days) - 1 - (span * 7) // 5 - (7 if "rate" in steps else 0))
        if task is not None:
            # The adoption's endorsement opened the task on its start day.
            endorse_day = max(task[2], s.start)
            created_day = max(s.start, endorse_day - ONE_DAY * ((span * 7) // 5 + 1))
        else:
            created_day = self.days[randint(first, last)]
        hour, created_minute = randint(7, 22), randint(0, 59)
        rate_days, close_days = pick(RATE_DAYS), pick(ROUTE_DAYS)
        self.rate_days, self.close_days = rate_days, close_days
        unit_i = None
        if task is not None:
            unit_i = s.unit_index[task[1]]
        elif steps and steps[0] == "route":
            unit_i = self._answerer(subject_no, where)
        minute = index % 60
        for _attempt in range(3):
            chain = self._chain(created_day, steps, task, route, accept, draft, endorse, minute)
            overflow = (chain[-1] - s.ref).days
            if overflow <= 0 or created_day == s.start:
                break
            created_day = max(s.start, created_day - ONE_DAY * (overflow + 1))
        routed, accepted, drafted, endorsed, rated, dismissed, day = chain[:7]
        created = self.at(created_day, hour, created_minute)
        unit = s.units[unit_i] if unit_i is not None else None
        due = self.add(routed.date(), self.limit) if routed else None
        # As the scan leaves them: a light while an answer is owed, none once answered.
        light = "none" if endorsed else "green"
        if due is not None and status in AWAITING_ANSWER:
            light = "red" if due < s.ref else "yellow" if due < self.window_end else "green"
        verdict = comment = ""
        if status == Status.REOPENED:
            verdict, comment = Verdict.NOT_SATISFIED, "答复没有具体时间表。"
        elif status == Status.CLOSED:
            verdict = self.verdicts[bisect.bisect(self.verdict_cum, r() * self.verdict_cum[-1])]
            comment = "" if verdict != Verdict.NOT_SATISFIED else "问题还没有解决。"
        answer = ""
        if outcome:
            core = SUBJECTS[subject_no].core if subject_no >= 0 else "您反映的问题"
            answer = pick(ANSWERS[outcome]).format(unit=unit.label if unit else "", core=core)
        published = bool(endorsed) and status in (Status.ANSWERED, Status.CLOSED) and r() < 0.15
        published_at = self.at(self.add(day, 2), 11, minute) if published else None
        if published_at and published_at.date() > s.ref:
            published, published_at = False, None
        channel = (
            CHANNELS[bisect.bisect(self.channel_cum, r() * self.channel_cum[-1])]
            if status != Status.SPAM
            else Channel.WEB
        )
        name = phone = email = ""
        if status != Status.SPAM:
            if r() < 0.7:
                name = pick(self.names)
            if r() < 0.5:
                phone = f"13{randrange(10**9):09d}"
            elif r() < 0.2:
                email = f"u{index}@example.com"
        co_unit = None
        if unit is not None and r() < 0.05:
            co_unit = s.units[randrange(len(s.units))].pk
            if co_unit == unit.pk:
                co_unit = None
        moments = [
            m for m in (created, routed, accepted, endorsed, rated, dismissed, published_at) if m
        ]
        district = None
        if where is not None:
            district = s.units[where[2]].pk if r() < 0.8 else None
        elif r() < 0.2 and s.districts:
            district = pick(s.districts)
        values = [
            s.campaign.pk,
            f"JY{created_day:%y%m%d}-{self.prefix}{_b32((index * 0x2545F491 + 0x1B873593) % (1 << 30), 6)}",
            self.secret,
            title,
            body,
            self.category_of[subject_no] if subject_no >= 0 and r() < 0.85 else None,
            s.key_tasks[subject_no % len(s.key_tasks)] if s.key_tasks and r() < 0.3 else None,
            district,
            name,
            phone,
            email,
            channel,
            ""
            if channel in (Channel.WEB, Channel.API)
            else f"{created_day.isoformat()} 座谈会/意见箱",
            self.marker,
            status,
            unit.pk if unit else None,
            unit.path if unit else "",
            routed if unit else None,
            accepted if unit else None,
            due if unit else None,
            outcome,
            answer,
            dt.date(s.ref.year + 1, 6, 30) if outcome == Outcome.ADOPTED else None,
            (unit.liaison if unit else None) if drafted else None,
            (unit.head if unit else None) if endorsed else None,
            endorsed,
            bool(endorsed and due and endorsed.date() > due),
            light,
            0,
            task[0] if task is not None and endorsed else None,
            None,  # duplicate_of: filled in with the id of row `dup_of`
            OUT_OF_SCOPE_NOTE if status == Status.OUT_OF_SCOPE else "",
            verdict,
            comment,
            rated,
            published,
            published_at,
            published and r() < 0.2,
            randint(0, 80) if published else 0,
            created,
            max(moments),
            len(moments),
        ]
        return _Row(index, values, dup_of if status == Status.DUPLICATE else None, co_unit)

    def _answerer(self, subject_no: int, where: tuple[str, int, int] | None) -> int:
        """Who answers: for a local matter mostly the district (or the street) named,
        else a bureau whose name fits the subject."""
        s, r = self.s, self.random
        if subject_no < 0:
            return self.pick(s.tops) if s.tops else self.randrange(len(s.units))
        local = ANSWERED_BY.get(SUBJECTS[subject_no].core, ((), False))[1]
        if local and where is not None and r() < 0.6:
            return where[1] if r() < 0.3 else where[2]
        return self.pick(s.answerers[subject_no])

    def _chain(
        self,
        created_day: dt.date,
        steps: tuple[str, ...],
        task: tuple[int, int, dt.date] | None,
        route: int,
        accept: int,
        draft: int,
        endorse: int,
        minute: int,
    ) -> list[Any]:
        """The moments of each step from `created_day`; the last item is the last day."""
        routed = accepted = drafted = endorsed = rated = dismissed = None
        day = created_day
        if "route" in steps:
            day = self.add(day, route)
            routed = self.at(day, 9, minute)
        if "accept" in steps:
            day = self.add(day, accept)
            accepted = self.at(day, 14, minute)
        if "draft" in steps:
            day = self.add(day, draft)
            drafted = day
        if "endorse" in steps:
            day = self.add(day, endorse)
            if task is not None:
                day = max(day, task[2])
            endorsed = self.at(day, 16, minute)
        if "rate" in steps:
            day = day + ONE_DAY * self.rate_days
            rated = self.at(day, 20, minute)
        if steps and steps[0] in ("dismiss", "withdraw"):
            day = self.add(day, self.close_days)
            dismissed = self.at(day, 10, minute)
        return [routed, accepted, drafted, endorsed, rated, dismissed, day]


# --- writing -------------------------------------------------------------------------------


def _adapters() -> list[tuple[int, Any]]:
    """(position in a row without its id, the backend's adapter) for date and time columns.

    The backend's own adapters turn a value into what the driver sends, without the
    checks `get_db_prep_save` runs per value (a third of the time at a million rows).
    """
    found = []
    for position, name in enumerate(COLUMNS[1:]):
        kind = Suggestion._meta.get_field(name).get_internal_type()
        if kind == "DateTimeField":
            found.append((position, connection.ops.adapt_datetimefield_value))
        elif kind == "DateField":
            found.append((position, connection.ops.adapt_datefield_value))
    return found


def _insert_adapted(
    model: Any, fields: tuple[str, ...], rows: Iterator[list[Any]], batch_size: int
) -> int:
    """`insert_rows` for rows whose values are already adapted (see `_adapters`)."""
    opts = model._meta
    qn = connection.ops.quote_name
    columns = ", ".join(qn(opts.get_field(name).column) for name in fields)
    total = 0
    with connection.cursor() as cursor:
        while batch := list(itertools.islice(rows, batch_size)):
            if connection.vendor == "postgresql":
                copy_sql = f"COPY {qn(opts.db_table)} ({columns}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(fields))
                sql = f"INSERT INTO {qn(opts.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, batch)
            total += len(batch)
    return total


@register_generator("suggestions", order=30)
def generate_suggestions(ctx: ScaleContext, count: int) -> dict[str, int]:
    """Make this seed's first `count` suggestions (skipping those made before), in bulk."""
    made: dict[str, int] = {}
    setting = _setting(ctx, made)
    if setting is None:
        ctx.say("  suggestions: no units below the root to route suggestions to")
        return made
    mine = Suggestion.objects.filter(client_hash=marker(ctx.seed))
    existing = list(mine.order_by("id").values_list("id", flat=True))
    if len(existing) >= count:
        return made
    drawer = _Drawer(ctx.seed, setting)
    ids = existing + reserve_ids(Suggestion, count - len(existing))
    first_new = len(existing)
    co_units: list[tuple[int, int]] = []
    dup_index = Suggestion._meta.get_field("duplicate_of").attname
    dup_column = COLUMNS.index(dup_index) - 1  # values have no id

    adapt = _adapters()

    def rows() -> Iterator[list[Any]]:
        stream = drawer.stream()
        for _ in range(first_new):
            next(stream)  # drawn again so that the stream stays the same
        for index in range(first_new, count):
            row = next(stream)
            values = row.values
            if row.dup_of is not None:
                values[dup_column] = ids[row.dup_of]
            if row.co_unit is not None:
                co_units.append((ids[index], row.co_unit))
            for column, convert in adapt:
                if values[column] is not None:
                    values[column] = convert(values[column])
            values.insert(0, ids[index])
            yield values

    made["suggestions"] = _insert_adapted(Suggestion, COLUMNS, rows(), ctx.batch_size)
    made["suggestion_co_units"] = insert_rows(
        Suggestion.co_units.through, CO_UNIT_COLUMNS, co_units, ctx.batch_size
    )
    ctx.say(
        f"  suggestions: {made['suggestions']} new in campaign {setting.campaign.code}, "
        f"{len(existing)} already there; {made['suggestion_co_units']} co-unit links; "
        f"{drawer.next_task} adoptions linked to ledger tasks"
    )
    return made
