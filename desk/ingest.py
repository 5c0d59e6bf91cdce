"""The one door in: every inbound message of every channel passes through `ingest`.

One transaction does it all: dedupe on (channel, external id), loop guard,
contact, threading, the message and its attachments, the privacy scan, the
receipt into the outbox, and the events. Only after it has committed may the
connector acknowledge the message at its source.
"""

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from connectors.base import InboundMessage
from desk import events, loopguard, normalise, privacy, sla
from desk.attachments import store_attachments
from desk.channels import configured_kind, identity_kind, unknown_channel
from desk.config import DeskConfig, current_config
from desk.contacts import add_contact, normalise_address, resolve_contact
from desk.database import insert_row, insert_rows, insert_rows_returning_ids, together, transaction
from desk.errors import N_
from desk.extensions import db
from desk.language import detect_language
from desk.models import (
    Channel,
    Contact,
    ContactIdentity,
    Direction,
    EventKind,
    ExternalIdTombstone,
    IdentityKind,
    Inquiry,
    Message,
    MessageSource,
    SendState,
    Status,
    User,
    Verdict,
    utcnow,
)
from desk.outbox import enqueue, outbound_row
from desk.receipts import (
    RATE_WINDOW,
    receipt_allowed,
    receipt_text,
    receipts_since,
    sent_last_hour,
)
from desk.references import next_reference
from desk.sanitize import sanitize_html
from desk.status import change_status
from desk.thread_match import MatchedBy, ThreadMatch, find_thread

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    CREATED = "created"  # a new inquiry
    THREADED = "threaded"  # added to an existing inquiry
    DUPLICATE = "duplicate"  # already had it: nothing changed
    DROPPED = "dropped"  # our own message coming back, or deleted on purpose


@dataclass(frozen=True)
class IngestResult:
    outcome: Outcome
    inquiry_id: int | None = None
    message_id: int | None = None
    reference: str | None = None
    reason: str | None = None
    receipt_queued: bool = False


@dataclass(frozen=True)
class NewInquiry:
    """A new inquiry as ingest wrote it, through Core rather than the unit of work
    (which costs more than the INSERT): what the rest of ingest needs of it."""

    id: int
    reference: str
    language: str
    contact_id: int
    channel: Channel
    unit_id: int | None = None  # a new inquiry lies at the front desk


def ingest(
    msg: InboundMessage,
    now: datetime | None = None,
    *,
    receipts: bool = True,
    override_guard: bool = False,
) -> IngestResult:
    """Take in one message; safe to call again with the same message.

    `receipts=False` sends no receipt whatever the channel says: for mail
    imported from an archive, whose senders wrote long ago. `override_guard`
    takes in what a guard would drop (an admin replaying a dropped item), as a
    message no human wrote: no receipt, nothing reopened.
    """
    config = current_config()
    now = now or utcnow()
    msg = normalise.inbound(msg)
    sender = _Sender.of(msg, config)
    for attempt in (1, 2):
        try:
            with transaction() as session:
                return _ingest(session, config, msg, sender, now, receipts, override_guard)
        except IntegrityError:
            # The unique key on (channel, external id) is the dedupe guarantee: a
            # concurrent ingest of the same message won the race.
            _, seen = _identify(db.session, msg, sender, now)
            if seen.message_id is not None:
                return _duplicate(seen)
            # Another unique key (a new contact's identity written by a concurrent
            # ingest): that row is committed now, so one more try finds it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _ingest(
    session: Session,
    config: DeskConfig,
    msg: InboundMessage,
    sender: "_Sender",
    now: datetime,
    receipts: bool,
    override_guard: bool,
) -> IngestResult:
    msg, seen = _identify(session, msg, sender, now)
    if seen.message_id is not None:  # the common re-fetch, answered without doing the work again
        return _duplicate(seen)
    channel = seen.channel
    judgement = _judge(msg, seen, config, override_guard)
    if judgement.verdict is Verdict.DROP:
        log.info("dropped %s on %s: %s", msg.external_id, channel.name, judgement.reason)
        return IngestResult(Outcome.DROPPED, reason=judgement.reason)

    automatic = judgement.verdict is Verdict.NO_RECEIPT
    received = msg.received_at or now
    sensitive = bool(privacy.find_national_ids(f"{msg.subject}\n{msg.text}"))
    # The events of this message, written together at the end: one executemany.
    history: list[events.Row] = []
    # Read first, then change the contact and inquiry. New rows (contact, inquiry,
    # message, attachments, events, receipt) are written through Core, which costs
    # a fraction of the unit of work; it only writes the changes to existing rows.
    with session.no_autoflush:
        contact = resolve_contact(session, seen.contact, sender.kind, sender.address,
                                  msg.sender_name)
        match = find_thread(session, channel, msg, contact)
        if match is not None and match.matched_by is MatchedBy.NOTICE:
            return _note_from_unit(session, channel, msg, sender.address, match.inquiry,
                                   judgement, received, now)
        bounced = _bounced(session, msg)
        inquiry, created = _inquiry_for(session, config, channel, msg, contact, match,
                                        automatic, sensitive, received, now, history)
        # A public comment gets no receipt: it would name the case where anyone can see it.
        receipt = (created and receipts and not msg.public
                   and _wants_receipt(session, config, channel, seen, contact, judgement, now))
    if contact.id is None:  # someone new whose message joined an existing inquiry
        add_contact(session, contact)

    receipt_row = None
    if receipt:
        subject, text = receipt_text(inquiry.reference, inquiry.language, contact.display_name,
                                     config)
        receipt_row = outbound_row(inquiry, channel, sender.address, subject, text,
                                   automatic=True, now=now)
    message_id, receipt_id = _store_message(session, channel, msg, judgement, received,
                                            inquiry.id, Direction.INBOUND, sender.address,
                                            contact_id=contact.id, receipt=receipt_row)
    _mark_bounced(session, bounced, now, history)
    if not created:
        history.append(events.row(inquiry, EventKind.MESSAGE_RECEIVED, at=now,
                                  message_id=message_id, automatic=automatic or None))
    if receipt_id is not None:
        history.append(events.row(inquiry, EventKind.RECEIPT_QUEUED, at=now))
    # What nobody reads back goes to the database in one round trip.
    with together(session):
        _store_content(session, message_id, msg)
        if receipt_id is not None:
            enqueue(session, receipt_id, channel, now)
        events.record_all(session, history)
    return IngestResult(
        Outcome.CREATED if created else Outcome.THREADED,
        inquiry_id=inquiry.id,
        message_id=message_id,
        reference=inquiry.reference,
        reason=judgement.reason,
        receipt_queued=receipt,
    )


def _store_message(
    session: Session,
    channel: Channel,
    msg: InboundMessage,
    judgement: loopguard.Judgement,
    received: datetime,
    inquiry_id: int,
    direction: Direction,
    address: str,
    *,
    contact_id: int | None = None,
    author_id: int | None = None,
    receipt: dict[str, Any] | None = None,
) -> tuple[int, int | None]:
    """Write the message, and the `receipt` (an `outbound_row`) when there is one;
    the ids of the message and the receipt. `_store_content` writes the rest.

    The two messages are one INSERT: a round trip fewer for most new inquiries.
    A duplicate external id (a concurrent ingest won) fails here and rolls it all back.
    """
    row = {
        "inquiry_id": inquiry_id,
        "direction": direction,
        "channel_id": channel.id,
        "external_id": msg.external_id,
        "address": address,
        "contact_id": contact_id,
        "author_id": author_id,
        "sender_name": msg.sender_name[:200],
        "subject": msg.subject[:500],
        "text": msg.text,
        "html": sanitize_html(msg.html) if msg.html else None,
        "in_reply_to": msg.in_reply_to,
        "fingerprint": msg.fingerprint,
        "intake_notes": "\n".join(msg.notes) or None,
        "verdict": judgement.verdict,
        "verdict_reason": judgement.reason,
        "automatic": judgement.verdict is Verdict.NO_RECEIPT,
        "created_at": received,
    }
    if receipt is None:
        message_id, receipt_id = insert_row(session, Message, **row), None
    else:
        message_id, receipt_id = insert_rows_returning_ids(session, Message, [row, receipt])
    return message_id, receipt_id


def _store_content(session: Session, message_id: int, msg: InboundMessage) -> None:
    """The message's source, kept for audit and replay, and its attachments."""
    if msg.raw:
        insert_rows(session, MessageSource, [{"message_id": message_id, "raw": msg.raw}])
    store_attachments(session, message_id, msg.attachments)


def _note_from_unit(
    session: Session,
    channel: Channel,
    msg: InboundMessage,
    address: str,
    inquiry: Inquiry,
    judgement: loopguard.Judgement,
    received: datetime,
    now: datetime,
) -> IngestResult:
    """A unit answered our routing notice by e-mail: an internal note on the inquiry,
    by the staff member whose address wrote it when the desk knows it.

    It is the unit talking to the front desk, so nothing on the citizen's side
    moves: no contact is made for the address, the status stays, no receipt.
    """
    author_id = session.scalar(
        select(User.id).where(func.lower(User.email) == address, User.active).limit(1)
    )
    message_id, _ = _store_message(session, channel, msg, judgement, received, inquiry.id,
                                   Direction.NOTE, address, author_id=author_id)
    _store_content(session, message_id, msg)
    automatic = judgement.verdict is Verdict.NO_RECEIPT
    events.record(session, inquiry, EventKind.NOTE_ADDED, at=now, message_id=message_id,
                  by_mail=True, automatic=automatic or None)
    return IngestResult(Outcome.THREADED, inquiry_id=inquiry.id, message_id=message_id,
                        reference=inquiry.reference, reason=judgement.reason)


def _inquiry_for(
    session: Session,
    config: DeskConfig,
    channel: Channel,
    msg: InboundMessage,
    contact: Contact,
    match: ThreadMatch | None,
    automatic: bool,
    sensitive: bool,
    received: datetime,
    now: datetime,
    history: list[events.Row],
) -> tuple[Inquiry | NewInquiry, bool]:
    """The inquiry the message joins, or a new one; True when new. Its events go to `history`."""
    if match is not None and match.trusted:
        inquiry = match.inquiry
        if inquiry.status is Status.CLOSED and config.reply_to_closed == "new" and not automatic:
            return _new_inquiry(session, channel, msg, contact, sensitive, received, now,
                                history, linked_to=inquiry, confirmed=True), True
        # Set only what changes: any assignment, even of the same value, costs a
        # run of the unit of work at the commit.
        if sensitive and not inquiry.sensitive:
            inquiry.sensitive = True
        if received > inquiry.last_message_at:
            inquiry.last_message_at = received
        if inquiry.status not in (Status.NEW, Status.OPEN) and not automatic:
            # Reopened when resolved or closed; back from waiting, the SLA clock runs again.
            change_status(session, inquiry, Status.OPEN, at=now, reason="citizen wrote",
                          history=history)
        return inquiry, False
    linked = match.inquiry if match is not None else None
    inquiry = _new_inquiry(session, channel, msg, contact, sensitive, received, now, history,
                           linked_to=linked, confirmed=False)
    return inquiry, True


def _new_inquiry(
    session: Session,
    channel: Channel,
    msg: InboundMessage,
    contact: Contact,
    sensitive: bool,
    received: datetime,
    now: datetime,
    history: list[events.Row],
    linked_to: Inquiry | None,
    confirmed: bool,
) -> NewInquiry:
    language = contact.language or detect_language(f"{msg.subject}\n{msg.text}")
    if not contact.language:  # their first inquiry gives the contact a language
        contact.language = language
    if contact.id is None:  # someone new: written now, with their language
        add_contact(session, contact)
    reference = next_reference(session, now)
    inquiry_id = insert_row(
        session,
        Inquiry,
        reference=reference,
        subject=(msg.subject or msg.text.strip().split("\n", 1)[0])[:300],
        status=Status.NEW,
        language=language,
        contact_id=contact.id,
        channel_id=channel.id,
        conversation_key=msg.conversation_id,
        linked_to_id=linked_to.id if linked_to else None,
        link_unconfirmed=linked_to is not None and not confirmed,
        sensitive=sensitive,
        public=msg.public,
        created_at=received,
        last_message_at=received,
        due_at=sla.first_deadline(channel.id, received),
    )
    inquiry = NewInquiry(inquiry_id, reference, language, contact.id, channel)
    history.append(events.row(inquiry, EventKind.CREATED, at=received))
    if linked_to is not None:
        history.append(events.row(inquiry, EventKind.LINKED, at=now,
                                  linked_to=linked_to.reference,
                                  unconfirmed=not confirmed or None))
    return inquiry


def _bounced(session: Session, msg: InboundMessage) -> list[Message]:
    """Our outgoing messages a delivery report says were not delivered."""
    if not (msg.is_delivery_report and msg.reports_on):
        return []
    return list(session.scalars(
        select(Message).where(
            Message.external_id.in_(msg.reports_on), Message.direction == Direction.OUTBOUND
        )
    ))


def _mark_bounced(
    session: Session, bounced: list[Message], now: datetime, history: list[events.Row]
) -> None:
    """A delivery report marks the outgoing messages it reports on as failed."""
    for sent in bounced:
        sent.send_state = SendState.FAILED
        inquiry = session.get(Inquiry, sent.inquiry_id)
        if inquiry is not None:
            history.append(events.row(inquiry, EventKind.SEND_FAILED, at=now,
                                      message_id=sent.id, error="bounced"))


def _wants_receipt(
    session: Session,
    config: DeskConfig,
    channel: Channel,
    seen: "_Seen",
    contact: Contact,
    judgement: loopguard.Judgement,
    now: datetime,
) -> bool:
    if not (config.receipts.enabled and channel.receipts
            and judgement.verdict is Verdict.ACCEPT):
        return False
    if seen.contact is None:  # someone new: nothing sent to them yet
        sent = 0
    elif contact is seen.contact:  # counted by the first query
        sent = seen.receipts_last_hour
    else:  # a merged contact: its receipts count on the one it was merged into
        sent = sent_last_hour(session, contact.id, now)
    return receipt_allowed(sent, config)


def _judge(
    msg: InboundMessage, seen: "_Seen", config: DeskConfig, override_guard: bool
) -> loopguard.Judgement:
    """The loop guards' verdict; a message deleted on purpose is dropped too.

    With `override_guard` (an admin's replay) a drop becomes "a machine wrote it".
    """
    if seen.tombstoned:
        judgement = loopguard.Judgement(Verdict.DROP, "deleted earlier; not taken in again")
    else:
        judgement = loopguard.judge(msg, _guard_context(config, seen.sent_by_us))
    if override_guard and judgement.verdict is Verdict.DROP:
        return loopguard.Judgement(Verdict.NO_RECEIPT, f"taken in by an admin: {judgement.reason}")
    return judgement


def _guard_context(config: DeskConfig, sent_by_us: bool) -> loopguard.GuardContext:
    own = {
        str(cfg.options.get("address", "")).lower()
        for cfg in config.channels
        if cfg.options.get("address")
    }
    return loopguard.GuardContext(own_addresses=frozenset(own), sent_by_us=sent_by_us)


@dataclass(frozen=True)
class _Sender:
    """Who sent the message, as the contacts' identities spell it."""

    kind: IdentityKind
    address: str  # normalised; "" for an anonymous caller or visitor

    @classmethod
    def of(cls, msg: InboundMessage, config: DeskConfig) -> "_Sender":
        kind = identity_kind(configured_kind(msg.channel, config))
        return cls(kind, normalise_address(kind, msg.sender_address))


@dataclass(frozen=True)
class _Seen:
    """What the desk knows of a message before taking it in: its channel, the message
    or tombstone of its external id, and the contact of the sender's identity."""

    channel: Channel
    message_id: int | None  # the message, when the desk has it
    inquiry_id: int | None
    reference: str | None
    fingerprint: str | None  # of the message the desk has under this id
    tombstoned: bool  # deleted on purpose: never taken in again
    sent_by_us: bool  # the id is one the desk gave a message it sent
    contact: Contact | None  # the contact the identity row names (maybe merged since)
    receipts_last_hour: int  # automatic messages sent to that contact in the last hour

    def is_other_than(self, msg: InboundMessage) -> bool:
        """The desk has another message under `msg`'s id (a mailer reused it)."""
        return (self.message_id is not None and self.fingerprint is not None
                and msg.fingerprint is not None and self.fingerprint != msg.fingerprint)


_Own = aliased(Message)
# On any channel: our mail can come back to another mailbox than it left from.
_SENT_BY_US = exists().where(
    _Own.external_id == bindparam("external_id"),
    or_(_Own.direction == Direction.OUTBOUND, _Own.direction == Direction.NOTIFICATION),
)
# Built once: constructing an ORM statement costs about as much as running it.
_SEEN = (
    select(Channel, Message.id, Message.inquiry_id, Inquiry.reference, Message.fingerprint,
           ExternalIdTombstone.id, _SENT_BY_US, Contact,
           receipts_since(Contact.id, bindparam("window_start")))
    .outerjoin(Message, and_(Message.channel_id == Channel.id,
                             Message.external_id == bindparam("external_id")))
    .outerjoin(Inquiry, Inquiry.id == Message.inquiry_id)
    .outerjoin(ExternalIdTombstone, and_(
        ExternalIdTombstone.channel_id == Channel.id,
        ExternalIdTombstone.external_id == bindparam("external_id"),
    ))
    .outerjoin(ContactIdentity, and_(ContactIdentity.kind == bindparam("kind"),
                                     ContactIdentity.value == bindparam("address")))
    .outerjoin(Contact, Contact.id == ContactIdentity.contact_id)
    .where(Channel.name == bindparam("channel"))
)


def _seen(session: Session, msg: InboundMessage, sender: _Sender, now: datetime) -> _Seen:
    """All of `_Seen` in one query: every message asks, so it is one round trip."""
    row = session.execute(_SEEN, {
        "channel": msg.channel, "external_id": msg.external_id, "kind": sender.kind,
        # No address, no identity: an anonymous caller matches no one.
        "address": sender.address or None, "window_start": now - RATE_WINDOW,
    }).first()
    if row is None:
        raise unknown_channel(msg.channel)
    (channel, message_id, inquiry_id, reference, fingerprint, tombstone_id, sent_by_us, contact,
     receipts) = row
    return _Seen(channel, message_id, inquiry_id, reference, fingerprint,
                 tombstone_id is not None, bool(sent_by_us), contact, receipts or 0)


def _identify(
    session: Session, msg: InboundMessage, sender: _Sender, now: datetime
) -> tuple[InboundMessage, _Seen]:
    """`msg` as the desk keeps it, and what the desk knows of it.

    A different message under an id the desk already has (a mailer that reuses
    Message-IDs) is kept under an id derived from its fingerprint, with a note,
    so it is neither lost as a duplicate nor doubled when fetched again.
    """
    seen = _seen(session, msg, sender, now)
    if not seen.is_other_than(msg):
        return msg, seen
    assert msg.fingerprint is not None
    note = N_("Another message already had this message's id (its mailer reuses ids); "
              "it is kept under an id of its own.")
    msg = dataclasses.replace(msg, external_id=normalise.derived_id(msg.external_id,
                                                                     msg.fingerprint),
                              notes=(*msg.notes, note))
    return msg, _seen(session, msg, sender, now)


def _duplicate(seen: _Seen) -> IngestResult:
    return IngestResult(
        Outcome.DUPLICATE,
        inquiry_id=seen.inquiry_id,
        message_id=seen.message_id,
        reference=seen.reference,
        reason="our own message came back" if seen.sent_by_us else "already taken in",
    )
