"""Configured sources and sinks, with the health a worker writes back."""

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from desk.models.base import Base, JSONType


class Channel(Base):
    """A channel row mirrors a `[[channels]]` entry of the config (or a built-in one).

    Credentials stay in the config; the row holds what the desk learns while
    running: the fetch cursor and the last success and error, so the admin can
    see a broken mailbox and one failing channel never stops the others.
    """

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str] = mapped_column(String(120))
    enabled: Mapped[bool] = mapped_column(default=True)
    receipts: Mapped[bool] = mapped_column(default=True)
    # Connector state between runs, e.g. {"uidvalidity": 1, "last_uid": 42}.
    cursor: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    last_fetch_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Channel {self.name} ({self.kind})>"
