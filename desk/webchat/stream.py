"""The citizen's stream: the lines of a session, numbered per session, and the long poll.

A line's number is taken by one UPDATE of the session row (`seq = seq + 1`),
which holds the row's lock until the line's transaction commits: the next
line of the session waits for it, so numbers commit in order and a reader
that has seen line n has seen every line before it, on both databases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desk.database import insert_row
from desk.extensions import db
from desk.models import ChatLine, ChatSession, Message, User
from desk.webchat import wakeup


@dataclass(frozen=True)
class Line:
    seq: int
    message_id: int
    inquiry_id: int
    from_citizen: bool
    author: str  # the agent's first name on answers; "" on the citizen's own lines
    text: str
    at: datetime
    files: tuple[tuple[str, int], ...]  # (file name, size)

    def as_json(self) -> dict[str, object]:
        return {"seq": self.seq, "from": "citizen" if self.from_citizen else "desk",
                "author": self.author, "text": self.text, "at": self.at.isoformat(),
                "files": [{"name": name, "size": size} for name, size in self.files]}


def append_line(session: Session, session_id: int, message_id: int, from_citizen: bool,
                now: datetime) -> int:
    """Put the message on the session's stream in the caller's transaction; its number.

    Idempotent: a message already on the stream keeps its number (a retried
    POST, an answer the outbox sends again after a lost lease).
    """
    seq = session.scalar(select(ChatLine.seq).where(ChatLine.session_id == session_id,
                                                    ChatLine.message_id == message_id))
    if seq is not None:
        return seq
    seq = session.execute(
        update(ChatSession).where(ChatSession.id == session_id)
        .values(seq=ChatSession.seq + 1, active_at=now)
        .returning(ChatSession.seq).execution_options(synchronize_session=False)
    ).scalar_one()
    insert_row(session, ChatLine, session_id=session_id, seq=seq, message_id=message_id,
               from_citizen=from_citizen, created_at=now)
    wakeup.note_line(session, session_id, seq)
    return seq


# The most lines one call returns.
LIMIT = 200


def lines_after(session_id: int, after: int, inquiry_id: int | None = None,
                limit: int = LIMIT) -> list[Line]:
    """The session's lines numbered above `after` (of one inquiry, for the agent's page)."""
    query = (
        select(ChatLine.seq, ChatLine.from_citizen, Message, User.display_name)
        .join(Message, Message.id == ChatLine.message_id)
        .outerjoin(User, User.id == Message.author_id)
        .where(ChatLine.session_id == session_id, ChatLine.seq > after)
        .order_by(ChatLine.seq).limit(limit)
    )
    if inquiry_id is not None:
        query = query.where(Message.inquiry_id == inquiry_id)
    lines = [
        Line(seq, message.id, message.inquiry_id, from_citizen,
             "" if from_citizen or not author else author.split()[0],
             message.text, message.created_at,
             tuple((a.filename, a.size) for a in message.attachments))
        for seq, from_citizen, message, author in db.session.execute(query)
    ]
    db.session.rollback()
    return lines


def last_seq(session_id: int) -> int:
    seq = db.session.scalar(select(ChatSession.seq).where(ChatSession.id == session_id))
    db.session.rollback()  # release the connection while the poll sleeps
    return seq or 0


def wait_for_lines(session_id: int, after: int, timeout: float,
                   inquiry_id: int | None = None) -> tuple[list[Line], int]:
    """Long poll: the lines after `after` as soon as there are any, or none after
    `timeout` seconds; and the cursor to ask from next.

    Waits on the process's wake-up board (`desk.webchat.wakeup`): no connection
    is held while it waits, and a line committed by any process on the same
    database wakes it.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    current = wakeup.board(app).wait(session_id, after, timeout, last_seq)
    if current <= after:
        return [], after
    lines = lines_after(session_id, after, inquiry_id, LIMIT)
    # Lines of another inquiry of the session are skipped, not waited for again;
    # but with a full page of lines the rest comes from the next call.
    skip = inquiry_id is not None and len(lines) < LIMIT
    return lines, max([current if skip else after, *(line.seq for line in lines)])


def session_of_inquiry(inquiry_id: int) -> int | None:
    """The chat session whose conversation the inquiry is (None for any other inquiry)."""
    from desk.models import Inquiry

    session_id = db.session.scalar(
        select(ChatSession.id).join(Inquiry, Inquiry.conversation_key == ChatSession.public_id)
        .where(Inquiry.id == inquiry_id, Inquiry.channel_id == ChatSession.channel_id))
    db.session.rollback()
    return session_id


