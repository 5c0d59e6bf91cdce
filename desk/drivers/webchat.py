"""The web chat: a widget on the municipality's own site (or the desk's chat page)
talking JSON to the desk, answers delivered to the citizen's long poll."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.base import Sender
from desk.config import ChannelConfig, DeskConfig
from desk.drivers.base import Driver
from desk.models import IdentityKind

if TYPE_CHECKING:
    from flask import Flask

    from desk.webchat.settings import ChatSettings


class WebchatDriver(Driver):
    kind = "webchat"
    identity = IdentityKind.WEBCHAT
    icon = "◉"
    live = True

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
