"""Which agents are available for chat, whether the chat is open, and the chats waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from desk import sla
from desk.database import insert_on_conflict, transaction
from desk.drivers import drivers
from desk.extensions import db
from desk.models import (
    Channel,
    ChatAvailability,
    ChatSession,
    Inquiry,
    Role,
    User,
    open_status_clause,
    utcnow,
)
from desk.webchat.settings import ChatSettings

# The agent's page renews the row every few seconds; older means the page is gone.
FRESH = timedelta(seconds=45)


def set_available(actor: User, available: bool, now: datetime | None = None) -> None:
    """The agent's switch, kept with the time so it runs out when their page is gone."""
    now = now or utcnow()
    with transaction() as session:
        statement = insert_on_conflict(ChatAvailability).values(
            user_id=actor.id, available=available, seen_at=now)
        session.execute(statement.on_conflict_do_update(
            index_elements=["user_id"], set_={"available": available, "seen_at": now}))


def keep_alive(actor: User, now: datetime | None = None) -> bool:
    """The agent's page is open: renew their row; whether they are available."""
    now = now or utcnow()
    with transaction() as session:
        row = session.get(ChatAvailability, actor.id)
        if row is None:
            return False
        row.seen_at = now
        return row.available


def is_available(actor: User, now: datetime | None = None) -> bool:
    now = now or utcnow()
    row = db.session.get(ChatAvailability, actor.id)
    available = row is not None and row.available and row.seen_at >= now - FRESH
    db.session.rollback()
    return available


def agents_available(now: datetime | None = None) -> bool:
    """Someone is there to answer a chat now."""
    now = now or utcnow()
    found = db.session.scalar(
        select(ChatAvailability.user_id).join(User, User.id == ChatAvailability.user_id)
        .where(ChatAvailability.available, ChatAvailability.seen_at >= now - FRESH,
               User.active, User.role == Role.AGENT).limit(1))
    db.session.rollback()
    return found is not None


def is_open(settings: ChatSettings, now: datetime | None = None) -> bool:
    """Within the opening hours of the business calendar (or open around the clock)."""
    if settings.always_open:
        return True
    now = now or utcnow()
    calendar = sla.current_calendar()
    hours = calendar.opening(now.astimezone(calendar.zone).date())
    return hours is not None and hours[0] <= now < hours[1]


def mode(settings: ChatSettings, now: datetime | None = None) -> tuple[str, str | None]:
    """("chat", None) when a citizen can chat now, else ("message", why): "closed" or "busy"."""
    if not is_open(settings, now):
        return "message", "closed"
    if not agents_available(now):
        return "message", "busy"
    return "chat", None


@dataclass(frozen=True)
class Waiting:
    inquiry_id: int
    reference: str
    name: str
    since: datetime  # when the citizen started waiting (the inquiry came in)


def live_channel_ids() -> list[int]:
    kinds = [d.kind for d in drivers() if d.live]
    return list(db.session.scalars(select(Channel.id).where(Channel.kind.in_(kinds))))


def waiting_chats(limit: int = 20) -> list[Waiting]:
    """Live chats at the front desk nobody has taken, whose citizen is still there."""
    rows = db.session.execute(
        select(Inquiry.id, Inquiry.reference, ChatSession.name, Inquiry.created_at)
        .join(ChatSession, (ChatSession.public_id == Inquiry.conversation_key)
              & (ChatSession.channel_id == Inquiry.channel_id))
        .where(Inquiry.channel_id.in_(live_channel_ids()), open_status_clause(),
               Inquiry.assignee_id.is_(None), Inquiry.unit_id.is_(None),
               ChatSession.ended_at.is_(None))
        .order_by(Inquiry.created_at).limit(limit)
    ).all()
    db.session.rollback()
    return [Waiting(*row) for row in rows]
