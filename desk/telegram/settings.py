"""The one place that reads a Telegram channel's `[[channels]]` options."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.telegram.api import DEFAULT_API_URL, BotApi
from desk.config import ChannelConfig, ConfigError, DeskConfig
from desk.drivers.options import ChannelOptions

MODES = ("polling", "webhook")
# What the desk asks Telegram for (getUpdates and setWebhook); anything else that
# still comes is acknowledged and not stored.
ALLOWED_UPDATES = ("message", "edited_message")


@dataclass(frozen=True)
class TelegramSettings:
    channel: str
    # None for a channel whose replies only go to a file (connector = "log"): no bot to run.
    token: str | None
    api_url: str
    mode: str  # polling | webhook
    webhook_secret: str | None
    # Configured welcomes by language (nb, nn, en); missing ones use the translated default.
    welcome: dict[str, str]
    # The watcher's long poll, and the bounded pull run's short one, in seconds.
    poll_timeout: int
    pull_timeout: int
    batch_size: int
    lease_seconds: int
    # The longest wait between attempts after errors (network, 5xx, 409 conflict).
    retry_seconds: int
    request_timeout: int

    def connect(self) -> BotApi:
        """A connection to the bot (close it after use)."""
        if not self.token:
            raise ConfigError(f"channel {self.channel} has no Telegram token")
        return BotApi(self.token, self.api_url, timeout=self.request_timeout)

    @property
    def polls(self) -> bool:
        return self.token is not None and self.mode == "polling"


def telegram_settings(cfg: ChannelConfig, config: DeskConfig) -> TelegramSettings:
    read = ChannelOptions(cfg, config.source)
    token = read.text("token") if cfg.connector == "log" else read.required("token")
    api_url = (read.text("api_url", DEFAULT_API_URL) or DEFAULT_API_URL).rstrip("/")
    if not api_url.startswith(("https://", "http://")):
        raise ConfigError(f"{config.source}: 'channels.{cfg.name}.api_url' must be an http(s) "
                          f"URL, not {api_url!r}")
    mode = read.choice("mode", MODES, "polling")
    secret = read.text("webhook_secret")
    if mode == "webhook" and token and not secret:
        raise ConfigError(f"{config.source}: missing setting 'channels.{cfg.name}.webhook_secret' "
                          "(mode = \"webhook\" needs it)")
    poll_timeout = read.integer("poll_timeout", 25)
    lease_seconds = read.integer("lease_seconds", 90)
    if lease_seconds < 2 * poll_timeout + 10:
        raise ConfigError(f"{config.source}: 'channels.{cfg.name}.lease_seconds' must be at "
                          f"least {2 * poll_timeout + 10} (twice poll_timeout and 10 s)")
    welcome = {lang: text for lang in ("nb", "nn", "en")
               if (text := read.text(f"welcome_{lang}"))}
    return TelegramSettings(
        channel=cfg.name, token=token if cfg.connector != "log" else None, api_url=api_url,
        mode=mode, webhook_secret=secret, welcome=welcome, poll_timeout=poll_timeout,
        pull_timeout=read.integer("pull_timeout", 1), batch_size=read.integer("batch_size", 100),
        lease_seconds=lease_seconds, retry_seconds=read.integer("retry_seconds", 60),
        request_timeout=read.integer("request_timeout", 20),
    )
