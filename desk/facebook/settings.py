"""The one place that reads a Facebook channel's `[[channels]]` options."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.facebook.graph import DEFAULT_GRAPH_URL, DEFAULT_GRAPH_VERSION, GraphClient
from desk.config import ChannelConfig, ConfigError, DeskConfig, current_config
from desk.drivers.options import ChannelOptions


@dataclass(frozen=True)
class FacebookSettings:
    channel: str
    page_id: str
    # Secrets, normally from DESK_CHANNEL_<NAME>_PAGE_ACCESS_TOKEN and the like.
    page_access_token: str
    app_secret: str
    verify_token: str
    graph_url: str
    graph_version: str
    # The private reply that invites a commenter to Messenger; None: the desk's own
    # translated text in the inquiry's language.
    private_reply_text: str | None
    timeout_seconds: int

    def client(self) -> GraphClient:
        return GraphClient(self.page_id, self.page_access_token, graph_url=self.graph_url,
                           version=self.graph_version, timeout=self.timeout_seconds)

    def __repr__(self) -> str:  # never the secrets in a log
        return f"FacebookSettings(channel={self.channel!r}, page_id={self.page_id!r})"


def facebook_settings(cfg: ChannelConfig, config: DeskConfig) -> FacebookSettings:
    read = ChannelOptions(cfg, config.source)
    version = read.text("graph_version", DEFAULT_GRAPH_VERSION) or DEFAULT_GRAPH_VERSION
    if not (version.startswith("v") and version[1:].replace(".", "", 1).isdigit()):
        raise ConfigError(f"{config.source}: 'channels.{cfg.name}.graph_version' must look "
                          f"like \"{DEFAULT_GRAPH_VERSION}\", not {version!r}")
    url = read.text("graph_url", DEFAULT_GRAPH_URL) or DEFAULT_GRAPH_URL
    if not url.startswith(("https://", "http://")):
        raise ConfigError(f"{config.source}: 'channels.{cfg.name}.graph_url' must be an "
                          f"http(s) URL, not {url!r}")
    return FacebookSettings(
        channel=cfg.name,
        page_id=read.required("page_id"),
        page_access_token=read.required("page_access_token"),
        app_secret=read.required("app_secret"),
        verify_token=read.required("verify_token"),
        graph_url=url,
        graph_version=version,
        private_reply_text=read.text("private_reply_text"),
        timeout_seconds=read.integer("timeout_seconds", 20),
    )


def settings_of(channel: str) -> FacebookSettings:
    """The settings of the configured Facebook channel `channel`; ConfigError if none."""
    config = current_config()
    cfg = config.channel(channel)
    if cfg is None or cfg.kind != "facebook":
        raise ConfigError(f"no Facebook channel named {channel!r}")
    return facebook_settings(cfg, config)
