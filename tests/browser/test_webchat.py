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
