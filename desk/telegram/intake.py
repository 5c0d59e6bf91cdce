"""Taking in one Telegram update: the one function polling, the webhook and quarantine
replay share.

An update that is a citizen's message is ingested with its files (fetched with
getFile); any other update is acknowledged and not stored; one that makes no
sense is quarantined whole with the reason. Either way the caller may then
move past it (the offset, the webhook's 200). A fault that is not the update's
(the network, the database) raises, so the update is read again later.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import BadRequest

from connectors.base import Attachment, InboundMessage
from connectors.telegram.api import BotApi
from connectors.telegram.updates import (
    NOTE_FILE_MISSING,
    NOTE_FILE_TOO_BIG,
    ReadUpdate,
    UnreadableUpdate,
    parse_raw,
    read_update,
    with_attachments,
)
from desk.quarantine import take_in
from desk.telegram.settings import TelegramSettings
from desk.telegram.welcome import answer_start

log = logging.getLogger(__name__)

IGNORED = "ignored"
# getFile serves bots files of up to 20 MB.
DOWNLOAD_MAX = 20 * 1024 * 1024


def take_in_update(api: BotApi, settings: TelegramSettings, channel_id: int,
                   raw: bytes) -> str:
    """Ingest, ignore or quarantine the update `raw`; its outcome (created, threaded,
    duplicate, dropped, quarantined, ignored)."""
    data: Any = None
    try:
        data = parse_raw(raw)
        read = read_update(data, settings.channel, raw)
    except Exception as exc:  # its own fault (even a bug it triggers): keep it, move on
        reason = str(exc) if isinstance(exc, UnreadableUpdate) else f"{type(exc).__name__}: {exc}"
        taken = take_in(None, channel_id=channel_id, raw=raw, source_id=_source_id(data),
                        error=f"unreadable Telegram update: {reason}")
        return taken.outcome
    source_id = _source_id(data)
    if read.message is None:
        log.info("telegram %s: update %s acknowledged, not stored: %s", settings.channel,
                 read.update_id, read.ignored)
        return IGNORED
    message = fetch_files(api, read)
    taken = take_in(message, channel_id=channel_id, raw=raw, error=None, source_id=source_id,
                    receipts=not read.is_start)  # /start: the welcome carries the receipt
    if read.is_start and taken.result is not None and taken.result.inquiry_id is not None:
        answer_start(settings, channel_id, message, taken.result, read.language_code)
    return taken.outcome


def read_again(api: BotApi, raw: bytes, channel: str) -> InboundMessage:
    """A kept update read again (quarantine replay), files and all; ValueError says why not."""
    read = read_update(parse_raw(raw), channel, raw)
    if read.message is None:
        raise ValueError(f"the update holds no message to take in ({read.ignored})")
    try:
        return fetch_files(api, read)
    except Exception as exc:
        raise ValueError(f"its files could not be fetched from Telegram: {exc}") from exc


def fetch_files(api: BotApi, read: ReadUpdate) -> InboundMessage:
    """The message with its files. A file Telegram will not hand out (too big, gone) is
    noted on the message; any other failure raises, to try the update again later."""
    attachments: list[Attachment] = []
    notes: list[str] = []
    for ref in read.files:
        if ref.size is not None and ref.size > DOWNLOAD_MAX:
            notes.append(NOTE_FILE_TOO_BIG)
            continue
        try:
            data = api.download(ref.file_id)
        except BadRequest as exc:
            log.warning("telegram update %s: file %s not downloaded: %s", read.update_id,
                        ref.filename, exc)
            notes.append(NOTE_FILE_TOO_BIG if "too big" in str(exc).lower()
                         else NOTE_FILE_MISSING)
            continue
        attachments.append(Attachment(ref.filename, ref.content_type, data))
    return with_attachments(read, tuple(attachments), tuple(notes))


def _source_id(data: Any) -> str | None:
    if isinstance(data, dict) and isinstance(data.get("update_id"), int):
        return f"update:{data['update_id']}"
    return None
