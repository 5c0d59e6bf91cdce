"""The web chat in Chromium: the citizen's standalone page, checked by axe-core, used
with the keyboard alone, and an agent's answer appearing live."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from desk import workflow
from desk.extensions import db
from desk.models import Inquiry
from desk.outbox import dispatch_due
from tests.conftest import TEST_CHANNELS

CHAT = {"name": "chat", "kind": "webchat", "display_name": "Nettprat", "always_open": True}


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"channels": [*TEST_CHANNELS, CHAT]}


def test_the_chat_page_by_keyboard_with_a_live_answer(app: Flask, page: Any, axe: Any,
                                                      make_user: Any) -> None:
    from desk.webchat.availability import set_available

    # Short polls, so the server's threads end soon after the page closes.
    app.config["CHAT_POLL_SECONDS"] = 2
    agent = make_user("kari")
    set_available(agent, True)
    page.goto("/chat/chat")
    page.wait_for_selector("#dc-name")
    axe(page)
    # Keyboard only: the name field has the focus; type, tab on, Enter starts the chat.
    assert page.evaluate("document.activeElement.id") == "dc-name"
    page.keyboard.type("Ola <b>Nordmann</b>")
    page.keyboard.press("Enter")
    page.wait_for_selector("#dc-text")
    assert page.evaluate("document.activeElement.id") == "dc-text"
    page.keyboard.type("<script>alert(1)</script> Når stenger biblioteket?")
    page.keyboard.press("Enter")
    page.wait_for_selector(".dc-citizen")
    assert "<script>alert(1)</script>" in page.inner_text(".dc-citizen")

    inquiry = db.session.scalars(select(Inquiry)).one()
    workflow.reply(agent, inquiry.id, "Klokka 19.")
    dispatch_due("test-worker")
    page.wait_for_selector(".dc-desk")
    assert "Klokka 19." in page.inner_text(".dc-desk")
    page.wait_for_function(
        "document.querySelector('.dc-root [role=status]').textContent.includes('Klokka 19.')")
    axe(page)


def test_send_again_after_a_network_error_answers_once(app: Flask, page: Any, sign_in_as: Any,
                                                       make_user: Any, axe: Any) -> None:
    """The reply reaches the desk but its answer is lost: Send again must not send a copy."""
    from desk.models import Direction, Message
    from tests.webchat.conftest import Widget

    app.config["CHAT_POLL_SECONDS"] = 2
    agent = make_user("kari")
    widget = Widget(app.test_client(), origin="http://localhost")  # the desk's own page
    assert widget.start(name="Ola").status_code == 201
    widget.say("Hei, er det noen der?")
    inquiry = db.session.scalars(select(Inquiry)).one()

    calls: list[int] = []

    def lose_the_first_answer(route: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            route.fetch()  # the desk takes the reply in and answers, but the page never hears
            route.abort("connectionreset")
        else:
            route.continue_()

    sign_in_as(agent)
    page.route("**/chat/reply", lose_the_first_answer)
    page.goto(f"/inquiries/{inquiry.id}")
    page.fill("#live-text", "Ja, her er jeg.")
    key = page.input_value("#live-key")
    page.click("#live-form button[type=submit]")
    page.wait_for_selector("#live-error:not(:empty)")
    assert page.input_value("#live-text") == "Ja, her er jeg."  # kept, with its key
    assert page.input_value("#live-key") == key
    page.click("#live-form button[type=submit]")
    page.wait_for_function("document.getElementById('live-text').value === ''")
    assert page.input_value("#live-key") != key  # a cleared box has a new key
    page.wait_for_selector("#thread-list .message-outbound:has-text('Ja, her er jeg.')")
    axe(page)
    db.session.expire_all()
    answers = db.session.scalars(select(Message).where(
        Message.direction == Direction.OUTBOUND)).all()
    assert [m.text for m in answers] == ["Ja, her er jeg."] and len(calls) == 2
    assert page.locator("main li:has-text('Ja, her er jeg.')").count() == 1
    lines = widget.poll().get_json()["lines"]
    assert [line["text"] for line in lines] == ["Hei, er det noen der?", "Ja, her er jeg."]
