"""The immutable history of every inquiry; metrics and audit are computed from it."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from desk.models.base import Base, JSONType, enum_column, utcnow


class EventKind(StrEnum):
    CREATED = "created"
    MESSAGE_RECEIVED = "message_received"
    RECEIPT_QUEUED = "receipt_queued"
    REPLIED = "replied"
    NOTE_ADDED = "note_added"
    CLAIMED = "claimed"
    ASSIGNED = "assigned"
    ROUTED = "routed"
    RETURNED = "returned"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    # Until 0013 both a status change (data: status) and a classification (data:
    # priority, category, language); now only read in old history.
    STATUS_CHANGED = "status_changed"
    OPENED = "opened"  # new -> open: someone took the inquiry up
    SET_WAITING = "set_waiting"  # waiting on the citizen: the SLA clock stops
    RESUMED = "resumed"  # waiting -> open (data: paused_seconds): the clock runs again
    CLOSED = "closed"
    CLASSIFIED = "classified"  # priority, category or language set (data: what changed)
    SENT = "sent"
    SEND_FAILED = "send_failed"
    LINKED = "linked"
    VIEWED = "viewed"
    ACCEPTED = "accepted"  # a unit leader took a routed inquiry on for the unit
    MERGED = "merged"  # this inquiry was merged into another (data: into)
    MERGED_IN = "merged_in"  # another inquiry was merged into this one (data: from)
    SPLIT = "split"  # a message moved to a new inquiry (data: message_id, to / from)
    MARKED_SPAM = "marked_spam"
    UNIT_NOTIFIED = "unit_notified"  # a routing notice queued for the unit's mailbox
    CHAT_ENDED = "chat_ended"  # the citizen ended the web chat, or left it idle
    TRANSCRIPT_QUEUED = "transcript_queued"  # the chat's transcript queued to their e-mail
    MOVED_TO_PRIVATE = "moved_to_private"  # a public comment answered by a private message
    COMMENT_HIDDEN = "comment_hidden"  # a public comment hidden on the Page (data: reason)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_inquiry_at", "inquiry_id", "at"),
        Index("ix_events_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, 30))
    # None for the system (ingest, the worker).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where the inquiry lay after the event, so per-unit metrics need no replay.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    channel: Mapped[str | None] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


@event.listens_for(Event, "before_update")
@event.listens_for(Event, "before_delete")
def _events_are_immutable(mapper: Mapper[Event], connection: Any, target: Event) -> None:
    raise RuntimeError("events are immutable: write a new event instead")
