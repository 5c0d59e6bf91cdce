"""A local Bot API server per test, and a desk whose Telegram channels talk to it:
`tg` polls, `hook` takes webhooks."""

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.botapi import BotApiServer

WEBHOOK_SECRET = "s3cret-Token_for-webhooks"


@pytest.fixture
def botapi() -> Iterator[BotApiServer]:
    with BotApiServer() as server:
        yield server


@pytest.fixture
def config_overrides(botapi: BotApiServer) -> dict[str, Any]:
    common = {"kind": "telegram", "token": botapi.token, "api_url": botapi.url,
              "request_timeout": 2, "poll_timeout": 1, "lease_seconds": 30, "retry_seconds": 2}
    return {"channels": [
        {"name": "post", "kind": "email", "display_name": "Postmottak", "connector": "log",
         "path": "outbox.log", "address": "post@kommune.example"},
        {"name": "tg", "display_name": "Telegram", **common},
        {"name": "hook", "display_name": "Telegram (webhook)", "mode": "webhook",
         "webhook_secret": WEBHOOK_SECRET, **common},
    ]}


def settings(app: Flask, name: str = "tg") -> Any:
    from desk.config import current_config
    from desk.drivers import driver_for

    config = current_config()
    cfg = config.channel(name)
    assert cfg is not None
    return driver_for(cfg.kind).settings(cfg, config)


def pull(app: Flask, name: str = "tg") -> Any:
    """One bounded take-in run of the channel, as the worker's take-in job runs it."""
    from desk.config import current_config
    from desk.drivers import driver_for

    config = current_config()
    cfg = config.channel(name)
    assert cfg is not None
    return driver_for(cfg.kind).pull(cfg, config, "test-worker")
