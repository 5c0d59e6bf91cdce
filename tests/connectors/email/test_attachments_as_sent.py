"""Files kept as the sender sent them: uuencoded blocks and attached mails, byte for byte."""

from __future__ import annotations

import base64
from pathlib import Path

from connectors.email import parse_message

DATA = Path(__file__).parents[2] / "data" / "email"


def parse(name: str):
    return parse_message((DATA / name).read_bytes(), "email")


def _between(raw: bytes, start: bytes, end: bytes) -> bytes:
    """The bytes of `raw` from `start` up to the next `end`."""
    begin = raw.index(start)
    return raw[begin : raw.index(end, begin)]


def test_uuencoded_blocks_in_a_quoted_printable_part():
    msg = parse("uuencoded_in_qp.eml")
    assert (
        msg.text == "Hei, her er filene jeg lovet. Vennligst se på dem.\n\nOg søknaden:\n\nMvh\nOla"
    )
    assert [(a.filename, a.content_type, a.data) for a in msg.attachments] == [
        ("hilsen.txt", "text/plain", b"Hei fra uuencode\n"),
        ("Søknad om plass.pdf", "application/pdf", b"%PDF-1.4\n% liten test\n%%EOF\n"),
        ("notat.txt", "text/plain", "begin-base64 virker også\n".encode()),
    ]


def test_uuencoded_block_in_a_base64_part():
    msg = parse("uuencoded_in_base64.eml")
    assert msg.text == "Vedlagt bilde.\n\nHilsen Per"
    ((name, ctype, data),) = [(a.filename, a.content_type, a.data) for a in msg.attachments]
    assert (name, ctype) == ("bilde.gif", "image/gif")
    assert data == b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


def test_uuencoded_block_with_lf_line_endings_too():
    raw = (DATA / "uuencoded.eml").read_bytes().replace(b"\r\n", b"\n")
    msg = parse_message(raw, "email")
    assert [a.data for a in msg.attachments] == [b"Hei fra uuencode\n"]


def test_attached_mail_is_kept_byte_for_byte_crlf_and_8bit():
    raw = (DATA / "forwarded_8bit_crlf.eml").read_bytes()
    msg = parse_message(raw, "email")
    first, second = msg.attachments
    # The CRLF before a boundary line belongs to the boundary (RFC 2046), not the mail.
    assert first.data == _between(raw, b"Received: from mx.example.no", b"\r\n--outer\r\nContent")
    assert b"Subject:   Faktura for renovasjon \xe2\x80\x93 2026\r\n\tmed" in first.data
    assert b"X-Latin1: S\xf8ppel\r\n" in first.data and b"From:Faktura  <" in first.data
    assert (first.filename, first.content_type) == ("Faktura.eml", "message/rfc822")
    assert second.data == _between(raw, b"From: a@example.no", b"\r\n--outer--")
    assert second.filename == "andre.eml"
    assert msg.text == "Se videresendt faktura."


def test_attached_mail_with_lf_line_endings_is_kept_as_is():
    raw = (DATA / "forwarded_8bit_crlf.eml").read_bytes().replace(b"\r\n", b"\n")
    first, _ = parse_message(raw, "email").attachments
    assert first.data == _between(raw, b"Received: from mx.example.no", b"\n--outer\nContent")


def test_attached_mail_in_base64_is_decoded_not_parsed():
    msg = parse("forwarded_base64_rfc822.eml")
    (fwd,) = msg.attachments
    raw = (DATA / "forwarded_base64_rfc822.eml").read_bytes()
    encoded = _between(raw, b"RnJvbTog", b"--m--")
    assert fwd.data == base64.b64decode(encoded)
    assert fwd.filename == "Opprinnelig.eml"
    assert parse_message(fwd.data, "email").external_id == "original-7@example.no"


def test_returned_original_in_a_bounce_is_kept_as_sent():
    raw = (DATA / "bounce_sendmail_local.eml").read_bytes()
    status, original = parse_message(raw, "email").attachments
    assert original.data == _between(raw, b"Return-Path: <post@", b"\n--1ABC")
    assert status.data == _between(raw, b"Reporting-MTA:", b"\n--1ABC")


def test_mms_text_part_is_the_body_and_stays_a_file():
    msg = parse("mms_gateway.eml")
    assert msg.text == "Søppelkassa er veltet i Storgata."
    assert [a.filename for a in msg.attachments] == ["text_0.txt", "IMG_0001.jpg"]
