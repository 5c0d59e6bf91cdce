"""Walk a parsed MIME tree into body text, HTML and attachments.

Reads headers from `raw_items()` and decodes them with `decode`, so one odd
header cannot stop the walk; a part that still fails becomes a raw attachment.
An attached mail is cut from the source bytes as it was sent, not re-serialised.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import mimetypes
import re
from dataclasses import dataclass, field
from email import message as email_message
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser

from connectors.base import Attachment
from connectors.email.decode import (
    decode_bytes,
    decode_header_value,
    normalize_msgid,
    recover_8bit,
)
from connectors.email.source_map import map_sources
from connectors.text import clean_line, clean_text

_EXTENSIONS = {
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/delivery-status": ".txt",
    "message/global-delivery-status": ".txt",
    "message/global-headers": ".txt",
    "text/rfc822-headers": ".txt",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "application/pdf": ".pdf",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "application/pkcs7-mime": ".p7m",
    "application/x-pkcs7-mime": ".p7m",
    "application/pgp-signature": ".asc",
    "application/pgp-encrypted": ".pgp",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
}


@dataclass(frozen=True)
class Limits:
    """`max_bytes` bounds all attachments together, `max_attachment_bytes` each one."""

    max_bytes: int | None = None
    max_attachment_bytes: int | None = None


@dataclass
class Body:
    """What the walk collected, and what it reads with.

    `embedded_ids` are Message-IDs of attached mails; `inline_text` is text of
    named text parts shown inline (an MMS gateway's ``text_0.txt``), the body
    when there is no other. `source` is the parsed bytes of `root`, to cut
    attached mails from as they were sent; `codec` reads raw 8-bit header bytes.
    """

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    embedded_ids: list[str] = field(default_factory=list)
    inline_text: list[str] = field(default_factory=list)
    used_bytes: int = 0
    codec: str | None = None
    root: Message | None = None
    source: bytes = b""
    _sources: dict[int, bytes] | None = field(default=None, init=False, repr=False)

    def source_of(self, part: Message) -> bytes | None:
        """The body of `part` as it stands in `source`, or None if it cannot be found."""
        if self._sources is None:  # only mails with an attached mail pay for this
            self._sources = {}
            if self.root is not None:
                # Odd boundaries: what was mapped stands, the rest is re-serialised.
                with contextlib.suppress(Exception):
                    map_sources(self.root, self.source, self._sources)
        return self._sources.get(id(part))


def raw_header(part: Message, name: str) -> str | None:
    """The first header `name` as it stood in the source (folded, undecoded)."""
    wanted = name.lower()
    for key, value in part.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def header_param(raw_value: str | None, param: str, codec: str | None = None) -> str | None:
    """A parameter of a structured header, RFC 2231 and RFC 2047 encodings decoded;
    `codec` reads raw 8-bit bytes (see `decode.header_codec`)."""
    if not raw_value:
        return None
    scratch = email_message.Message()  # compat32: keeps our already-recovered text as is
    scratch["x"] = recover_8bit(re.sub(r"\r?\n(?=[ \t])", "", raw_value), codec)
    value = scratch.get_param(param, header="x")
    if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded latin-1 text)
        charset, _, text = value
        value = decode_bytes(text.encode("latin-1", "replace"), charset)
    if not isinstance(value, str):
        return None
    return decode_header_value(value, codec) if "=?" in value else value.strip()


def content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # the stdlib parses this lazily; a bad value means text/plain (RFC 2045)
        return "text/plain"


def _filename(part: Message, codec: str | None) -> str | None:
    disposition, ctype = raw_header(part, "content-disposition"), raw_header(part, "content-type")
    name = header_param(disposition, "filename", codec) or header_param(ctype, "name", codec)
    return _safe_name(name) if name else None


def _safe_name(name: str) -> str | None:
    """The last path segment of a sender's file name, on one line, at most 255 characters."""
    return clean_line(name.replace("\\", "/").rsplit("/", 1)[-1])[:255] or None


def part_bytes(part: Message) -> bytes:
    """The content of a leaf part, its transfer encoding undone."""
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _message_bytes(inner: Message) -> bytes:
    for pol in (policy.default.clone(refold_source="none"), policy.compat32):
        try:
            return inner.as_bytes(policy=pol)
        except Exception:
            continue
    try:
        return str(inner).encode("utf-8", "surrogateescape")
    except Exception:
        return b""  # walk() then keeps the part as an empty attachment, not a crash


def _attach(body: Body, limits: Limits, att: Attachment) -> None:
    """Keep `att`, or a small text placeholder when it is over a size limit."""
    over_one = limits.max_attachment_bytes is not None and att.size > limits.max_attachment_bytes
    over_all = limits.max_bytes is not None and body.used_bytes + att.size > limits.max_bytes
    if over_one or over_all:
        note = (
            f"The attachment {att.filename!r} ({att.content_type}, {att.size} bytes, "
            f"sha256 {att.sha256}) was left out: it is over the size limit. "
            "The original is in the raw message."
        )
        att = Attachment(f"{att.filename}.omitted.txt", "text/plain", note.encode("utf-8"))
    body.used_bytes += att.size
    body.attachments.append(att)


def _default_name(ctype: str, index: int, hint: str | None = None) -> str:
    stem = re.sub(r'[\\/:*?"<>|]', "", clean_line(hint or ""))[:80].strip() or f"part-{index}"
    return stem + _EXTENSIONS.get(ctype, ".bin")


# uuencoded files pasted into a text part, and their base64 cousin (`uuencode -m`).
_UU_BLOCK = re.compile(
    r"^begin(?P<b64>-base64)? [0-7]{3,4} (?P<name>[^\n]+)\n(?P<data>.*?)^(?(b64)====|end)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def _uudecode(block: str) -> bytes:
    out = bytearray()
    for line in block.splitlines():
        if not line or line in ("`", " "):
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:  # encoders that pad short lines wrongly (as in uu.py)
            length = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
            try:
                out += binascii.a2b_uu(line[:length])
            except binascii.Error:
                continue
    return bytes(out)


def _uu_attachment(match: re.Match[str]) -> Attachment:
    name = _safe_name(match["name"]) or "uuencoded.bin"
    if match["b64"]:
        digits = re.sub(r"[^A-Za-z0-9+/]", "", match["data"])
        digits = digits[: len(digits) - (len(digits) % 4 == 1)]  # a lone sextet is no byte
        data = binascii.a2b_base64(digits + "=" * (-len(digits) % 4))
    else:
        data = _uudecode(match["data"])
    ctype = mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"
    return Attachment(name, ctype, data)


def _text_part(body: Body, limits: Limits, ctype: str, text: str) -> None:
    text = clean_text(text)
    if ctype == "text/html":
        body.html.append(text)
        return
    if "begin" in text and _UU_BLOCK.search(text):
        for match in _UU_BLOCK.finditer(text):
            _attach(body, limits, _uu_attachment(match))
        text = re.sub(r"\n{3,}", "\n\n", _UU_BLOCK.sub("", text)).strip("\n")
    body.plain.append(text)


def _disposition(part: Message) -> str:
    raw = raw_header(part, "content-disposition") or ""
    return raw.split(";", 1)[0].strip().lower()


def _leaf(part: Message, body: Body, limits: Limits, index: int, related: bool) -> None:
    ctype = content_type(part)
    if ctype.startswith("multipart/"):
        ctype = "text/plain"  # a multipart without a usable boundary: read it as text
    disposition = _disposition(part)
    filename = _filename(part, body.codec)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        _text_part(body, limits, ctype, _decoded(part))
        return
    if ctype == "text/plain" and disposition != "attachment":
        body.inline_text.append(clean_text(_decoded(part)))
    if ctype.startswith("message/") or ctype == "text/rfc822-headers":
        data, hint = _embedded(part, body, ctype)
    else:
        data, hint = part_bytes(part), None
    content_id = normalize_msgid(raw_header(part, "content-id"))
    inline = disposition == "inline" or (
        not disposition and bool(content_id) and (related or ctype.startswith("image/"))
    )
    name = filename or _default_name(ctype, index, hint)
    _attach(body, limits, Attachment(name, ctype, data, content_id, inline and bool(content_id)))


def _decoded(part: Message) -> str:
    return decode_bytes(part_bytes(part), header_param(raw_header(part, "content-type"), "charset"))


# The returned mail's id in a delivery-status block (RFC 3464 and RFC 6533).
_ORIGINAL_ID = re.compile(rb"^(?:X-)?Original-Message-ID:[ \t]*(.*)$", re.I | re.M)


def _embedded(part: Message, body: Body, ctype: str) -> tuple[bytes, str | None]:
    """Bytes of an attached mail or report block as they were sent, noting the
    Message-IDs it carries."""
    payload = part.get_payload()
    if ctype in ("message/delivery-status", "message/global-delivery-status"):
        data = _as_sent(part, body)
        if data is None:
            data = _status_lines(payload if isinstance(payload, list) else [])
        ids = (normalize_msgid(m.decode("utf-8", "replace")) for m in _ORIGINAL_ID.findall(data))
        body.embedded_ids.extend(i for i in ids if i)
        return data, "delivery-status"
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        data = _as_sent(part, body)
        if data is None:
            data = _message_bytes(payload[0])
        headers = _header_block(data)
        body.embedded_ids.append(normalize_msgid(raw_header(headers, "message-id")) or "")
        return data, decode_header_value(raw_header(headers, "subject"))
    data = part_bytes(part)
    body.embedded_ids.append(normalize_msgid(raw_header(_header_block(data), "message-id")) or "")
    return data, "original-headers" if ctype.endswith("-headers") else None


def _as_sent(part: Message, body: Body) -> bytes | None:
    """The body of `part` byte for byte from the source, undoing a transfer encoding
    (which RFC 2046 forbids on message/rfc822, and mailers use anyway)."""
    data = body.source_of(part)
    encoding = (raw_header(part, "content-transfer-encoding") or "").strip().lower()
    if data is None or encoding not in ("base64", "quoted-printable"):
        return data
    try:
        return base64.b64decode(data) if encoding == "base64" else binascii.a2b_qp(data)
    except (binascii.Error, ValueError):
        return None


def _status_lines(blocks: list[Message]) -> bytes:
    """A delivery-status part written out from its parsed blocks."""
    fields = ("\n".join(f"{k}: {recover_8bit(str(v))}" for k, v in b.raw_items()) for b in blocks)
    return "\n\n".join(fields).encode("utf-8")


_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def _header_block(data: bytes) -> Message:
    """The header fields at the start of `data`, read without parsing the rest."""
    end = _BLANK_LINE.search(data)
    head = data[: end.start()] if end else data
    return BytesHeaderParser(policy=policy.compat32).parsebytes(head)


def walk(part: Message, body: Body, limits: Limits, related: bool = False) -> Body:
    """Collect `part` and its children into `body`, depth first, in source order."""
    if part.is_multipart() and not content_type(part).startswith("message/"):
        related = related or content_type(part) == "multipart/related"
        for child in part.get_payload():
            if isinstance(child, Message):
                walk(child, body, limits, related)
        return body
    index = len(body.attachments) + 1
    try:
        _leaf(part, body, limits, index, related)
    except Exception as exc:  # keep the bytes of a part we could not read, say why
        data = part_bytes(part)
        body.attachments.append(Attachment(f"part-{index}.bin", "application/octet-stream", data))
        body.plain.append(f"[part {index} could not be read: {type(exc).__name__}]")
    return body
