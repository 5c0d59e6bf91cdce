"""The web chat widget embedded on the municipality's own site (another origin), in
Chromium: a citizen in one browser, an agent in another, both live; and a site that is
not in `allowed_origins`, where the widget says it cannot start and nothing is stored."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from desk.extensions import db
from desk.models import ChatSession, Inquiry
from tests.browser.conftest import TIMEOUT_MS
from tests.conftest import TEST_CHANNELS


class Site:
    """A municipality's site on its own port: `/nn.html`, `/en.html`, … embed the widget
    of the desk at `desk` (set once the desk's port is known), with that `lang`."""

    def __init__(self) -> None:
        self.desk = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                lang = self.path.strip("/").removesuffix(".html") or "nb"
                body = (
                    f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
                    f"<title>Eksempel kommune</title></head><body><main>"
                    f"<h1>Eksempel kommune</h1><p>Velkommen.</p></main>"
                    f'<script src="{site.desk}/chat/chat/widget.js"></script>'
                    f"</body></html>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.origin + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    yield site
    site.close()


@pytest.fixture
def other_site() -> Iterator[Site]:
    site = Site()
    yield site
    site.close()


@pytest.fixture
def config_overrides(site: Site) -> dict[str, Any]:
    chat = {"name": "chat", "kind": "webchat", "display_name": "Nettprat",
            "always_open": True, "allowed_origins": [site.origin]}
    return {"channels": [*TEST_CHANNELS, chat]}


@pytest.fixture
def citizen(browser: Any) -> Iterator[Any]:
    """The citizen's own browser: a context of its own, never signed in to the desk."""
    context = browser.new_context(locale="nn-NO")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_citizen_on_the_municipal_site_and_an_agent_chat_live(
        app: Flask, live_server: Any, site: Site, citizen: Any, make_user: Any,
        sign_in_as: Any, axe: Any) -> None:
    from desk.webchat.availability import set_available

    app.config["CHAT_POLL_SECONDS"] = 2  # short polls end soon after the pages close
    site.desk = live_server.base
    kari = make_user("kari")
    set_available(kari, True)
    agent = sign_in_as(kari)  # the agent's browser (the `page` fixture), signed in

    citizen.goto(site.url("/nn.html"))
    launch = citizen.wait_for_selector(".dc-launch")
    assert launch.inner_text() == "Chat med oss"
    # Keyboard only: Tab to the button, Enter opens the panel with the focus in its field.
    citizen.keyboard.press("Tab")
    assert citizen.evaluate("document.activeElement.className") == "dc-launch"
    citizen.keyboard.press("Enter")
    citizen.wait_for_selector("#dc-name")
    assert citizen.evaluate("document.activeElement.id") == "dc-name"
    # The widget speaks the host page's language (nynorsk), not the browser's.
    assert citizen.inner_text("#dc-title") == "Chat med Innbyggjarservice"
    assert citizen.inner_text("label[for=dc-name]") == "Namnet ditt (valfritt)"
    citizen.keyboard.type("Ola Nordmann")
    citizen.keyboard.press("Enter")
    citizen.wait_for_selector("#dc-text")
    assert citizen.evaluate("document.activeElement.id") == "dc-text"
    assert citizen.inner_text("label[for=dc-text]") == "Meldinga di"
    citizen.keyboard.type("Når stengjer biblioteket?")
    citizen.keyboard.press("Enter")
    citizen.wait_for_selector(".dc-citizen")
    axe(citizen)  # the municipality's page with the widget open

    # Escape closes the panel and gives the focus back to the button; Enter opens it again.
    citizen.keyboard.press("Escape")
    assert citizen.is_hidden(".dc-panel")
    assert citizen.evaluate("document.activeElement.className") == "dc-launch"
    assert citizen.get_attribute(".dc-launch", "aria-expanded") == "false"
    citizen.keyboard.press("Enter")
    assert citizen.evaluate("document.activeElement.id") == "dc-text"

    # The agent's page shows the chat waiting without a reload, and they open it.
    inquiry = db.session.scalars(select(Inquiry)).one()
    link = agent.wait_for_selector(f"#chat-waiting a:has-text('{inquiry.reference}')")
    assert "Ola Nordmann" in link.inner_text()
    link.click()
    agent.wait_for_url(f"**/inquiries/{inquiry.id}")
    agent.wait_for_selector("#thread-list .message-inbound:has-text('Når stengjer biblioteket?')")
    agent.click("#action-claim")
    agent.wait_for_selector("text=Du har tatt henvendelsen.")
    # The citizen writes again: it appears on the agent's open page by itself.
    citizen.fill("#dc-text", "Og på laurdag?")
    citizen.keyboard.press("Enter")
    agent.wait_for_selector("#thread-list .message-inbound:has-text('Og på laurdag?')")
    agent.fill("#live-text", "Klokka 19, og klokka 15 på laurdag.")
    agent.click("#live-form button[type=submit]")
    agent.wait_for_selector("#thread-list .message-outbound:has-text('Klokka 19')")
    axe(agent)
    # Each message once on the agent's page: live, and again after a reload.
    for _ in range(2):
        thread = agent.locator("#thread-list > li")
        assert thread.count() == 3, thread.all_inner_texts()
        for text in ("Når stengjer biblioteket?", "Og på laurdag?", "Klokka 19"):
            assert agent.locator(f"main li:has-text('{text}')").count() == 1
        agent.reload()
        agent.wait_for_selector("#thread-list .message-outbound:has-text('Klokka 19')")
        agent.wait_for_timeout(500)  # the page's first poll has come back

    # The citizen sees the answer in the widget, live, and it is announced.
    citizen.wait_for_selector(".dc-desk:has-text('Klokka 19, og klokka 15 på laurdag.')")
    citizen.wait_for_function(
        "document.querySelector('.dc-root [role=status]').textContent.includes('Klokka 19')")
    axe(citizen)


def test_a_site_not_allowed_is_refused_and_the_widget_says_so(
        app: Flask, live_server: Any, other_site: Site, citizen: Any, make_user: Any,
        axe: Any) -> None:
    from desk.webchat.availability import set_available

    set_available(make_user("kari"), True)
    other_site.desk = live_server.base
    failed: list[str] = []
    citizen.on("requestfailed", lambda r: failed.append(r.url) if "/api/" in r.url else None)
    citizen.goto(other_site.url("/en.html"))
    launch = citizen.wait_for_selector(".dc-launch")
    assert launch.inner_text() == "Chat with us"  # the host page's English
    # The desk answered the widget's call 403, without CORS headers: the browser refused it.
    assert failed == [f"{live_server.base}/chat/chat/api/status?lang=en"]
    refused = app.test_client().get("/chat/chat/api/status?lang=en",
                                    headers={"Origin": other_site.origin})
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers
    launch.focus()
    citizen.keyboard.press("Enter")
    alert = citizen.wait_for_selector(".dc-panel [role=alert]")
    assert alert.inner_text().startswith("The chat cannot start on this page.")
    assert citizen.evaluate("document.activeElement.getAttribute('role')") == "alert"
    assert citizen.locator("#dc-name, #dc-text").count() == 0
    axe(citizen)
    citizen.keyboard.press("Escape")
    assert citizen.evaluate("document.activeElement.className") == "dc-launch"
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ChatSession.id))) == 0
    assert db.session.scalar(select(func.count(Inquiry.id))) == 0
