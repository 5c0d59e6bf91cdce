"""Writing an event: the single way history is recorded."""

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from desk.database import insert_row, insert_rows
from desk.models import Channel, Event, EventKind, User, utcnow

# An event's row as `row` builds it, for `record_all` to write.
Row = dict[str, Any]


class Located(Protocol):
    """What an event copies from its inquiry: an `Inquiry`, or ingest's `NewInquiry`."""

    @property
    def id(self) -> int | None: ...
    @property
    def unit_id(self) -> int | None: ...
    @property
    def channel(self) -> Channel | None: ...


def row(
    inquiry: Located,
    kind: EventKind,
    actor: User | None = None,
    at: datetime | None = None,
    **data: Any,
) -> Row:
    """An event's row, not yet written: the one place its columns are filled.

    The inquiry must have its id. The unit and channel are copied as they are
    now, so per-unit metrics need no replay.
    """
    return {
        "inquiry_id": inquiry.id,
        "kind": kind,
        "actor_id": actor.id if actor else None,
        "at": at or utcnow(),
        "unit_id": inquiry.unit_id,
        "channel": inquiry.channel.name if inquiry.channel else None,
        "data": {k: v for k, v in data.items() if v is not None},
    }


def record(
    session: Session,
    inquiry: Located,
    kind: EventKind,
    actor: User | None = None,
    at: datetime | None = None,
    **data: Any,
) -> int:
    """Append an event to the inquiry's history in the caller's transaction; its id.

    Events are never changed, so the row is written straight away rather than
    through the unit of work, which costs several times the INSERT.
    """
    if inquiry.id is None:
        session.flush()  # a new inquiry: the event needs its id
    return insert_row(session, Event, **row(inquiry, kind, actor, at, **data))


def record_all(session: Session, rows: list[Row]) -> None:
    """Append events built by `row`, in order, in one executemany: for a service
    that writes several, where each INSERT's round trip would count."""
    insert_rows(session, Event, rows)
