"""Channel rows kept in step with the config, and the connector each one sends through."""

import logging
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from connectors.base import Sender
from desk.config import ChannelConfig, DeskConfig, current_config
from desk.database import transaction
from desk.errors import UnknownChannel
from desk.extensions import db
from desk.models import Channel, IdentityKind

log = logging.getLogger(__name__)

# Channels every desk has, whatever the config says: inquiries an agent
# registers by hand, and mail imported from files.
BUILT_IN = (
    ChannelConfig(name="phone", kind="phone", display_name="Telefon", receipts=False),
    ChannelConfig(name="walkin", kind="walkin", display_name="Oppmøte", receipts=False),
    ChannelConfig(name="import", kind="import", display_name="Import", receipts=False),
)
# Channels where a reply is given by a person (a call back), not sent by the desk.
MANUAL_KINDS = frozenset({"phone", "walkin"})

_IDENTITY = {
    "email": IdentityKind.EMAIL,
    "import": IdentityKind.EMAIL,
    "log": IdentityKind.EMAIL,
    "telegram": IdentityKind.TELEGRAM,
    "facebook": IdentityKind.FACEBOOK,
    "webchat": IdentityKind.WEBCHAT,
    "phone": IdentityKind.PHONE,
    "walkin": IdentityKind.PHONE,
}


def identity_kind(channel_kind: str) -> IdentityKind:
    return _IDENTITY[channel_kind]


def configured_channels(config: DeskConfig) -> tuple[ChannelConfig, ...]:
    names = {c.name for c in config.channels}
    return config.channels + tuple(c for c in BUILT_IN if c.name not in names)


def configured_kind(name: str, config: DeskConfig) -> str:
    """The kind of the channel `name`, from the config (which its row follows).

    A channel that left the config takes in nothing more: UnknownChannel.
    """
    kind = next((c.kind for c in configured_channels(config) if c.name == name), None)
    if kind is None:
        raise unknown_channel(name)
    return kind


def sync_channels(config: DeskConfig | None = None) -> None:
    """Create or update a row for every configured channel (idempotent).

    A channel that left the config keeps its row, since inquiries refer to
    it; it is only disabled.
    """
    config = config or current_config()
    wanted = {c.name: c for c in configured_channels(config)}
    with transaction() as session:
        rows = {row.name: row for row in session.scalars(select(Channel))}
        for name, cfg in wanted.items():
            row = rows.get(name) or Channel(name=name, cursor={})
            row.kind = cfg.kind
            row.display_name = cfg.display_name or name
            row.receipts = cfg.receipts
            if name not in rows:
                row.enabled = cfg.enabled
                session.add(row)
        for name, row in rows.items():
            if name not in wanted and row.enabled:
                log.info("channel %s is no longer configured; disabling it", name)
                row.enabled = False


def channel_by_name(name: str) -> Channel:
    channel = db.session.scalar(select(Channel).where(Channel.name == name))
    if channel is None:
        raise unknown_channel(name)
    return channel


def unknown_channel(name: str) -> UnknownChannel:
    return UnknownChannel(f"no channel named {name!r}; is it in the config?")


def sender_for(channel: Channel, config: DeskConfig | None = None) -> Sender:
    """Build the connector that sends on `channel`, from its config entry."""
    config = config or current_config()
    cfg = config.channel(channel.name)
    if cfg is None:
        raise UnknownChannel(f"channel {channel.name!r} has no connector configured")
    return build_sender(cfg, Path(current_app.instance_path), config)


def build_sender(cfg: ChannelConfig, instance_path: Path, config: DeskConfig) -> Sender:
    """The connector for `cfg`; relative file paths are under the instance folder."""
    if cfg.connector_name == "log":
        from connectors.log import LogSender

        return LogSender(path=str(instance_path / str(cfg.options.get("path", "outbox.log"))))
    if cfg.connector_name == "email":
        from connectors.email.smtp import SmtpSender
        from desk.mail.settings import smtp_access_token, smtp_settings

        return SmtpSender(smtp_settings(cfg, config), access_token=smtp_access_token(cfg, config))
    raise UnknownChannel(f"channel {cfg.name!r}: no sender for connector {cfg.connector_name!r}")


def record_health(channel_id: int, at: datetime, error: str | None) -> None:
    """Write the outcome of a fetch run on the channel row, in its own transaction."""
    with transaction() as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            return
        channel.last_fetch_at = at
        if error is None:
            channel.last_success_at = at
            channel.last_error = None
        else:
            channel.last_error = error[:2000]
            channel.last_error_at = at
