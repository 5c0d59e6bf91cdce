"""Take in one verified webhook delivery: every event ingested, or held in quarantine.

Called by the webhook view after the signature is checked. Each message or
comment goes through `desk.quarantine.take_in` (ingest, or quarantine when it
cannot be taken in), so the POST is answered only after all are committed; a
database that cannot be reached propagates, and Facebook delivers again.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from connectors.base import N_, Attachment, InboundMessage, SendError
from connectors.facebook.graph import GraphClient, GraphError

# Someone who commented: not a Messenger id (a comment's author has another id than
# the page-scoped one Messenger uses), so never messaged directly.
from connectors.facebook.send import COMMENTER
from connectors.facebook.webhook import Event, PayloadError, parse_delivery, parse_event
from desk.channels import channel_by_name
from desk.config import current_config
from desk.extensions import db
from desk.facebook.settings import FacebookSettings, settings_of
from desk.models import ContactIdentity, IdentityKind, Message
from desk.quarantine import hold, take_in

log = logging.getLogger(__name__)


FILE_LOST = N_("A file sent with this message could not be fetched from Facebook; "
               "ask the citizen to send it again.")
FILE_TOO_LARGE = N_("A file sent with this message was larger than the desk accepts "
                    "and was not kept.")


@dataclass
class Delivery:
    """What became of one POST: outcomes of its events (created, threaded, duplicate,
    quarantined, ignored)."""

    outcomes: Counter[str]


def take_in_delivery(settings: FacebookSettings, body: bytes) -> Delivery:
    channel = channel_by_name(settings.channel)
    channel_id = channel.id
    db.session.rollback()
    outcomes: Counter[str] = Counter()
    try:
        events = parse_delivery(body, settings.page_id)
    except PayloadError as exc:
        # Signed by Facebook but unreadable: kept whole for an admin; answering
        # with an error would only make Facebook send it again, for days.
        hold(channel_id, body, f"webhook delivery not understood: {exc}", None)
        outcomes["quarantined"] += 1
        return Delivery(outcomes)
    client = settings.client()
    try:
        for event in events:
            if event.kind == "ignored":
                log.debug("facebook %s: ignored %s", settings.channel, event.reason)
                outcomes["ignored"] += 1
                continue
            if _known(channel_id, event.external_id):
                outcomes["duplicate"] += 1
                continue
            message = inbound(event, settings.channel, client)
            taken = take_in(message, channel_id=channel_id, raw=event.raw, error=None,
                            source_id=event.external_id)
            outcomes[taken.outcome] += 1
    finally:
        client.close()
    # No health written here: a delivery proves nothing of the Page token, and would
    # clear the failing mark an expired token set while sending.
    return Delivery(outcomes)


def _known(channel_id: int, external_id: str) -> bool:
    """Facebook delivers again what it thinks we missed: skip it before any download."""
    found = db.session.scalar(select(Message.id).where(
        Message.channel_id == channel_id, Message.external_id == external_id).limit(1))
    db.session.rollback()
    return found is not None


def inbound(event: Event, channel: str, client: GraphClient | None) -> InboundMessage:
    """The InboundMessage of a message or comment event; its files fetched at once (their
    URLs expire). A file that cannot be fetched is named in a note: the text is kept."""
    notes = list(event.notes)
    files: list[Attachment] = []
    limit = current_config().attachments.max_bytes
    for number, ref in enumerate(event.files, 1):
        if client is None:
            notes.append(FILE_LOST)
            continue
        try:
            data, content_type = client.download(ref.url, limit)
        except ValueError:
            notes.append(FILE_TOO_LARGE)
            continue
        except Exception as exc:  # whatever went wrong, the message is kept
            log.warning("facebook %s: file %s of %s not fetched: %s", channel, number,
                        event.external_id, exc)
            notes.append(FILE_LOST)
            continue
        files.append(Attachment(ref.name or _file_name(ref.kind, number, content_type),
                                content_type, data))
    if event.kind == "comment":
        return InboundMessage(
            channel=channel, external_id=event.external_id,
            sender_address=COMMENTER + event.sender_id, sender_name=event.sender_name,
            text=event.text, received_at=event.at, conversation_id=f"comment:{event.thread}",
            attachments=tuple(files), raw=event.raw, notes=tuple(notes), public=True)
    return InboundMessage(
        channel=channel, external_id=event.external_id, sender_address=event.sender_id,
        sender_name=_name(event.sender_id, client), text=event.text, received_at=event.at,
        # The page-scoped id: every message of this person threads into their open inquiry.
        conversation_id=event.sender_id, attachments=tuple(files), raw=event.raw,
        notes=tuple(notes))


def _file_name(kind: str, number: int, content_type: str) -> str:
    extension = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif",
                 "video/mp4": ".mp4", "audio/mpeg": ".mp3", "audio/mp4": ".m4a",
                 "application/pdf": ".pdf"}.get(content_type, "")
    return f"{kind}-{number}{extension}"


def _name(psid: str, client: GraphClient | None) -> str:
    """The person's name from their profile, asked once (when the desk does not know them);
    a Page that may not read it gets no name, and that is fine."""
    known = db.session.scalar(select(ContactIdentity.id).where(
        ContactIdentity.kind == IdentityKind.FACEBOOK, ContactIdentity.value == psid))
    db.session.rollback()
    if known is not None or client is None:
        return ""
    try:
        profile = client.profile(psid)
    except (GraphError, SendError) as exc:
        log.info("no profile for %s: %s", psid, exc)
        return ""
    return " ".join(str(profile.get(k) or "") for k in ("first_name", "last_name")).strip()


def replay_event(raw: bytes, channel: str) -> InboundMessage:
    """A kept event read again (quarantine replay); ValueError says why it cannot be."""
    settings = settings_of(channel)
    try:
        event = parse_event(raw, settings.page_id)
    except PayloadError:
        # A whole delivery was held (it could not be read): replayable when, mended,
        # it holds one event to take in.
        wanted = [e for e in parse_delivery(raw, settings.page_id) if e.kind != "ignored"]
        if len(wanted) != 1:
            raise ValueError(f"the delivery holds {len(wanted)} events to take in, "
                             "not one") from None
        event = wanted[0]
    if event.kind == "ignored":
        raise ValueError(f"nothing to take in: {event.reason}")
    client = settings.client()
    try:
        return inbound(event, channel, client)
    finally:
        client.close()


__all__ = ["COMMENTER", "Delivery", "PayloadError", "inbound", "replay_event",
           "take_in_delivery"]
