"""The web chat: a widget on the municipality's own site (or the desk's chat page)
talking JSON to the desk, answers delivered to the citizen's long poll."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from connectors.base import Sender
from desk.config import ChannelConfig, DeskConfig
from desk.drivers.base import Driver, Field
from desk.models import IdentityKind

if TYPE_CHECKING:
    from flask import Flask

    from desk.webchat.settings import ChatSettings


class WebchatDriver(Driver):
    kind = "webchat"
    identity = IdentityKind.WEBCHAT
    icon = "◉"
    live = True
    # What `desk.webchat.settings` reads.
    fields = (
        Field("allowed_origins", _l("Sites that may show the chat"), "origins",
              help=_l("One origin a line, like https://www.kommune.no. Blank: only the "
                      "desk's own chat page.")),
        Field("always_open", _l("Open around the clock"), "flag", default=False,
              help=_l("Off: the chat is open in the opening hours only.")),
        Field("idle_minutes", _l("End a chat left idle after (minutes)"), "integer", default=15),
        Field("session_hours", _l("A chat's sign-in lasts (hours)"), "integer", default=24),
        Field("message_chars", _l("Longest message (characters)"), "integer", default=4000),
        Field("attachment_bytes", _l("Largest attachment (bytes)"), "integer",
              default=10 * 1024 * 1024),
        Field("messages_per_minute", _l("Messages per chat per minute"), "integer",
              default=20),
        Field("starts_per_ip_per_hour", _l("New chats per address per hour"), "integer",
              default=30),
        Field("requests_per_ip_per_minute", _l("Requests per address per minute"), "integer",
              default=240),
        Field("show_on_login", _l("Link to the chat from the staff sign-in page"), "flag",
              default=False, help=_l("For a demo; off in production.")),
    )

    def settings(self, cfg: ChannelConfig, config: DeskConfig) -> ChatSettings:
        from desk.webchat.settings import chat_settings

        return chat_settings(cfg, config)

    def sender(self, cfg: ChannelConfig, config: DeskConfig, instance: Path) -> Sender | None:
        from desk.webchat.delivery import ChatStream

        return ChatStream(cfg.name)

    def upkeep(self, cfg: ChannelConfig, config: DeskConfig, now: datetime) -> int:
        """End the chats left idle (the worker's periodic job); how many ended."""
        from desk.webchat.conversation import end_idle

        return end_idle(self.settings(cfg, config), now)

    def init_app(self, app: Flask) -> None:
        from desk.web.chat import init_app

        init_app(app)
