"""An inquiry (henvendelse): one case, wherever it lies and whatever its state."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, ForeignKey, Index, String, bindparam, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.models.base import Base, enum_column, utcnow
from desk.models.channel import Channel
from desk.models.contact import Contact
from desk.models.user import Unit, User


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting"  # on the citizen
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)
# The same rule as SQL text, for the partial indexes of open inquiries: most of a
# desk's inquiries are resolved, so the queue's open views read a small index.
OPEN_SQL = "status IN ('new', 'open', 'waiting')"
# The inquiries with an SLA due time (desk.sla: only open ones have one).
DUE_SQL = "due_at IS NOT NULL"


def open_status_clause() -> ColumnElement[bool]:
    """`status IN ('new', 'open', 'waiting')` with the values written into the SQL.

    Both databases use a partial index only when the query's condition matches
    the index's own; with bound parameters SQLite never matches and a prepared
    PostgreSQL plan may not.
    """
    values = bindparam("open_statuses", [s.value for s in OPEN_STATUSES], expanding=True,
                       literal_execute=True)
    return Inquiry.status.in_(values)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


# What a new inquiry gets until someone classifies it.
DEFAULT_PRIORITY = Priority.NORMAL


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class ReferenceCounter(Base):
    """The last reference number handed out per year (2026-004711 is number 4711)."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Inquiry(Base):
    __tablename__ = "inquiries"
    __table_args__ = (
        # The queue's keyset paging and the unit queue.
        Index("ix_inquiries_status_created", "status", "created_at", "id"),
        Index("ix_inquiries_unit_status", "unit_id", "status"),
        # Keyset paging of the queue's filtered views and sort orders at a million rows:
        # the planner walks one of these backwards and stops after a page.
        Index("ix_inquiries_created", "created_at", "id"),
        Index("ix_inquiries_last_message", "last_message_at", "id"),
        Index("ix_inquiries_unit_created", "unit_id", "created_at", "id"),
        # Also the index of the assignee foreign key (its first column).
        Index("ix_inquiries_assignee_created", "assignee_id", "created_at", "id"),
        Index("ix_inquiries_channel_created", "channel_id", "created_at", "id"),
        Index("ix_inquiries_open_created", "created_at", "id",
              sqlite_where=text(OPEN_SQL), postgresql_where=text(OPEN_SQL)),
        Index("ix_inquiries_open_last_message", "last_message_at", "id",
              sqlite_where=text(OPEN_SQL), postgresql_where=text(OPEN_SQL)),
        # The due-today view and the sorts by due time and by priority (desk.queries).
        Index("ix_inquiries_open_due", "due_at", "id",
              sqlite_where=text(OPEN_SQL), postgresql_where=text(OPEN_SQL)),
        # The sort by due time in a view with closed inquiries too ("all").
        Index("ix_inquiries_due", "due_at", "id",
              sqlite_where=text(DUE_SQL), postgresql_where=text(DUE_SQL)),
        Index("ix_inquiries_open_priority", "priority", "created_at", "id",
              sqlite_where=text(OPEN_SQL), postgresql_where=text(OPEN_SQL)),
        # Chat threading: the open inquiry of a conversation.
        Index("ix_inquiries_conversation", "channel_id", "conversation_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.NEW)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=DEFAULT_PRIORITY)
    language: Mapped[str] = mapped_column(String(5), default="nb")
    # Where it lies: None is the front desk, otherwise the unit it was routed to.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    # The channel it came in on; replies go out on it unless the agent picks another.
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    conversation_key: Mapped[str | None] = mapped_column(String(200))
    # Holds a national identity number or similar: masked in lists, views audited.
    sensitive: Mapped[bool] = mapped_column(default=False)
    spam: Mapped[bool] = mapped_column(default=False)
    # Came in as a public comment (on the municipality's Facebook Page): no case handling
    # in public; answered by a generic public reply or moved to a private channel.
    public: Mapped[bool] = mapped_column(default=False)
    # A related earlier inquiry (reply to a closed case, subject reference from a stranger).
    linked_to_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id"))
    # True until an agent confirms a link the desk made on its own.
    link_unconfirmed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    # The SLA deadline the desk works toward now; kept by desk.sla.deadline(), whose
    # doc says which target it is. None when there is no target or it is not open.
    due_at: Mapped[datetime | None]
    # The SLA clock's pause while waiting on the citizen (desk.status): when the current
    # pause began, and the opening-hours seconds paused since the clock last started,
    # which desk.sla adds to the target.
    paused_at: Mapped[datetime | None]
    paused_seconds: Mapped[int] = mapped_column(default=0)

    unit: Mapped[Unit | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    category: Mapped[Category | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    channel: Mapped[Channel | None] = relationship()
    linked_to: Mapped["Inquiry | None"] = relationship(remote_side=[id])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def at_front_desk(self) -> bool:
        return self.unit_id is None

    def __repr__(self) -> str:
        return f"<Inquiry {self.reference} {self.status}>"
