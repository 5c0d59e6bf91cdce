"""The audit trail of administrative changes (users, units, channels, settings).

Inquiry history lives in `events`, which always belongs to an inquiry; changes
to the desk's own set-up have no inquiry, so they are kept here.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from desk.models.base import Base, JSONType, utcnow


class AdminLogEntry(Base):
    __tablename__ = "admin_log"
    __table_args__ = (Index("ix_admin_log_target", "target", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What was done, e.g. "channel.disabled", "user.role_changed".
    action: Mapped[str] = mapped_column(String(60))
    # What it was done to, e.g. "channel:3".
    target: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
