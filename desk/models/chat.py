"""The web chat: a citizen's chat session, the stream of its lines, and which agents
are available to chat."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desk.models.base import Base, utcnow


class ChatSession(Base):
    """One citizen's chat in a browser, known by a bearer token whose hash alone is kept.

    `public_id` is the session's identity in the desk (the contact's web chat
    identity and the inquiry's conversation key); it is never a credential.
    `seq` counts the lines of the stream: each new line takes the next number
    under the row's lock, so a reader's cursor never skips a line that commits late.
    """

    __tablename__ = "chat_sessions"
    __table_args__ = (Index("ix_chat_sessions_ip_created", "ip_hash", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(5), default="nb")
    # A keyed hash of the address the chat was started from: for the rate limit only.
    ip_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The citizen's last message or poll: the idle end and the expiry count from it.
    active_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    seq: Mapped[int] = mapped_column(default=0)


class ChatLine(Base):
    """One message in a session's stream, in the order the citizen sees them: what the
    citizen wrote once it is taken in, and each answer once the connector delivered it."""

    __tablename__ = "chat_lines"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        UniqueConstraint("session_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"))
    seq: Mapped[int]
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"),
                                            index=True)
    from_citizen: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatAvailability(Base):
    """An agent's "available for chat" switch, kept alive by their open page: available
    only while `seen_at` is recent, so a closed laptop never promises an answer."""

    __tablename__ = "chat_availability"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    available: Mapped[bool] = mapped_column(default=False)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
