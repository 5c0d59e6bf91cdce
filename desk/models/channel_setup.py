"""Channels set up on the admin page rather than in the config file."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from desk.models.base import Base, JSONType, utcnow


class ChannelSetup(Base):
    """One stored `[[channels]]` table: the running config merges it with the file's.

    Non-secret options are plain JSON; the secrets (passwords, tokens) are one
    Fernet token of a JSON object, so the database alone never shows them. The
    channel's state (cursor, health) stays on its `channels` row, as for a file
    channel.
    """

    __tablename__ = "channel_setups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str] = mapped_column(String(120))
    enabled: Mapped[bool] = mapped_column(default=True)
    receipts: Mapped[bool] = mapped_column(default=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    secrets: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<ChannelSetup {self.name} ({self.kind})>"
