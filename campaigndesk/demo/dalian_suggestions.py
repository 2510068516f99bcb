"""The Dalian demo's public suggestions ("I offer a good plan for the development of
Dalian"), as they stood on 20 December 2018.

`build_suggestions(campaign)` adds the campaign's categories and about 330 suggestions
submitted between 22 November and 20 December 2018, in Chinese and some in English,
in every state: waiting for triage, routed, being handled, answers awaiting the unit
head, answered (some late), rated (some not satisfied and reopened, some of those
closed by the office), adopted ones with their ledger tasks, duplicates, out of scope,
spam, withdrawn, published and outstanding ones, and some gathered offline.

Two kinds of writing, so that the load stays fast (each action costs a few
milliseconds, and the demo should load in seconds):

- about seventy suggestions are played through the real intake and actions, with the
  clock frozen at each moment, in the order things happened: their audit history is
  what the product would have recorded, and every adoption opens its ledger task;
- the rest are written in one `bulk_create`, in the state their story reached, with
  consistent dates (answer deadlines on the campaign's working-day calendar, lateness,
  lights, who answered and endorsed) and one audit record for the lot. None of them is
  an adopted answer, since only the unit head's endorsement opens a ledger task.

Everything is drawn from one seeded random stream, so the content, dates and states are
the same on every load (tracking numbers of the played suggestions come from intake).
It runs inside `load_demo()`'s transaction and audit source, after the ledger.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.audit.models import Verb
from campaigndesk.campaigns.models import Campaign
from campaigndesk.core import writes
from campaigndesk.ledger.lights import refresh_lights as refresh_task_lights
from campaigndesk.ledger.workdays import for_campaign
from campaigndesk.org import access
from campaigndesk.org.models import Role, RoleGrant, Unit, User
from campaigndesk.suggestions import actions, intake
from campaigndesk.suggestions.models import (
    AWAITING_ANSWER,
    Category,
    Channel,
    Outcome,
    Status,
    Suggestion,
    Verdict,
)

from . import dalian_suggestions_data as data
from .dalian_suggestions_topics import CITY, ENGLISH
from .names import NameMaker
from .people import local, unit_person

SEED = "campaigndesk.demo.suggestions:2018"
FIRST_DAY = dt.date(2018, 11, 22)  # the mobilisation meeting
LAST_DAY = dt.date(2018, 12, 19)  # the last day anything happened before the demo day
DEMO_DAY = dt.date(2018, 12, 20)  # the day the demo's clock runs from (make demo)
CLIENT = "demo"
TOPICS = data.ECONOMY + CITY + ENGLISH

# Final state -> (how many, how many of them are played through the actions).
PLAN: tuple[tuple[str, int, int], ...] = (
    (Status.RECEIVED, 24, 6),
    (Status.ROUTED, 26, 5),
    (Status.ACCEPTED, 40, 5),
    (Status.PENDING_ENDORSEMENT, 22, 5),
    (Status.ANSWERED, 70, 16),
    (Status.CLOSED, 80, 16),
    (Status.REOPENED, 8, 4),
    (Status.DUPLICATE, 28, 5),
    (Status.OUT_OF_SCOPE, 14, 3),
    (Status.SPAM, 10, 2),
    (Status.WITHDRAWN, 10, 3),
)
ENGLISH_SHARE = 0.12
OFFLINE_SHARE = 0.12
API_SHARE = 0.03
LATE_SHARE = 0.12  # of answers endorsed, those that came after the deadline
PUBLISHED_SHARE = 0.4  # of answered and closed suggestions
OUTSTANDING_SHARE = 0.25  # of published ones
TASK_DEADLINES = (dt.date(2019, 3, 31), dt.date(2019, 6, 30), dt.date(2019, 9, 30))
DISTRICTS = ("DL-ZS", "DL-XG", "DL-SHK", "DL-GJZ", "DL-LSK", "DL-JZ", "DL-JP", "DL-GXQ")
# Who shares the work on a topic, when someone does.
CO_UNITS = {
    "old-estates": "DL-ZJJ",
    "heating": "DL-CGJ",
    "metro": "DL-GHJ",
    "one-stop": "DL-GXJ",
    "port-logistics": "DL-JTJ",
    "talent": "DL-JYJ",
    "university-research": "DL-GXQ",
    "elderly-care": "DL-WJW",
    "lushun-tourism": "DL-LSK",
    "coal-boilers": "DL-ZJJ",
}
# Where a suggestion goes first when a district sends it back as not its remit.
WRONG_FIRST = ("DL-GJZ", "DL-ZS")
# Suggestions waiting for triage are recent; routed ones not accepted yet mostly so.
MAX_AGE_DAYS = {Status.RECEIVED: 3, Status.ROUTED: 10}


@dataclass
class Planned:
    n: int
    status: str
    kind: str  # topic, spam or out_of_scope
    topic: data.Topic | None
    english: bool
    title: str
    body: str
    created: dt.datetime
    category: str | None = None
    key_task: int | None = None
    district: str | None = None
    name: str = ""
    phone: str = ""
    email: str = ""
    channel: str = Channel.WEB
    source_note: str = ""
    unit: str | None = None
    co_unit: str | None = None
    outcome: str = ""
    answer: str = ""
    task_deadline: dt.date | None = None
    verdict: str = ""
    verdict_comment: str = ""
    note: str = ""
    published: bool = False
    outstanding: bool = False
    support: int = 0
    variant: str = ""  # send_back, sent_back_waiting, return, close_reopened
    first_unit: str | None = None  # where a suggestion that was sent back went first
    dup_of: int | None = None
    played: bool = False
    times: dict[str, dt.datetime] = field(default_factory=dict)
    obj: Suggestion | None = None
    receipt: tuple[str, str] | None = None


@dataclass
class SuggestionsSummary:
    categories: int = 0
    suggestions: int = 0
    played: int = 0
    tasks: int = 0
    people: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    # A few tracking numbers and codes of played suggestions, to try tracking with.
    receipts: list[tuple[str, str]] = field(default_factory=list)


def build_suggestions(campaign: Campaign) -> SuggestionsSummary:
    """Add the demo's categories and suggestions, unless the campaign has suggestions."""
    if Suggestion.objects.filter(campaign=campaign).exists():
        return SuggestionsSummary()
    story = _Story(campaign)
    story.prepare()
    story.plan()
    story.play()
    story.write_bulk()
    story.refresh_lights()
    # The tasks the adoptions opened, seen from the demo day like the rest of the ledger.
    refresh_task_lights(campaign, DEMO_DAY)
    return story.summary


class _Story:
    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.rng = random.Random(SEED)
        self.names = NameMaker(random.Random(SEED + ":names"))
        self.summary = SuggestionsSummary()
        self.plans: list[Planned] = []
        self.events: list[tuple[dt.datetime, int, Callable[[], Any]]] = []

    # --- the stage: categories, people, calendar --------------------------------------------

    def prepare(self) -> None:
        with clock.frozen_at(local(FIRST_DAY, 8)):
            self.units = {u.code: u for u in Unit.objects.all()}
            self.office = User.objects.get(username="office")
            self._ensure_people()
            self.categories = self._categories()
        self.workdays = for_campaign(self.campaign)
        self.key_tasks = {kt.number: kt for kt in self.campaign.key_tasks.all()}

    def _categories(self) -> dict[str, Category]:
        """The campaign's categories, made unless they are there (a city may set its own)."""
        made = {c.code: c for c in Category.objects.filter(campaign=self.campaign)}
        for order, spec in enumerate(data.CATEGORIES, 1):
            if spec.code in made:
                continue
            category = Category(
                campaign=self.campaign,
                code=spec.code,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                default_unit=self.units.get(spec.unit) if spec.unit else None,
                sort_order=order * 10,
            )
            # No screen sets categories up yet; the demo writes them as the system would.
            made[spec.code] = writes.create(
                access.SYSTEM, category, action="suggestions.create_category"
            )
            self.summary.categories += 1
        return made

    def _ensure_people(self) -> None:
        """A liaison and a head for every unit that answers: the demo accounts and the
        ledger's people where they exist, else fictional ones who cannot sign in."""
        self.liaisons: dict[str, User] = {}
        self.heads: dict[str, User] = {}
        grants = RoleGrant.objects.filter(role__in=(Role.LIAISON, Role.UNIT_HEAD)).order_by(
            "user_id"
        )
        for code, role, user in (
            (g.unit.code, g.role, g.user) for g in grants.select_related("unit", "user")
        ):
            held = self.liaisons if role == Role.LIAISON else self.heads
            held.setdefault(code, user)
        heads, liaisons = iter(data.HEAD_NAMES), iter(data.LIAISON_NAMES)
        for code in data.ANSWERING_UNITS:
            if code not in self.units:
                continue
            if code not in self.liaisons:
                self.liaisons[code] = self._person(code, Role.LIAISON, next(liaisons))
            if code not in self.heads:
                self.heads[code] = self._person(code, Role.UNIT_HEAD, next(heads))

    def _person(self, code: str, role: str, full_name: str) -> User:
        person, created = unit_person(self.units[code], role, full_name)
        if created:
            self.summary.people += 1
        return person

    def answering(self, code: str) -> bool:
        return code in self.liaisons and code in self.heads

    # --- planning: what each suggestion says and what happens to it ---------------------------

    def plan(self) -> None:
        rng = self.rng
        for status, count, played in PLAN:
            chosen = set(rng.sample(range(count), played))
            for i in range(count):
                self._plan_one(status, played=i in chosen)
        self._variants()
        for p in self.plans:
            if p.status == Status.DUPLICATE:
                self._original_for(p)
        self._answers()

    def _plan_one(self, status: str, played: bool) -> None:
        rng = self.rng
        n = len(self.plans)
        if status == Status.SPAM:
            title, body = data.SPAM[n % len(data.SPAM)]
            p = Planned(n, status, "spam", None, title.isascii(), title, body, self._created())
        elif status == Status.OUT_OF_SCOPE:
            title, body, note = data.OUT_OF_SCOPE[n % len(data.OUT_OF_SCOPE)]
            p = Planned(
                n, status, "out_of_scope", None, title.isascii(), title, body, self._created()
            )
            p.note = note
        else:
            english = rng.random() < ENGLISH_SHARE
            topics = [t for t in TOPICS if t.english == english]
            topic = rng.choice(topics)
            p = self._from_topic(n, status, topic)
        p.played = played
        self._contact(p)
        self.plans.append(p)
        self._schedule(p)

    def _from_topic(self, n: int, status: str, topic: data.Topic) -> Planned:
        rng = self.rng
        place, district = rng.choice(topic.places) if topic.places else ("", None)
        if district is None and rng.random() < 0.35:
            district = rng.choice(DISTRICTS)
        # A title goes with the problem and the proposal at its position (the lists are
        # ordered so); some people propose a second thing.
        i = rng.randrange(len(topic.titles))
        title = topic.titles[i].format(place=place or "我市")
        problem = topic.problems[i % len(topic.problems)].format(place=place or "我市")
        proposals = [topic.proposals[i % len(topic.proposals)]]
        others = [x for x in topic.proposals if x not in proposals]
        if others and rng.random() < 0.35:
            proposals.append(rng.choice(others))
        if topic.english:
            body = f"{problem} {' '.join(proposals)}"
        else:
            opener = "" if problem.startswith("我") else rng.choice(data.OPENERS_ZH)
            closing = rng.choice(data.CLOSINGS_ZH)
            body = f"{opener}{problem}{''.join(proposals)}{closing}"
        unit = district if topic.unit == "district" else topic.unit
        if unit is None or not self.answering(unit):
            fallback = next(c.unit for c in data.CATEGORIES if c.code == topic.category)
            unit = fallback or "DL-FGW"
        p = Planned(n, status, "topic", topic, topic.english, title, body, self._created())
        p.category = topic.category if rng.random() < 0.85 else None
        p.key_task = topic.key_task if rng.random() < 0.4 else None
        p.district = district
        p.unit = unit
        co_unit = CO_UNITS.get(topic.key)
        if co_unit and co_unit != unit and co_unit in self.units and rng.random() < 0.5:
            p.co_unit = co_unit
        roll = rng.random()
        if not topic.english and roll < OFFLINE_SHARE:
            channel, where = rng.choice(data.OFFLINE_SOURCES)
            p.channel = channel
            p.source_note = where
        elif roll < OFFLINE_SHARE + API_SHARE:
            p.channel = Channel.API
        return p

    def _contact(self, p: Planned) -> None:
        rng = self.rng
        if p.kind == "spam":
            return
        if p.english:
            name = rng.choice(data.NAMES_EN)
            p.name = name
            if rng.random() < 0.8:
                p.email = f"{name.split()[0].lower()}.{p.n}@example.com"
            return
        if rng.random() < 0.7:
            p.name = self.names.person()
        if rng.random() < 0.55:
            p.phone = f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"
        elif rng.random() < 0.3:
            p.email = f"dl{p.n:04d}@example.com"

    def _created(self) -> dt.datetime:
        """A moment of submission in the campaign's first four weeks (refined by _schedule)."""
        day = FIRST_DAY + dt.timedelta(days=self.rng.randint(0, (LAST_DAY - FIRST_DAY).days))
        return local(day, self.rng.randint(7, 22), self.rng.randint(0, 59))

    def _variants(self) -> None:
        """A few suggestions take a longer road: sent back by the wrong unit (and routed
        again, or still waiting), returned by the unit head, reopened and closed by the
        office."""
        played = [p for p in self.plans if p.played and p.kind == "topic"]

        def pick(statuses: tuple[str, ...], n: int) -> list[Planned]:
            return [p for p in played if p.status in statuses and not p.variant][:n]

        for p in pick((Status.ACCEPTED, Status.ANSWERED, Status.CLOSED), 2):
            p.variant = "send_back"
        for p in pick((Status.RECEIVED,), 2):
            p.variant = "sent_back_waiting"
        for p in pick((Status.PENDING_ENDORSEMENT, Status.ANSWERED), 3):
            p.variant = "return"
        closed = [p for p in self.plans if p.status == Status.CLOSED and not p.variant]
        for p in closed[:3] + [p for p in closed[3:] if p.played][:3]:
            p.variant = "close_reopened"
        for p in self.plans:
            if p.variant:
                if p.variant in ("send_back", "sent_back_waiting"):
                    p.first_unit = next(c for c in WRONG_FIRST if c != p.unit)
                self._schedule(p)

    def _original_for(self, p: Planned) -> None:
        candidates = [
            o
            for o in self.plans
            if o.kind == "topic"
            and o.topic is p.topic
            and o.status not in (Status.DUPLICATE, Status.WITHDRAWN)
            and o.created < p.created
            and (o.played or not p.played)
        ]
        if not candidates:
            # Say the same as an earlier suggestion on any topic in the same language.
            candidates = [
                o
                for o in self.plans
                if o.kind == "topic"
                and o.english == p.english
                and o.status not in (Status.DUPLICATE, Status.WITHDRAWN)
                and o.created < p.created
                and (o.played or not p.played)
            ]
        if not candidates:
            p.status = Status.RECEIVED  # nothing to repeat yet: it waits for triage
            self._schedule(p)
            return
        original = self.rng.choice(candidates)
        p.dup_of = original.n
        if self.rng.random() < 0.5:
            p.title = original.title

    # --- the dates -------------------------------------------------------------------------

    def _schedule(self, p: Planned) -> None:
        """Dates for every step the suggestion's story reaches, all before the demo day."""
        rng = self.rng
        late = p.status in (Status.ANSWERED, Status.CLOSED, Status.REOPENED) and (
            rng.random() < LATE_SHARE
        )
        steps = {
            "route": rng.choice((1, 1, 1, 2)),
            "accept": rng.choice((0, 0, 1, 1, 2, 3)),
            "draft": rng.randint(14, 16) if late else rng.randint(2, 9),
            "endorse": rng.choice((0, 0, 1, 2)),
            "rate": rng.randint(1, 5),
            "publish": rng.randint(1, 3),
            "dismiss": rng.choice((1, 1, 2)),
            "withdraw": rng.randint(1, 6),
        }
        reach = _REACH[p.status]
        if p.variant == "send_back":
            reach = ("route", "sent_back", "reroute", *reach[1:])
        elif p.variant == "sent_back_waiting":
            reach = ("route", "sent_back")
        elif p.variant == "return":
            at = reach.index("draft") + 1
            reach = (*reach[:at], "return", "redraft", *reach[at:])
        elif p.variant == "close_reopened":
            reach = (*reach, "close")
        if p.status == Status.WITHDRAWN:
            reach = (*rng.choice(((), ("route",), ("route", "accept"))), "withdraw")
        oldest = FIRST_DAY
        if p.status in MAX_AGE_DAYS and not p.variant:
            oldest = LAST_DAY - dt.timedelta(days=MAX_AGE_DAYS[p.status])
        candidates = []
        for offset in range((LAST_DAY - oldest).days + 1):
            day = oldest + dt.timedelta(days=offset)
            times = self._chain(day, reach, steps, p)
            if times and max(times.values()).date() <= LAST_DAY:
                candidates.append((day, times))
        if not candidates:
            steps = {k: min(v, 1) for k, v in steps.items()}
            for offset in range(3):
                day = FIRST_DAY + dt.timedelta(days=offset)
                candidates.append((day, self._chain(day, reach, steps, p)))
        # Open cases lean late (most of them arrived recently); closed ones are older.
        weight = 0.75 if p.status in (Status.RECEIVED, Status.ROUTED, Status.ACCEPTED) else 0.45
        index = min(
            len(candidates) - 1, int(rng.triangular(0, len(candidates), len(candidates) * weight))
        )
        _day, times = candidates[index]
        p.created = times.pop("created")
        p.times = times

    def _chain(
        self, day: dt.date, reach: tuple[str, ...], steps: dict[str, int], p: Planned
    ) -> dict[str, dt.datetime] | None:
        wd = self.workdays
        times: dict[str, dt.datetime] = {}
        minute = p.n % 50
        created = local(day, p.created.hour, p.created.minute)
        times["created"] = created
        last = created

        def on(workday: dt.date, hour: int) -> dt.datetime:
            nonlocal last
            moment = local(workday, hour, minute)
            if moment <= last:
                moment = last + dt.timedelta(minutes=37)
            last = moment
            return moment

        for step in reach:
            previous = last.date()
            if step in ("route", "reroute"):
                times[step] = on(wd.add(previous, steps["route"]), 9)
            elif step == "sent_back":
                times[step] = on(wd.add(previous, 1), 10)
            elif step == "accept":
                times[step] = on(wd.add(previous, steps["accept"]), 14)
            elif step == "draft":
                times[step] = on(wd.add(previous, steps["draft"]), 10)
            elif step == "return":
                times[step] = on(wd.add(previous, 1), 16)
            elif step == "redraft":
                times[step] = on(wd.add(previous, 1), 11)
            elif step == "endorse":
                times[step] = on(wd.add(previous, steps["endorse"]), 16)
            elif step == "rate":
                times[step] = on(previous + dt.timedelta(days=steps["rate"]), 20)
            elif step == "close":
                times[step] = on(wd.add(previous, 1), 11)
            elif step == "dismiss":
                times[step] = on(wd.add(previous, steps["dismiss"]), 10)
            elif step == "withdraw":
                times[step] = on(previous + dt.timedelta(days=steps["withdraw"]), 21)
            if last.date() > LAST_DAY:
                return None
        return times

    # --- playing the chosen suggestions through intake and the actions ------------------------

    def play(self) -> None:
        for p in self.plans:
            if p.played:
                self._add_events(p)
        for when, _order, fn in sorted(self.events, key=lambda e: (e[0], e[1])):
            with clock.frozen_at(when):
                fn()
        self.summary.played = sum(p.played for p in self.plans)
        self.summary.receipts = [p.receipt for p in self.plans if p.receipt][:5]

    def _answers(self) -> None:
        """Outcomes, answers, verdicts and publication, drawn for every suggestion in order."""
        rng = self.rng
        for p in self.plans:
            if "draft" not in p.times or p.topic is None:
                continue
            topic = p.topic
            # Only an endorsement played through the actions opens a ledger task.
            can_adopt = topic.adopted and (p.played or p.status == Status.PENDING_ENDORSEMENT)
            choices = {
                Outcome.ADOPTED: (55 if p.played else 25) if can_adopt else 0,
                Outcome.REFERENCE: 30,
                Outcome.EXPLAINED: 30 if topic.explained else 0,
                Outcome.NOT_ADOPTED: 15,
            }
            outcome = rng.choices(list(choices), list(choices.values()))[0]
            p.outcome = outcome
            p.answer = self._answer_text(p, outcome)
            if outcome == Outcome.ADOPTED:
                p.task_deadline = rng.choice(TASK_DEADLINES)
            if p.status == Status.REOPENED or p.variant == "close_reopened":
                p.verdict = Verdict.NOT_SATISFIED
                pool = [c for c in data.NOT_SATISFIED if c.isascii() == p.english]
                p.verdict_comment = rng.choice(pool)
                if p.variant == "close_reopened":
                    p.note = rng.choice(data.CLOSE_NOTES)
            elif p.status == Status.CLOSED:
                p.verdict = Verdict.SATISFIED if rng.random() < 0.65 else Verdict.BASIC
                pool = [c for c in data.SATISFIED if not c or c.isascii() == p.english]
                p.verdict_comment = rng.choice(pool)
            if p.status in (Status.ANSWERED, Status.CLOSED) and p.variant != "close_reopened":
                p.published = rng.random() < PUBLISHED_SHARE
                p.outstanding = p.published and (
                    rng.random() < OUTSTANDING_SHARE * (2 if outcome == Outcome.ADOPTED else 1)
                )
                p.support = rng.randint(0, 60) if p.published else 0
                if p.published:
                    day = max(p.times.values()).date()
                    moment = local(self.workdays.add(day, rng.randint(1, 3)), 11, p.n % 50)
                    if moment.date() <= LAST_DAY:
                        p.times["publish"] = moment
                    else:
                        p.published = p.outstanding = False

    def _answer_text(self, p: Planned, outcome: str) -> str:
        topic = p.topic
        assert topic is not None
        unit = self.units[p.unit].short_name_zh or self.units[p.unit].name_zh
        if outcome == Outcome.ADOPTED:
            return topic.adopted
        if outcome == Outcome.EXPLAINED and topic.explained:
            return topic.explained
        if outcome == Outcome.NOT_ADOPTED and topic.not_adopted:
            return topic.not_adopted
        if p.english:
            if outcome == Outcome.NOT_ADOPTED:
                return (
                    f"Thank you for your suggestion on {topic.subject}. After study, it cannot be "
                    "taken up at present: the matter is decided at provincial or national level. "
                    "We will keep it in mind."
                )
            return (
                f"Thank you for your suggestion on {topic.subject}. We have passed it to the team "
                "preparing next year's work plan and will take it into account."
            )
        if outcome == Outcome.NOT_ADOPTED:
            return (
                f"感谢您对大连发展的关心。经研究，关于{topic.subject}的建议涉及上级部门事权和"
                f"资金安排，目前暂不具备实施条件，{unit}将持续关注并适时研究。"
            )
        return (
            f"感谢您对大连发展的关心和支持。您提出的关于{topic.subject}的建议很有参考价值，"
            f"{unit}已将其纳入相关工作研究，在制定2019年工作计划时统筹考虑。"
        )

    def _add_events(self, p: Planned) -> None:
        t = p.times
        add = self.events.append
        add((p.created, len(self.events), partial(self._submit, p)))
        first_unit = p.first_unit or p.unit
        for step, when in t.items():
            fn: Callable[[], Any] | None = None
            if step == "route":
                fn = partial(self._route, p, first_unit)
            elif step == "reroute":
                fn = partial(self._route, p, p.unit)
            elif step == "sent_back":
                fn = partial(self._send_back, p)
            elif step == "accept":
                fn = partial(self._act, p, "accept")
            elif step in ("draft", "redraft"):
                fn = partial(self._draft, p)
            elif step == "return":
                fn = partial(self._return, p)
            elif step == "endorse":
                fn = partial(self._act, p, "endorse")
            elif step == "rate":
                fn = partial(self._rate, p)
            elif step == "close":
                fn = partial(self._close, p)
            elif step == "dismiss":
                fn = partial(self._dismiss, p)
            elif step == "withdraw":
                fn = partial(self._withdraw, p)
            elif step == "publish":
                fn = partial(self._publish, p)
            if fn is not None:
                add((when, len(self.events), fn))

    def _submit(self, p: Planned) -> None:
        offline = p.channel in (Channel.PAPER, Channel.MEETING, Channel.HOTLINE, Channel.OTHER)
        note = p.source_note
        if offline and note:
            gathered = self.workdays.subtract(p.created.date(), 1)
            note = f"{max(gathered, FIRST_DAY).isoformat()} {note}"
            p.source_note = note
        receipt = intake.submit(
            campaign=self.campaign,
            title=p.title,
            body=p.body,
            client=CLIENT,
            category=self.categories[p.category] if p.category else None,
            key_task=self.key_tasks.get(p.key_task) if p.key_task else None,
            district=self.units.get(p.district) if p.district else None,
            name=p.name,
            phone=p.phone,
            email=p.email,
            channel=p.channel,
            source_note=note,
            actor=self.office if offline else None,
            throttle=False,
        )
        p.obj = receipt.suggestion
        p.receipt = (receipt.tracking_number, receipt.secret_code)

    def _fresh(self, p: Planned) -> Suggestion:
        assert p.obj is not None
        p.obj = Suggestion.objects.select_related("campaign", "unit").get(pk=p.obj.pk)
        return p.obj

    def _route(self, p: Planned, code: str) -> None:
        co = [self.units[p.co_unit]] if p.co_unit and code == p.unit else []
        actions.route(self.office, [self._fresh(p)], self.units[code], co)

    def _send_back(self, p: Planned) -> None:
        s = self._fresh(p)
        actions.send_back_to_office(self.liaisons[s.unit.code], s, self._send_back_reason(p))

    def _send_back_reason(self, p: Planned) -> str:
        def short(code: str | None) -> str:
            unit = self.units[code or ""]
            return unit.short_name_zh or unit.name_zh

        return data.SEND_BACK_REASON.format(first=short(p.first_unit), right=short(p.unit))

    def _act(self, p: Planned, verb: str) -> None:
        s = self._fresh(p)
        if verb == "accept":
            actions.accept(self.liaisons[s.unit.code], s)
        else:
            s = actions.endorse_answer(self.heads[s.unit.code], s)
            if s.task_id:
                self.summary.tasks += 1

    def _draft(self, p: Planned) -> None:
        s = self._fresh(p)
        actions.draft_answer(
            self.liaisons[s.unit.code],
            s,
            outcome=p.outcome,
            answer=p.answer,
            task_deadline=p.task_deadline,
        )

    def _return(self, p: Planned) -> None:
        s = self._fresh(p)
        comment = self.rng.choice(data.RETURN_COMMENTS)
        actions.return_answer(self.heads[s.unit.code], s, comment)

    def _rate(self, p: Planned) -> None:
        actions.rate(self._fresh(p), p.verdict, p.verdict_comment)

    def _close(self, p: Planned) -> None:
        actions.close_reopened(self.office, self._fresh(p), p.note)

    def _dismiss(self, p: Planned) -> None:
        s = self._fresh(p)
        if p.status == Status.DUPLICATE:
            original = self.plans[p.dup_of].obj if p.dup_of is not None else None
            assert original is not None
            actions.mark_duplicate(self.office, s, original)
        else:
            actions.dismiss(self.office, s, p.status, p.note)

    def _withdraw(self, p: Planned) -> None:
        actions.withdraw(self._fresh(p))

    def _publish(self, p: Planned) -> None:
        actions.publish(self.office, self._fresh(p), published=True, outstanding=p.outstanding)

    # --- the rest, in bulk --------------------------------------------------------------------

    def write_bulk(self) -> None:
        rows = [p for p in self.plans if not p.played]
        taken = set(
            Suggestion.objects.filter(campaign=self.campaign).values_list(
                "tracking_number", flat=True
            )
        )
        first = [p for p in rows if p.dup_of is None]
        then = [p for p in rows if p.dup_of is not None]
        for batch in (first, then):
            objects = [self._row(p, taken) for p in batch]
            Suggestion.objects.bulk_create(objects, batch_size=500)
            for p, obj in zip(batch, objects, strict=True):
                p.obj = obj
        links = [
            Suggestion.co_units.through(suggestion_id=p.obj.pk, unit_id=self.units[p.co_unit].pk)
            for p in rows
            if p.co_unit and p.obj is not None and p.obj.unit_id
        ]
        Suggestion.co_units.through.objects.bulk_create(links)
        counts = Counter(p.status for p in self.plans)
        self.summary.suggestions = len(self.plans)
        self.summary.by_status = {str(k): v for k, v in sorted(counts.items())}
        with clock.frozen_at(local(LAST_DAY, 22)):
            trail.record(
                access.SYSTEM,
                Verb.ACTION,
                self.campaign,
                action="demo.suggestions",
                after={
                    "written_in_bulk": len(rows),
                    "played_through_actions": self.summary.played,
                    "by_status": self.summary.by_status,
                },
            )

    def _number(self, day: dt.date, taken: set[str]) -> str:
        while True:
            code = "".join(self.rng.choice(intake.CODE_ALPHABET) for _ in range(5))
            number = f"JY{day:%y%m%d}-{code}"
            if number not in taken:
                taken.add(number)
                return number

    def _row(self, p: Planned, taken: set[str]) -> Suggestion:
        t = p.times
        routed = t.get("reroute") or t.get("route")
        unit = self.units[p.unit] if routed and p.unit else None
        if p.variant == "sent_back_waiting":
            unit = None
        due = (
            self.workdays.add(routed.date(), self.campaign.answer_limit_days)
            if unit and routed
            else None
        )
        endorsed = t.get("endorse")
        liaison = self.liaisons.get(p.unit) if p.unit else None
        head = self.heads.get(p.unit) if p.unit else None
        code = "".join(self.rng.choice(intake.CODE_ALPHABET) for _ in range(8))
        note = p.source_note
        if note and p.channel != Channel.WEB:
            gathered = self.workdays.subtract(p.created.date(), 1)
            note = f"{max(gathered, FIRST_DAY).isoformat()} {note}"
        status_note = p.note
        if p.variant in ("send_back", "sent_back_waiting"):
            status_note = self._send_back_reason(p)
        steps = sum(1 for k in t if k != "publish") + int("publish" in t)
        last = max([p.created, *t.values()])
        return Suggestion(
            campaign=self.campaign,
            tracking_number=self._number(p.created.date(), taken),
            secret_hash=intake.hash_code(code),
            title=p.title,
            body=p.body,
            category=self.categories[p.category] if p.category else None,
            key_task=self.key_tasks.get(p.key_task) if p.key_task else None,
            district=self.units.get(p.district) if p.district else None,
            name=p.name,
            phone=p.phone,
            email=p.email,
            channel=p.channel,
            source_note=note[:200],
            client_hash=CLIENT,
            status=p.status,
            unit=unit,
            unit_path=unit.path if unit else "",
            routed_at=routed if unit else None,
            accepted_at=t.get("accept") if unit else None,
            answer_due=due,
            outcome=p.outcome if "draft" in t else "",
            answer=p.answer if "draft" in t else "",
            task_deadline=p.task_deadline if p.outcome == Outcome.ADOPTED else None,
            answered_by=liaison if "draft" in t else None,
            endorsed_by=head if endorsed else None,
            answered_at=endorsed,
            answered_late=bool(endorsed and due and endorsed.date() > due),
            light="none" if endorsed or not unit else "green",
            duplicate_of=self.plans[p.dup_of].obj if p.dup_of is not None else None,
            status_note=status_note,
            verdict=p.verdict if "rate" in t else "",
            verdict_comment=p.verdict_comment if "rate" in t else "",
            verdict_at=t.get("rate"),
            is_published=p.published and "publish" in t,
            published_at=t.get("publish"),
            is_outstanding=p.outstanding and "publish" in t,
            support_count=p.support,
            created_at=p.created,
            updated_at=last,
            version=1 + steps,
        )

    def refresh_lights(self) -> None:
        """The answer lights as the hourly scan leaves them on the demo day."""
        wd = self.workdays
        ends = wd.add(DEMO_DAY, self.campaign.warning_window_days + 1)
        rows = Suggestion.objects.filter(
            campaign=self.campaign, status__in=AWAITING_ANSWER, answer_due__isnull=False
        )
        rows.filter(answer_due__lt=DEMO_DAY).update(light="red")
        rows.filter(answer_due__gte=DEMO_DAY, answer_due__lt=ends).update(light="yellow")
        rows.filter(answer_due__gte=ends).update(light="green")


# Which steps a story takes to reach each final state.
_REACH: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: (),
    Status.ROUTED: ("route",),
    Status.ACCEPTED: ("route", "accept"),
    Status.PENDING_ENDORSEMENT: ("route", "accept", "draft"),
    Status.ANSWERED: ("route", "accept", "draft", "endorse"),
    Status.CLOSED: ("route", "accept", "draft", "endorse", "rate"),
    Status.REOPENED: ("route", "accept", "draft", "endorse", "rate"),
    Status.DUPLICATE: ("dismiss",),
    Status.OUT_OF_SCOPE: ("dismiss",),
    Status.SPAM: ("dismiss",),
    Status.WITHDRAWN: (),
}
