"""What staff do to an inquiry. Each function is one transaction, checks the
actor's permission, and writes its event.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from connectors.base import Attachment
from desk import events, sla
from desk.access import Action, NotVisible, can, require
from desk.attachments import store_attachments
from desk.channels import answered_in_person, identity_kind, reply_channels
from desk.database import transaction
from desk.drivers import driver_for
from desk.errors import N_, ServiceError
from desk.models import (
    REPLY_LANGUAGES,
    Category,
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
from desk.outbox import new_message_id, queue_outbound
from desk.privacy import find_national_ids
from desk.references import next_reference
from desk.status import change_status, open_new
from desk.unit_notice import queue_unit_notice


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
        now = utcnow()
        open_new(session, inquiry, at=now, actor=actor)
        inquiry.assignee_id = actor.id
        events.record(session, inquiry, EventKind.CLAIMED, actor, at=now, assignee=actor.id)


def assign(actor: User, inquiry_id: int, assignee_id: int | None) -> None:
    with acting_on(actor, inquiry_id, Action.ASSIGN) as (session, inquiry):
        if assignee_id is not None:
            assignee = session.get(User, assignee_id)
            # Only someone who could answer it may be given it.
            if assignee is None or not can(assignee, Action.REPLY, inquiry):
                raise ServiceError(N_("That person cannot work on this inquiry."))
        now = utcnow()
        open_new(session, inquiry, at=now, actor=actor)
        inquiry.assignee_id = assignee_id
        events.record(session, inquiry, EventKind.ASSIGNED, actor, at=now, assignee=assignee_id)


def route_to_unit(actor: User, inquiry_id: int, unit_id: int, comment: str = "") -> None:
    """Hand the inquiry to a unit with a comment; the unit's mailbox gets a notice."""
    with acting_on(actor, inquiry_id, Action.ROUTE) as (session, inquiry):
        route_in(session, inquiry, actor, unit_id, comment)


def route_in(session: Session, inquiry: Inquiry, actor: User, unit_id: int,
             comment: str = "") -> None:
    """The routing itself, inside a transaction that has checked Action.ROUTE."""
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise ServiceError(N_("No such unit."))
    if inquiry.unit_id == unit.id:
        raise ServiceError(N_("The inquiry already lies with that unit."))
    if not inquiry.is_open:
        raise ServiceError(N_("Reopen the inquiry before routing it."))
    now = utcnow()
    open_new(session, inquiry, at=now, actor=actor)
    from_unit = inquiry.unit_id
    inquiry.unit_id = unit.id
    inquiry.unit = unit
    inquiry.assignee_id = None
    _note(session, inquiry, actor, comment)
    events.record(session, inquiry, EventKind.ROUTED, actor, at=now, from_unit=from_unit,
                  to_unit=unit.id, comment=comment.strip() or None)
    queue_unit_notice(session, inquiry, unit, actor, comment, now)


def accept(actor: User, inquiry_id: int) -> None:
    """A unit leader takes a routed inquiry on for the unit (assigning may follow)."""
    with acting_on(actor, inquiry_id, Action.ASSIGN) as (session, inquiry):
        if inquiry.unit_id is None:
            raise ServiceError(N_("Only an inquiry routed to a unit can be accepted."))
        if not inquiry.is_open:
            raise ServiceError(N_("The inquiry is not open."))
        now = utcnow()
        open_new(session, inquiry, at=now, actor=actor)
        events.record(session, inquiry, EventKind.ACCEPTED, actor, at=now)


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
        resolve_in(session, inquiry, actor, utcnow())


def resolve_in(session: Session, inquiry: Inquiry, actor: User, now: datetime,
               **data: object) -> None:
    """Mark resolved and write the event, inside a transaction that checked Action.RESOLVE."""
    change_status(session, inquiry, Status.RESOLVED, at=now, actor=actor, **data)


def reopen(actor: User, inquiry_id: int) -> None:
    with acting_on(actor, inquiry_id, Action.REOPEN) as (session, inquiry):
        if inquiry.is_open:
            raise ServiceError(N_("The inquiry is already open."))
        change_status(session, inquiry, Status.OPEN, at=utcnow(), actor=actor)


def classify(actor: User, inquiry_id: int, *, priority: Priority, category_id: int | None,
             language: str) -> None:
    """Set priority, category and language in one go; one event names what changed."""
    with acting_on(actor, inquiry_id, Action.EDIT) as (session, inquiry):
        if category_id is not None and session.get(Category, category_id) is None:
            raise ServiceError(N_("No such category."))
        if language not in REPLY_LANGUAGES:
            raise ServiceError(N_("No such language."))
        _classify(session, inquiry, actor, priority=priority, category_id=category_id,
                  language=language)


def _classify(session: Session, inquiry: Inquiry, actor: User, *, priority: Priority,
              category_id: int | None, language: str) -> None:
    changed: dict[str, object] = {}
    if inquiry.priority is not priority:
        changed.update(priority=priority.value, previous=inquiry.priority.value)
        inquiry.priority = priority
        sla.refresh_due(inquiry)  # the new priority's target
    if inquiry.category_id != category_id:
        changed.update(category=category_id, previous_category=inquiry.category_id)
        inquiry.category_id = category_id
    if inquiry.language != language:
        changed.update(language=language, previous_language=inquiry.language)
        inquiry.language = language
    if changed:
        events.record(session, inquiry, EventKind.CLASSIFIED, actor, **changed)


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
    attachments: Sequence[Attachment] = (),
    now: datetime | None = None,
    key: str | None = None,
) -> Message:
    """Answer the citizen in the inquiry's channel (or another of the contact's).

    The message, its files and its outbox row are one transaction. On a phone
    or walk-in channel the answer was given in person: it is recorded, not
    sent, and takes no files. `then` sets the status afterwards (waiting on
    the citizen, resolved).

    `key` (the reply box's own id, letters and digits) makes a retry safe: the
    message's id is made from it and the inquiry's, unique per channel, so the
    same key again returns the first answer and sends nothing more.
    """
    if not text.strip():
        raise ServiceError(N_("The reply is empty."))
    if then not in (None, Status.OPEN, Status.WAITING, Status.RESOLVED):
        raise ServiceError(N_("A reply can leave the inquiry open, waiting or resolved."))
    now = now or utcnow()
    with acting_on(actor, inquiry_id, Action.REPLY) as (session, inquiry):
        channel = _answering_channel(session, inquiry, channel_id)
        external_id = new_message_id(f"{inquiry.id}.{key}") if key else None
        if external_id is not None:
            # The inquiry's row is locked: an earlier request with the key has committed.
            earlier = session.scalar(select(Message).where(
                Message.channel_id == channel.id, Message.external_id == external_id))
            if earlier is not None:
                return earlier
        subject = _reply_subject(inquiry)
        if answered_in_person(channel):
            if attachments:
                raise ServiceError(N_("Files cannot be sent on a phone or walk-in inquiry."))
            message = manual_answer(session, inquiry, channel, actor, subject, text, now)
        else:
            refusal = driver_for(channel.kind).reply_refused(session, inquiry, channel)
            if refusal is not None:  # before anything is queued: Messenger's window
                raise ServiceError(refusal)
            address = _address_in(session, inquiry, channel)
            message_id = queue_outbound(session, inquiry, channel, address, subject, text,
                                        author=actor, now=now, external_id=external_id)
            store_attachments(session, message_id, attachments)
            message = session.get_one(Message, message_id)
        first = inquiry.first_response_at is None
        if first:
            inquiry.first_response_at = now
        events.record(session, inquiry, EventKind.REPLIED, actor, at=now, message_id=message.id,
                      channel=channel.name)
        moved = change_status(session, inquiry, then or (
            Status.OPEN if inquiry.status is Status.NEW else inquiry.status), at=now, actor=actor)
        if first and not moved:  # answered: from the first-response to the resolution target
            sla.refresh_due(inquiry)
        return message


def _answering_channel(session: Session, inquiry: Inquiry, channel_id: int | None) -> Channel:
    """The channel the agent chose, or the best one that reaches the citizen.

    Refused at once when the desk cannot send on it, so an answer is never
    reported as on its way while nothing can deliver it.
    """
    reaching = reply_channels(session, inquiry)
    if channel_id is None:
        if not reaching:
            raise ServiceError(N_("No channel can reach this citizen. Call them, or note "
                                  "how they were answered."))
        return reaching[0]
    channel = session.get(Channel, channel_id)
    if channel is None or channel not in reaching:
        raise ServiceError(N_("Answers cannot be sent on that channel to this citizen; "
                              "choose another."))
    return channel


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


def manual_answer(
    session: Session, inquiry: Inquiry, channel: Channel, actor: User, subject: str,
    text: str, now: datetime,
) -> Message:
    """Record an answer given in person (phone, counter): stored as sent, not queued."""
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


def merge(actor: User, inquiry_id: int, into_reference: str) -> Inquiry:
    """Move every message into another inquiry and close this one, linked to it."""
    with acting_on(actor, inquiry_id, Action.EDIT) as (session, source):
        target = session.scalar(
            select(Inquiry).where(Inquiry.reference == into_reference.strip()).with_for_update()
        )
        if target is None or target.id == source.id or not can(actor, Action.EDIT, target):
            raise ServiceError(N_("No inquiry with that reference to merge into."))
        if target.status is Status.CLOSED and target.linked_to_id is not None:
            raise ServiceError(N_("That inquiry was itself merged away."))
        now = utcnow()
        session.execute(update(Message).where(Message.inquiry_id == source.id)
                        .values(inquiry_id=target.id))
        target.last_message_at = max(target.last_message_at, source.last_message_at)
        target.sensitive = target.sensitive or source.sensitive
        source.linked_to_id = target.id
        source.link_unconfirmed = False
        change_status(session, source, Status.CLOSED, at=now, actor=actor,
                      kind=EventKind.MERGED, into=target.reference)
        events.record(session, target, EventKind.MERGED_IN, actor, at=now,
                      **{"from": source.reference})
        return target


def split(actor: User, inquiry_id: int, message_id: int) -> Inquiry:
    """Move one message from the citizen into a new inquiry of its own."""
    with acting_on(actor, inquiry_id, Action.EDIT) as (session, source):
        message = session.get(Message, message_id)
        if message is None or message.inquiry_id != source.id or \
                message.direction is not Direction.INBOUND:
            raise ServiceError(N_("Only a message from the citizen can be split off."))
        others = session.scalar(select(func.count(Message.id)).where(
            Message.inquiry_id == source.id, Message.direction == Direction.INBOUND,
            Message.id != message.id))
        if not others:
            raise ServiceError(N_("The inquiry has no other message from the citizen."))
        now = utcnow()
        new = Inquiry(
            reference=next_reference(session, now),
            subject=(message.subject or message.text.strip().split("\n", 1)[0])[:300],
            status=Status.NEW, priority=source.priority, language=source.language,
            unit_id=source.unit_id, category_id=source.category_id,
            contact_id=source.contact_id, channel_id=message.channel_id,
            sensitive=bool(find_national_ids(f"{message.subject}\n{message.text}")),
            linked_to_id=source.id, created_at=message.created_at,
            last_message_at=message.created_at,
        )
        session.add(new)
        session.flush()
        sla.refresh_due(new)
        message.inquiry_id = new.id
        events.record(session, new, EventKind.CREATED, actor, at=now,
                      split_from=source.reference, message_id=message.id)
        events.record(session, source, EventKind.SPLIT, actor, at=now, to=new.reference,
                      message_id=message.id)
        return new


def mark_spam(actor: User, inquiry_id: int) -> None:
    """Spam or noise: closed at once, out of every queue, kept for the audit trail."""
    with acting_on(actor, inquiry_id, Action.EDIT) as (session, inquiry):
        if inquiry.spam:
            raise ServiceError(N_("The inquiry is already marked as spam."))
        now = utcnow()
        inquiry.spam = True
        change_status(session, inquiry, Status.CLOSED, at=now, actor=actor,
                      kind=EventKind.MARKED_SPAM)
