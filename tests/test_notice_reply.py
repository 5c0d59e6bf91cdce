"""A unit answering the routing notice by e-mail: the unit's word to the front desk,
kept on the inquiry as an internal note, never taken for the citizen writing."""

import pytest
from sqlalchemy import func, select

from desk import workflow
from desk.extensions import db
from desk.ingest import Outcome, ingest
from desk.models import (
    Contact,
    Direction,
    Event,
    EventKind,
    Inquiry,
    Message,
    OutboxItem,
    Role,
    Status,
    Unit,
)
from tests.conftest import inbound


@pytest.fixture
def routed(make_user, make_inquiry):
    """An inquiry routed to byggesak, whose leader has a known e-mail address."""
    agent = make_user("agent", Role.AGENT)
    leader = make_user("leader", Role.UNIT_LEADER, units=("byggesak",))
    leader.email = "Leder@Kommune.example"
    unit = db.session.scalar(select(Unit).where(Unit.slug == "byggesak"))
    unit.email = "byggesak@kommune.example"
    db.session.commit()
    inquiry = make_inquiry()
    workflow.route_to_unit(agent, inquiry.id, unit.id, "Kan dere ta denne?")
    notice = db.session.scalar(select(Message).where(
        Message.inquiry_id == inquiry.id, Message.direction == Direction.NOTIFICATION))
    return inquiry, notice, leader


def counts() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(Contact.id))),
            db.session.scalar(select(func.count(OutboxItem.id))),
            db.session.scalar(select(func.count(Message.id)).where(
                Message.direction == Direction.INBOUND)))


def test_a_reply_to_the_notice_is_an_internal_note_by_the_unit(routed):
    inquiry, notice, leader = routed
    status = inquiry.status
    before = counts()
    result = ingest(inbound(sender_address="leder@kommune.example", sender_name="Lea Leder",
                            subject=f"SV: {notice.subject}", text="Vi tar den, svarer i dag.",
                            in_reply_to=notice.external_id, references=(notice.external_id,)))
    assert result.outcome is Outcome.THREADED and result.inquiry_id == inquiry.id
    assert not result.receipt_queued
    note = db.session.get(Message, result.message_id)
    assert note.direction is Direction.NOTE and note.author_id == leader.id
    assert note.contact_id is None and note.text == "Vi tar den, svarer i dag."
    # No contact for the staff address, no receipt, no citizen message, status as it was.
    assert counts() == before
    assert db.session.get(Inquiry, inquiry.id).status is status
    event = db.session.scalar(select(Event).where(
        Event.inquiry_id == inquiry.id).order_by(Event.id.desc()).limit(1))
    assert event.kind is EventKind.NOTE_ADDED and event.data.get("by_mail") is True
    # Fetched again: stored once.
    again = ingest(inbound(external_id=note.external_id, in_reply_to=notice.external_id))
    assert again.outcome is Outcome.DUPLICATE


def test_an_out_of_office_reply_from_the_unit_mailbox_does_not_reopen(
    routed, make_user, client, auth
):
    inquiry, notice, _leader = routed
    workflow.resolve(make_user("agent2", Role.AGENT), inquiry.id)
    before = counts()
    away = ingest(inbound(sender_address="byggesak@kommune.example", sender_name="",
                          subject="Fravær",
                          text="Jeg er borte til mandag.", in_reply_to=notice.external_id,
                          headers=(("auto-submitted", "auto-replied"),)))
    note = db.session.get(Message, away.message_id)
    assert note.direction is Direction.NOTE and note.author_id is None and note.automatic
    assert note.address == "byggesak@kommune.example"
    assert counts() == before
    assert db.session.get(Inquiry, inquiry.id).status is Status.RESOLVED
    auth.login("agent")
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "byggesak@kommune.example · via e-post" in page
