"""The values that cross the border between a channel and the desk.

Everything here is a frozen dataclass or a Protocol with no Flask or database
imports, so a connector can be built and tested against its real server alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


def N_(message: str) -> str:
    """Mark a fixed sentence a connector puts in `InboundMessage.notes` for translation;
    the desk translates it where it is shown (connectors know nothing of Babel)."""
    return message


@dataclass(frozen=True)
class Attachment:
    """A file that came with or goes with a message."""

    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class InboundMessage:
    """One message from a citizen, as the channel delivered it.

    `external_id` is the channel's own id for the message and the dedupe key
    together with `channel`: the normalised Message-ID for e-mail,
    ``chat:message`` for Telegram, ``mid`` for Messenger, a client-made UUID for
    web chat. `sender_address` is the citizen's identity in that channel (an
    e-mail address, a Telegram user id, a page-scoped id, a chat session, a
    phone number). `html` is whatever the source had: the desk sanitises it.
    """

    channel: str
    external_id: str
    sender_address: str
    sender_name: str = ""
    subject: str = ""
    text: str = ""
    html: str | None = None
    received_at: datetime | None = None
    # Chat channels: the conversation this message belongs to (chat id, session).
    conversation_id: str | None = None
    # E-mail threading: normalised Message-IDs this message answers.
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    # Transport headers the loop guards read (lower-case names), e.g.
    # ("auto-submitted", "auto-replied"). Empty for channels without headers.
    headers: tuple[tuple[str, str], ...] = ()
    # A delivery report (bounce/DSN): the external ids of our messages it reports on.
    reports_on: tuple[str, ...] = ()
    is_delivery_report: bool = False
    # The undecoded source, kept for audit and replay where the channel has one.
    raw: bytes | None = None
    # What makes this message itself, for a channel whose ids are not always unique
    # (mailers reuse Message-IDs): the same `external_id` with another fingerprint
    # is another message. None where the channel's id is trustworthy on its own.
    fingerprint: str | None = None
    # What the connector had to work around to read the message (no From, so the
    # Reply-To was taken; ...), kept on the message for the agent to see.
    notes: tuple[str, ...] = ()
    # Written in public (a comment on a social media page): the inquiry it opens is
    # flagged public, and no receipt is sent (it would name the case).
    public: bool = False

    def header(self, name: str) -> str | None:
        """The first header of that (case-insensitive) name, or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


@dataclass(frozen=True)
class OutboundMessage:
    """One message for a citizen (or a unit), ready for a connector to send.

    `message_id` is the desk's own id for it; e-mail uses it as the Message-ID so
    replies thread back. `in_reply_to` and `references` carry the external ids
    of earlier messages in the thread. `automatic` marks receipts and other mail
    no human wrote (e-mail sets ``Auto-Submitted: auto-replied``).
    """

    channel: str
    recipient: str
    subject: str
    text: str
    html: str | None = None
    message_id: str | None = None
    reference: str | None = None
    conversation_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    automatic: bool = False
    recipient_name: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)


class SendError(Exception):
    """Sending failed; `permanent` says whether trying again can help."""

    permanent: bool = False


class TemporaryFailure(SendError):
    """The channel could not take the message now (network, 4xx SMTP, rate limit).

    `retry_after` is the wait in seconds the service asked for (Telegram's
    `retry_after`, HTTP's Retry-After): the outbox waits at least that long.
    `channel_broken` says the fault is the channel's, not the message's (an
    expired or revoked token): the channel is marked failing for the admin and
    the message waits until it is mended.
    """

    def __init__(self, message: str = "", *, retry_after: float | None = None,
                 channel_broken: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.channel_broken = channel_broken


class PermanentFailure(SendError):
    """The channel refused the message for good (bad address, 5xx SMTP, blocked)."""

    permanent = True


@dataclass(frozen=True)
class Fetched:
    """One inbound item from a pull channel, with the means to acknowledge it.

    The desk calls `ack()` only after the ingest transaction has committed, so a
    crash in between means the item is fetched again and deduped. `raw` and
    `error` describe an item the connector could not parse: the desk stores it
    in quarantine (and then acknowledges it) instead of losing it.
    """

    message: InboundMessage | None
    source_id: str
    raw: bytes | None = None
    error: str | None = None


@runtime_checkable
class Sender(Protocol):
    """A channel that can deliver outbound messages."""

    def send(self, message: OutboundMessage) -> str:
        """Deliver `message`; return the channel's own id for it.

        Raises TemporaryFailure or PermanentFailure.
        """
        ...


@runtime_checkable
class Fetcher(Protocol):
    """A channel the desk pulls from (IMAP); push channels parse webhooks instead.

    The cursor is the connector's own storable position (for IMAP,
    UIDVALIDITY and the last UID); the desk keeps it in the database and
    stores the cursor a run reports only after each item is committed.
    """

    def fetch(
        self, cursor: Any, limit: int,
        is_known: Callable[[str, str | None], bool] | None = None,
    ) -> Iterator[Fetched]:
        """Yield at most `limit` new items after `cursor`, oldest first.

        `is_known(external_id, fingerprint)` lets the connector skip what the
        desk has, before downloading it; it still acknowledges that item, since
        the desk committed it (a crash may have come between commit and ack).
        """
        ...

    def ack(self, item: Fetched) -> None:
        """Mark `item` handled at the source (seen, moved); called after commit."""
        ...
