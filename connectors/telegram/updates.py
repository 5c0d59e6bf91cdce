"""One Bot API update read into an `InboundMessage` (files still to download), or
the reason it is not a citizen's message, or `UnreadableUpdate`.

Messages and edits in private chats are taken in; any other update (a callback
query nobody asked for, my_chat_member, a channel post, a group's chatter, a
service message) is only acknowledged. Media without text become a readable
line ("Location: 59.91, 10.75"), so an agent sees what came without opening
anything; files are named here and downloaded by the caller (getFile).
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass, replace
from typing import Any

from telegram import Message, Update

from connectors.base import N_, InboundMessage

NOTE_EDITED = N_("The citizen edited an earlier message; this is its new text.")
NOTE_FILE_MISSING = N_("A file of this message could not be downloaded from Telegram.")
NOTE_FILE_TOO_BIG = N_("A file of this message is larger than Telegram lets a bot download.")


class UnreadableUpdate(ValueError):
    """The update is not what the Bot API documents; the reason says what is wrong."""


@dataclass(frozen=True)
class FileRef:
    """A file of a message, to be fetched with getFile."""

    file_id: str
    filename: str
    content_type: str
    size: int | None = None


@dataclass(frozen=True)
class ReadUpdate:
    """A read update: a message to take in (`message`, its `files` not yet fetched), or
    `ignored` saying why there is none."""

    update_id: int
    message: InboundMessage | None = None
    files: tuple[FileRef, ...] = ()
    ignored: str | None = None
    # The citizen's app language (IETF tag), and whether they pressed Start.
    language_code: str | None = None
    is_start: bool = False


def message_id(chat_id: int | str, message: int | str) -> str:
    """The desk's external id of a Telegram message: unique per bot, as chat:message."""
    return f"{chat_id}:{message}"


def parse_raw(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableUpdate(f"not JSON: {exc}") from None


def read_update(data: Any, channel: str, raw: bytes) -> ReadUpdate:
    """Read one update (the decoded JSON of `raw`) of the channel `channel`."""
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise UnreadableUpdate("an update must be a JSON object with an integer update_id")
    try:
        update = Update.de_json(data, None)
    except Exception as exc:  # the library's reading of a malformed field
        raise UnreadableUpdate(f"malformed update: {type(exc).__name__}: {exc}") from None
    update_id = data["update_id"]
    edited = update.edited_message is not None
    message = update.message or update.edited_message
    if message is None:
        kinds = sorted(k for k in data if k != "update_id")
        return ReadUpdate(update_id, ignored=f"not a message: {', '.join(kinds) or 'empty'}")
    _require(message)
    if message.chat.type != "private":
        return ReadUpdate(update_id, ignored=f"a message in a {message.chat.type} chat")
    if message.from_user is None:
        raise UnreadableUpdate("a private message without a sender (from)")
    raw_message = data.get("edited_message" if edited else "message")
    lines, files = _content(message, raw_message if isinstance(raw_message, dict) else {})
    if not lines and not files:
        return ReadUpdate(update_id, ignored="a service message with nothing to read")
    user = message.from_user
    name = " ".join(p for p in (user.first_name, user.last_name) if p)
    if user.username:
        name = f"{name} (@{user.username})" if name else f"@{user.username}"
    chat_id = message.chat.id
    external_id = message_id(chat_id, message.message_id)
    notes: tuple[str, ...] = ()
    received = message.date
    in_reply_to = None
    if edited:
        if message.edit_date is None:
            raise UnreadableUpdate("an edited_message without edit_date")
        in_reply_to = external_id
        external_id = f"{external_id}:edit:{int(message.edit_date.timestamp())}"
        notes, received = (NOTE_EDITED,), message.edit_date
    elif message.reply_to_message is not None:
        in_reply_to = message_id(chat_id, message.reply_to_message.message_id)
    text = "\n".join(lines)
    inbound = InboundMessage(
        channel=channel, external_id=external_id, sender_address=str(user.id),
        sender_name=name, text=text, received_at=received, conversation_id=str(chat_id),
        in_reply_to=in_reply_to, raw=raw, notes=notes,
    )
    command = (message.text or "").split(maxsplit=1)[0].split("@")[0] if message.text else ""
    start = not edited and command == "/start"
    return ReadUpdate(update_id, inbound, tuple(files), language_code=user.language_code,
                      is_start=start)


def with_attachments(read: ReadUpdate, attachments: tuple[Any, ...],
                     notes: tuple[str, ...] = ()) -> InboundMessage:
    """The update's message with the files the caller fetched, and notes on those it could not."""
    assert read.message is not None
    return replace(read.message, attachments=attachments,
                   notes=read.message.notes + tuple(dict.fromkeys(notes)))


def _require(message: Message) -> None:
    if not isinstance(message.message_id, int) or message.chat is None or not isinstance(
            message.chat.id, int) or message.date is None:
        raise UnreadableUpdate("a message needs an integer message_id, a chat with an id "
                               "and a date")


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _seconds(raw: dict[str, Any], kind: str) -> str:
    # From the JSON: the library's `duration` warns that its type will change.
    part = raw.get(kind)
    seconds = part.get("duration") if isinstance(part, dict) else None
    return f" ({int(seconds)} s)" if isinstance(seconds, int | float) and seconds else ""


def _content(m: Message, raw: dict[str, Any]) -> tuple[list[str], list[FileRef]]:
    """Readable lines and files of a message (`raw`, its JSON): text or caption last,
    after what it shows."""
    lines: list[str] = []
    files: list[FileRef] = []
    n = m.message_id
    if m.photo:
        best = max(m.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        files.append(FileRef(best.file_id, f"photo-{n}.jpg", "image/jpeg", best.file_size))
    if m.document:
        d = m.document
        content_type = d.mime_type or _guess(d.file_name)
        files.append(FileRef(d.file_id, d.file_name or f"document-{n}", content_type, d.file_size))
    elif m.animation:
        a = m.animation
        files.append(FileRef(a.file_id, a.file_name or f"animation-{n}.mp4",
                             a.mime_type or "video/mp4", a.file_size))
    if m.voice:
        lines.append(f"Voice message{_seconds(raw, 'voice')}")
        files.append(FileRef(m.voice.file_id, f"voice-{n}.ogg", m.voice.mime_type or "audio/ogg",
                             m.voice.file_size))
    if m.video:
        v = m.video
        lines.append(f"Video{_seconds(raw, 'video')}")
        files.append(FileRef(v.file_id, v.file_name or f"video-{n}.mp4",
                             v.mime_type or "video/mp4", v.file_size))
    if m.video_note:
        lines.append(f"Video message{_seconds(raw, 'video_note')}")
        files.append(FileRef(m.video_note.file_id, f"video-message-{n}.mp4", "video/mp4",
                             m.video_note.file_size))
    if m.audio:
        a = m.audio
        title = " – ".join(p for p in (a.performer, a.title) if p)
        lines.append(f"Audio{': ' + title if title else ''}{_seconds(raw, 'audio')}")
        files.append(FileRef(a.file_id, a.file_name or f"audio-{n}.mp3",
                             a.mime_type or "audio/mpeg", a.file_size))
    if m.sticker:
        s = m.sticker
        lines.append(f"Sticker {s.emoji or ''}".rstrip())
        ext, kind = (("tgs", "application/x-tgsticker") if s.is_animated else
                     ("webm", "video/webm") if s.is_video else ("webp", "image/webp"))
        files.append(FileRef(s.file_id, f"sticker-{n}.{ext}", kind, s.file_size))
    if m.venue:
        v = m.venue
        lines.append(f"Place: {v.title}, {v.address}")
    if m.location:
        lines.append(f"Location: {_number(m.location.latitude)}, {_number(m.location.longitude)}")
    if m.contact:
        c = m.contact
        person = " ".join(p for p in (c.first_name, c.last_name) if p)
        lines.append(f"Contact: {', '.join(p for p in (person, c.phone_number) if p)}")
    if m.poll:
        lines.append(f"Poll: {m.poll.question}")
    if m.dice:
        lines.append(f"Dice: {m.dice.emoji} {m.dice.value}")
    said = m.text or m.caption
    if said:
        lines.append(said)
    return lines, files


def _guess(filename: str | None) -> str:
    guessed = mimetypes.guess_type(filename or "")[0]
    return guessed or "application/octet-stream"
