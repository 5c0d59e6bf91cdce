"""Sending an `OutboundMessage` on Telegram: text (split when long), then its files.

A message becomes several Bot API calls. So a retry after part 2 failed does
not send part 1 again, the parts sent are written to a `PartsLedger` as each
goes out (the desk keeps it in its database); a retry starts after them. The
window left: a process killed between Telegram's acceptance of a part and the
ledger's write sends that one part again.

Errors map to what the outbox does next: a flood wait (429) and server or
network trouble are temporary (429 with Telegram's `retry_after`), a revoked
token marks the channel broken, a blocked bot (403) and a refused request (400)
are permanent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from telegram import Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from connectors.base import Attachment, OutboundMessage, PermanentFailure, TemporaryFailure
from connectors.telegram.api import BotApi
from connectors.telegram.split import split_text
from connectors.telegram.updates import message_id

# sendPhoto takes these up to 10 MB; anything else goes as a document.
_PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
_PHOTO_MAX = 10 * 1024 * 1024


class PartsLedger(Protocol):
    """Where the Telegram ids of a message's parts sent so far are kept, by the desk's id
    of the message; `done` forgets them once the whole message is out."""

    def sent(self, key: str) -> list[str]: ...
    def record(self, key: str, ids: list[str]) -> None: ...
    def done(self, key: str) -> None: ...


class MemoryLedger:
    """A ledger for one process (tests, and messages without an id of ours)."""

    def __init__(self) -> None:
        self._parts: dict[str, list[str]] = {}

    def sent(self, key: str) -> list[str]:
        return list(self._parts.get(key, []))

    def record(self, key: str, ids: list[str]) -> None:
        self._parts[key] = list(ids)

    def done(self, key: str) -> None:
        self._parts.pop(key, None)


class TelegramSender:
    """Sends on one bot; opens its connection per message (the outbox builds one per send)."""

    def __init__(self, connect: Callable[[], BotApi], ledger: PartsLedger | None = None) -> None:
        self.connect = connect
        self.ledger = ledger or MemoryLedger()

    def send(self, message: OutboundMessage) -> str:
        """Deliver `message`; the Telegram id of its first part (chat:message)."""
        chat = message.recipient or message.conversation_id
        if not chat:
            raise PermanentFailure("no Telegram chat to send to")
        steps: list[Callable[[BotApi], Message]] = [
            (lambda api, part=part: api.send_message(chat, part))
            for part in split_text(message.text)
        ]
        steps += [(lambda api, a=a: _send_file(api, chat, a)) for a in message.attachments]
        if not steps:
            raise PermanentFailure("the message has neither text nor files")
        key = message.message_id or ""
        sent = self.ledger.sent(key) if key else []
        with self.connect() as api:
            for step in steps[len(sent):]:
                try:
                    reply = step(api)
                except TelegramError as exc:
                    error = failure(exc, len(sent), len(steps))
                    if key and isinstance(error, PermanentFailure):
                        self.ledger.done(key)  # never retried: nothing to remember
                    raise error from exc
                sent.append(message_id(reply.chat_id, reply.message_id))
                if key and len(sent) < len(steps):
                    self.ledger.record(key, sent)
        if key:
            self.ledger.done(key)
        return sent[0]


def _send_file(api: BotApi, chat: str, attachment: Attachment) -> Message:
    if attachment.content_type in _PHOTO_TYPES and attachment.size <= _PHOTO_MAX:
        return api.send_photo(chat, attachment.data, attachment.filename)
    return api.send_document(chat, attachment.data, attachment.filename)


def retry_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for. Read from the stored timedelta: the `retry_after`
    property warns (PTBDeprecationWarning) that its type will change."""
    wait = getattr(exc, "_retry_after", None)
    if isinstance(wait, dt.timedelta):
        return wait.total_seconds()
    return float(exc.__reduce__()[1][0])  # what pickling keeps: the seconds


def failure(exc: TelegramError, sent: int = 0, total: int = 1) -> Exception:
    """The outbox's failure for a Bot API error (order matters: BadRequest and TimedOut
    are NetworkErrors in python-telegram-bot)."""
    done = f" ({sent} of {total} parts were sent and are not sent again)" if sent else ""
    if isinstance(exc, RetryAfter):
        seconds = retry_seconds(exc)
        return TemporaryFailure(f"Telegram asks to wait {seconds:g} s (too many messages)"
                                f"{done}", retry_after=seconds)
    if isinstance(exc, Forbidden):
        return PermanentFailure(
            f"The citizen has blocked the bot or deleted the chat, so Telegram refuses "
            f"messages to them: {exc.message}{done}")
    if isinstance(exc, InvalidToken):
        return TemporaryFailure(f"Telegram refused the bot's token; the channel's token must "
                                f"be mended: {exc.message}{done}", channel_broken=True)
    if isinstance(exc, ChatMigrated | BadRequest):
        return PermanentFailure(f"Telegram refused the message: {exc.message}{done}")
    if isinstance(exc, NetworkError | Conflict):
        return TemporaryFailure(f"Telegram could not be reached: {exc.message}{done}")
    return TemporaryFailure(f"Telegram error: {exc.message}{done}")
