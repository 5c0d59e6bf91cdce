"""The contract every channel kind's driver keeps.

A driver says, in one place, everything the desk must know of a kind of
channel: whose identity a sender is, its settings (from its `[[channels]]`
table), how it takes in (a bounded pull run under a lease, live watchers,
or endpoints of its own in the web app), how it sends (its connector, always
through the outbox), how it replays a kept raw item, and whether a reply on
it is sent at all. The worker, the web app, quarantine, admin and the demo
ask the registry (`desk.drivers`); nothing outside a driver asks which kind a
channel is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from connectors.base import InboundMessage, Sender
from desk.config import ChannelConfig, DeskConfig
from desk.models import IdentityKind

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from desk.models import Channel, Inquiry


@dataclass
class TakeInReport:
    """One take-in run of one channel: items by outcome (created, threaded, duplicate,
    dropped, quarantined), known items skipped before download, and the error."""

    channel: str
    outcomes: Counter[str] = field(default_factory=Counter)
    skipped_known: int = 0
    error: str | None = None
    # Another worker holds the channel's lease; nothing was done.
    busy: bool = False


@dataclass(frozen=True)
class Field:
    """One setting of a channel kind, as the admin page's set-up form asks for it.

    `key` is the option's key in the channel's `[[channels]]` table (and in
    DESK_CHANNEL_<NAME>_<KEY>); the driver's `settings` reads it from there with
    `desk.drivers.options.ChannelOptions`, whether a file or the form set it.
    A `secret` is stored encrypted and never shown again after saving.
    """

    key: str
    label: str  # a lazy_gettext string
    kind: str = "text"  # text | secret | integer | flag | choice | origins | url
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    help: str = ""  # a lazy_gettext string


class ChannelCheckError(Exception):
    """A connection test failed; the message says what failed, for the admin."""


class Watcher(Protocol):
    """A live take-in thread (IMAP IDLE): while it watches, the poll job skips its channel."""

    @property
    def channel(self) -> str: ...
    @property
    def watching(self) -> bool: ...
    def stop(self) -> None: ...


class Driver:
    """The defaults: a channel that takes in nothing by itself and cannot send.

    Subclasses set `kind` and `identity` and override what their kind does.
    """

    kind: ClassVar[str]
    identity: ClassVar[IdentityKind]
    # Phone and walk-in: a reply is given in person and recorded, never sent.
    answered_in_person: ClassVar[bool] = False
    # Shown before the channel's name in lists (decorative: the name says it too).
    icon: ClassVar[str] = "•"
    # A live conversation (the web chat): marked in the queue, a citizen waits in it.
    live: ClassVar[bool] = False
    # The settings the admin page's set-up form asks for; empty: set up in the file only.
    fields: ClassVar[tuple[Field, ...]] = ()

    def settings(self, cfg: ChannelConfig, config: DeskConfig) -> Any:
        """The channel's typed settings from its table; raises ConfigError with one line."""
        return None

    def sender(self, cfg: ChannelConfig, config: DeskConfig, instance: Path) -> Sender | None:
        """The connector that sends on the channel, or None when the kind cannot send."""
        return None

    def check(self, cfg: ChannelConfig, config: DeskConfig, instance: Path) -> str:
        """Test the connection (the admin page's button): one line saying what answered,
        e.g. the bot's name; raises ChannelCheckError saying what failed."""
        raise ChannelCheckError("this kind of channel has no connection to test")

    def pull(self, cfg: ChannelConfig, config: DeskConfig, holder: str) -> TakeInReport | None:
        """One bounded take-in run under the channel's lease, its health written on the
        channel row; None when the kind (or this channel) is not pulled."""
        return None

    def watchers(self, app: Flask, cfg: ChannelConfig, config: DeskConfig,
                 holder: str) -> list[Watcher]:
        """Live take-in threads for the channel, started; none by default."""
        return []

    def replay(self, raw: bytes, channel: str) -> InboundMessage:
        """Read a kept raw item again (quarantine replay); ValueError says why not."""
        raise ValueError("items of this channel cannot be replayed")

    def upkeep(self, cfg: ChannelConfig, config: DeskConfig, now: datetime) -> int:
        """Periodic work of the channel in the worker (ending idle chats); items handled."""
        return 0

    def reply_refused(self, session: Session, inquiry: Inquiry, channel: Channel) -> str | None:
        """Why an answer on `channel` may not be queued now (a fixed sentence marked with
        N_, shown to the agent), or None when it may: Messenger's 24-hour window."""
        return None

    def init_app(self, app: Flask) -> None:
        """Register what the kind serves in the web app (push endpoints, live chat)."""
