"""Mail through the whole desk: APPEND to a real IMAP server, a fetch run, the
inquiry in the database, the receipt out over a real SMTP server, and back."""

from __future__ import annotations

from dataclasses import replace
from email.utils import make_msgid

import pytest
from flask import Flask
from imapclient import IMAPClient
from sqlalchemy import func, select

from connectors.email.decode import normalize_msgid
from connectors.email.imap import ImapFetcher
from desk import quarantine as quarantine_service
from desk.channels import channel_by_name, sync_channels
from desk.config import ChannelConfig, current_config
from desk.errors import ServiceError
from desk.extensions import db
from desk.mail.fetch import fetch_mailbox, is_known, load_cursor
from desk.models import (
    Channel,
    Direction,
    Inquiry,
    Message,
    QuarantineItem,
    QuarantineState,
    SendState,
    Verdict,
)
from desk.outbox import dispatch_due
from desk.take_in import pull_all
from tests.mail.conftest import ADDRESS, append, citizen_mail, fetch, postmottak
from tests.mailservers import SmtpServer, free_port


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def inbound_ids() -> list[str]:
    return list(db.session.scalars(
        select(Message.external_id).where(Message.direction == Direction.INBOUND)
        .order_by(Message.id)))


def seen(mailbox: IMAPClient) -> list[bool]:
    mailbox.noop()
    flags = mailbox.fetch(mailbox.search("ALL"), ["FLAGS"])
    return [b"\\Seen" in data[b"FLAGS"] for _uid, data in sorted(flags.items())]


def channel() -> Channel:
    db.session.expire_all()
    return channel_by_name("postmottak")


def test_mail_becomes_inquiry_and_receipt_goes_out_over_smtp(
    app: Flask, mailbox: IMAPClient, smtp_server: SmtpServer
) -> None:
    mid = make_msgid(domain="example.no")
    append(mailbox, citizen_mail(subject="Brøytekant på Øvre Ærøy vei", message_id=mid))

    report = fetch()

    assert report.error is None and report.outcomes == {"created": 1}
    inquiry = db.session.scalar(select(Inquiry))
    assert inquiry.subject == "Brøytekant på Øvre Ærøy vei"
    assert inquiry.contact.identities[0].value == "ola@example.no"
    row = channel()
    assert row.last_success_at is not None and row.last_error is None
    assert row.cursor["last_uid"] == max(mailbox.search("ALL")) and row.cursor["uidvalidity"] > 0
    assert seen(mailbox) == [True]  # acknowledged only after the commit

    assert len(dispatch_due("test-worker").sent) == 1
    (received,) = smtp_server.messages
    mail = received.message
    receipt = db.session.scalar(select(Message).where(Message.automatic.is_(True)))
    assert receipt.send_state is SendState.SENT
    assert normalize_msgid(mail["Message-ID"]) == receipt.external_id
    assert receipt.external_id.endswith("@desk.test")
    assert f"[{inquiry.reference}]" in mail["Subject"]
    assert normalize_msgid(mail["In-Reply-To"]) == normalize_msgid(mid)
    assert normalize_msgid(mid) in mail["References"]
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["From"].addresses[0].addr_spec == ADDRESS
    assert received.rcpt_tos == ("ola@example.no",)

    # The citizen answers the receipt: the reply threads by its In-Reply-To.
    append(mailbox, citizen_mail(subject=f"Re: {mail['Subject']}", body="Det gjelder nr. 12.",
                                 In_Reply_To=mail["Message-ID"]))
    assert fetch().outcomes == {"threaded": 1}
    assert count(Inquiry) == 1 and count(Message, Message.inquiry_id == inquiry.id) == 3


def test_agent_reply_carries_threading_headers_and_the_answer_threads_back(
    app: Flask, mailbox: IMAPClient, smtp_server: SmtpServer, make_user
) -> None:
    from desk.workflow import reply

    append(mailbox, citizen_mail(subject="Byggesøknad garasje"))
    fetch()
    inquiry = db.session.scalar(select(Inquiry))
    agent = make_user("kari")
    answer = reply(agent, inquiry.id, "Hei! Søknaden er mottatt og behandles nå.")
    dispatch_due("test-worker")

    mail = next(m.message for m in smtp_server.messages if m.message["Auto-Submitted"] is None)
    assert normalize_msgid(mail["Message-ID"]) == answer.external_id
    assert inquiry.reference in mail["Subject"]
    first = db.session.scalar(select(Message.external_id).where(
        Message.direction == Direction.INBOUND))
    assert normalize_msgid(mail["In-Reply-To"]) == first
    assert first in mail["References"] and "Søknaden er mottatt" in mail.get_body().get_content()

    # The citizen's program keeps only References (no In-Reply-To): still threaded.
    append(mailbox, citizen_mail(subject="Sv: svar", References=mail["Message-ID"]))
    assert fetch().outcomes == {"threaded": 1}


def test_subject_reference_threads_for_the_contact_and_links_a_stranger(
    app: Flask, mailbox: IMAPClient
) -> None:
    append(mailbox, citizen_mail(subject="Parkering"))
    fetch()
    inquiry = db.session.scalar(select(Inquiry))
    # Headers lost (a new mail, not a reply), but the reference is in the subject.
    append(mailbox, citizen_mail(subject=f"Mer om saken {inquiry.reference}"))
    append(mailbox, citizen_mail(subject=f"Angående {inquiry.reference}",
                                 sender="fremmed@example.no", name="Fremmed"))

    assert fetch().outcomes == {"threaded": 1, "created": 1}
    stranger = db.session.scalar(select(Inquiry).where(Inquiry.id != inquiry.id))
    assert stranger.linked_to_id == inquiry.id and stranger.link_unconfirmed
    assert stranger.contact_id != inquiry.contact_id
    assert count(Message, Message.inquiry_id == inquiry.id,
                 Message.direction == Direction.INBOUND) == 2


def test_restart_between_fetch_and_commit_does_not_duplicate(
    app: Flask, mailbox: IMAPClient
) -> None:
    from desk.ingest import ingest

    append(mailbox, citizen_mail(subject="En"), citizen_mail(subject="To"))
    # A worker fetched both and committed the first, then died: no ack, no cursor.
    with ImapFetcher(postmottak().imap, "postmottak") as imap:
        first, _second = imap.fetch(None)
        ingest(first.message)
    assert load_cursor(channel().id) is None and seen(mailbox) == [False, False]

    report = fetch()

    assert report.outcomes == {"created": 1} and report.skipped_known == 1
    assert count(Inquiry) == 2 and len(inbound_ids()) == 2
    # The first was not downloaded again (known by Message-ID), but it is acknowledged now.
    assert seen(mailbox) == [True, True]
    assert fetch().outcomes == {}  # and the cursor is past both


def test_uidvalidity_change_loses_and_duplicates_nothing(app: Flask, mailbox: IMAPClient) -> None:
    # INBOX cannot be deleted; a folder of its own can, and comes back with a new UIDVALIDITY.
    settings = replace(postmottak(), imap=replace(postmottak().imap, folder="Innboks"))
    old = citizen_mail(subject="Gammel")
    mailbox.create_folder("Innboks")
    mailbox.append("Innboks", old)
    assert fetch_mailbox(settings, "test-worker").outcomes == {"created": 1}
    before = load_cursor(channel().id)
    mailbox.delete_folder("Innboks")  # the server rebuilt the folder: old mail plus a new one
    mailbox.create_folder("Innboks")
    mailbox.append("Innboks", old)
    mailbox.append("Innboks", citizen_mail(subject="Ny"))

    report = fetch_mailbox(settings, "test-worker")

    assert load_cursor(channel().id).uidvalidity != before.uidvalidity
    assert report.outcomes == {"created": 1} and report.skipped_known == 1
    assert count(Inquiry) == 2


def test_poison_message_is_quarantined_and_the_rest_arrive(
    app: Flask, mailbox: IMAPClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk import quarantine

    bad = b"Subject: ingen avsender\r\n\r\nbody\r\n"
    crashing = citizen_mail(subject="Krasj", message_id="<krasj@example.no>")
    append(mailbox, citizen_mail(subject="Før"), bad, crashing, citizen_mail(subject="Etter"))
    real_ingest = quarantine.ingest

    def ingest_with_a_bug(msg, **kwargs):
        if msg.external_id == "krasj@example.no":
            raise RuntimeError("a bug this mail triggers")
        return real_ingest(msg, **kwargs)

    monkeypatch.setattr(quarantine, "ingest", ingest_with_a_bug)
    report = fetch()

    assert report.error is None
    assert report.outcomes == {"created": 2, "quarantined": 2}
    held = quarantine_service.held()
    assert {h.reason for h in held} == {
        "no From header", "ingest failed: RuntimeError: a bug this mail triggers"}
    raws = set(db.session.scalars(select(QuarantineItem.raw)))
    assert raws == {bad, crashing}
    assert seen(mailbox) == [True] * 4 and fetch().outcomes == {}

    # After the fix, the crashed mail replays; the unreadable one stays held.
    monkeypatch.setattr(quarantine, "ingest", real_ingest)
    by_reason = {h.reason: h.id for h in held}
    result = quarantine_service.replay(by_reason["ingest failed: RuntimeError: a bug this mail "
                                                 "triggers"])
    assert result.outcome.value == "created" and count(Inquiry) == 3
    with pytest.raises(ServiceError):
        quarantine_service.replay(by_reason["no From header"])
    assert quarantine_service.held()[0].reason == "replay failed: no From header"
    quarantine_service.discard(by_reason["no From header"])
    assert quarantine_service.held() == []
    assert count(QuarantineItem, QuarantineItem.state == QuarantineState.REPLAYED) == 1


def test_auto_replies_and_bounces_send_no_receipt_and_a_bounce_fails_the_message(
    app: Flask, mailbox: IMAPClient, smtp_server: SmtpServer
) -> None:
    append(mailbox, citizen_mail(subject="Vann i kjelleren"))
    fetch()
    dispatch_due("test-worker")
    inquiry = db.session.scalar(select(Inquiry))
    receipt = db.session.scalar(select(Message).where(Message.automatic.is_(True)))
    sent = smtp_server.messages[0].message

    out_of_office = citizen_mail(subject=f"Fravær: {sent['Subject']}", body="Jeg er på ferie.",
                                 In_Reply_To=sent["Message-ID"], Auto_Submitted="auto-replied")
    autoreply = citizen_mail(subject="Autosvar", sender="kari@example.no", X_Autoreply="yes")
    append(mailbox, out_of_office, autoreply, _bounce(sent["Message-ID"], "ola@example.no"))

    assert fetch().outcomes == {"threaded": 2, "created": 1}
    db.session.expire_all()
    assert receipt.send_state is SendState.FAILED
    stored = db.session.scalars(select(Message).where(
        Message.inquiry_id == inquiry.id, Message.direction == Direction.INBOUND)).all()
    assert [m.verdict for m in stored] == [Verdict.ACCEPT, Verdict.NO_RECEIPT, Verdict.NO_RECEIPT]
    assert count(Message, Message.automatic.is_(True),
                 Message.direction == Direction.OUTBOUND) == 1  # the first receipt only


def _bounce(original_message_id: str, recipient: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.no>\r\n"
        f"To: {ADDRESS}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.example.no')}\r\nAuto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.no\r\n"
        f"\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {ADDRESS}\r\nTo: {recipient}\r\nMessage-ID: {original_message_id}\r\n"
        "--B--\r\n"
    ).encode()


def test_receipts_are_rate_limited_per_sender(app: Flask, mailbox: IMAPClient) -> None:
    limit = current_config().receipts.max_per_contact_per_hour
    append(mailbox, *(citizen_mail(subject=f"Sak {n}") for n in range(limit + 2)))

    assert fetch().outcomes == {"created": limit + 2}
    assert count(Message, Message.automatic.is_(True),
                 Message.direction == Direction.OUTBOUND) == limit


def test_runs_are_bounded_and_known_ids_include_tombstones(app: Flask, mailbox: IMAPClient) -> None:
    from desk.models import ExternalIdTombstone

    channel_id = channel().id
    db.session.add(ExternalIdTombstone(channel_id=channel_id, external_id="slettet@example.no",
                                       reason="deleted by an agent"))
    db.session.commit()
    assert is_known(channel_id, "slettet@example.no")
    append(mailbox, citizen_mail(message_id="<slettet@example.no>"),
           *(citizen_mail(subject=f"Sak {n}") for n in range(3)))
    small = replace(postmottak(), batch_size=2)
    first = fetch_mailbox(small, "test-worker")
    assert first.outcomes == {"created": 2} and first.skipped_known == 1
    assert fetch_mailbox(small, "test-worker").outcomes == {"created": 1}
    assert "slettet@example.no" not in inbound_ids()


def test_a_failing_mailbox_never_stops_the_others(app: Flask, mailbox: IMAPClient) -> None:
    config = current_config()
    good = config.channel("postmottak")
    broken = ChannelConfig(name="brutt", kind="email", options={
        **good.options, "imap_port": free_port(), "address": "brutt@kommune.example"})
    config = replace(config, channels=(broken, *config.channels))
    sync_channels(config)
    append(mailbox, citizen_mail())

    reports = {r.channel: r for r in pull_all("test-worker", config)}

    assert reports["brutt"].error.startswith("connect to 127.0.0.1")
    assert reports["postmottak"].outcomes == {"created": 1}
    broken_row = db.session.scalar(select(Channel).where(Channel.name == "brutt"))
    assert broken_row.last_error == reports["brutt"].error and broken_row.last_success_at is None
    assert broken_row.last_fetch_at is not None and channel().last_error is None


def test_a_mailbox_leased_by_another_worker_is_left_alone(app: Flask, mailbox: IMAPClient) -> None:
    from desk import leases
    from desk.mail.fetch import lease_name

    append(mailbox, citizen_mail())
    assert leases.acquire(lease_name("postmottak"), "other-worker", 60)

    report = fetch()

    assert report.busy and count(Inquiry) == 0 and channel().last_fetch_at is None
    leases.release(lease_name("postmottak"), "other-worker")
    assert fetch().outcomes == {"created": 1}
