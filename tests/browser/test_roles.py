"""A person signs in to the demo as each role and sees that role's menu and data, no more.

Drives Debian's chromium through Playwright against a live server; nothing the
pages load may come from outside the server (no CDN, no outside call).
"""

from __future__ import annotations

import pytest

from campaigndesk.demo.accounts import DEMO_ACCOUNTS
from campaigndesk.demo.loader import load_demo
from campaigndesk.org.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Menu entries (English labels) that must and must not show, by role.
AUDIT = "Audit trail"
EXPECTED_AUDIT = {
    Role.OFFICE: True,
    Role.LEADER: True,
    Role.VIEWER: True,
    Role.INSPECTOR: False,
    Role.UNIT_HEAD: False,
    Role.LIAISON: False,
}


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]:not(.link)")
    page.wait_for_url(f"{base_url}/desk/**")


def test_each_demo_role_sees_its_own_menu_and_nothing_from_outside(page, live_server):
    load_demo()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    for account in DEMO_ACCOUNTS:
        page.context.clear_cookies()
        page.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": live_server.url}]
        )
        sign_in(page, live_server.url, account.username, account.password)
        menu = page.locator("nav.menu a").all_inner_texts()
        assert "Overview" in menu, (account.username, menu)
        assert (AUDIT in menu) is EXPECTED_AUDIT[Role(account.role)], (account.username, menu)
    assert page.outside_requests == []


def test_a_district_liaison_sees_its_district_and_not_another(page, live_server):
    load_demo()
    account = next(a for a in DEMO_ACCOUNTS if a.username == "gjz_liaison")
    sign_in(page, live_server.url, account.username, account.password)
    page.goto(f"{live_server.url}/desk/org/units/")
    body = page.locator("main").inner_text()
    assert "甘井子区" in body
    assert "中山区" not in body
    response = page.goto(f"{live_server.url}/desk/audit/")
    assert response.status == 403
    assert page.outside_requests == []
