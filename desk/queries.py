"""Read queries for the web pages. Every one starts from the role scope in desk.access."""

import base64
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, or_, select, true, tuple_
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from desk.access import Action, can, inquiry_scope, visible_inquiries
from desk.channels import MANUAL_KINDS, identity_kind
from desk.config import current_config
from desk.extensions import db
from desk.models import (
    Category,
    Channel,
    Contact,
    ContactIdentity,
    Event,
    Inquiry,
    Message,
    MessageAttachment,
    Priority,
    Role,
    StandardReply,
    Status,
    Unit,
    User,
    open_status_clause,
)

QUEUE_VIEWS = ("open", "new", "mine", "waiting", "units", "due", "all")
# Sort name -> (column, newest first). Each has an index ending in (column, id).
SORTS: dict[str, tuple[InstrumentedAttribute[datetime], bool]] = {
    "newest": (Inquiry.created_at, True),
    "oldest": (Inquiry.created_at, False),
    "activity": (Inquiry.last_message_at, True),
}
PAGE_SIZE = 50
FRONT_DESK = "front"  # the unit filter's value for "lies with the front desk"
NOBODY = "none"  # the assignee filter's value for "not assigned"


@dataclass(frozen=True)
class QueueQuery:
    """What the queue shows: a view, filters and a sort order, parsed from the URL."""

    view: str = "open"
    sort: str = "newest"
    channel: int | None = None
    status: Status | None = None
    unit: str | None = None  # a unit id, or FRONT_DESK
    assignee: str | None = None  # a user id, or NOBODY
    priority: Priority | None = None
    category: int | None = None
    language: str | None = None
    since: date | None = None  # received on or after (local date)
    until: date | None = None  # received on or before (local date)

    def args(self) -> dict[str, str]:
        """The query as URL arguments (the defaults left out), for links and paging."""
        values = {
            "view": self.view if self.view != "open" else None,
            "sort": self.sort if self.sort != "newest" else None,
            "channel": self.channel, "status": self.status, "unit": self.unit,
            "assignee": self.assignee, "priority": self.priority, "category": self.category,
            "language": self.language, "since": self.since, "until": self.until,
        }
        return {key: str(value) for key, value in values.items() if value is not None}

    @property
    def filtered(self) -> bool:
        return bool(set(self.args()) - {"view", "sort"})


@dataclass(frozen=True)
class QueuePage:
    inquiries: list[Inquiry]
    next_cursor: str | None
    query: QueueQuery = field(default_factory=QueueQuery)


def queue_page(user: User, query: QueueQuery | None = None, cursor: str | None = None,
               limit: int = PAGE_SIZE) -> QueuePage:
    """One page of the queue, paged by keyset on (sort column, id): fast at any depth."""
    query = query or QueueQuery()
    column, descending = SORTS.get(query.sort, SORTS["newest"])
    statement = _queue_select(user, query)
    after = _decode_cursor(cursor)
    if after is not None:
        statement = statement.where(_beyond(column, descending, *after))
    order = (column.desc(), Inquiry.id.desc()) if descending else (column.asc(), Inquiry.id.asc())
    rows = _load_rows(statement.order_by(*order).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_cursor(getattr(rows[-1], column.key), rows[-1].id) if more else None
    return QueuePage(rows, next_cursor, query)


def newer_than(user: User, query: QueueQuery, after_id: int,
               limit: int = PAGE_SIZE) -> list[Inquiry]:
    """Inquiries of the queue created after the one with id `after_id`, newest first.

    The live queue polls this with the highest id it shows. Ids, not times: an
    e-mail's Date can lie in the past, and it is still new to the desk. The
    same scope and filters as the page, so a poll never shows what the page
    would not.
    """
    statement = _queue_select(user, query).where(Inquiry.id > after_id)
    return _load_rows(statement.order_by(Inquiry.id.desc()).limit(limit))


def last_inquiry_id(page: QueuePage) -> int:
    """The id the live queue polls from: the page's highest, else the desk's highest."""
    if page.inquiries:
        return max(inquiry.id for inquiry in page.inquiries)
    return db.session.scalar(select(func.max(Inquiry.id))) or 0


def _queue_select(user: User, query: QueueQuery) -> Select[tuple[Inquiry]]:
    return visible_inquiries(user).where(_view_condition(user, query.view),
                                         *_filter_conditions(query))


def _load_rows(statement: Select[tuple[Inquiry]]) -> list[Inquiry]:
    return list(db.session.scalars(statement.options(
        selectinload(Inquiry.channel),
        selectinload(Inquiry.contact).selectinload(Contact.identities),
        selectinload(Inquiry.unit),
        selectinload(Inquiry.assignee),
    )))


def _beyond(column: InstrumentedAttribute[datetime], descending: bool, value: datetime,
            inquiry_id: int) -> ColumnElement[bool]:
    # A row-value comparison, which both databases turn into one index range;
    # the equivalent OR of two conditions is read row by row from the top.
    key, after = tuple_(column, Inquiry.id), tuple_(literal(value, column.type), inquiry_id)
    return key < after if descending else key > after


def _view_condition(user: User, view: str) -> ColumnElement[bool]:
    is_open = open_status_clause()
    if view == "new":
        return Inquiry.status == Status.NEW
    if view == "mine":
        return and_(Inquiry.assignee_id == user.id, is_open)
    if view == "waiting":
        return Inquiry.status == Status.WAITING
    if view == "units":
        return and_(Inquiry.unit_id.is_not(None), is_open)
    if view == "due":
        # Placeholder until the SLA engine: open and received before today ends.
        return and_(is_open, Inquiry.created_at < _local_midnight(_today() + timedelta(days=1)))
    if view == "all":
        return true()
    return is_open


def _filter_conditions(query: QueueQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.channel is not None:
        conditions.append(Inquiry.channel_id == query.channel)
    if query.status is not None:
        conditions.append(Inquiry.status == query.status)
    if query.unit == FRONT_DESK:
        conditions.append(Inquiry.unit_id.is_(None))
    elif query.unit and query.unit.isdigit():
        conditions.append(Inquiry.unit_id == int(query.unit))
    if query.assignee == NOBODY:
        conditions.append(Inquiry.assignee_id.is_(None))
    elif query.assignee and query.assignee.isdigit():
        conditions.append(Inquiry.assignee_id == int(query.assignee))
    if query.priority is not None:
        conditions.append(Inquiry.priority == query.priority)
    if query.category is not None:
        conditions.append(Inquiry.category_id == query.category)
    if query.language:
        conditions.append(Inquiry.language == query.language)
    if query.since is not None:
        conditions.append(Inquiry.created_at >= _local_midnight(query.since))
    if query.until is not None:
        conditions.append(Inquiry.created_at < _local_midnight(query.until + timedelta(days=1)))
    return conditions


def _zone() -> ZoneInfo:
    return ZoneInfo(current_config().timezone)


def _today() -> date:
    return datetime.now(_zone()).date()


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=_zone())


def _encode_cursor(value: datetime, inquiry_id: int) -> str:
    raw = f"{value.isoformat()}|{inquiry_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, inquiry_id = raw.split("|")
        value = datetime.fromisoformat(stamp)
        return (value, int(inquiry_id)) if value.tzinfo is not None else None
    except (ValueError, UnicodeDecodeError):
        return None


def search(user: User, text: str, limit: int = PAGE_SIZE) -> list[Inquiry]:
    """Inquiries whose reference, contact or message text matches `text`, newest first.

    Plain LIKE for now; this is the one place to swap in SQLite FTS5 or a
    PostgreSQL tsvector (Norwegian configuration) when volume needs it.
    """
    text = text.strip()
    if not text:
        return []
    pattern = f"%{_escape_like(text.lower())}%"
    in_contact = exists().where(
        Contact.id == Inquiry.contact_id,
        or_(func.lower(Contact.display_name).like(pattern, escape="\\"),
            exists().where(ContactIdentity.contact_id == Contact.id,
                           func.lower(ContactIdentity.value).like(pattern, escape="\\"))),
    )
    in_messages = exists().where(
        Message.inquiry_id == Inquiry.id,
        or_(func.lower(Message.text).like(pattern, escape="\\"),
            func.lower(Message.subject).like(pattern, escape="\\")),
    )
    statement = visible_inquiries(user).where(or_(
        Inquiry.reference == text,
        func.lower(Inquiry.subject).like(pattern, escape="\\"),
        in_contact,
        in_messages,
    ))
    return _load_rows(statement.order_by(Inquiry.created_at.desc(), Inquiry.id.desc())
                      .limit(limit))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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


def attachment_for(user: User, inquiry_id: int, attachment_id: int) -> MessageAttachment | None:
    """The attachment if it belongs to an inquiry `user` may see."""
    return db.session.scalar(
        select(MessageAttachment)
        .join(Message, Message.id == MessageAttachment.message_id)
        .join(Inquiry, Inquiry.id == Message.inquiry_id)
        .where(MessageAttachment.id == attachment_id, Inquiry.id == inquiry_id,
               inquiry_scope(user))
    )


def history(inquiry: Inquiry) -> list[Event]:
    return list(
        db.session.scalars(
            select(Event).where(Event.inquiry_id == inquiry.id).order_by(Event.at, Event.id)
        )
    )


def other_inquiries(user: User, inquiry: Inquiry, limit: int = 20) -> list[Inquiry]:
    """The contact's other inquiries that `user` may see, newest first."""
    if inquiry.contact_id is None:
        return []
    return list(db.session.scalars(
        visible_inquiries(user)
        .where(Inquiry.contact_id == inquiry.contact_id, Inquiry.id != inquiry.id)
        .order_by(Inquiry.created_at.desc(), Inquiry.id.desc())
        .limit(limit)
    ))


def reply_channels(inquiry: Inquiry) -> list[Channel]:
    """Channels a reply can go out on: the inquiry's own, then the contact's others."""
    config = current_config()
    kinds = {i.kind for i in inquiry.contact.identities} if inquiry.contact else set()
    found = []
    for channel in db.session.scalars(select(Channel).where(Channel.enabled).order_by(Channel.id)):
        if channel.id == inquiry.channel_id:
            found.insert(0, channel)
        elif (channel.kind not in MANUAL_KINDS and config.channel(channel.name) is not None
              and _identity_kind_or_none(channel.kind) in kinds):
            found.append(channel)
    return found


def _identity_kind_or_none(kind: str) -> object:
    try:
        return identity_kind(kind)
    except KeyError:
        return None


def assignable_users(inquiry: Inquiry) -> list[User]:
    """People who could answer the inquiry, so it may be given to them."""
    candidates = db.session.scalars(
        select(User).where(User.active, User.role.in_(
            (Role.AGENT, Role.UNIT_LEADER, Role.UNIT_MEMBER)))
        .options(selectinload(User.units)).order_by(User.display_name)
    )
    return [u for u in candidates if can(u, Action.REPLY, inquiry)]


def standard_replies(text: str = "", limit: int = 20) -> list[StandardReply]:
    """Active standard replies whose title or text contains `text`, by title."""
    statement = select(StandardReply).where(StandardReply.active)
    if text.strip():
        pattern = f"%{_escape_like(text.strip().lower())}%"
        statement = statement.where(or_(*(
            func.lower(column).like(pattern, escape="\\")
            for column in (StandardReply.title, StandardReply.body_nb, StandardReply.body_nn,
                           StandardReply.body_en)
        )))
    return list(db.session.scalars(statement.order_by(StandardReply.title).limit(limit)))


def standard_reply(reply_id: int) -> StandardReply | None:
    reply = db.session.get(StandardReply, reply_id)
    return reply if reply is not None and reply.active else None


def active_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.active).order_by(Unit.name)))


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.name)))


def channels() -> list[Channel]:
    return list(db.session.scalars(select(Channel).order_by(Channel.display_name)))


def staff(user: User) -> list[User]:
    """People to filter the queue by: everyone for the front desk, the unit for its staff."""
    statement = select(User).where(User.active, User.role.in_(
        (Role.AGENT, Role.UNIT_LEADER, Role.UNIT_MEMBER))).order_by(User.display_name)
    if user.role in (Role.UNIT_LEADER, Role.UNIT_MEMBER):
        statement = statement.where(User.units.any(Unit.id.in_(user.unit_ids)))
    return list(db.session.scalars(statement))


def users_by_id(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}

