"""Lenient decoding of the text inside real-world mail.

The stdlib trusts declared charsets and well-formed encoded words; mail in the
wild has neither. Undeclared 8-bit text that is not UTF-8 goes to
charset-normalizer, helped by the charsets the same mail declares. Everything
here returns a str and never raises on bad input.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import re
from collections.abc import Iterable

from charset_normalizer import from_bytes

from connectors.text import clean_line

# Labels that say "we don't know": guess instead of trusting them.
_UNKNOWN = frozenset(
    {
        "",
        "x-unknown",
        "unknown",
        "unknown-8bit",
        "x-user-defined",
        "default",
        "charset",
        "us-ascii",
        "ascii",
        "ansi_x3.4-1968",
        "7bit",
        "8bit",
    }
)
# Labels Python lacks or that mean a superset in practice (WHATWG: latin-1 is read
# as windows-1252, because mailers label 1252 text as 8859-1).
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "8859-1": "cp1252",
    "iso-8859-1:1987": "cp1252",
    "iso_8859-1:1987": "cp1252",
    "windows-1252": "cp1252",
    "x-cp1252": "cp1252",
    "iso-8859-15": "iso8859-15",
    "iso-8859-8-i": "iso8859-8",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    # WHATWG: these labels mean the Windows supersets (NEC and IBM extensions).
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
}
# Single-byte labels under which UTF-8 bytes are often mislabelled.
_SINGLE_BYTE = frozenset({"cp1252", "iso8859-1", "iso8859-15"})


def lookup_codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None to guess."""
    label = (charset or "").strip().strip("\"'").lower()
    if label in _UNKNOWN or not (label.isascii() and label.isprintable()):
        return None
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, charset: str | None = None, hints: Iterable[str] = ()) -> str:
    """Decode `data` declared as `charset`, recovering from wrong or missing labels.

    `hints` are charsets the same mail declares elsewhere, the first guess for
    8-bit bytes that are not UTF-8 when the label is missing or wrong.
    """
    for candidate in _candidates(lookup_codec(charset), data):
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(guess_codec(data, hints), errors="replace")


def _candidates(codec: str | None, data: bytes) -> list[str]:
    jis = list(_ISO_2022_JP) if b"\x1b" in data else []
    if codec is None:  # raw ISO-2022-JP is 7-bit, so it would pass as UTF-8
        return [*jis, "utf-8"]
    if codec in _SINGLE_BYTE:  # 8-bit bytes that are valid UTF-8 almost always are
        return ["utf-8", codec]
    return [codec, *jis] if codec.startswith("iso2022_jp") else [codec]


# Old Japanese phones and mailers wrote ISO-2022-JP without a label; _2 reads the
# later escapes (JIS X 0212), _ext the half-width katakana that phones used.
_ISO_2022_JP = ("iso2022_jp_2", "iso2022_jp_ext")
# What a mailer writes without saying so: the Windows code pages, the ISO sets
# they extend, KOI8 and the CJK multi-byte sets (WHATWG's legacy encodings less
# the Mac and DOS pages, which the detector picks for short Latin text).
_LEGACY = [
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
    "cp1258", "cp874", "iso8859_2", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7",
    "iso8859_8", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16",
    "koi8_r", "koi8_u", "gb18030", "big5hkscs", "cp932", "euc_jp", "cp949",
]  # fmt: skip
_WESTERN = "cp1252"


def guess_codec(data: bytes, hints: Iterable[str] = ()) -> str:
    """The codec of 8-bit text that no label describes and that is not UTF-8.

    A charset the same mail declares elsewhere wins when it reads the bytes: a
    mailer uses one. Otherwise charset-normalizer decides; where its evidence is
    too thin to rank (as for a short header: its own "difficult decision"
    margins), windows-1252 wins among the equals, as it did before detection.
    """
    for hint in hints:
        codec = lookup_codec(hint)
        if codec and codec != "utf-8":
            try:
                data.decode(codec)
                return codec
            except (UnicodeDecodeError, LookupError):
                continue
    try:
        matches = from_bytes(data, cp_isolation=_LEGACY)
    except Exception:  # a detector bug must not cost the mail: fall back as before
        return _WESTERN
    best = matches.best()
    if best is None:
        return _WESTERN
    for match in matches:
        undecided = (
            abs(match.chaos - best.chaos) < 0.005 and abs(match.coherence - best.coherence) <= 0.02
        )
        if undecided and _WESTERN in match.could_be_from_charset:
            return _WESTERN
    return best.encoding


def recover_8bit(text: str, codec: str | None = None) -> str:
    """Undo the surrogate escapes the parser leaves for raw 8-bit header bytes.

    `codec` is what the mail's header bytes were found to be (`header_codec`);
    without it, these bytes alone are detected.
    """
    if text.isascii():
        return _from_iso_2022_jp(text) if "\x1b" in text else text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(codec or guess_codec(data), errors="replace")


def _from_iso_2022_jp(text: str) -> str:
    return decode_bytes(text.encode("ascii"))


def header_codec(
    raw_values: Iterable[str], hints: Iterable[str] = (), context: Iterable[bytes] = ()
) -> str | None:
    """One codec for all the raw 8-bit bytes in a mail's headers, or None if UTF-8 does.

    Header strings are too short to detect one by one, so they are detected
    together, with the charsets the mail declares as `hints`, and with `context`:
    unlabelled text of the same mail, whose 8-bit bytes that are not UTF-8 join them.
    """
    data = b"\n".join(v.encode("utf-8", "surrogateescape") for v in raw_values if not v.isascii())
    if _is_utf8(data):
        return None
    more = [c for c in context if not _is_utf8(c)]
    return guess_codec(b"\n".join([data, *more]), hints)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


# The payload may hold spaces (`=?us-ascii?Q?ABC / 123?=`): mailers write them and
# the stdlib reads them, so the desk does too.
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "bB":
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        if len(cleaned) % 4 == 1:
            cleaned = cleaned[:-1]  # a lone trailing sextet cannot be decoded
        try:
            return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
        except binascii.Error:
            return payload.encode("ascii", "replace")
    return binascii.a2b_qp(payload.encode("ascii", "replace"), header=True)


def decode_header_value(value: str | None, codec: str | None = None) -> str:
    """Unfold a raw header value and decode RFC 2047 words in any charset, to one
    line without control characters.

    Adjacent words in one charset are joined as bytes before decoding, since
    mailers split multi-byte characters across words. `codec` reads raw 8-bit
    bytes (see `header_codec`).
    """
    if not value:
        return ""
    value = _FOLD.sub("", str(value))
    out: list[str] = []
    pending: bytes = b""
    pending_charset: str | None = None
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_bytes(pending, pending_charset, [codec] if codec else ()))
        pending, pending_charset = b"", None

    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        charset = match.group(1)
        if between.strip() or (pending and charset.lower() != (pending_charset or "").lower()):
            flush()
            if between.strip():
                out.append(recover_8bit(between, codec))
        elif not pending and between:
            out.append(between)  # whitespace before the first word of a run
        pending += _word_bytes(match.group(2), match.group(3))
        pending_charset = charset
        pos = match.end()
    flush()
    out.append(recover_8bit(value[pos:], codec))
    return clean_line("".join(out))


_BRACKETED = re.compile(r"<([^<>]*)>")


def normalize_msgid(value: str | None) -> str | None:
    """`<Abc@Example.COM>` -> `Abc@example.com`; None when there is no id."""
    if not value:
        return None
    match = _BRACKETED.search(value)
    token = match.group(1) if match else value.strip().split()[0] if value.strip() else ""
    token = re.sub(r"\s+", "", recover_8bit(token)).strip("<>")
    if not token:
        return None
    local, at, domain = token.rpartition("@")
    return f"{local}@{domain.lower()}" if at else token


def msgid_list(value: str | None) -> tuple[str, ...]:
    """All Message-IDs in a References/In-Reply-To value, normalised, in order, once each."""
    if not value:
        return ()
    tokens = _BRACKETED.findall(value) or value.split()
    ids = (normalize_msgid(f"<{token}>") for token in tokens)
    return tuple(dict.fromkeys(i for i in ids if i))


# Not the desk's own Message-ID domain (`desk.invalid` by default): the loop guard
# drops mail whose id is in that domain as the desk's own.
SYNTHETIC_MSGID_DOMAIN = "no-message-id.invalid"


def synthetic_msgid(fingerprint: str, body: bytes) -> str:
    """A stable id for a mail without Message-ID, so dedupe still works.

    Made from the header fingerprint and the body, not from the whole source,
    so the same mail delivered twice by two routes (other Received lines, CRLF
    or LF) gets one id.
    """
    digest = hashlib.sha256(fingerprint.encode())
    digest.update(body.replace(b"\r\n", b"\n").rstrip())
    return f"sha256-{digest.hexdigest()}@{SYNTHETIC_MSGID_DOMAIN}"
