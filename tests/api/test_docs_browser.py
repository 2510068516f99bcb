"""Swagger UI at /api/v1/docs works in chromium under the strict CSP, offline."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="chromium not installed: browser tests skipped",
    ),
]

VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""


def test_docs_page_renders_and_tries_a_call_without_outside_requests(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright keeps an event loop in this thread; the live server's ORM use is its own.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            page.add_init_script(VIOLATIONS)
            page.on(
                "request",
                lambda r: (
                    None if r.url.startswith((live_server.url, "data:")) else outside.append(r.url)
                ),
            )
            page.goto(f"{live_server.url}/api/v1/docs")
            units = "#operations-organisation-campaigndesk_api_org_list_units"
            page.wait_for_selector(units, timeout=15000)
            page.click(f"{units} .opblock-summary-control")
            page.click("text=Try it out")
            page.click("text=Execute")
            page.wait_for_selector(".live-responses-table", timeout=10000)
            status = page.locator(".live-responses-table tbody .response-col_status").first
            assert status.inner_text().strip() == "401"
            assert page.evaluate("window.__violations") == []
        finally:
            browser.close()
    assert outside == []
