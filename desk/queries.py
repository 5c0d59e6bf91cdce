"""Read queries for the web pages. Every one starts from the role scope in desk.access."""

import base64
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, true, tuple_
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from desk.access import Action, can, inquiry_scope, visible_inquiries
from desk.channels import reply_channels as channels_reaching
from desk.config import current_config
from desk.extensions import db
from desk.models import (
    Category,
    Channel,
    Contact,
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
from desk.search import escape_like, find_inquiries

QUEUE_VIEWS = ("open", "new", "mine", "waiting", "units", "due", "all")


@dataclass(frozen=True, eq=False)
class Segment:
    """Part of a sort order: the rows matching `where`, by (column, id) or by id alone.

    A sort order is one or more segments read in turn, each paged by its own
    keyset: the due sort reads the inquiries with a due time, then those
    without. An index of the Inquiry model gives each segment's rows in order
    (a partial one of the open inquiries in the open views), so a page reads
    one index range per segment.
    """

    column: InstrumentedAttribute[Any]
    descending: bool = False
    where: ColumnElement[bool] | None = None

    @property
    def by_id(self) -> bool:
        return self.column is Inquiry.id

    def key(self) -> tuple[InstrumentedAttribute[Any], ...]:
        return (Inquiry.id,) if self.by_id else (self.column, Inquiry.id)

    def order(self) -> list[ColumnElement[Any]]:
        return [c.desc() if self.descending else c.asc() for c in self.key()]

    def beyond(self, value: datetime | None, inquiry_id: int) -> ColumnElement[bool]:
        """The rows after (value, inquiry_id) in this segment's order."""
        if self.by_id:
            return Inquiry.id < inquiry_id if self.descending else Inquiry.id > inquiry_id
        # A row-value comparison, which both databases turn into one index range;
        # the equivalent OR of two conditions is read row by row from the top.
        key = tuple_(self.column, Inquiry.id)
        after = tuple_(literal(value, self.column.type), inquiry_id)
        return key < after if self.descending else key > after


SORTS: dict[str, tuple[Segment, ...]] = {
    "newest": (Segment(Inquiry.created_at, descending=True),),
    "oldest": (Segment(Inquiry.created_at),),
    "activity": (Segment(Inquiry.last_message_at, descending=True),),
    # Soonest first, overdue at the top; those with no due time after them, oldest first.
    "due": (Segment(Inquiry.due_at, where=Inquiry.due_at.is_not(None)),
            Segment(Inquiry.id, where=Inquiry.due_at.is_(None))),
    # Urgent first; within a priority newest first, as in the default order.
    "priority": tuple(Segment(Inquiry.created_at, descending=True, where=Inquiry.priority == p)
                      for p in (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)),
}
# A view's sort when the URL names none: the due view reads soonest first.
DEFAULT_SORTS = {"due": "due"}
PAGE_SIZE = 50
FRONT_DESK = "front"  # the unit filter's value for "lies with the front desk"
NOBODY = "none"  # the assignee filter's value for "not assigned"


@dataclass(frozen=True)
class QueueQuery:
    """What the queue shows: a view, filters and a sort order, parsed from the URL."""

    view: str = "open"
    sort: str | None = None  # None: the view's default (DEFAULT_SORTS, else newest)
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
            "sort": self.sort if self.sort != self.default_sort else None,
            "channel": self.channel, "status": self.status, "unit": self.unit,
            "assignee": self.assignee, "priority": self.priority, "category": self.category,
            "language": self.language, "since": self.since, "until": self.until,
        }
        return {key: str(value) for key, value in values.items() if value is not None}

    @property
    def filtered(self) -> bool:
        return bool(set(self.args()) - {"view", "sort"})

    @property
    def default_sort(self) -> str:
        return DEFAULT_SORTS.get(self.view, "newest")

    @property
    def sort_name(self) -> str:
        """The sort in force."""
        return self.sort or self.default_sort


@dataclass(frozen=True)
class QueuePage:
    inquiries: list[Inquiry]
    next_cursor: str | None
    query: QueueQuery = field(default_factory=QueueQuery)


class _Position(NamedTuple):
    """Where a page ends: a row's segment of the sort, its sort value and id."""

    segment: int
    value: datetime | None  # None in a segment ordered by id alone
    inquiry_id: int


def queue_page(user: User, query: QueueQuery | None = None, cursor: str | None = None,
               limit: int = PAGE_SIZE) -> QueuePage:
    """One page of the queue, paged by keyset: fast at any depth.

    The keys come first, segment by segment until the page is full (one more
    row tells whether there is a next page); then the rows, in one query.
    """
    query = query or QueueQuery()
    segments = SORTS.get(query.sort_name, SORTS["newest"])
    base = _queue_select(user, query)
    after = _decode_cursor(cursor, segments)
    keys: list[_Position] = []
    for index in range(after.segment if after else 0, len(segments)):
        segment = segments[index]
        statement = base.with_only_columns(*segment.key())
        if segment.where is not None:
            statement = statement.where(segment.where)
        if after is not None and index == after.segment:
            statement = statement.where(segment.beyond(after.value, after.inquiry_id))
        for row in db.session.execute(statement.order_by(*segment.order())
                                      .limit(limit + 1 - len(keys))):
            keys.append(_Position(index, None if segment.by_id else row[0], row[-1]))
        if len(keys) > limit:
            break
    more = len(keys) > limit
    keys = keys[:limit]
    by_id = {i.id: i for i in _load_rows(select(Inquiry).where(
        Inquiry.id.in_([k.inquiry_id for k in keys])))} if keys else {}
    rows = [by_id[k.inquiry_id] for k in keys if k.inquiry_id in by_id]
    return QueuePage(rows, _encode_cursor(keys[-1]) if more else None, query)


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


def _view_condition(user: User, view: str) -> ColumnElement[bool]:
    # Every open view names `is_open` itself, even where its status implies it:
    # SQLite uses a partial index only when the query repeats the index's condition.
    is_open = open_status_clause()
    if view == "new":
        return and_(is_open, Inquiry.status == Status.NEW)
    if view == "mine":
        return and_(Inquiry.assignee_id == user.id, is_open)
    if view == "waiting":
        return and_(is_open, Inquiry.status == Status.WAITING)
    if view == "units":
        return and_(Inquiry.unit_id.is_not(None), is_open)
    if view == "due":
        # Due before today ends, overdue included. Not those waiting on the citizen:
        # their clock is paused (see desk.sla), so nothing is due from the desk.
        return and_(is_open, Inquiry.status != Status.WAITING,
                    Inquiry.due_at < _local_midnight(_today() + timedelta(days=1)))
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


def _encode_cursor(position: _Position) -> str:
    stamp = position.value.isoformat() if position.value is not None else ""
    raw = f"{position.segment}|{stamp}|{position.inquiry_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None, segments: tuple[Segment, ...]) -> _Position | None:
    """The position a cursor names in this sort order; None (the first page) if it is not one."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        segment, stamp, inquiry_id = raw.split("|")
        index = int(segment)
        if not 0 <= index < len(segments):
            return None
        if segments[index].by_id:
            return _Position(index, None, int(inquiry_id)) if not stamp else None
        value = datetime.fromisoformat(stamp)
        return _Position(index, value, int(inquiry_id)) if value.tzinfo is not None else None
    except (ValueError, UnicodeDecodeError):
        return None


def search(user: User, text: str, limit: int = PAGE_SIZE) -> list[Inquiry]:
    """Inquiries `user` may see that match `text`, newest first (desk.search says what matches)."""
    ids = find_inquiries(user, text, limit)
    if not ids:
        return []
    return _load_rows(visible_inquiries(user).where(Inquiry.id.in_(ids))
                      .order_by(Inquiry.created_at.desc(), Inquiry.id.desc()).limit(limit))


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
    """Channels a reply can reach the citizen on, best first (`desk.channels.reply_channels`)."""
    return channels_reaching(db.session, inquiry)


def assignable_users(inquiry: Inquiry) -> list[User]:
    """People who could answer the inquiry, so it may be given to them."""
    candidates = db.session.scalars(
        select(User).where(User.active, User.role.in_(
            (Role.AGENT, Role.UNIT_LEADER, Role.UNIT_MEMBER)))
        .options(selectinload(User.units)).order_by(User.display_name)
    )
    return [u for u in candidates if can(u, Action.REPLY, inquiry)]


def standard_replies(text: str = "", limit: int = 20, *, public: bool = False
                     ) -> list[StandardReply]:
    """Active standard replies whose title or text contains `text`, by title; `public`:
    only those suitable for public use (an answer under a public comment)."""
    statement = select(StandardReply).where(StandardReply.active)
    if public:
        statement = statement.where(StandardReply.public)
    if text.strip():
        pattern = f"%{escape_like(text.strip().lower())}%"
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

