"""What staff do to an inquiry. Each function is one transaction, checks the
actor's permission, and writes its event.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk import events
from desk.access import Action, NotVisible, can, require
from desk.channels import MANUAL_KINDS, identity_kind
from desk.database import transaction
from desk.errors import N_, ServiceError
from desk.models import (
    Channel,
    ContactIdentity,
    Direction,
    EventKind,
    Inquiry,
    Message,
    Priority,
    SendState,
    Status,
    Unit,
    User,
    utcnow,
)
from desk.outbox import queue_outbound


@contextmanager
def acting_on(actor: User, inquiry_id: int, action: Action) -> Iterator[tuple[Session, Inquiry]]:
    """Open the transaction, lock the inquiry, and check `actor` may do `action`."""
    with transaction() as session:
        inquiry = session.scalar(
            select(Inquiry).where(Inquiry.id == inquiry_id).with_for_update()
        )
        if inquiry is None:
            raise NotVisible(f"no inquiry {inquiry_id}")
        require(actor, action, inquiry)
        yield session, inquiry


def claim(actor: User, inquiry_id: int) -> None:
    with acting_on(actor, inquiry_id, Action.CLAIM) as (session, inquiry):
        _open(inquiry)
        inquiry.assignee_id = actor.id
        events.record(session, inquiry, EventKind.CLAIMED, actor, assignee=actor.id)


def assign(actor: User, inquiry_id: int, assignee_id: int | None) -> None:
    with acting_on(actor, inquiry_id, Action.ASSIGN) as (session, inquiry):
        if assignee_id is not None:
            assignee = session.get(User, assignee_id)
            # Only someone who could answer it may be given it.
            if assignee is None or not can(assignee, Action.REPLY, inquiry):
                raise ServiceError(N_("That person cannot work on this inquiry."))
        _open(inquiry)
        inquiry.assignee_id = assignee_id
        events.record(session, inquiry, EventKind.ASSIGNED, actor, assignee=assignee_id)


def route_to_unit(actor: User, inquiry_id: int, unit_id: int, comment: str = "") -> None:
    with acting_on(actor, inquiry_id, Action.ROUTE) as (session, inquiry):
        unit = session.get(Unit, unit_id)
        if unit is None or not unit.active:
            raise ServiceError(N_("No such unit."))
        if inquiry.unit_id == unit.id:
            raise ServiceError(N_("The inquiry already lies with that unit."))
        if not inquiry.is_open:
            raise ServiceError(N_("Reopen the inquiry before routing it."))
        from_unit = inquiry.unit_id
        inquiry.unit_id = unit.id
        inquiry.unit = unit
        inquiry.assignee_id = None
        _open(inquiry)
        _note(session, inquiry, actor, comment)
        events.record(session, inquiry, EventKind.ROUTED, actor, from_unit=from_unit,
                      to_unit=unit.id, comment=comment.strip() or None)


def return_to_front_desk(actor: User, inquiry_id: int, comment: str = "") -> None:
    with acting_on(actor, inquiry_id, Action.RETURN) as (session, inquiry):
        if inquiry.unit_id is None:
            raise ServiceError(N_("The inquiry already lies with the front desk."))
        from_unit = inquiry.unit_id
        inquiry.unit_id = None
        inquiry.unit = None
        inquiry.assignee_id = None
        _note(session, inquiry, actor, comment)
        events.record(session, inquiry, EventKind.RETURNED, actor, from_unit=from_unit,
                      comment=comment.strip() or None)


def resolve(actor: User, inquiry_id: int) -> None:
    with acting_on(actor, inquiry_id, Action.RESOLVE) as (session, inquiry):
        if not inquiry.is_open:
            raise ServiceError(N_("The inquiry is not open."))
        now = utcnow()
        inquiry.status = Status.RESOLVED
        inquiry.resolved_at = now
        events.record(session, inquiry, EventKind.RESOLVED, actor, at=now)


def reopen(actor: User, inquiry_id: int) -> None:
    with acting_on(actor, inquiry_id, Action.REOPEN) as (session, inquiry):
        if inquiry.is_open:
            raise ServiceError(N_("The inquiry is already open."))
        inquiry.status = Status.OPEN
        inquiry.resolved_at = None
        events.record(session, inquiry, EventKind.REOPENED, actor)


def set_priority(actor: User, inquiry_id: int, priority: Priority) -> None:
    with acting_on(actor, inquiry_id, Action.EDIT) as (session, inquiry):
        if inquiry.priority is not priority:
            events.record(session, inquiry, EventKind.STATUS_CHANGED, actor,
                          priority=priority.value, previous=inquiry.priority.value)
            inquiry.priority = priority


def add_note(actor: User, inquiry_id: int, text: str) -> Message:
    if not text.strip():
        raise ServiceError(N_("The note is empty."))
    with acting_on(actor, inquiry_id, Action.NOTE) as (session, inquiry):
        note = _note(session, inquiry, actor, text)
        assert note is not None
        session.flush()
        events.record(session, inquiry, EventKind.NOTE_ADDED, actor, message_id=note.id)
        return note


def reply(
    actor: User,
    inquiry_id: int,
    text: str,
    *,
    channel_id: int | None = None,
    then: Status | None = None,
    now: datetime | None = None,
) -> Message:
    """Answer the citizen in the inquiry's channel (or another of the contact's).

    The message and its outbox row are one transaction. On a phone or walk-in
    channel the answer was given in person: it is recorded, not sent.
    `then` sets the status afterwards (waiting on the citizen, resolved).
    """
    if not text.strip():
        raise ServiceError(N_("The reply is empty."))
    if then not in (None, Status.OPEN, Status.WAITING, Status.RESOLVED):
        raise ServiceError(N_("A reply can leave the inquiry open, waiting or resolved."))
    now = now or utcnow()
    with acting_on(actor, inquiry_id, Action.REPLY) as (session, inquiry):
        channel = session.get(Channel, channel_id or inquiry.channel_id or 0)
        if channel is None or not channel.enabled:
            raise ServiceError(N_("The inquiry has no channel to answer in."))
        subject = _reply_subject(inquiry)
        if channel.kind in MANUAL_KINDS:
            message = _manual_answer(session, inquiry, channel, actor, subject, text, now)
        else:
            address = _address_in(session, inquiry, channel)
            message = queue_outbound(session, inquiry, channel, address, subject, text,
                                     author=actor, now=now)
        if inquiry.first_response_at is None:
            inquiry.first_response_at = now
        inquiry.status = then or (Status.OPEN if inquiry.status is Status.NEW else inquiry.status)
        if inquiry.status is Status.RESOLVED:
            inquiry.resolved_at = now
        events.record(session, inquiry, EventKind.REPLIED, actor, at=now, message_id=message.id,
                      channel=channel.name)
        if then is Status.RESOLVED:
            events.record(session, inquiry, EventKind.RESOLVED, actor, at=now)
        return message


def _address_in(session: Session, inquiry: Inquiry, channel: Channel) -> str:
    """The citizen's address in `channel`: the last one they wrote from, else their identity."""
    last = session.scalar(
        select(Message.address)
        .where(Message.inquiry_id == inquiry.id, Message.channel_id == channel.id,
               Message.direction == Direction.INBOUND, Message.address.is_not(None))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    if last:
        return last
    identity = session.scalar(
        select(ContactIdentity.value).where(
            ContactIdentity.contact_id == inquiry.contact_id,
            ContactIdentity.kind == identity_kind(channel.kind),
        )
    )
    if identity is None:
        raise ServiceError(N_("The citizen has no address in that channel."))
    return identity


def _manual_answer(
    session: Session, inquiry: Inquiry, channel: Channel, actor: User, subject: str,
    text: str, now: datetime,
) -> Message:
    message = Message(
        inquiry_id=inquiry.id, direction=Direction.OUTBOUND, channel_id=channel.id,
        contact_id=inquiry.contact_id, author_id=actor.id, subject=subject, text=text,
        send_state=SendState.SENT, sent_at=now, created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def _reply_subject(inquiry: Inquiry) -> str:
    subject = inquiry.subject.strip()
    return subject if subject.lower().startswith(("re:", "sv:")) else f"Re: {subject}"


def _note(session: Session, inquiry: Inquiry, actor: User, text: str) -> Message | None:
    if not text.strip():
        return None
    note = Message(inquiry_id=inquiry.id, direction=Direction.NOTE, author_id=actor.id,
                   text=text.strip(), created_at=utcnow())
    session.add(note)
    return note


def _open(inquiry: Inquiry) -> None:
    """Work on a new inquiry makes it open."""
    if inquiry.status is Status.NEW:
        inquiry.status = Status.OPEN

