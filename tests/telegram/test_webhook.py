"""Webhook mode, the set-webhook CLI, the connection test and the settings."""

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from desk.extensions import db
from desk.models import Direction, Message
from tests.botapi import BotApiServer, text_update
from tests.telegram.conftest import WEBHOOK_SECRET


def inbound_count() -> int:
    n = db.session.scalar(select(func.count(Message.id)).where(
        Message.direction == Direction.INBOUND))
    db.session.rollback()
    return n


def post(client: FlaskClient, update: Any, secret: str | None = WEBHOOK_SECRET,
         channel: str = "hook") -> Any:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post(f"/hooks/telegram/{channel}", data=json.dumps(update),
                       content_type="application/json", headers=headers)


def update(botapi: BotApiServer, text: str = "Hei via webhook") -> dict[str, Any]:
    return {"update_id": 5000 + botapi.next_message_id(1), **text_update(botapi, text)}


def test_the_right_secret_stores_the_update_and_a_repeat_is_a_duplicate(
        client: FlaskClient, botapi: BotApiServer) -> None:
    sent = update(botapi)
    assert post(client, sent).status_code == 200
    assert inbound_count() == 1
    assert post(client, sent).status_code == 200  # Telegram delivering it again
    assert inbound_count() == 1


@pytest.mark.parametrize("secret", [None, "", "wrong", WEBHOOK_SECRET + "x"])
def test_a_wrong_or_missing_secret_is_refused_and_nothing_stored(
        client: FlaskClient, botapi: BotApiServer, secret: str | None) -> None:
    assert post(client, update(botapi), secret).status_code == 403
    assert inbound_count() == 0


def test_a_polling_channel_or_unknown_name_has_no_webhook(
        client: FlaskClient, botapi: BotApiServer) -> None:
    assert post(client, update(botapi), channel="tg").status_code == 404
    assert post(client, update(botapi), channel="post").status_code == 404
    assert post(client, update(botapi), channel="nobody").status_code == 404


def test_a_database_failure_answers_500_so_telegram_retries(
        client: FlaskClient, botapi: BotApiServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from desk.telegram import webhook

    def database_down(*_args: Any) -> str:
        raise OperationalError("INSERT", {}, Exception("the database went away"))

    monkeypatch.setattr(webhook, "take_in_update", database_down)
    sent = update(botapi)
    assert post(client, sent).status_code == 500
    monkeypatch.undo()
    assert post(client, sent).status_code == 200 and inbound_count() == 1


def test_an_unreadable_update_is_quarantined_and_acknowledged(
        client: FlaskClient, botapi: BotApiServer) -> None:
    from desk.models import QuarantineItem

    response = client.post("/hooks/telegram/hook", data=b"{not json",
                           headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert response.status_code == 200
    [held] = db.session.scalars(select(QuarantineItem))
    assert held.raw == b"{not json" and "not JSON" in held.reason


def test_set_webhook_and_delete_webhook_commands(app: Flask, botapi: BotApiServer) -> None:
    from desk.cli import main

    runner = app.test_cli_runner()
    result = runner.invoke(main, ["telegram", "set-webhook", "hook", "https://desk.kommune.no/"])
    assert result.exit_code == 0, result.output
    assert botapi.state.webhook == {
        "url": "https://desk.kommune.no/hooks/telegram/hook", "secret_token": WEBHOOK_SECRET,
        "allowed_updates": ["message", "edited_message"]}
    result = runner.invoke(main, ["telegram", "delete-webhook", "hook"])
    assert result.exit_code == 0 and botapi.state.webhook is None
    # A polling channel has no webhook to set; an unknown one is named.
    result = runner.invoke(main, ["telegram", "set-webhook", "tg", "https://desk.kommune.no"])
    assert result.exit_code != 0 and "polls" in result.output
    result = runner.invoke(main, ["telegram", "set-webhook", "post", "https://x"])
    assert result.exit_code != 0 and "no Telegram channel" in result.output
    botapi.fail("setWebhook", 400, "Bad Request: bad webhook: HTTPS url must be provided")
    result = runner.invoke(main, ["telegram", "set-webhook", "hook", "http://x"])
    assert result.exit_code != 0 and "https url must be provided" in result.output.lower()


def test_check_asks_get_me(app: Flask, botapi: BotApiServer) -> None:
    from desk.config import current_config
    from desk.drivers import ChannelCheckError, driver_for

    config = current_config()
    cfg = config.channel("tg")
    driver = driver_for("telegram")
    assert driver.check(cfg, config, app.instance_path) == "@kommune_desk_bot answered"
    botapi.fail("getMe", 401)
    with pytest.raises(ChannelCheckError, match="Unauthorized"):
        driver.check(cfg, config, app.instance_path)


@pytest.mark.parametrize(("options", "error"), [
    ({}, "missing setting 'channels.bad.token'"),
    ({"token": "t", "mode": "push"}, "'channels.bad.mode' must be one of polling, webhook"),
    ({"token": "t", "mode": "webhook"}, "missing setting 'channels.bad.webhook_secret'"),
    ({"token": "t", "api_url": "ftp://x"}, "'channels.bad.api_url' must be an http(s) URL"),
    ({"token": "t", "poll_timeout": "many"}, "'channels.bad.poll_timeout' must be a positive"),
])
def test_settings_errors_are_one_line(app: Flask, options: dict[str, Any], error: str) -> None:
    from desk.config import ChannelConfig, ConfigError, current_config
    from desk.drivers import driver_for

    cfg = ChannelConfig(name="bad", kind="telegram", options=options)
    with pytest.raises(ConfigError) as caught:
        driver_for("telegram").settings(cfg, current_config())
    assert error in str(caught.value) and "\n" not in str(caught.value)


def test_settings_from_the_environment_as_strings(app: Flask) -> None:
    from desk.config import ChannelConfig, current_config
    from desk.drivers import driver_for

    cfg = ChannelConfig(name="env", kind="telegram", options={
        "token": "123:abc", "mode": "webhook", "webhook_secret": "s", "poll_timeout": "10",
        "welcome_nn": "Velkomen!"})
    s = driver_for("telegram").settings(cfg, current_config())
    assert (s.api_url, s.mode, s.poll_timeout, s.welcome) == (
        "https://api.telegram.org", "webhook", 10, {"nn": "Velkomen!"})
    # A log-only channel (the demo) needs no token and runs no bot.
    log_only = ChannelConfig(name="demo", kind="telegram", connector="log")
    assert not driver_for("telegram").settings(log_only, current_config()).polls
