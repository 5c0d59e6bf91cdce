"""Staff actions on an inquiry: one transaction, one event, one permission check each."""

import pytest
from flask import Flask
from sqlalchemy import func, select

from desk import workflow
from desk.access import NotVisible, PermissionDenied
from desk.errors import ServiceError
from desk.extensions import db
from desk.models import (
    Direction,
    Event,
    EventKind,
    Inquiry,
    Message,
    OutboxItem,
    Role,
    SendState,
    Status,
    Unit,
)


def events_of(inquiry: Inquiry) -> list[EventKind]:
    return list(db.session.scalars(
        select(Event.kind).where(Event.inquiry_id == inquiry.id).order_by(Event.id)))


def outbox_count() -> int:
    return db.session.scalar(select(func.count(OutboxItem.id)))


@pytest.fixture
def agent(make_user):
    return make_user("agent", Role.AGENT)


def test_reply_queues_exactly_one_outbox_item(app: Flask, agent, make_inquiry) -> None:
    inquiry = make_inquiry()
    before = outbox_count()

    message = workflow.reply(agent, inquiry.id, "Hei! Vi henter søppelet i morgen.",
                             then=Status.WAITING)

    assert outbox_count() == before + 1
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == message.id))
    assert item is not None and item.channel_id == inquiry.channel_id
    assert message.direction is Direction.OUTBOUND and message.send_state is SendState.QUEUED
    assert message.address == "ola@example.no"
    assert message.subject == "Re: Søppeltømming"
    db.session.refresh(inquiry)
    assert inquiry.status is Status.WAITING
    assert inquiry.first_response_at is not None
    assert events_of(inquiry)[-2:] == [EventKind.REPLIED, EventKind.SET_WAITING]


def test_reply_and_resolve(app: Flask, agent, make_inquiry) -> None:
    inquiry = make_inquiry()
    workflow.reply(agent, inquiry.id, "Ferdig.", then=Status.RESOLVED)
    db.session.refresh(inquiry)
    assert inquiry.status is Status.RESOLVED and inquiry.resolved_at is not None
    assert events_of(inquiry)[-2:] == [EventKind.REPLIED, EventKind.RESOLVED]


def test_empty_reply_is_refused_and_nothing_is_written(app: Flask, agent, make_inquiry) -> None:
    inquiry = make_inquiry()
    before = outbox_count()
    with pytest.raises(ServiceError):
        workflow.reply(agent, inquiry.id, "   ")
    assert outbox_count() == before


def test_route_and_return_write_events(app: Flask, agent, make_user, make_inquiry) -> None:
    leader = make_user("leder", Role.UNIT_LEADER, units=("byggesak",))
    unit = db.session.scalar(select(Unit).where(Unit.slug == "byggesak"))
    inquiry = make_inquiry()

    workflow.route_to_unit(agent, inquiry.id, unit.id, "Gjelder garasje")
    db.session.refresh(inquiry)
    assert inquiry.unit_id == unit.id and inquiry.status is Status.OPEN
    routed = db.session.scalar(select(Event).where(Event.kind == EventKind.ROUTED))
    assert routed.data == {"to_unit": unit.id, "comment": "Gjelder garasje"}
    assert routed.actor_id == agent.id and routed.unit_id == unit.id
    note = db.session.scalar(select(Message).where(Message.direction == Direction.NOTE))
    assert note.text == "Gjelder garasje"

    workflow.return_to_front_desk(leader, inquiry.id, "Ikke vår sak")
    db.session.refresh(inquiry)
    assert inquiry.unit_id is None and inquiry.assignee_id is None
    returned = db.session.scalar(select(Event).where(Event.kind == EventKind.RETURNED))
    assert returned.data == {"from_unit": unit.id, "comment": "Ikke vår sak"}
    assert returned.actor_id == leader.id


def test_routing_to_the_same_unit_twice_is_refused(app, agent, make_user, make_inquiry) -> None:
    make_user("leder", Role.UNIT_LEADER, units=("skole",))
    unit = db.session.scalar(select(Unit))
    inquiry = make_inquiry()
    workflow.route_to_unit(agent, inquiry.id, unit.id)
    with pytest.raises(ServiceError):
        workflow.route_to_unit(agent, inquiry.id, unit.id)


def test_unit_leader_cannot_touch_another_units_inquiry(app, agent, make_user,
                                                        make_inquiry) -> None:
    make_user("byggeleder", Role.UNIT_LEADER, units=("byggesak",))
    school_leader = make_user("skoleleder", Role.UNIT_LEADER, units=("skole",))
    bygg = db.session.scalar(select(Unit).where(Unit.slug == "byggesak"))
    inquiry = make_inquiry()
    workflow.route_to_unit(agent, inquiry.id, bygg.id)

    for action in (
        lambda: workflow.reply(school_leader, inquiry.id, "hei"),
        lambda: workflow.add_note(school_leader, inquiry.id, "notat"),
        lambda: workflow.claim(school_leader, inquiry.id),
        lambda: workflow.resolve(school_leader, inquiry.id),
        lambda: workflow.return_to_front_desk(school_leader, inquiry.id),
    ):
        with pytest.raises(NotVisible):
            action()
    assert events_of(inquiry) == [EventKind.CREATED, EventKind.RECEIPT_QUEUED, EventKind.OPENED,
                                  EventKind.ROUTED]


def test_unit_leader_cannot_see_front_desk_inquiries(app, make_user, make_inquiry) -> None:
    leader = make_user("byggeleder", Role.UNIT_LEADER, units=("byggesak",))
    inquiry = make_inquiry()
    with pytest.raises(NotVisible):
        workflow.claim(leader, inquiry.id)


def test_leader_accepts_assigns_and_answers(app, agent, make_user, make_inquiry) -> None:
    leader = make_user("leder", Role.UNIT_LEADER, units=("byggesak",))
    member = make_user("saksbehandler", Role.UNIT_MEMBER, units=("byggesak",))
    outsider = make_user("annen", Role.UNIT_MEMBER, units=("skole",))
    bygg = db.session.scalar(select(Unit).where(Unit.slug == "byggesak"))
    inquiry = make_inquiry()
    workflow.route_to_unit(agent, inquiry.id, bygg.id)

    workflow.claim(leader, inquiry.id)
    with pytest.raises(ServiceError):
        workflow.assign(leader, inquiry.id, outsider.id)
    workflow.assign(leader, inquiry.id, member.id)
    workflow.reply(member, inquiry.id, "Svar fra byggesak")
    workflow.resolve(member, inquiry.id)

    db.session.refresh(inquiry)
    assert inquiry.assignee_id == member.id and inquiry.status is Status.RESOLVED
    assert events_of(inquiry)[-4:] == [EventKind.CLAIMED, EventKind.ASSIGNED,
                                       EventKind.REPLIED, EventKind.RESOLVED]


def test_member_may_not_route_and_supervisor_may_only_look(app, agent, make_user,
                                                           make_inquiry) -> None:
    member = make_user("saksbehandler", Role.UNIT_MEMBER, units=("byggesak",))
    supervisor = make_user("sjef", Role.SUPERVISOR)
    bygg = db.session.scalar(select(Unit))
    inquiry = make_inquiry()
    workflow.route_to_unit(agent, inquiry.id, bygg.id)

    with pytest.raises(PermissionDenied):
        workflow.return_to_front_desk(member, inquiry.id)
    with pytest.raises(PermissionDenied):
        workflow.reply(supervisor, inquiry.id, "hei")


def test_resolve_and_reopen(app, agent, make_inquiry) -> None:
    inquiry = make_inquiry()
    workflow.resolve(agent, inquiry.id)
    with pytest.raises(ServiceError):
        workflow.resolve(agent, inquiry.id)
    workflow.reopen(agent, inquiry.id)
    db.session.refresh(inquiry)
    assert inquiry.status is Status.OPEN and inquiry.resolved_at is None
    assert events_of(inquiry)[-2:] == [EventKind.RESOLVED, EventKind.REOPENED]


def test_phone_answer_is_recorded_not_sent(app, agent, make_inquiry) -> None:
    inquiry = make_inquiry(channel="phone", sender_address="+47 912 34 567", subject="Telefon")
    before = outbox_count()
    message = workflow.reply(agent, inquiry.id, "Forklarte åpningstidene på telefon.",
                             then=Status.RESOLVED)
    assert outbox_count() == before
    assert message.send_state is SendState.SENT


def test_events_cannot_be_changed(app, make_inquiry) -> None:
    make_inquiry()
    event = db.session.scalar(select(Event))
    event.data = {"tampered": True}
    with pytest.raises(RuntimeError, match="immutable"):
        db.session.commit()
    db.session.rollback()
