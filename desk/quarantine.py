"""Keep what fails: inbound items the desk could not take in, held whole with the reason.

`take_in` is the rule every pull channel and the importer follow: ingest the
message, or, when it could not be parsed or the ingest failed, hold the raw
bytes in quarantine, so one bad item never stops a run and nothing is dropped
silently. What a guard declined on purpose (our own mail coming back, another
copy of a mail the desk has) is kept too, as dropped, for `retention.dropped_days`.
An admin lists, replays (after a fix, or overruling the guard) or discards it.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import OperationalError

from connectors.base import InboundMessage
from desk.config import current_config
from desk.database import transaction
from desk.drivers import driver_for
from desk.errors import N_, ServiceError
from desk.extensions import db
from desk.ingest import IngestResult, Outcome, ingest
from desk.models import Channel, MessageSource, QuarantineItem, QuarantineState, utcnow

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Taken:
    """What became of one inbound item: ingested (`result`) or held (`quarantine_id`)."""

    result: IngestResult | None = None
    quarantine_id: int | None = None
    reason: str | None = None

    @property
    def outcome(self) -> str:
        return "quarantined" if self.result is None else self.result.outcome.value


def take_in(
    message: InboundMessage | None,
    *,
    channel_id: int,
    raw: bytes | None,
    error: str | None,
    source_id: str | None,
    receipts: bool = True,
) -> Taken:
    """Ingest `message`, or quarantine `raw` with `error` when there is no message.

    An ingest that fails for a reason of the message's own (a bug it triggers,
    data the database refuses) quarantines it too. A database that cannot be
    reached is not the message's fault: that error propagates, so the run stops
    and the item is fetched again later. What ingest declined is kept as dropped.
    """
    if message is not None:
        try:
            result = ingest(message, receipts=receipts)
        except OperationalError:
            raise
        except Exception as exc:
            log.exception("ingest of %s failed; quarantining it", message.external_id)
            error, raw = f"ingest failed: {type(exc).__name__}: {exc}", message.raw or raw
        else:
            kept = _keep_declined(result, channel_id, message.raw or raw, source_id)
            return Taken(result, quarantine_id=kept, reason=result.reason)
    reason = error or "unknown error"
    return Taken(quarantine_id=hold(channel_id, raw or b"", reason, source_id), reason=reason)


def _keep_declined(
    result: IngestResult, channel_id: int, raw: bytes | None, source_id: str | None
) -> int | None:
    """Keep the bytes of a message ingest did not store: dropped by a guard, or a
    duplicate whose bytes differ from the copy the desk has (delivered twice by two
    routes, or our own mail come back). An exact re-fetch is not kept again."""
    if not raw or result.outcome not in (Outcome.DROPPED, Outcome.DUPLICATE):
        return None
    if result.outcome is Outcome.DUPLICATE:
        if _same_source(result.message_id, raw):
            return None
        reason = f"{result.reason}: another copy of message {result.message_id}"
    else:
        reason = result.reason or "dropped"
    return hold(channel_id, raw, reason, source_id, state=QuarantineState.DROPPED)


def _same_source(message_id: int | None, raw: bytes) -> bool:
    stored = db.session.scalar(
        select(MessageSource.raw).where(MessageSource.message_id == message_id))
    db.session.rollback()
    return stored == raw


def hold(
    channel_id: int | None, raw: bytes, reason: str, source_id: str | None = None,
    now: datetime | None = None, *, state: QuarantineState = QuarantineState.HELD,
) -> int:
    """Store `raw` in quarantine; the same bytes from the same source are kept once,
    so an item fetched again after a crash before its ack is not doubled."""
    with transaction() as session:
        existing = session.scalar(
            select(QuarantineItem).where(
                QuarantineItem.channel_id == channel_id,
                QuarantineItem.source_id == source_id,
                QuarantineItem.state == state,
                QuarantineItem.raw == raw,
            )
        )
        if existing is not None:
            existing.reason = reason[:4000]
            return existing.id
        item = QuarantineItem(channel_id=channel_id, source_id=source_id, reason=reason[:4000],
                              raw=raw, state=state, received_at=now or utcnow())
        session.add(item)
        session.flush()
        return item.id


@dataclass(frozen=True)
class HeldItem:
    """A quarantined item as a list shows it (without its bytes)."""

    id: int
    channel: str | None
    source_id: str | None
    reason: str
    size: int
    received_at: datetime
    state: QuarantineState


# What an admin still has to decide on: held items, and dropped ones kept a while.
OPEN_STATES = (QuarantineState.HELD, QuarantineState.DROPPED)


def held(
    limit: int = 100,
    channel: str | None = None,
    states: tuple[QuarantineState, ...] = (QuarantineState.HELD,),
) -> list[HeldItem]:
    """Items in `states`, newest first."""
    query = (
        select(QuarantineItem.id, Channel.name, QuarantineItem.source_id, QuarantineItem.reason,
               func.length(QuarantineItem.raw), QuarantineItem.received_at,
               QuarantineItem.state)
        .outerjoin(Channel, Channel.id == QuarantineItem.channel_id)
        .where(QuarantineItem.state.in_(states))
    )
    if channel is not None:
        query = query.where(Channel.name == channel)
    rows = db.session.execute(
        query.order_by(QuarantineItem.received_at.desc(), QuarantineItem.id.desc()).limit(limit))
    return [HeldItem(*row) for row in rows]


def counts_by_channel() -> dict[int, dict[QuarantineState, int]]:
    """Held and dropped items per channel id, for the admin's channel list."""
    rows = db.session.execute(
        select(QuarantineItem.channel_id, QuarantineItem.state, func.count())
        .where(QuarantineItem.state.in_(OPEN_STATES), QuarantineItem.channel_id.is_not(None))
        .group_by(QuarantineItem.channel_id, QuarantineItem.state)
    )
    counts: dict[int, dict[QuarantineState, int]] = {}
    for channel_id, state, count in rows:
        counts.setdefault(channel_id, {})[state] = count
    return counts


def replay(item_id: int, now: datetime | None = None) -> IngestResult:
    """Parse and ingest a held or dropped item again; it is then marked replayed.

    A dropped item is taken in over the guard that dropped it: the admin has
    looked at it and wants it. When a held item still fails, it stays held with
    the new reason, and ServiceError says so.
    """
    item, channel = _held_item(item_id)
    try:
        # The channel's driver reads the bytes again; a ValueError (UnparseableMail
        # is one) says why they still make no sense.
        message = driver_for(channel.kind).replay(item.raw, channel.name)
        result = ingest(message, override_guard=item.state is QuarantineState.DROPPED)
    except ValueError as exc:
        _still_failing(item_id, str(exc))
        raise ServiceError(N_("The item still cannot be taken in; its reason is updated.")) from exc
    with transaction() as session:
        row = session.get(QuarantineItem, item_id)
        assert row is not None
        row.state = QuarantineState.REPLAYED
        row.resolved_at = now or utcnow()
    return result


def purge_expired(now: datetime | None = None) -> int:
    """Delete dropped items past `retention.dropped_days`, and replayed or discarded
    ones past `retention.quarantine_days`; held items wait for an admin. The count."""
    retention = current_config().retention
    now = now or utcnow()
    with transaction() as session:
        result = session.execute(delete(QuarantineItem).where(or_(
            (QuarantineItem.state == QuarantineState.DROPPED)
            & (QuarantineItem.received_at < now - timedelta(days=retention.dropped_days)),
            QuarantineItem.state.in_((QuarantineState.REPLAYED, QuarantineState.DISCARDED))
            & (QuarantineItem.resolved_at < now - timedelta(days=retention.quarantine_days)),
        )))
        return int(result.rowcount or 0)


def discard(item_id: int, now: datetime | None = None) -> None:
    """Give up on a held item; the row stays (as discarded) until retention removes it."""
    _held_item(item_id)
    with transaction() as session:
        row = session.get(QuarantineItem, item_id)
        assert row is not None
        row.state = QuarantineState.DISCARDED
        row.resolved_at = now or utcnow()


def _held_item(item_id: int) -> tuple[QuarantineItem, Channel]:
    item = db.session.get(QuarantineItem, item_id)
    channel = db.session.get(Channel, item.channel_id) if item and item.channel_id else None
    if item is None or channel is None:
        raise ServiceError(N_("No such quarantined item."))
    if item.state not in OPEN_STATES:
        raise ServiceError(N_("The item was already replayed or discarded."))
    return item, channel


def _still_failing(item_id: int, reason: str) -> None:
    with transaction() as session:
        row = session.get(QuarantineItem, item_id)
        if row is not None:
            row.reason = f"replay failed: {reason}"[:4000]
