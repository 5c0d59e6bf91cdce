"""Every status change through desk.status: one event that means it, resolved_at, and the
SLA clock paused while waiting on the citizen (hand-computed in the default opening
hours, weekdays 08:00-15:30 Europe/Oslo, closed on Norwegian public holidays)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask_babel import force_locale
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from desk import sla, workflow
from desk.admin import schedule
from desk.admin.schedule import Targets
from desk.database import transaction
from desk.extensions import db
from desk.ingest import ingest
from desk.models import (
    Channel,
    Direction,
    Event,
    EventKind,
    Inquiry,
    Message,
    Priority,
    Role,
    Status,
    utcnow,
)
from desk.sla import BusinessCalendar, parse_hours
from desk.status import change_status
from desk.web.labels import event_label
from tests.conftest import inbound

OSLO = ZoneInfo("Europe/Oslo")
OFFICE = BusinessCalendar(OSLO, (*(parse_hours("08:00-15:30"),) * 5, None, None))


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO).astimezone(UTC)


@pytest.fixture
def people(make_user):
    return {"agent": make_user("agent", Role.AGENT), "admin": make_user("admin", Role.ADMIN)}


@pytest.fixture
def targets(people):
    """E-mail: answer within 60 minutes, resolve within 600 (of opening hours)."""
    post = db.session.scalar(select(Channel.id).where(Channel.name == "post"))
    schedule.set_sla_targets(people["admin"], post, {
        Priority.NORMAL: Targets(first_response=60, resolution=600)})


def fresh(inquiry: Inquiry) -> Inquiry:
    db.session.expire_all()
    return db.session.get_one(Inquiry, inquiry.id)


def kinds(inquiry: Inquiry) -> list[EventKind]:
    return list(db.session.scalars(select(Event.kind).where(Event.inquiry_id == inquiry.id)
                                   .order_by(Event.id)))


def last_event(inquiry: Inquiry, kind: EventKind | None = None) -> Event:
    query = select(Event).where(Event.inquiry_id == inquiry.id)
    if kind is not None:
        query = query.where(Event.kind == kind)
    return db.session.scalars(query.order_by(Event.id.desc())).first()


def citizen_writes(inquiry: Inquiry, at: datetime, **overrides) -> None:
    first = db.session.scalar(select(Message.external_id).where(
        Message.inquiry_id == inquiry.id, Message.direction == Direction.INBOUND))
    ingest(inbound(in_reply_to=first, received_at=at, **overrides), now=at)


# --- the calendar measures a pause --------------------------------------------------------

@pytest.mark.parametrize(("start", "end", "minutes"), [
    (oslo(2026, 11, 23, 10, 0), oslo(2026, 11, 23, 11, 0), 60),  # inside one day
    (oslo(2026, 11, 23, 6, 0), oslo(2026, 11, 23, 20, 0), 450),  # the whole day
    (oslo(2026, 11, 27, 10, 20), oslo(2026, 11, 30, 9, 0), 370),  # over a weekend
    (oslo(2026, 4, 1, 14, 30), oslo(2026, 4, 7, 10, 0), 180),  # over Easter
    (oslo(2026, 11, 27, 16, 0), oslo(2026, 11, 29, 12, 0), 0),  # all of it closed
    (oslo(2026, 11, 23, 11, 0), oslo(2026, 11, 23, 10, 0), 0),  # backwards
])
def test_opening_hours_between_two_instants(start, end, minutes) -> None:
    assert OFFICE.between(start, end) == timedelta(minutes=minutes)


# --- the pause --------------------------------------------------------------------------

def test_a_pause_over_a_weekend_moves_the_due_time_on_by_its_opening_hours(
        people, targets, make_inquiry):
    inquiry = make_inquiry(received_at=oslo(2026, 11, 27, 10, 0))  # a Friday
    workflow.reply(people["agent"], inquiry.id, "Hvilken adresse?", then=Status.WAITING,
                   now=oslo(2026, 11, 27, 10, 20))
    # Answered: 600 minutes from Friday 10:00, 330 on Friday and 270 on Monday.
    waiting = fresh(inquiry)
    assert waiting.due_at == oslo(2026, 11, 30, 12, 30)
    assert waiting.paused_at == oslo(2026, 11, 27, 10, 20)
    assert last_event(waiting).kind is EventKind.SET_WAITING

    citizen_writes(inquiry, oslo(2026, 11, 30, 9, 0))
    # Paused Friday 10:20-15:30 and Monday 08:00-09:00: 370 minutes. 970 from Friday
    # 10:00: 330 on Friday, 450 on Monday, 190 from Tuesday 08:00.
    resumed = fresh(inquiry)
    assert resumed.status is Status.OPEN and resumed.paused_at is None
    assert resumed.paused_seconds == 370 * 60
    assert resumed.due_at == oslo(2026, 12, 1, 11, 10)
    event = last_event(resumed, EventKind.RESUMED)
    assert event.at == oslo(2026, 11, 30, 9, 0)
    assert event.data == {"paused_seconds": 370 * 60, "reason": "citizen wrote"}
    # The desk's own time from Friday 10:00 to the due time is the target, no more.
    desk_time = (OFFICE.between(oslo(2026, 11, 27, 10, 0), oslo(2026, 11, 27, 10, 20))
                 + OFFICE.between(oslo(2026, 11, 30, 9, 0), resumed.due_at))
    assert desk_time == timedelta(minutes=600)


def test_pauses_over_a_holiday_add_up(people, targets, make_inquiry):
    inquiry = make_inquiry(received_at=oslo(2026, 4, 1, 14, 0))  # Wednesday before Easter
    workflow.reply(people["agent"], inquiry.id, "Send oss kartet.", then=Status.WAITING,
                   now=oslo(2026, 4, 1, 14, 30))
    # 600 from Wednesday 14:00: 90 that day, closed Maundy Thursday to Easter Monday,
    # 450 on Tuesday 7 April, 60 on Wednesday 8 April.
    assert fresh(inquiry).due_at == oslo(2026, 4, 8, 9, 0)

    citizen_writes(inquiry, oslo(2026, 4, 7, 10, 0))
    # Paused 14:30-15:30 on Wednesday and 08:00-10:00 on Tuesday: 180. 780 from
    # Wednesday 14:00: 90, 450 on Tuesday, 240 from 08:00 on Wednesday 8 April.
    assert fresh(inquiry).paused_seconds == 180 * 60
    assert fresh(inquiry).due_at == oslo(2026, 4, 8, 12, 0)

    workflow.reply(people["agent"], inquiry.id, "Og tegningen?", then=Status.WAITING,
                   now=oslo(2026, 4, 7, 11, 0))
    assert fresh(inquiry).due_at == oslo(2026, 4, 8, 12, 0)  # stands still while waiting
    citizen_writes(inquiry, oslo(2026, 4, 8, 8, 30))
    # Another 270 on Tuesday and 30 on Wednesday: 480 in all. 1080 from Wednesday 1
    # April 14:00: 90, 450, 450, then 90 from 08:00 on Thursday 9 April.
    again = fresh(inquiry)
    assert again.paused_seconds == 480 * 60
    assert again.due_at == oslo(2026, 4, 9, 9, 30)
    assert last_event(again, EventKind.RESUMED).data["paused_seconds"] == 300 * 60
    assert kinds(again).count(EventKind.SET_WAITING) == kinds(again).count(
        EventKind.RESUMED) == 2


def test_a_pause_outside_opening_hours_takes_nothing_off(people, targets, make_inquiry):
    inquiry = make_inquiry(received_at=oslo(2026, 11, 27, 10, 0))
    workflow.reply(people["agent"], inquiry.id, "Hvilken adresse?", then=Status.WAITING,
                   now=oslo(2026, 11, 27, 16, 0))
    citizen_writes(inquiry, oslo(2026, 11, 29, 12, 0))  # a Sunday
    resumed = fresh(inquiry)
    assert resumed.status is Status.OPEN and resumed.paused_seconds == 0
    assert resumed.due_at == oslo(2026, 11, 30, 12, 30)


def test_an_auto_reply_does_not_end_the_pause(people, targets, make_inquiry):
    inquiry = make_inquiry(received_at=oslo(2026, 11, 27, 10, 0))
    workflow.reply(people["agent"], inquiry.id, "Hvilken adresse?", then=Status.WAITING,
                   now=oslo(2026, 11, 27, 10, 20))
    citizen_writes(inquiry, oslo(2026, 11, 27, 10, 21), subject="Automatisk svar: ferie",
                   headers=(("auto-submitted", "auto-replied"),))
    still = fresh(inquiry)
    assert still.status is Status.WAITING and still.paused_at == oslo(2026, 11, 27, 10, 20)


def test_resolving_while_waiting_and_reopening_start_the_clock_afresh(
        people, targets, make_inquiry):
    received = utcnow() - timedelta(days=10)
    inquiry = make_inquiry(received_at=received)
    workflow.reply(people["agent"], inquiry.id, "Hvilken adresse?", then=Status.WAITING,
                   now=received + timedelta(minutes=5))
    workflow.resolve(people["agent"], inquiry.id)
    resolved = fresh(inquiry)
    assert resolved.status is Status.RESOLVED and resolved.due_at is None
    assert resolved.paused_at is None and resolved.resolved_at is not None
    workflow.reopen(people["agent"], inquiry.id)
    reopened = fresh(inquiry)
    at = last_event(reopened).at
    assert last_event(reopened).kind is EventKind.REOPENED
    assert reopened.resolved_at is None and reopened.paused_seconds == 0
    assert reopened.due_at == sla.due_at(at, 600)


# --- one event per change --------------------------------------------------------------

def test_each_change_writes_the_one_event_that_means_it(people, make_inquiry):
    agent = people["agent"]
    inquiry = make_inquiry()
    workflow.claim(agent, inquiry.id)
    assert kinds(inquiry)[-2:] == [EventKind.OPENED, EventKind.CLAIMED]
    workflow.claim(agent, inquiry.id)  # open already: no second OPENED
    assert kinds(inquiry)[-2:] == [EventKind.CLAIMED, EventKind.CLAIMED]
    workflow.reply(agent, inquiry.id, "Hvilken adresse?", then=Status.WAITING)
    assert kinds(inquiry)[-2:] == [EventKind.REPLIED, EventKind.SET_WAITING]
    workflow.reply(agent, inquiry.id, "Og postnummer?", then=Status.WAITING)
    assert kinds(inquiry)[-1] is EventKind.REPLIED  # waiting already
    citizen_writes(inquiry, utcnow())
    assert kinds(inquiry)[-2:] == [EventKind.RESUMED, EventKind.MESSAGE_RECEIVED]
    workflow.resolve(agent, inquiry.id)
    assert kinds(inquiry)[-1] is EventKind.RESOLVED
    workflow.reopen(agent, inquiry.id)
    assert kinds(inquiry)[-1] is EventKind.REOPENED
    with transaction() as session:
        change_status(session, session.get_one(Inquiry, inquiry.id), Status.CLOSED,
                      at=utcnow(), actor=agent)
    closed = fresh(inquiry)
    assert kinds(closed)[-1] is EventKind.CLOSED and closed.resolved_at is not None
    counted = [k for k in kinds(closed) if k in (
        EventKind.OPENED, EventKind.SET_WAITING, EventKind.RESUMED, EventKind.RESOLVED,
        EventKind.REOPENED, EventKind.CLOSED)]
    assert len(counted) == 6 and EventKind.STATUS_CHANGED not in kinds(closed)


def test_a_new_inquiry_answered_and_resolved_at_once(people, make_inquiry):
    inquiry = make_inquiry()
    workflow.reply(people["agent"], inquiry.id, "Svar.", then=Status.RESOLVED)
    assert kinds(inquiry)[-2:] == [EventKind.REPLIED, EventKind.RESOLVED]
    assert fresh(inquiry).resolved_at is not None


def test_merge_and_spam_close_with_their_own_event_only(people, make_inquiry):
    agent = people["agent"]
    source = make_inquiry(sender_address="a@example.no")
    target = make_inquiry(sender_address="b@example.no")
    workflow.merge(agent, source.id, target.reference)
    assert kinds(source)[-1] is EventKind.MERGED and EventKind.CLOSED not in kinds(source)
    assert fresh(source).status is Status.CLOSED and fresh(source).resolved_at is not None
    spam = make_inquiry(sender_address="c@example.no")
    workflow.mark_spam(agent, spam.id)
    assert kinds(spam)[-1] is EventKind.MARKED_SPAM and EventKind.CLOSED not in kinds(spam)
    # Marking a merged-away (closed) inquiry as spam is still recorded as that action.
    workflow.mark_spam(agent, source.id)
    assert kinds(source)[-2:] == [EventKind.MERGED, EventKind.MARKED_SPAM]


def test_no_move_back_to_new_nor_a_kind_that_does_not_fit(app, make_inquiry):
    inquiry = make_inquiry()
    with transaction() as session:
        mine = session.get_one(Inquiry, inquiry.id)
        with pytest.raises(ValueError):
            change_status(session, mine, Status.NEW, at=utcnow())
        with pytest.raises(ValueError):
            change_status(session, mine, Status.OPEN, at=utcnow(), kind=EventKind.MERGED)
        assert change_status(session, mine, Status.OPEN, at=utcnow()) is True
        assert change_status(session, mine, Status.OPEN, at=utcnow()) is False


def test_classifying_writes_classified_not_a_status_change(people, make_inquiry):
    inquiry = make_inquiry()
    workflow.classify(people["agent"], inquiry.id, priority=Priority.HIGH, category_id=None,
                      language="nb")
    assert kinds(inquiry)[-1] is EventKind.CLASSIFIED
    assert fresh(inquiry).status is Status.NEW  # classifying is not taking it up


# --- history ------------------------------------------------------------------------------

def test_history_reads_old_status_changed_events_by_what_they_hold(app: Flask, make_inquiry):
    inquiry = make_inquiry()
    old = [Event(inquiry_id=inquiry.id, kind=EventKind.STATUS_CHANGED, data=data)
           for data in ({"status": "open", "reason": "citizen wrote"},
                        {"priority": "high", "previous": "normal"})]
    with app.test_request_context(), force_locale("en"):
        assert event_label(old[0]) == "Status set to Open"
        assert event_label(old[1]) == "Priority, category or language set"
        for kind in (EventKind.OPENED, EventKind.SET_WAITING, EventKind.RESUMED,
                     EventKind.CLOSED, EventKind.CLASSIFIED):
            assert event_label(Event(kind=kind, data={}))


# --- migration -----------------------------------------------------------------------------

def test_migration_pauses_inquiries_already_waiting_and_downgrades(people, make_inquiry):
    waiting = make_inquiry(sender_address="a@example.no")
    workflow.reply(people["agent"], waiting.id, "Hvilken adresse?", then=Status.WAITING)
    other = make_inquiry(sender_address="b@example.no")
    db.session.commit()
    try:
        downgrade(revision="0012")
        columns = {c["name"] for c in inspect(db.engine).get_columns("inquiries")}
        assert "paused_at" not in columns and "paused_seconds" not in columns
    finally:
        upgrade()
    db.session.expire_all()
    before = utcnow()
    assert fresh(waiting).paused_at is not None and fresh(waiting).paused_at <= before
    assert fresh(waiting).paused_seconds == 0
    assert fresh(other).paused_at is None
