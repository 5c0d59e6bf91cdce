"""Writing an event: the single way history is recorded."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from desk.database import insert_row
from desk.models import Event, EventKind, Inquiry, User, utcnow


def record(
    session: Session,
    inquiry: Inquiry,
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
    return insert_row(
        session,
        Event,
        inquiry_id=inquiry.id,
        kind=kind,
        actor_id=actor.id if actor else None,
        at=at or utcnow(),
        unit_id=inquiry.unit_id,
        channel=inquiry.channel.name if inquiry.channel else None,
        data={k: v for k, v in data.items() if v is not None},
    )
