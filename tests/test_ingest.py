"""desk.ingest: the one door in."""

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from connectors.base import Attachment
from desk.database import is_postgres
from desk.errors import UnknownChannel
from desk.extensions import db
from desk.ingest import Outcome, ingest
from desk.models import (
    Contact,
    ContactIdentity,
    Direction,
    Event,
    EventKind,
    Inquiry,
    Message,
    MessageAttachment,
    MessageSource,
    OutboxItem,
    Status,
    Verdict,
    utcnow,
)
from tests.conftest import at_once, inbound


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_new_message_creates_inquiry_contact_events_and_receipt(app: Flask) -> None:
    result = ingest(inbound(sender_address="Kari@Example.no", sender_name="Kari"))

    assert result.outcome is Outcome.CREATED
    inquiry = db.session.get(Inquiry, result.inquiry_id)
    assert inquiry.status is Status.NEW and inquiry.unit_id is None
    assert inquiry.reference == result.reference
    assert inquiry.reference.endswith("-000001")
    assert inquiry.contact.identities[0].value == "kari@example.no"
    kinds = [e.kind for e in db.session.scalars(select(Event).order_by(Event.id))]
    assert kinds == [EventKind.CREATED, EventKind.RECEIPT_QUEUED]
    assert result.receipt_queued
    receipt = db.session.scalar(select(Message).where(Message.automatic.is_(True)))
    assert receipt.address == "kari@example.no"
    assert inquiry.reference in receipt.text
    assert count(OutboxItem) == 1


def test_the_same_message_twice_is_stored_once(app: Flask) -> None:
    msg = inbound()
    first = ingest(msg)
    second = ingest(msg)

    assert first.outcome is Outcome.CREATED
    assert second.outcome is Outcome.DUPLICATE
    assert second.message_id == first.message_id
    assert count(Message, Message.direction == "inbound") == 1
    assert count(Inquiry) == 1
    assert count(OutboxItem) == 1  # no second receipt either


def test_concurrent_ingest_of_one_message_keeps_one(app: Flask) -> None:
    """Workers racing on one message: the unique key lets exactly one win."""
    msg = inbound()
    results = at_once(app, lambda m: ingest(m).outcome, [msg] * 4)

    assert sorted(results) == sorted([Outcome.CREATED] + [Outcome.DUPLICATE] * 3)
    assert count(Message, Message.direction == "inbound") == 1


def test_same_external_id_on_another_channel_is_another_message(app: Flask) -> None:
    ingest(inbound(external_id="42"))
    result = ingest(inbound(channel="telegram", external_id="42", sender_address="777"))
    assert result.outcome is Outcome.CREATED


def test_unknown_channel_is_a_clear_error(app: Flask) -> None:
    with pytest.raises(UnknownChannel, match="nope"):
        ingest(inbound(channel="nope"))


def test_reply_by_headers_threads_onto_the_inquiry(app: Flask) -> None:
    first = ingest(inbound(external_id="a@citizen.example"))
    receipt_id = db.session.scalar(select(Message.external_id).where(Message.automatic))

    by_our_id = ingest(inbound(in_reply_to=receipt_id, subject="Re: noe annet"))
    by_theirs = ingest(inbound(references=("a@citizen.example",), subject="Fwd"))

    assert by_our_id.outcome is Outcome.THREADED
    assert by_our_id.inquiry_id == first.inquiry_id
    assert by_theirs.inquiry_id == first.inquiry_id
    assert count(Inquiry) == 1
    assert count(OutboxItem) == 1  # a follow-up gets no new receipt


def test_subject_reference_from_the_contact_threads(app: Flask) -> None:
    first = ingest(inbound())
    again = ingest(inbound(subject=f"Sv: [{first.reference}] Søppel"))
    assert again.outcome is Outcome.THREADED
    assert again.inquiry_id == first.inquiry_id


def test_subject_reference_from_a_stranger_opens_a_linked_inquiry(app: Flask) -> None:
    """A citizen's mail must never land in another citizen's case."""
    first = ingest(inbound(sender_address="ola@example.no"))
    stranger = ingest(inbound(sender_address="per@example.no", subject=f"{first.reference}"))

    assert stranger.outcome is Outcome.CREATED
    new = db.session.get(Inquiry, stranger.inquiry_id)
    assert new.linked_to_id == first.inquiry_id
    assert new.link_unconfirmed
    assert count(Message, Message.inquiry_id == first.inquiry_id,
                 Message.direction == "inbound") == 1


def test_chat_messages_of_one_conversation_share_the_open_inquiry(app: Flask) -> None:
    a = ingest(inbound(channel="telegram", sender_address="555", conversation_id="555",
                       subject="", text="Hei, når stenger biblioteket?"))
    b = ingest(inbound(channel="telegram", sender_address="555", conversation_id="555",
                       subject="", text="I dag altså"))
    assert b.inquiry_id == a.inquiry_id
    inquiry = db.session.get(Inquiry, a.inquiry_id)
    assert inquiry.subject == "Hei, når stenger biblioteket?"


def test_message_on_a_resolved_inquiry_reopens_it(app: Flask) -> None:
    first = ingest(inbound())
    inquiry = db.session.get(Inquiry, first.inquiry_id)
    inquiry.status = Status.RESOLVED
    db.session.commit()

    again = ingest(inbound(subject=f"Re: [{first.reference}]"))

    assert again.inquiry_id == first.inquiry_id
    assert db.session.get(Inquiry, first.inquiry_id).status is Status.OPEN
    assert count(Event, Event.kind == EventKind.REOPENED) == 1


def test_message_on_a_closed_inquiry_opens_a_new_linked_one(app: Flask) -> None:
    first = ingest(inbound())
    db.session.get(Inquiry, first.inquiry_id).status = Status.CLOSED
    db.session.commit()

    again = ingest(inbound(subject=f"Re: [{first.reference}]"))

    assert again.outcome is Outcome.CREATED
    new = db.session.get(Inquiry, again.inquiry_id)
    assert new.linked_to_id == first.inquiry_id and not new.link_unconfirmed


@pytest.mark.parametrize("headers", [
    (("auto-submitted", "auto-replied"),),
    (("x-autoreply", "yes"),),
    (("precedence", "bulk"),),
    (("list-id", "<nyhetsbrev.example>"),),
    (("return-path", "<>"),),
])
def test_auto_replies_get_no_receipt(app: Flask, headers: tuple) -> None:
    result = ingest(inbound(headers=headers))
    assert result.outcome is Outcome.CREATED
    assert not result.receipt_queued
    message = db.session.get(Message, result.message_id)
    assert message.verdict is Verdict.NO_RECEIPT and message.automatic


def test_auto_reply_does_not_reopen_a_resolved_inquiry(app: Flask) -> None:
    first = ingest(inbound())
    db.session.get(Inquiry, first.inquiry_id).status = Status.RESOLVED
    db.session.commit()
    ingest(inbound(subject=f"Fravær: [{first.reference}]",
                   headers=(("auto-submitted", "auto-replied"),)))
    assert db.session.get(Inquiry, first.inquiry_id).status is Status.RESOLVED


def test_our_own_message_coming_back_is_dropped(app: Flask) -> None:
    ingest(inbound())
    receipt = db.session.scalar(select(Message).where(Message.direction == Direction.OUTBOUND))
    back = ingest(inbound(channel="telegram", external_id=receipt.external_id))
    assert (back.outcome, back.reason) == (Outcome.DROPPED, "our own message came back")
    again = ingest(inbound(external_id=receipt.external_id))  # where it left from
    assert (again.outcome, again.reason) == (Outcome.DUPLICATE, "our own message came back")
    looped = ingest(inbound(sender_address="post@kommune.example"))
    assert looped.outcome is Outcome.DROPPED
    assert count(Message) == 2


def test_an_id_in_our_domain_that_we_never_sent_is_not_ours(app: Flask) -> None:
    result = ingest(inbound(external_id="abc@desk.test"))
    assert result.outcome is Outcome.CREATED


def test_receipts_are_rate_limited_per_contact(app: Flask) -> None:
    results = [ingest(inbound(subject=f"Sak {i}")) for i in range(5)]
    assert [r.receipt_queued for r in results] == [True, True, True, False, False]
    assert count(Inquiry) == 5


def test_the_receipt_limit_counts_the_last_hour_only(app: Flask) -> None:
    start = utcnow()
    early = [ingest(inbound(subject=f"Sak {i}"), now=start) for i in range(3)]
    assert all(r.receipt_queued for r in early)
    assert not ingest(inbound(subject="Sak 3"), now=start + timedelta(minutes=59)).receipt_queued
    assert ingest(inbound(subject="Sak 4"), now=start + timedelta(minutes=61)).receipt_queued


def test_a_merged_contacts_receipts_count_on_the_contact_it_was_merged_into(app: Flask) -> None:
    for i in range(3):  # the limit, all to kari@
        assert ingest(inbound(sender_address="kari@example.no", subject=f"Sak {i}")).receipt_queued
    ingest(inbound(sender_address="kari.privat@example.no", subject="Annen adresse"))
    kari, privat = (db.session.scalar(select(Contact).join(Contact.identities).where(
        ContactIdentity.value == address)) for address in ("kari@example.no",
                                                           "kari.privat@example.no"))
    privat.merged_into_id = kari.id  # an agent found they are the same person
    db.session.commit()

    result = ingest(inbound(sender_address="kari.privat@example.no", subject="Enda en sak"))
    assert db.session.get(Inquiry, result.inquiry_id).contact_id == kari.id
    assert not result.receipt_queued


def test_receipt_is_in_the_citizens_language(app: Flask) -> None:
    result = ingest(inbound(sender_address="nynorsk@example.no",
                            text="Eg lurer på kva eg skal gjere, og korleis eg søkjer."))
    inquiry = db.session.get(Inquiry, result.inquiry_id)
    assert inquiry.language == "nn"
    receipt = db.session.scalar(select(Message).where(Message.automatic))
    assert receipt.subject == "Vi har motteke førespurnaden din"


def test_national_identity_number_flags_the_inquiry(app: Flask) -> None:
    result = ingest(inbound(text="Fødselsnummeret mitt er 150280 45686, hva nå?"))
    plain = ingest(inbound(sender_address="b@example.no", text="Ring meg på 12345678901"))
    assert db.session.get(Inquiry, result.inquiry_id).sensitive
    assert not db.session.get(Inquiry, plain.inquiry_id).sensitive


def test_html_is_sanitised_and_attachments_stored_by_hash(app: Flask) -> None:
    data = b"%PDF-1.4 tegning"
    result = ingest(inbound(
        html='<p onclick="steal()">Hei<script>alert(1)</script><img src="https://track.example/p.gif"></p>',
        attachments=(Attachment("tegning.pdf", "application/pdf", data),),
        raw=b"From: ola@example.no\r\n\r\nHei",
    ))
    message = db.session.get(Message, result.message_id)
    assert "script" not in message.html and "onclick" not in message.html
    assert "track.example" not in message.html
    stored = db.session.scalar(select(MessageAttachment))
    from desk.attachments import store

    assert store().read(stored.sha256) == data
    assert db.session.get(MessageSource, message.id).raw == b"From: ola@example.no\r\n\r\nHei"


def test_one_contact_per_identity(app: Flask) -> None:
    ingest(inbound(sender_address="ola@example.no", subject="a"))
    ingest(inbound(sender_address="OLA@example.no ", subject="b"))
    assert count(Contact) == 1


def test_references_count_up_within_a_year(app: Flask) -> None:
    refs = [ingest(inbound(sender_address=f"c{i}@example.no")).reference for i in range(3)]
    year = utcnow().year
    assert refs == [f"{year}-000001", f"{year}-000002", f"{year}-000003"]


def test_received_at_is_kept(app: Flask) -> None:
    when = utcnow() - timedelta(days=2)
    result = ingest(inbound(received_at=when))
    inquiry = db.session.get(Inquiry, result.inquiry_id)
    assert abs((inquiry.created_at - when).total_seconds()) < 1


def test_concurrent_first_messages_of_a_new_citizen_share_one_contact(app: Flask) -> None:
    """Two workers meet the same new sender at once: one contact, both messages kept."""
    messages = [inbound(sender_address="ny@example.no", subject=f"Sak {i}") for i in range(4)]
    results = at_once(app, ingest, messages)

    assert [r.outcome for r in results] == [Outcome.CREATED] * 4
    assert count(Contact) == 1
    assert count(Message, Message.direction == "inbound") == 4


def test_on_postgresql_the_appends_of_a_mail_travel_together(app: Flask) -> None:
    """The source, attachment rows, receipt's outbox row and events: one round trip."""
    if not is_postgres():
        pytest.skip("SQLite has no round trips to share")
    pipelined: dict[str, bool] = {}

    def note(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
        if statement.startswith("INSERT INTO"):
            table = statement.split()[2]
            status = connection.connection.driver_connection.pgconn.pipeline_status
            pipelined[table] = pipelined.get(table, True) and status != 0

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        ingest(inbound(raw=b"From: kari@example.no\r\n\r\nHei",
                       attachments=(Attachment("a.pdf", "application/pdf", b"%PDF-1.4"),)))
    finally:
        event.remove(db.engine, "before_cursor_execute", note)

    appends = ("message_sources", "attachments", "outbox", "events")
    assert [table for table in appends if not pipelined.get(table)] == []
    # What ingest reads back (the ids) is not pipelined.
    assert pipelined["inquiries"] is False and pipelined["messages"] is False
