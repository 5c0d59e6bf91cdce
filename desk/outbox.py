"""The one door out: queue outgoing messages, and dispatch them with retries.

A reply and its outbox row are written in the same transaction, so a reply
the agent saw saved is never lost. The worker claims due rows under a lease
(with SKIP LOCKED on PostgreSQL, so several workers share the work), sends
each outside any transaction, and records the outcome: sent, retry later with
exponential backoff, or failed for good, visible on the inquiry.
"""

import logging
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from connectors.base import Attachment, OutboundMessage, SendError
from desk import events
from desk.attachments import store
from desk.channels import sender_for
from desk.config import current_config
from desk.database import insert_row, insert_rows, transaction
from desk.extensions import db
from desk.models import (
    Channel,
    Direction,
    EventKind,
    Inquiry,
    Message,
    OutboxItem,
    OutboxState,
    SendState,
    User,
    utcnow,
)

log = logging.getLogger(__name__)


def new_message_id() -> str:
    """Our own id for an outgoing message; e-mail uses it as the Message-ID."""
    return f"{uuid.uuid4().hex}@{current_config().message_id_domain}"


class _Addressed(Protocol):
    """What the outbox needs of an inquiry: an `Inquiry`, or ingest's `NewInquiry`."""

    @property
    def id(self) -> int | None: ...
    @property
    def contact_id(self) -> int | None: ...


def queue_outbound(
    session: Session,
    inquiry: _Addressed,
    channel: Channel,
    address: str,
    subject: str,
    text: str,
    *,
    author: User | None = None,
    automatic: bool = False,
    direction: Direction = Direction.OUTBOUND,
    now: datetime | None = None,
) -> int:
    """Write an outbound message and its outbox row in the caller's transaction; the message's id.

    `direction` is OUTBOUND for the citizen, NOTIFICATION for internal mail
    about the inquiry (a unit's routing notice), which never joins the
    citizen's thread. Both rows are appended through Core, not the unit of work.
    """
    now = now or utcnow()
    session.flush()  # the inquiry and its contact may be new in this transaction
    message_id = insert_row(session, Message, **outbound_row(
        inquiry, channel, address, subject, text, author=author, automatic=automatic,
        direction=direction, now=now))
    enqueue(session, message_id, channel, now)
    return message_id


def outbound_row(
    inquiry: _Addressed,
    channel: Channel,
    address: str,
    subject: str,
    text: str,
    *,
    now: datetime,
    author: User | None = None,
    automatic: bool = False,
    direction: Direction = Direction.OUTBOUND,
) -> dict[str, Any]:
    """The message row of `queue_outbound`, for a caller that writes it together with
    other messages (ingest: the receipt with the mail it answers); `enqueue` it then."""
    return {
        "inquiry_id": inquiry.id,
        "direction": direction,
        "channel_id": channel.id,
        "external_id": new_message_id(),
        "address": address,
        "contact_id": inquiry.contact_id if direction is Direction.OUTBOUND else None,
        "author_id": author.id if author else None,
        "subject": subject,
        "text": text,
        "automatic": automatic,
        "send_state": SendState.QUEUED,
        "created_at": now,
    }


def enqueue(session: Session, message_id: int, channel: Channel, now: datetime) -> None:
    """The outbox row that has the worker send the message `message_id`, due at once."""
    insert_rows(session, OutboxItem, [{"message_id": message_id, "channel_id": channel.id,
                                       "next_attempt_at": now}])


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def dispatch_due(
    worker_id: str, now: datetime | None = None, limit: int | None = None
) -> DispatchReport:
    """Send what is due, at most `limit` items (the config's batch size by default)."""
    config = current_config()
    now = now or utcnow()
    report = DispatchReport()
    for item_id in _claim(worker_id, now, limit or config.outbox.batch_size):
        try:
            outbound, channel = _outbound_for(item_id)
            external_id = sender_for(channel).send(outbound)
        except SendError as exc:
            _record_failure(item_id, worker_id, str(exc) or type(exc).__name__, exc.permanent, now)
        except Exception as exc:  # a bug or an unknown error must not stop the batch
            log.exception("outbox item %s: unexpected error while sending", item_id)
            _record_failure(item_id, worker_id, f"{type(exc).__name__}: {exc}", False, now)
        else:
            _record_sent(item_id, worker_id, external_id, now)
            report.sent.append(item_id)
            continue
        state = db.session.scalar(select(OutboxItem.state).where(OutboxItem.id == item_id))
        (report.failed if state is OutboxState.FAILED else report.retrying).append(item_id)
    return report


def _claim(worker_id: str, now: datetime, limit: int) -> list[int]:
    lease_until = now + timedelta(seconds=current_config().outbox.lease_seconds)
    with transaction() as session:
        due = session.scalars(
            select(OutboxItem.id)
            .where(
                OutboxItem.state == OutboxState.PENDING,
                OutboxItem.next_attempt_at <= now,
                or_(OutboxItem.lease_until.is_(None), OutboxItem.lease_until < now),
            )
            .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not due:
            return []
        # The lease condition again in the UPDATE: where SKIP LOCKED does not
        # exist (SQLite), a second worker that read the same rows gets none.
        session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.id.in_(due),
                or_(OutboxItem.lease_until.is_(None), OutboxItem.lease_until < now),
            )
            .values(leased_by=worker_id, lease_until=lease_until)
        )
        return list(
            session.scalars(
                select(OutboxItem.id)
                .where(OutboxItem.id.in_(due), OutboxItem.leased_by == worker_id,
                       OutboxItem.lease_until == lease_until)
                .order_by(OutboxItem.id)
            )
        )


def _outbound_for(item_id: int) -> tuple[OutboundMessage, Channel]:
    """Everything the connector needs, read before sending (no transaction held open)."""
    item = db.session.get(OutboxItem, item_id)
    assert item is not None
    message = item.message
    inquiry = db.session.get(Inquiry, message.inquiry_id)
    channel = db.session.get(Channel, item.channel_id)
    assert inquiry is not None and channel is not None
    if message.direction is Direction.NOTIFICATION:
        outbound = OutboundMessage(
            channel=channel.name, recipient=message.address or "", subject=message.subject,
            text=message.text, message_id=message.external_id, reference=inquiry.reference,
            automatic=True,
        )
        db.session.rollback()
        return outbound, channel
    thread = db.session.scalars(
        select(Message.external_id)
        .where(
            Message.inquiry_id == inquiry.id,
            Message.id != message.id,
            Message.external_id.is_not(None),
            Message.direction.in_((Direction.INBOUND, Direction.OUTBOUND)),
        )
        .order_by(Message.created_at, Message.id)
    ).all()
    last_inbound = db.session.scalar(
        select(Message.external_id)
        .where(Message.inquiry_id == inquiry.id, Message.direction == Direction.INBOUND,
               Message.channel_id == channel.id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    files = store()
    outbound = OutboundMessage(
        channel=channel.name,
        recipient=message.address or "",
        recipient_name=inquiry.contact.display_name if inquiry.contact else "",
        subject=message.subject,
        text=message.text,
        html=message.html,
        message_id=message.external_id,
        reference=inquiry.reference,
        conversation_id=inquiry.conversation_key,
        in_reply_to=last_inbound,
        references=tuple(thread[-20:]),
        attachments=tuple(
            Attachment(a.filename, a.content_type, files.read(a.sha256), a.content_id, a.inline)
            for a in message.attachments
        ),
        automatic=message.automatic,
    )
    db.session.rollback()  # end the read transaction before the network call
    return outbound, channel


def _record_sent(item_id: int, worker_id: str, external_id: str, now: datetime) -> None:
    with transaction() as session:
        item = session.get(OutboxItem, item_id)
        if item is None or item.leased_by != worker_id:
            log.warning("outbox item %s: lease lost before recording the send", item_id)
            return
        item.state = OutboxState.SENT
        item.attempts += 1
        item.sent_at = now
        item.lease_until = None
        item.last_error = None
        message = item.message
        message.send_state = SendState.SENT
        message.sent_at = now
        message.external_id = external_id or message.external_id
        inquiry = session.get(Inquiry, message.inquiry_id)
        assert inquiry is not None
        events.record(session, inquiry, EventKind.SENT, at=now, message_id=message.id,
                      automatic=message.automatic or None)


def backoff(attempts: int, base: float, maximum: float) -> timedelta:
    """Exponential backoff with ±20 % jitter, so failed items do not retry in lockstep."""
    delay = min(base * 2 ** max(attempts - 1, 0), maximum)
    return timedelta(seconds=delay * random.uniform(0.8, 1.2))


def _record_failure(
    item_id: int, worker_id: str, error: str, permanent: bool, now: datetime
) -> None:
    outbox = current_config().outbox
    with transaction() as session:
        item = session.get(OutboxItem, item_id)
        if item is None or item.leased_by != worker_id:
            return
        item.attempts += 1
        item.last_error = error[:2000]
        item.lease_until = None
        if not permanent and item.attempts < outbox.max_attempts:
            item.next_attempt_at = now + backoff(
                item.attempts, outbox.base_delay_seconds, outbox.max_delay_seconds
            )
            log.info("outbox item %s: attempt %s failed, retrying: %s",
                     item_id, item.attempts, error)
            return
        item.state = OutboxState.FAILED
        message = item.message
        message.send_state = SendState.FAILED
        inquiry = session.get(Inquiry, message.inquiry_id)
        assert inquiry is not None
        events.record(session, inquiry, EventKind.SEND_FAILED, at=now, message_id=message.id,
                      error=error[:500], attempts=item.attempts)
        log.warning("outbox item %s failed for good after %s attempts: %s",
                    item_id, item.attempts, error)
