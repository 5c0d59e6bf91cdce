"""Telegram: a bot read by long polling (a watcher thread, or the take-in job's short
run) or by webhook, answering through the Bot API."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from connectors.base import InboundMessage, Sender
from desk.config import ChannelConfig, DeskConfig
from desk.drivers.base import ChannelCheckError, Driver, Field, TakeInReport, Watcher
from desk.models import IdentityKind

if TYPE_CHECKING:
    from flask import Flask

    from desk.telegram.settings import TelegramSettings


class TelegramDriver(Driver):
    kind = "telegram"
    identity = IdentityKind.TELEGRAM
    icon = "✈"
    fields = (
        Field("token", _l("Bot token"), "secret", required=True,
              help=_l("From @BotFather, e.g. 123456:ABC-DEF…")),
        Field("api_url", _l("Bot API address"), "url", default="https://api.telegram.org",
              help=_l("Change only for a Bot API server of your own.")),
        Field("mode", _l("How updates arrive"), "choice", default="polling",
              choices=("polling", "webhook"),
              help=_l("Polling needs nothing public; a webhook needs the desk reachable from "
                      "the internet and `desk telegram set-webhook`.")),
        Field("webhook_secret", _l("Webhook secret"), "secret",
              help=_l("Webhook mode only: letters, digits, _ and -, up to 256 characters.")),
        Field("welcome_nb", _l("Welcome in bokmål"), "text",
              help=_l("The answer to /start; empty: the desk's own.")),
        Field("welcome_nn", _l("Welcome in nynorsk"), "text"),
        Field("welcome_en", _l("Welcome in English"), "text"),
    )

    def settings(self, cfg: ChannelConfig, config: DeskConfig) -> TelegramSettings:
        from desk.telegram.settings import telegram_settings

        return telegram_settings(cfg, config)

    def sender(self, cfg: ChannelConfig, config: DeskConfig, instance: Path) -> Sender | None:
        from connectors.telegram.send import TelegramSender
        from desk.telegram.ledger import DatabaseLedger

        settings = self.settings(cfg, config)
        return TelegramSender(settings.connect, DatabaseLedger())

    def check(self, cfg: ChannelConfig, config: DeskConfig, instance: Path) -> str:
        from telegram.error import TelegramError

        settings = self.settings(cfg, config)
        if not settings.token:
            raise ChannelCheckError("the channel has no bot token")
        try:
            with settings.connect() as api:
                me = api.get_me()
        except TelegramError as exc:
            raise ChannelCheckError(f"Telegram: {exc.message}") from exc
        return f"@{me.username} answered"

    def pull(self, cfg: ChannelConfig, config: DeskConfig, holder: str) -> TakeInReport | None:
        from desk.telegram.polling import pull

        settings = self.settings(cfg, config)
        return pull(settings, holder) if settings.polls else None

    def watchers(self, app: Flask, cfg: ChannelConfig, config: DeskConfig,
                 holder: str) -> list[Watcher]:
        """A long-polling thread, with a lease holder of its own (not the poll job's)."""
        from desk.telegram.polling import PollWatcher

        settings = self.settings(cfg, config)
        if not settings.polls:
            return []
        watcher = PollWatcher(app, settings, f"{holder}/telegram")
        watcher.start()
        return [watcher]

    def replay(self, raw: bytes, channel: str) -> InboundMessage:
        from desk.config import current_config
        from desk.telegram.intake import read_again

        config = current_config()
        cfg = config.channel(channel)
        if cfg is None:
            raise ValueError(f"no channel {channel!r} in the config")
        settings = self.settings(cfg, config)
        if not settings.token:
            raise ValueError("the channel has no bot token to fetch files with")
        with settings.connect() as api:
            return read_again(api, raw, channel)

    def init_app(self, app: Flask) -> None:
        from desk.telegram.webhook import init_app

        init_app(app)
