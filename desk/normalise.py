"""Make an inbound message storable, the same way on every database.

SQLite stores what PostgreSQL refuses (a NUL byte in text, a value longer than
its column), so without this the same mail would be a message on one database
and a quarantine item on the other. Everything is cleaned once, here, before
ingest reads a field; what had to change is said in the message's notes.
"""

import dataclasses
import hashlib

from connectors.base import Attachment, InboundMessage
from connectors.text import clean_line, clean_text
from desk.errors import N_

# External ids longer than this are cut and given a digest of the whole: the
# column holds 500, and a derived id (a reused Message-ID) adds a suffix.
MAX_ID = 400
_KEEP = MAX_ID - 72  # room for "#sha256:" and 64 hex digits


def bounded_id(value: str) -> str:
    """`value` if it fits, else its start and a digest of the whole (stable, so a
    re-fetch of the same over-long id still dedupes)."""
    value = clean_line(value)
    if len(value) <= MAX_ID:
        return value
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
    return f"{value[:_KEEP]}#sha256:{digest}"


def derived_id(external_id: str, fingerprint: str) -> str:
    """The id a different message under an already used `external_id` is kept as."""
    return f"{external_id}#{fingerprint[:16]}"


def _bounded(value: str, length: int) -> str:
    return clean_line(value)[:length]


def inbound(msg: InboundMessage) -> InboundMessage:
    """`msg` with every field the database stores made storable; notes say what changed."""
    notes = list(msg.notes)
    external_id = bounded_id(msg.external_id)
    if external_id != clean_line(msg.external_id):
        notes.append(N_("The message's id was too long to store whole; it is kept shortened."))
    changes = {
        "external_id": external_id,
        "sender_address": _bounded(msg.sender_address, 320),
        "sender_name": _bounded(msg.sender_name, 200),
        "subject": _bounded(msg.subject, 500),
        "text": clean_text(msg.text),
        "html": clean_text(msg.html) if msg.html else msg.html,
        "conversation_id": bounded_id(msg.conversation_id) if msg.conversation_id else None,
        "in_reply_to": bounded_id(msg.in_reply_to) if msg.in_reply_to else None,
        "references": tuple(bounded_id(r) for r in msg.references),
        "reports_on": tuple(bounded_id(r) for r in msg.reports_on),
        "attachments": tuple(_attachment(a) for a in msg.attachments),
        "notes": tuple(notes),
    }
    if all(getattr(msg, name) == value for name, value in changes.items()):
        return msg
    return dataclasses.replace(msg, **changes)


def _attachment(att: Attachment) -> Attachment:
    filename = _bounded(att.filename, 300) or "attachment.bin"
    content_type = _bounded(att.content_type, 200) or "application/octet-stream"
    content_id = _bounded(att.content_id, 300) if att.content_id else att.content_id
    if (filename, content_type, content_id) == (att.filename, att.content_type, att.content_id):
        return att
    return dataclasses.replace(att, filename=filename, content_type=content_type,
                               content_id=content_id)
