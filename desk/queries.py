"""Read queries for the web pages. Every one starts from the role scope in desk.access."""

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from desk.access import inquiry_scope, visible_inquiries
from desk.extensions import db
from desk.models import (
    OPEN_STATUSES,
    Contact,
    Event,
    Inquiry,
    Message,
    Status,
    Unit,
    User,
)

QUEUE_VIEWS = ("open", "new", "mine", "waiting", "units", "all")
PAGE_SIZE = 50


@dataclass(frozen=True)
class QueuePage:
    inquiries: list[Inquiry]
    next_cursor: str | None


def queue_page(user: User, view: str = "open", cursor: str | None = None,
               limit: int = PAGE_SIZE) -> QueuePage:
    """One page of the queue, newest first, paged by keyset (fast at any depth)."""
    query = visible_inquiries(user).where(_view_condition(user, view))
    after = _decode_cursor(cursor)
    if after is not None:
        created_at, inquiry_id = after
        query = query.where(
            or_(Inquiry.created_at < created_at,
                and_(Inquiry.created_at == created_at, Inquiry.id < inquiry_id))
        )
    rows = list(
        db.session.scalars(
            query.order_by(Inquiry.created_at.desc(), Inquiry.id.desc())
            .limit(limit + 1)
            .options(
                selectinload(Inquiry.channel),
                selectinload(Inquiry.contact).selectinload(Contact.identities),
                selectinload(Inquiry.unit),
                selectinload(Inquiry.assignee),
            )
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_cursor(rows[-1]) if more and rows else None
    return QueuePage(rows, next_cursor)


def _view_condition(user: User, view: str):
    if view == "new":
        return Inquiry.status == Status.NEW
    if view == "mine":
        return and_(Inquiry.assignee_id == user.id, Inquiry.status.in_(OPEN_STATUSES))
    if view == "waiting":
        return Inquiry.status == Status.WAITING
    if view == "units":
        return and_(Inquiry.unit_id.is_not(None), Inquiry.status.in_(OPEN_STATUSES))
    if view == "all":
        return Inquiry.id.is_not(None)
    return Inquiry.status.in_(OPEN_STATUSES)


def _encode_cursor(inquiry: Inquiry) -> str:
    raw = f"{inquiry.created_at.isoformat()}|{inquiry.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, inquiry_id = raw.split("|")
        return datetime.fromisoformat(stamp), int(inquiry_id)
    except (ValueError, UnicodeDecodeError):
        return None


def inquiry_for(user: User, inquiry_id: int) -> Inquiry | None:
    """The inquiry if `user` may see it, else None (the page answers 404)."""
    return db.session.scalar(
        select(Inquiry).where(Inquiry.id == inquiry_id, inquiry_scope(user))
    )


def thread(inquiry: Inquiry) -> list[Message]:
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.inquiry_id == inquiry.id)
            .order_by(Message.created_at, Message.id)
            .options(selectinload(Message.attachments), selectinload(Message.author),
                     selectinload(Message.channel))
        )
    )


def history(inquiry: Inquiry) -> list[Event]:
    return list(
        db.session.scalars(
            select(Event).where(Event.inquiry_id == inquiry.id).order_by(Event.at, Event.id)
        )
    )


def active_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.active).order_by(Unit.name)))


def users_by_id(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
