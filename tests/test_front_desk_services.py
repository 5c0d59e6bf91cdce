"""The front desk's services: each checks permission, does one thing, writes its event."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from desk import phone, presence, queries, workflow
from desk.access import NotVisible
from desk.errors import ServiceError
from desk.extensions import db
from desk.models import (
    Category,
    Direction,
    Event,
    EventKind,
    Inquiry,
    Message,
    OutboxItem,
    Priority,
    Role,
    StandardReply,
    Status,
    Unit,
    utcnow,
)
from desk.standard_replies import fill
from tests.conftest import inbound


@pytest.fixture
def people(make_user):
    people = {
        "agent": make_user("agent", Role.AGENT),
        "agent2": make_user("agent2", Role.AGENT),
        "leader": make_user("leader", Role.UNIT_LEADER, units=("byggesak",)),
        "member": make_user("member", Role.UNIT_MEMBER, units=("byggesak",)),
        "other": make_user("skoleleder", Role.UNIT_LEADER, units=("skole",)),
    }
    unit = db.session.scalar(select(Unit).where(Unit.slug == "byggesak"))
    unit.email = "byggesak@kommune.example"
    db.session.commit()
    return people


def kinds(inquiry_id: int) -> list[EventKind]:
    return list(db.session.scalars(
        select(Event.kind).where(Event.inquiry_id == inquiry_id).order_by(Event.id)))


def unit_id(slug: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.slug == slug))


def test_routing_queues_a_notice_to_the_unit_without_the_identity_number(people, make_inquiry):
    inquiry = make_inquiry(subject="Byggesøknad 15028045686", text="Fnr 15028045686")
    workflow.route_to_unit(people["agent"], inquiry.id, unit_id("byggesak"), "Gjelder 15028045686")

    notice = db.session.scalar(select(Message).where(
        Message.inquiry_id == inquiry.id, Message.direction == Direction.NOTIFICATION))
    assert notice.address == "byggesak@kommune.example" and notice.contact_id is None
    assert "15028045686" not in notice.subject + notice.text
    assert f"/inquiries/{inquiry.id}" in notice.text and inquiry.reference in notice.subject
    assert db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == notice.id))
    assert kinds(inquiry.id)[-2:] == [EventKind.ROUTED, EventKind.UNIT_NOTIFIED]


def test_notice_is_sent_by_the_worker_outside_the_citizens_thread(app, people, make_inquiry):
    from desk.outbox import _outbound_for, dispatch_due

    inquiry = make_inquiry()
    workflow.route_to_unit(people["agent"], inquiry.id, unit_id("byggesak"))
    notice = db.session.scalar(select(Message).where(Message.direction == Direction.NOTIFICATION))
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == notice.id))
    outbound, _channel = _outbound_for(item.id)
    assert outbound.recipient == "byggesak@kommune.example"
    assert outbound.in_reply_to is None and outbound.references == () and outbound.automatic
    dispatch_due("w1")
    db.session.refresh(notice)
    assert notice.send_state.value == "sent"
    # A later answer to the citizen does not refer to the internal notice.
    workflow.reply(people["agent"], inquiry.id, "Svar")
    answer = db.session.scalar(select(Message).where(Message.direction == Direction.OUTBOUND,
                                                     Message.author_id.is_not(None)))
    answer_item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == answer.id))
    assert notice.external_id not in _outbound_for(answer_item.id)[0].references


def test_unit_without_mailbox_gets_no_notice(people, make_inquiry):
    inquiry = make_inquiry()
    workflow.route_to_unit(people["agent"], inquiry.id, unit_id("skole"))
    assert EventKind.UNIT_NOTIFIED not in kinds(inquiry.id)


def test_leader_accepts_and_assigns_to_a_member(people, make_inquiry):
    inquiry = make_inquiry()
    workflow.route_to_unit(people["agent"], inquiry.id, unit_id("byggesak"))
    workflow.accept(people["leader"], inquiry.id)
    workflow.assign(people["leader"], inquiry.id, people["member"].id)
    db.session.refresh(inquiry)
    assert inquiry.assignee_id == people["member"].id
    assert kinds(inquiry.id)[-2:] == [EventKind.ACCEPTED, EventKind.ASSIGNED]
    with pytest.raises(ServiceError):
        workflow.assign(people["leader"], inquiry.id, people["other"].id)
    with pytest.raises(NotVisible):
        workflow.accept(people["other"], inquiry.id)


def test_classify_writes_one_event_with_what_changed(people, make_inquiry):
    inquiry = make_inquiry()
    db.session.add(Category(slug="avfall", name="Avfall"))
    db.session.commit()
    category = db.session.scalar(select(Category.id))
    workflow.classify(people["agent"], inquiry.id, priority=Priority.HIGH,
                      category_id=category, language="nn")
    db.session.refresh(inquiry)
    assert (inquiry.priority, inquiry.category_id, inquiry.language) == (
        Priority.HIGH, category, "nn")
    event = db.session.scalar(select(Event).where(Event.inquiry_id == inquiry.id)
                              .order_by(Event.id.desc()))
    assert event.kind is EventKind.CLASSIFIED and event.data["language"] == "nn"
    with pytest.raises(ServiceError):
        workflow.classify(people["agent"], inquiry.id, priority=Priority.LOW,
                          category_id=999, language="nb")


def test_merge_moves_messages_and_closes_the_source(people, make_inquiry):
    target = make_inquiry(subject="Første")
    source = make_inquiry(sender_address="annen@example.no", subject="Andre")
    workflow.merge(people["agent"], source.id, target.reference)
    db.session.refresh(source)
    assert source.status is Status.CLOSED and source.linked_to_id == target.id
    subjects = db.session.scalars(select(Message.subject).where(
        Message.inquiry_id == target.id, Message.direction == Direction.INBOUND)).all()
    assert sorted(subjects) == ["Andre", "Første"]
    assert EventKind.MERGED in kinds(source.id) and EventKind.MERGED_IN in kinds(target.id)
    with pytest.raises(ServiceError):
        workflow.merge(people["agent"], target.id, target.reference)


def test_unit_leader_cannot_merge_into_another_units_inquiry(people, make_inquiry):
    mine = make_inquiry()
    theirs = make_inquiry(sender_address="annen@example.no")
    workflow.route_to_unit(people["agent"], mine.id, unit_id("byggesak"))
    workflow.route_to_unit(people["agent"], theirs.id, unit_id("skole"))
    with pytest.raises(ServiceError):
        workflow.merge(people["leader"], mine.id, theirs.reference)
    assert db.session.get(Inquiry, theirs.id).status is not Status.CLOSED


def test_split_moves_one_message_to_a_new_inquiry(people, make_inquiry):
    from desk.ingest import ingest

    inquiry = make_inquiry(subject="Vann")
    ingest(inbound(subject=f"Re: [{inquiry.reference}] Vann", text="Og en ting til om vei"))
    second = db.session.scalar(select(Message).where(
        Message.inquiry_id == inquiry.id, Message.direction == Direction.INBOUND)
        .order_by(Message.id.desc()))
    new = workflow.split(people["agent"], inquiry.id, second.id)
    db.session.refresh(second)
    assert second.inquiry_id == new.id and new.reference != inquiry.reference
    assert EventKind.SPLIT in kinds(inquiry.id) and kinds(new.id) == [EventKind.CREATED]
    first = db.session.scalar(select(Message).where(Message.inquiry_id == inquiry.id,
                                                    Message.direction == Direction.INBOUND))
    with pytest.raises(ServiceError):  # the last message from the citizen stays
        workflow.split(people["agent"], inquiry.id, first.id)


def test_spam_closes_and_leaves_the_queue(people, make_inquiry):
    inquiry = make_inquiry()
    workflow.mark_spam(people["agent"], inquiry.id)
    db.session.refresh(inquiry)
    assert inquiry.spam and inquiry.status is Status.CLOSED
    assert kinds(inquiry.id)[-1] is EventKind.MARKED_SPAM
    assert inquiry not in queries.queue_page(people["agent"]).inquiries


def test_phone_call_resolved_on_the_spot_is_first_line(people):
    inquiry_id = phone.register(people["agent"], phone.Registration(
        channel="phone", topic="Åpningstider", said="Når er bassenget åpent?",
        name="Kari", phone="+47 912 34 567", email="kari@example.no",
        answer="Fra 07 til 21."))
    inquiry = db.session.get(Inquiry, inquiry_id)
    assert inquiry.status is Status.RESOLVED and inquiry.channel.name == "phone"
    assert inquiry.assignee_id == people["agent"].id and inquiry.first_response_at
    resolved = db.session.scalar(select(Event).where(Event.inquiry_id == inquiry_id,
                                                     Event.kind == EventKind.RESOLVED))
    assert resolved.data == {"first_line": True}
    assert {i.kind.value for i in inquiry.contact.identities} == {"phone", "email"}
    assert kinds(inquiry_id)[0] is EventKind.CREATED  # came in through ingest
    assert not db.session.scalar(select(OutboxItem.id))  # nothing is sent to a caller


def test_walk_in_routed_and_anonymous_callers_stay_apart(people):
    first = phone.register(people["agent"], phone.Registration(
        channel="walkin", topic="Byggesak", said="Spør om nabovarsel",
        outcome=phone.Outcome.ROUTED, unit_id=unit_id("byggesak"), comment="Ring tilbake"))
    second = phone.register(people["agent"], phone.Registration(
        channel="walkin", topic="Noe annet", said="Anonym", outcome=phone.Outcome.OPEN))
    one, two = db.session.get(Inquiry, first), db.session.get(Inquiry, second)
    assert one.unit_id == unit_id("byggesak") and two.status is Status.OPEN
    assert one.contact_id != two.contact_id
    assert EventKind.ROUTED in kinds(first)


def test_unit_staff_cannot_register_calls(people):
    with pytest.raises(ServiceError):
        phone.register(people["leader"], phone.Registration(
            channel="phone", topic="x", said="y"))
    assert db.session.scalar(select(Inquiry.id)) is None


def test_presence_sees_the_other_and_their_typing(people, make_inquiry):
    inquiry = make_inquiry()
    assert presence.touch(people["agent"], inquiry.id) == []
    others = presence.touch(people["agent2"], inquiry.id, typing=True)
    assert [o.name for o in others] == ["Agent"]
    assert presence.touch(people["agent"], inquiry.id)[0].typing
    later = utcnow() + timedelta(minutes=5)
    assert presence.touch(people["agent"], inquiry.id, now=later) == []  # the other left
    with pytest.raises(NotVisible):
        presence.touch(people["leader"], inquiry.id)


def test_standard_reply_in_the_inquirys_language_with_placeholders(people, make_inquiry):
    reply = StandardReply(title="Takk", body_nb="Hei {citizen_name}, sak {reference}.",
                          body_nn="Hei {citizen_name}, sak {reference}. "
                                  "Helsing {agent_name}, {unit}",
                          body_en="")
    db.session.add(reply)
    db.session.commit()
    inquiry = make_inquiry()
    assert fill(reply, inquiry, people["agent"]) == f"Hei Ola Nordmann, sak {inquiry.reference}."
    inquiry.language = "nn"
    assert fill(reply, inquiry, people["agent"]).endswith("Helsing Agent, Innbyggerservice")
    inquiry.language = "en"  # empty English falls back to bokmål
    assert fill(reply, inquiry, people["agent"]).startswith("Hei Ola")
    assert queries.standard_replies("helsing") == [reply]
    assert queries.standard_replies("finnes ikke") == []


def test_search_finds_reference_contact_and_text_within_scope(people, make_inquiry):
    inquiry = make_inquiry(sender_address="per@example.no", sender_name="Per Hansen",
                           subject="Brøyting", text="Veien er ikke brøytet 100%")
    other = make_inquiry(sender_address="x@example.no", subject="Annet", text="noe")
    agent = people["agent"]
    assert queries.search(agent, inquiry.reference) == [inquiry]
    assert queries.search(agent, "hansen") == [inquiry]
    assert queries.search(agent, "PER@EXAMPLE") == [inquiry]
    assert queries.search(agent, "ikke brøytet") == [inquiry]
    assert queries.search(agent, "100%") == [inquiry]  # LIKE wildcards are literal
    assert other not in queries.search(agent, "brøyt")
    assert queries.search(people["leader"], "hansen") == []  # not routed to their unit


def test_queue_views_and_filters(people, make_inquiry):
    agent = people["agent"]
    email = make_inquiry(subject="E-post")
    chat = make_inquiry(channel="telegram", sender_address="42", external_id="42:1",
                        subject="Chat")
    workflow.route_to_unit(agent, chat.id, unit_id("byggesak"))
    workflow.claim(agent, email.id)

    def refs(**filters):
        return [i.reference for i in queries.queue_page(
            agent, queries.QueueQuery(**filters)).inquiries]

    assert refs(view="units") == [chat.reference]
    assert refs(view="mine") == [email.reference]
    assert refs(channel=email.channel_id) == [email.reference]
    assert refs(unit=queries.FRONT_DESK) == [email.reference]
    assert refs(unit=str(unit_id("byggesak"))) == [chat.reference]
    assert refs(assignee=queries.NOBODY) == [chat.reference]
    assert refs(view="due") == []  # no SLA targets set, so nothing is due (tests/test_sla_queue.py)
    assert refs(sort="oldest") == [email.reference, chat.reference]
    assert refs(priority=Priority.URGENT) == []
    today = utcnow().date()
    assert refs(since=today + timedelta(days=2)) == []
    assert len(refs(since=today - timedelta(days=1), until=today + timedelta(days=1))) == 2
    newest = queries.queue_page(agent).inquiries[0]
    assert queries.newer_than(agent, queries.QueueQuery(), newest.id) == []
    assert queries.newer_than(agent, queries.QueueQuery(), 0)[0].id == newest.id
    # A unit leader's queue is their unit's, whatever the filter asks for.
    leader = people["leader"]
    assert [i.id for i in queries.queue_page(leader, queries.QueueQuery(view="all")).inquiries] \
        == [chat.id]
    assert queries.queue_page(leader, queries.QueueQuery(unit=queries.FRONT_DESK)).inquiries == []
