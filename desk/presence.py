"""Who else has an inquiry open or is writing in it: the collision warning's service."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from desk.access import Action, NotVisible, require
from desk.database import insert_on_conflict, transaction
from desk.models import Inquiry, Presence, User, utcnow

# The page pings every 15 s; a row older than this means the page was closed.
FRESH = timedelta(seconds=45)


@dataclass(frozen=True)
class Colleague:
    name: str
    typing: bool


def touch(actor: User, inquiry_id: int, typing: bool = False,
          now: datetime | None = None) -> list[Colleague]:
    """Record that `actor` has the inquiry open (and whether they are writing).

    Returns the others who have it open now. Its own short transaction with
    no lock on the inquiry, so pings never wait behind a reply being saved.
    """
    now = now or utcnow()
    with transaction() as session:
        inquiry = session.get(Inquiry, inquiry_id)
        if inquiry is None:
            raise NotVisible(f"no inquiry {inquiry_id}")
        require(actor, Action.VIEW, inquiry)
        statement = insert_on_conflict(Presence).values(inquiry_id=inquiry_id, user_id=actor.id,
                                            typing=typing, seen_at=now)
        session.execute(statement.on_conflict_do_update(
            index_elements=["inquiry_id", "user_id"], set_={"typing": typing, "seen_at": now}))
        # The actor's rows for pages they have left: the table stays one row per person.
        session.execute(delete(Presence).where(
            Presence.user_id == actor.id, Presence.inquiry_id != inquiry_id,
            Presence.seen_at < now - FRESH))
        rows = session.execute(
            select(User.display_name, Presence.typing)
            .join(User, User.id == Presence.user_id)
            .where(Presence.inquiry_id == inquiry_id, Presence.user_id != actor.id,
                   Presence.seen_at >= now - FRESH)
            .order_by(User.display_name)
        ).all()
        return [Colleague(name, bool(writing)) for name, writing in rows]


def leave(actor: User, inquiry_id: int) -> None:
    """The page was closed: forget the row at once rather than waiting for it to go stale."""
    with transaction() as session:
        session.execute(delete(Presence).where(Presence.inquiry_id == inquiry_id,
                                               Presence.user_id == actor.id))
