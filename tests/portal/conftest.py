"""The public portal's fixtures: a campaign with categories, a solved challenge, and
published suggestions in bulk."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client

from campaigndesk import clock
from campaigndesk.suggestions import actions, intake
from campaigndesk.suggestions.models import Category, Outcome, Status, Suggestion

PHONE = "13912345678"
EMAIL = "citizen-secret@example.invalid"
BODY = "建议在甘井子区增设社区便民服务站，方便老年人就近办事。"
TOKEN = re.compile(r'name="challenge_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def quick_challenge(monkeypatch):
    """A person needs a couple of seconds to answer; the test client does not."""
    monkeypatch.setattr(intake, "CHALLENGE_MIN_SECONDS", 0)
    cache.clear()
    yield
    cache.clear()


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


@pytest.fixture
def category(world):
    return Category.objects.create(
        campaign=world.campaign,
        code="business",
        name_zh="营商环境",
        name_en="Business environment",
        default_unit=world.bureau,
    )


def answer_of(html: str) -> tuple[str, str]:
    """The challenge's token on a form page, and its answer."""
    token = TOKEN.search(html).group(1)
    return token, str(signing.loads(token, salt=intake.CHALLENGE_SALT)["s"])


def citizen(address: str = "198.51.100.7") -> Client:
    return Client(REMOTE_ADDR=address)


def form_data(client: Client, url: str = "/suggest/", **overrides) -> dict:
    """A filled suggestion form with the challenge of a freshly loaded page."""
    token, answer = answer_of(client.get(url).content.decode())
    data = {
        "title": "增设便民服务站",
        "body": BODY,
        "name": "王先生",
        "phone": PHONE,
        "email": EMAIL,
        "challenge": answer,
        "challenge_token": token,
        "website": "",
    }
    data.update(overrides)
    return data


def submit(client: Client, url: str = "/suggest/", **overrides):
    """Send the form; returns the response (not followed)."""
    return client.post(url, form_data(client, url, **overrides))


def receipt_of(client: Client) -> dict:
    return client.session["portal:receipt"]


def published_suggestions(world, category, n: int, start: int = 0) -> list[Suggestion]:
    """`n` answered, published suggestions with contact details (written directly: this is
    the world a test starts from, not the thing under test)."""
    now = clock.now()
    rows = [
        Suggestion(
            campaign=world.campaign,
            tracking_number=f"JY181203-P{start + i:04d}",
            secret_hash="x" * 64,
            title=f"公开建议 {start + i}",
            body=f"第 {start + i} 条已公开的建议内容，关于营商环境。",
            category=category,
            district=world.ganjingzi,
            name="匿名者",
            phone=PHONE,
            email=EMAIL,
            status=Status.ANSWERED,
            unit=world.ganjingzi,
            unit_path=world.ganjingzi.path,
            outcome=Outcome.REFERENCE if i % 2 else Outcome.ADOPTED,
            answer=f"感谢建议 {start + i}，已研究采纳。",
            answered_at=now,
            is_published=True,
            published_at=now - dt.timedelta(minutes=i),
            is_outstanding=i % 5 == 0,
            created_at=now,
            updated_at=now,
        )
        for i in range(n)
    ]
    return Suggestion.objects.bulk_create(rows)


def answered(world, s: Suggestion, outcome: str = Outcome.REFERENCE, **kw) -> Suggestion:
    """Route, accept, answer and endorse `s` as the office and Ganjingzi."""
    with at(dt.date(2018, 12, 3)):
        actions.route(world.office, [s], world.ganjingzi, note="内部备注：请尽快办理")
        s.refresh_from_db()
        actions.accept(world.gjz_liaison, s)
        actions.draft_answer(
            world.gjz_liaison, s, outcome=outcome, answer="已研究，纳入明年计划。", **kw
        )
        actions.endorse_answer(world.gjz_head, s)
    s.refresh_from_db()
    return s


def frozen_clock():
    """Hold the clock still, so a rate-limit window cannot roll over mid-test."""
    return at(dt.date(2018, 12, 3))
