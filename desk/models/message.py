"""Messages of an inquiry and their attachments."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.models.base import Base, enum_column, utcnow
from desk.models.channel import Channel
from desk.models.contact import Contact
from desk.models.inquiry import Inquiry
from desk.models.user import User


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    NOTE = "note"
    # Internal mail to a unit (routing notice), sent through the outbox; never to the citizen.
    NOTIFICATION = "notification"


class SendState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class Verdict(StrEnum):
    """What the loop guards decided about an inbound message."""

    ACCEPT = "accept"
    NO_RECEIPT = "no_receipt"  # store it, but send no receipt and reopen nothing
    DROP = "drop"  # our own message coming back: store nothing new


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # Idempotent ingest: the channel's own id is unique per channel.
        UniqueConstraint("channel_id", "external_id"),
        Index("ix_messages_inquiry_created", "inquiry_id", "created_at"),
        Index("ix_messages_external_id", "external_id"),
        # The receipt rate limit counts a contact's recent automatic messages.
        Index("ix_messages_contact_created", "contact_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"))
    direction: Mapped[Direction] = mapped_column(enum_column(Direction))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    # Inbound: the channel's id. Outbound: our id before sending (e-mail
    # Message-ID), or the channel's id once sent. Notes: None.
    external_id: Mapped[str | None] = mapped_column(String(500))
    # The citizen's address in the channel: sender of inbound, recipient of outbound.
    address: Mapped[str | None] = mapped_column(String(320))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    # Sanitised HTML, only where the source had HTML.
    html: Mapped[str | None] = mapped_column(Text)
    in_reply_to: Mapped[str | None] = mapped_column(String(500))
    # Inbound: the connector's fingerprint, for channels whose ids are reused (e-mail).
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    # What the desk worked around to take the message in, one note a line.
    intake_notes: Mapped[str | None] = mapped_column(Text)
    verdict: Mapped[Verdict | None] = mapped_column(enum_column(Verdict))
    verdict_reason: Mapped[str | None] = mapped_column(String(200))
    # A receipt or other message no human wrote.
    automatic: Mapped[bool] = mapped_column(default=False)
    send_state: Mapped[SendState | None] = mapped_column(enum_column(SendState))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    inquiry: Mapped[Inquiry] = relationship()
    contact: Mapped[Contact | None] = relationship()
    channel: Mapped[Channel | None] = relationship()
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list["MessageAttachment"]] = relationship(
        back_populates="message", order_by="MessageAttachment.id"
    )

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.direction} inquiry={self.inquiry_id}>"


class MessageSource(Base):
    """An inbound message as its channel delivered it (a mail's bytes), kept for
    audit and replay.

    In the database, not the file store: it is written in the message's own
    transaction, so a message never lacks its source and erasing the message
    erases it; and a mail creates no file, which took 0.25-1.5 ms inside an
    ingest run on a busy disk.
    """

    __tablename__ = "message_sources"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class MessageAttachment(Base):
    """A file of a message; the bytes live in the content-addressed store by sha256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_id: Mapped[str | None] = mapped_column(String(300))
    inline: Mapped[bool] = mapped_column(default=False)

    message: Mapped[Message] = relationship(back_populates="attachments")


class ExternalIdTombstone(Base):
    """An external id the desk must not take in again (deleted by an agent or retention)."""

    __tablename__ = "external_id_tombstones"
    __table_args__ = (UniqueConstraint("channel_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    external_id: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)



