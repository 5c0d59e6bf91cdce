"""Writing an event: the single way history is recorded."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from desk.models import Event, EventKind, Inquiry, User, utcnow


def record(
    session: Session,
    inquiry: Inquiry,
    kind: EventKind,
    actor: User | None = None,
    at: datetime | None = None,
    **data: Any,
) -> Event:
    event = Event(
        inquiry=inquiry,
        kind=kind,
        actor_id=actor.id if actor else None,
        at=at or utcnow(),
        unit_id=inquiry.unit_id,
        channel=inquiry.channel.name if inquiry.channel else None,
        data={k: v for k, v in data.items() if v is not None},
    )
    session.add(event)
    return event
