"""Who has an inquiry open right now, for the collision warning."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from desk.models.base import Base, utcnow


class Presence(Base):
    """One row per (inquiry, user), touched by the inquiry page while it is open.

    A row older than a minute or so is stale: the page was closed. Rows are
    overwritten, never accumulated, so the table stays as small as the number
    of people working.
    """

    __tablename__ = "presence"
    __table_args__ = (Index("ix_presence_inquiry_seen", "inquiry_id", "seen_at"),)

    inquiry_id: Mapped[int] = mapped_column(
        ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # True while the user is writing a reply or a note.
    typing: Mapped[bool] = mapped_column(default=False)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
