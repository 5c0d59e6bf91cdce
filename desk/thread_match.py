"""Which inquiry an inbound message belongs to: the one threading rule.

In order of trust:
1. headers: In-Reply-To, References or a bounce's reported ids name a message
   we hold (ours or the citizen's);
2. the inquiry reference in the subject, but only when the sender is the
   inquiry's contact or wrote on it before; from anyone else it opens a new
   inquiry linked to the old one for an agent to confirm, so one citizen's
   mail never lands in another citizen's case;
3. the latest inquiry of the same chat conversation (a closed one follows
   `reply_to_closed`, as mail does).

A reply to a routing notice (our mail to a unit) also threads by headers, but
as the unit's word to the front desk, not the citizen's: `MatchedBy.NOTICE`.
"""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from connectors.base import InboundMessage
from desk.channels import identity_kind
from desk.contacts import normalise_address
from desk.models import Channel, Contact, Direction, Inquiry, Message
from desk.references import find_references


class MatchedBy(StrEnum):
    HEADERS = "headers"
    REFERENCE = "reference"
    CONVERSATION = "conversation"
    NOTICE = "notice"  # a unit answered the routing notice by e-mail: internal, never the citizen


@dataclass(frozen=True)
class ThreadMatch:
    inquiry: Inquiry
    matched_by: MatchedBy
    # False when the desk only suspects a relation (a stranger quoting a reference):
    # the message then opens a new inquiry linked to this one.
    trusted: bool = True


def find_thread(
    session: Session, channel: Channel, msg: InboundMessage, contact: Contact
) -> ThreadMatch | None:
    return (
        _by_headers(session, msg)
        or _by_reference(session, channel, msg, contact)
        or _by_conversation(session, channel, msg)
    )


# Built once: every reply asks it.
_HOLDING = (
    select(Message.external_id, Message.direction, Inquiry)
    .join(Inquiry, Inquiry.id == Message.inquiry_id)
    .where(Message.external_id.in_(bindparam("ids", expanding=True)))
)


def _by_headers(session: Session, msg: InboundMessage) -> ThreadMatch | None:
    # In-Reply-To is usually the last of References too: ask for each id once.
    ids = list(dict.fromkeys(
        i for i in (msg.in_reply_to, *reversed(msg.references), *msg.reports_on) if i))
    if not ids:
        return None
    rows = session.execute(_HOLDING, {"ids": ids}).all()
    by_id = {external_id: (direction, inquiry) for external_id, direction, inquiry in rows}
    for candidate in ids:  # the most direct parent first
        if candidate in by_id:
            direction, inquiry = by_id[candidate]
            notice = direction is Direction.NOTIFICATION
            return ThreadMatch(inquiry, MatchedBy.NOTICE if notice else MatchedBy.HEADERS)
    return None


def _by_reference(
    session: Session, channel: Channel, msg: InboundMessage, contact: Contact
) -> ThreadMatch | None:
    address = normalise_address(identity_kind(channel.kind), msg.sender_address)
    for reference in find_references(msg.subject):
        inquiry = session.scalar(select(Inquiry).where(Inquiry.reference == reference))
        if inquiry is None:
            continue
        trusted = contact.id is not None and (
            inquiry.contact_id == contact.id or _wrote_on(session, inquiry, address)
        )
        return ThreadMatch(inquiry, MatchedBy.REFERENCE, trusted=trusted)
    return None


def _wrote_on(session: Session, inquiry: Inquiry, address: str) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Message.inquiry_id == inquiry.id, Message.address == address
                )
            )
        )
    )


def _by_conversation(session: Session, channel: Channel, msg: InboundMessage) -> ThreadMatch | None:
    if not msg.conversation_id:
        return None
    # The conversation's latest inquiry, whatever its status: an open one takes the
    # message; a resolved or closed one is reopened or followed by a new linked one,
    # as `reply_to_closed` says (desk.ingest), like a reply by mail.
    inquiry = session.scalar(
        select(Inquiry)
        .where(
            Inquiry.channel_id == channel.id,
            Inquiry.conversation_key == msg.conversation_id,
        )
        .order_by(Inquiry.id.desc())
        .limit(1)
    )
    return ThreadMatch(inquiry, MatchedBy.CONVERSATION) if inquiry else None
