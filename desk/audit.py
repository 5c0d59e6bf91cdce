"""Audit records that are not changes: who looked at a flagged inquiry."""

from desk import events
from desk.access import Action
from desk.models import EventKind, User
from desk.workflow import acting_on


def record_view(actor: User, inquiry_id: int) -> None:
    """Write a VIEWED event; called for inquiries flagged as sensitive."""
    with acting_on(actor, inquiry_id, Action.VIEW) as (session, inquiry):
        events.record(session, inquiry, EventKind.VIEWED, actor)
