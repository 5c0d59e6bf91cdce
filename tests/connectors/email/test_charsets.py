"""Header and body text in the charsets and shapes real mailers send."""

from __future__ import annotations

import re
from pathlib import Path
from unittest import mock

import pytest

from connectors.email import decode, parse_message
from connectors.email.decode import decode_bytes, decode_header_value, header_codec

DATA = Path(__file__).parents[2] / "data" / "email"
# Anything a person did not type: C0 controls, DEL and C1.
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def parse(name: str):
    return parse_message((DATA / name).read_bytes(), "email")


def test_encoded_words_with_spaces_inside_are_decoded():
    msg = parse("encoded_words_with_spaces.eml")
    assert msg.subject == "Sak 2026/123 - ABC / 123 gjelder søknad"
    assert msg.sender_name == "Pål Sæther / Kommune"
    assert decode_header_value("=?us-ascii?Q?ABC / 123?=") == "ABC / 123"


@pytest.mark.parametrize(
    ("name", "sender", "subject", "text"),
    [
        # The body declares the charset: the raw headers are read in it.
        ("raw_headers_koi8r.eml", "Иван Петров", "Заявление на пособие", "Прошу рассмотреть"),
        ("raw_headers_gb2312.eml", "王小明", "关于垃圾收集的投诉", "我想投诉"),
        ("raw_headers_latin2.eml", "Paweł Wójcik", "Wniosek o zasiłek, Łódź", "Dzień dobry"),
        # Nothing declared: detected, over all the header bytes together.
        ("raw_headers_sjis_undeclared.eml", "山田太郎", "ゴミ収集についての苦情", "二週間も"),
        ("raw_headers_cp1251_no_mime.eml", "Ольга Смирнова", "Вопрос о парковке возле школы",
         "Подскажите"),
        # Too short to tell alone: the unlabelled body of the same mailer tells.
        ("raw_headers_koi8r_unlabelled.eml", "Иван Петров", "Заявление на пособие",
         "Прошу рассмотреть"),
    ],
)  # fmt: skip
def test_raw_8bit_headers_in_legacy_charsets(name: str, sender: str, subject: str, text: str):
    msg = parse(name)
    assert (msg.sender_name, msg.subject) == (sender, subject)
    assert text in msg.text


def test_raw_8bit_file_names_are_read_with_the_mails_charset():
    assert [a.filename for a in parse("raw_headers_gb2312.eml").attachments] == ["照片.pdf"]
    assert [a.filename for a in parse("raw_headers_latin2.eml").attachments] == ["Wniosek_Łódź.pdf"]


def test_raw_latin1_header_stays_western_without_any_hint():
    raw = "From: Pål Sæther <pal@example.no>\r\nSubject: Spørsmål om øl\r\n\r\nhei\r\n"
    msg = parse_message(raw.encode("cp1252"), "email")
    assert (msg.sender_name, msg.subject) == ("Pål Sæther", "Spørsmål om øl")


def test_ascii_and_utf8_never_call_the_detector():
    with mock.patch.object(decode, "from_bytes", side_effect=AssertionError("detector called")):
        for name in ("subject_utf8_b64.eml", "damaged_headers.eml", "forwarded_8bit_crlf.eml"):
            parse(name)
        assert decode_bytes("blåbær".encode()) == "blåbær"
        assert decode_bytes(b"plain ascii", "us-ascii") == "plain ascii"
        assert header_codec(["ascii", "Bl\udcc3\udca5b\udcc3\udca6r"]) is None


def test_undeclared_8bit_body_is_detected():
    text = "Здравствуйте! Прошу рассмотреть моё заявление о месте в детском саду. Иван"
    assert decode_bytes(text.encode("koi8-r"), "unknown-8bit") == text
    assert decode_bytes(text.encode("cp1251")) == text


def test_control_characters_never_reach_subject_name_or_file_name():
    msg = parse("control_characters.eml")
    assert msg.subject == "Klage på støy fra skolen"
    assert msg.sender_name == "Kari Nordmann"
    assert [a.filename for a in msg.attachments] == ["måling rapport.pdf"]
    for value in (msg.subject, msg.sender_name, msg.attachments[0].filename):
        assert not CONTROLS.search(value)


def test_bodies_keep_newlines_and_tabs_but_no_other_controls():
    msg = parse("control_characters.eml")
    assert msg.text.startswith("Linje 1 med NUL\nKolonne\tA\tB\n")
    assert not CONTROLS.search(msg.text.replace("\n", "").replace("\t", ""))
    assert msg.html == "<p>Linje 1 med NUL</p>"


def test_raw_iso_2022_jp_from_a_phone_and_windows_31j_digits():
    msg = parse("phone_iso2022jp.eml")
    assert msg.subject == "ゴミの件"
    assert msg.text == "回収をお願いします。\n\n①燃えるゴミ ②資源ゴミ"


def test_space_before_the_colon_does_not_end_the_header_block():
    msg = parse("space_before_colon.eml")
    assert msg.subject == "Klage på parkering"
    assert msg.recipients == ("post@kommune.example",)
    assert msg.text == "Bilen står der fortsatt."


def test_one_cleaning_rule_for_lines_and_text():
    from connectors.text import clean_line, clean_text

    assert clean_line(" Sak\x00 om\x1b\r\nvei\x85 \ud800") == "Sak om vei \ufffd"
    assert clean_text("a\r\nb\rc\x00\td\x7f") == "a\nb\nc\td"
