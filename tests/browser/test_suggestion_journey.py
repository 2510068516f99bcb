"""Issue 5's journey in a real browser: a citizen offers a suggestion on the portal,
the office routes it, the unit answers, its head endorses, and the citizen reads
the answer with the tracking number and code."""

from __future__ import annotations

import pytest
from django.core import signing

from campaigndesk.demo.accounts import DEMO_ACCOUNTS
from campaigndesk.demo.loader import load_demo
from campaigndesk.org.models import Unit
from campaigndesk.suggestions import intake
from campaigndesk.suggestions.models import Status, Suggestion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = "感谢您的建议。甘井子区已将社区便民服务站纳入明年民生实事计划。"


def password_of(username: str) -> str:
    return next(a.password for a in DEMO_ACCOUNTS if a.username == username)


def staff_page(browser, base_url: str, username: str):
    context = browser.new_context(locale="zh-CN")
    context.add_cookies([{"name": "django_language", "value": "en", "url": base_url}])
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password_of(username))
    page.click("form button[type=submit]:not(.link)")
    page.wait_for_url(f"{base_url}/desk/**")
    return page


def open_form(page, verb: str) -> None:
    """Action forms sit in closed <details>: open one as a person would."""
    details = page.locator(f"details:has(form[action$='/{verb}/'])")
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def test_citizen_to_office_to_unit_to_head_and_back_to_the_citizen(
    browser, page, live_server, monkeypatch
):
    monkeypatch.setattr(intake, "CHALLENGE_MIN_SECONDS", 0)
    load_demo()
    base = live_server.url

    # The citizen, without an account.
    page.goto(f"{base}/suggest/")
    page.fill("input[name=title]", "增设社区便民服务站")
    page.fill("textarea[name=body]", "建议在甘井子区各街道增设社区便民服务站，方便老年人就近办事。")
    token = page.input_value("input[name=challenge_token]")
    page.fill("input[name=challenge]", str(signing.loads(token, salt=intake.CHALLENGE_SALT)["s"]))
    page.click("form.portal-form button[type=submit]")
    number = page.inner_text("#tracking-number").strip()
    code = page.inner_text("#secret-code").strip()
    suggestion = Suggestion.objects.get(tracking_number=number)
    assert suggestion.status == Status.RECEIVED

    # The office routes it to Ganjingzi District.
    ganjingzi = Unit.objects.get(name_zh="甘井子区")
    office = staff_page(browser, base, "office")
    office.goto(f"{base}/desk/suggestions/{suggestion.pk}/")
    open_form(office, "route")
    office.select_option("select[name=route-unit]", value=ganjingzi.code)
    office.click("form[action$='/route/'] button[type=submit]")
    suggestion.refresh_from_db()
    assert suggestion.status == Status.ROUTED

    # The district's liaison accepts it and drafts the answer.
    liaison = staff_page(browser, base, "gjz_liaison")
    liaison.goto(f"{base}/desk/suggestions/{suggestion.pk}/")
    open_form(liaison, "accept")
    liaison.click("form[action$='/accept/'] button[type=submit]")
    open_form(liaison, "answer")
    liaison.select_option("select[name=answer-outcome]", value="explained")
    liaison.fill("textarea[name=answer-answer]", ANSWER)
    liaison.click("form[action$='/answer/'] button[type=submit]")
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PENDING_ENDORSEMENT

    # The unit head endorses it: the answer leaves the unit.
    head = staff_page(browser, base, "gjz_head")
    head.goto(f"{base}/desk/suggestions/{suggestion.pk}/")
    open_form(head, "endorse")
    head.click("form[action$='/endorse/'] button[type=submit]")
    suggestion.refresh_from_db()
    assert suggestion.status == Status.ANSWERED

    # The citizen reads the answer with the number and the code.
    page.goto(f"{base}/track/")
    page.fill("input[name=number]", number)
    page.fill("input[name=code]", code)
    page.click("main form button[type=submit]")
    assert ANSWER in page.inner_text("main")
    assert page.outside_requests == []
    for staff in (office, liaison, head):
        staff.context.close()
