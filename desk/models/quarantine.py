"""Inbound items the desk could not understand, kept whole for an admin."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from desk.models.base import Base, enum_column, utcnow


class QuarantineState(StrEnum):
    HELD = "held"  # could not be taken in: waits for an admin
    # A guard declined it on purpose (our own mail coming back, deleted earlier,
    # another copy of a mail the desk has): kept a while to inspect and replay.
    DROPPED = "dropped"
    REPLAYED = "replayed"
    DISCARDED = "discarded"


class QuarantineItem(Base):
    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"), index=True)
    # The source's id (IMAP UID, update id), when it had one.
    source_id: Mapped[str | None] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[QuarantineState] = mapped_column(
        enum_column(QuarantineState), default=QuarantineState.HELD
    )
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
