"""The sign-in page links to the chat only where the config says so: the demo does."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from desk.demo import demo_channels
from tests.conftest import TEST_CHANNELS
from tests.webchat.conftest import CHAT_CHANNEL


def test_a_webchat_channel_alone_puts_no_chat_on_the_sign_in_page(app: Flask,
                                                                  client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "/chat/chat" not in page


@pytest.mark.parametrize("config_overrides", [
    {"channels": [*TEST_CHANNELS, {**CHAT_CHANNEL, "show_on_login": True}]},
])
def test_show_on_login_links_the_chat_page(app: Flask, client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/chat/chat"' in page


def test_the_demo_shows_its_chat_on_the_sign_in_page() -> None:
    chats = [c for c in demo_channels("demo-outbox.log") if c["kind"] == "webchat"]
    assert chats and all(c["show_on_login"] for c in chats)
