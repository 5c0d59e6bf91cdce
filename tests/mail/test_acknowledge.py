"""Against a real IMAP server: a mail the desk has is acknowledged even when the worker
died between the commit and the ack, and a reused Message-ID loses no mail."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from imapclient import IMAPClient
from sqlalchemy import func, select

from desk.channels import channel_by_name
from desk.extensions import db
from desk.ingest import Outcome, ingest
from desk.mail.fetch import fetch_mailbox
from desk.mail.parsing import parse_mail
from desk.models import Direction, Inquiry, Message
from tests.conftest import TEST_CHANNELS
from tests.mail.conftest import append, citizen_mail, fetch, mail_channel, postmottak
from tests.mailservers import ImapServer, SmtpServer


def seen(mailbox: IMAPClient) -> list[bool]:
    mailbox.noop()
    flags = mailbox.fetch(mailbox.search("ALL"), ["FLAGS"])
    return [b"\\Seen" in data[b"FLAGS"] for _uid, data in sorted(flags.items())]


def inbound_count() -> int:
    return db.session.scalar(select(func.count(Message.id)).where(
        Message.direction == Direction.INBOUND))


def committed_but_not_acknowledged(mailbox: IMAPClient) -> None:
    """What a worker killed after the commit and before the ack leaves behind."""
    (uid,) = mailbox.search("ALL")
    raw = mailbox.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
    assert ingest(parse_mail(raw, "postmottak")).outcome is Outcome.CREATED


def test_a_mail_stored_but_not_acknowledged_is_acknowledged_next_run(
    app: Flask, mailbox: IMAPClient
) -> None:
    append(mailbox, citizen_mail())
    committed_but_not_acknowledged(mailbox)
    assert seen(mailbox) == [False]

    report = fetch()

    assert report.skipped_known == 1 and not report.outcomes
    assert seen(mailbox) == [True] and inbound_count() == 1
    again = fetch()  # nothing left to do, and nothing done twice
    assert again.skipped_known == 0 and not again.outcomes and inbound_count() == 1


class TestWithProcessedFolder:
    @pytest.fixture
    def config_overrides(self, imap_server: ImapServer, smtp_server: SmtpServer
                         ) -> dict[str, Any]:
        channel = mail_channel(imap_server, smtp_server, processed_folder="Behandlet")
        return {"channels": [*TEST_CHANNELS, channel]}

    def test_a_known_mail_is_moved_out_of_the_inbox(self, app: Flask,
                                                     mailbox: IMAPClient) -> None:
        append(mailbox, citizen_mail())
        committed_but_not_acknowledged(mailbox)

        report = fetch()

        assert report.skipped_known == 1
        mailbox.noop()
        assert mailbox.search("ALL") == []
        mailbox.select_folder("Behandlet")
        assert len(mailbox.search("ALL")) == 1


def test_mails_that_reuse_one_message_id_are_all_taken_in_once(
    app: Flask, mailbox: IMAPClient
) -> None:
    """A web form that sends every submission with the same Message-ID."""
    submissions = [
        citizen_mail(subject="Kontaktskjema", body=f"Innsending {n}", sender=f"innbygger{n}@x.no",
                     message_id="<skjema@kommune.example>")
        for n in range(3)
    ]
    append(mailbox, *submissions)

    assert fetch().outcomes == {"created": 3}
    assert db.session.scalar(select(func.count(Inquiry.id))) == 3

    # Read again from the start (a UIDVALIDITY change does that): all three are known.
    channel = channel_by_name("postmottak")
    channel.cursor = {}
    db.session.commit()
    again = fetch_mailbox(replace(postmottak(), start="all"), "test-worker")
    assert not again.outcomes and again.skipped_known == 3
    assert inbound_count() == 3
