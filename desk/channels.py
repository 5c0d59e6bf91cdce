"""Channel rows kept in step with the config, what each can do (through its kind's
driver), the connector each one sends through, and the health workers write on it."""

import logging
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from enum import StrEnum
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.base import PermanentFailure, Sender
from desk.config import ChannelConfig, ConfigError, DeskConfig, current_config
from desk.database import transaction
from desk.drivers import build_sender, driver_for
from desk.errors import UnknownChannel
from desk.extensions import db
from desk.models import (
    Channel,
    ContactIdentity,
    Direction,
    IdentityKind,
    Inquiry,
    Message,
    MessageSource,
    OutboxItem,
    OutboxState,
)

log = logging.getLogger(__name__)

# Channels every desk has, whatever the config says: inquiries an agent
# registers by hand, and mail imported from files.
BUILT_IN = (
    ChannelConfig(name="phone", kind="phone", display_name="Telefon", receipts=False),
    ChannelConfig(name="walkin", kind="walkin", display_name="Oppmøte", receipts=False),
    ChannelConfig(name="import", kind="import", display_name="Import", receipts=False),
)
def identity_kind(channel_kind: str) -> IdentityKind:
    """Whose identity a sender on a channel of this kind is (an e-mail address, ...)."""
    return driver_for(channel_kind).identity


def answered_in_person(channel: Channel) -> bool:
    """Phone and walk-in: a reply is given in person and recorded, never sent."""
    return driver_for(channel.kind).answered_in_person


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

    Every entry point runs it once the schema is current (the web app, each
    command, the worker), so no command depends on another having run first.
    A channel that left the config keeps its row, since inquiries refer to
    it; it is only disabled.
    """
    config = config or current_config()
    try:
        _sync(config)
    except IntegrityError:  # another process made the same new row: sync again over it
        _sync(config)


def _sync(config: DeskConfig) -> None:
    wanted = {c.name: c for c in configured_channels(config)}
    with transaction() as session:
        rows = {row.name: row for row in session.scalars(select(Channel))}
        for name, cfg in wanted.items():
            row = rows.get(name) or Channel(name=name, cursor={})
            row.kind = cfg.kind
            row.display_name = cfg.display_name or name
            row.receipts = cfg.receipts
            # A file channel is switched on and off on its row (the admin's button); a
            # channel set up on the page follows its set-up, which that button changes.
            if name not in rows or cfg.managed == "page":
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


def can_send(channel: Channel, config: DeskConfig | None = None) -> bool:
    """The desk can send on `channel`: enabled, not answered in person, and its driver
    (or the log connector) can build a sender for it (the `import` channel cannot)."""
    if not channel.enabled or answered_in_person(channel):
        return False
    config = config or current_config()
    cfg = config.channel(channel.name)
    try:
        return cfg is not None and _sender(cfg, config) is not None
    except ConfigError:  # its settings are wrong: it cannot send until they are mended
        log.warning("channel %s cannot send: its settings are wrong", channel.name)
        return False


def mail_channel(session: Session, config: DeskConfig | None = None) -> Channel | None:
    """The first enabled channel that sends to e-mail addresses: for the desk's own mail
    (a unit's routing notice, a chat's transcript and receipt)."""
    for channel in session.scalars(select(Channel).where(Channel.enabled).order_by(Channel.id)):
        if identity_kind(channel.kind) is IdentityKind.EMAIL and can_send(channel, config):
            return channel
    return None


def sender_for(channel: Channel, config: DeskConfig | None = None) -> Sender:
    """Build the connector that sends on `channel`, from its config entry.

    A channel with no connector will never have one for this message: that is
    a permanent failure, shown to the agent at once, not retried.
    """
    config = config or current_config()
    cfg = config.channel(channel.name)
    sender = _sender(cfg, config) if cfg is not None else None
    if sender is None:
        raise PermanentFailure(f"channel {channel.name!r} has no connector that can send")
    return sender


def _sender(cfg: ChannelConfig, config: DeskConfig) -> Sender | None:
    return build_sender(cfg, Path(current_app.instance_path), config)


class Health(StrEnum):
    OK = "ok"
    FAILING = "failing"  # the last take-in failed, or failed after the last success
    DISABLED = "disabled"


@dataclass(frozen=True)
class ChannelHealth:
    """How a channel is doing, as the admin page and /healthz show it."""

    channel: Channel
    status: Health
    outbox_waiting: int  # its messages not yet sent (queued or retrying)


def channel_health(session: Session) -> list[ChannelHealth]:
    """Every channel's health, by display name; a failing one is named, not hidden."""
    waiting: dict[int, int] = {
        channel_id: count for channel_id, count in session.execute(
            select(OutboxItem.channel_id, func.count())
            .where(OutboxItem.state == OutboxState.PENDING).group_by(OutboxItem.channel_id))
    }
    health = []
    for channel in session.scalars(select(Channel).order_by(Channel.display_name)):
        if not channel.enabled:
            status = Health.DISABLED
        elif channel.last_error_at is not None and (
                channel.last_success_at is None or channel.last_error_at > channel.last_success_at):
            status = Health.FAILING
        else:
            status = Health.OK
        health.append(ChannelHealth(channel, status, waiting.get(channel.id, 0)))
    return health


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


def record_error(channel_id: int, at: datetime, error: str | None) -> None:
    """Mark the channel failing for a fault outside a take-in run (a revoked token
    found while sending); the next successful take-in clears it, or None here (a
    passed connection test, a set-up saved anew)."""
    with transaction() as session:
        channel = session.get(Channel, channel_id)
        if channel is not None:
            channel.last_error = error[:2000] if error is not None else None
            if error is not None:
                channel.last_error_at = at


def reply_channels(session: Session, inquiry: Inquiry, config: DeskConfig | None = None
                   ) -> list[Channel]:
    """The channels a reply can reach the citizen on, best first.

    The inquiry's own channel when the desk can send on it (or it is answered in
    person), then every other channel the contact has an identity in. Mail
    imported from files came in on `import`, which cannot send: the e-mail
    channel whose address the citizen wrote to comes first then.
    """
    config = config or current_config()
    kinds = set(session.scalars(select(ContactIdentity.kind).where(
        ContactIdentity.contact_id == inquiry.contact_id)))
    own: list[Channel] = []
    others: list[Channel] = []
    for channel in session.scalars(select(Channel).where(Channel.enabled).order_by(Channel.id)):
        if channel.id == inquiry.channel_id and (answered_in_person(channel)
                                                 or can_send(channel, config)):
            own.append(channel)
        elif can_send(channel, config) and identity_kind(channel.kind) in kinds:
            others.append(channel)
    if not own and others:
        written_to = _written_to(session, inquiry)
        others.sort(key=lambda c: _address(c, config) not in written_to)
    return own + others


def _address(channel: Channel, config: DeskConfig) -> str:
    cfg = config.channel(channel.name)
    return str(cfg.options.get("address", "")).lower() if cfg else ""


def _written_to(session: Session, inquiry: Inquiry) -> set[str]:
    """The addresses the citizen's first mail was sent to, read from its source."""
    raw = session.scalar(
        select(MessageSource.raw).join(Message, Message.id == MessageSource.message_id)
        .where(Message.inquiry_id == inquiry.id, Message.direction == Direction.INBOUND)
        .order_by(Message.created_at, Message.id).limit(1))
    if not raw:
        return set()
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    fields = ("to", "cc", "delivered-to", "x-original-to")
    values = [str(v) for name in fields for v in headers.get_all(name) or ()]
    return {address.lower() for _, address in getaddresses(values) if "@" in address}
