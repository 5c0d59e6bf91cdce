"""Phone and walk-in registration (telefonnotat): an inquiry taken by a person.

It comes in through `desk.ingest` like every other message (one door in),
with the built-in `phone` or `walkin` channel and a generated external id;
then one workflow transaction records what the agent did with it: resolved
on the spot (first-line resolution, in the events), routed to a unit, or
left open in the queue. A crash between the two leaves a new inquiry in the
queue: nothing is lost.
"""

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import InboundMessage
from desk import events
from desk.access import ALLOWED, Action
from desk.contacts import normalise_address
from desk.errors import N_, ServiceError
from desk.ingest import ingest
from desk.models import ContactIdentity, EventKind, IdentityKind, User, utcnow
from desk.status import open_new
from desk.workflow import acting_on, manual_answer, resolve_in, route_in

CHANNELS = ("phone", "walkin")
# The front desk registers calls: the roles that may route (unit staff see only their unit's).
REGISTRARS = frozenset(role for role, actions in ALLOWED.items() if Action.ROUTE in actions)


class Outcome(StrEnum):
    RESOLVED = "resolved"  # answered there and then
    ROUTED = "routed"  # handed to a unit
    OPEN = "open"  # stays in the queue for later


@dataclass(frozen=True)
class Registration:
    channel: str  # "phone" or "walkin"
    topic: str
    said: str
    name: str = ""
    phone: str = ""
    email: str = ""
    outcome: Outcome = Outcome.RESOLVED
    answer: str = ""  # what the agent told the citizen, when resolved
    unit_id: int | None = None  # when routed
    comment: str = ""  # for the unit


def register(actor: User, registration: Registration) -> int:
    """Log an inquiry taken by phone or at the counter; returns the inquiry's id."""
    if registration.channel not in CHANNELS:
        raise ServiceError(N_("No such channel."))
    if not (registration.topic.strip() or registration.said.strip()):
        raise ServiceError(N_("Write the topic or what was said."))
    if registration.outcome is Outcome.ROUTED and registration.unit_id is None:
        raise ServiceError(N_("Choose the unit to route to."))
    # Checked before anything is written, so a refused registration leaves no inquiry.
    if actor.role not in REGISTRARS or not actor.active:
        raise ServiceError(N_("You cannot register inquiries."))
    now = utcnow()
    result = ingest(InboundMessage(
        channel=registration.channel,
        external_id=f"{registration.channel}:{uuid.uuid4()}",
        sender_address=registration.phone,
        sender_name=registration.name.strip(),
        subject=registration.topic.strip(),
        text=registration.said.strip(),
        received_at=now,
    ), now)
    assert result.inquiry_id is not None
    action = Action.ROUTE if registration.outcome is Outcome.ROUTED else Action.RESOLVE
    with acting_on(actor, result.inquiry_id, action) as (session, inquiry):
        open_new(session, inquiry, at=now, actor=actor)
        inquiry.assignee_id = actor.id
        events.record(session, inquiry, EventKind.CLAIMED, actor, assignee=actor.id,
                      registered=registration.channel)
        if registration.email.strip() and inquiry.contact_id is not None:
            _add_email(session, inquiry.contact_id, registration.email)
        if registration.outcome is Outcome.RESOLVED:
            if registration.answer.strip() and inquiry.channel is not None:
                message = manual_answer(session, inquiry, inquiry.channel, actor,
                                        inquiry.subject, registration.answer.strip(), now)
                events.record(session, inquiry, EventKind.REPLIED, actor, at=now,
                              message_id=message.id, channel=registration.channel)
            inquiry.first_response_at = inquiry.first_response_at or now
            # First-line resolution: answered by the front desk in the first contact.
            resolve_in(session, inquiry, actor, now, first_line=True)
        elif registration.outcome is Outcome.ROUTED:
            assert registration.unit_id is not None
            route_in(session, inquiry, actor, registration.unit_id, registration.comment)
        return inquiry.id


def _add_email(session: Session, contact_id: int, email: str) -> None:
    """Remember the e-mail address the caller gave, unless another contact has it."""
    value = normalise_address(IdentityKind.EMAIL, email)
    taken = session.scalar(select(ContactIdentity.id).where(
        ContactIdentity.kind == IdentityKind.EMAIL, ContactIdentity.value == value))
    if taken is None:
        session.add(ContactIdentity(contact_id=contact_id, kind=IdentityKind.EMAIL, value=value))
