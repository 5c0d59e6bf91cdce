"""Browser tests: the real app on a local port, driven by Debian's Chromium.

Fixtures:
- `live_server`: the app of tests/conftest.py (its per-test database) served by
  werkzeug in a background thread on 127.0.0.1 and a free port; `.url(path)`.
- `browser`: one headless Chromium per run (Playwright's sync API).
- `page`: a fresh browser context and page per test, signed out.
- `sign_in(username, role, units=())`: creates the user with `make_user`, signs
  in through the login form and returns the page; `sign_in_as(user)` signs in
  one that exists (password "secret").
- `axe(page)`: runs axe-core's WCAG 2.0/2.1 A and AA rules on the page and fails
  with a readable list of violations (tests/browser/axe.py; `axe_report(page)`
  returns the list instead, to check many pages and fail once).

Chromium comes from Debian (`apt-get install chromium`), never from
`playwright install`. Without it the tests skip locally and fail in CI.
"""

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from desk.models import Role, User
from tests.browser.axe import axe_report

HERE = Path(__file__).parent
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


def _chromium() -> str:
    """Chromium's path; skip without it, but fail in CI, where it must be installed."""
    path = shutil.which("chromium")
    if path is None:
        reason = "Chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
        pytest.skip(reason)
    return path


class LiveServer:
    def __init__(self, server: BaseWSGIServer) -> None:
        self.server = server
        self.base = f"http://127.0.0.1:{server.port}"

    def url(self, path: str = "/") -> str:
        return self.base + path


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    # Threaded, so the page's own requests (CSS) never wait on each other.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # server_close() then waits for requests still running (a closing page's last
    # calls): a request thread outliving the test would hold a database connection
    # past the app's teardown, reported later as an unclosed connection.
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.base, locale="nb-NO")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sign_in_as(page: Any) -> Callable[..., Any]:
    """Sign an existing user in through the login form; returns the page."""

    def sign_in_as(user: User, password: str = "secret") -> Any:
        page.goto("/login")
        page.fill("#username", user.username)
        page.fill("#password", password)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        assert "/login" not in page.url, f"{user.username} could not sign in"
        return page

    return sign_in_as


@pytest.fixture
def sign_in(sign_in_as: Callable[..., Any], make_user: Callable[..., Any]) -> Callable[..., Any]:
    """Create a user with `make_user` and sign them in: `sign_in("kari", Role.AGENT)`."""

    def sign_in(username: str, role: Role | str = Role.AGENT, units: tuple[str, ...] = (),
                password: str = "secret") -> Any:
        return sign_in_as(make_user(username, role, units=units, password=password), password)

    return sign_in


@pytest.fixture(scope="session")
def axe() -> Callable[[Any], None]:
    """`axe(page)` fails the test with every WCAG A/AA violation on the page."""

    def check(page: Any) -> None:
        report = axe_report(page)
        if report:
            pytest.fail(report, pytrace=False)

    return check
