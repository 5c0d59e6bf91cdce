"""Opening hours set by the admin, and SLA targets per channel and priority.

Opening hours: the `[opening_hours]` section of the config is the default for
each weekday; a row here for a weekday overrides it. Deleting the row (the
admin's "use the default") brings the config's value back. So the config file
stays a complete, working default and the database only holds deliberate
changes.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.models.base import Base, enum_column, utcnow
from desk.models.channel import Channel
from desk.models.inquiry import Priority

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class OpeningHoursOverride(Base):
    __tablename__ = "opening_hours"
    __table_args__ = (CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),)

    # 0 is Monday, as in datetime.weekday().
    weekday: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # "HH:MM-HH:MM" in local time, or "" for closed; the config's format.
    hours: Mapped[str] = mapped_column(String(11))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SlaTarget(Base):
    """How soon an inquiry of this channel and priority is to be answered and resolved.

    Counted in opening hours by the SLA engine; None means no target.
    """

    __tablename__ = "sla_targets"
    __table_args__ = (UniqueConstraint("channel_id", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    priority: Mapped[Priority] = mapped_column(enum_column(Priority))
    first_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    channel: Mapped[Channel] = relationship()
