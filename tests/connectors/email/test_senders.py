"""Who a mail is from when From is missing or odd, junk before the headers, and bounces."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.email import UnparseableMail, parse_message
from connectors.email.parse import NOTE_FROM_REPLY_TO, NOTE_JUNK_SKIPPED

DATA = Path(__file__).parents[2] / "data" / "email"
REST = b"To: post@kommune.example\r\nSubject: Hei\r\nMessage-ID: <s-1@example.no>\r\n\r\nTekst\r\n"


def parse(name: str):
    return parse_message((DATA / name).read_bytes(), "email")


def test_undisclosed_from_takes_the_reply_to():
    msg = parse("from_undisclosed_reply_to.eml")
    assert (msg.sender_name, msg.sender_address) == ("Kari Nordmann", "kari@example.no")
    assert msg.notes == (NOTE_FROM_REPLY_TO,)
    assert msg.text == "Hei, jeg vil klage på støy."


@pytest.mark.parametrize(
    ("headers", "address", "label"),
    [
        (b"Reply-To: kari@example.no\r\n", "kari@example.no", "Reply-To"),
        (b"From: \r\nReply-To: <kari@example.no>\r\n", "kari@example.no", "Reply-To"),
        (b"From: Kari Nordmann\r\nSender: kari@example.no\r\n", "kari@example.no", "Sender"),
        (b"From: <>\r\nSender: ola@example.no\r\n", "ola@example.no", "Sender"),
        (b"From: kari@\r\nReply-To: kari@example.no\r\n", "kari@example.no", "Reply-To"),
        (b"From: undisclosed-recipients:;\r\nReply-To: a@b.no\r\n", "a@b.no", "Reply-To"),
    ],
)
def test_no_usable_from_falls_back(headers: bytes, address: str, label: str):
    msg = parse_message(headers + REST, "email")
    assert msg.sender_address == address
    assert msg.notes[0].endswith(f"the sender is taken from {label}.")


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (b"From: undisclosed\r\n", "no sender address in From"),
        (b"From: Kari Nordmann\r\n", "no sender address in From"),
        (b"", "no From header"),
    ],
)
def test_no_address_anywhere_is_still_unparseable(headers: bytes, reason: str):
    with pytest.raises(UnparseableMail) as excinfo:
        parse_message(headers + REST, "email")
    assert excinfo.value.reason == reason


def test_junk_lines_before_the_headers_are_skipped():
    msg = parse("junk_before_headers.eml")
    assert msg.sender_address == "scanner@kommune.example"
    assert msg.subject == "Skannet dokument"
    assert msg.external_id == "scan-0314@scanner.kommune.example"
    assert [a.filename for a in msg.attachments] == ["scan0001.pdf"]
    assert msg.notes == (NOTE_JUNK_SKIPPED,)
    assert msg.raw == (DATA / "junk_before_headers.eml").read_bytes()


@pytest.mark.parametrize(
    "junk",
    [
        b">From kari@example.no Sat Mar 14 10:00:00 2026\r\n",
        b"From kari@example.no Sat Mar 14 10:00:00 2026\r\n",
        b"X\r\n",
        b"\r\n",
        b" \t \r\n",
        b"Return-path <kari@example.no>\r\n",
        b"\x00\x00\r\n>From x\r\nReturn-path <kari@example.no>\r\n",
    ],
)
def test_each_kind_of_junk_line(junk: bytes):
    msg = parse_message(junk + b"From: Kari <kari@example.no>\r\n" + REST, "email")
    assert (msg.sender_address, msg.subject, msg.text) == ("kari@example.no", "Hei", "Tekst")


def test_more_than_a_few_junk_lines_is_not_a_header_block():
    with pytest.raises(UnparseableMail):
        parse_message(b"x\r\n" * 10 + b"From: kari@example.no\r\n" + REST, "email")


@pytest.mark.parametrize(
    ("name", "sender", "reports_on"),
    [
        ("bounce_exim.eml", "mailer-daemon@mail.example.org", "receipt-120@desk.kommune.example"),
        ("bounce_sendmail_local.eml", "mailer-daemon", "reply-121@desk.kommune.example"),
        ("bounce_postfix_bare.eml", "mailer-daemon", "reply-122@desk.kommune.example"),
        ("bounce_exchange_ndr.eml", "postmaster@kommune.example", "reply-123@desk.kommune.example"),
        ("nonstandard_bounce.eml", "mailer-daemon@mail.example.org",
         "receipt-77@desk.kommune.example"),
        ("dsn_bounce.eml", "mailer-daemon@mx.kommune.example", "reply-99@desk.kommune.example"),
    ],
)  # fmt: skip
def test_bounces_from_common_mailers(name: str, sender: str, reports_on: str):
    msg = parse(name)
    assert msg.is_delivery_report
    assert msg.sender_address == sender
    assert msg.reports_on == (reports_on,)
    assert msg.notes == ()


def test_bounce_daemon_with_no_domain_in_a_plain_mail():
    raw = (
        b"Return-Path: <>\r\nFrom: Mail Delivery Subsystem <MAILER-DAEMON>\r\n"
        b"Subject: Warning: could not send message for past 4 hours\r\n\r\n"
        b"   ----- Original message follows -----\r\nMessage-Id: <r-5@desk.kommune.example>\r\n"
    )
    msg = parse_message(raw, "email")
    assert (msg.sender_name, msg.sender_address) == ("Mail Delivery Subsystem", "mailer-daemon")
    assert msg.is_delivery_report and msg.reports_on == ("r-5@desk.kommune.example",)


def test_postmaster_writing_by_hand_is_not_a_bounce():
    raw = (
        b"Return-Path: <postmaster@example.no>\r\nFrom: postmaster@example.no\r\n"
        b"Subject: Om spamfilteret\r\n\r\nHei, vi har justert filteret.\r\n"
    )
    assert not parse_message(raw, "email").is_delivery_report


@pytest.mark.parametrize(
    ("headers", "name", "address", "noted"),
    [
        # A web form: From is the form (here the municipality's own address), Reply-To
        # the citizen, who must get the receipt and the answer.
        (b"From: Skjema <post@kommune.example>\r\nReply-To: Kari Nordmann <kari@example.no>\r\n",
         "Kari Nordmann", "kari@example.no", True),
        (b"From: Kari <kari@jobb.example>\r\nReply-To: kari@example.no\r\n",
         "Kari", "kari@example.no", True),
        # The same address, or two Reply-To addresses (whom to pick?): From stands.
        (b"From: Ola <ola@example.no>\r\nReply-To: OLA@example.no\r\n",
         "Ola", "ola@example.no", False),
        (b"From: Ola <ola@example.no>\r\nReply-To: a@example.no, b@example.no\r\n",
         "Ola", "ola@example.no", False),
    ],
)
def test_a_single_reply_to_is_where_the_answer_goes(
    headers: bytes, name: str, address: str, noted: bool
) -> None:
    from connectors.email.parse import NOTE_ANSWER_TO_REPLY_TO

    msg = parse_message(headers + REST, "email")
    assert (msg.sender_name, msg.sender_address) == (name, address)
    assert (NOTE_ANSWER_TO_REPLY_TO in msg.notes) is noted
