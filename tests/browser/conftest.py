"""Browser tests: Playwright driving Debian's chromium against a live server.

Playwright cannot download its own browser here, so the tests use /usr/bin/chromium
(`.ci/run` installs it). Without it they are skipped with one line of explanation,
except under CI, where a missing browser is an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.chromium import CHROMIUM, HAVE_CHROMIUM

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


if not HAVE_CHROMIUM and os.environ.get("CI"):
    raise pytest.UsageError(f"CI must run the browser tests, but {CHROMIUM} is missing.")

# Without a browser the browser tests are not collected at all, and the run ends
# with a single line saying so (tests/conftest.py's pytest_terminal_summary).
collect_ignore_glob = [] if HAVE_CHROMIUM else ["test_*.py"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in the main thread; Django then refuses
    # ORM calls from that thread unless told the caller knows what it does.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch(sync_playwright)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _launch(sync_playwright) -> Iterator[object]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    """A fresh browser page that records every request outside the live server."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.outside_requests = []  # type: ignore[attr-defined]

    def watch(request) -> None:
        if not request.url.startswith(live_server.url) and not request.url.startswith("data:"):
            page.outside_requests.append(request.url)  # type: ignore[attr-defined]

    page.on("request", watch)
    yield page
    context.close()
