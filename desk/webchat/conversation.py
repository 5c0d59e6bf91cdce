"""What a citizen does in a chat: write (through `desk.ingest`, the one door in),
leave a message when nobody can chat, and end the chat, with its transcript by e-mail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale, format_datetime, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.base import Attachment, InboundMessage
from connectors.webchat import Said
from desk import events
from desk.channels import channel_by_name, mail_channel
from desk.config import current_config
from desk.database import insert_row, transaction
from desk.ingest import IngestResult, Outcome, ingest
from desk.models import (
    ChatLine,
    ChatSession,
    ContactIdentity,
    EventKind,
    IdentityKind,
    Inquiry,
    Message,
    User,
    utcnow,
)
from desk.outbox import queue_outbound
from desk.receipts import receipt_text
from desk.webchat.sessions import ChatIdentity, ChatRefused
from desk.webchat.settings import ChatSettings
from desk.webchat.stream import append_line


@dataclass(frozen=True)
class Written:
    outcome: Outcome
    reference: str | None
    seq: int | None  # the message's line on the stream


def say(settings: ChatSettings, chat: ChatIdentity, said: Said,
        attachments: Sequence[Attachment] = (), now: datetime | None = None) -> Written:
    """Take in one message of the citizen; safe to call again with the same `said.client_id`.

    A live chat sends no receipt: the agent answers in the chat. More than
    the channel's messages a minute: 429, nothing stored.
    """
    now = now or utcnow()
    _check_rate(settings, chat, now)
    result = ingest(_inbound(settings, chat, said, chat.name, attachments, now), now,
                    receipts=False)
    return Written(result.outcome, result.reference, _on_stream(chat, result, chat.email, now))


@dataclass(frozen=True)
class Left:
    reference: str | None
    due_at: datetime | None
    receipt: str  # the receipt's text, shown at once and sent through the outbox


def leave_message(settings: ChatSettings, chat: ChatIdentity, said: Said, name: str,
                  email: str, now: datetime | None = None) -> Left:
    """Nobody can chat now: the message becomes an ordinary inquiry, answered by e-mail,
    with a receipt that says when the SLA calendar promises the answer."""
    now = now or utcnow()
    _check_rate(settings, chat, now)
    with transaction() as session:
        row = session.get_one(ChatSession, chat.id)
        row.name, row.email = name or row.name, email
    result = ingest(_inbound(settings, chat, said, name, (), now), now, receipts=False)
    _on_stream(chat, result, email, now)
    if result.outcome is not Outcome.CREATED or result.inquiry_id is None:
        # A retried POST, or a second message to the same inquiry: one receipt is enough.
        return Left(result.reference, None, "")
    with transaction() as session:
        inquiry = session.get_one(Inquiry, result.inquiry_id)
        subject, text = receipt_text(inquiry.reference, chat.language, name,
                                     current_config(), due_at=inquiry.due_at)
        channel = mail_channel(session) or channel_by_name(settings.channel)
        address = email if channel.name != settings.channel else chat.public_id
        queue_outbound(session, inquiry, channel, address, subject, text, automatic=True,
                       now=now)
        events.record(session, inquiry, EventKind.RECEIPT_QUEUED, at=now)
        return Left(inquiry.reference, inquiry.due_at, text)


def end(settings: ChatSettings, chat: ChatIdentity, transcript: bool,
        now: datetime | None = None) -> bool:
    """The citizen ends the chat; True when the transcript was queued to their e-mail."""
    now = now or utcnow()
    with transaction() as session:
        row = session.scalar(select(ChatSession).where(ChatSession.id == chat.id)
                             .with_for_update())
        assert row is not None
        inquiry = _latest_inquiry(session, row)
        if row.ended_at is None:
            row.ended_at = now
            if inquiry is not None:
                events.record(session, inquiry, EventKind.CHAT_ENDED, at=now, by="citizen")
        if not (transcript and row.email and inquiry is not None):
            return False
        channel = mail_channel(session)
        if channel is None:
            return False
        subject, text = _transcript(session, row, inquiry)
        message_id = queue_outbound(session, inquiry, channel, row.email, subject, text,
                                    automatic=True, now=now)
        events.record(session, inquiry, EventKind.TRANSCRIPT_QUEUED, at=now,
                      message_id=message_id)
        return True


def end_idle(settings: ChatSettings, now: datetime | None = None, limit: int = 100) -> int:
    """End the chats left idle for the channel's `idle_minutes`, each with an event; how many.

    Idle means nothing happened in the chat for that long and the desk was not
    the one owing an answer: a citizen waiting for an agent is not idle.
    """
    now = now or utcnow()
    ended = 0
    with transaction() as session:
        channel = channel_by_name(settings.channel)
        rows = session.scalars(
            select(ChatSession).where(
                ChatSession.channel_id == channel.id, ChatSession.ended_at.is_(None),
                ChatSession.active_at < now - timedelta(minutes=settings.idle_minutes))
            .order_by(ChatSession.active_at).limit(limit).with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            last_from_citizen = session.scalar(
                select(ChatLine.from_citizen).where(ChatLine.session_id == row.id)
                .order_by(ChatLine.seq.desc()).limit(1))
            if last_from_citizen:
                continue
            row.ended_at = now
            ended += 1
            inquiry = _latest_inquiry(session, row)
            if inquiry is not None:
                events.record(session, inquiry, EventKind.CHAT_ENDED, at=now, by="idle",
                              idle_minutes=settings.idle_minutes)
    return ended


def _check_rate(settings: ChatSettings, chat: ChatIdentity, now: datetime) -> None:
    """Counted in the database, so the limit holds across every web process."""
    from desk.extensions import db

    recent = db.session.scalar(select(func.count(ChatLine.id)).where(
        ChatLine.session_id == chat.id, ChatLine.from_citizen,
        ChatLine.created_at >= now - timedelta(minutes=1)))
    db.session.rollback()
    if (recent or 0) >= settings.messages_per_minute:
        raise ChatRefused("too many messages; wait a moment", 429)


def _inbound(settings: ChatSettings, chat: ChatIdentity, said: Said, name: str,
             attachments: Sequence[Attachment], now: datetime) -> InboundMessage:
    return InboundMessage(
        channel=settings.channel,
        # The widget's UUID, under the session's id: a retry is a duplicate, and no other
        # session can collide with (or guess its way into) this one's messages.
        external_id=f"{chat.public_id}:{said.client_id}",
        sender_address=chat.public_id,
        conversation_id=chat.public_id,
        sender_name=name,
        text=said.text,
        attachments=tuple(attachments),
        received_at=now,
    )


def _on_stream(chat: ChatIdentity, result: IngestResult, email: str | None,
               now: datetime) -> int | None:
    """Put the message taken in on the stream (again, for a retry: the same line) and
    give the contact the e-mail address they gave, when nobody else has it."""
    if result.message_id is None or result.outcome is Outcome.DROPPED:
        return None
    with transaction() as session:
        row = session.get_one(ChatSession, chat.id)
        row.ended_at = None  # writing again reopens an ended chat
        seq = append_line(session, chat.id, result.message_id, True, now)
        if email and result.inquiry_id is not None:
            _add_email(session, result.inquiry_id, email)
        return seq


def _add_email(session: Session, inquiry_id: int, email: str) -> None:
    """So the agent can answer by e-mail once the chat is gone."""
    contact_id = session.scalar(select(Inquiry.contact_id).where(Inquiry.id == inquiry_id))
    taken = session.scalar(select(ContactIdentity.id).where(
        ContactIdentity.kind == IdentityKind.EMAIL, ContactIdentity.value == email.lower()))
    if contact_id is not None and taken is None:
        insert_row(session, ContactIdentity, contact_id=contact_id, kind=IdentityKind.EMAIL,
                   value=email.lower(), created_at=utcnow())


def _latest_inquiry(session: Session, row: ChatSession) -> Inquiry | None:
    return session.scalar(select(Inquiry).where(
        Inquiry.channel_id == row.channel_id, Inquiry.conversation_key == row.public_id)
        .order_by(Inquiry.id.desc()).limit(1))


def _transcript(session: Session, row: ChatSession, inquiry: Inquiry) -> tuple[str, str]:
    """The chat as plain text, in the citizen's language, the time in the desk's zone."""
    config = current_config()
    lines = session.execute(
        select(ChatLine.from_citizen, Message.text, Message.created_at, User.display_name)
        .join(Message, Message.id == ChatLine.message_id)
        .outerjoin(User, User.id == Message.author_id)
        .where(ChatLine.session_id == row.id).order_by(ChatLine.seq)).all()
    with force_locale(row.language):
        you, desk = gettext("You"), config.organisation_name
        out = [gettext("Your chat with %(organisation)s, reference %(reference)s.",
                       organisation=desk, reference=inquiry.reference), ""]
        for from_citizen, text, at, author in lines:
            who = you if from_citizen else (author.split()[0] if author else desk)
            out.append(f"[{format_datetime(at, 'short')}] {who}: {text}")
        subject = gettext("Transcript of your chat (%(reference)s)",
                          reference=inquiry.reference)
    return subject, "\n".join(out) + "\n"
