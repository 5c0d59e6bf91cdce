"""The one door out: queue outgoing messages, and dispatch them with retries.

A reply and its outbox row are written in the same transaction, so a reply
the agent saw saved is never lost. A worker claims one due row at a time, just
before sending it: one UPDATE leases the row to the worker and counts the
attempt (SKIP LOCKED on PostgreSQL spreads workers over different rows). The
worker checks the lease is still its own right before the connector gets the
message and renews it while the send runs, sends outside any transaction, and
records the outcome at once: sent, retry later with exponential backoff, or
failed for good, visible on the inquiry.

What an operator sees on the row: while a message is being sent, `leased_by`
and a `lease_until` in the future; a pending row whose lease ran out was
interrupted (its worker died or hung mid-send, the attempt already counted),
and the worker that takes it over says so in `last_error`. `last_error` keeps
the last trouble even after a later attempt succeeded. The only way a message
goes out twice is a worker killed between the server's acceptance and the
commit that records it: that one message is sent again when its lease runs out.
"""

import logging
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from flask import current_app
from sqlalchemy import Row, or_, select, update
from sqlalchemy.orm import Session

from connectors.base import Attachment, OutboundMessage, SendError, TemporaryFailure
from desk import events
from desk.attachments import store
from desk.channels import record_error, sender_for
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


def new_message_id(key: str | None = None) -> str:
    """Our own id for an outgoing message; e-mail uses it as the Message-ID.

    `key` makes it the same for the same key (a retried request: see `workflow.reply`).
    """
    return f"{key or uuid.uuid4().hex}@{current_config().message_id_domain}"


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
    external_id: str | None = None,
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
        direction=direction, now=now, external_id=external_id))
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
    external_id: str | None = None,
) -> dict[str, Any]:
    """The message row of `queue_outbound`, for a caller that writes it together with
    other messages (ingest: the receipt with the mail it answers); `enqueue` it then."""
    return {
        "inquiry_id": inquiry.id,
        "direction": direction,
        "channel_id": channel.id,
        "external_id": external_id or new_message_id(),
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
    """Send what is due, one item at a time, at most `limit` items (the config's batch size).

    Each item is claimed just before it is sent, under its own lease, so a slow
    batch never outlives a lease taken for all of it. `worker_id` names the
    holder of the leases: it must differ between dispatchers running at once
    (the worker uses host and process id). `now` freezes the clock (tests);
    otherwise every step reads it afresh.
    """
    config = current_config()
    clock = (lambda: now) if now is not None else utcnow
    report = DispatchReport()
    for _ in range(limit or config.outbox.batch_size):
        claim = _claim_next(worker_id, clock())
        if claim is None:
            break
        if claim.given_up:
            report.failed.append(claim.item_id)
        else:
            _send_claimed(claim.item_id, worker_id, clock, report)
    return report


def send_now(message_id: int, worker_id: str) -> bool:
    """Send the queued message `message_id` at once, in the caller's process (a live
    chat's answer must not wait for the worker's next run); True when it went out.

    The same claim, lease and record as `dispatch_due`, so the worker and this
    can never both send it: whoever claims the row sends it, the other finds it
    taken. Not sent now (the claim lost, a failure to retry) means the worker
    sends it on its schedule.
    """
    item_id = db.session.scalar(select(OutboxItem.id).where(OutboxItem.message_id == message_id))
    db.session.rollback()
    if item_id is None:
        return False
    claim = _claim_next(worker_id, utcnow(), item_id=item_id)
    if claim is None or claim.given_up:
        return False
    report = DispatchReport()
    _send_claimed(claim.item_id, worker_id, utcnow, report)
    return bool(report.sent)


class _Claim(NamedTuple):
    item_id: int
    # Interrupted while sending max_attempts times: failed for good, not to be sent.
    given_up: bool = False


def _due(now: datetime) -> tuple[Any, ...]:
    """Pending, its time come, and held by no worker (or by one whose lease ran out)."""
    return (
        OutboxItem.state == OutboxState.PENDING,
        OutboxItem.next_attempt_at <= now,
        or_(OutboxItem.lease_until.is_(None), OutboxItem.lease_until < now),
    )


def _claim_next(worker_id: str, now: datetime, item_id: int | None = None) -> _Claim | None:
    """Take the next due item: lease it to `worker_id` and count the attempt, in one UPDATE.

    The UPDATE repeats the conditions the SELECT read and requires the attempt
    count it saw, so of two workers that read the same row only one changes
    it (rowcount decides): on PostgreSQL SKIP LOCKED already keeps them apart,
    on SQLite, which has no row locks, the loser looks again. `item_id` claims
    that one item or nothing.
    """
    only = (OutboxItem.id == item_id,) if item_id is not None else ()
    while True:
        with transaction() as session:
            seen = session.execute(
                select(OutboxItem.id, OutboxItem.attempts, OutboxItem.leased_by,
                       OutboxItem.lease_until)
                .where(*_due(now), *only)
                .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if seen is None:
                return None
            claim = _take(session, seen, worker_id, now)
            if claim is not None:
                return claim
        # Another worker took it between our SELECT and UPDATE; it is not due any more.


def _take(session: Session, seen: Row[Any], worker_id: str, now: datetime) -> _Claim | None:
    """The UPDATE of `_claim_next` for the row it saw; None if another worker changed it."""
    outbox = current_config().outbox
    take = (
        update(OutboxItem)
        .where(OutboxItem.id == seen.id, OutboxItem.attempts == seen.attempts, *_due(now))
        .execution_options(synchronize_session=False)
    )
    # A lease that ran out on a pending item: its worker died or hung while
    # sending, after counting the attempt. The message may have gone out.
    interrupted = (
        f"interrupted while sending: {seen.leased_by} held it until "
        f"{seen.lease_until:%Y-%m-%d %H:%M:%S} UTC and never reported back"
        if seen.lease_until is not None else None
    )
    if interrupted and seen.attempts >= outbox.max_attempts:
        error = f"given up after {seen.attempts} attempts; the last was {interrupted}"
        if not session.execute(take.values(state=OutboxState.FAILED, lease_until=None,
                                           last_error=error)).rowcount:
            return None
        _failed_for_good(session, seen.id, error, seen.attempts, now)
        return _Claim(seen.id, given_up=True)
    values: dict[str, Any] = {
        "attempts": OutboxItem.attempts + 1,
        "leased_by": worker_id,
        "lease_until": now + timedelta(seconds=outbox.lease_seconds),
    }
    if interrupted:
        values["last_error"] = interrupted
    if not session.execute(take.values(**values)).rowcount:
        return None
    if interrupted:
        log.warning("outbox item %s: %s; %s sends it again", seen.id, interrupted, worker_id)
    return _Claim(seen.id)


def _renew(item_id: int, worker_id: str, now: datetime, seconds: float) -> bool:
    """Hold the item `seconds` from `now` if it is still `worker_id`'s to send; False if not.

    Not ours any more means another worker took it over after our lease ran
    out, or it has been recorded sent or failed: then it must not be sent.
    """
    with transaction() as session:
        return bool(session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == item_id, OutboxItem.state == OutboxState.PENDING,
                   OutboxItem.leased_by == worker_id, OutboxItem.lease_until.is_not(None))
            .values(lease_until=now + timedelta(seconds=seconds))
            .execution_options(synchronize_session=False)
        ).rowcount)


class _LeaseKeeper:
    """Renews an item's lease every third of it while the connector sends, in a thread.

    So the lease need not cover the longest send a slow server can make (each
    network step has its own timeout): another worker takes the item over
    only once this process has died or hung for a whole lease.
    """

    def __init__(self, item_id: int, worker_id: str, seconds: float) -> None:
        self.app = current_app._get_current_object()  # type: ignore[attr-defined]
        self.item_id, self.worker_id, self.seconds = item_id, worker_id, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"outbox-lease-{item_id}")

    def __enter__(self) -> "_LeaseKeeper":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
        self._thread.join()

    def stop(self) -> None:
        """Start no more renewals (setting a flag: nothing is waited for)."""
        self._stop.set()

    def _run(self) -> None:
        with self.app.app_context():
            try:
                while not self._stop.wait(self.seconds / 3):
                    try:
                        if not _renew(self.item_id, self.worker_id, utcnow(), self.seconds):
                            if not self._stop.is_set():  # not just our own record of the send
                                log.warning("outbox item %s: lease lost while sending",
                                            self.item_id)
                            return
                    except Exception:  # the database away for a moment: try again
                        log.exception("outbox item %s: cannot renew the lease", self.item_id)
            finally:
                db.session.remove()


def _send_claimed(item_id: int, worker_id: str, clock: Callable[[], datetime],
                  report: DispatchReport) -> None:
    """Send one item `worker_id` has claimed and record the outcome in `report`."""
    lease_seconds = current_config().outbox.lease_seconds
    try:
        outbound, channel = _outbound_for(item_id)
        sender = sender_for(channel)
    except Exception as exc:  # no connector for the channel, a lost attachment, a bug
        _record_failure(item_id, worker_id, *_failure(item_id, exc), clock(), report)
        return
    # The last check before the message leaves: the item is still ours, and
    # its lease runs from now, when the send starts.
    if not _renew(item_id, worker_id, clock(), lease_seconds):
        log.warning("outbox item %s: taken over by another worker before %s sent it; "
                    "not sent", item_id, worker_id)
        return
    with _LeaseKeeper(item_id, worker_id, lease_seconds) as keeper:
        try:
            external_id = sender.send(outbound)
        except Exception as exc:  # a bug or an unknown error must not stop the batch either
            error, permanent = _failure(item_id, exc)
            failure = exc
        else:
            # At once, before anything else: a worker killed between the
            # server's acceptance and this commit sends the message again.
            keeper.stop()
            _record_sent(item_id, worker_id, external_id, clock())
            report.sent.append(item_id)
            return
    retry_after = None
    if isinstance(failure, TemporaryFailure):
        retry_after = failure.retry_after
        if failure.channel_broken:  # the admin must mend the channel: show it failing
            record_error(channel.id, clock(), error)
    _record_failure(item_id, worker_id, error, permanent, clock(), report, retry_after)


def _failure(item_id: int, exc: Exception) -> tuple[str, bool]:
    """What to record of a send, or its preparation, that raised `exc`: the error and
    whether it is permanent. Anything but a SendError is logged with its traceback."""
    if isinstance(exc, SendError):
        return str(exc) or type(exc).__name__, exc.permanent
    log.exception("outbox item %s: unexpected error while sending", item_id)
    return f"{type(exc).__name__}: {exc}", False


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
    # The last 20 of the thread, newest first from the database (a long chat has
    # hundreds), then oldest first as References lists them.
    thread = db.session.scalars(
        select(Message.external_id)
        .where(
            Message.inquiry_id == inquiry.id,
            Message.id != message.id,
            Message.external_id.is_not(None),
            Message.direction.in_((Direction.INBOUND, Direction.OUTBOUND)),
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(20)
    ).all()[::-1]
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
        references=tuple(thread),
        attachments=tuple(
            Attachment(a.filename, a.content_type, files.read(a.sha256), a.content_id, a.inline)
            for a in message.attachments
        ),
        automatic=message.automatic,
    )
    db.session.rollback()  # end the read transaction before the network call
    return outbound, channel


def _record_sent(item_id: int, worker_id: str, external_id: str, now: datetime) -> None:
    """Record the send in one short transaction, whoever holds the lease now.

    The message is out, so that is the truth even if our lease ran out during
    the send; recording it at once also stops a worker that took the item over
    from sending it too. An item already recorded sent went out twice: that
    is logged and noted on the row for the operator.
    """
    with transaction() as session:
        message_id = session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == item_id, OutboxItem.state != OutboxState.SENT)
            .values(state=OutboxState.SENT, sent_at=now, leased_by=worker_id, lease_until=None)
            .returning(OutboxItem.message_id)
            .execution_options(synchronize_session=False)
        ).scalar()
        if message_id is None:
            note = (f"sent twice: {worker_id} sent it again at {now:%Y-%m-%d %H:%M:%S} UTC "
                    "after its lease had run out")
            session.execute(update(OutboxItem).where(OutboxItem.id == item_id)
                            .values(last_error=note)
                            .execution_options(synchronize_session=False))
            log.error("outbox item %s: %s", item_id, note)
            return
        values: dict[str, Any] = {"send_state": SendState.SENT, "sent_at": now}
        if external_id:
            values["external_id"] = external_id
        inquiry_id, automatic = session.execute(
            update(Message).where(Message.id == message_id).values(**values)
            .returning(Message.inquiry_id, Message.automatic)
            .execution_options(synchronize_session=False)
        ).one()
        inquiry = session.get(Inquiry, inquiry_id)
        assert inquiry is not None
        events.record(session, inquiry, EventKind.SENT, at=now, message_id=message_id,
                      automatic=automatic or None)


def backoff(attempts: int, base: float, maximum: float) -> timedelta:
    """Exponential backoff with ±20 % jitter, so failed items do not retry in lockstep."""
    delay = min(base * 2 ** max(attempts - 1, 0), maximum)
    return timedelta(seconds=delay * random.uniform(0.8, 1.2))


def _record_failure(item_id: int, worker_id: str, error: str, permanent: bool, now: datetime,
                    report: DispatchReport, retry_after: float | None = None) -> None:
    """Retry later with backoff (at least `retry_after` seconds, when the service asked
    for a wait), or fail for good; nothing if the item is no longer ours."""
    outbox = current_config().outbox
    with transaction() as session:
        item = session.scalar(select(OutboxItem).where(
            OutboxItem.id == item_id, OutboxItem.state == OutboxState.PENDING,
            OutboxItem.leased_by == worker_id))
        if item is None:
            log.warning("outbox item %s: taken over while %s tried to send it (%s)",
                        item_id, worker_id, error)
            return
        item.last_error = error[:2000]
        item.lease_until = None
        if not permanent and item.attempts < outbox.max_attempts:
            item.next_attempt_at = now + max(
                backoff(item.attempts, outbox.base_delay_seconds, outbox.max_delay_seconds),
                timedelta(seconds=retry_after or 0))
            log.info("outbox item %s: attempt %s failed, retrying: %s",
                     item_id, item.attempts, error)
            report.retrying.append(item_id)
            return
        item.state = OutboxState.FAILED
        _failed_for_good(session, item_id, error, item.attempts, now)
        report.failed.append(item_id)


def _failed_for_good(session: Session, item_id: int, error: str, attempts: int,
                     now: datetime) -> None:
    """The message of a failed item: shown to the agent as not delivered, with an event."""
    message = session.scalar(select(Message).join(OutboxItem, OutboxItem.message_id == Message.id)
                             .where(OutboxItem.id == item_id))
    assert message is not None
    message.send_state = SendState.FAILED
    inquiry = session.get(Inquiry, message.inquiry_id)
    assert inquiry is not None
    events.record(session, inquiry, EventKind.SEND_FAILED, at=now, message_id=message.id,
                  error=error[:500], attempts=attempts)
    log.warning("outbox item %s failed for good after %s attempts: %s", item_id, attempts, error)
