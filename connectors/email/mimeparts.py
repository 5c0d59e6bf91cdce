"""Walk a parsed MIME tree into body text, HTML and attachments.

Reads headers from `raw_items()` and decodes them with `decode`, so one odd
header cannot stop the walk; a part that still fails becomes a raw attachment.
"""

from __future__ import annotations

import binascii
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

_EXTENSIONS = {
    "message/rfc822": ".eml",
    "message/delivery-status": ".txt",
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
    """What the walk collected; `embedded_ids` are Message-IDs of attached mails."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    embedded_ids: list[str] = field(default_factory=list)
    used_bytes: int = 0


def raw_header(part: Message, name: str) -> str | None:
    """The first header `name` as it stood in the source (folded, undecoded)."""
    wanted = name.lower()
    for key, value in part.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def header_param(raw_value: str | None, param: str) -> str | None:
    """A parameter of a structured header, RFC 2231 and RFC 2047 encodings decoded."""
    if not raw_value:
        return None
    scratch = email_message.Message()  # compat32: keeps our already-recovered text as is
    scratch["x"] = recover_8bit(re.sub(r"\r?\n(?=[ \t])", "", raw_value))
    value = scratch.get_param(param, header="x")
    if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded latin-1 text)
        charset, _, text = value
        value = decode_bytes(text.encode("latin-1", "replace"), charset)
    if not isinstance(value, str):
        return None
    return decode_header_value(value) if "=?" in value else value.strip()


def content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # the stdlib parses this lazily; a bad value means text/plain (RFC 2045)
        return "text/plain"


def _filename(part: Message) -> str | None:
    name = header_param(raw_header(part, "content-disposition"), "filename") or header_param(
        raw_header(part, "content-type"), "name"
    )
    if not name:
        return None
    name = re.sub(r"[\x00-\x1f\x7f]", "", name.replace("\\", "/")).rsplit("/", 1)[-1].strip()
    return name[:255] or None


def _payload(part: Message) -> bytes:
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
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "", hint or "")[:80].strip() or f"part-{index}"
    return stem + _EXTENSIONS.get(ctype, ".bin")


_UU_BLOCK = re.compile(
    r"^begin [0-7]{3,4} (?P<name>[^\r\n]+)\r?\n(?P<data>.*?)^end\s*$", re.MULTILINE | re.DOTALL
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


def _text_part(body: Body, limits: Limits, ctype: str, text: str) -> None:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if ctype == "text/html":
        body.html.append(text)
        return
    for match in _UU_BLOCK.finditer(text):  # uuencoded files pasted into the body
        name = match.group("name").strip().rsplit("/", 1)[-1]
        data = _uudecode(match["data"])
        _attach(body, limits, Attachment(name, "application/octet-stream", data))
    if "begin " in text:
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
    filename = _filename(part)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        charset = header_param(raw_header(part, "content-type"), "charset")
        _text_part(body, limits, ctype, decode_bytes(_payload(part), charset))
        return
    if ctype.startswith("message/") or ctype == "text/rfc822-headers":
        data, hint = _embedded(part, body, ctype)
    else:
        data, hint = _payload(part), None
    content_id = normalize_msgid(raw_header(part, "content-id"))
    inline = disposition == "inline" or (
        not disposition and bool(content_id) and (related or ctype.startswith("image/"))
    )
    name = filename or _default_name(ctype, index, hint)
    _attach(body, limits, Attachment(name, ctype, data, content_id, inline and bool(content_id)))


def _embedded(part: Message, body: Body, ctype: str) -> tuple[bytes, str | None]:
    """Bytes of an attached mail or report block, noting the Message-IDs it carries."""
    payload = part.get_payload()
    if ctype == "message/delivery-status" and isinstance(payload, list):
        lines: list[str] = []
        for block in payload:
            for key, value in block.raw_items():
                lines.append(f"{key}: {recover_8bit(str(value))}")
                if key.lower() in ("original-message-id", "x-original-message-id"):
                    body.embedded_ids.append(normalize_msgid(str(value)) or "")
            lines.append("")
        return "\n".join(lines).encode("utf-8"), "delivery-status"
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        inner = payload[0]
        body.embedded_ids.append(normalize_msgid(raw_header(inner, "message-id")) or "")
        return _message_bytes(inner), decode_header_value(raw_header(inner, "subject"))
    data = _payload(part)
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(data)
    body.embedded_ids.append(normalize_msgid(headers.get("message-id")) or "")
    return data, "original-headers" if ctype == "text/rfc822-headers" else None


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
        data = _payload(part)
        body.attachments.append(Attachment(f"part-{index}.bin", "application/octet-stream", data))
        body.plain.append(f"[part {index} could not be read: {type(exc).__name__}]")
    return body
