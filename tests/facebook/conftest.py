"""A desk with a Facebook channel whose Graph API is a real local server
(`tests.graphapi`), and a client that posts signed webhook deliveries as Facebook does."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from connectors.facebook.webhook import sign
from tests.conftest import TEST_CHANNELS
from tests.graphapi import GraphAPI

PAGE = "1000"
SECRET = "app-secret-for-tests"
VERIFY = "verify-token-for-tests"
HOOK = "/hooks/facebook/fb"
_ids = itertools.count(1)


@pytest.fixture
def graph() -> Iterator[GraphAPI]:
    api = GraphAPI(page_id=PAGE).start()
    yield api
    api.stop()


def facebook_channel(graph: GraphAPI, **options: Any) -> dict[str, Any]:
    return {"name": "fb", "kind": "facebook", "display_name": "Facebook", "page_id": PAGE,
            "page_access_token": graph.token, "app_secret": SECRET, "verify_token": VERIFY,
            "graph_url": graph.url, **options}


@pytest.fixture
def config_overrides(graph: GraphAPI) -> dict[str, Any]:
    return {"channels": [*TEST_CHANNELS, facebook_channel(graph)]}


class Hook:
    """Facebook's side of the webhook: deliveries signed with the app secret."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def post(self, payload: dict[str, Any] | bytes, secret: str | None = SECRET,
             signature: str | None = None) -> Any:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        elif secret is not None:
            headers["X-Hub-Signature-256"] = sign(body, secret)
        return self.client.post(HOOK, data=body, headers=headers)


@pytest.fixture
def hook(client: FlaskClient) -> Hook:
    return Hook(client)


def delivery(*messaging: dict[str, Any], changes: tuple[dict[str, Any], ...] = ()
             ) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": PAGE, "time": int(time.time() * 1000)}
    if messaging:
        entry["messaging"] = list(messaging)
    if changes:
        entry["changes"] = list(changes)
    return {"object": "page", "entry": [entry]}


def message(psid: str = "7001", text: str = "Hei, når tømmes søppelet?", mid: str | None = None,
            at_ms: int | None = None, **fields: Any) -> dict[str, Any]:
    """A Messenger message event as the Messenger Platform sends it."""
    body: dict[str, Any] = {"mid": mid or f"m_test{next(_ids)}"}
    if text:
        body["text"] = text
    body.update(fields)
    return {"sender": {"id": psid}, "recipient": {"id": PAGE},
            "timestamp": at_ms or int(time.time() * 1000), "message": body}


def comment(comment_id: str | None = None, author: str = "55501", name: str = "Kari Nordmann",
            text: str = "Hvorfor er ikke veien brøytet?", post_id: str = f"{PAGE}_42",
            parent_id: str | None = None, **value: Any) -> dict[str, Any]:
    """A feed change for a new comment on the Page's post."""
    cid = comment_id or f"42_{next(_ids)}"
    return {"field": "feed", "value": {
        "from": {"id": author, "name": name}, "item": "comment", "verb": "add",
        "comment_id": cid, "post_id": post_id, "parent_id": parent_id or post_id,
        "message": text, "created_time": int(time.time()),
        "post": {"id": post_id, "permalink_url": f"https://www.facebook.com/{post_id}"},
        **value}}
