"""Messenger's rule for the desk's answers: within 24 hours of the citizen's last
message (the standard messaging window), checked before an answer is queued."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.errors import N_
from desk.facebook.take_in import COMMENTER
from desk.models import Channel, Direction, Inquiry, Message, utcnow

WINDOW = timedelta(hours=24)
OUTSIDE_WINDOW = N_(
    "Messenger accepts an answer only within 24 hours of the citizen's last message, and "
    "that time has passed. Answer through another of the citizen's channels (e-mail, if "
    "the desk has their address), or call them.")
PUBLIC_COMMENT = N_(
    "This inquiry is a public comment on the Facebook Page: answer it with a short public "
    "reply, or move it to a private message, in the public comment section. The citizen "
    "can be answered in Messenger once they have written there.")


def last_messenger_message(session: Session, inquiry: Inquiry, channel: Channel
                           ) -> datetime | None:
    """When the citizen last wrote in Messenger on this inquiry (comments do not count:
    they open no messaging window)."""
    return session.scalar(
        select(Message.created_at)
        .where(Message.inquiry_id == inquiry.id, Message.channel_id == channel.id,
               Message.direction == Direction.INBOUND,
               Message.address.is_not(None), ~Message.address.startswith(COMMENTER))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1))


def reply_refused(session: Session, inquiry: Inquiry, channel: Channel,
                  now: datetime | None = None) -> str | None:
    """Why an answer on `channel` cannot be sent now, or None when it can."""
    last = last_messenger_message(session, inquiry, channel)
    if last is None:
        return PUBLIC_COMMENT if inquiry.public else OUTSIDE_WINDOW
    if (now or utcnow()) - last > WINDOW:
        return OUTSIDE_WINDOW
    return None
