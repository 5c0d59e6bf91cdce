"""The fingerprint on parsed mail, and the id the desk makes up for mail without one."""

from __future__ import annotations

import re
from pathlib import Path

from connectors.email import parse_message
from connectors.email.fingerprint import FINGERPRINT_FIELDS, fingerprint_of
from connectors.email.parse import NOTE_MADE_UP_ID

DATA = Path(__file__).parents[2] / "data" / "email"
EXTRA_RECEIVED = (
    b"Received: from relay2.example.net (relay2.example.net [198.51.100.4])\r\n"
    b"\tby mx2.kommune.example with ESMTPS id 77XYZ; Thu, 12 Mar 2026 14:03:15 +0100\r\n"
    b"Received: from relay1.example.net by relay2.example.net; Thu, 12 Mar 2026 14:03:14 +0100\r\n"
)


def _header_block(raw: bytes) -> bytes:
    return raw[: raw.index(b"\r\n\r\n") + 4]


def _fields_only(raw: bytes) -> bytes:
    """What IMAP's BODY.PEEK[HEADER.FIELDS (...)] gives back: those fields, folded as sent."""
    fields = re.findall(rb"^[^\s:]+:.*\r\n(?:[ \t].*\r\n)*", _header_block(raw), re.MULTILINE)
    wanted = [f for f in fields if f.split(b":", 1)[0].lower().decode() in FINGERPRINT_FIELDS]
    return b"".join(wanted) + b"\r\n"


def test_fingerprint_matches_the_header_fields_fetched_alone():
    for name in ("webform_no_message_id.eml", "subject_utf8_b64.eml", "raw_headers_koi8r.eml"):
        raw = (DATA / name).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        msg = parse_message(raw, "email")
        assert msg.fingerprint == fingerprint_of(_header_block(raw)), name
        assert msg.fingerprint == fingerprint_of(_fields_only(raw)), name


def test_same_message_id_with_another_date_is_another_fingerprint():
    first = (DATA / "webform_reused_message_id.eml").read_bytes()
    second = first.replace(b"15:00:00 +0100", b"15:07:42 +0100")
    one, two = parse_message(first, "email"), parse_message(second, "email")
    assert one.external_id == two.external_id == "form@web01.kommune.example"
    assert one.fingerprint != two.fingerprint


def test_extra_received_lines_change_neither_fingerprint_nor_made_up_id():
    raw = (DATA / "webform_no_message_id.eml").read_bytes()
    again = parse_message(EXTRA_RECEIVED + raw, "email")
    # Another route may also store the mail with LF line endings.
    lf = parse_message((EXTRA_RECEIVED + raw).replace(b"\r\n", b"\n"), "email")
    msg = parse_message(raw, "email")
    assert msg.fingerprint == again.fingerprint == lf.fingerprint
    assert msg.external_id == again.external_id == lf.external_id


def test_made_up_message_id_is_never_in_the_desks_own_domain():
    msg = parse_message((DATA / "webform_no_message_id.eml").read_bytes(), "email")
    assert msg.external_id.endswith("@no-message-id.invalid")
    assert not msg.external_id.endswith("@desk.invalid")
    assert NOTE_MADE_UP_ID in msg.notes
    assert msg.sender_address == "kari@example.no"  # the form's Reply-To: the citizen


def test_made_up_message_id_differs_for_another_body_or_header():
    raw = (DATA / "webform_no_message_id.eml").read_bytes()
    ids = {
        parse_message(variant, "email").external_id
        for variant in (
            raw,
            raw.replace(b"ved skolen", b"ved kirken"),
            raw.replace(b"14:03:10", b"14:09:10"),
        )
    }
    assert len(ids) == 3
