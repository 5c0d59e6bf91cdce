"""parse_message against hand-made mails in tests/data/email and made-up edge cases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.email import UnparseableMail, parse_message
from connectors.email.parse import NOTE_MADE_UP_ID

DATA = Path(__file__).parents[2] / "data" / "email"


def parse(name: str, **limits: int):
    return parse_message((DATA / name).read_bytes(), "email", **limits)


def test_utf8_subject_sender_threading_headers():
    msg = parse("subject_utf8_b64.eml")
    assert msg.channel == "email"
    assert msg.subject == "Søknad om barnehageplass – æøå ÆØÅ"
    assert (msg.sender_name, msg.sender_address) == ("Åse Ødegård", "ase.odegard@example.no")
    assert msg.recipients == (
        "post@kommune.example",
        "bjorn@example.no",
        "saksbehandler@kommune.example",
    )
    assert msg.external_id == "CAF+xyz.123@mail.example.no"
    assert msg.in_reply_to == "receipt-42@desk.kommune.example"
    assert msg.references == ("first@desk.kommune.example", "receipt-42@desk.kommune.example")
    assert msg.received_at == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    assert "Jeg søker om barnehageplass" in msg.text and "\r" not in msg.text
    assert msg.html is None
    assert msg.raw == (DATA / "subject_utf8_b64.eml").read_bytes()


def test_latin1_subject_and_8bit_body():
    msg = parse("subject_latin1_q.eml")
    assert msg.subject == "Spørsmål om værkort og øl"
    assert msg.sender_name == "Pål Sæther"
    assert msg.text == "Kan jeg få svar på søknaden min? ÆØÅ æøå."


def test_rfc2231_and_rfc2047_file_names():
    names = [a.filename for a in parse("rfc2231_filenames.eml").attachments]
    assert names == ["Søknad æøå.pdf", "Bekreftelse på bosted.pdf", "Klage på vedtak.docx"]


def test_html_only_becomes_text_and_raw_html_is_kept():
    msg = parse("html_only_script.eml")
    assert msg.text == (
        "Hei,\n\nNaboen bygger uten tillatelse.\nSe bildet:\n\n- Gnr. 12\n\n- Bnr. 34\n\n"
        "Mer info: saken <https://example.no/sak>"
    )
    assert "alert" not in msg.text and "evil" not in msg.text and "ignored" not in msg.text
    assert msg.html is not None and "onerror" in msg.html  # the desk sanitises it with nh3


def test_auto_reply_headers_for_loop_guards():
    msg = parse("auto_reply.eml")
    assert msg.header("auto-submitted") == "auto-replied"
    assert msg.header("x-autoreply") == "yes"
    assert msg.header("precedence") == "auto_reply"
    assert msg.header("x-auto-response-suppress") == "All"
    assert msg.header("return-path") == "<ola@example.no>"
    assert msg.header("content-type") == "text/plain; charset=utf-8"
    assert not msg.is_delivery_report


def test_dsn_reports_on_original_message():
    msg = parse("dsn_bounce.eml")
    assert msg.is_delivery_report
    assert msg.reports_on == ("reply-99@desk.kommune.example",)
    assert [a.filename for a in msg.attachments] == ["delivery-status.txt", "original-headers.txt"]
    status = msg.attachments[0].data.decode()
    assert "Status: 5.1.1" in status and "Final-Recipient: rfc822; nobody@example.no" in status
    assert "could not\nbe delivered" in msg.text


def test_non_standard_bounce():
    msg = parse("nonstandard_bounce.eml")
    assert msg.is_delivery_report
    assert msg.reports_on == ("receipt-77@desk.kommune.example",)


def test_smime_signature_kept_and_text_read():
    msg = parse("smime_signed.eml")
    assert msg.text == "Denne meldingen er signert. Blåbær."
    (sig,) = msg.attachments
    assert (sig.filename, sig.content_type, sig.size) == (
        "smime.p7s",
        "application/pkcs7-signature",
        512,
    )


def test_forwarded_message_is_an_eml_attachment():
    msg = parse("forwarded_rfc822.eml")
    assert msg.text == "Se videresendt faktura, den er feil."
    (fwd,) = msg.attachments
    assert fwd.filename == "Faktura for renovasjon – 2026.eml"
    assert fwd.content_type == "message/rfc822"
    inner = parse_message(fwd.data, "email")
    assert inner.external_id == "invoice-5@kommune.example" and "1234 kr" in inner.text
    assert not msg.is_delivery_report and msg.reports_on == ()


def test_uuencoded_body_becomes_attachment():
    msg = parse("uuencoded.eml")
    assert msg.text == "Her er filen.\n\nMvh"
    (att,) = msg.attachments
    assert (att.filename, att.data) == ("hilsen.txt", b"Hei fra uuencode\n")


def test_broken_and_unknown_charsets_are_recovered():
    msg = parse("broken_charset.eml")
    assert msg.sender_name == "Bjørn"
    assert msg.subject == "æøå broken“sitat”"
    assert "Første del er utf-8" in msg.text
    assert "“sitat” og € og æøå" in msg.text
    assert "Tredje del:" in msg.text


def test_attachment_only_message():
    msg = parse("attachment_only.eml")
    assert msg.text == "" and msg.html is None
    (att,) = msg.attachments
    assert (att.filename, att.content_type) == ("scan.pdf", "application/pdf")
    assert att.data.startswith(b"%PDF")


def test_damaged_header_block_still_parses_with_a_stable_id():
    raw = (DATA / "damaged_headers.eml").read_bytes()
    msg = parse_message(raw, "email")
    assert msg.sender_name == "Jørgen Råd"
    assert msg.subject.startswith("Rå utf-8 i emnefeltet")
    assert msg.received_at is None
    assert msg.text == "Teksten kom likevel fram."
    assert msg.external_id.endswith("@no-message-id.invalid")
    assert NOTE_MADE_UP_ID in msg.notes
    assert parse_message(raw, "email").external_id == msg.external_id


def test_inline_image_and_quoted_reply():
    msg = parse("reply_inline_image.eml")
    (img,) = msg.attachments
    assert (img.content_id, img.inline, img.content_type) == ("img1@example.no", True, "image/png")
    assert msg.html is not None and "cid:img1@example.no" in msg.html
    assert msg.text.startswith("Takk, her er bildet.") and "> Referanse" in msg.text


def test_oversize_attachment_becomes_placeholder():
    msg = parse("rfc2231_filenames.eml", max_attachment_bytes=20)
    assert [a.filename for a in msg.attachments] == [
        "Søknad æøå.pdf.omitted.txt",
        "Bekreftelse på bosted.pdf.omitted.txt",
        "Klage på vedtak.docx",
    ]
    note = msg.attachments[0].data.decode()
    assert "application/pdf" in note and "36 bytes" in note


def test_total_budget_cuts_later_attachments():
    msg = parse("rfc2231_filenames.eml", max_bytes=40)
    names = [a.filename for a in msg.attachments]
    assert names[0] == "Søknad æøå.pdf" and names[1].endswith(".omitted.txt")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"\r\n\r\n", "empty message"),
        (bytes(range(256)) * 4, "no header block"),
        (b"Subject: hi\r\nTo: a@b.no\r\n\r\nbody\r\n", "no From header"),
        (b"From: \r\nSubject: hi\r\n\r\nbody\r\n", "no sender address in From"),
    ],
)
def test_unparseable(raw: bytes, reason: str):
    with pytest.raises(UnparseableMail) as excinfo:
        parse_message(raw, "email")
    assert excinfo.value.reason == reason


def test_message_ids_are_normalised():
    raw = (
        b"From: a@b.no\r\nMessage-ID:  < Abc.Def@Example.COM >\r\n"
        b"In-Reply-To: junk <x@Y.no> (comment)\r\n"
        b"References: <1@A.no>\r\n <2@b.no> <1@a.no>\r\n\r\nhi\r\n"
    )
    msg = parse_message(raw, "email")
    assert msg.external_id == "Abc.Def@example.com"
    assert msg.in_reply_to == "x@y.no"
    assert msg.references == ("1@a.no", "2@b.no")


def test_mailing_list_headers_are_kept():
    raw = (
        b"From: list@example.org\r\nList-Id: <news.example.org>\r\n"
        b"List-Unsubscribe: <mailto:leave@example.org>\r\nPrecedence: bulk\r\n\r\nhi\r\n"
    )
    msg = parse_message(raw, "email")
    assert msg.header("list-id") == "<news.example.org>"
    assert msg.header("List-Unsubscribe") == "<mailto:leave@example.org>"
    assert msg.header("precedence") == "bulk"


def test_stdlib_header_parser_crash_falls_back():
    # policy.default raises IndexError on a parameter name ending in "*" (CPython 3.11).
    raw = b"From: a@b.no\r\nContent-Type: text/plain; name*\r\n\r\nhei\r\n"
    assert parse_message(raw, "email").text == "hei"


def test_encoded_word_with_garbage_charset():
    raw = b"From: =?\xc3\x00x?Q?abc?= <a@b.no>\r\nSubject: =?utf-8?B?w6bDuMOl?=\r\n\r\nx\r\n"
    msg = parse_message(raw, "email")
    assert msg.subject == "æøå" and msg.sender_name == "abc"
