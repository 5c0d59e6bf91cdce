"""The one place that reads a web chat channel's `[[channels]]` options."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.webchat import Limits
from desk.config import ChannelConfig, DeskConfig
from desk.drivers.options import ChannelOptions


@dataclass(frozen=True)
class ChatSettings:
    channel: str
    # The municipality's sites that may embed the widget ("https://www.kommune.no").
    allowed_origins: frozenset[str]
    limits: Limits
    # A chat the citizen has left this long ends (an event; the inquiry stays open).
    idle_minutes: int
    # A token unused this long is no longer accepted (401).
    session_hours: int
    # Rate limits: a flood gets 429 and nothing is stored.
    messages_per_minute: int
    starts_per_ip_per_hour: int
    requests_per_ip_per_minute: int
    # Open around the clock (the demo): opening hours do not close the chat.
    always_open: bool
    # The staff sign-in page links to the chat page (the demo, where the same person
    # tries both sides); off in production, where citizens find the chat on the site.
    show_on_login: bool = False


def chat_settings(cfg: ChannelConfig, config: DeskConfig) -> ChatSettings:
    read = ChannelOptions(cfg, config.source)
    attachment_bytes = min(read.integer("attachment_bytes", 10 * 1024 * 1024),
                           config.attachments.max_bytes)
    return ChatSettings(
        channel=cfg.name,
        allowed_origins=read.origins("allowed_origins"),
        limits=Limits(message_chars=read.integer("message_chars", 4000),
                      attachment_bytes=attachment_bytes),
        idle_minutes=read.integer("idle_minutes", 15),
        session_hours=read.integer("session_hours", 24),
        messages_per_minute=read.integer("messages_per_minute", 20),
        starts_per_ip_per_hour=read.integer("starts_per_ip_per_hour", 30),
        requests_per_ip_per_minute=read.integer("requests_per_ip_per_minute", 240),
        always_open=read.flag("always_open", False),
        show_on_login=read.flag("show_on_login", False),
    )
