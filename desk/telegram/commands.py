"""`desk telegram ...`: set or delete a channel's webhook at Telegram."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from flask import current_app

if TYPE_CHECKING:
    from desk.telegram.settings import TelegramSettings


def _settings(channel: str) -> TelegramSettings:
    from desk.cli import check_schema
    from desk.config import ConfigError, current_config
    from desk.drivers.telegram import TelegramDriver

    check_schema(current_app)
    config = current_config()
    cfg = config.channel(channel)
    if cfg is None or cfg.kind != TelegramDriver.kind:
        raise click.ClickException(f"no Telegram channel named {channel!r} in the config")
    try:
        settings = TelegramDriver().settings(cfg, config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if not settings.token:
        raise click.ClickException(f"channel {channel} has no bot token")
    return settings


def hook_url(public_url: str, channel: str) -> str:
    """The channel's webhook address under the desk's public address (or that address
    itself when it already names the hook)."""
    path = f"/hooks/telegram/{channel}"
    base = public_url.rstrip("/")
    return base if base.endswith(path) else base + path


@click.group("telegram")
def telegram() -> None:
    """Telegram bots: set or delete a channel's webhook."""


@telegram.command("set-webhook")
@click.argument("channel")
@click.argument("public_url")
def set_webhook(channel: str, public_url: str) -> None:
    """Have Telegram POST CHANNEL's updates to PUBLIC_URL (the desk's https address)."""
    from telegram.error import TelegramError

    from desk.telegram.settings import ALLOWED_UPDATES

    settings = _settings(channel)
    if settings.mode != "webhook":
        raise click.ClickException(f"channel {channel} polls (mode = \"polling\"); set "
                                   "mode = \"webhook\" and a webhook_secret first")
    url = hook_url(public_url, channel)
    try:
        with settings.connect() as api:
            api.set_webhook(url, settings.webhook_secret, ALLOWED_UPDATES)
    except TelegramError as exc:
        raise click.ClickException(f"Telegram refused: {exc.message}") from None
    click.echo(f"{channel}: Telegram sends updates to {url}")


@telegram.command("delete-webhook")
@click.argument("channel")
def delete_webhook(channel: str) -> None:
    """Stop Telegram's POSTs for CHANNEL (polling can then read its updates)."""
    from telegram.error import TelegramError

    settings = _settings(channel)
    try:
        with settings.connect() as api:
            api.delete_webhook()
    except TelegramError as exc:
        raise click.ClickException(f"Telegram refused: {exc.message}") from None
    click.echo(f"{channel}: webhook deleted")
