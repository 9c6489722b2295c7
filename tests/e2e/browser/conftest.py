"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the local stack.

Each test gets a fresh browser context (empty localStorage) whose console errors and page errors
are collected, so a test can assert the page ran cleanly. Screenshots go to
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from local.stack import ROOT, LocalStack, admin_token

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Headless Chromium announces itself as "HeadlessChrome", which the API rightly drops as a bot;
# the tests browse as the desktop browser a visitor would use. The browser-wide flag matters for
# beacons: the browser process sends them after the page is gone, without the context's override.
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    f"--user-agent={DESKTOP_UA}",
]
SCREENSHOTS = Path(ROOT) / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageLog:
    """Console errors, uncaught page errors and failed requests seen by one browser context."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.console: list[str] = []

    def attach(self, page: Any) -> Any:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        return page

    def _console(self, message: Any) -> None:
        self.console.append(f"{message.type}: {message.text}")
        if message.type == "error":
            self.errors.append(f"console: {message.text}")


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[tuple[Any, PageLog]]:
    # Playwright's wait_for_function evaluates strings, which the pages' CSP (script-src 'self') refuses;
    # the CSP itself is asserted on the response headers in tests/integration/test_ingest_hardening.py.
    context = chromium.new_context(user_agent=DESKTOP_UA, viewport={"width": 1280, "height": 800}, bypass_csp=True)
    context.set_default_timeout(15_000)
    log = PageLog()
    context.on("page", log.attach)
    yield context, log
    context.close()


@pytest.fixture(scope="session")
def origin(stack: LocalStack) -> str:
    return f"http://127.0.0.1:{stack.api_port}"


@pytest.fixture(scope="session")
def admin(stack: LocalStack) -> str:
    return admin_token(stack.env)


@pytest.fixture(scope="session")
def read_api(stack: LocalStack, admin: str) -> Callable[..., dict]:
    """Call an analytics read route as an admin; returns the ``data`` object."""

    def call(method: str, path: str, body: dict | None = None, params: dict | None = None) -> dict:
        response = requests.request(
            method,
            f"{stack.api_url}{path}",
            json=body,
            params=params,
            headers={"Authorization": f"Bearer {admin}"},
            timeout=30,
        )
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response.json()["data"]

    return call


def demo_config(**settings: Any) -> str:
    """An init script that configures the demo page before it loads (token, consent mode, batching)."""
    return f"window.biltenDemoConfig = {json.dumps(settings)};"


def eventually(check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.5, page: Any = None) -> Any:
    """Retry ``check`` until it returns a truthy value (reads behind the stream pump lag a little).

    With a ``page``, it waits through Playwright: the sync API delivers events (requests, responses,
    console lines) only while the test calls into it, so a plain sleep would starve a check that
    reads what those events recorded.
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        if page is not None:
            page.wait_for_timeout(interval * 1000)
        else:
            time.sleep(interval)
    return last
