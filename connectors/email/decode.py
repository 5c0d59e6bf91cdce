"""Lenient decoding of the text inside real-world mail.

The stdlib trusts declared charsets and well-formed encoded words; mail in the
wild has neither. Everything here returns a str and never raises on bad input.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import re

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
    "x-sjis": "shift_jis",
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


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode `data` declared as `charset`, recovering from wrong or missing labels."""
    codec = lookup_codec(charset)
    if codec is None or codec in _SINGLE_BYTE:
        try:
            return data.decode("utf-8")  # 8-bit bytes that are valid UTF-8 almost always are
        except UnicodeDecodeError:
            pass
    for candidate in (codec, "utf-8", "cp1252"):
        if candidate:
            try:
                return data.decode(candidate)
            except (UnicodeDecodeError, LookupError):
                continue
    return data.decode(codec or "latin-1", errors="replace")


def recover_8bit(text: str) -> str:
    """Undo the surrogate escapes the parser leaves for raw 8-bit header bytes."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return decode_bytes(text.encode("utf-8", "surrogateescape"))


_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")
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


def decode_header_value(value: str | None) -> str:
    """Unfold a raw header value and decode RFC 2047 words in any charset.

    Adjacent words in one charset are joined as bytes before decoding, since
    mailers split multi-byte characters across words.
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
            out.append(decode_bytes(pending, pending_charset))
        pending, pending_charset = b"", None

    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        charset = match.group(1)
        if between.strip() or (pending and charset.lower() != (pending_charset or "").lower()):
            flush()
            if between.strip():
                out.append(recover_8bit(between))
        elif not pending and between:
            out.append(between)  # whitespace before the first word of a run
        pending += _word_bytes(match.group(2), match.group(3))
        pending_charset = charset
        pos = match.end()
    flush()
    out.append(recover_8bit(value[pos:]))
    return re.sub(r"[\r\n\t]+", " ", "".join(out)).strip()


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


def synthetic_msgid(raw: bytes) -> str:
    """A stable id for a mail without Message-ID, so dedupe still works."""
    return f"sha256-{hashlib.sha256(raw).hexdigest()}@desk.invalid"
