"""Fixtures for the web chat: a desk with a chat channel, a client that speaks to its API
as the widget does (bearer token, Origin), and an agent who is available."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import TEST_CHANNELS

SITE = "https://www.kommune.example"
CHAT_CHANNEL = {"name": "chat", "kind": "webchat", "display_name": "Nettprat",
                "allowed_origins": [SITE], "always_open": True, "messages_per_minute": 5}


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"channels": [*TEST_CHANNELS, CHAT_CHANNEL]}


class Widget:
    """The widget's calls, from the municipality's site."""

    def __init__(self, client: FlaskClient, origin: str = SITE, channel: str = "chat") -> None:
        self.client, self.origin, self.channel = client, origin, channel
        self.token: str | None = None

    def _headers(self) -> dict[str, str]:
        headers = {"Origin": self.origin}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def url(self, path: str) -> str:
        return f"/chat/{self.channel}/api/{path}"

    def status(self, lang: str = "nb") -> Any:
        return self.client.get(self.url(f"status?lang={lang}"), headers=self._headers())

    def start(self, **fields: Any) -> Any:
        response = self.client.post(self.url("start"), json=fields, headers=self._headers())
        if response.status_code == 201:
            self.token = response.get_json()["token"]
        return response

    def say(self, text: str, message_id: str | None = None) -> Any:
        return self.client.post(self.url("messages"), headers=self._headers(),
                                json={"id": message_id or str(uuid.uuid4()), "text": text})

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.client.post(self.url(path), headers=self._headers(), **kwargs)

    def poll(self, after: int = 0, wait: int = 0) -> Any:
        return self.client.get(self.url(f"messages?after={after}&wait={wait}"),
                               headers=self._headers())


@pytest.fixture
def widget(client: FlaskClient) -> Widget:
    return Widget(client)


@pytest.fixture
def agent(app: Flask, make_user: Any) -> Any:
    from desk.webchat.availability import set_available

    user = make_user("kari")
    set_available(user, True)
    return user
