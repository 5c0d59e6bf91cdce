"""SLA due times on inquiries: set by the services, shown and sorted by the queue."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from desk import phone, queries, sla, workflow
from desk.admin import schedule
from desk.admin.schedule import Targets
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
    SlaTarget,
    Status,
    utcnow,
)
from desk.web.due import DueState, due_label, when
from tests.conftest import inbound

OSLO = ZoneInfo("Europe/Oslo")
# A Monday at 10:00 in Oslo, inside the default opening hours (08:00-15:30).
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=OSLO).astimezone(UTC)


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO)


@pytest.fixture
def people(make_user):
    return {
        "agent": make_user("agent", Role.AGENT),
        "admin": make_user("admin", Role.ADMIN),
        "leader": make_user("leader", Role.UNIT_LEADER, units=("byggesak",)),
    }


def channel_id(name: str) -> int:
    return db.session.scalar(select(Channel.id).where(Channel.name == name))


@pytest.fixture
def targets(people):
    """E-mail and phone have targets; Telegram has none."""
    for name in ("post", "phone"):
        schedule.set_sla_targets(people["admin"], channel_id(name), {
            Priority.NORMAL: Targets(first_response=60, resolution=600),
            Priority.URGENT: Targets(first_response=30, resolution=120),
            Priority.LOW: Targets(first_response=None, resolution=900),
        })


def fresh(inquiry: Inquiry) -> Inquiry:
    db.session.expire_all()
    return db.session.get(Inquiry, inquiry.id)


# --- the services keep due_at ------------------------------------------------------------

def test_a_new_inquiry_is_due_by_the_first_response_target(targets, make_inquiry):
    inquiry = make_inquiry(received_at=MONDAY_10)
    assert inquiry.due_at == oslo(2026, 11, 23, 11, 0)
    chat = make_inquiry(channel="telegram", sender_address="42", received_at=MONDAY_10)
    assert chat.due_at is None  # no target on the channel


def test_no_targets_no_due_time(people, make_inquiry):
    assert make_inquiry(received_at=MONDAY_10).due_at is None


def test_the_first_reply_moves_to_the_resolution_target(people, targets, make_inquiry):
    inquiry = make_inquiry(received_at=MONDAY_10)
    workflow.reply(people["agent"], inquiry.id, "Vi ser på det.", then=Status.WAITING,
                   now=MONDAY_10 + timedelta(minutes=20))
    # 600 minutes from Monday 10:00: 330 on Monday, 270 from Tuesday 08:00.
    inquiry = fresh(inquiry)
    assert inquiry.due_at == oslo(2026, 11, 24, 12, 30)
    assert inquiry.status is Status.WAITING  # the due time stays; the queue shows it paused
    workflow.reply(people["agent"], inquiry.id, "Mer.", now=MONDAY_10 + timedelta(hours=1))
    assert fresh(inquiry).due_at == oslo(2026, 11, 24, 12, 30)


def test_a_new_priority_takes_its_target(people, targets, make_inquiry):
    inquiry = make_inquiry(received_at=MONDAY_10)
    workflow.classify(people["agent"], inquiry.id, priority=Priority.URGENT, category_id=None,
                      language="nb")
    assert fresh(inquiry).due_at == oslo(2026, 11, 23, 10, 30)
    # Without a first-response target the resolution target applies from the start.
    workflow.classify(people["agent"], inquiry.id, priority=Priority.LOW, category_id=None,
                      language="nb")
    assert fresh(inquiry).due_at == oslo(2026, 11, 25, 10, 0)  # 900 minutes: two days
    workflow.classify(people["agent"], inquiry.id, priority=Priority.HIGH, category_id=None,
                      language="nb")
    assert fresh(inquiry).due_at is None  # no target for high on this channel


def test_resolving_clears_and_reopening_restarts_the_clock(people, targets, make_inquiry):
    received = utcnow() - timedelta(days=3)
    inquiry = make_inquiry(received_at=received)
    workflow.reply(people["agent"], inquiry.id, "Svar.", then=Status.RESOLVED,
                   now=received + timedelta(minutes=5))
    assert fresh(inquiry).due_at is None
    workflow.reopen(people["agent"], inquiry.id)
    reopened = db.session.scalar(select(Event.at).where(
        Event.inquiry_id == inquiry.id, Event.kind == EventKind.REOPENED))
    assert fresh(inquiry).due_at == sla.due_at(reopened, 600)  # answered: resolution target
    workflow.resolve(people["agent"], inquiry.id)
    assert fresh(inquiry).due_at is None
    # The citizen writing again reopens it, and the clock starts from their mail.
    wrote = utcnow()
    first = db.session.scalar(select(Message.external_id).where(
        Message.inquiry_id == inquiry.id, Message.direction == Direction.INBOUND))
    ingest(inbound(in_reply_to=first), now=wrote)
    assert fresh(inquiry).status is Status.OPEN
    assert fresh(inquiry).due_at == sla.due_at(wrote, 600)


def test_spam_and_merge_clear_and_split_sets_a_due_time(people, targets, make_inquiry):
    spam = make_inquiry(received_at=MONDAY_10)
    workflow.mark_spam(people["agent"], spam.id)
    assert fresh(spam).due_at is None
    source = make_inquiry(sender_address="a@example.no", received_at=MONDAY_10)
    target = make_inquiry(sender_address="b@example.no", received_at=MONDAY_10)
    workflow.merge(people["agent"], source.id, target.reference)
    assert fresh(source).due_at is None and fresh(target).due_at is not None
    first = make_inquiry(sender_address="c@example.no", received_at=MONDAY_10)
    ingest(inbound(sender_address="c@example.no", subject=f"Re: [{first.reference}] Vann",
                   received_at=MONDAY_10 + timedelta(minutes=30)))
    message_id = db.session.scalar(select(Message.id).where(
        Message.inquiry_id == first.id, Message.direction == Direction.INBOUND)
        .order_by(Message.id.desc()))
    new = workflow.split(people["agent"], first.id, message_id)
    assert fresh(new).due_at == oslo(2026, 11, 23, 11, 30)  # from the split message's time


def test_phone_registration_through_ingest(people, targets):
    left_open = phone.register(people["agent"], phone.Registration(
        channel="phone", topic="Ring tilbake", said="Om byggesak",
        outcome=phone.Outcome.OPEN))
    assert db.session.get(Inquiry, left_open).due_at is not None
    resolved = phone.register(people["agent"], phone.Registration(
        channel="phone", topic="Åpningstider", said="Når?", answer="Kl. 8."))
    assert db.session.get(Inquiry, resolved).due_at is None


def test_the_admins_opening_hours_beat_the_config(people, targets, make_inquiry):
    schedule.set_opening_hours(people["admin"], {0: "10:00-10:30"})  # Mondays
    inquiry = make_inquiry(received_at=MONDAY_10)
    assert inquiry.due_at == oslo(2026, 11, 24, 8, 30)  # 30 on Monday, 30 on Tuesday



def test_another_process_changing_the_targets_is_followed_within_the_schedule_time(
        people, targets, make_inquiry, monkeypatch):
    assert make_inquiry(received_at=MONDAY_10).due_at == oslo(2026, 11, 23, 11, 0)
    # The admin page of another process writes new targets: this process still has its copy.
    row = db.session.scalar(select(SlaTarget).where(
        SlaTarget.channel_id == channel_id("post"), SlaTarget.priority == Priority.NORMAL))
    row.first_response_minutes = 120
    db.session.commit()
    assert make_inquiry(received_at=MONDAY_10).due_at == oslo(2026, 11, 23, 11, 0)
    # Once the copy is older than SCHEDULE_SECONDS, the new target applies.
    monkeypatch.setattr(schedule, "SCHEDULE_SECONDS", -1.0)
    assert make_inquiry(received_at=MONDAY_10).due_at == oslo(2026, 11, 23, 12, 0)


# --- the queue -----------------------------------------------------------------------------

def refs(user, **query) -> list[str]:
    return [i.reference for i in queries.queue_page(user, queries.QueueQuery(**query)).inquiries]


def all_pages(user, limit: int, **query) -> list[str]:
    seen, cursor = [], None
    while True:
        page = queries.queue_page(user, queries.QueueQuery(**query), cursor, limit=limit)
        seen += [i.reference for i in page.inquiries]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def test_due_today_view_holds_the_overdue_and_todays_not_the_paused(people, targets,
                                                                   make_inquiry):
    agent = people["agent"]
    now = utcnow()
    overdue = make_inquiry(sender_address="a@example.no", received_at=now - timedelta(days=10))
    later = make_inquiry(sender_address="b@example.no", received_at=now)
    workflow.classify(agent, later.id, priority=Priority.LOW, category_id=None, language="nb")
    paused = make_inquiry(sender_address="c@example.no", received_at=now - timedelta(days=9))
    workflow.reply(agent, paused.id, "Trenger mer info.", then=Status.WAITING,
                   now=now - timedelta(days=9))
    make_inquiry(channel="telegram", sender_address="42", received_at=now)  # no due time
    resolved = make_inquiry(sender_address="d@example.no", received_at=now - timedelta(days=8))
    workflow.resolve(agent, resolved.id)
    end_of_today = datetime.combine(now.astimezone(OSLO).date() + timedelta(days=1),
                                    datetime.min.time(), tzinfo=OSLO)
    assert fresh(later).due_at >= end_of_today  # 900 minutes of opening hours is 2 days
    assert refs(agent, view="due") == [overdue.reference]
    assert queries.QueueQuery(view="due").sort_name == "due"


def test_due_sort_soonest_first_nulls_last_across_pages(people, targets, make_inquiry):
    agent = people["agent"]
    late = make_inquiry(sender_address="a@example.no", received_at=MONDAY_10 + timedelta(hours=2))
    soon = make_inquiry(sender_address="b@example.no", received_at=MONDAY_10)
    none_1 = make_inquiry(channel="telegram", sender_address="41", received_at=MONDAY_10)
    middle = make_inquiry(sender_address="c@example.no", received_at=MONDAY_10 + timedelta(hours=1))
    none_2 = make_inquiry(channel="telegram", sender_address="42", received_at=MONDAY_10)
    wanted = [soon.reference, middle.reference, late.reference, none_1.reference,
              none_2.reference]
    assert refs(agent, sort="due") == wanted
    for limit in (1, 2, 3):
        assert all_pages(agent, limit, sort="due") == wanted
    # The unit leader's scope and the filters hold across the segments too.
    assert all_pages(agent, 1, sort="due", channel=channel_id("telegram")) == wanted[3:]
    assert all_pages(people["leader"], 1, sort="due") == []


def test_priority_sort_urgent_first_newest_within_across_pages(people, make_inquiry):
    agent = people["agent"]
    made = {}
    for n, priority in enumerate((Priority.NORMAL, Priority.LOW, Priority.URGENT,
                                  Priority.NORMAL, Priority.HIGH)):
        inquiry = make_inquiry(sender_address=f"p{n}@example.no",
                               received_at=MONDAY_10 + timedelta(minutes=n))
        workflow.classify(agent, inquiry.id, priority=priority, category_id=None, language="nb")
        made[n] = inquiry.reference
    wanted = [made[2], made[4], made[3], made[0], made[1]]
    assert refs(agent, sort="priority") == wanted
    for limit in (1, 2, 4):
        assert all_pages(agent, limit, sort="priority") == wanted
    assert all_pages(agent, 1, sort="priority", priority=Priority.NORMAL) == [made[3], made[0]]


def test_a_cursor_that_names_no_position_of_the_sort_starts_over(people, targets,
                                                                 make_inquiry):
    import base64

    agent = people["agent"]
    for n in range(3):
        make_inquiry(sender_address=f"p{n}@example.no", received_at=MONDAY_10)
    query = queries.QueueQuery(sort="due")
    first = queries.queue_page(agent, query, limit=1).inquiries
    for raw in ("nonsense", "9||1", "1|2026-11-23T10:00:00+00:00|1", "0|2026-11-23T10:00:00|1"):
        cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
        assert queries.queue_page(agent, query, cursor, limit=1).inquiries == first, raw


# --- how it reads ---------------------------------------------------------------------------

def test_due_label_states_and_words(app: Flask, people, targets, make_inquiry):
    inquiry = make_inquiry(received_at=MONDAY_10)  # due Monday 11:00
    with app.test_request_context():
        assert due_label(inquiry, MONDAY_10).state is DueState.SOON  # in an hour exactly
        soon = due_label(inquiry, MONDAY_10 + timedelta(minutes=50))
        assert soon.state is DueState.SOON and soon.word == "Innen en time"
        later = due_label(inquiry, MONDAY_10 - timedelta(minutes=1))
        assert later.state is DueState.LATER and later.word == ""
        overdue = due_label(inquiry, MONDAY_10 + timedelta(hours=2))
        assert overdue.state is DueState.OVERDUE and overdue.word == "Forfalt"
        assert overdue.when == "i dag 11:00"
        inquiry.status = Status.WAITING
        assert due_label(inquiry, MONDAY_10 + timedelta(hours=2)).state is DueState.PAUSED
        inquiry.status = Status.RESOLVED
        assert due_label(inquiry, MONDAY_10) is None


@pytest.mark.parametrize(("moment", "words"), [
    (oslo(2026, 11, 23, 14, 30), "i dag 14:30"),
    (oslo(2026, 11, 24, 9, 0), "i morgen 09:00"),
    (oslo(2026, 11, 22, 9, 0), "i går 09:00"),
    (oslo(2026, 11, 27, 9, 0), "fredag 09:00"),
    (oslo(2026, 12, 7, 9, 0), "07.12.2026, 09:00"),
])
def test_when_in_words(app: Flask, moment: datetime, words: str) -> None:
    with app.test_request_context():
        assert when(moment.astimezone(UTC), MONDAY_10) == words


def test_queue_and_inquiry_page_show_the_due_time_as_text(client, auth, people, targets,
                                                          make_inquiry):
    overdue = make_inquiry(received_at=utcnow() - timedelta(days=10))
    auth.login("agent")
    page = client.get("/").get_data(as_text=True)
    assert "<th scope=\"col\">Frist</th>" in page
    assert 'class="due due-overdue"' in page and "Forfalt" in page
    page = client.get("/?view=due").get_data(as_text=True)
    assert overdue.reference in page
    assert '<option value="due" selected>' in page  # the due view sorts by due time
    page = client.get("/?sort=priority").get_data(as_text=True)
    assert '<option value="priority" selected>' in page
    detail = client.get(f"/inquiries/{overdue.id}").get_data(as_text=True)
    assert "<dt>Frist</dt>" in detail and "Forfalt" in detail


@pytest.mark.parametrize(("locale", "words"), [("nn", "i morgon 09:00"),
                                               ("en", "tomorrow 09:00")])
def test_when_in_nynorsk_and_english(app: Flask, locale: str, words: str) -> None:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(locale):
        assert when(oslo(2026, 11, 24, 9, 0).astimezone(UTC), MONDAY_10) == words
